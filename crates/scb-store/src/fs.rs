//! The file-system operations the store needs, behind one small trait.
//!
//! Production uses [`RealFs`]; the tests use a simulated file system that models what is
//! durable (fsynced data, fsynced directory entries) and can crash between any two
//! operations (`sim_fs.rs`). Every step of a swap goes through this trait, so the
//! crash-point enumeration covers exactly the code that runs in production.

use std::ffi::OsString;
use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Which part of [`Fs::write`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteStep {
    /// Creating (or truncating) the file.
    Create,
    /// Writing the bytes.
    Write,
}

/// One directory entry as [`Fs::list`] reports it.
#[derive(Debug, Clone)]
pub(crate) struct DirEntryInfo {
    /// File name within the directory.
    pub name: OsString,
    /// True for regular files.
    pub is_file: bool,
    /// Size in bytes.
    pub len: u64,
}

/// What a path names, without following a final symbolic link (`lstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Nothing.
    Missing,
    /// A regular file.
    Regular,
    /// A directory.
    Dir,
    /// Anything else; the text says what ("a symbolic link", "a FIFO").
    Other(&'static str),
}

/// Why taking the writer lock failed.
#[derive(Debug)]
pub(crate) enum LockFailure {
    /// Someone else holds it (after waiting this long).
    Busy(Duration),
    /// An I/O error.
    Io(io::Error),
}

/// A held writer lock; released on drop (the lock file itself stays).
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: Option<File>,
}

impl LockGuard {
    /// A guard that holds nothing (simulated file systems have a single writer).
    #[cfg(test)]
    pub(crate) fn none() -> Self {
        LockGuard { _file: None }
    }
}

