//! "What is this file under this key?": open and decrypt, or a diagnosis that tells a
//! wrong key from corruption wherever the bytes, the manifest and the archive allow it;
//! quarantine of an unreadable file.

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use scb_crypto::{BackupKey, Network, UnpackError, Zeroizing, EMPTY_MULTI_PACKED_LEN, NONCE_LEN};
use scb_wire::Multi;
use tracing::error;

use crate::manifest::Manifest;
use crate::multi_file::MultiFile;
use crate::read::MAX_BACKUP_LEN;
use crate::time::UtcStamp;
use crate::StoreError;

/// How many of the newest archive entries are tried to tell a wrong key from corruption.
pub const ARCHIVE_PROBES: usize = 3;

/// Why an existing backup file cannot be opened: the verdict. [`Evidence`] says how it
/// was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreadable {
    /// The file is empty (0 bytes).
    Empty,
    /// Shorter than the smallest packed multi (45 bytes): truncated.
    Truncated,
    /// The key does not open it and it is intact (it matches its manifest, or the same
    /// seed opens it on the other network): the wrong seed, network or derivation.
    WrongKey,
    /// The file is damaged: it differs from its manifest, or the key opens an archived
    /// version.
    Corrupted,
    /// Authentication failed and nothing tells which of the two it is.
    WrongKeyOrCorrupted,
    /// It decrypts but is not a valid multi (damaged plaintext or a newer format).
    Undecodable,
    /// It is text, not an encrypted backup.
    NotABackup,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreadable::Empty => "empty file",
            Unreadable::Truncated => "truncated file",
            Unreadable::WrongKey => "wrong key (the file is intact)",
            Unreadable::Corrupted => "corrupted file",
            Unreadable::WrongKeyOrCorrupted => "wrong key or corrupted file",
            Unreadable::Undecodable => "decrypts but does not decode",
            Unreadable::NotABackup => "text, not an encrypted backup",
        })
    }
}

/// What led to a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// The bytes alone (an empty file).
    Bytes,
    /// Fewer bytes than the nonce every packed backup starts with.
    ShorterThanNonce {
        /// The file's length.
        len: usize,
    },
    /// The same key material opens it on this other network.
    OtherNetwork {
        /// The network whose key opens it.
        network: Network,
    },
    /// The bytes are printable text.
    Text {
        /// It starts with `{` (JSON, probably a channel list).
        json: bool,
    },
    /// It matches the manifest written with it, so it is intact.
    MatchesManifest {
        /// The manifest's sequence.
        sequence: u64,
    },
    /// Its length differs from the one its manifest records.
    ManifestLength {
        /// The file's length.
        len: u64,
        /// The manifest's length.
        manifest_len: u64,
    },
    /// Same length as its manifest records, other content.
    DiffersFromManifest,
    /// The key opens this archived version.
    ArchiveOpens {
        /// The archive entry's file name.
        name: String,
    },
    /// Nothing tells a wrong key from damage.
    Unexplained {
        /// The file's length.
        len: usize,
        /// Shorter than an empty packed multi.
        shorter_than_empty: bool,
    },
    /// It decrypts; the plaintext does not decode.
    Decode {
        /// The decoder's error.
        error: scb_wire::DecodeError,
    },
}

/// Why bytes do not open under a key: a verdict and its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The verdict.
    pub verdict: Unreadable,
    /// How it was reached.
    pub evidence: Evidence,
}

impl Diagnosis {
    fn new(verdict: Unreadable, evidence: Evidence) -> Self {
        Diagnosis { verdict, evidence }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.verdict, f)?;
        match &self.evidence {
            Evidence::OtherNetwork { network } => write!(f, ": it opens on {network}"),
            Evidence::MatchesManifest { sequence } => {
                write!(f, ": it matches its manifest (sequence {sequence})")
            }
            Evidence::ManifestLength { len, manifest_len } => {
                write!(f, ": {len} bytes, its manifest records {manifest_len}")
            }
            Evidence::DiffersFromManifest => f.write_str(": it differs from its manifest"),
            Evidence::ArchiveOpens { name } => write!(f, ": the key opens the archived {name}"),
            Evidence::Decode { error } => write!(f, ": {error}"),
            _ => Ok(()),
        }
    }
}

/// Where bytes come from and what else may be tried when the key does not open them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Probe<'a> {
    /// The backup file the bytes were read from: its manifest and archive are consulted.
    pub file: Option<&'a MultiFile>,
    /// The same key material derived on another network.
    pub other_network: Option<(Network, &'a BackupKey)>,
    /// The bytes were decoded from hex text (so "text" is no diagnosis).
    pub was_text: bool,
}

