//! The archive of previous backup versions (`chan-backup-archives/`), with retention.
//!
//! Names follow lnd, `<main file name>-YYYY-MM-DD-HH-MM-SS`, but in **UTC** (lnd uses local
//! time, whose repeated hour at the end of daylight saving time overwrites snapshots,
//! docs/format.md#archive-names-local-time), and a second copy in the same second gets a suffix
//! `.1`, `.2`, ... instead of overwriting the first. Copies are written atomically (temporary
//! name, fsync, rename, directory fsync), so a crash never leaves a truncated archive entry.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tracing::{debug, info};

use crate::atomic::{parent_dir, remove_if_present};
use crate::fs::{FileKind, Fs, RealFs};
use crate::time::UtcStamp;
use crate::StoreError;

/// lnd's archive directory name, created beside the main file.
pub const ARCHIVE_DIR_NAME: &str = "chan-backup-archives";

/// The most same-second suffixes tried before giving up on a name.
const MAX_COLLISION_SUFFIX: u32 = 100_000;

/// One archived version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// Full path of the archived copy.
    pub path: PathBuf,
    /// Its file name.
    pub name: String,
    /// The main file name it is a copy of (e.g. `channel.backup`).
    pub base: String,
    /// When it was archived, from its name (read as UTC; lnd's own entries are local time).
    pub time: SystemTime,
    /// The same-second suffix (`0` when the name has none).
    pub collision_index: u32,
    /// Size in bytes.
    pub len: u64,
}

/// Which archived versions to keep. The default keeps everything, like lnd.
///
/// When both limits are set an entry is kept if **either** keeps it (the safer reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetentionPolicy {
    /// Keep the newest N entries per main file name.
    pub keep_last: Option<usize>,
    /// Keep entries archived less than this long ago.
    pub keep_within: Option<Duration>,
}

impl RetentionPolicy {
    /// Keeps every entry (lnd's behaviour).
    pub fn keep_all() -> Self {
        Self::default()
    }

    /// True when this policy never deletes anything.
    pub fn keeps_everything(&self) -> bool {
        self.keep_last.is_none() && self.keep_within.is_none()
    }
}

/// What [`Archive::prune`] did.
#[derive(Debug, Default)]
pub struct PruneReport {
    /// Entries removed.
    pub removed: Vec<ArchiveEntry>,
    /// Entries kept.
    pub kept: usize,
}

/// An archive directory.
#[derive(Debug, Clone)]
pub struct Archive {
    dir: PathBuf,
    base: Option<String>,
    fs: Arc<dyn Fs>,
}

/// Splits an archive file name into (base, stamp, collision index).
fn parse_name(name: &str) -> Option<(&str, UtcStamp, u32)> {
    let (stem, index) = match name.rsplit_once('.') {
        Some((stem, suffix))
            if !suffix.is_empty()
                && suffix.len() <= 9
                && suffix.bytes().all(|b| b.is_ascii_digit())
                && stem_stamp(stem).is_some() =>
        {
            (stem, suffix.parse::<u32>().ok()?)
        }
        _ => (name, 0),
    };
    let (base, stamp) = stem_stamp(stem)?;
    Some((base, stamp, index))
}

fn stem_stamp(stem: &str) -> Option<(&str, UtcStamp)> {
    let split = stem.len().checked_sub(20)?;
    let base = stem.get(..split)?;
    let rest = stem.get(split..)?;
    let stamp = UtcStamp::parse(rest.strip_prefix('-')?)?;
    (!base.is_empty()).then_some((base, stamp))
}

