//! The caller-supplied check that a backup is good before it is pushed or restored.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// What a verifier learned about a backup it accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VerifiedInfo {
    /// Number of channels in the backup, when the verifier decoded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<usize>,
}

impl VerifiedInfo {
    /// An accepted backup about which nothing more is known.
    pub fn new() -> Self {
        Self::default()
    }

    /// An accepted backup holding `channels` channels.
    pub fn with_channels(channels: usize) -> Self {
        Self {
            channels: Some(channels),
        }
    }
}

type VerifyFn = dyn Fn(&[u8]) -> Result<VerifiedInfo, String> + Send + Sync;

/// A check run on the exact bytes before they are replicated or restored.
///
/// This crate holds no keys: the caller (the `scb` CLI, or a node embedding this crate)
/// supplies a function that decrypts and decodes the bytes and returns `Err(reason)` when
/// they are not a backup it can open. Bytes that fail are never pushed over a remote copy.
#[derive(Clone)]
pub struct Verifier(Arc<VerifyFn>);

impl Verifier {
    /// Wraps a verification function.
    pub fn new<F>(f: F) -> Self
    where
        F: Fn(&[u8]) -> Result<VerifiedInfo, String> + Send + Sync + 'static,
    {
        Self(Arc::new(f))
    }

    /// Runs the check on `bytes`.
    pub fn verify(&self, bytes: &[u8]) -> Result<VerifiedInfo, String> {
        (self.0)(bytes)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_passes_bytes_and_returns_its_verdict() {
        let v = Verifier::new(|b: &[u8]| {
            if b.starts_with(b"ok") {
                Ok(VerifiedInfo::with_channels(b.len()))
            } else {
                Err("bad magic".into())
            }
        });
        assert_eq!(v.verify(b"ok123"), Ok(VerifiedInfo::with_channels(5)));
        assert_eq!(v.verify(b"no"), Err("bad magic".to_string()));
        assert_eq!(format!("{v:?}"), "Verifier(..)");
    }
}
