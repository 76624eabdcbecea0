//! `scb filter`: a copy of a backup without some channels (chantools `filterbackup`).

use std::collections::HashSet;
use std::str::FromStr;

use bitcoin::OutPoint;

use crate::cli::FilterArgs;
use crate::cmd::write::{describe, write_multi};
use crate::error::{CliError, CliResult};
use crate::input::{absent_channels, load_multi};
use crate::key::resolve;
use crate::util::emit;

/// Runs `scb filter`.
pub fn run(args: &FilterArgs) -> CliResult {
    let mut discard = HashSet::new();
    for d in &args.discard {
        let op = OutPoint::from_str(d.trim()).map_err(|e| {
            CliError::usage(format!(
                "--discard {d:?} is not a funding outpoint TXID:VOUT ({e})"
            ))
        })?;
        discard.insert(op);
    }
    let key = resolve(&args.key, args.file == "-")?;
    let (input, mut multi) = load_multi(&args.file, &key)?;
    let missing = absent_channels(&multi.singles, &discard);
    if !missing.is_empty() {
        return Err(CliError::Failed(format!(
            "{}: no channel with funding outpoint {} (nothing written)",
            input.label,
            missing.join(", ")
        )));
    }
    let before = multi.singles.len();
    multi
        .singles
        .retain(|s| !discard.contains(&s.funding_outpoint));
    if multi.singles.is_empty() && !args.allow_empty {
        return Err(CliError::Failed(format!(
            "{}: discarding {} channel{} leaves no channel at all; pass --allow-empty if that \
             is intended (nothing written)",
            input.label,
            before,
            if before == 1 { "" } else { "s" }
        )));
    }
    let mut write = args.write.clone();
    // The user listed exactly what to drop: that is the explicit permission to shrink an
    // existing output file by those channels (other missing channels are still refused).
    let out_is_input = std::fs::canonicalize(&args.out).ok()
        == input
            .path
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok());
    if out_is_input {
        write.allow_shrink = true;
    }
    let written = write_multi(&args.out, &multi, &key, &write)?;
    emit(&format!(
        "{}: kept {} of {} channels, discarded {} ({})\n",
        args.out.display(),
        multi.singles.len(),
        before,
        before - multi.singles.len(),
        describe(&written)
    ))
}
