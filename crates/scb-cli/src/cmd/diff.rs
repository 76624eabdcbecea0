//! `scb diff`: channels added, removed and changed between two backups.

use std::collections::HashMap;
use std::fmt::Write as _;

use scb_wire::{Multi, Single};
use serde::Serialize;

use crate::cli::{DiffArgs, Format};
use crate::error::{CliError, CliResult};
use crate::input::load_multi;
use crate::key::{resolve, resolve_b};
use crate::util::{emit, to_json};

/// One changed channel and the top-level fields (JSON names) that differ.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Changed {
    /// The funding outpoint.
    pub funding_outpoint: String,
    /// Fields whose values differ, in schema order.
    pub fields: Vec<String>,
}

/// The difference between two backups.
#[derive(Debug, Serialize, PartialEq, Eq, Default)]
pub struct Diff {
    /// Funding outpoints only in B.
    pub added: Vec<String>,
    /// Funding outpoints only in A.
    pub removed: Vec<String>,
    /// Channels in both whose entries differ.
    pub changed: Vec<Changed>,
    /// Channels identical in both.
    pub unchanged: usize,
}

fn fields_that_differ(a: &Single, b: &Single) -> CliResult<Vec<String>> {
    let to = |s: &Single| {
        serde_json::to_value(s).map_err(|e| CliError::Failed(format!("cannot compare: {e}")))
    };
    let (va, vb) = (to(a)?, to(b)?);
    let (Some(oa), Some(ob)) = (va.as_object(), vb.as_object()) else {
        return Ok(vec!["(whole entry)".into()]);
    };
    Ok(oa
        .iter()
        .filter(|(k, v)| ob.get(k.as_str()) != Some(v))
        .map(|(k, _)| k.clone())
        .collect())
}

/// Compares two multis by funding outpoint.
pub fn diff(a: &Multi, b: &Multi) -> CliResult<Diff> {
    let in_a: HashMap<_, _> = a.singles.iter().map(|s| (s.funding_outpoint, s)).collect();
    let in_b: HashMap<_, _> = b.singles.iter().map(|s| (s.funding_outpoint, s)).collect();
    let mut d = Diff::default();
    for s in &b.singles {
        if !in_a.contains_key(&s.funding_outpoint) {
            d.added.push(s.funding_outpoint.to_string());
        }
    }
    for s in &a.singles {
        match in_b.get(&s.funding_outpoint) {
            None => d.removed.push(s.funding_outpoint.to_string()),
            Some(other) if *other == s => d.unchanged += 1,
            Some(other) => d.changed.push(Changed {
                funding_outpoint: s.funding_outpoint.to_string(),
                fields: fields_that_differ(s, other)?,
            }),
        }
    }
    Ok(d)
}

/// Runs `scb diff`.
pub fn run(args: &DiffArgs) -> CliResult {
    if let Some(hsm) = &args.key.source.hsm_secret_file {
        return super::cln::diff(args, hsm);
    }
    if args.a == "-" && args.b == "-" {
        return Err(CliError::usage(
            "only one of the two backups can be read from stdin",
        ));
    }
    let stdin_busy = args.a == "-" || args.b == "-";
    let key_a = resolve(&args.key, stdin_busy)?;
    let key_b = resolve_b(&args.key_b, &args.key)?;
    let (ia, a) = load_multi(&args.a, &key_a)?;
    let (ib, b) = load_multi(&args.b, key_b.as_ref().unwrap_or(&key_a))?;
    let d = diff(&a, &b)?;
    let text = match args.format {
        Format::Json => to_json(&d)?,
        Format::Text => {
            let mut out = format!(
                "{} ({} channels) -> {} ({} channels): {} added, {} removed, {} changed, {} unchanged\n",
                ia.label,
                a.singles.len(),
                ib.label,
                b.singles.len(),
                d.added.len(),
                d.removed.len(),
                d.changed.len(),
                d.unchanged
            );
            for o in &d.added {
                let _ = writeln!(out, "+ {o}");
            }
            for o in &d.removed {
                let _ = writeln!(out, "- {o}");
            }
            for c in &d.changed {
                let _ = writeln!(out, "~ {} ({})", c.funding_outpoint, c.fields.join(", "));
            }
            out
        }
    };
    emit(&text)
}