/// How the main file's content relates to its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFreshness {
    /// No manifest beside it.
    NoManifest,
    /// The manifest cannot be read: report it, its sequence is unknown.
    ManifestUnreadable(String),
    /// The manifest describes this content: the newest version scb wrote.
    Current {
        /// The manifest.
        manifest: Manifest,
    },
    /// The content is an older version scb archived: the file was rolled back.
    RolledBack {
        /// The archive entry holding the same bytes.
        archived: String,
        /// The manifest's (newer) sequence.
        manifest_sequence: u64,
    },
    /// Another program (lnd itself, a restore) wrote the file after scb's last write.
    ChangedOutside {
        /// The manifest of scb's last write.
        manifest: Manifest,
    },
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

fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes)
            .is_ok_and(|s| s.chars().all(|c| !c.is_control() || c.is_whitespace()))
}

/// Decrypts `bytes` with `key`; when that fails, says why as precisely as the bytes, the
/// other network's key, the manifest and the newest archive entries of `probe` allow.
///
/// The cipher cannot tell a wrong key from damage; the evidence is tried in this order:
/// empty, shorter than a nonce, the other network's key, text, the manifest (intact:
/// wrong key; different: corrupted), an archived version the key opens (corrupted).
pub fn open_packed(
    bytes: &[u8],
    key: &BackupKey,
    probe: &Probe<'_>,
) -> Result<Zeroizing<Vec<u8>>, Diagnosis> {
    if bytes.is_empty() {
        return Err(Diagnosis::new(Unreadable::Empty, Evidence::Bytes));
    }
    if bytes.len() < NONCE_LEN {
        return Err(Diagnosis::new(
            Unreadable::Truncated,
            Evidence::ShorterThanNonce { len: bytes.len() },
        ));
    }
    match key.decrypt(bytes) {
        Ok(plain) => Ok(plain),
        Err(UnpackError::Authentication | UnpackError::TooShort { .. }) => {
            Err(diagnose_auth_failure(bytes, key, probe))
        }
        Err(UnpackError::Decode(error)) => Err(Diagnosis::new(
            Unreadable::Undecodable,
            Evidence::Decode { error },
        )),
        Err(_) => Err(Diagnosis::new(
            Unreadable::WrongKeyOrCorrupted,
            Evidence::Unexplained {
                len: bytes.len(),
                shorter_than_empty: bytes.len() < EMPTY_MULTI_PACKED_LEN,
            },
        )),
    }
}

fn diagnose_auth_failure(bytes: &[u8], key: &BackupKey, probe: &Probe<'_>) -> Diagnosis {
    if let Some((network, other)) = probe.other_network {
        if other.decrypt(bytes).is_ok() {
            return Diagnosis::new(Unreadable::WrongKey, Evidence::OtherNetwork { network });
        }
    }
    if !probe.was_text && looks_like_text(bytes) {
        let json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        return Diagnosis::new(Unreadable::NotABackup, Evidence::Text { json });
    }
    if let Some(file) = probe.file {
        if let Ok(Some(manifest)) = file.read_manifest() {
            if manifest.describes(bytes) {
                return Diagnosis::new(
                    Unreadable::WrongKey,
                    Evidence::MatchesManifest {
                        sequence: manifest.sequence,
                    },
                );
            }
            let len = bytes.len() as u64;
            let evidence = if manifest.file_len == len {
                Evidence::DiffersFromManifest
            } else {
                Evidence::ManifestLength {
                    len,
                    manifest_len: manifest.file_len,
                }
            };
            return Diagnosis::new(Unreadable::Corrupted, evidence);
        }
        let entries = file.archive().list().unwrap_or_default();
        for entry in entries.iter().rev().take(ARCHIVE_PROBES) {
            if let Ok(old) = file.fs.read(&entry.path, MAX_BACKUP_LEN) {
                if key.decrypt(&old).is_ok() {
                    return Diagnosis::new(
                        Unreadable::Corrupted,
                        Evidence::ArchiveOpens {
                            name: entry.name.clone(),
                        },
                    );
                }
            }
        }
    }
    let shorter_than_empty = bytes.len() < EMPTY_MULTI_PACKED_LEN;
    let verdict = if shorter_than_empty {
        Unreadable::Truncated
    } else {
        Unreadable::WrongKeyOrCorrupted
    };
    Diagnosis::new(
        verdict,
        Evidence::Unexplained {
            len: bytes.len(),
            shorter_than_empty,
        },
    )
}

/// Decrypts and decodes a packed multi, diagnosing failures as [`open_packed`] does.
pub fn open_multi(bytes: &[u8], key: &BackupKey, probe: &Probe<'_>) -> Result<Multi, Diagnosis> {
    let plain = open_packed(bytes, key, probe)?;
    Multi::decode(&plain)
        .map_err(|error| Diagnosis::new(Unreadable::Undecodable, Evidence::Decode { error }))
}

