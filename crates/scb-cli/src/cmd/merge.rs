//! `scb merge`: union of several backups; per funding outpoint the later file wins.

use std::collections::HashMap;

use scb_wire::Multi;

use crate::cli::MergeArgs;
use crate::cmd::write::{describe, write_multi};
use crate::error::{CliError, CliResult};
use crate::input::load_multi;
use crate::key::resolve;
use crate::util::{emit, progress};

/// Merges `inputs` in order: a channel keeps the position where it first appears, and
/// its entry is the one from the last input that holds it. Returns the merged multi and
/// how many entries were replaced by a later input.
pub fn merge(inputs: &[Multi]) -> (Multi, usize) {
    let mut out = Multi::default();
    let mut pos = HashMap::new();
    let mut replaced = 0;
    for m in inputs {
        for s in &m.singles {
            if let Some(slot) = pos
                .get(&s.funding_outpoint)
                .and_then(|&i| out.singles.get_mut(i))
            {
                if slot != s {
                    replaced += 1;
                    *slot = s.clone();
                }
            } else {
                pos.insert(s.funding_outpoint, out.singles.len());
                out.singles.push(s.clone());
            }
        }
    }
    (out, replaced)
}

/// Runs `scb merge`.
pub fn run(args: &MergeArgs) -> CliResult {
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        return Err(CliError::usage("only one input can be read from stdin"));
    }
    let key = resolve(&args.key, args.files.iter().any(|f| f == "-"))?;
    let bar = progress(args.files.len() as u64, "reading backups");
    let mut multis = Vec::with_capacity(args.files.len());
    for f in &args.files {
        let (_, m) = load_multi(f, &key)?;
        multis.push(m);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let (merged, replaced) = merge(&multis);
    let written = write_multi(&args.out, &merged, &key, &args.write)?;
    emit(&format!(
        "{}: merged {} files into {} channels ({} entr{} replaced by a later file; {})\n",
        args.out.display(),
        args.files.len(),
        merged.singles.len(),
        replaced,
        if replaced == 1 { "y" } else { "ies" },
        describe(&written)
    ))
}
