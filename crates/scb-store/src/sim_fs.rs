//! A simulated file system that models durability and can crash between any two operations.
//!
//! Model: a file's data is durable only after its fsync (`sync_file`); a directory's entries (names, renames, removals, sub-directories) are durable only
//! after `sync_dir` of that directory. A crash stops every later operation; recovery then
//! reverts every file to its last fsynced data and, in [`CrashModel::DropUnsyncedEntries`],
//! every directory to its last synced entries (the pessimistic model), or, in
//! [`CrashModel::KeepEntries`], keeps the entries but still drops unsynced data (the classic
//! "renamed but zero-length" outcome of filesystems that journal metadata only).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::fs::{DirEntryInfo, FileKind, Fs, LockFailure, LockGuard, WriteStep};

/// What a crash keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CrashModel {
    /// Directory entries revert to their last `sync_dir`.
    DropUnsyncedEntries,
    /// Directory entries stay as they were; only unsynced file data is lost.
    KeepEntries,
}

#[derive(Debug, Default)]
struct Inode {
    data: Vec<u8>,
    durable: Vec<u8>,
    /// Set by [`Fs::set_mode`] (`None`: the 0600 of [`Fs::write`]).
    mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File(usize),
    Dir,
}

#[derive(Debug, Default, Clone)]
struct Dir {
    current: BTreeMap<OsString, Entry>,
    durable: BTreeMap<OsString, Entry>,
}

#[derive(Debug, Default)]
struct State {
    inodes: Vec<Inode>,
    dirs: BTreeMap<PathBuf, Dir>,
    roots: BTreeSet<PathBuf>,
    ops: u64,
    crash_after: Option<u64>,
    crashed: bool,
    capacity: Option<usize>,
    read_only: BTreeSet<PathBuf>,
    corrupt_writes: BTreeSet<PathBuf>,
    link_fails: bool,
}

/// The simulated file system.
#[derive(Debug, Default)]
pub(crate) struct SimFs {
    state: Mutex<State>,
}

fn crash_error() -> io::Error {
    io::Error::other("simulated crash")
}

fn split(path: &Path) -> io::Result<(PathBuf, OsString)> {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => Ok((dir.to_path_buf(), name.to_os_string())),
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "no parent")),
    }
}

impl State {
    fn tick(&mut self) -> io::Result<()> {
        if self.crashed {
            return Err(crash_error());
        }
        if self.crash_after == Some(self.ops) {
            self.crashed = true;
            return Err(crash_error());
        }
        self.ops += 1;
        Ok(())
    }

    fn live(&self) -> io::Result<()> {
        if self.crashed {
            Err(crash_error())
        } else {
            Ok(())
        }
    }

    fn dir_mut(&mut self, dir: &Path) -> io::Result<&mut Dir> {
        self.dirs
            .get_mut(dir)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such directory"))
    }

    fn writable(&self, dir: &Path) -> io::Result<()> {
        if self.read_only.contains(dir) {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "read-only directory",
            ))
        } else {
            Ok(())
        }
    }

    fn lookup(&self, path: &Path) -> io::Result<Entry> {
        if self.dirs.contains_key(path) {
            return Ok(Entry::Dir);
        }
        let (dir, name) = split(path)?;
        self.dirs
            .get(&dir)
            .and_then(|d| d.current.get(&name))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn used(&self) -> usize {
        let mut live = BTreeSet::new();
        for dir in self.dirs.values() {
            for entry in dir.current.values() {
                if let Entry::File(i) = entry {
                    live.insert(*i);
                }
            }
        }
        live.iter().map(|i| self.inodes[*i].data.len()).sum()
    }
}

