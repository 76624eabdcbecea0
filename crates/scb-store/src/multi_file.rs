//! `MultiFile`: lnd's `channel.backup` file, written crash-safely by a single writer.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tracing::{error, info, info_span, warn};

use crate::archive::{Archive, PruneReport, RetentionPolicy, ARCHIVE_DIR_NAME};
use crate::atomic::{commit, parent_dir, remove_if_present, replace_file, stage};
use crate::fs::{Fs, LockFailure, LockGuard, RealFs};
use crate::manifest::{Manifest, MANIFEST_SUFFIX};
use crate::StoreError;
use scb_crypto::BackupKey;
use scb_wire::Multi;

/// lnd's default main file name.
pub const DEFAULT_FILE_NAME: &str = "channel.backup";

/// lnd's staging file name. lnd uses exactly this name for every main file in a directory
/// (S19); ours appends `.scb-<main file name>` so we never clash with a running lnd nor
/// with another main file in the same directory, and the writer lock makes it single-user.
pub const LND_STAGING_NAME: &str = "temp-dont-use.backup";

/// Options of a [`MultiFile`]. The default is lnd's behaviour made safe: archive on, keep
/// every archived version, wait up to 10 s for the writer lock, write the manifest, no mirrors.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MultiFileOptions {
    /// Copy the previous version into `chan-backup-archives/` before each swap
    /// (lnd's default; `false` is lnd's `no-backup-archive`).
    pub archive: bool,
    /// Which archived versions to keep after each swap.
    pub retention: RetentionPolicy,
    /// How long to wait for another writer to release the lock before failing.
    pub lock_wait: Duration,
    /// Extra directories that receive the same bytes after each successful swap.
    pub mirrors: Vec<PathBuf>,
    /// Keep an archive inside each mirror directory too.
    pub archive_in_mirrors: bool,
    /// Write the sidecar manifest `<name>.manifest.json` after each swap.
    pub manifest: bool,
}

impl Default for MultiFileOptions {
    fn default() -> Self {
        MultiFileOptions {
            archive: true,
            retention: RetentionPolicy::keep_all(),
            lock_wait: Duration::from_secs(10),
            mirrors: Vec::new(),
            archive_in_mirrors: false,
            manifest: true,
        }
    }
}

impl MultiFileOptions {
    /// Turns archiving on or off.
    #[must_use]
    pub fn with_archive(mut self, on: bool) -> Self {
        self.archive = on;
        self
    }

    /// Sets the retention policy of the archive.
    #[must_use]
    pub fn with_retention(mut self, retention: RetentionPolicy) -> Self {
        self.retention = retention;
        self
    }

    /// Sets the longest wait for the writer lock (`Duration::ZERO`: fail at once).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Adds a mirror directory.
    #[must_use]
    pub fn with_mirror(mut self, dir: impl Into<PathBuf>) -> Self {
        self.mirrors.push(dir.into());
        self
    }

    /// Keeps an archive in each mirror directory too (off by default).
    #[must_use]
    pub fn with_archive_in_mirrors(mut self, on: bool) -> Self {
        self.archive_in_mirrors = on;
        self
    }

    /// Turns the sidecar manifest on or off.
    #[must_use]
    pub fn with_manifest(mut self, on: bool) -> Self {
        self.manifest = on;
        self
    }
}

/// What happened to the previous version during a swap. A failure here never blocks the
/// update of the main file (unlike lnd, S24).
#[derive(Debug)]
#[non_exhaustive]
pub enum ArchiveOutcome {
    /// Archiving is off.
    Disabled,
    /// There was no previous main file.
    NoPreviousFile,
    /// The previous version was copied.
    Archived {
        /// The archive entry written.
        path: PathBuf,
        /// What pruning removed (empty when the policy keeps everything).
        pruned: Vec<PathBuf>,
        /// Pruning failed (the entry itself was written).
        prune_error: Option<StoreError>,
    },
    /// Archiving failed; the main file was updated anyway.
    Failed(StoreError),
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
    /// Wall time of the primary swap (lock to directory fsync), mirrors excluded.
    pub elapsed: Duration,
}

