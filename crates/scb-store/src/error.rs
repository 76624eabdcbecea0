//! The one error type of `scb-store`.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in `scb-store`; every variant names the step and the path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The configured path has no file name (or is empty).
    #[error("backup file path {} has no file name", path.display())]
    InvalidPath {
        /// The path given.
        path: PathBuf,
    },
    /// The backup file does not exist: the sub-swapper treats this as "no backup yet".
    #[error("backup file {} does not exist", path.display())]
    NotFound {
        /// The missing file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Reading a file failed.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Another process (or another handle in this one) holds the writer lock.
    #[error("lock {} is held by another writer (waited {waited_ms} ms)", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// How long we waited before giving up.
        waited_ms: u64,
    },
    /// Creating or locking the lock file failed.
    #[error("cannot lock {}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Removing a stale staging file left by an earlier run failed.
    #[error("cannot remove stale staging file {}", path.display())]
    RemoveStaging {
        /// The staging file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Creating the staging file failed.
    #[error("cannot create staging file {}", path.display())]
    CreateStaging {
        /// The staging file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Writing the staging file failed (for example a full disk).
    #[error("cannot write staging file {}", path.display())]
    WriteStaging {
        /// The staging file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Flushing the staging file to stable storage failed.
    #[error("cannot fsync staging file {}", path.display())]
    SyncStaging {
        /// The staging file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Giving the staging file its final mode failed; the target is untouched.
    #[error("cannot set mode {mode:o} on staging file {}", path.display())]
    ModeStaging {
        /// The staging file.
        path: PathBuf,
        /// The mode.
        mode: u32,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Renaming the staging file over the target failed; the target is untouched.
    #[error("cannot rename {} over {}", from.display(), to.display())]
    Rename {
        /// The staging file.
        from: PathBuf,
        /// The target.
        to: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Flushing a directory failed; after a rename this means the new file is in place
    /// but may not survive a power loss.
    #[error("cannot fsync directory {}", path.display())]
    SyncDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Creating a directory (the archive directory) failed.
    #[error("cannot create directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Listing a directory failed.
    #[error("cannot list directory {}", path.display())]
    ListDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Removing an archive entry (pruning) failed.
    #[error("cannot remove archive entry {}", path.display())]
    RemoveArchive {
        /// The archive file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Moving an unreadable backup file aside failed.
    #[error("cannot quarantine {} as {}", from.display(), to.display())]
    Quarantine {
        /// The unreadable file.
        from: PathBuf,
        /// The quarantine name.
        to: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The backup file exists but could not be decrypted or decoded.
    #[error("cannot unpack backup file {}", path.display())]
    Unpack {
        /// The file.
        path: PathBuf,
        /// What scb-crypto reported (wrong key and corruption look the same to the cipher).
        #[source]
        source: scb_crypto::UnpackError,
    },
    /// The directory of the backup file (or of a mirror) does not exist; it is not created for
    /// you (docs/format.md#missing-parent-directory: lnd made this a start-up failure).
    #[error("directory {} of the backup file does not exist", path.display())]
    DirectoryMissing {
        /// The missing directory.
        path: PathBuf,
    },
    /// Packing the multi for a verified swap failed.
    #[error("cannot pack the multi for {}", path.display())]
    Pack {
        /// The backup file.
        path: PathBuf,
        /// What scb-crypto reported.
        #[source]
        source: scb_crypto::PackError,
    },
    /// The sidecar manifest exists but is not valid JSON of a known format.
    #[error("manifest {} is unreadable: {reason}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The read-back check after a swap found content that differs from what was meant;
    /// the previous version was restored when possible.
    #[error("read-back of {} does not match what was written ({detail})", path.display())]
    ReadBackMismatch {
        /// The backup file.
        path: PathBuf,
        /// What differed and whether the previous version was restored.
        detail: String,
    },
    /// The path names something that is not a regular file (a device, a FIFO, a socket, a
    /// directory, or a symbolic link where none is followed); it is neither read nor replaced.
    #[error("{} is {what}, not a regular file", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is ("a character device").
        what: &'static str,
    },
    /// A file is larger than the limit of its kind; it was not read.
    #[error("{} is larger than the {limit}-byte limit", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The backup file name is not valid UTF-8 (archive and manifest names are built from it).
    #[error("backup file name of {} is not valid UTF-8", path.display())]
    NonUtf8Name {
        /// The path given.
        path: PathBuf,
    },
    /// The previous version could not be archived, so it was not replaced.
    #[error("cannot archive the previous version of {}; nothing replaced", path.display())]
    Archive {
        /// The backup file.
        path: PathBuf,
        /// Why archiving failed.
        #[source]
        source: Box<StoreError>,
    },
    /// The archive directory is not a directory (a file, or a symbolic link, which is never
    /// followed).
    #[error("archive directory {} is {what}", path.display())]
    ArchiveDirNotDir {
        /// The archive directory.
        path: PathBuf,
        /// What it is instead.
        what: &'static str,
    },
    /// A guarded write did not replace the existing file; nothing was written.
    #[error("refusing to replace {}: {refusal}", path.display())]
    Refused {
        /// The backup file.
        path: PathBuf,
        /// Why.
        refusal: crate::Refusal,
    },
    /// Two channels of the multi to write have the same funding outpoint.
    #[error("{}: two channels have funding outpoint {outpoint}; nothing written", path.display())]
    DuplicateChannel {
        /// The backup file.
        path: PathBuf,
        /// The repeated funding outpoint.
        outpoint: bitcoin::OutPoint,
    },
}

impl StoreError {
    /// True when the backup file simply does not exist yet.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound { .. })
    }
}
