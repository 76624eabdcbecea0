//! Core Lightning's `emergency.recover`, opened with `--hsm-secret-file`:
//! `dump`, `verify`, `restore-plan`, `diff` and `create` (`docs/format.md`,
//! "Core Lightning"; `docs/recovery.md`, "Recovering a Core Lightning node").
//!
//! The logic lives in `scb-cln`; this module reads files, asks for the
//! passphrase and renders.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use bitcoin::hex::DisplayHex;
use scb_cln::{Backup, Channel, MessageType};
use serde_json::{json, Value};

use crate::cli::{CreateArgs, DiffArgs, DumpArgs, DumpFormat, Format, RestorePlanArgs, VerifyArgs};
use crate::error::{CliError, CliResult};
use crate::util::{emit, printable};

mod input;
mod key;

use input::{describe, json_text, open, read_emergency_recover};
use key::{read_limited, resolve_hsm};

/// `scb dump --hsm-secret-file`.
pub fn dump(args: &DumpArgs, hsm: &Path) -> CliResult {
    if args.single || args.skip_unknown_versions {
        return Err(CliError::usage(
            "--single and --skip-unknown-versions are for lnd backups, not with --hsm-secret-file",
        ));
    }
    let key = resolve_hsm(hsm, args.file == "-")?;
    let input = read_emergency_recover(&args.file)?;
    let backup = open(&input, &key)?;
    let text = match args.format {
        DumpFormat::Json => json_text(&scb_cln::json::to_json(&backup))?,
        DumpFormat::Hex => {
            let plain = scb_cln::decrypt(&input.bytes, &key.key)
                .map_err(|e| CliError::failed(&input.label, &e))?;
            format!("{}\n", plain.to_lower_hex_string())
        }
        DumpFormat::Text => {
            let mut out = format!("{}: {}\n", input.label, describe(&backup));
            for (i, c) in backup.channels.iter().enumerate() {
                out.push('\n');
                channel_text(&mut out, i, c);
            }
            out
        }
    };
    emit(&text)
}

fn channel_text(out: &mut String, i: usize, c: &Channel) {
    let _ = writeln!(out, "channel {} (Core Lightning id {})", i + 1, c.id);
    let _ = writeln!(out, "  peer:             {}", c.node_id);
    let _ = writeln!(
        out,
        "  address:          {} ({})",
        printable(&c.address.to_string()),
        c.address.kind()
    );
    let _ = writeln!(
        out,
        "  channel id:       {}",
        c.channel_id.to_lower_hex_string()
    );
    let _ = writeln!(out, "  funding outpoint: {}", c.funding_outpoint);
    let _ = writeln!(out, "  capacity:         {} sat", c.funding_sat);
    let _ = writeln!(out, "  channel type:     {}", type_text(c));
    match c.tlvs() {
        None => {
            let _ = writeln!(out, "  tlvs:             none (legacy format)");
        }
        Some(t) => {
            let opener = t.opener.map_or("absent", |o| match o {
                scb_cln::Opener::Local => "local",
                scb_cln::Opener::Remote => "remote",
            });
            let _ = writeln!(out, "  opener:           {opener}");
            let delay = t
                .remote_to_self_delay
                .map_or("absent".to_owned(), |d| format!("{d} blocks"));
            let _ = writeln!(out, "  to_self_delay:    {delay}");
            let bp = if t.basepoints.is_some() {
                "present"
            } else {
                "absent"
            };
            let _ = writeln!(out, "  basepoints:       {bp}");
            let sc = t.shachain.as_ref().map_or("absent".to_owned(), |s| {
                format!(
                    "{} revocation secrets, min index {}",
                    s.known.len(),
                    s.min_index
                )
            });
            let _ = writeln!(out, "  shachain:         {sc}");
            for u in &t.unknown {
                let _ = writeln!(
                    out,
                    "  unknown tlv:      type {} ({} bytes)",
                    u.tlv_type,
                    u.value.len()
                );
            }
        }
    }
}

