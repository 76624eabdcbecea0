//! The sidecar manifest `<main file name>.manifest.json`: which version a copy holds,
//! readable without the seed.
//!
//! The backup file itself stays byte-identical to lnd's; the manifest sits beside it and
//! records a monotonic sequence number, the time, the channel count when known, the
//! SHA-256 of the file and the SHA-256 of the previous manifest. It is written crash-safely
//! after the main file, so after a crash it describes either the current file or the one
//! before it ([`Manifest::describes`] tells which).

use std::time::{SystemTime, UNIX_EPOCH};

use bitcoin::hashes::{sha256, Hash};
use serde::{Deserialize, Serialize};
use tracing::{error, warn};

use crate::atomic::replace_file;
use crate::format::PRIVATE_MODE;
use crate::multi_file::{MultiFile, SEQUENCE_LIMIT};
use crate::read::read_or_not_found;
use crate::read::MAX_MANIFEST_LEN;
use crate::report::ManifestOutcome;
use crate::StoreError;

/// The manifest format this crate writes.
pub const MANIFEST_FORMAT: u32 = 1;

/// Suffix appended to the main file name to name its manifest.
pub const MANIFEST_SUFFIX: &str = ".manifest.json";

/// One manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`MANIFEST_FORMAT`]).
    pub format: u32,
    /// Monotonic: each write of the main file through scb-store adds one.
    pub sequence: u64,
    /// Seconds since the Unix epoch when the version was written.
    pub written_at_unix: u64,
    /// Number of channels in the backup, when the writer knew it.
    pub channel_count: Option<u32>,
    /// Length of the backup file in bytes.
    pub file_len: u64,
    /// SHA-256 of the backup file (the ciphertext), lower-case hex.
    pub file_sha256: String,
    /// SHA-256 of the previous manifest's bytes, lower-case hex; `None` for the first.
    pub previous_manifest_sha256: Option<String>,
}

/// How a copy's manifest relates to a manifest remembered earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The same version.
    Same,
    /// A later version.
    Newer,
    /// An earlier version: the copy was rolled back (or is a stale replica).
    RolledBack,
    /// The same sequence number but different content: two histories diverged.
    Forked,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256::Hash::hash(bytes).to_string()
}

impl Manifest {
    /// The manifest for `file` following `previous` (whose raw bytes are `previous_bytes`).
    pub fn next(
        file: &[u8],
        previous: Option<(&Manifest, &[u8])>,
        channel_count: Option<u32>,
        written_at_unix: u64,
    ) -> Self {
        Manifest {
            format: MANIFEST_FORMAT,
            sequence: previous.map_or(1, |(m, _)| m.sequence.saturating_add(1)),
            written_at_unix,
            channel_count,
            file_len: file.len() as u64,
            file_sha256: sha256_hex(file),
            previous_manifest_sha256: previous.map(|(_, bytes)| sha256_hex(bytes)),
        }
    }

    /// Parses a manifest, refusing unknown formats.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(format!("unknown manifest format {}", manifest.format));
        }
        Ok(manifest)
    }

    /// The bytes written to disk (pretty JSON with a trailing newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings and integers cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// True when this manifest describes exactly `file`.
    pub fn describes(&self, file: &[u8]) -> bool {
        self.file_len == file.len() as u64 && self.file_sha256 == sha256_hex(file)
    }

    /// Compares this (a copy's manifest) with one seen earlier.
    pub fn compare(&self, remembered: &Manifest) -> Freshness {
        use std::cmp::Ordering;
        match self.sequence.cmp(&remembered.sequence) {
            Ordering::Greater => Freshness::Newer,
            Ordering::Less => Freshness::RolledBack,
            Ordering::Equal if self.file_sha256 == remembered.file_sha256 => Freshness::Same,
            Ordering::Equal => Freshness::Forked,
        }
    }

    /// Index of the newest of several copies' manifests (highest sequence, then latest time).
    pub fn newest(manifests: &[Manifest]) -> Option<usize> {
        manifests
            .iter()
            .enumerate()
            .max_by_key(|(_, m)| (m.sequence, m.written_at_unix))
            .map(|(i, _)| i)
    }
}

/// How the manifest of a swap is produced.
pub(crate) enum ManifestPlan<'a> {
    /// Off.
    Off,
    /// Computed from the previous manifest beside the file (the primary).
    Next { channel_count: Option<u32> },
    /// A byte copy of the primary's manifest (mirrors carry the primary's sequence).
    Copy(&'a [u8]),
}