impl Archive {
    /// The archive directory `dir`, listing entries of every main file name in it
    /// (what `scb archive list DIR` shows).
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        Archive {
            dir: dir.into(),
            base: None,
            fs: Arc::new(RealFs),
        }
    }

    /// The archive of the main file `main`: `<dir of main>/chan-backup-archives`, listing
    /// only entries named after `main`.
    pub fn for_backup(main: &Path) -> Result<Self, StoreError> {
        let base =
            main.file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| StoreError::InvalidPath {
                    path: main.to_path_buf(),
                })?;
        Ok(Self::with_fs(
            parent_dir(main).join(ARCHIVE_DIR_NAME),
            Some(base.to_owned()),
            Arc::new(RealFs),
        ))
    }

    pub(crate) fn with_fs(dir: PathBuf, base: Option<String>, fs: Arc<dyn Fs>) -> Self {
        Archive { dir, base, fs }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every archived version, oldest first. A missing directory is an empty archive;
    /// files whose names are not archive names (temporary copies, foreign files) are skipped.
    pub fn list(&self) -> Result<Vec<ArchiveEntry>, StoreError> {
        if let Ok(FileKind::Other(what)) = self.fs.kind(&self.dir) {
            return Err(StoreError::ArchiveDirNotDir {
                path: self.dir.clone(),
                what,
            });
        }
        let infos = match self.fs.list(&self.dir) {
            Ok(infos) => infos,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::ListDir {
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut entries: Vec<ArchiveEntry> = infos
            .into_iter()
            .filter(|info| info.is_file)
            .filter_map(|info| {
                let name = info.name.to_str()?;
                let (base, stamp, collision_index) = parse_name(name)?;
                if self.base.as_deref().is_some_and(|b| b != base) {
                    return None;
                }
                Some(ArchiveEntry {
                    path: self.dir.join(name),
                    name: name.to_owned(),
                    base: base.to_owned(),
                    time: stamp.to_system_time(),
                    collision_index,
                    len: info.len,
                })
            })
            .collect();
        entries.sort_by(|a, b| {
            (a.time, a.collision_index, &a.name).cmp(&(b.time, b.collision_index, &b.name))
        });
        Ok(entries)
    }

    /// The entries `policy` would remove at time `now`, without removing anything.
    pub fn plan_prune(
        &self,
        policy: &RetentionPolicy,
        now: SystemTime,
    ) -> Result<Vec<ArchiveEntry>, StoreError> {
        let entries = self.list()?;
        if policy.keeps_everything() {
            return Ok(Vec::new());
        }
        let mut doomed = Vec::new();
        let mut bases: Vec<&str> = entries.iter().map(|e| e.base.as_str()).collect();
        bases.sort_unstable();
        bases.dedup();
        for base in bases {
            let group: Vec<&ArchiveEntry> = entries.iter().filter(|e| e.base == base).collect();
            let n = group.len();
            for (i, entry) in group.into_iter().enumerate() {
                let newest_rank = n - 1 - i; // 0 for the newest
                let by_count = policy.keep_last.is_some_and(|k| newest_rank < k);
                let by_age = policy
                    .keep_within
                    .is_some_and(|d| now.duration_since(entry.time).map_or(true, |age| age < d));
                if !by_count && !by_age {
                    doomed.push(entry.clone());
                }
            }
        }
        Ok(doomed)
    }

    /// Removes the entries `policy` does not keep, then fsyncs the directory.
    pub fn prune(&self, policy: &RetentionPolicy) -> Result<PruneReport, StoreError> {
        self.prune_at(policy, SystemTime::now())
    }

    /// [`Archive::prune`] with an explicit "now" (for tests and tools).
    pub fn prune_at(
        &self,
        policy: &RetentionPolicy,
        now: SystemTime,
    ) -> Result<PruneReport, StoreError> {
        let _span = tracing::info_span!("archive_prune", dir = %self.dir.display()).entered();
        let total = self.list()?.len();
        let doomed = self.plan_prune(policy, now)?;
        for entry in &doomed {
            remove_if_present(self.fs.as_ref(), &entry.path).map_err(|source| {
                StoreError::RemoveArchive {
                    path: entry.path.clone(),
                    source,
                }
            })?;
            debug!(name = %entry.name, "pruned archive entry");
        }
        if !doomed.is_empty() {
            self.fs
                .sync_dir(&self.dir)
                .map_err(|source| StoreError::SyncDir {
                    path: self.dir.clone(),
                    source,
                })?;
            info!(removed = doomed.len(), "archive pruned");
        }
        Ok(PruneReport {
            kept: total - doomed.len(),
            removed: doomed,
        })
    }

    /// Makes sure the directory exists and is a real directory (a symbolic link in its
    /// place is refused, never followed: in a shared directory it could send the archive
    /// elsewhere).
    fn ensure_dir(&self) -> Result<(), StoreError> {
        let fs = self.fs.as_ref();
        match fs.kind(&self.dir) {
            Ok(FileKind::Dir) => Ok(()),
            Ok(FileKind::Missing) => {
                fs.create_dir(&self.dir)
                    .map_err(|source| StoreError::CreateDir {
                        path: self.dir.clone(),
                        source,
                    })?;
                let parent = parent_dir(&self.dir);
                fs.sync_dir(&parent).map_err(|source| StoreError::SyncDir {
                    path: parent,
                    source,
                })
            }
            Ok(FileKind::Regular) => Err(StoreError::ArchiveDirNotDir {
                path: self.dir.clone(),
                what: "a regular file",
            }),
            Ok(FileKind::Other(what)) => Err(StoreError::ArchiveDirNotDir {
                path: self.dir.clone(),
                what,
            }),
            Err(source) => Err(StoreError::ListDir {
                path: self.dir.clone(),
                source,
            }),
        }
    }

    /// The next free entry name for `base` at `now`. Must be called with the writer lock held.
    fn next_name(&self, base: &str, now: SystemTime) -> Result<PathBuf, StoreError> {
        let fs = self.fs.as_ref();
        let stamp = UtcStamp::from_system_time(now);
        let stem = format!("{base}-{}", stamp.format());
        // Continue after the highest suffix already used in this second (not the first free
        // one), so that names keep write order even after pruning removed earlier ones.
        let mut index = self
            .list()?
            .iter()
            .filter(|e| e.base == base && e.time == stamp.to_system_time())
            .map(|e| e.collision_index.saturating_add(1))
            .max()
            .unwrap_or(0);
        let name_for = |index: u32| {
            if index == 0 {
                self.dir.join(&stem)
            } else {
                self.dir.join(format!("{stem}.{index}"))
            }
        };
        let mut target = name_for(index);
        loop {
            let taken = fs.exists(&target).map_err(|source| StoreError::ListDir {
                path: self.dir.clone(),
                source,
            })?;
            if !taken {
                return Ok(target);
            }
            index += 1;
            if index > MAX_COLLISION_SUFFIX {
                return Err(StoreError::Rename {
                    from: self.dir.clone(),
                    to: target,
                    source: std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "every same-second archive name is taken",
                    ),
                });
            }
            target = name_for(index);
        }
    }

    /// Archives the file `source` as a new entry for `base` at `now`; returns its path.
    /// Must be called with the writer lock held, before `source` is replaced.
    ///
    /// The entry is a hard link to `source` (no byte is copied: the previous version's
    /// inode simply gets a second name, which the rename of the swap then leaves as the
    /// only one). Where links are impossible (another device, a file system without them)
    /// the file is copied to a temporary name, fsynced and renamed into place. Either way
    /// the archive directory is fsynced before this returns, so the entry is durable.
    pub(crate) fn add_from(
        &self,
        base: &str,
        source: &Path,
        now: SystemTime,
    ) -> Result<PathBuf, StoreError> {
        let fs = self.fs.as_ref();
        let _span = tracing::debug_span!("archive_add", dir = %self.dir.display()).entered();
        self.ensure_dir()?;
        let target = self.next_name(base, now)?;
        match fs.hard_link(source, &target) {
            Ok(()) => {
                // The data is the previous version's, normally durable since its own swap;
                // a file another program wrote may not be: flush it (cheap when clean).
                fs.sync_file(&target)
                    .map_err(|source| StoreError::SyncStaging {
                        path: target.clone(),
                        source,
                    })?;
                fs.sync_dir(&self.dir)
                    .map_err(|source| StoreError::SyncDir {
                        path: self.dir.clone(),
                        source,
                    })?;
                return Ok(target);
            }
            Err(e) => {
                debug!(error = %e, "hard link impossible; copying the previous version");
            }
        }
        let tmp = self.dir.join(format!(".{base}.archive-tmp"));
        remove_if_present(fs, &tmp).map_err(|source| StoreError::RemoveStaging {
            path: tmp.clone(),
            source,
        })?;
        let copied = fs
            .copy(source, &tmp)
            .map_err(|source| StoreError::WriteStaging {
                path: tmp.clone(),
                source,
            })
            .and_then(|()| {
                fs.sync_file(&tmp)
                    .map_err(|source| StoreError::SyncStaging {
                        path: tmp.clone(),
                        source,
                    })
            });
        if let Err(e) = copied {
            let _ = remove_if_present(fs, &tmp);
            return Err(e);
        }
        crate::atomic::commit(fs, &tmp, &target)?;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_name_accepts_lnd_names_and_collision_suffixes() {
        let (base, stamp, idx) = parse_name("channel.backup-2025-06-01-14-03-27").unwrap();
        assert_eq!(
            (base, stamp.format().as_str(), idx),
            ("channel.backup", "2025-06-01-14-03-27", 0)
        );
        let (base, _, idx) = parse_name("channel.backup-2025-06-01-14-03-27.12").unwrap();
        assert_eq!((base, idx), ("channel.backup", 12));
        assert!(parse_name(".channel.backup.archive-tmp").is_none());
        assert!(parse_name("-2025-06-01-14-03-27").is_none());
        assert!(parse_name("channel.backup").is_none());
        assert!(parse_name("channel.backup-2025-06-01-14-03-27.x").is_none());
        assert!(parse_name("é-2025-06-01-14-03-2é").is_none());
    }

    fn write_entry(dir: &Path, name: &str) {
        std::fs::write(dir.join(name), name).unwrap();
    }

    #[test]
    fn list_sorts_by_time_then_suffix_and_skips_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "channel.backup-2025-06-01-14-03-28",
            "channel.backup-2025-06-01-14-03-27.2",
            "channel.backup-2025-06-01-14-03-27",
            "channel.backup-2025-06-01-14-03-27.1",
            "notes.txt",
            ".channel.backup.archive-tmp",
        ] {
            write_entry(dir.path(), name);
        }
        let names: Vec<String> = Archive::open(dir.path())
            .list()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "channel.backup-2025-06-01-14-03-27",
                "channel.backup-2025-06-01-14-03-27.1",
                "channel.backup-2025-06-01-14-03-27.2",
                "channel.backup-2025-06-01-14-03-28",
            ]
        );
    }

    #[test]
    fn list_of_missing_directory_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Archive::open(dir.path().join("nope"))
            .list()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn prune_keep_last_keeps_newest_per_base() {
        let dir = tempfile::tempdir().unwrap();
        for s in 0..5 {
            write_entry(dir.path(), &format!("a.backup-2025-01-01-00-00-0{s}"));
            write_entry(dir.path(), &format!("b.backup-2025-01-01-00-00-0{s}"));
        }
        let archive = Archive::open(dir.path());
        let policy = RetentionPolicy {
            keep_last: Some(2),
            keep_within: None,
        };
        let report = archive.prune(&policy).unwrap();
        assert_eq!(report.removed.len(), 6);
        assert_eq!(report.kept, 4);
        let mut left: Vec<String> = archive
            .list()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "a.backup-2025-01-01-00-00-03",
                "a.backup-2025-01-01-00-00-04",
                "b.backup-2025-01-01-00-00-03",
                "b.backup-2025-01-01-00-00-04",
            ]
        );
    }

    #[test]
    fn prune_keep_within_uses_the_union_with_keep_last() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "c.backup-2025-01-01-00-00-00",
            "c.backup-2025-01-02-00-00-00",
            "c.backup-2025-01-03-00-00-00",
            "c.backup-2025-01-04-00-00-00",
        ] {
            write_entry(dir.path(), name);
        }
        let now = UtcStamp::parse("2025-01-04-12-00-00")
            .unwrap()
            .to_system_time();
        let archive = Archive::open(dir.path());
        let within = RetentionPolicy {
            keep_last: None,
            keep_within: Some(Duration::from_secs(37 * 3600)),
        };
        let doomed: Vec<String> = archive
            .plan_prune(&within, now)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            doomed,
            [
                "c.backup-2025-01-01-00-00-00",
                "c.backup-2025-01-02-00-00-00"
            ]
        );
        let both = RetentionPolicy {
            keep_last: Some(3),
            keep_within: Some(Duration::from_secs(37 * 3600)),
        };
        let doomed: Vec<String> = archive
            .plan_prune(&both, now)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(doomed, ["c.backup-2025-01-01-00-00-00"]);
        assert!(archive
            .plan_prune(&RetentionPolicy::keep_all(), now)
            .unwrap()
            .is_empty());
        archive.prune_at(&both, now).unwrap();
        assert_eq!(archive.list().unwrap().len(), 3);
    }

    #[test]
    fn add_in_the_same_second_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::with_fs(
            dir.path().join(ARCHIVE_DIR_NAME),
            Some("channel.backup".into()),
            Arc::new(RealFs),
        );
        let now = UtcStamp::parse("2025-06-01-14-03-27")
            .unwrap()
            .to_system_time();
        let source = dir.path().join("channel.backup");
        let paths: Vec<PathBuf> = (0..4u8)
            .map(|i| {
                // Replaced by rename, as a swap does, so each entry keeps its own inode.
                let staging = dir.path().join("staging");
                std::fs::write(&staging, [i; 10]).unwrap();
                std::fs::rename(&staging, &source).unwrap();
                archive.add_from("channel.backup", &source, now).unwrap()
            })
            .collect();
        let names: Vec<String> = archive
            .list()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "channel.backup-2025-06-01-14-03-27",
                "channel.backup-2025-06-01-14-03-27.1",
                "channel.backup-2025-06-01-14-03-27.2",
                "channel.backup-2025-06-01-14-03-27.3",
            ]
        );
        for (i, p) in paths.iter().enumerate() {
            assert_eq!(std::fs::read(p).unwrap(), vec![i as u8; 10]);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(archive.dir())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
