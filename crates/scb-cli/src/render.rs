//! The text form of singles and multis (`scb dump --format text`).

use std::fmt::Write as _;

use bitcoin::hex::DisplayHex;
use scb_wire::{KeyLocator, Multi, Single};

use crate::util::{chain_name, channel_type, printable};

fn loc(k: KeyLocator) -> String {
    format!("{}/{}", k.family, k.index)
}

/// One channel as a block of aligned `name  value` lines, prefixed by a heading.
pub fn single_text(out: &mut String, heading: &str, s: &Single) {
    let _ = writeln!(out, "{heading}  {}", s.funding_outpoint);
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<16}{value}");
    };
    row(
        "version",
        format!("{}: {}", u8::from(s.version), channel_type(s.version)),
    );
    row(
        "chain",
        chain_name(&s.chain_hash).map_or_else(
            || format!("unknown (hash {})", s.chain_hash.to_lower_hex_string()),
            str::to_owned,
        ),
    );
    row("short chan id", s.short_channel_id.to_string());
    row("peer", s.remote_node_pub.to_string());
    if s.addresses.is_empty() {
        row("addresses", "(none)".into());
    }
    for (i, a) in s.addresses.iter().enumerate() {
        let name = if i == 0 { "addresses" } else { "" };
        row(
            name,
            format!("{} ({})", printable(&a.to_string()), a.kind()),
        );
    }
    row("capacity", format!("{} sat", s.capacity));
    row(
        "initiator",
        if s.is_initiator {
            "yes (we opened it)"
        } else {
            "no"
        }
        .into(),
    );
    let l = &s.local_chan_cfg;
    row(
        "local",
        format!(
            "csv {}; key locators multisig {}, revocation {}, payment {}, delay {}, htlc {}",
            l.csv_delay,
            loc(l.multisig_key),
            loc(l.revocation_base_point),
            loc(l.payment_base_point),
            loc(l.delay_base_point),
            loc(l.htlc_base_point)
        ),
    );
    let r = &s.remote_chan_cfg;
    row("remote csv", r.csv_delay.to_string());
    row("remote multisig", r.multisig_key.to_string());
    row("remote revoc.", r.revocation_base_point.to_string());
    row("remote payment", r.payment_base_point.to_string());
    row("remote delay", r.delay_base_point.to_string());
    row("remote htlc", r.htlc_base_point.to_string());
    row(
        "shachain root",
        match s.shachain_root.pubkey {
            Some(pk) => format!("pubkey {pk}, locator {}", loc(s.shachain_root.locator)),
            None => format!("locator {} (no pubkey)", loc(s.shachain_root.locator)),
        },
    );
    if let Some(lease) = s.lease_expiry {
        row("lease expiry", format!("height {lease}"));
    }
    match &s.close_tx_inputs {
        None => row("close-tx inputs", "none".into()),
        Some(c) => {
            row(
                "close-tx inputs",
                format!(
                    "commit tx {} ({} in, {} out), signature {} bytes",
                    c.commit_tx.compute_txid(),
                    c.commit_tx.input.len(),
                    c.commit_tx.output.len(),
                    c.commit_sig.len()
                ),
            );
            if let Some(h) = c.commit_height {
                row("commit height", h.to_string());
            }
            if let Some(root) = c.tapscript_root {
                row("tapscript root", root.to_lower_hex_string());
            }
        }
    }
}

/// A whole multi: a header line, then every channel.
pub fn multi_text(label: &str, m: &Multi) -> String {
    let mut out = String::new();
    let total = m
        .singles
        .iter()
        .fold(0i64, |acc, s| acc.saturating_add(s.capacity));
    let _ = writeln!(
        out,
        "{label}: multi-channel backup, version 0, {} channel{}, total capacity {total} sat",
        m.singles.len(),
        if m.singles.len() == 1 { "" } else { "s" }
    );
    let n = m.singles.len();
    for (i, s) in m.singles.iter().enumerate() {
        out.push('\n');
        single_text(&mut out, &format!("channel {}/{n}", i + 1), s);
    }
    out
}
