//! `MultiFile`: lnd's `channel.backup` file, written crash-safely by a single writer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use std::collections::HashSet;

use rand_core::{CryptoRng, RngCore};
use scb_crypto::{BackupKey, PackError, Zeroizing};
use scb_wire::Multi;
use tracing::{error, info, info_span, warn};
use zeroize::Zeroize;

use crate::archive::{Archive, PruneReport, ARCHIVE_DIR_NAME};
use crate::atomic::{commit, parent_dir, remove_if_present, replace_file, stage};
use crate::format::{BackupFormat, LndFormat, NotOpened};
use crate::fs::{FileKind, Fs, LockFailure, LockGuard, RealFs};
use crate::manifest::{Manifest, ManifestPlan, MANIFEST_SUFFIX};
use crate::options::MultiFileOptions;
use crate::policy::{Content, WritePolicy};
use crate::read::{read_or_not_found, MAX_BACKUP_LEN, MAX_MANIFEST_LEN};
use crate::report::{ArchiveOutcome, ManifestOutcome, MirrorOutcome, SwapReport};
use crate::StoreError;

/// Manifests with a sequence at or above this are not continued: no writer counts that
/// far, so it is garbage or forged, and `u64::MAX` would freeze the chain.
pub const SEQUENCE_LIMIT: u64 = 1 << 63;

/// lnd's default main file name.
pub const DEFAULT_FILE_NAME: &str = "channel.backup";

/// lnd's staging file name. lnd uses exactly this name for every main file in a directory
/// (docs/format.md#fixed-staging-name); ours appends `.scb-<main file name>` so we never clash
/// with a running lnd nor with another main file in the same directory, and the writer lock
/// makes it single-user.
pub const LND_STAGING_NAME: &str = "temp-dont-use.backup";

