//! Getting a copy back from a destination.

use crate::destination::Destination;
use crate::error::{ReplicateError, Result};
use crate::layout::{sha256_hex, HistoryEntry};
use crate::verify::{VerifiedInfo, Verifier};

/// A copy fetched from a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetched {
    /// The backup's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256, hex.
    pub sha256: String,
    /// The history version these bytes are, when known.
    pub version: Option<String>,
    /// What the verifier reported, when one was given.
    pub info: Option<VerifiedInfo>,
}

fn finish(
    dest: &Destination,
    what: &str,
    bytes: Vec<u8>,
    version: Option<String>,
    verifier: Option<&Verifier>,
) -> Result<Fetched> {
    let info = match verifier {
        Some(v) => Some(
            v.verify(&bytes)
                .map_err(|reason| ReplicateError::Verification {
                    what: format!("{what} at {dest}"),
                    reason,
                })?,
        ),
        None => None,
    };
    Ok(Fetched {
        sha256: sha256_hex(&bytes),
        bytes,
        version,
        info,
    })
}

/// Fetches the latest copy, verified with `verifier` when given.
pub async fn fetch_latest(dest: &Destination, verifier: Option<&Verifier>) -> Result<Fetched> {
    let Some((bytes, _)) = dest.get_latest().await? else {
        dest.check_exists().await?;
        return Err(ReplicateError::NotFound {
            what: "latest copy".into(),
            destination: dest.display_name().to_string(),
        });
    };
    let sha = sha256_hex(&bytes);
    let version = dest
        .list_history()
        .await
        .ok()
        .and_then(|l| l.into_iter().rev().find(|e| e.matches_hash(&sha)))
        .map(|e| e.name);
    finish(dest, "latest copy", bytes, version, verifier)
}

/// Fetches one history version, named in full or by any unique part of its name (a time
/// stamp such as `20261125T1042` or a hash prefix).
pub async fn fetch_version(
    dest: &Destination,
    version: &str,
    verifier: Option<&Verifier>,
) -> Result<Fetched> {
    let list = dest.list_history().await?;
    let matches: Vec<&HistoryEntry> = if let Some(e) = list.iter().find(|e| e.name == version) {
        vec![e]
    } else {
        list.iter()
            .filter(|e| !version.is_empty() && e.name.contains(version))
            .collect()
    };
    let entry = match matches.as_slice() {
        [one] => *one,
        [] => {
            return Err(ReplicateError::NotFound {
                what: format!("history version {version:?}"),
                destination: dest.display_name().to_string(),
            })
        }
        many => {
            return Err(ReplicateError::AmbiguousVersion {
                version: version.to_string(),
                count: many.len(),
                destination: dest.display_name().to_string(),
            })
        }
    };
    let Some(bytes) = dest.get_history(&entry.name).await? else {
        return Err(ReplicateError::NotFound {
            what: format!("history version {:?}", entry.name),
            destination: dest.display_name().to_string(),
        });
    };
    if !entry.matches_hash(&sha256_hex(&bytes)) {
        return Err(ReplicateError::Verification {
            what: format!("history version {} at {dest}", entry.name),
            reason: "content does not match the hash in its name".into(),
        });
    }
    finish(dest, &entry.name, bytes, Some(entry.name.clone()), verifier)
}
