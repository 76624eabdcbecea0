//! `scb restore-plan --hsm-secret-file`: what `lightning-cli emergencyrecover` will do
//! with each channel, and what needs care.

use std::fmt::Write as _;
use std::path::Path;

use bitcoin::hex::DisplayHex;
use scb_cln::{Backup, Channel, MessageType};
use serde_json::{json, Value};

use crate::cli::{Format, RestorePlanArgs};
use crate::error::{CliError, CliResult};
use crate::util::{emit, printable};

use super::input::{describe, json_text, open, read_emergency_recover};
use super::key::resolve_hsm;

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
