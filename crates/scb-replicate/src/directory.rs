//! A local directory used as a destination (USB stick, synced folder, NAS mount).
//!
//! Same layout as an object store (`channel.backup` + `history/`). Every file is written
//! with the crash-safe swap: a 0600 staging file in the same directory, `fsync`, rename
//! over the target, `fsync` of the directory. A crash at any point leaves the previous
//! copy intact.

use std::io;
use std::path::{Path, PathBuf};

use crate::error::{ReplicateError, Result};
use crate::layout::{sha256_hex, HistoryEntry, HISTORY_DIR, LATEST_NAME};

/// Writes `bytes` to `target` with scb-store's crash-safe swap (0600 staging file in the
/// same directory, fsync, rename, fsync of the directory).
pub(crate) fn write_file_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    scb_store::write_file_atomically(target, bytes).map_err(|source| ReplicateError::Write {
        path: target.to_path_buf(),
        source,
    })
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| ReplicateError::io("create destination directory", dir, e))
}

/// Blocking operations on a directory destination; callers run them off the async runtime.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryStore {
    root: PathBuf,
}

impl DirectoryStore {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn latest_path(&self) -> PathBuf {
        self.root.join(LATEST_NAME)
    }

    fn history_path(&self, name: &str) -> PathBuf {
        self.root.join(HISTORY_DIR).join(name)
    }

    /// The latest copy and its version tag (the SHA-256 of its content).
    pub(crate) fn get_latest(&self) -> Result<Option<(Vec<u8>, String)>> {
        let path = self.latest_path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let tag = sha256_hex(&bytes);
                Ok(Some((bytes, tag)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReplicateError::io("read latest copy", path, e)),
        }
    }

    /// Writes a history version unless one of that name exists; `false` when it existed.
    pub(crate) fn put_history(&self, name: &str, bytes: &[u8]) -> Result<bool> {
        let dir = self.root.join(HISTORY_DIR);
        create_private_dir(&dir)?;
        let path = self.history_path(name);
        if path.exists() {
            return Ok(false);
        }
        write_file_atomically(&path, bytes)?;
        Ok(true)
    }

    /// Replaces the latest copy if its content still hashes to `expected` (`None`: absent).
    ///
    /// Returns the new tag, or `None` when the current copy is not the expected one. The
    /// check and the rename are not one atomic step: two writers on the same directory in
    /// the same millisecond could still race; object stores do this check server-side.
    pub(crate) fn put_latest(
        &self,
        bytes: &[u8],
        expected: Option<&str>,
    ) -> Result<Option<String>> {
        create_private_dir(&self.root)?;
        let current = self.get_latest()?.map(|(_, tag)| tag);
        if current.as_deref() != expected {
            return Ok(None);
        }
        write_file_atomically(&self.latest_path(), bytes)?;
        Ok(Some(sha256_hex(bytes)))
    }

    /// Every history version this crate wrote, oldest first.
    pub(crate) fn list_history(&self) -> Result<Vec<HistoryEntry>> {
        let dir = self.root.join(HISTORY_DIR);
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ReplicateError::io("list history", dir, e)),
        };
        let mut out = Vec::new();
        for entry in read {
            let entry = entry.map_err(|e| ReplicateError::io("list history", &dir, e))?;
            if let Some(h) = entry.file_name().to_str().and_then(HistoryEntry::parse) {
                out.push(h);
            }
        }
        out.sort();
        Ok(out)
    }

    /// One history version's bytes, `None` when absent.
    pub(crate) fn get_history(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.history_path(name);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReplicateError::io("read history version", path, e)),
        }
    }

    /// Deletes one history version (absent is fine).
    pub(crate) fn delete_history(&self, name: &str) -> Result<()> {
        let path = self.history_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ReplicateError::io("delete history version", path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_with_private_mode_and_no_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("f");
        write_file_atomically(&target, b"one").unwrap();
        write_file_atomically(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("f")]);
    }

    #[test]
    fn put_latest_refuses_when_current_copy_is_not_the_expected_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirectoryStore::new(dir.path().join("dest"));
        let tag1 = store.put_latest(b"first", None).unwrap().unwrap();
        // A second writer that believes there is no copy yet must not overwrite.
        assert_eq!(store.put_latest(b"other", None).unwrap(), None);
        assert_eq!(store.put_latest(b"other", Some("stale")).unwrap(), None);
        let tag2 = store.put_latest(b"second", Some(&tag1)).unwrap().unwrap();
        assert_eq!(
            store.get_latest().unwrap(),
            Some((b"second".to_vec(), tag2))
        );
    }

    #[test]
    fn history_is_create_only_and_listed_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirectoryStore::new(dir.path().to_path_buf());
        let b = "20261125T104200.123Z-ba7816bf8f01cfea.backup";
        let a = "20251125T104200.123Z-0000000000000000.backup";
        assert!(store.put_history(b, b"x").unwrap());
        assert!(!store.put_history(b, b"y").unwrap());
        assert!(store.put_history(a, b"z").unwrap());
        std::fs::write(dir.path().join(HISTORY_DIR).join("notes.txt"), b"ignored").unwrap();
        let names: Vec<_> = store
            .list_history()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, vec![a.to_string(), b.to_string()]);
        assert_eq!(store.get_history(b).unwrap().unwrap(), b"x");
        store.delete_history(b).unwrap();
        assert_eq!(store.get_history(b).unwrap(), None);
    }
}
