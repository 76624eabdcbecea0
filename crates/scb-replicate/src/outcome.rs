//! The status event emitted for every replication attempt (one per destination).

use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// What happened at one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// The new content was stored (history version, then latest copy).
    Uploaded,
    /// The destination already held exactly this content; nothing was written.
    Unchanged,
    /// The source failed verification; nothing was written.
    Rejected,
    /// Stored as a history version, but the latest copy was kept: the new version lost
    /// too many channels (see [`ShrinkGuard`](crate::ShrinkGuard)).
    Held,
    /// The attempt failed; see `error` and `retry_in_ms`.
    Failed,
}

/// One status event: serialize it with serde (`--json`) or print its `Display` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplicationOutcome {
    /// The destination (no credentials).
    pub destination: String,
    /// What happened.
    pub status: Status,
    /// The source file.
    pub source: PathBuf,
    /// SHA-256 of the content concerned, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Its size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The history version name it is (or would be) stored under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Channels counted by the verifier, when one ran and reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<usize>,
    /// History versions deleted by retention after this upload.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pruned: Vec<String>,
    /// 1 for the first attempt at this content, then counting retries.
    pub attempt: u32,
    /// Time spent on this attempt, in milliseconds.
    pub elapsed_ms: u64,
    /// When the attempt finished, milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// Things that did not stop this attempt but need a human's eye (a skewed clock, a
    /// large fall in the channel count that was allowed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The error and its causes, for `Rejected`, `Held` and `Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the next automatic retry happens (watch mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
}

impl ReplicationOutcome {
    pub(crate) fn new(destination: &str, status: Status, source: PathBuf) -> Self {
        Self {
            destination: destination.to_string(),
            status,
            source,
            sha256: None,
            size: None,
            version: None,
            channels: None,
            pruned: Vec::new(),
            attempt: 1,
            elapsed_ms: 0,
            at_unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            warnings: Vec::new(),
            error: None,
            retry_in_ms: None,
        }
    }

    /// Whether this outcome means the destination does not hold the source's content.
    pub fn is_failure(&self) -> bool {
        matches!(
            self.status,
            Status::Failed | Status::Rejected | Status::Held
        )
    }

    /// The event as one line of JSON.
    pub fn to_json_line(&self) -> String {
        // Serializing a struct of strings and integers cannot fail; fall back to a minimal
        // object rather than panicking if serde_json ever says otherwise.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"status\":\"failed\"}"))
    }
}

/// Formats an error with its whole source chain on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl fmt::Display for ReplicationOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Status::Uploaded => "uploaded",
            Status::Unchanged => "unchanged",
            Status::Rejected => "REJECTED",
            Status::Held => "HELD",
            Status::Failed => "FAILED",
        };
        write!(
            f,
            "{status} {} -> {}",
            self.source.display(),
            self.destination
        )?;
        if let Some(v) = &self.version {
            write!(f, " version {v}")?;
        }
        if let Some(n) = self.size {
            write!(f, " ({n} bytes, {} ms)", self.elapsed_ms)?;
        }
        if let Some(e) = &self.error {
            write!(f, ": {e}")?;
        }
        for w in &self.warnings {
            write!(f, " (WARNING: {w})")?;
        }
        if let Some(r) = self.retry_in_ms {
            write!(f, " (retry in {r} ms)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_line_names_status_in_snake_case_and_skips_empty_fields() {
        let mut o = ReplicationOutcome::new(
            "s3://b/p",
            Status::Failed,
            PathBuf::from("/x/channel.backup"),
        );
        o.error = Some("upload latest copy at s3://b/p: boom".into());
        let v: serde_json::Value = serde_json::from_str(&o.to_json_line()).unwrap();
        assert_eq!(v["status"], "failed");
        assert_eq!(v["destination"], "s3://b/p");
        assert!(v.get("sha256").is_none());
        assert!(o.is_failure());
        assert!(o
            .to_string()
            .starts_with("FAILED /x/channel.backup -> s3://b/p"));
    }
}
