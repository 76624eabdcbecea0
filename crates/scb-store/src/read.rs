//! Bounded reads: every file scb reads has a size limit fitting its kind, only regular
//! files are read (a FIFO, a device or a socket is refused without blocking on it), and a
//! file is read into one buffer sized from its metadata, never twice its size.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::fs::Fs;
use crate::StoreError;

/// Largest backup file read (lnd's largest plausible `channel.backup` is a few MiB:
/// about 700 bytes per channel).
pub const MAX_BACKUP_LEN: u64 = 64 << 20;
/// Largest key file read (an extended key or a seed is a few hundred bytes).
pub const MAX_KEY_FILE_LEN: u64 = 16 << 10;
/// Largest JSON channel list read (about 2 KiB per channel: 100,000 channels fit).
pub const MAX_JSON_LEN: u64 = 256 << 20;
/// Largest sidecar manifest read (scb writes about 400 bytes).
pub const MAX_MANIFEST_LEN: u64 = 64 << 10;

/// What an input is, which sets its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// A packed backup (multi or single, binary or hex text): [`MAX_BACKUP_LEN`], twice
    /// that for hex text is not allowed either (hex of a 64 MiB file is refused).
    Backup,
    /// A key file: [`MAX_KEY_FILE_LEN`].
    KeyFile,
    /// A JSON channel list: [`MAX_JSON_LEN`].
    Json,
}

impl InputKind {
    /// The most bytes read for this kind.
    pub const fn limit(self) -> u64 {
        match self {
            InputKind::Backup => MAX_BACKUP_LEN,
            InputKind::KeyFile => MAX_KEY_FILE_LEN,
            InputKind::Json => MAX_JSON_LEN,
        }
    }

    /// The kind's name in messages.
    pub const fn name(self) -> &'static str {
        match self {
            InputKind::Backup => "backup",
            InputKind::KeyFile => "key file",
            InputKind::Json => "JSON file",
        }
    }
}

/// Why a bounded read failed, before the caller adds the path.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// Not a regular file; the text says what it is ("a FIFO").
    NotRegular(&'static str),
    /// Larger than the limit.
    TooLarge,
    /// The operating system's error.
    Io(io::Error),
}

impl From<io::Error> for ReadFailure {
    fn from(e: io::Error) -> Self {
        ReadFailure::Io(e)
    }
}

impl ReadFailure {
    pub(crate) fn into_store_error(self, path: &Path, limit: u64) -> StoreError {
        let path = path.to_path_buf();
        match self {
            ReadFailure::NotRegular(what) => StoreError::NotRegular { path, what },
            ReadFailure::TooLarge => StoreError::TooLarge { path, limit },
            ReadFailure::Io(source) if source.kind() == io::ErrorKind::NotFound => {
                StoreError::NotFound { path, source }
            }
            ReadFailure::Io(source) => StoreError::Read { path, source },
        }
    }

    /// The failure as an `io::Error` (for the file-system trait).
    pub(crate) fn into_io(self, limit: u64) -> io::Error {
        match self {
            ReadFailure::NotRegular(what) => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what}, not a regular file"),
            ),
            ReadFailure::TooLarge => io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("larger than the {limit}-byte limit"),
            ),
            ReadFailure::Io(e) => e,
        }
    }
}

/// What a non-regular file is, for messages.
pub(crate) fn describe(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading without blocking on a FIFO (`O_NONBLOCK`) and, with
/// `follow == false`, without following a final symbolic link (`O_NOFOLLOW`).
pub(crate) fn open_for_read(path: &Path, follow: bool) -> Result<File, ReadFailure> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(not(unix))]
    let _ = follow; // no O_NOFOLLOW/O_NONBLOCK here; the metadata check still refuses non-regular files
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    match options.open(path) {
        Ok(file) => Ok(file),
        // O_NOFOLLOW on a symbolic link fails with ELOOP.
        #[cfg(unix)]
        Err(e) if !follow && e.raw_os_error() == Some(libc::ELOOP) => {
            Err(ReadFailure::NotRegular("a symbolic link"))
        }
        Err(e) => Err(ReadFailure::Io(e)),
    }
}

/// Reads an open file whose metadata says it is regular and at most `limit` bytes, into
/// one buffer of its size.
pub(crate) fn read_open_file(file: File, limit: u64) -> Result<Vec<u8>, ReadFailure> {
    let mut buf = Vec::new();
    read_open_file_into(file, limit, &mut buf)?;
    Ok(buf)
}