fn type_text(c: &Channel) -> String {
    let names: Vec<String> = c
        .channel_type_bits()
        .into_iter()
        .map(|b| match b {
            12 => "static_remotekey(12)".to_owned(),
            20 => "anchor_outputs(20)".to_owned(),
            22 => "anchors_zero_fee_htlc_tx(22)".to_owned(),
            46 => "scid_alias(46)".to_owned(),
            50 => "zeroconf(50)".to_owned(),
            other => format!("bit {other}"),
        })
        .collect();
    if names.is_empty() {
        "none (legacy channel)".into()
    } else {
        names.join(", ")
    }
}

/// `scb verify --hsm-secret-file`.
pub fn verify(args: &VerifyArgs, hsm: &Path) -> CliResult {
    if args.single || args.seed_check {
        return Err(CliError::usage(
            "--single and --seed-check are for lnd backups, not with --hsm-secret-file",
        ));
    }
    let key = resolve_hsm(hsm, args.file == "-")?;
    let input = read_emergency_recover(&args.file)?;
    let backup = open(&input, &key)?;
    emit(&format!(
        "{}: ok: {}; opens with this {} hsm_secret\n",
        input.label,
        describe(&backup),
        key.kind.name()
    ))
}

/// Whether Core Lightning can build penalty transactions for this channel,
/// and why not when it cannot.
fn penalty(c: &Channel) -> Result<(), &'static str> {
    let Some(t) = c.tlvs() else {
        return Err(
            "legacy format (6135): no revocation secrets or basepoints, no penalty transactions",
        );
    };
    match (&t.shachain, &t.basepoints, t.opener, t.remote_to_self_delay) {
        (Some(_), Some(_), Some(_), Some(_)) => Ok(()),
        (None, ..) => Err("no shachain TLV: no revocation secrets, no penalty transactions"),
        (_, None, ..) => Err("no basepoints TLV: no penalty transactions"),
        _ => Err("opener or to_self_delay TLV missing: penalty transactions may not be possible"),
    }
}

/// Warnings for channel `i` of `backup`.
fn plan_warnings(backup: &Backup, i: usize) -> Vec<String> {
    let mut w = Vec::new();
    let Some(c) = backup.channels.get(i) else {
        return w;
    };
    if backup.channels[..i].iter().any(|o| o.id == c.id) {
        w.push(format!(
            "Core Lightning id {} repeats an earlier channel's: emergencyrecover skips this one",
            c.id
        ));
    }
    if c.address.port() == 0 {
        w.push("port 0: Core Lightning will not dial this address; it needs the peer's address from gossip".into());
    }
    if matches!(c.address, scb_cln::Address::TorV2 { .. }) {
        w.push("Tor v2 address: the Tor network no longer serves v2 onions; the peer must be found another way".into());
    }
    if let Err(why) = penalty(c) {
        w.push(why.to_owned());
    }
    w
}