impl SwapReport {
    /// True when archive, manifest and every mirror succeeded (or were off).
    pub fn all_ok(&self) -> bool {
        !matches!(
            self.archive,
            ArchiveOutcome::Failed(_)
                | ArchiveOutcome::Archived {
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

/// How the manifest of a swap is produced.
enum ManifestPlan<'a> {
    /// Off.
    Off,
    /// Computed from the previous manifest beside the file (the primary).
    Next { channel_count: Option<u32> },
    /// A byte copy of the primary's manifest (mirrors carry the primary's sequence).
    Copy(&'a [u8]),
}

/// lnd's `channel.backup` multi-file.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use scb_store::{MultiFile, MultiFileOptions};
/// let dir = tempfile::tempdir()?;
/// let file = MultiFile::new(dir.path().join("channel.backup"), MultiFileOptions::default())?;
/// assert!(file.read_packed().unwrap_err().is_not_found());
/// file.update_and_swap(b"first packed multi")?;
/// let report = file.update_and_swap(b"second packed multi")?;
/// assert!(report.all_ok());
/// assert_eq!(file.read_packed()?, b"second packed multi");
/// assert_eq!(file.archive().list()?.len(), 1); // the first version
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MultiFile {
    path: PathBuf,
    dir: PathBuf,
    name: String,
    options: MultiFileOptions,
    pub(crate) fs: Arc<dyn Fs>,
}

impl MultiFile {
    /// A multi-file at `path` (any file name; lnd's default is `channel.backup`). Nothing is
    /// touched on disk until the first swap. The directory must exist (it is not created:
    /// a missing directory is reported by the first swap).
    pub fn new(path: impl Into<PathBuf>, options: MultiFileOptions) -> Result<Self, StoreError> {
        Self::with_fs(path.into(), options, Arc::new(RealFs))
    }

    pub(crate) fn with_fs(
        path: PathBuf,
        options: MultiFileOptions,
        fs: Arc<dyn Fs>,
    ) -> Result<Self, StoreError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| StoreError::InvalidPath { path: path.clone() })?
            .to_owned();
        let dir = parent_dir(&path);
        Ok(MultiFile {
            path,
            dir,
            name,
            options,
            fs,
        })
    }

    /// The main file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The options.
    pub fn options(&self) -> &MultiFileOptions {
        &self.options
    }

    /// The staging file: `temp-dont-use.backup.scb-<main name>` in the same directory.
    pub fn staging_path(&self) -> PathBuf {
        self.dir
            .join(format!("{LND_STAGING_NAME}.scb-{}", self.name))
    }

    /// The lock file `<main name>.lock` (kept; only the advisory lock on it matters).
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.name))
    }

    /// The sidecar manifest `<main name>.manifest.json`.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(format!("{}{MANIFEST_SUFFIX}", self.name))
    }

    fn manifest_staging_path(&self) -> PathBuf {
        self.dir.join(format!(
            "{LND_STAGING_NAME}.scb-{}{MANIFEST_SUFFIX}",
            self.name
        ))
    }

    /// The archive directory `chan-backup-archives/` beside the main file.
    pub fn archive_dir(&self) -> PathBuf {
        self.dir.join(ARCHIVE_DIR_NAME)
    }

    /// The archive of this file (entries named after it).
    pub fn archive(&self) -> Archive {
        Archive::with_fs(self.archive_dir(), Some(self.name.clone()), self.fs.clone())
    }

    /// Reads the whole main file. A missing file is [`StoreError::NotFound`].
    pub fn read_packed(&self) -> Result<Vec<u8>, StoreError> {
        read_or_not_found(self.fs.as_ref(), &self.path)
    }

    /// Reads and unpacks the main file (lnd's `ExtractMulti`). A missing file is
    /// [`StoreError::NotFound`]; a file that does not open is [`StoreError::Unpack`].
    pub fn extract_multi(&self, key: &BackupKey) -> Result<Multi, StoreError> {
        let packed = self.read_packed()?;
        scb_crypto::unpack_multi(&packed, key).map_err(|source| StoreError::Unpack {
            path: self.path.clone(),
            source,
        })
    }

    /// Reads the sidecar manifest; `Ok(None)` when there is none.
    pub fn read_manifest(&self) -> Result<Option<Manifest>, StoreError> {
        let path = self.manifest_path();
        match read_or_not_found(self.fs.as_ref(), &path) {
            Ok(bytes) => Manifest::parse(&bytes)
                .map(Some)
                .map_err(|reason| StoreError::Manifest { path, reason }),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The main file's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn lock(&self) -> Result<LockGuard, StoreError> {
        let path = self.lock_path();
        self.fs
            .lock(&path, self.options.lock_wait)
            .map_err(|failure| match failure {
                LockFailure::Busy(waited) => StoreError::Locked {
                    path,
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                },
                LockFailure::Io(source) => StoreError::Lock { path, source },
            })
    }

    /// Replaces the main file with `packed` (a packed multi) crash-safely.
    ///
    /// Steps: take the writer lock; remove a stale staging file; write the staging file
    /// (0600) and fsync it; archive the previous version (a failure is reported, not fatal);
    /// rename over the main file; fsync the directory; write the manifest; prune the archive;
    /// then swap the same bytes into every mirror (failures reported per mirror).
    ///
    /// On error the previous main file is untouched, except for [`StoreError::SyncDir`]
    /// after the rename: the new file is in place but its directory entry may not yet
    /// survive a power loss.
    pub fn update_and_swap(&self, packed: &[u8]) -> Result<SwapReport, StoreError> {
        self.update_and_swap_counted(packed, None)
    }

    /// [`MultiFile::update_and_swap`], recording the channel count in the manifest.
    pub fn update_and_swap_counted(
        &self,
        packed: &[u8],
        channel_count: Option<u32>,
    ) -> Result<SwapReport, StoreError> {
        let plan = if self.options.manifest {
            ManifestPlan::Next { channel_count }
        } else {
            ManifestPlan::Off
        };
        let mut report = self.swap_primary(packed, &plan, self.options.archive)?;
        if !self.options.mirrors.is_empty() {
            let manifest_bytes = match report.manifest {
                ManifestOutcome::Written { .. } => self.fs.read(&self.manifest_path()).ok(),
                _ => None,
            };
            for mirror_dir in &self.options.mirrors {
                let path = mirror_dir.join(&self.name);
                let _span = info_span!("mirror", path = %path.display()).entered();
                let mirror_options = MultiFileOptions {
                    archive: self.options.archive_in_mirrors,
                    mirrors: Vec::new(),
                    ..self.options.clone()
                };
                let result = MultiFile::with_fs(path.clone(), mirror_options, self.fs.clone())
                    .and_then(|m| {
                        let plan = match (&manifest_bytes, self.options.manifest) {
                            (Some(bytes), true) => ManifestPlan::Copy(bytes),
                            (None, true) => ManifestPlan::Next { channel_count },
                            (_, false) => ManifestPlan::Off,
                        };
                        m.swap_primary(packed, &plan, m.options.archive)
                    });
                if let Err(e) = &result {
                    error!(error = %e, "mirror update failed; the primary backup is updated");
                }
                report.mirrors.push(MirrorOutcome { path, result });
            }
        }
        Ok(report)
    }

    fn swap_primary(
        &self,
        packed: &[u8],
        plan: &ManifestPlan<'_>,
        archive: bool,
    ) -> Result<SwapReport, StoreError> {
        let start = Instant::now();
        let _span = info_span!("update_and_swap", path = %self.path.display(), len = packed.len())
            .entered();
        match self.fs.exists(&self.dir) {
            Ok(true) => {}
            Ok(false) => {
                return Err(StoreError::DirectoryMissing {
                    path: self.dir.clone(),
                })
            }
            Err(source) => {
                return Err(StoreError::ListDir {
                    path: self.dir.clone(),
                    source,
                })
            }
        }
        let _lock = self.lock()?;
        let fs = self.fs.as_ref();
        let staging = self.staging_path();

        let removed_stale_staging =
            remove_if_present(fs, &staging).map_err(|source| StoreError::RemoveStaging {
                path: staging.clone(),
                source,
            })?;
        if removed_stale_staging {
            warn!(path = %staging.display(), "removed a staging file left by an interrupted swap");
        }
        stage(fs, &staging, packed)?;

        let now = SystemTime::now();
        let archive_outcome = if archive {
            self.archive_previous(now)
        } else {
            ArchiveOutcome::Disabled
        };

        commit(fs, &staging, &self.path)?;
        info!("backup file updated");

        let manifest = self.write_manifest(packed, plan, now);

        let archive_outcome = match archive_outcome {
            ArchiveOutcome::Archived { path, .. } if !self.options.retention.keeps_everything() => {
                match self.archive().prune_at(&self.options.retention, now) {
                    Ok(PruneReport { removed, .. }) => ArchiveOutcome::Archived {
                        path,
                        pruned: removed.into_iter().map(|e| e.path).collect(),
                        prune_error: None,
                    },
                    Err(e) => {
                        warn!(error = %e, "archive pruning failed");
                        ArchiveOutcome::Archived {
                            path,
                            pruned: Vec::new(),
                            prune_error: Some(e),
                        }
                    }
                }
            }
            other => other,
        };

        Ok(SwapReport {
            bytes_written: packed.len(),
            removed_stale_staging,
            archive: archive_outcome,
            manifest,
            mirrors: Vec::new(),
            elapsed: start.elapsed(),
        })
    }

    fn archive_previous(&self, now: SystemTime) -> ArchiveOutcome {
        let previous = match self.fs.read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return ArchiveOutcome::NoPreviousFile,
            Err(source) => {
                let e = StoreError::Read {
                    path: self.path.clone(),
                    source,
                };
                error!(error = %e, "cannot archive the previous backup; updating anyway");
                return ArchiveOutcome::Failed(e);
            }
        };
        match self.archive().add(&self.name, &previous, now) {
            Ok(path) => ArchiveOutcome::Archived {
                path,
                pruned: Vec::new(),
                prune_error: None,
            },
            Err(e) => {
                error!(error = %e, "cannot archive the previous backup; updating anyway");
                ArchiveOutcome::Failed(e)
            }
        }
    }

    fn write_manifest(
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
                let (previous, unreadable) = match read_or_not_found(self.fs.as_ref(), &path) {
                    Ok(bytes) => match Manifest::parse(&bytes) {
                        Ok(m) => (Some((m, bytes)), None),
                        Err(reason) => (None, Some(reason)),
                    },
                    Err(e) if e.is_not_found() => (None, None),
                    Err(e) => (None, Some(e.to_string())),
                };
                let unix = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                let next = Manifest::next(
                    packed,
                    previous.as_ref().map(|(m, b)| (m, b.as_slice())),
                    *channel_count,
                    unix,
                );
                (next.to_bytes(), next.sequence, unreadable)
            }
        };
        match replace_file(
            self.fs.as_ref(),
            &self.manifest_staging_path(),
            &path,
            &bytes,
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

fn read_or_not_found(fs: &dyn Fs, path: &Path) -> Result<Vec<u8>, StoreError> {
    fs.read(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            StoreError::NotFound {
                path: path.to_path_buf(),
                source,
            }
        } else {
            StoreError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}
