//! Writing backups: every command that writes a backup path calls the store's one guarded
//! write ([`scb_store::MultiFile::write_multi`] / [`scb_store::MultiFile::write_packed`])
//! and renders what it reports. The guards, the archive, the manifest and the read-back
//! live in the store (docs/durability.md).

use std::path::Path;

use scb_store::{
    ArchiveOutcome, BackupFormat, Content, ManifestOutcome, MultiFile, MultiFileOptions, Refusal,
    StoreError, SwapReport, WritePolicy,
};
use scb_wire::{Multi, Single};

use crate::cli::WriteArgs;
use crate::error::{chain, CliError, CliResult};
use crate::input::render_diagnosis;
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

/// The store's policy for the command-line flags.
fn policy(w: &WriteArgs) -> WritePolicy {
    // Writing no channel over a file that has some drops them all: the explicit
    // permission to shrink covers it.
    WritePolicy::strict()
        .with_allow_shrink(w.allow_shrink)
        .with_force(w.force)
        .with_allow_empty(w.allow_shrink)
}

fn open(out: &Path, w: &WriteArgs, manifest: bool) -> CliResult<MultiFile> {
    let mut options = MultiFileOptions::default()
        .with_archive(!w.no_archive)
        .with_manifest(manifest && !w.no_manifest);
    for m in &w.mirror {
        options = options.with_mirror(m.clone());
    }
    MultiFile::new(out, options).map_err(|e| CliError::failed(out.display(), &e))
}

/// Packs `multi` with `key` and writes it to `out` through the store's guarded write.
pub fn write_multi(
    out: &Path,
    multi: &Multi,
    key: &ResolvedKey,
    w: &WriteArgs,
) -> CliResult<Written> {
    let file = open(out, w, true)?;
    let result = file.write_multi(multi, &key.key, &policy(w), &mut scb_crypto::OsRng);
    finish(out, key, result)
}

/// Writes already packed bytes (a fetched copy) to `out` through the store's guarded
/// write; `content` is what they hold when a key opened them.
pub fn write_packed(
    out: &Path,
    packed: &[u8],
    content: &Content<'_>,
    key: Option<&ResolvedKey>,
    w: &WriteArgs,
) -> CliResult<Written> {
    let file = open(out, w, true)?;
    let result = file.write_packed(packed, content, key.map(|k| &k.key), &policy(w));
    finish_with(out, key, result)
}

/// Writes packed bytes of another node's format (Core Lightning's `emergency.recover`)
/// to `out` through the same guarded write, opened and moded by `format`; no manifest
/// (it describes lnd multis) and no mirror.
pub fn write_format(
    out: &Path,
    packed: &[u8],
    content: &Content<'_>,
    format: &dyn BackupFormat,
    w: &WriteArgs,
) -> CliResult<Written> {
    let file = open(out, w, false)?;
    let result = file.write_format(packed, content, format, &policy(w));
    finish_with(out, None, result)
}

/// Packs one single and writes it (binary, or hex text with `hex`) through the store's
/// guarded write; returns the bytes written.
pub fn write_single(
    out: &Path,
    single: &Single,
    key: &ResolvedKey,
    hex: bool,
    w: &WriteArgs,
) -> CliResult<usize> {
    use bitcoin::hex::DisplayHex;
    let packed = scb_crypto::pack_single(single, &key.key, &mut scb_crypto::OsRng)
        .map_err(|e| CliError::failed("cannot encode the single", &e))?;
    let bytes = if hex {
        let mut s = packed.as_bytes().to_lower_hex_string();
        s.push('\n');
        s.into_bytes()
    } else {
        packed.into_bytes()
    };
    // A manifest describes multis; a single file has none.
    let file = open(out, w, false)?;
    let result = file.write_packed(&bytes, &Content::Single(single), Some(&key.key), &policy(w));
    finish(out, key, result).map(|w| w.bytes)
}

fn finish(
    out: &Path,
    key: &ResolvedKey,
    result: Result<SwapReport, StoreError>,
) -> CliResult<Written> {
    finish_with(out, Some(key), result)
}

fn finish_with(
    out: &Path,
    key: Option<&ResolvedKey>,
    result: Result<SwapReport, StoreError>,
) -> CliResult<Written> {
    let label = out.display().to_string();
    let report = result.map_err(|e| refusal_or_failure(&label, key, &e))?;
    if let (Some(d), Some(key)) = (&report.replaced_unreadable, key) {
        eprintln!(
            "warning: replacing {label}, which does not open with this key ({})",
            render_diagnosis(&label, d, key)
        );
    }
    if let Some(reason) = &report.replaced_unopened {
        eprintln!("warning: replacing {label}, which does not open with this secret ({reason})");
    }
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
        _ => None,
    };
    let sequence = match &report.manifest {
        ManifestOutcome::Written {
            sequence,
            previous_unreadable,
        } => {
            if let Some(reason) = previous_unreadable {
                eprintln!(
                    "warning: {label}: the previous manifest was unreadable ({reason}); the \
                     sequence continues at {sequence}, above any earlier one"
                );
            }
            Some(*sequence)
        }
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

fn refusal_or_failure(label: &str, key: Option<&ResolvedKey>, e: &StoreError) -> CliError {
    let StoreError::Refused { refusal, .. } = e else {
        return CliError::failed(format!("{label}: write failed"), e);
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    CliError::Failed(match (refusal, key) {
        (Refusal::Unreadable(d), Some(key)) => format!(
            "{label}: refusing to overwrite an existing file that does not open with this key \
             ({}); pass --force to replace it (it is archived unless --no-archive)",
            render_diagnosis(label, d, key)
        ),
        (Refusal::Shrink { dropped }, _) => format!(
            "{label}: refusing to drop {} channel{} the existing file holds ({}{}); pass \
             --allow-shrink if that is intended",
            dropped.len(),
            plural(dropped.len()),
            dropped
                .iter()
                .take(3)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            if dropped.len() > 3 { ", ..." } else { "" }
        ),
        (Refusal::Empty { existing }, _) => format!(
            "{label}: refusing to replace a file holding {existing} channel{} with a backup of \
             no channel; pass --allow-shrink if that is intended",
            plural(*existing)
        ),
        (
            Refusal::RolledBack {
                archived,
                manifest_sequence,
            },
            _,
        ) => format!(
            "{label}: refusing to build on a rolled-back file: it is identical to the archived \
             version {archived}, older than manifest sequence {manifest_sequence}, so channels \
             of the newest version may be missing; pass --allow-shrink to replace it anyway"
        ),
        (Refusal::Unchecked, _) => format!(
            "{label}: refusing to overwrite an existing file without a key to check what it \
             holds; pass a key, or --force to replace it (it is archived unless --no-archive)"
        ),
        (Refusal::DoesNotOpen { reason, .. }, _) => format!(
            "{label}: refusing to overwrite an existing file that does not open with this \
             secret ({reason}); pass --force to replace it (it is archived unless --no-archive)"
        ),
        (other, _) => format!("{label}: refusing to write: {other}"),
    })
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
