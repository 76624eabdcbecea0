//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while watching, replicating or fetching a backup.
///
/// Display is one lower-case line naming the step and the place; the underlying cause is
/// chained as the error source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicateError {
    /// A destination string could not be understood.
    #[error("invalid destination {destination:?}: {reason}")]
    InvalidDestination {
        /// The destination as given (credentials removed).
        destination: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The object store for a destination could not be configured.
    #[error("cannot configure object store for {destination}")]
    StoreConfig {
        /// The destination (credentials removed).
        destination: String,
        /// The object store's own error.
        #[source]
        source: Foreign<object_store::Error>,
    },
    /// A file system step on a local path failed.
    #[error("{step} {path}")]
    Io {
        /// The step that failed, e.g. "read source file".
        step: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A crash-safe file write (scb-store's stage, fsync, rename, fsync) failed.
    #[error("write {path}")]
    Write {
        /// The file that was being replaced.
        path: PathBuf,
        /// scb-store's error, naming the step that failed.
        #[source]
        source: scb_store::StoreError,
    },
    /// The source file kept changing while it was read.
    #[error("source file {path} did not settle after {attempts} reads")]
    SourceUnstable {
        /// The source file.
        path: PathBuf,
        /// How many consistent-read attempts were made.
        attempts: u32,
    },
    /// The source (or fetched) bytes failed verification and were not used.
    #[error("verification failed for {what}: {reason}")]
    Verification {
        /// What was verified, e.g. the source path or the remote object.
        what: String,
        /// The verifier's explanation.
        reason: String,
    },
    /// A remote object store request failed.
    #[error("{step} at {destination}")]
    Remote {
        /// The step that failed, e.g. "upload history version".
        step: &'static str,
        /// The destination (credentials removed).
        destination: String,
        /// The object store's own error.
        #[source]
        source: Foreign<object_store::Error>,
    },
    /// The destination holds a newer copy written by someone else; ours was not pushed.
    #[error("{destination} holds a newer copy ({remote}) than ours ({ours}); not overwritten")]
    RemoteNewer {
        /// The destination (credentials removed).
        destination: String,
        /// The history name of the remote latest copy.
        remote: String,
        /// The history name of our copy.
        ours: String,
    },
    /// The new version lost too many channels to replace the latest copy (see
    /// [`ShrinkGuard`](crate::ShrinkGuard)); it was stored as a history version only.
    #[error(
        "{destination}: the new version holds {next} channels where the latest copy holds \
         {previous}; stored as history version {version}, latest copy kept \
         (allow shrinking to make it the latest copy)"
    )]
    ChannelsDropped {
        /// The destination (credentials removed).
        destination: String,
        /// Channels in the latest copy, which was kept.
        previous: usize,
        /// Channels in the new version.
        next: usize,
        /// The history name the new version was stored under.
        version: String,
    },
    /// The bucket (or container) a destination names does not exist.
    #[error("bucket of {destination} does not exist (create it, or check the name and region)")]
    BucketMissing {
        /// The destination (credentials removed).
        destination: String,
    },
    /// Another writer changed the latest copy while we were replacing it, repeatedly.
    #[error("latest copy at {destination} kept changing under us; gave up after {attempts} tries")]
    Conflict {
        /// The destination (credentials removed).
        destination: String,
        /// How many conditional writes were tried.
        attempts: u32,
    },
    /// The requested object does not exist at the destination.
    #[error("{what} not found at {destination}")]
    NotFound {
        /// What was looked for ("latest copy" or a history name).
        what: String,
        /// The destination (credentials removed).
        destination: String,
    },
    /// A version name given to fetch matches more than one history version.
    #[error("version {version:?} matches {count} history versions at {destination}; give more of the name")]
    AmbiguousVersion {
        /// The name or part of a name that was given.
        version: String,
        /// How many versions it matches.
        count: usize,
        /// The destination (credentials removed).
        destination: String,
    },
    /// The file system watcher could not be set up.
    #[error("cannot watch {path}")]
    Watch {
        /// The watched path.
        path: PathBuf,
        /// notify's error.
        #[source]
        source: Foreign<notify::Error>,
    },
}

/// An error of a dependency that says its cause twice: in its own message and again as
/// `source()` (`object_store` and `notify` both do). This crate's errors say each cause once
/// (docs/architecture.md#errors-secrets-and-tests), so such an error is carried in this
/// wrapper: its message is the dependency's whole chain with each text once, and it has no
/// further source. [`Foreign::get_ref`] gives the dependency's error itself.
#[derive(Debug)]
pub struct Foreign<E>(E);

impl<E> Foreign<E> {
    /// The dependency's error.
    pub fn get_ref(&self) -> &E {
        &self.0
    }
}

impl<E> From<E> for Foreign<E> {
    fn from(e: E) -> Self {
        Foreign(e)
    }
}

impl<E: std::error::Error> std::fmt::Display for Foreign<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The dependency's message usually ends with its source's text; the source is added
        // only when the message does not already say it.
        let mut shown = self.0.to_string();
        let mut cur = self.0.source();
        while let Some(e) = cur {
            let text = e.to_string();
            if !shown.contains(&text) {
                shown.push_str(": ");
                shown.push_str(&text);
            }
            cur = e.source();
        }
        f.write_str(&shown)
    }
}

impl<E: std::error::Error> std::error::Error for Foreign<E> {}

impl ReplicateError {
    /// Builds an [`ReplicateError::Io`] for `step` on `path`.
    pub(crate) fn io(step: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            step,
            path: path.into(),
            source,
        }
    }

    /// Whether retrying the same operation later may succeed (network, server, file busy).
    ///
    /// Verification failures and invalid configuration are not transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Io { .. }
            | Self::Write { .. }
            | Self::SourceUnstable { .. }
            | Self::Remote { .. }
            | Self::Conflict { .. }
            | Self::NotFound { .. }
            // Someone may create it; the watcher keeps trying with its capped backoff.
            | Self::BucketMissing { .. } => true,
            Self::InvalidDestination { .. }
            | Self::StoreConfig { .. }
            | Self::Verification { .. }
            | Self::RemoteNewer { .. }
            | Self::ChannelsDropped { .. }
            | Self::AmbiguousVersion { .. }
            | Self::Watch { .. } => false,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ReplicateError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Says its cause in its message and again as `source()`, as `object_store` does.
    #[derive(Debug, thiserror::Error)]
    #[error("request failed: {source}")]
    struct Repeats {
        source: std::io::Error,
    }

    #[test]
    fn foreign_says_each_cause_once_and_ends_the_chain() {
        let f: Foreign<Repeats> = Repeats {
            source: std::io::Error::other("connection refused"),
        }
        .into();
        assert_eq!(f.to_string(), "request failed: connection refused");
        assert!(std::error::Error::source(&f).is_none());
        assert_eq!(f.get_ref().source.to_string(), "connection refused");
    }

    #[test]
    fn foreign_adds_a_cause_its_message_does_not_say() {
        #[derive(Debug, thiserror::Error)]
        #[error("request failed")]
        struct Quiet {
            #[source]
            source: std::io::Error,
        }
        let f: Foreign<Quiet> = Quiet {
            source: std::io::Error::other("timed out"),
        }
        .into();
        assert_eq!(f.to_string(), "request failed: timed out");
        assert!(std::error::Error::source(&f).is_none());
    }
}
