//! Crash-safe replacement of one file: stage, fsync, rename, fsync the directory.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{debug, warn};

use crate::format::PRIVATE_MODE;
use crate::fs::{Fs, RealFs, WriteStep};
use crate::StoreError;

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes `path` if it exists; returns whether something was removed.
pub(crate) fn remove_if_present(fs: &dyn Fs, path: &Path) -> io::Result<bool> {
    match fs.remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `staging` (0600, then `mode` if it differs, before the fsync so the
/// mode is durable with the data and a rename never publishes another mode) and makes
/// them durable. On failure the staging file is removed (best effort) so no half-written
/// file is left behind (lnd does not: docs/format.md#failed-write-leftovers).
pub(crate) fn stage(
    fs: &dyn Fs,
    staging: &Path,
    bytes: &[u8],
    mode: u32,
) -> Result<(), StoreError> {
    let _span =
        tracing::debug_span!("stage", path = %staging.display(), len = bytes.len()).entered();
    let failure = match fs.write(staging, bytes) {
        Err((WriteStep::Create, source)) => {
            return Err(StoreError::CreateStaging {
                path: staging.to_path_buf(),
                source,
            })
        }
        Err((WriteStep::Write, source)) => StoreError::WriteStaging {
            path: staging.to_path_buf(),
            source,
        },
        Ok(()) => match set_mode(fs, staging, mode).and_then(|()| {
            fs.sync_file(staging)
                .map_err(|source| StoreError::SyncStaging {
                    path: staging.to_path_buf(),
                    source,
                })
        }) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        },
    };
    if let Err(e) = remove_if_present(fs, staging) {
        warn!(path = %staging.display(), error = %e, "cannot remove failed staging file");
    }
    Err(failure)
}

/// Gives the staging file its final mode (nothing to do for [`PRIVATE_MODE`]).
fn set_mode(fs: &dyn Fs, staging: &Path, mode: u32) -> Result<(), StoreError> {
    if mode == PRIVATE_MODE {
        return Ok(());
    }
    fs.set_mode(staging, mode)
        .map_err(|source| StoreError::ModeStaging {
            path: staging.to_path_buf(),
            mode,
            source,
        })
}

/// Renames a durable staging file over `target` and fsyncs the directory.
pub(crate) fn commit(fs: &dyn Fs, staging: &Path, target: &Path) -> Result<(), StoreError> {
    let _span = tracing::debug_span!("commit", target = %target.display()).entered();
    if let Err(source) = fs.rename(staging, target) {
        if let Err(e) = remove_if_present(fs, staging) {
            warn!(path = %staging.display(), error = %e, "cannot remove staging file after failed rename");
        }
        return Err(StoreError::Rename {
            from: staging.to_path_buf(),
            to: target.to_path_buf(),
            source,
        });
    }
    let dir = parent_dir(target);
    fs.sync_dir(&dir)
        .map_err(|source| StoreError::SyncDir { path: dir, source })?;
    debug!("committed");
    Ok(())
}

/// Stage then commit, with a caller-chosen staging name in the target's directory.
pub(crate) fn replace_file(
    fs: &dyn Fs,
    staging: &Path,
    target: &Path,
    bytes: &[u8],
    mode: u32,
) -> Result<(), StoreError> {
    remove_if_present(fs, staging).map_err(|source| StoreError::RemoveStaging {
        path: staging.to_path_buf(),
        source,
    })?;
    stage(fs, staging, bytes, mode)?;
    commit(fs, staging, target)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes` crash-safely: a staging file in the same directory
/// (mode 0600, unique name so concurrent writers never share one), fsync, rename over
/// `path`, fsync of the directory.
///
/// After a crash `path` holds either its old content or `bytes`, never a mix. A crash can
/// leave a staging file named `.<file name>.tmp-<pid>-<n>` behind; it is never read.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("copy.backup");
/// scb_store::write_file_atomically(&path, b"packed multi bytes")?;
/// assert_eq!(std::fs::read(&path)?, b"packed multi bytes");
/// # Ok(()) }
/// ```
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let name = path.file_name().ok_or_else(|| StoreError::InvalidPath {
        path: path.to_path_buf(),
    })?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let staging_name = format!(
        ".{}.tmp-{}-{n}-{nanos}",
        name.to_string_lossy(),
        std::process::id()
    );
    let staging = parent_dir(path).join(staging_name);
    stage(&RealFs, &staging, bytes, PRIVATE_MODE)?;
    commit(&RealFs, &staging, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_file_atomically_replaces_content_and_leaves_no_staging_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.backup");
        write_file_atomically(&path, b"one").unwrap();
        write_file_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn write_file_atomically_in_missing_directory_names_the_staging_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("x.backup");
        let err = write_file_atomically(&path, b"one").unwrap_err();
        assert!(matches!(err, StoreError::CreateStaging { .. }), "{err:?}");
    }
}
