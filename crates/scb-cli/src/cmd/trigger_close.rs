//! `scb trigger-close`: ask every channel's peer to force-close, as lnd's
//! restore does (docs/recovery.md, "Recovery without lnd").

use std::collections::HashSet;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

use bitcoin::secp256k1::PublicKey;
use bitcoin::OutPoint;
use clap::Args;
use scb_rescue::peer::PeerAddress;
use scb_rescue::{
    trigger_close_with_progress, ChannelReport, ChannelTarget, Outcome, TriggerCloseOptions,
};
use scb_wire::KeyLocator;
use serde::Serialize;

use crate::cli::Format;
use crate::error::{chain, CliError, CliResult};
use crate::input::{absent_channels, open_singles, read_input};
use crate::key::{resolve, KeyArgs};
use crate::util::{emit, printable, progress, to_json};

/// Help text after the options.
pub const AFTER_HELP: &str = "\
Examples:
  scb trigger-close channel.backup --network mainnet --aezeed
  scb trigger-close channel.backup --network mainnet --rootkey-file rootkey.xprv \\
      --peer-address 02abc...@203.0.113.7:9735 --tor-proxy 127.0.0.1:9050 --format json

Connects to each channel's peer as your node (key family 6, index 0 of the seed) and
sends the channel_reestablish of a channel restored from a backup, as lnd's restore
does: a peer that gets it publishes its latest commitment, whose output paying you
`scb sweep` then spends (docs/recovery.md, \"Recovery without lnd\"). Nothing is
signed or broadcast. Every channel is tried and reported: reestablish_sent,
unreachable, handshake_failed, no_address, or not_attempted (its keys cannot be
derived: a damaged channel entry). Exit code 1 when any channel was not
reached (the report is printed in full first). Safe to run again.";

/// `scb trigger-close`.
#[derive(Args, Debug)]
pub struct TriggerCloseArgs {
    /// The backup file (binary or hex text); `-` reads stdin.
    pub file: String,
    /// The input is one packed single, not a multi.
    #[arg(long)]
    pub single: bool,
    /// Only these channels, by funding outpoint (repeatable). One that matches no
    /// channel is an error.
    #[arg(long, value_name = "TXID:VOUT")]
    pub channel: Vec<String>,
    /// An address to try first for a peer (repeatable): PUBKEY@HOST:PORT, with
    /// an IPv6 address in brackets, a .onion host for Tor (needs --tor-proxy).
    #[arg(long, value_name = "PUBKEY@HOST:PORT")]
    pub peer_address: Vec<String>,
    /// A SOCKS5 proxy (Tor's, usually 127.0.0.1:9050): every connection goes through it.
    #[arg(long, value_name = "HOST:PORT")]
    pub tor_proxy: Option<String>,
    /// Seconds to connect to an address, and again for the whole conversation.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// How many peers are talked to at once.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// lnd's node key: family 6, index 0.
const NODE_KEY: KeyLocator = KeyLocator {
    family: 6,
    index: 0,
};

/// One channel in the JSON report (docs/recovery.md).
#[derive(Debug, Serialize)]
struct JsonChannel {
    funding_outpoint: String,
    channel_id: String,
    peer: String,
    address: Option<String>,
    outcome: &'static str,
    peer_error: Option<String>,
    peer_warning: Option<String>,
    peer_reestablish: bool,
    detail: Option<String>,
}

#[derive(Debug, Serialize)]
struct JsonReport {
    channels: Vec<JsonChannel>,
}

fn json_channel(r: &ChannelReport) -> JsonChannel {
    JsonChannel {
        funding_outpoint: r.funding_outpoint.to_string(),
        channel_id: r.channel_id.to_hex(),
        peer: r.peer.to_string(),
        address: r.address.clone(),
        outcome: r.outcome.as_str(),
        peer_error: r.peer_error.clone(),
        peer_warning: r.peer_warning.clone(),
        peer_reestablish: r.peer_reestablish,
        detail: r.detail.clone(),
    }
}

fn text(file: &str, reports: &[ChannelReport]) -> String {
    let peers: HashSet<PublicKey> = reports.iter().map(|r| r.peer).collect();
    let mut out = format!(
        "{file}: asked {} peer{} about {} channel{}\n",
        peers.len(),
        if peers.len() == 1 { "" } else { "s" },
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
    );
    for r in reports {
        let _ = writeln!(out, "\n{}  {}", r.funding_outpoint, r.outcome);
        let _ = writeln!(out, "   peer     {}", r.peer);
        if let Some(a) = &r.address {
            let _ = writeln!(out, "   address  {}", printable(a));
        }
        if let Some(e) = &r.peer_error {
            let _ = writeln!(out, "   error    {}", printable(e));
        }
        if let Some(w) = &r.peer_warning {
            let _ = writeln!(out, "   warning  {}", printable(w));
        }
        if r.peer_reestablish {
            let _ = writeln!(out, "   answer   the peer sent its channel_reestablish");
        }
        if let Some(d) = &r.detail {
            let _ = writeln!(out, "   detail   {}", printable(d));
        }
    }
    let mut counts: Vec<(Outcome, usize)> = Vec::new();
    for r in reports {
        match counts.iter_mut().find(|(o, _)| *o == r.outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.outcome, 1)),
        }
    }
    let summary: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let _ = writeln!(out, "\n{}", summary.join(", "));
    if reports
        .iter()
        .any(|r| r.outcome == Outcome::ReestablishSent)
    {
        out.push_str(
            "next: wait for each peer's commitment to confirm, then spend your balance \
             with `scb sweep` (docs/recovery.md)\n",
        );
    }
    out
}

