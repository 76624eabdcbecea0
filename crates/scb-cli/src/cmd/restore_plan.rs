//! `scb restore-plan`: what lnd's restore would do with each channel, and what would
//! go wrong (docs/recovery.md#close-tx-inputs-present, docs/recovery.md#no-usable-address).

use std::fmt::Write as _;

use scb_wire::{Address, Single};
use serde::Serialize;

use crate::cli::{Format, RestorePlanArgs};
use crate::error::{CliError, CliResult};
use crate::input::{open_singles, read_input};
use crate::key::resolve;
use crate::util::{chain_name, channel_type, emit, printable, to_json};

/// One address and whether lnd's peer connector would use it.
#[derive(Debug, Serialize)]
pub struct PlanAddress {
    /// `ipv4`, `ipv6`, `torv2`, `torv3`, `dns` or `opaque`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The text form.
    pub address: String,
    /// False for Tor v2 (dropped by lnd >= v0.21) and opaque entries.
    pub usable: bool,
}

/// The plan for one channel.
#[derive(Debug, Serialize)]
pub struct PlanChannel {
    /// `txid:vout`.
    pub funding_outpoint: String,
    /// The peer's node key.
    pub peer: String,
    /// The peer's addresses.
    pub addresses: Vec<PlanAddress>,
    /// The single's version.
    pub version: u8,
    /// The channel type the version stands for.
    pub channel_type: &'static str,
    /// The chain, from the genesis hash (`null` when unknown).
    pub chain: Option<&'static str>,
    /// Capacity in satoshis.
    pub capacity_sat: i64,
    /// Whether we opened it.
    pub is_initiator: bool,
    /// `block:tx:output`.
    pub short_channel_id: String,
    /// Lease expiry (version 4): lnd's thaw height.
    pub lease_expiry: Option<u32>,
    /// Whether close-tx inputs are present (usually stale: docs/format.md#stale-close-tx-inputs).
    pub close_tx_inputs_present: bool,
    /// What would go wrong or needs care.
    pub warnings: Vec<String>,
    /// True when lnd's restore would abort at this channel
    /// (docs/recovery.md#no-usable-address-aborts).
    pub blocks_restore: bool,
}

/// The whole plan.
#[derive(Debug, Serialize)]
pub struct Plan {
    /// The backup file.
    pub file: String,
    /// Channels, in the order lnd restores them.
    pub channels: Vec<PlanChannel>,
    /// Sum of the capacities.
    pub total_capacity_sat: i64,
    /// Channels at which lnd's restore would abort.
    pub blocking: Vec<String>,
}

fn usable(a: &Address) -> bool {
    !matches!(a, Address::TorV2 { .. } | Address::Opaque(_))
}

/// The plan for one single.
pub fn plan_channel(s: &Single) -> PlanChannel {
    let addresses: Vec<PlanAddress> = s
        .addresses
        .iter()
        .map(|a| PlanAddress {
            kind: a.kind(),
            address: a.to_string(),
            usable: usable(a),
        })
        .collect();
    let mut warnings = Vec::new();
    let mut blocks_restore = false;
    if s.addresses.is_empty() {
        blocks_restore = true;
        warnings.push(
            "no address for the peer: lnd's restore fails at this channel and restores \
             no channel after it; remove it with `scb filter --discard` and restore it alone"
                .to_owned(),
        );
    } else if !addresses.iter().any(|a| a.usable) {
        blocks_restore = true;
        let only = if s
            .addresses
            .iter()
            .all(|a| matches!(a, Address::TorV2 { .. }))
        {
            "only Tor v2 addresses, which lnd >= v0.21 drops"
        } else {
            "no usable address (Tor v2 or unknown kinds only)"
        };
        warnings.push(format!(
            "{only}: lnd's restore fails at this channel and restores no channel after \
             it; remove it with `scb filter --discard` or add a reachable address"
        ));
    } else if addresses.iter().any(|a| !a.usable) {
        warnings
            .push("some addresses are unusable (Tor v2 or unknown kinds) and are skipped".into());
    }
    if s.close_tx_inputs.is_some() {
        warnings.push(
            "close-tx inputs present but usually stale (a revoked commitment): never \
             broadcast them unless the peer is gone for good; a revoked state forfeits the channel"
                .to_owned(),
        );
    }
    if s.short_channel_id.block_height == 0 {
        warnings.push(
            "short channel id height 0: the funding transaction was unconfirmed when backed up"
                .into(),
        );
    }
    if chain_name(&s.chain_hash).is_none() {
        warnings.push("unknown chain hash".into());
    }
    PlanChannel {
        funding_outpoint: s.funding_outpoint.to_string(),
        peer: s.remote_node_pub.to_string(),
        addresses,
        version: u8::from(s.version),
        channel_type: channel_type(s.version),
        chain: chain_name(&s.chain_hash),
        capacity_sat: s.capacity,
        is_initiator: s.is_initiator,
        short_channel_id: s.short_channel_id.to_string(),
        lease_expiry: s.lease_expiry,
        close_tx_inputs_present: s.close_tx_inputs.is_some(),
        warnings,
        blocks_restore,
    }
}