/// [`read_open_file`] into a caller's buffer (cleared first; its capacity is reused).
pub(crate) fn read_open_file_into(
    file: File,
    limit: u64,
    buf: &mut Vec<u8>,
) -> Result<(), ReadFailure> {
    buf.clear();
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadFailure::NotRegular(describe(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadFailure::TooLarge);
    }
    // `limit` fits usize on every platform scb runs on (64 MiB < 2^32).
    buf.reserve(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(buf)?;
    if buf.len() as u64 > limit {
        // It grew while we read it.
        return Err(ReadFailure::TooLarge);
    }
    Ok(())
}

/// Reads a regular file of at most `limit` bytes without following a symbolic link.
pub(crate) fn read_no_follow(path: &Path, limit: u64) -> Result<Vec<u8>, ReadFailure> {
    read_open_file(open_for_read(path, false)?, limit)
}

/// [`read_no_follow`] into a caller's buffer.
pub(crate) fn read_no_follow_into(
    path: &Path,
    limit: u64,
    buf: &mut Vec<u8>,
) -> Result<(), ReadFailure> {
    read_open_file_into(open_for_read(path, false)?, limit, buf)
}

/// Reads the input file `path` (symbolic links followed) bounded by `kind`'s limit.
/// Refuses, without blocking, anything that is not a regular file: a directory, a FIFO,
/// a device, a socket. A missing file is [`StoreError::NotFound`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use scb_store::{read_input_file, InputKind, StoreError};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("key.txt");
/// std::fs::write(&path, "tprv...")?;
/// assert_eq!(read_input_file(&path, InputKind::KeyFile)?, b"tprv...");
/// assert!(matches!(
///     read_input_file(dir.path(), InputKind::Backup),
///     Err(StoreError::NotRegular { .. })
/// ));
/// # Ok(()) }
/// ```
pub fn read_input_file(path: &Path, kind: InputKind) -> Result<Vec<u8>, StoreError> {
    let limit = kind.limit();
    open_for_read(path, true)
        .and_then(|file| read_open_file(file, limit))
        .map_err(|e| e.into_store_error(path, limit))
}

/// Reads standard input bounded by `kind`'s limit (the explicit `-` of a command line).
pub fn read_stdin(kind: InputKind) -> Result<Vec<u8>, StoreError> {
    read_reader(io::stdin().lock(), kind, Path::new("<stdin>"))
}

/// Reads any reader bounded by `kind`'s limit; `label` names it in errors.
pub fn read_reader(
    reader: impl Read,
    kind: InputKind,
    label: &Path,
) -> Result<Vec<u8>, StoreError> {
    let limit = kind.limit();
    let mut buf = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| StoreError::Read {
            path: PathBuf::from(label),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(StoreError::TooLarge {
            path: PathBuf::from(label),
            limit,
        });
    }
    Ok(buf)
}

/// Reads a file through `fs`; a missing file is [`StoreError::NotFound`].
pub(crate) fn read_or_not_found(
    fs: &dyn Fs,
    path: &Path,
    limit: u64,
) -> Result<Vec<u8>, StoreError> {
    fs.read(path, limit).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            StoreError::NotFound {
                path: path.to_path_buf(),
                source,
            }
        } else {
            StoreError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![7u8; 20_000]).unwrap();
        let err = read_input_file(&path, InputKind::KeyFile).unwrap_err();
        assert!(matches!(err, StoreError::TooLarge { limit, .. } if limit == MAX_KEY_FILE_LEN));
        assert_eq!(
            read_input_file(&path, InputKind::Backup).unwrap().len(),
            20_000
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_directories_are_refused_at_once() {
        let err = read_input_file(Path::new("/dev/zero"), InputKind::Backup).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotRegular {
                    what: "a character device",
                    ..
                }
            ),
            "{err:?}"
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // No writer: a blocking open would hang here forever.
        let err = read_input_file(&fifo, InputKind::Json).unwrap_err();
        assert!(
            matches!(err, StoreError::NotRegular { what: "a FIFO", .. }),
            "{err:?}"
        );
        let err = read_input_file(dir.path(), InputKind::Json).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotRegular {
                    what: "a directory",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn no_follow_reads_refuse_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("manifest");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read_no_follow(&link, MAX_MANIFEST_LEN),
            Err(ReadFailure::NotRegular("a symbolic link"))
        ));
        let err = read_input_file(&link, InputKind::Backup).unwrap_err();
        assert!(matches!(
            err,
            StoreError::NotRegular {
                what: "a character device",
                ..
            }
        ));
    }

    #[test]
    fn stdin_like_readers_are_bounded_too() {
        let err = read_reader(io::repeat(0), InputKind::KeyFile, Path::new("<stdin>")).unwrap_err();
        assert!(matches!(err, StoreError::TooLarge { .. }));
        assert_eq!(
            read_reader(&b"abc"[..], InputKind::KeyFile, Path::new("-")).unwrap(),
            b"abc"
        );
    }
}