/// `scb restore-plan --hsm-secret-file`: what `lightning-cli emergencyrecover`
/// will do for each channel.
pub fn restore_plan(args: &RestorePlanArgs, hsm: &Path) -> CliResult {
    if args.single {
        return Err(CliError::usage(
            "--single is for lnd backups, not with --hsm-secret-file",
        ));
    }
    let key = resolve_hsm(hsm, args.file == "-")?;
    let input = read_emergency_recover(&args.file)?;
    let backup = open(&input, &key)?;
    const ACTION: &str = "emergencyrecover makes a stub channel (skipped when the node's database \
        already has a channel with its Core Lightning id), connects to the peer and asks it to force-close; the node then sweeps its output \
        from the peer's commitment";
    let text = match args.format {
        Format::Json => {
            let channels: Vec<Value> = backup
                .channels
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    json!({
                        "id": c.id,
                        "channel_id": c.channel_id.to_lower_hex_string(),
                        "peer": c.node_id.to_string(),
                        "address": c.address.to_string(),
                        "funding_outpoint": c.funding_outpoint.to_string(),
                        "funding_sat": c.funding_sat,
                        "action": ACTION,
                        "penalty_possible": penalty(c).is_ok(),
                        "warnings": plan_warnings(&backup, i),
                    })
                })
                .collect();
            json_text(&json!({
                "node": "core-lightning",
                "message_type": backup.message_type.code(),
                "timestamp": backup.timestamp,
                "channels": channels,
            }))?
        }
        Format::Text => {
            let mut out = format!("{}: {}\n", input.label, describe(&backup));
            let _ = writeln!(
                out,
                "Restore on a Core Lightning node started with this hsm_secret: put the file at \
                 <lightning-dir>/<network>/emergency.recover and run `lightning-cli emergencyrecover`.\n\
                 For every channel: {ACTION}."
            );
            if backup.message_type == MessageType::Legacy {
                let _ = writeln!(
                    out,
                    "This is a legacy (6135) file: Core Lightning cannot make penalty transactions from it \
                     if a peer broadcasts a revoked state."
                );
            }
            for (i, c) in backup.channels.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "\nchannel {}: {} sat, funding {}\n  peer {}@{}",
                    i + 1,
                    c.funding_sat,
                    c.funding_outpoint,
                    c.node_id,
                    printable(&c.address.to_string())
                );
                if penalty(c).is_ok() {
                    let _ = writeln!(out, "  penalty transactions: possible (revocation secrets and basepoints present)");
                }
                for w in plan_warnings(&backup, i) {
                    let _ = writeln!(out, "  warning: {w}");
                }
            }
            out
        }
    };
    emit(&text)
}

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

/// `scb create --from-json SPEC --out FILE --hsm-secret-file PATH`: writes an
/// `emergency.recover` from the JSON form, crash-safely, mode 0400 as Core
/// Lightning writes it. Refuses to replace an existing file without `--force`.
pub fn create(args: &CreateArgs, hsm: &Path) -> CliResult {
    if args.single || args.hex || !args.write.mirror.is_empty() {
        return Err(CliError::usage(
            "--single, --hex and --mirror are for lnd backups, not with --hsm-secret-file",
        ));
    }
    let key = resolve_hsm(hsm, args.from_json == "-")?;
    let (label, spec) = read_limited(&args.from_json, 64 << 20)?;
    let value: Value = serde_json::from_slice(&spec)
        .map_err(|e| CliError::Failed(format!("{label}: not JSON: {e}")))?;
    let backup =
        scb_cln::json::from_json(&value).map_err(|e| CliError::Failed(format!("{label}: {e}")))?;
    let out = &args.out;
    let shown = out.display().to_string();
    if out.exists() && !args.write.force {
        return Err(CliError::Failed(format!(
            "{shown}: exists; scb does not replace an emergency.recover without --force \
             (Core Lightning keeps only this one copy)"
        )));
    }
    let bytes = scb_cln::seal(&backup, &key.key, &mut scb_crypto::OsRng)
        .map_err(|e| CliError::Failed(format!("{label}: {e}")))?;
    // Read our own bytes back before they replace anything.
    let reopened =
        scb_cln::open(&bytes, &key.key).map_err(|e| CliError::failed("read-back", &e))?;
    if reopened != backup {
        return Err(CliError::Failed(
            "read-back: the encrypted file does not decode to the input".into(),
        ));
    }
    scb_store::write_file_atomically(out, &bytes).map_err(|e| CliError::failed(&shown, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o400))
            .map_err(|e| CliError::failed(format!("{shown}: chmod 0400"), &e))?;
    }
    emit(&format!(
        "{shown}: wrote {} ({} bytes)\n",
        describe(&backup),
        bytes.len()
    ))
}