fn text(plan: &Plan) -> String {
    let mut out = format!(
        "{}: restore plan for {} channel{}, total capacity {} sat\n",
        plan.file,
        plan.channels.len(),
        if plan.channels.len() == 1 { "" } else { "s" },
        plan.total_capacity_sat
    );
    for (i, c) in plan.channels.iter().enumerate() {
        let _ = writeln!(out, "\n{}. {}", i + 1, c.funding_outpoint);
        let _ = writeln!(out, "   peer       {}", c.peer);
        if c.addresses.is_empty() {
            let _ = writeln!(out, "   addresses  (none)");
        }
        for (j, a) in c.addresses.iter().enumerate() {
            let _ = writeln!(
                out,
                "   {:<10} {} ({}{})",
                if j == 0 { "addresses" } else { "" },
                printable(&a.address),
                a.kind,
                if a.usable { "" } else { ", unusable" }
            );
        }
        let _ = writeln!(out, "   type       v{}: {}", c.version, c.channel_type);
        let _ = writeln!(
            out,
            "   channel    {} sat on {}, scid {}, {}",
            c.capacity_sat,
            c.chain.unwrap_or("unknown chain"),
            c.short_channel_id,
            if c.is_initiator {
                "we opened it"
            } else {
                "peer opened it"
            }
        );
        if let Some(l) = c.lease_expiry {
            let _ = writeln!(out, "   lease      expires at height {l}");
        }
        let _ = writeln!(
            out,
            "   close tx   {}",
            if c.close_tx_inputs_present {
                "inputs present"
            } else {
                "no inputs"
            }
        );
        for w in &c.warnings {
            let _ = writeln!(out, "   WARNING    {w}");
        }
    }
    if plan.blocking.is_empty() {
        out.push_str("\nno channel blocks lnd's restore\n");
    } else {
        let _ = writeln!(
            out,
            "\n{} channel{} would abort lnd's restore (no usable address): {}",
            plan.blocking.len(),
            if plan.blocking.len() == 1 { "" } else { "s" },
            plan.blocking.join(", ")
        );
    }
    out
}

/// Runs `scb restore-plan`.
pub fn run(args: &RestorePlanArgs) -> CliResult {
    if let Some(hsm) = &args.key.source.hsm_secret_file {
        return super::cln::restore_plan(args, hsm);
    }
    let key = resolve(&args.key, args.file == "-")?;
    let input = read_input(&args.file)?;
    let singles = open_singles(&input, &key, args.single)?;
    let channels: Vec<PlanChannel> = singles.iter().map(plan_channel).collect();
    let plan = Plan {
        file: input.label.clone(),
        total_capacity_sat: channels
            .iter()
            .fold(0i64, |a, c| a.saturating_add(c.capacity_sat)),
        blocking: channels
            .iter()
            .filter(|c| c.blocks_restore)
            .map(|c| c.funding_outpoint.clone())
            .collect(),
        channels,
    };
    emit(&match args.format {
        Format::Json => to_json(&plan)?,
        Format::Text => text(&plan),
    })?;
    if args.exit_code && !plan.blocking.is_empty() {
        return Err(CliError::Found(format!(
            "{} channel(s) would make lnd's restore fail",
            plan.blocking.len()
        )));
    }
    Ok(())
}
