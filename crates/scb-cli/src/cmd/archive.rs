//! `scb archive list|prune`: the archive of previous versions beside a backup.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use scb_store::{Archive, ArchiveEntry, RetentionPolicy, ARCHIVE_DIR_NAME};
use serde::Serialize;

use crate::cli::{ArchiveListArgs, ArchivePruneArgs, Format};
use crate::error::{CliError, CliResult};
use crate::util::{emit, fmt_utc, to_json};

/// The archive directory for `dir`: its `chan-backup-archives/` when it has one.
fn archive_dir(dir: &Path) -> CliResult<PathBuf> {
    if !dir.is_dir() {
        return Err(if dir.exists() {
            CliError::Failed(format!("{}: not a directory", dir.display()))
        } else {
            CliError::NotFound {
                path: dir.display().to_string(),
            }
        });
    }
    let nested = dir.join(ARCHIVE_DIR_NAME);
    Ok(if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    })
}

#[derive(Serialize)]
struct EntryJson {
    name: String,
    path: String,
    base: String,
    time_utc: String,
    unix_time: u64,
    len: u64,
}

fn entry_json(e: &ArchiveEntry) -> EntryJson {
    EntryJson {
        name: e.name.clone(),
        path: e.path.display().to_string(),
        base: e.base.clone(),
        time_utc: fmt_utc(e.time),
        unix_time: e
            .time
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        len: e.len,
    }
}

/// Runs `scb archive list`.
pub fn list(args: &ArchiveListArgs) -> CliResult {
    let dir = archive_dir(&args.dir)?;
    let entries = Archive::open(&dir)
        .list()
        .map_err(|e| CliError::failed(dir.display(), &e))?;
    let text = match args.format {
        Format::Json => to_json(&entries.iter().map(entry_json).collect::<Vec<_>>())?,
        Format::Text => {
            let mut out = format!(
                "{}: {} archived version{}\n",
                dir.display(),
                entries.len(),
                if entries.len() == 1 { "" } else { "s" }
            );
            for e in &entries {
                let _ = writeln!(out, "{}  {:>9} bytes  {}", fmt_utc(e.time), e.len, e.name);
            }
            out
        }
    };
    emit(&text)
}

/// Runs `scb archive prune`.
pub fn prune(args: &ArchivePruneArgs) -> CliResult {
    if args.keep_last.is_none() && args.keep_within.is_none() {
        return Err(CliError::usage(
            "archive prune needs --keep-last N and/or --keep-within AGE (nothing would be removed)",
        ));
    }
    let dir = archive_dir(&args.dir)?;
    let policy = RetentionPolicy {
        keep_last: args.keep_last,
        keep_within: args.keep_within,
    };
    let archive = Archive::open(&dir);
    let (removed, kept) = if args.dry_run {
        let total = archive
            .list()
            .map_err(|e| CliError::failed(dir.display(), &e))?
            .len();
        let doomed = archive
            .plan_prune(&policy, std::time::SystemTime::now())
            .map_err(|e| CliError::failed(dir.display(), &e))?;
        let kept = total - doomed.len();
        (doomed, kept)
    } else {
        let r = archive
            .prune(&policy)
            .map_err(|e| CliError::failed(dir.display(), &e))?;
        (r.removed, r.kept)
    };
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut out = format!("{}: {verb} {}, kept {kept}\n", dir.display(), removed.len());
    for e in &removed {
        let _ = writeln!(out, "{verb} {}", e.name);
    }
    emit(&out)
}
