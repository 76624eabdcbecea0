//! `scb diff --hsm-secret-file`: two files under one `hsm_secret`, channels matched by
//! funding outpoint.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use scb_cln::{Backup, Channel, MessageType};
use serde_json::{json, Value};

use crate::cli::{DiffArgs, Format};
use crate::error::{CliError, CliResult};
use crate::util::emit;

use super::input::{json_text, open, read_emergency_recover};
use super::key::resolve_hsm;

/// `scb diff --hsm-secret-file`: both files under the same `hsm_secret`,
/// channels matched by funding outpoint.
pub fn diff(args: &DiffArgs, hsm: &Path) -> CliResult {
    if args.key_b.any() {
        return Err(CliError::usage(
            "--key-b-* options are lnd key sources; two Core Lightning files are compared under one --hsm-secret-file",
        ));
    }
    if args.a == "-" && args.b == "-" {
        return Err(CliError::usage(
            "only one of the two backups can be read from stdin",
        ));
    }
    let key = resolve_hsm(hsm, args.a == "-" || args.b == "-")?;
    let (ia, ib) = (
        read_emergency_recover(&args.a)?,
        read_emergency_recover(&args.b)?,
    );
    let (a, b) = (open(&ia, &key)?, open(&ib, &key)?);
    let d = diff_backups(&a, &b);
    let text = match args.format {
        Format::Json => json_text(&d)?,
        Format::Text => {
            let count = |v: &Value| v.as_array().map_or(0, Vec::len);
            let mut out = format!(
                "{} ({} channels) -> {} ({} channels): {} added, {} removed, {} changed, {} unchanged\n",
                ia.label,
                a.channels.len(),
                ib.label,
                b.channels.len(),
                count(&d["added"]),
                count(&d["removed"]),
                count(&d["changed"]),
                d["unchanged"]
            );
            for (sign, list) in [("+", &d["added"]), ("-", &d["removed"])] {
                for o in list.as_array().into_iter().flatten() {
                    let _ = writeln!(out, "{sign} {}", o.as_str().unwrap_or_default());
                }
            }
            for c in d["changed"].as_array().into_iter().flatten() {
                let fields: Vec<&str> = c["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let _ = writeln!(
                    out,
                    "~ {} ({})",
                    c["funding_outpoint"].as_str().unwrap_or_default(),
                    fields.join(", ")
                );
            }
            out
        }
    };
    emit(&text)
}

/// The difference between two backups by funding outpoint, with the JSON
/// field names that differ for channels in both.
pub fn diff_backups(a: &Backup, b: &Backup) -> Value {
    let fields = |c: &Channel| -> serde_json::Map<String, Value> {
        let one = Backup {
            message_type: if c.tlvs().is_some() {
                MessageType::WithTlvs
            } else {
                MessageType::Legacy
            },
            version: 1,
            timestamp: 0,
            channels: vec![c.clone()],
        };
        scb_cln::json::to_json(&one)["channels"][0]
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    let in_a: HashMap<_, _> = a.channels.iter().map(|c| (c.funding_outpoint, c)).collect();
    let in_b: HashMap<_, _> = b.channels.iter().map(|c| (c.funding_outpoint, c)).collect();
    let added: Vec<String> = b
        .channels
        .iter()
        .filter(|c| !in_a.contains_key(&c.funding_outpoint))
        .map(|c| c.funding_outpoint.to_string())
        .collect();
    let (mut removed, mut changed, mut unchanged) = (Vec::new(), Vec::new(), 0usize);
    for c in &a.channels {
        match in_b.get(&c.funding_outpoint) {
            None => removed.push(c.funding_outpoint.to_string()),
            Some(o) if *o == c => unchanged += 1,
            Some(o) => {
                let (fa, fb) = (fields(c), fields(o));
                let differ: Vec<&String> = fa
                    .iter()
                    .filter(|(k, v)| fb.get(k.as_str()) != Some(v))
                    .map(|(k, _)| k)
                    .collect();
                changed.push(
                    json!({"funding_outpoint": c.funding_outpoint.to_string(), "fields": differ}),
                );
            }
        }
    }
    json!({"added": added, "removed": removed, "changed": changed, "unchanged": unchanged})
}
