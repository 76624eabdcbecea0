//! Reading a live `channel.backup` only once it has stopped changing.
//!
//! lnd replaces the file by writing `temp-dont-use.backup` and renaming it over
//! `channel.backup`; other writers (editors, `cp`, our own store) may write in place. A
//! read can therefore see a half-written file or straddle a rename. A read is accepted
//! only when two complete reads a settle interval apart agree on size, modification time,
//! file identity and SHA-256, and each read saw the same metadata before and after.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{ReplicateError, Result};
use crate::layout::sha256_hex;

/// Size, modification time and identity of a file, to notice changes without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Fingerprint {
    /// The fingerprint of `path` now.
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

/// One consistent copy of the source file.
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lower-case hex.
    pub sha256: String,
    /// The file's modification time, as the file system reports it (any value: clocks
    /// skew, restored files keep old times).
    pub modified: SystemTime,
    /// When this copy was read: the replicator's own clock.
    pub observed: SystemTime,
    /// Where it was read from.
    pub path: PathBuf,
    pub(crate) fingerprint: Fingerprint,
}

impl Snapshot {
    /// The time stamp of this content's history version: the modification time, but
    /// never later than the moment it was read.
    ///
    /// A stamp can therefore never lie in the future of the clock that wrote it, so one
    /// file with a skewed modification time (say 2030) cannot rank above every later
    /// version and block them (`docs/durability.md#replication-order`).
    pub fn version_time(&self) -> SystemTime {
        self.modified.min(self.observed)
    }

    /// Whether the modification time lies more than `tolerance` after the read.
    pub(crate) fn modified_in_future(&self, tolerance: std::time::Duration) -> bool {
        self.modified
            .duration_since(self.observed)
            .is_ok_and(|ahead| ahead > tolerance)
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("path", &self.path)
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

fn read_once(path: &Path) -> Result<Option<(Vec<u8>, Fingerprint)>> {
    let before =
        Fingerprint::of(path).map_err(|e| ReplicateError::io("stat source file", path, e))?;
    let bytes = std::fs::read(path).map_err(|e| ReplicateError::io("read source file", path, e))?;
    let after =
        Fingerprint::of(path).map_err(|e| ReplicateError::io("stat source file", path, e))?;
    if before != after || bytes.len() as u64 != after.len {
        return Ok(None);
    }
    Ok(Some((bytes, after)))
}

/// Reads `path` once it is stable, trying at most `max_attempts` times `settle` apart.
///
/// Blocking (it sleeps between reads): call it from a blocking thread.
pub fn read_stable(path: &Path, settle: Duration, max_attempts: u32) -> Result<Snapshot> {
    let mut previous: Option<(String, Fingerprint)> = None;
    for _ in 0..max_attempts.max(2) {
        if let Some((bytes, fp)) = read_once(path)? {
            let sha = sha256_hex(&bytes);
            if previous.as_ref() == Some(&(sha.clone(), fp)) {
                return Ok(Snapshot {
                    bytes,
                    sha256: sha,
                    modified: fp.modified.unwrap_or_else(SystemTime::now),
                    observed: SystemTime::now(),
                    path: path.to_path_buf(),
                    fingerprint: fp,
                });
            }
            previous = Some((sha, fp));
        } else {
            previous = None;
        }
        std::thread::sleep(settle);
    }
    Err(ReplicateError::SourceUnstable {
        path: path.to_path_buf(),
        attempts: max_attempts.max(2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_file_is_read_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("channel.backup");
        std::fs::write(&p, b"hello").unwrap();
        let s = read_stable(&p, Duration::from_millis(5), 5).unwrap();
        assert_eq!(s.bytes, b"hello");
        assert_eq!(s.sha256, sha256_hex(b"hello"));
        assert_eq!(
            Some(s.modified),
            std::fs::metadata(&p).unwrap().modified().ok()
        );
        assert_eq!(s.version_time(), s.modified);
    }

    #[test]
    fn a_future_modification_time_is_stamped_with_the_time_of_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("channel.backup");
        std::fs::write(&p, b"hello").unwrap();
        // Whole seconds: some file systems keep no finer modification times.
        let in_3_years = SystemTime::now() + Duration::from_secs(3 * 365 * 86_400);
        let secs = in_3_years
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let future = std::time::UNIX_EPOCH + Duration::from_secs(secs);
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(future).unwrap();
        drop(f);
        let before = SystemTime::now();
        let s = read_stable(&p, Duration::from_millis(5), 5).unwrap();
        assert_eq!(s.modified, future);
        assert!(s.version_time() >= before && s.version_time() <= SystemTime::now());
        assert!(s.modified_in_future(Duration::from_secs(60)));
    }

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("absent");
        let e = read_stable(&p, Duration::from_millis(1), 3).unwrap_err();
        assert!(e.to_string().contains("absent"), "{e}");
        assert!(matches!(e, ReplicateError::Io { .. }));
    }

    #[test]
    fn content_changed_between_the_two_reads_is_not_accepted() {
        // Same length, same mtime, same inode: only the hash tells the reads apart.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("channel.backup");
        std::fs::write(&p, b"AAAA").unwrap();
        let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
        let reader = {
            let p = p.clone();
            std::thread::spawn(move || read_stable(&p, Duration::from_millis(500), 2))
        };
        std::thread::sleep(Duration::from_millis(100));
        {
            use std::io::Write;
            let mut f = std::fs::File::options().write(true).open(&p).unwrap();
            f.write_all(b"BBBB").unwrap();
            f.set_modified(mtime).unwrap();
        }
        match reader.join().unwrap() {
            Err(ReplicateError::SourceUnstable { attempts: 2, .. }) => {}
            // Only possible when the reader thread started after the rewrite.
            Ok(s) => assert_eq!(s.bytes, b"BBBB", "a superseded read was accepted"),
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
}
