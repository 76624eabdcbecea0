//! `MultiFileOptions`: how a [`MultiFile`](crate::MultiFile) archives, locks, mirrors and
//! records its writes.

use std::path::PathBuf;
use std::time::Duration;

use crate::archive::RetentionPolicy;

/// Options of a [`MultiFile`](crate::MultiFile). The default is lnd's behaviour made safe:
/// archive on, keep every archived version, wait up to 10 s for the writer lock, write the
/// manifest, no mirrors.
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