/// `PUBKEY@HOST:PORT`.
fn peer_address(text: &str) -> CliResult<(PublicKey, PeerAddress)> {
    let bad = |why: String| CliError::usage(format!("--peer-address {text:?}: {why}"));
    let (key, addr) = text
        .split_once('@')
        .ok_or_else(|| bad("expected PUBKEY@HOST:PORT".to_owned()))?;
    let key = PublicKey::from_str(key.trim()).map_err(|e| bad(format!("bad node key ({e})")))?;
    let addr = PeerAddress::parse(addr.trim()).map_err(|e| bad(chain(&e)))?;
    Ok((key, addr))
}

/// Runs `scb trigger-close`.
pub fn run(args: &TriggerCloseArgs) -> CliResult {
    let mut wanted = HashSet::new();
    for c in &args.channel {
        let op = OutPoint::from_str(c.trim()).map_err(|e| {
            CliError::usage(format!(
                "--channel {c:?} is not a funding outpoint TXID:VOUT ({e})"
            ))
        })?;
        wanted.insert(op);
    }
    let extra_addresses = args
        .peer_address
        .iter()
        .map(|a| peer_address(a))
        .collect::<CliResult<Vec<_>>>()?;
    if args.timeout == 0 {
        return Err(CliError::usage("--timeout must be at least 1 second"));
    }

    let key = resolve(&args.key, args.file == "-")?;
    let input = read_input(&args.file)?;
    let mut singles = open_singles(&input, &key, args.single)?;
    if !wanted.is_empty() {
        let missing = absent_channels(&singles, &wanted);
        if !missing.is_empty() {
            return Err(CliError::Failed(format!(
                "{}: no channel with funding outpoint {}",
                input.label,
                missing.join(", ")
            )));
        }
        singles.retain(|s| wanted.contains(&s.funding_outpoint));
    }

    let ring = key.root_key_ring()?;
    let node = ring
        .derive_private_key(NODE_KEY)
        .map_err(|e| CliError::Key(format!("node key: {}", chain(&e))))?;
    // A channel whose message cannot be built is reported, not fatal: every
    // other channel is still tried.
    let mut targets = Vec::new();
    let mut not_attempted = Vec::new();
    for (i, s) in singles.iter().enumerate() {
        match ChannelTarget::from_single(s, &ring) {
            Ok(t) => targets.push(t),
            Err(e) => not_attempted.push((i, ChannelReport::not_attempted(s, &e))),
        }
    }

    let options = TriggerCloseOptions {
        timeout: Duration::from_secs(args.timeout),
        concurrency: args.concurrency.max(1),
        tor_proxy: args.tor_proxy.clone(),
        extra_addresses,
    };
    let bar = progress(targets.len() as u64, "asking peers");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    let reports = rt.block_on(trigger_close_with_progress(
        node.secret_key(),
        &targets,
        &options,
        |done| bar.inc(done.len() as u64),
    ));
    bar.finish_and_clear();
    // Back into the backup's order.
    let mut reports = reports;
    for (i, r) in not_attempted {
        reports.insert(i, r);
    }

    emit(&match args.format {
        Format::Json => to_json(&JsonReport {
            channels: reports.iter().map(json_channel).collect(),
        })?,
        Format::Text => text(&input.label, &reports),
    })?;
    let failed = reports
        .iter()
        .filter(|r| r.outcome != Outcome::ReestablishSent)
        .count();
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{}: {failed} of {} channel{} not reached",
            input.label,
            reports.len(),
            if reports.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}
