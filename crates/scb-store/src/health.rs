//! Guards against an unreadable or wrongly written backup: classification, quarantine and
//! the read-back check after a swap (issue 10).

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use bitcoin::OutPoint;
use scb_crypto::{BackupKey, UnpackError, EMPTY_MULTI_PACKED_LEN};
use scb_wire::Multi;
use tracing::{error, warn};

use crate::atomic::{remove_if_present, replace_file};
use crate::multi_file::{ArchiveOutcome, MultiFile, SwapReport};
use crate::time::UtcStamp;
use crate::StoreError;

/// How many of the newest archive entries are tried to tell a wrong key from corruption.
const ARCHIVE_PROBES: usize = 3;

/// Why an existing backup file cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreadable {
    /// The file is empty (0 bytes).
    Empty,
    /// Shorter than the smallest packed multi (45 bytes): truncated.
    Truncated,
    /// Intact (its SHA-256 matches the manifest we wrote with it) but the key does not
    /// open it: the wrong seed, network or derivation.
    WrongKey,
    /// The key opens an archived version, so it is right: this file is damaged.
    Corrupted,
    /// Authentication failed and nothing tells which of the two it is.
    WrongKeyOrCorrupted,
    /// It decrypts but is not a valid multi (damaged plaintext or a newer format).
    Undecodable,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreadable::Empty => "empty file",
            Unreadable::Truncated => "truncated file",
            Unreadable::WrongKey => "wrong key (the file is intact)",
            Unreadable::Corrupted => "corrupted file (the key opens an archived version)",
            Unreadable::WrongKeyOrCorrupted => "wrong key or corrupted file",
            Unreadable::Undecodable => "decrypts but does not decode",
        })
    }
}

/// The state of the main file as seen with a key.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileHealth {
    /// No file yet.
    Missing,
    /// It opens.
    Readable(Multi),
    /// It exists but does not open.
    Unreadable(Unreadable),
}

/// What [`MultiFile::open_or_quarantine`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Opened {
    /// No file yet.
    Missing,
    /// The file opened.
    Readable(Multi),
    /// The file did not open and was moved aside (kept, never deleted).
    Quarantined {
        /// Where it is now.
        path: PathBuf,
        /// Why it did not open.
        reason: Unreadable,
    },
}

fn outpoints(multi: &Multi) -> BTreeSet<OutPoint> {
    multi.singles.iter().map(|s| s.funding_outpoint).collect()
}

impl MultiFile {
    /// Reads the main file and tells whether `key` opens it, and if not, why.
    pub fn check(&self, key: &BackupKey) -> Result<FileHealth, StoreError> {
        let bytes = match self.read_packed() {
            Ok(bytes) => bytes,
            Err(e) if e.is_not_found() => return Ok(FileHealth::Missing),
            Err(e) => return Err(e),
        };
        if bytes.is_empty() {
            return Ok(FileHealth::Unreadable(Unreadable::Empty));
        }
        if bytes.len() < EMPTY_MULTI_PACKED_LEN {
            return Ok(FileHealth::Unreadable(Unreadable::Truncated));
        }
        match scb_crypto::unpack_multi(&bytes, key) {
            Ok(multi) => Ok(FileHealth::Readable(multi)),
            Err(UnpackError::Authentication | UnpackError::TooShort { .. }) => Ok(
                FileHealth::Unreadable(self.classify_auth_failure(&bytes, key)),
            ),
            Err(_) => Ok(FileHealth::Unreadable(Unreadable::Undecodable)),
        }
    }

    /// The cipher cannot tell a wrong key from damage (S16); the manifest and the archive can.
    fn classify_auth_failure(&self, bytes: &[u8], key: &BackupKey) -> Unreadable {
        if let Ok(Some(manifest)) = self.read_manifest() {
            if manifest.describes(bytes) {
                return Unreadable::WrongKey;
            }
        }
        let entries = self.archive().list().unwrap_or_default();
        for entry in entries.iter().rev().take(ARCHIVE_PROBES) {
            if let Ok(old) = self.fs.read(&entry.path) {
                if scb_crypto::unpack_multi(&old, key).is_ok() {
                    return Unreadable::Corrupted;
                }
            }
        }
        Unreadable::WrongKeyOrCorrupted
    }

    /// Moves the main file aside to `NAME.quarantine-YYYY-MM-DD-HH-MM-SS[.N]` (UTC) in the
    /// same directory, under the writer lock, and fsyncs the directory. Returns the new path.
    pub fn quarantine(&self) -> Result<PathBuf, StoreError> {
        let _lock = self.lock()?;
        self.quarantine_locked()
    }

