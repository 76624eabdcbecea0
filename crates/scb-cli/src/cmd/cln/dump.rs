//! `scb dump --hsm-secret-file`: the channels of an `emergency.recover`, as text or JSON.

use std::fmt::Write as _;
use std::path::Path;

use bitcoin::hex::DisplayHex;
use scb_cln::Channel;

use crate::cli::{DumpArgs, DumpFormat};
use crate::error::{CliError, CliResult};
use crate::util::{emit, printable};

use super::input::{describe, json_text, open, read_emergency_recover};
use super::key::resolve_hsm;

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
