//! Writing backups with the store's guards: no silent shrinking, no blind overwrite of
//! a file that does not open, crash-safe swap with archive, manifest and mirrors, and a
//! read-back check after the write.

use std::collections::HashSet;
use std::path::Path;

use scb_crypto::{PackedMulti, PackedSingle};
use scb_store::{ArchiveOutcome, ManifestOutcome, MultiFile, MultiFileOptions};
use scb_wire::{Multi, MultiDecodeOptions, Single};

use crate::cli::WriteArgs;
use crate::error::{chain, CliError, CliResult};
use crate::input::{open_multi, open_single, Input};
use crate::key::ResolvedKey;

/// What a write did, for the command's summary line.
#[derive(Debug)]
pub struct Written {
    /// Bytes written.
    pub bytes: usize,
    /// Where the previous version was archived.
    pub archived: Option<String>,
    /// The manifest sequence written.
    pub sequence: Option<u64>,
}

fn input_for(out: &Path, bytes: Vec<u8>) -> Input {
    Input {
        label: out.display().to_string(),
        path: Some(out.to_path_buf()),
        bytes,
        was_hex: false,
    }
}

/// Refuses to replace an existing `out` that does not open with `key` (unless
/// `--force`), or that holds channels `multi` lacks (unless `--allow-shrink`).
fn guard_existing(out: &Path, multi: &Multi, key: &ResolvedKey, w: &WriteArgs) -> CliResult {
    let label = out.display().to_string();
    let bytes = match std::fs::read(out) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(CliError::Unreadable {
                path: label,
                reason: format!("existing output file: {e}"),
            })
        }
    };
    let old = match open_multi(&input_for(out, bytes), key, MultiDecodeOptions::default()) {
        Ok((m, _)) => m,
        Err(e) if w.force => {
            eprintln!("warning: replacing {label}, which does not open with this key ({e})");
            return Ok(());
        }
        Err(e) => {
            return Err(CliError::Failed(format!(
                "{label}: refusing to overwrite an existing file that does not open with this key \
                 ({e}); pass --force to replace it (it is archived unless --no-archive)"
            )))
        }
    };
    let new: HashSet<_> = multi.singles.iter().map(|s| s.funding_outpoint).collect();
    let dropped: Vec<String> = old
        .singles
        .iter()
        .filter(|s| !new.contains(&s.funding_outpoint))
        .map(|s| s.funding_outpoint.to_string())
        .collect();
    if dropped.is_empty() || w.allow_shrink {
        return Ok(());
    }
    Err(CliError::Failed(format!(
        "{label}: refusing to drop {} channel{} the existing file holds ({}{}); pass \
         --allow-shrink if that is intended",
        dropped.len(),
        if dropped.len() == 1 { "" } else { "s" },
        dropped
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        if dropped.len() > 3 { ", ..." } else { "" }
    )))
}

/// Packs `multi` with `key` and writes it to `out` with the crash-safe swap, then reads
/// it back and checks it decodes to exactly `multi`.
pub fn write_multi(
    out: &Path,
    multi: &Multi,
    key: &ResolvedKey,
    w: &WriteArgs,
) -> CliResult<Written> {
    let label = out.display().to_string();
    guard_existing(out, multi, key, w)?;
    // Encode errors are reported before anything touches the disk.
    PackedMulti::pack(multi, &key.key)
        .map_err(|e| CliError::failed("cannot encode the backup", &e))?;
    let mut options = MultiFileOptions::default()
        .with_archive(!w.no_archive)
        .with_manifest(!w.no_manifest);
    for m in &w.mirror {
        options = options.with_mirror(m.clone());
    }
    let file = MultiFile::new(out, options).map_err(|e| CliError::failed(&label, &e))?;
    // The store's verified swap checks the packed bytes before writing, re-reads the file
    // after the swap and restores the previous version on a mismatch.
    let report = file
        .update_and_swap_verified(multi, &key.key)
        .map_err(|e| CliError::failed(format!("{label}: write failed"), &e))?;
    let mut problems = Vec::new();
    let archived = match &report.archive {
        ArchiveOutcome::Archived {
            path, prune_error, ..
        } => {
            if let Some(e) = prune_error {
                eprintln!("warning: {label}: archive pruning failed: {}", chain(e));
            }
            Some(path.display().to_string())
        }
        ArchiveOutcome::Failed(e) => {
            problems.push(format!(
                "archiving the previous version failed: {}",
                chain(e)
            ));
            None
        }
        _ => None,
    };
    let sequence = match &report.manifest {
        ManifestOutcome::Written { sequence, .. } => Some(*sequence),
        ManifestOutcome::Failed(e) => {
            problems.push(format!("manifest not written: {}", chain(e)));
            None
        }
        _ => None,
    };
    for m in &report.mirrors {
        if let Err(e) = &m.result {
            problems.push(format!("mirror {} failed: {}", m.path.display(), chain(e)));
        }
    }
    // Stricter than the store's channel-set check: every field must read back equal.
    read_back(out, multi, key)?;
    if !problems.is_empty() {
        return Err(CliError::Failed(format!(
            "{label}: written and verified, but {}",
            problems.join("; ")
        )));
    }
    Ok(Written {
        bytes: report.bytes_written,
        archived,
        sequence,
    })
}

fn read_back(out: &Path, multi: &Multi, key: &ResolvedKey) -> CliResult {
    let label = out.display().to_string();
    let bytes = std::fs::read(out).map_err(|e| CliError::Unreadable {
        path: label.clone(),
        reason: format!("read-back after writing: {e}"),
    })?;
    let (back, _) = open_multi(&input_for(out, bytes), key, MultiDecodeOptions::default())
        .map_err(|e| CliError::Failed(format!("read-back check failed: {e}")))?;
    if &back != multi {
        return Err(CliError::Corrupted {
            path: label,
            reason: "read-back check: the file does not hold what was written".into(),
        });
    }
    Ok(())
}

/// Packs one single and writes it crash-safely (binary, or hex text with `hex`), then
/// reads it back.
pub fn write_single(out: &Path, single: &Single, key: &ResolvedKey, hex: bool) -> CliResult<usize> {
    use bitcoin::hex::DisplayHex;
    let label = out.display().to_string();
    let packed = PackedSingle::pack(single, &key.key)
        .map_err(|e| CliError::failed("cannot encode the single", &e))?;
    let bytes = if hex {
        let mut s = packed.as_bytes().to_lower_hex_string();
        s.push('\n');
        s.into_bytes()
    } else {
        packed.into_bytes()
    };
    scb_store::write_file_atomically(out, &bytes)
        .map_err(|e| CliError::failed(format!("{label}: write failed"), &e))?;
    let input = crate::input::read_input(&label)?;
    let back = open_single(&input, key)
        .map_err(|e| CliError::Failed(format!("read-back check failed: {e}")))?;
    if &back != single {
        return Err(CliError::Corrupted {
            path: label,
            reason: "read-back check: the file does not hold what was written".into(),
        });
    }
    Ok(bytes.len())
}

/// The summary suffix of a multi write.
pub fn describe(w: &Written) -> String {
    use std::fmt::Write as _;
    let mut s = format!("{} bytes", w.bytes);
    if let Some(seq) = w.sequence {
        let _ = write!(s, ", manifest sequence {seq}");
    }
    if let Some(a) = &w.archived {
        let _ = write!(s, ", previous version archived as {a}");
    }
    s
}
