//! Crash-safe storage of lnd's `channel.backup` file.
//!
//! `scb-store` owns "a backup file under a key". It writes and reads the multi-channel
//! backup file exactly where and how lnd does (same file content, same staging and
//! archive names), but strictly safer, and it is the one place that answers:
//!
//! - **What is this file under this key?** [`MultiFile::diagnose`] / [`open_packed`] open
//!   and decrypt, or return a [`Diagnosis`] that tells a wrong key from corruption
//!   wherever the bytes, the other network's key, the manifest and the archive allow it.
//!   [`MultiFile::open_or_quarantine`] moves an unreadable file aside.
//! - **May this write replace that file, and how is it written?** The one guarded write,
//!   [`MultiFile::write_multi`] / [`MultiFile::write_packed`]: a [`WritePolicy`] (shrink,
//!   force, empty) checked under the writer lock, one encryption with the caller's RNG,
//!   staging + fsync, the previous version archived first (a hard link; nothing is
//!   replaced if that fails), rename, directory fsync, a byte-exact read-back, the sidecar
//!   manifest, retention and mirrors. [`MultiFile::update_and_swap`] is the same write
//!   for bytes packed elsewhere, with no guard. [`MultiFile::write_format`] is the same
//!   write for a format this crate does not decode (Core Lightning's `emergency.recover`):
//!   a [`BackupFormat`] says how a file opens under its secret and which mode it has.
//! - **How much may be read?** [`read_input_file`] / [`read_stdin`]: bounded by
//!   [`InputKind`], regular files only, never blocking on a FIFO.
//!
//! [`Archive`] lists and prunes `chan-backup-archives/`; [`write_file_atomically`] is the
//! crash-safe single-file write other crates reuse. See `docs/durability.md` for the
//! guarantees and the tests behind each.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use scb_store::{MultiFile, MultiFileOptions, ArchiveOutcome};
//! let dir = tempfile::tempdir()?;
//! let backup = MultiFile::new(dir.path().join("channel.backup"), MultiFileOptions::default())?;
//! backup.update_and_swap(b"version 1")?;
//! let report = backup.update_and_swap(b"version 2")?;
//! assert!(matches!(report.archive, ArchiveOutcome::Archived { .. }));
//! assert_eq!(backup.read_packed()?, b"version 2");
//! assert_eq!(backup.read_manifest()?.map(|m| m.sequence), Some(2));
//! # Ok(()) }
//! ```

mod archive;
mod atomic;
#[cfg(test)]
mod crash_tests;
mod error;
mod format;
mod fs;
mod health;
mod manifest;
mod multi_file;
mod options;
mod policy;
mod read;
mod report;
#[cfg(test)]
mod sim_fs;
mod time;

pub use archive::{Archive, ArchiveEntry, PruneReport, RetentionPolicy, ARCHIVE_DIR_NAME};
pub use atomic::write_file_atomically;
pub use error::StoreError;
pub use format::{BackupFormat, NotOpened, PRIVATE_MODE};
pub use health::{
    open_multi, open_packed, Diagnosis, Evidence, FileFreshness, FileHealth, Opened, Probe,
    Unreadable, ARCHIVE_PROBES,
};
pub use manifest::{sha256_hex, Freshness, Manifest, MANIFEST_FORMAT, MANIFEST_SUFFIX};
pub use multi_file::{MultiFile, DEFAULT_FILE_NAME, LND_STAGING_NAME, SEQUENCE_LIMIT};
pub use options::MultiFileOptions;
pub use policy::{Content, Refusal, WritePolicy};
pub use read::{
    read_input_file, read_reader, read_stdin, InputKind, MAX_BACKUP_LEN, MAX_JSON_LEN,
    MAX_KEY_FILE_LEN, MAX_MANIFEST_LEN,
};
pub use report::{ArchiveOutcome, ManifestOutcome, MirrorOutcome, SwapReport};
