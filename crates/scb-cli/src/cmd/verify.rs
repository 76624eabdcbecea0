//! `scb verify`: does the file open with this key (and, with `--seed-check`, what
//! does it hold and how new is it).

use std::collections::BTreeSet;

use scb_wire::MultiDecodeOptions;

use crate::cli::VerifyArgs;
use crate::error::CliResult;
use scb_store::FileFreshness;

use crate::input::{open_multi, open_single, read_input};
use crate::key::resolve;
use crate::util::{emit, fmt_unix_utc};

/// Runs `scb verify`.
pub fn run(args: &VerifyArgs) -> CliResult {
    if let Some(hsm) = &args.key.source.hsm_secret_file {
        return super::cln::verify(args, hsm);
    }
    let key = resolve(&args.key, args.file == "-")?;
    let input = read_input(&args.file)?;
    let (what, count, versions) = if args.single {
        let s = open_single(&input, &key)?;
        (
            "single channel backup",
            1,
            BTreeSet::from([u8::from(s.version)]),
        )
    } else {
        let (m, _) = open_multi(&input, &key, MultiDecodeOptions::default())?;
        let versions = m.singles.iter().map(|s| u8::from(s.version)).collect();
        ("multi-channel backup", m.singles.len(), versions)
    };
    let versions: Vec<String> = versions.iter().map(u8::to_string).collect();
    let versions = if versions.is_empty() {
        String::new()
    } else {
        format!(" (versions {})", versions.join(","))
    };
    let plural = if count == 1 { "" } else { "s" };
    let freshness = match (&input.path, input.was_hex) {
        (Some(path), false) => {
            crate::input::backup_file(path).map(|f| f.freshness_of(&input.bytes))
        }
        _ => None,
    };
    // Loud on stderr even without --seed-check: these mean the file is not what scb wrote last.
    match &freshness {
        Some(FileFreshness::RolledBack {
            archived,
            manifest_sequence,
        }) => eprintln!(
            "warning: {}: rolled back: identical to the archived version {archived}, older than \
             its manifest's sequence {manifest_sequence}; channels of the newest version may be \
             missing",
            input.label
        ),
        Some(FileFreshness::ManifestUnreadable(reason)) => {
            eprintln!(
                "warning: {}: its manifest is unreadable: {reason}",
                input.label
            );
        }
        _ => {}
    }
    let line = if args.seed_check {
        let freshness = match freshness {
            Some(FileFreshness::Current { manifest: m }) => format!(
                "; newest sequence {} written {}",
                m.sequence,
                fmt_unix_utc(m.written_at_unix)
            ),
            Some(FileFreshness::ChangedOutside { manifest: m }) => format!(
                "; its manifest (sequence {}, {}) describes another version: the file changed \
                 after scb last wrote it",
                m.sequence,
                fmt_unix_utc(m.written_at_unix)
            ),
            Some(FileFreshness::RolledBack {
                archived,
                manifest_sequence,
            }) => format!(
                "; ROLLED BACK to the archived version {archived}, older than manifest \
                 sequence {manifest_sequence}"
            ),
            Some(FileFreshness::ManifestUnreadable(reason)) => {
                format!("; its manifest is unreadable ({reason})")
            }
            _ => "; no manifest beside it (sequence and time unknown)".into(),
        };
        format!(
            "{}: yes, this seed ({}, network {}) opens it: {what}, {count} channel{plural}{versions}{freshness}\n",
            input.label,
            key.source.label(),
            key.network
        )
    } else {
        format!(
            "{}: ok: {what}, {count} channel{plural}{versions}, key {} ({}, network {})\n",
            input.label,
            key.key.id(),
            key.source.label(),
            key.network
        )
    };
    emit(&line)
}