impl MultiFile {
    pub(crate) fn write_manifest(
        &self,
        packed: &[u8],
        plan: &ManifestPlan<'_>,
        now: SystemTime,
    ) -> ManifestOutcome {
        let path = self.manifest_path();
        let (bytes, sequence, previous_unreadable) = match plan {
            ManifestPlan::Off => return ManifestOutcome::Disabled,
            ManifestPlan::Copy(bytes) => match Manifest::parse(bytes) {
                Ok(m) => (bytes.to_vec(), m.sequence, None),
                Err(reason) => {
                    return ManifestOutcome::Failed(StoreError::Manifest { path, reason })
                }
            },
            ManifestPlan::Next { channel_count } => {
                let unix = now.duration_since(UNIX_EPOCH).unwrap_or_default();
                let previous = match read_or_not_found(self.fs.as_ref(), &path, MAX_MANIFEST_LEN) {
                    Ok(bytes) => match Manifest::parse(&bytes) {
                        Ok(m) if m.sequence >= SEQUENCE_LIMIT => {
                            let reason = format!(
                                "sequence {} cannot advance; move the manifest aside to start \
                                 a new chain",
                                m.sequence
                            );
                            error!(path = %path.display(), %reason, "manifest not written");
                            return ManifestOutcome::Failed(StoreError::Manifest { path, reason });
                        }
                        Ok(m) => Ok(Some((m, bytes))),
                        Err(reason) => Err((reason, bytes)),
                    },
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err((e.to_string(), Vec::new())),
                };
                match previous {
                    Ok(previous) => {
                        let next = Manifest::next(
                            packed,
                            previous.as_ref().map(|(m, b)| (m, b.as_slice())),
                            *channel_count,
                            unix.as_secs(),
                        );
                        (next.to_bytes(), next.sequence, None)
                    }
                    Err((reason, bytes)) => {
                        // The previous sequence is unknown: never restart at 1 (that would
                        // reuse numbers); continue above any count a writer reaches, the
                        // time in microseconds, and say so loudly.
                        let mut next = Manifest::next(packed, None, *channel_count, unix.as_secs());
                        let micros = u64::try_from(unix.as_micros()).unwrap_or(SEQUENCE_LIMIT - 1);
                        next.sequence = micros.clamp(1, SEQUENCE_LIMIT - 1);
                        if !bytes.is_empty() {
                            next.previous_manifest_sha256 = Some(sha256_hex(&bytes));
                        }
                        error!(path = %path.display(), %reason, sequence = next.sequence,
                            "previous manifest unreadable; sequence continues from the clock");
                        (next.to_bytes(), next.sequence, Some(reason))
                    }
                }
            }
        };
        match replace_file(
            self.fs.as_ref(),
            &self.manifest_staging_path(),
            &path,
            &bytes,
            PRIVATE_MODE,
        ) {
            Ok(()) => ManifestOutcome::Written {
                sequence,
                previous_unreadable,
            },
            Err(e) => {
                warn!(error = %e, "manifest not written; the backup file is updated");
                ManifestOutcome::Failed(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_links_sequence_and_previous_hash() {
        let first = Manifest::next(b"one", None, Some(3), 100);
        assert_eq!(first.sequence, 1);
        assert_eq!(first.previous_manifest_sha256, None);
        let first_bytes = first.to_bytes();
        let second = Manifest::next(b"two", Some((&first, &first_bytes)), None, 200);
        assert_eq!(second.sequence, 2);
        assert_eq!(
            second.previous_manifest_sha256,
            Some(sha256_hex(&first_bytes))
        );
        assert!(second.describes(b"two"));
        assert!(!second.describes(b"one"));
        assert_eq!(Manifest::parse(&second.to_bytes()).unwrap(), second);
    }

    #[test]
    fn sha256_hex_matches_the_known_digest_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn compare_detects_rollback_and_fork() {
        let a = Manifest::next(b"a", None, None, 1);
        let a_bytes = a.to_bytes();
        let b = Manifest::next(b"b", Some((&a, &a_bytes)), None, 2);
        let b_fork = Manifest::next(b"other", Some((&a, &a_bytes)), None, 2);
        assert_eq!(a.compare(&b), Freshness::RolledBack);
        assert_eq!(b.compare(&a), Freshness::Newer);
        assert_eq!(b.compare(&b.clone()), Freshness::Same);
        assert_eq!(b_fork.compare(&b), Freshness::Forked);
        assert_eq!(Manifest::newest(&[a.clone(), b.clone(), a]), Some(1));
        assert_eq!(Manifest::newest(&[]), None);
    }

    #[test]
    fn parse_rejects_unknown_format_and_garbage() {
        let mut m = Manifest::next(b"a", None, None, 1);
        m.format = 2;
        assert!(Manifest::parse(&m.to_bytes())
            .unwrap_err()
            .contains("format 2"));
        assert!(Manifest::parse(b"{").is_err());
        assert!(Manifest::parse(b"").is_err());
    }
}