impl SimFs {
    /// A file system whose only (durable) directories are `roots`.
    pub(crate) fn new(roots: &[&Path]) -> Self {
        let mut state = State::default();
        for root in roots {
            state.dirs.insert(root.to_path_buf(), Dir::default());
            state.roots.insert(root.to_path_buf());
        }
        SimFs {
            state: Mutex::new(state),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Crash once `n` more mutating operations have completed.
    pub(crate) fn crash_after(&self, n: u64) {
        self.with(|s| {
            s.ops = 0;
            s.crash_after = Some(n);
        });
    }

    /// True once the planned crash happened.
    pub(crate) fn crashed(&self) -> bool {
        self.with(|s| s.crashed)
    }

    /// Total bytes of file data allowed (a full disk beyond it).
    pub(crate) fn set_capacity(&self, bytes: Option<usize>) {
        self.with(|s| s.capacity = bytes);
    }

    /// Makes `dir` refuse new entries, renames and removals.
    pub(crate) fn set_read_only(&self, dir: &Path, on: bool) {
        self.with(|s| {
            if on {
                s.read_only.insert(dir.to_path_buf());
            } else {
                s.read_only.remove(dir);
            }
        });
    }

    /// Makes the next write to `path` store its bytes with the last byte flipped (a disk or
    /// controller that corrupts data silently), or cancels that.
    pub(crate) fn set_corrupt_writes(&self, path: &Path, on: bool) {
        self.with(|s| {
            if on {
                s.corrupt_writes.insert(path.to_path_buf());
            } else {
                s.corrupt_writes.remove(path);
            }
        });
    }

    /// Makes hard links fail (a file system without them), so the copy fallback runs.
    pub(crate) fn set_link_fails(&self, on: bool) {
        self.with(|s| s.link_fails = on);
    }

    /// Power loss now: drop everything not durable under `model`, then run again.
    pub(crate) fn power_loss(&self, model: CrashModel) {
        self.with(|s| {
            for dir in s.dirs.values_mut() {
                if model == CrashModel::DropUnsyncedEntries {
                    dir.current = dir.durable.clone();
                }
            }
            for inode in &mut s.inodes {
                inode.data = inode.durable.clone();
            }
            // Directories whose own entry did not survive disappear with their content.
            loop {
                let orphans: Vec<PathBuf> = s
                    .dirs
                    .keys()
                    .filter(|d| !s.roots.contains(*d))
                    .filter(|d| {
                        let Ok((parent, name)) = split(d) else {
                            return true;
                        };
                        s.dirs.get(&parent).and_then(|p| p.current.get(&name)) != Some(&Entry::Dir)
                    })
                    .cloned()
                    .collect();
                if orphans.is_empty() {
                    break;
                }
                for o in orphans {
                    s.dirs.remove(&o);
                }
            }
            s.crashed = false;
            s.crash_after = None;
            s.ops = 0;
        });
    }

    /// Names in `dir` (current view).
    /// The mode [`Fs::set_mode`] gave the file at `path` (`None`: 0600 or no file).
    pub(crate) fn mode(&self, path: &Path) -> Option<u32> {
        self.with(|s| match s.lookup(path) {
            Ok(Entry::File(i)) => s.inodes[i].mode,
            _ => None,
        })
    }

    pub(crate) fn names(&self, dir: &Path) -> Vec<String> {
        self.with(|s| {
            s.dirs
                .get(dir)
                .map(|d| {
                    d.current
                        .keys()
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

impl Fs for SimFs {
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), (WriteStep, io::Error)> {
        self.with(|s| {
            s.tick().map_err(|e| (WriteStep::Create, e))?;
            let (dir, name) = split(path).map_err(|e| (WriteStep::Create, e))?;
            s.writable(&dir).map_err(|e| (WriteStep::Create, e))?;
            let next = s.inodes.len();
            let d = s.dir_mut(&dir).map_err(|e| (WriteStep::Create, e))?;
            let inode = match d.current.get(&name) {
                Some(Entry::File(i)) => *i,
                Some(Entry::Dir) => {
                    return Err((
                        WriteStep::Create,
                        io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
                    ))
                }
                None => {
                    d.current.insert(name, Entry::File(next));
                    s.inodes.push(Inode::default());
                    next
                }
            };
            s.inodes[inode].data.clear();
            s.tick().map_err(|e| (WriteStep::Write, e))?;
            if let Some(cap) = s.capacity {
                let room = cap.saturating_sub(s.used());
                if bytes.len() > room {
                    s.inodes[inode].data = bytes[..room].to_vec();
                    return Err((WriteStep::Write, io::Error::from_raw_os_error(28)));
                }
            }
            let mut stored = bytes.to_vec();
            if s.corrupt_writes.remove(path) {
                if let Some(last) = stored.last_mut() {
                    *last ^= 0x01;
                }
            }
            s.inodes[inode].data = stored;
            Ok(())
        })
    }

    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            match s.lookup(path)? {
                Entry::File(i) => {
                    s.inodes[i].mode = Some(mode);
                    Ok(())
                }
                Entry::Dir => Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )),
            }
        })
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            match s.lookup(path)? {
                Entry::File(i) => {
                    s.inodes[i].durable = s.inodes[i].data.clone();
                    Ok(())
                }
                Entry::Dir => Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )),
            }
        })
    }

    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        self.with(|s| {
            s.live()?;
            match s.lookup(path)? {
                Entry::File(i) if s.inodes[i].data.len() as u64 > limit => Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    "over the limit",
                )),
                Entry::File(i) => Ok(s.inodes[i].data.clone()),
                Entry::Dir => Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )),
            }
        })
    }

    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        self.with(|s| {
            s.live()?;
            Ok(match s.lookup(path) {
                Ok(Entry::File(_)) => FileKind::Regular,
                Ok(Entry::Dir) => FileKind::Dir,
                Err(_) => FileKind::Missing,
            })
        })
    }

    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            if s.link_fails {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "simulated file system without hard links",
                ));
            }
            let (to_dir, to_name) = split(to)?;
            s.writable(&to_dir)?;
            let Entry::File(inode) = s.lookup(from)? else {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                ));
            };
            let d = s.dir_mut(&to_dir)?;
            if d.current.contains_key(&to_name) {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
            }
            d.current.insert(to_name, Entry::File(inode));
            Ok(())
        })
    }

    fn copy(&self, from: &Path, to: &Path) -> io::Result<()> {
        let data = self.with(|s| match s.lookup(from) {
            Ok(Entry::File(i)) => Ok(s.inodes[i].data.clone()),
            Ok(Entry::Dir) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
            Err(e) => Err(e),
        })?;
        self.write(to, &data).map_err(|(_, e)| e)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            let (from_dir, from_name) = split(from)?;
            let (to_dir, to_name) = split(to)?;
            s.writable(&from_dir)?;
            s.writable(&to_dir)?;
            if !s.dirs.contains_key(&to_dir) {
                return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
            }
            let entry = s
                .dir_mut(&from_dir)?
                .current
                .remove(&from_name)
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
            s.dir_mut(&to_dir)?.current.insert(to_name, entry);
            Ok(())
        })
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            let (dir, name) = split(path)?;
            // Like POSIX: a missing name is ENOENT even in a read-only directory.
            if s.lookup(path).is_ok() {
                s.writable(&dir)?;
            }
            let d = s.dir_mut(&dir)?;
            match d.current.get(&name) {
                Some(Entry::File(_)) => {
                    d.current.remove(&name);
                    Ok(())
                }
                Some(Entry::Dir) => Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )),
                None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
            }
        })
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            let d = s.dir_mut(dir)?;
            d.durable = d.current.clone();
            Ok(())
        })
    }

    fn create_dir(&self, dir: &Path) -> io::Result<()> {
        self.with(|s| {
            s.tick()?;
            let (parent, name) = split(dir)?;
            s.writable(&parent)?;
            let p = s.dir_mut(&parent)?;
            if p.current.contains_key(&name) {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
            }
            p.current.insert(name, Entry::Dir);
            s.dirs.insert(dir.to_path_buf(), Dir::default());
            Ok(())
        })
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<DirEntryInfo>> {
        self.with(|s| {
            s.live()?;
            let d = s
                .dirs
                .get(dir)
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such directory"))?;
            Ok(d.current
                .iter()
                .map(|(name, entry)| DirEntryInfo {
                    name: name.clone(),
                    is_file: matches!(entry, Entry::File(_)),
                    len: match entry {
                        Entry::File(i) => s.inodes[*i].data.len() as u64,
                        Entry::Dir => 0,
                    },
                })
                .collect())
        })
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        self.with(|s| {
            s.live()?;
            Ok(s.lookup(path).is_ok())
        })
    }

    fn lock(&self, _path: &Path, _wait: Duration) -> Result<LockGuard, LockFailure> {
        self.with(|s| s.live().map_err(LockFailure::Io))?;
        Ok(LockGuard::none())
    }
}
