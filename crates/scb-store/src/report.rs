//! What one write did: the archive, manifest and mirror steps of a [`SwapReport`].

use std::path::PathBuf;
use std::time::Duration;

use crate::health::Diagnosis;
use crate::StoreError;

/// What happened to the previous version during a swap. Archiving happens before the
/// previous version is replaced, and a failure stops the swap ([`StoreError::Archive`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum ArchiveOutcome {
    /// Archiving is off.
    Disabled,
    /// There was no previous main file.
    NoPreviousFile,
    /// The previous version was archived.
    Archived {
        /// The archive entry written.
        path: PathBuf,
        /// What pruning removed (empty when the policy keeps everything).
        pruned: Vec<PathBuf>,
        /// Pruning failed (the entry itself was written).
        prune_error: Option<StoreError>,
    },
}

/// What happened to the manifest during a swap.
#[derive(Debug)]
#[non_exhaustive]
pub enum ManifestOutcome {
    /// Manifests are off.
    Disabled,
    /// Written with this sequence number.
    Written {
        /// The new manifest's sequence.
        sequence: u64,
        /// The previous manifest existed but could not be read; the sequence restarted.
        previous_unreadable: Option<String>,
    },
    /// Writing it failed; the main file was updated anyway.
    Failed(StoreError),
}

/// The result of swapping into one mirror directory.
#[derive(Debug)]
pub struct MirrorOutcome {
    /// The mirror's copy of the main file.
    pub path: PathBuf,
    /// The mirror's own report, or why it failed. Never affects the primary.
    pub result: Result<SwapReport, StoreError>,
}

/// What one successful swap did.
#[derive(Debug)]
#[non_exhaustive]
pub struct SwapReport {
    /// Bytes written to the main file.
    pub bytes_written: usize,
    /// A staging file left by an interrupted earlier swap was removed.
    pub removed_stale_staging: bool,
    /// The archive step.
    pub archive: ArchiveOutcome,
    /// The manifest step.
    pub manifest: ManifestOutcome,
    /// One entry per configured mirror.
    pub mirrors: Vec<MirrorOutcome>,
    /// The existing file did not open and [`WritePolicy::force`](crate::WritePolicy::force) replaced it (it is archived).
    pub replaced_unreadable: Option<Diagnosis>,
    /// The existing file of another format ([`MultiFile::write_format`](crate::MultiFile::write_format))
    /// did not open under the secret, for this reason, and `force` replaced it (it is archived).
    pub replaced_unopened: Option<String>,
    /// Wall time of the primary swap (lock to directory fsync), mirrors excluded.
    pub elapsed: Duration,
}

impl SwapReport {
    /// True when archive, manifest and every mirror succeeded (or were off).
    pub fn all_ok(&self) -> bool {
        !matches!(
            self.archive,
            ArchiveOutcome::Archived {
                prune_error: Some(_),
                ..
            }
        ) && !matches!(self.manifest, ManifestOutcome::Failed(_))
            && self
                .mirrors
                .iter()
                .all(|m| m.result.as_ref().is_ok_and(SwapReport::all_ok))
    }
}