/// File-system operations used by the store.
pub(crate) trait Fs: fmt::Debug + Send + Sync {
    /// Creates or truncates `path` with mode 0600, writes all of `bytes` and closes it
    /// (closed before any rename: Windows cannot rename an open file, lnd PR #3129).
    /// Nothing is durable until [`Fs::sync_file`].
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), (WriteStep, io::Error)>;
    /// Sets the permission bits of the file at `path` (Unix; elsewhere nothing to do).
    /// Durable with the file's next [`Fs::sync_file`].
    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()>;
    /// Makes the data of the file at `path` durable (fsync).
    fn sync_file(&self, path: &Path) -> io::Result<()>;
    /// Reads a whole regular file of at most `limit` bytes, without following a final
    /// symbolic link and without blocking on a FIFO.
    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>>;
    /// [`Fs::read`] into a caller's buffer (cleared first), so its memory is reused.
    fn read_into(&self, path: &Path, limit: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        *buf = self.read(path, limit)?;
        Ok(())
    }
    /// What `path` names, without following a final symbolic link.
    fn kind(&self, path: &Path) -> io::Result<FileKind>;
    /// Makes `to` a second name of the file `from` (a hard link); fails if `to` exists.
    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Copies the file `from` to `to` (created or truncated), in the kernel where it can
    /// (`copy_file_range`). Nothing is durable until [`Fs::sync_file`].
    fn copy(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Renames `from` over `to` (atomic replace).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Makes the entries of directory `dir` durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Creates one directory with mode 0700 (its parent must exist).
    fn create_dir(&self, dir: &Path) -> io::Result<()>;
    /// Lists a directory.
    fn list(&self, dir: &Path) -> io::Result<Vec<DirEntryInfo>>;
    /// True when `path` exists (file or directory).
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// Takes the exclusive advisory lock on `path` (created 0600 if missing), waiting at
    /// most `wait`.
    fn lock(&self, path: &Path, wait: Duration) -> Result<LockGuard, LockFailure>;
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RealFs;

fn private_file_options() -> OpenOptions {
    #[cfg_attr(not(unix), allow(unused_mut))] // only unix sets a mode
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
        // Our files (staging, lock) are never symbolic links; one planted in their place
        // by another user must not redirect the write.
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options
}

impl Fs for RealFs {
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), (WriteStep, io::Error)> {
        let mut file = private_file_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| (WriteStep::Create, e))?;
        file.write_all(bytes).map_err(|e| (WriteStep::Write, e))?;
        Ok(())
    }

    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()> {
        #[cfg(unix)]
        {
            // Through a handle opened without following links: the staging name is ours,
            // a link planted in its place must not have its target's mode changed.
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)?;
            file.set_permissions(std::fs::Permissions::from_mode(mode))
        }
        #[cfg(not(unix))]
        {
            let _ = (path, mode);
            Ok(())
        }
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        // fsync acts on the file, not the handle: a fresh handle flushes what the writing
        // one left in the page cache (Windows' FlushFileBuffers needs write access).
        #[cfg_attr(not(unix), allow(unused_mut))] // only unix sets flags
        let mut options = OpenOptions::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        options.write(true).open(path)?.sync_all()
    }

    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        crate::read::read_no_follow(path, limit).map_err(|e| e.into_io(limit))
    }

    fn read_into(&self, path: &Path, limit: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        crate::read::read_no_follow_into(path, limit, buf).map_err(|e| e.into_io(limit))
    }

    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => Ok(FileKind::Regular),
            Ok(meta) if meta.is_dir() => Ok(FileKind::Dir),
            Ok(meta) => Ok(FileKind::Other(crate::read::describe(meta.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(FileKind::Missing),
            Err(e) => Err(e),
        }
    }

    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::hard_link(from, to)
    }

    fn copy(&self, from: &Path, to: &Path) -> io::Result<()> {
        // std uses copy_file_range (then sendfile, then read/write) on Linux.
        std::fs::copy(from, to).map(|_| ())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        // On Windows std uses MoveFileExW with MOVEFILE_REPLACE_EXISTING (or the POSIX-semantics
        // rename where available). Write-through is not offered without unsafe code, so we
        // flush the renamed file afterwards; see docs/durability.md for the caveat.
        std::fs::rename(from, to)?;
        #[cfg(windows)]
        {
            OpenOptions::new().write(true).open(to)?.sync_all()?;
        }
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        #[cfg(unix)]
        {
            File::open(dir)?.sync_all()
        }
        #[cfg(not(unix))]
        {
            // Windows cannot open a directory for flushing without FILE_FLAG_BACKUP_SEMANTICS
            // and unsafe code; NTFS journals the rename itself. Documented in durability.md.
            let _ = dir;
            Ok(())
        }
    }

    fn create_dir(&self, dir: &Path) -> io::Result<()> {
        #[cfg_attr(not(unix), allow(unused_mut))] // only unix sets a mode
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<DirEntryInfo>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                // Removed between read_dir and metadata: not there any more.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            out.push(DirEntryInfo {
                name: entry.file_name(),
                is_file: meta.is_file(),
                len: meta.len(),
            });
        }
        Ok(out)
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        path.try_exists()
    }

    fn lock(&self, path: &Path, wait: Duration) -> Result<LockGuard, LockFailure> {
        #[cfg_attr(not(unix), allow(unused_mut))] // only unix sets flags
        let mut options = private_file_options();
        #[cfg(unix)]
        {
            // In a shared directory another user could plant `NAME.lock` as a symbolic link
            // to redirect our create/open elsewhere: never follow it.
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = options
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(LockFailure::Io)?;
        match file.try_lock() {
            Ok(()) => return Ok(LockGuard { _file: Some(file) }),
            Err(TryLockError::WouldBlock) if wait.is_zero() => {
                return Err(LockFailure::Busy(Duration::ZERO))
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(LockFailure::Io(e)),
        }
        // A blocking lock queues us in the kernel, so a writer that swaps in a tight loop
        // cannot starve us the way polling `try_lock` would. The blocking call runs on a
        // helper thread so the wait stays bounded; if we give up first, the helper releases
        // the lock as soon as it gets it (its send fails and it drops the file).
        let start = Instant::now();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("scb-store-lock".into())
            .spawn(move || {
                let result = file.lock().map(|()| file);
                let _ = tx.send(result);
            })
            .map_err(LockFailure::Io)?;
        match rx.recv_timeout(wait) {
            Ok(Ok(file)) => Ok(LockGuard { _file: Some(file) }),
            Ok(Err(e)) => Err(LockFailure::Io(e)),
            Err(_) => Err(LockFailure::Busy(start.elapsed())),
        }
    }
}
