//! Guards against an unreadable or wrongly written backup: classification, quarantine and
//! the read-back check after a swap (issue 10).

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use scb_crypto::{BackupKey, PackError, UnpackError, Zeroizing, EMPTY_MULTI_PACKED_LEN};
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

/// What is wrong with `bytes` read back from a file meant to hold `packed`, the encryption
/// of `plaintext` under `key`; `None` when the bytes are `packed` and decrypt to `plaintext`.
fn read_back_problem(
    bytes: &[u8],
    packed: &[u8],
    plaintext: &[u8],
    key: &BackupKey,
) -> Option<String> {
    if bytes != packed {
        return Some(format!(
            "file holds {} bytes that differ from the {} written",
            bytes.len(),
            packed.len()
        ));
    }
    match key.decrypt(bytes) {
        Err(e) => Some(format!("re-read file does not open: {e}")),
        Ok(back) if back.as_slice() != plaintext => Some(format!(
            "plaintext differs: {} bytes read back, {} meant",
            back.len(),
            plaintext.len()
        )),
        Ok(_) => None,
    }
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

    /// Encodes `multi` and encrypts it with `key`, checks the packed bytes decrypt to exactly
    /// the plaintext that was encrypted, swaps them in, then re-reads the file, compares it
    /// with the packed bytes, decrypts it and compares the plaintext again. On a mismatch the
    /// previous version is restored from the archive entry this swap wrote (or, without one,
    /// the bad file is quarantined) and [`StoreError::ReadBackMismatch`] is returned.
    ///
    /// The checks compare plaintext bytes instead of decoding the multi again: decoding
    /// what `multi` encodes to gives `multi` back (a property the wire crate tests), so
    /// equal plaintext means the same channels, and it costs no public-key parsing.
    pub fn update_and_swap_verified(
        &self,
        multi: &Multi,
        key: &BackupKey,
    ) -> Result<SwapReport, StoreError> {
        let pack_error = |source: PackError| StoreError::Pack {
            path: self.path().to_path_buf(),
            source,
        };
        let plaintext = Zeroizing::new(
            multi
                .to_bytes()
                .map_err(|e| pack_error(PackError::from(e)))?,
        );
        let packed = key.encrypt(&plaintext, &mut scb_crypto::OsRng);
        // First check what we are about to write opens to the same bytes, so a fault between
        // here and the cipher never reaches the disk at all.
        if let Some(problem) = read_back_problem(&packed, &packed, &plaintext, key) {
            return Err(StoreError::ReadBackMismatch {
                path: self.path().to_path_buf(),
                detail: format!("packed bytes: {problem}; nothing written"),
            });
        }
        let count = u32::try_from(multi.singles.len()).ok();
        let report = self.update_and_swap_counted(&packed, count)?;
        let problem = match self.read_packed() {
            Err(e) => Some(format!("re-read failed: {e}")),
            Ok(bytes) => read_back_problem(&bytes, &packed, &plaintext, key),
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::read_back_problem;
    use crate::sim_fs::SimFs;
    use crate::{MultiFile, MultiFileOptions, StoreError};
    use scb_crypto::BackupKey;
    use scb_wire::Multi;

    fn fixture() -> (Multi, BackupKey) {
        let bytes = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lnd-channel.backup"),
        )
        .unwrap();
        let hex = "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7";
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        let key = BackupKey::from_bytes(key);
        (scb_crypto::unpack_multi(&bytes, &key).unwrap(), key)
    }

    #[test]
    fn read_back_check_catches_a_flipped_byte_anywhere_in_the_file() {
        let (multi, key) = fixture();
        let plaintext = multi.to_bytes().unwrap();
        let packed = key.encrypt(&plaintext, &mut scb_crypto::OsRng);
        assert_eq!(read_back_problem(&packed, &packed, &plaintext, &key), None);
        for at in [0, 23, 24, packed.len() / 2, packed.len() - 1] {
            let mut flipped = packed.clone();
            flipped[at] ^= 0x10;
            // Against what was written: the bytes differ.
            let p = read_back_problem(&flipped, &packed, &plaintext, &key).unwrap();
            assert!(p.contains("differ from the"), "{at}: {p}");
            // Even if the packed copy had the same flip, decryption refuses it.
            let p = read_back_problem(&flipped, &flipped, &plaintext, &key).unwrap();
            assert!(p.contains("does not open"), "{at}: {p}");
        }
    }

    #[test]
    fn read_back_check_catches_a_file_that_opens_to_other_channels() {
        let (multi, key) = fixture();
        let plaintext = multi.to_bytes().unwrap();
        let mut fewer = multi.clone();
        fewer.singles.pop();
        let other = key.encrypt(&fewer.to_bytes().unwrap(), &mut scb_crypto::OsRng);
        let p = read_back_problem(&other, &other, &plaintext, &key).unwrap();
        assert!(p.contains("plaintext differs"), "{p}");
    }

    #[test]
    fn verified_swap_restores_the_previous_file_when_a_written_byte_flips() {
        let (multi, key) = fixture();
        let fs = Arc::new(SimFs::new(&[Path::new("/sim/node")]));
        let options = MultiFileOptions::default().with_archive(true);
        let file = MultiFile::with_fs(
            PathBuf::from("/sim/node/channel.backup"),
            options,
            fs.clone(),
        )
        .unwrap();
        file.update_and_swap_verified(&multi, &key).unwrap();
        let good = file.read_packed().unwrap();
        assert_eq!(scb_crypto::unpack_multi(&good, &key).unwrap(), multi);
        let mut fewer = multi.clone();
        fewer.singles.truncate(2);
        fs.set_corrupt_writes(&file.staging_path(), true);
        let err = file.update_and_swap_verified(&fewer, &key).unwrap_err();
        match &err {
            StoreError::ReadBackMismatch { detail, .. } => {
                assert!(detail.contains("differ from the"), "{detail}");
                assert!(detail.contains("previous version restored"), "{detail}");
            }
            other => panic!("expected a read-back mismatch, got {other:?}"),
        }
        assert!(file.read_packed().unwrap() == good);
    }
}