    pub(crate) fn quarantine_locked(&self) -> Result<PathBuf, StoreError> {
        let stem = format!(
            "{}.quarantine-{}",
            self.name(),
            UtcStamp::from_system_time(SystemTime::now()).format()
        );
        let dir = crate::atomic::parent_dir(self.path());
        let mut target = dir.join(&stem);
        let mut index = 0u32;
        while self
            .fs
            .exists(&target)
            .map_err(|source| StoreError::ListDir {
                path: dir.clone(),
                source,
            })?
        {
            index += 1;
            target = dir.join(format!("{stem}.{index}"));
        }
        self.fs
            .rename(self.path(), &target)
            .map_err(|source| StoreError::Quarantine {
                from: self.path().to_path_buf(),
                to: target.clone(),
                source,
            })?;
        self.fs
            .sync_dir(&dir)
            .map_err(|source| StoreError::SyncDir { path: dir, source })?;
        Ok(target)
    }

    /// Opens the main file; when it exists but does not open, moves it aside (kept, never
    /// deleted), reports why (wrong key versus corruption where that can be told), and
    /// lets the caller continue from its in-memory state instead of refusing to run.
    /// The check and the move happen under the writer lock, so a file another writer has
    /// just replaced is never moved aside by mistake.
    pub fn open_or_quarantine(&self, key: &BackupKey) -> Result<Opened, StoreError> {
        let _lock = self.lock()?;
        match self.check(key)? {
            FileHealth::Missing => Ok(Opened::Missing),
            FileHealth::Readable(multi) => Ok(Opened::Readable(multi)),
            FileHealth::Unreadable(reason) => {
                let path = self.quarantine_locked()?;
                error!(path = %path.display(), %reason, "unreadable backup file moved aside");
                Ok(Opened::Quarantined { path, reason })
            }
        }
    }

    /// Packs `multi` with `key`, checks the packed bytes open to the same channel set, swaps
    /// them in, then re-reads the file, decrypts and decodes it and compares its channel set
    /// with `multi`'s. On a mismatch the previous version
    /// is restored from the archive entry this swap wrote (or, without one, the bad file is
    /// quarantined) and [`StoreError::ReadBackMismatch`] is returned.
    pub fn update_and_swap_verified(
        &self,
        multi: &Multi,
        key: &BackupKey,
    ) -> Result<SwapReport, StoreError> {
        let packed =
            scb_crypto::pack_multi(multi, key, &mut scb_crypto::OsRng).map_err(|source| {
                StoreError::Pack {
                    path: self.path().to_path_buf(),
                    source,
                }
            })?;
        // First check what we are about to write opens to the same channels, so an encoder
        // fault never reaches the disk at all.
        match scb_crypto::unpack_multi(packed.as_bytes(), key) {
            Ok(back) if outpoints(&back) == outpoints(multi) => {}
            Ok(back) => {
                return Err(StoreError::ReadBackMismatch {
                    path: self.path().to_path_buf(),
                    detail: format!(
                        "packed bytes hold {} channels, {} meant; nothing written",
                        back.singles.len(),
                        multi.singles.len()
                    ),
                })
            }
            Err(e) => {
                return Err(StoreError::ReadBackMismatch {
                    path: self.path().to_path_buf(),
                    detail: format!("packed bytes do not open: {e}; nothing written"),
                })
            }
        }
        let count = u32::try_from(multi.singles.len()).ok();
        let report = self.update_and_swap_counted(packed.as_bytes(), count)?;
        let problem = match self.read_packed() {
            Err(e) => Some(format!("re-read failed: {e}")),
            Ok(bytes) if bytes != packed.as_bytes() => Some(format!(
                "file holds {} bytes that differ from the {} written",
                bytes.len(),
                packed.len()
            )),
            Ok(bytes) => match scb_crypto::unpack_multi(&bytes, key) {
                Err(e) => Some(format!("re-read file does not open: {e}")),
                Ok(back) if outpoints(&back) != outpoints(multi) => Some(format!(
                    "channel set differs: {} channels read back, {} meant",
                    back.singles.len(),
                    multi.singles.len()
                )),
                Ok(_) => None,
            },
        };
        let Some(problem) = problem else {
            return Ok(report);
        };
        error!(path = %self.path().display(), %problem, "read-back check failed");
        let restored = self.restore_after_bad_write(&report);
        Err(StoreError::ReadBackMismatch {
            path: self.path().to_path_buf(),
            detail: format!("{problem}; {restored}"),
        })
    }

    fn restore_after_bad_write(&self, report: &SwapReport) -> String {
        let _lock = match self.lock() {
            Ok(lock) => lock,
            Err(e) => return format!("previous version not restored: {e}"),
        };
        match &report.archive {
            ArchiveOutcome::Archived { path, .. } => {
                let result = self
                    .fs
                    .read(path)
                    .map_err(|source| StoreError::Read {
                        path: path.clone(),
                        source,
                    })
                    .and_then(|old| {
                        let staging = self.staging_path();
                        let _ = remove_if_present(self.fs.as_ref(), &staging);
                        replace_file(self.fs.as_ref(), &staging, self.path(), &old)
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