impl MultiFile {
    /// How `bytes` (the main file's content) relate to the manifest beside it.
    pub fn freshness_of(&self, bytes: &[u8]) -> FileFreshness {
        let manifest = match self.read_manifest() {
            Ok(Some(m)) => m,
            Ok(None) => return FileFreshness::NoManifest,
            Err(e) => return FileFreshness::ManifestUnreadable(e.to_string()),
        };
        if manifest.describes(bytes) {
            return FileFreshness::Current { manifest };
        }
        // An older version scb wrote is in the archive byte for byte (each swap archives
        // what it replaces); a version another program wrote is not.
        let entries = self.archive().list().unwrap_or_default();
        for entry in entries.iter().rev() {
            if entry.len != bytes.len() as u64 {
                continue;
            }
            if let Ok(old) = self.fs.read(&entry.path, MAX_BACKUP_LEN) {
                if old == bytes {
                    return FileFreshness::RolledBack {
                        archived: entry.name.clone(),
                        manifest_sequence: manifest.sequence,
                    };
                }
            }
        }
        FileFreshness::ChangedOutside { manifest }
    }

    /// Reads the main file and tells whether `key` opens it, and if not, why.
    pub fn check(&self, key: &BackupKey) -> Result<FileHealth, StoreError> {
        Ok(match self.diagnose(key)? {
            None => FileHealth::Missing,
            Some(Ok(multi)) => FileHealth::Readable(multi),
            Some(Err(diagnosis)) => FileHealth::Unreadable(diagnosis.verdict),
        })
    }

    /// Reads the main file (bounded, not through a symbolic link) and opens it with `key`:
    /// `None` when there is no file, else the multi or the [`Diagnosis`].
    pub fn diagnose(
        &self,
        key: &BackupKey,
    ) -> Result<Option<Result<Multi, Diagnosis>>, StoreError> {
        let bytes = match self.read_packed() {
            Ok(bytes) => bytes,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let probe = Probe {
            file: Some(self),
            ..Probe::default()
        };
        Ok(Some(open_multi(&bytes, key, &probe)))
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
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::*;
    use crate::sim_fs::SimFs;
    use crate::{MultiFileOptions, WritePolicy};

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
    fn diagnosis_names_the_other_network_and_text() {
        let (multi, key) = fixture();
        let packed = key.encrypt(&multi.to_bytes().unwrap(), &mut scb_crypto::OsRng);
        let wrong = BackupKey::from_bytes([9; 32]);
        let probe = Probe {
            other_network: Some((Network::Mainnet, &key)),
            ..Probe::default()
        };
        let d = open_packed(&packed, &wrong, &probe).unwrap_err();
        assert_eq!(d.verdict, Unreadable::WrongKey);
        assert_eq!(
            d.evidence,
            Evidence::OtherNetwork {
                network: Network::Mainnet
            }
        );
        let text = b"{\"channels\": [] , \"padding\": \"..................................\"}";
        let d = open_packed(text, &key, &Probe::default()).unwrap_err();
        assert_eq!(d.evidence, Evidence::Text { json: true });
        let hex_probe = Probe {
            was_text: true,
            ..Probe::default()
        };
        let d = open_packed(text, &key, &hex_probe).unwrap_err();
        assert_eq!(d.verdict, Unreadable::WrongKeyOrCorrupted);
        let d = open_packed(&packed[..10], &key, &Probe::default()).unwrap_err();
        assert_eq!(d.evidence, Evidence::ShorterThanNonce { len: 10 });
    }

    #[test]
    fn verified_write_restores_the_previous_file_when_a_written_byte_flips() {
        let (multi, key) = fixture();
        let fs = Arc::new(SimFs::new(&[Path::new("/sim/node")]));
        let options = MultiFileOptions::default().with_archive(true);
        let file = MultiFile::with_fs(
            PathBuf::from("/sim/node/channel.backup"),
            options,
            fs.clone(),
        )
        .unwrap();
        let policy = WritePolicy::replace_anything();
        file.write_multi(&multi, &key, &policy, &mut scb_crypto::OsRng)
            .unwrap();
        let good = file.read_packed().unwrap();
        assert_eq!(scb_crypto::unpack_multi(&good, &key).unwrap(), multi);
        let mut fewer = multi.clone();
        fewer.singles.truncate(2);
        fs.set_corrupt_writes(&file.staging_path(), true);
        let err = file
            .write_multi(&fewer, &key, &policy, &mut scb_crypto::OsRng)
            .unwrap_err();
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