/// Buffers reused by every write of one [`MultiFile`], so a write of a 7 MB backup does
/// not fault in fresh pages for its plaintext, check and read-back each time.
#[derive(Default)]
struct Scratch {
    /// The encoded multi (secret: wiped after each write, capacity kept).
    plaintext: Zeroizing<Vec<u8>>,
    /// The decryption of the packed bytes before writing (secret, wiped likewise).
    check: Zeroizing<Vec<u8>>,
    /// The file's bytes read back after the rename (ciphertext).
    back: Vec<u8>,
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch { .. }")
    }
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
    pub(crate) path: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) name: String,
    pub(crate) options: MultiFileOptions,
    pub(crate) fs: Arc<dyn Fs>,
    scratch: Arc<Mutex<Scratch>>,
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
            .filter(|n| !n.is_empty())
            .ok_or_else(|| StoreError::InvalidPath { path: path.clone() })?
            .to_str()
            .ok_or_else(|| StoreError::NonUtf8Name { path: path.clone() })?
            .to_owned();
        let dir = parent_dir(&path);
        Ok(MultiFile {
            path,
            dir,
            name,
            options,
            fs,
            scratch: Arc::default(),
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

    pub(crate) fn manifest_staging_path(&self) -> PathBuf {
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
        read_or_not_found(self.fs.as_ref(), &self.path, MAX_BACKUP_LEN)
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
        match read_or_not_found(self.fs.as_ref(), &path, MAX_MANIFEST_LEN) {
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

    /// Replaces the main file with `packed` (a packed multi) crash-safely, with no guard
    /// on what it replaces ([`WritePolicy::replace_anything`]); see [`MultiFile::write_packed`]
    /// for the steps. The raw-bytes door for callers that pack themselves.
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
        let format = LndFormat {
            file: self,
            key: None,
            single: false,
        };
        self.write_guarded(
            packed,
            &Content::Opaque { channel_count },
            &format,
            WritePolicy::replace_anything(),
        )
    }

    /// THE guarded, verified write of a multi: refuses duplicate channels, encodes and
    /// encrypts once (nonce from `rng`), checks the packed bytes decrypt to the encoded
    /// plaintext before anything touches the disk, then [`MultiFile::write_packed`].
    pub fn write_multi<R: CryptoRng + RngCore + ?Sized>(
        &self,
        multi: &Multi,
        key: &BackupKey,
        policy: &WritePolicy,
        rng: &mut R,
    ) -> Result<SwapReport, StoreError> {
        let mut seen = HashSet::with_capacity(multi.singles.len());
        if let Some(dup) = multi
            .singles
            .iter()
            .find(|s| !seen.insert(s.funding_outpoint))
        {
            return Err(StoreError::DuplicateChannel {
                path: self.path.clone(),
                outpoint: dup.funding_outpoint,
            });
        }
        let mut scratch = self.scratch.lock().unwrap_or_else(PoisonError::into_inner);
        let scratch = &mut *scratch;
        let result = self
            .pack_checked(multi, key, rng, scratch)
            .and_then(|packed| {
                let format = LndFormat {
                    file: self,
                    key: Some(key),
                    single: false,
                };
                self.write_inner_with(&packed, &Content::Multi(multi), &format, *policy, scratch)
            });
        // The secrets go; the memory stays for the next write.
        scratch.plaintext.zeroize();
        scratch.check.zeroize();
        result
    }

    /// Encodes into the scratch plaintext, encrypts once, and checks the packed bytes
    /// decrypt to that plaintext.
    fn pack_checked<R: CryptoRng + RngCore + ?Sized>(
        &self,
        multi: &Multi,
        key: &BackupKey,
        rng: &mut R,
        scratch: &mut Scratch,
    ) -> Result<Vec<u8>, StoreError> {
        scratch.plaintext.clear();
        multi
            .encode(&mut scratch.plaintext)
            .map_err(|e| StoreError::Pack {
                path: self.path.clone(),
                source: PackError::from(e),
            })?;
        let packed = key.encrypt(&scratch.plaintext, rng);
        // What is about to be written opens to the same bytes: a fault between the encoder
        // and the cipher never reaches the disk. The read-back after the swap then only has
        // to compare ciphertext bytes with these checked ones.
        let problem = match key.decrypt_into(&packed, &mut scratch.check) {
            Err(e) => Some(format!("packed bytes do not open: {e}")),
            Ok(()) if scratch.check.as_slice() != scratch.plaintext.as_slice() => {
                Some("packed bytes open to other plaintext".to_owned())
            }
            Ok(()) => None,
        };
        if let Some(problem) = problem {
            return Err(StoreError::ReadBackMismatch {
                path: self.path.clone(),
                detail: format!("{problem}; nothing written"),
            });
        }
        Ok(packed)
    }

    /// THE guarded write of packed bytes (a packed multi, or a packed single with
    /// [`Content::Single`]). Under the writer lock, in this order:
    ///
    /// 1. the target must be missing or a regular file (never a device, FIFO, link);
    /// 2. unless `policy` allows everything, the existing file is read (bounded) and
    ///    opened with `key`: one that does not open (or cannot be checked without a key) is
    ///    replaced only with `force`; dropping channels it holds, or replacing a rolled-back
    ///    file (an older version than its manifest records), only with `allow_shrink`; a
    ///    write with no channel over a file with channels only with `allow_empty`;
    /// 3. the staging file is written (0600, or the mode of the format of
    ///    [`MultiFile::write_format`], set before the fsync) and fsynced;
    /// 4. the previous version is archived (a hard link, a copy where links are
    ///    impossible); if that fails nothing is replaced ([`StoreError::Archive`]);
    /// 5. rename over the main file, fsync the directory;
    /// 6. read-back: the file's bytes must equal `packed`, else the previous version is
    ///    restored and [`StoreError::ReadBackMismatch`] returned;
    /// 7. the manifest, archive pruning, then every mirror (reported per mirror).
    pub fn write_packed(
        &self,
        packed: &[u8],
        content: &Content<'_>,
        key: Option<&BackupKey>,
        policy: &WritePolicy,
    ) -> Result<SwapReport, StoreError> {
        let format = LndFormat {
            file: self,
            key,
            single: matches!(content, Content::Single(_)),
        };
        self.write_guarded(packed, content, &format, *policy)
    }

    /// Steps 1 to 7 of [`MultiFile::write_packed`] for a file in `format`.
    pub(crate) fn write_guarded(
        &self,
        packed: &[u8],
        content: &Content<'_>,
        format: &dyn BackupFormat,
        policy: WritePolicy,
    ) -> Result<SwapReport, StoreError> {
        let mut scratch = self.scratch.lock().unwrap_or_else(PoisonError::into_inner);
        self.write_inner_with(packed, content, format, policy, &mut scratch)
    }

    fn write_inner_with(
        &self,
        packed: &[u8],
        content: &Content<'_>,
        format: &dyn BackupFormat,
        policy: WritePolicy,
        scratch: &mut Scratch,
    ) -> Result<SwapReport, StoreError> {
        let channel_count = content.channel_count();
        let plan = if self.options.manifest {
            ManifestPlan::Next { channel_count }
        } else {
            ManifestPlan::Off
        };
        let mode = format.file_mode();
        self.check_regular()?;
        let mut report = {
            let lock = self.lock_existing_dir()?;
            let replaced = self.guard_locked(content, format, policy)?;
            let mut report = self.swap_locked(
                &lock,
                packed,
                &plan,
                (self.options.archive, mode),
                &mut scratch.back,
            )?;
            match replaced {
                Some(NotOpened::Diagnosed(d)) => report.replaced_unreadable = Some(d),
                Some(NotOpened::Rejected(reason)) => report.replaced_unopened = Some(reason),
                _ => {}
            }
            report
        };
        if !self.options.mirrors.is_empty() {
            let manifest_bytes = match report.manifest {
                ManifestOutcome::Written { .. } => {
                    self.fs.read(&self.manifest_path(), MAX_MANIFEST_LEN).ok()
                }
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
                        let lock = m.lock_existing_dir()?;
                        let steps = (m.options.archive, mode);
                        m.swap_locked(&lock, packed, &plan, steps, &mut scratch.back)
                    });
                if let Err(e) = &result {
                    error!(error = %e, "mirror update failed; the primary backup is updated");
                }
                report.mirrors.push(MirrorOutcome { path, result });
            }
        }
        Ok(report)
    }

    /// Checks the directory exists and takes the writer lock.
    fn lock_existing_dir(&self) -> Result<LockGuard, StoreError> {
        match self.fs.exists(&self.dir) {
            Ok(true) => self.lock(),
            Ok(false) => Err(StoreError::DirectoryMissing {
                path: self.dir.clone(),
            }),
            Err(source) => Err(StoreError::ListDir {
                path: self.dir.clone(),
                source,
            }),
        }
    }

    /// Steps 3 to 7 of [`MultiFile::write_packed`] for this file (no mirrors), under `_lock`;
    /// `(archive, mode)`: whether to archive the previous version, the file's final mode.
    fn swap_locked(
        &self,
        _lock: &LockGuard,
        packed: &[u8],
        plan: &ManifestPlan<'_>,
        (archive, mode): (bool, u32),
        back: &mut Vec<u8>,
    ) -> Result<SwapReport, StoreError> {
        let start = Instant::now();
        let _span = info_span!("swap", path = %self.path.display(), len = packed.len()).entered();
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
        stage(fs, &staging, packed, mode)?;

        let now = SystemTime::now();
        let archive_outcome = if archive {
            match self.archive_previous(now) {
                Ok(outcome) => outcome,
                Err(e) => {
                    // The previous version is not durable anywhere else: do not replace it.
                    if let Err(rm) = remove_if_present(fs, &staging) {
                        warn!(error = %rm, "cannot remove the staging file");
                    }
                    error!(error = %e, "cannot archive the previous backup; nothing replaced");
                    return Err(StoreError::Archive {
                        path: self.path.clone(),
                        source: Box::new(e),
                    });
                }
            }
        } else {
            ArchiveOutcome::Disabled
        };

        commit(fs, &staging, &self.path)?;
        info!("backup file updated");

        // Read-back: the bytes on disk must be the ones checked before writing. Equal
        // ciphertext decrypts to the checked plaintext, so no second decryption is needed.
        let problem = match fs.read_into(&self.path, MAX_BACKUP_LEN, back) {
            Err(e) => Some(format!("re-read failed: {e}")),
            Ok(()) if back.as_slice() != packed => Some(format!(
                "file holds {} bytes that differ from the {} written",
                back.len(),
                packed.len()
            )),
            Ok(()) => None,
        };
        if let Some(problem) = problem {
            error!(path = %self.path.display(), %problem, "read-back check failed");
            let restored = self.restore_locked(&archive_outcome, mode);
            return Err(StoreError::ReadBackMismatch {
                path: self.path.clone(),
                detail: format!("{problem}; {restored}"),
            });
        }

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
            replaced_unreadable: None,
            replaced_unopened: None,
            elapsed: start.elapsed(),
        })
    }

    fn archive_previous(&self, now: SystemTime) -> Result<ArchiveOutcome, StoreError> {
        match self.fs.kind(&self.path) {
            Ok(FileKind::Missing) => return Ok(ArchiveOutcome::NoPreviousFile),
            Ok(_) => {}
            Err(source) => {
                return Err(StoreError::Read {
                    path: self.path.clone(),
                    source,
                })
            }
        }
        let path = self.archive().add_from(&self.name, &self.path, now)?;
        Ok(ArchiveOutcome::Archived {
            path,
            pruned: Vec::new(),
            prune_error: None,
        })
    }

    /// After a failed read-back, under the lock: puts the archived previous version back,
    /// or (without one) moves the bad file aside.
    fn restore_locked(&self, archive: &ArchiveOutcome, mode: u32) -> String {
        match archive {
            ArchiveOutcome::Archived { path, .. } => {
                let result = self
                    .fs
                    .read(path, MAX_BACKUP_LEN)
                    .map_err(|source| StoreError::Read {
                        path: path.clone(),
                        source,
                    })
                    .and_then(|old| {
                        let staging = self.staging_path();
                        let _ = remove_if_present(self.fs.as_ref(), &staging);
                        replace_file(self.fs.as_ref(), &staging, self.path(), &old, mode)
                    });
                match result {
                    Ok(()) => format!("previous version restored from {}", path.display()),
                    Err(e) => {
                        warn!(error = %e, "cannot restore the previous version");
                        format!("previous version not restored: {e}")
                    }
                }
            }
            _ => match self.quarantine_locked() {
                Ok(moved) => format!(
                    "no archived previous version; bad file moved to {}",
                    moved.display()
                ),
                Err(e) => format!("no archived previous version; quarantine failed: {e}"),
            },
        }
    }
}
