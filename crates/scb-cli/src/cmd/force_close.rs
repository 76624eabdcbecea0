//! `scb force-close`: the last resort. Signs our commitment stored in each
//! single (lnd 0.19+ close-tx inputs), checked by Bitcoin Core's interpreter
//! in `scb-rescue`; never broadcasts. See `docs/recovery.md`, "Last resort".

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::hex::DisplayHex;
use bitcoin::OutPoint;
use clap::Args;
use scb_rescue::{RescueError, SignedCommitment};
use scb_wire::Single;
use serde::Serialize;

use crate::cli::Format;
use crate::error::{chain, CliError, CliResult};
use crate::input::{absent_channels, open_singles, read_input};
use crate::key::{resolve, KeyArgs};
use crate::util::{channel_type, emit, to_json};

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
DANGER: lnd refreshes the commitment stored in a backup only when a channel opens or
closes and when lnd shuts down, so it is usually NOT the latest state. Broadcasting a
revoked commitment lets the peer (or its watchtower) take the WHOLE channel balance.
Use this only when the peer is gone for good and nothing else (scb trigger-close, the
peer's cooperation) can work.

scb never broadcasts. Without --accept-revoked-risk it asks you to type YES on a
terminal, and exits 1 when there is no terminal.

Example:
  scb force-close channel.backup --network mainnet --rootkey-file rootkey.xprv \\
      --channel TXID:VOUT --out-dir signed/";

const DANGER: &str = "\
scb force-close: DANGER - the commitment stored in a backup is usually NOT the latest
state of the channel (lnd refreshes it only when a channel opens or closes and at
shutdown). If it was revoked, broadcasting it lets the peer (or its watchtower) take
the WHOLE channel balance during the to_self_delay. Use it only when the peer is gone
for good. scb never broadcasts: publishing the transaction is your decision.";

/// `scb force-close`.
#[derive(Args, Debug)]
pub struct ForceCloseArgs {
    /// The backup file (binary or hex text); `-` reads stdin.
    pub file: String,
    /// The input is one packed single, not a multi.
    #[arg(long)]
    pub single: bool,
    /// Only these channels, by funding outpoint (repeatable). One that matches no
    /// channel is an error.
    #[arg(long, value_name = "TXID:VOUT")]
    pub channel: Vec<String>,
    /// Accept the risk of a revoked commitment without the typed confirmation.
    #[arg(long)]
    pub accept_revoked_risk: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write one `<txid>.hex` file per channel into this directory (crash-safe, 0600).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// One output in the report.
#[derive(Debug, Serialize)]
pub struct ReportOutput {
    /// Index in the transaction.
    pub index: u32,
    /// Value in satoshis.
    pub value_sat: u64,
    /// The output script, hex.
    pub script_pubkey: String,
    /// `to_local`, `to_remote`, `local_anchor`, `remote_anchor` or `other`.
    pub kind: &'static str,
    /// Relative lock of `to_local`, 1 for an anchor-type `to_remote`.
    pub csv_delay: Option<u16>,
}

/// One signed channel in the report.
#[derive(Debug, Serialize)]
pub struct ReportChannel {
    /// `txid:vout` of the funding output.
    pub funding_outpoint: String,
    /// The single's version.
    pub version: u8,
    /// The commitment's state number.
    pub commitment_number: u64,
    /// The signed transaction's id.
    pub txid: String,
    /// The signed transaction, hex.
    pub tx_hex: String,
    /// Funding amount minus the outputs.
    pub fee_sat: u64,
    /// Every output, classified by script.
    pub outputs: Vec<ReportOutput>,
}

/// A channel that was not signed, and why.
#[derive(Debug, Serialize)]
pub struct ReportSkipped {
    /// `txid:vout`.
    pub funding_outpoint: String,
    /// Why.
    pub reason: String,
}

/// The whole report (the JSON output).
#[derive(Debug, Serialize)]
pub struct Report {
    /// Signed channels.
    pub channels: Vec<ReportChannel>,
    /// Channels without close-tx inputs.
    pub skipped: Vec<ReportSkipped>,
}

fn parse_channels(args: &[String]) -> CliResult<Vec<OutPoint>> {
    args.iter()
        .map(|c| {
            c.trim().parse::<OutPoint>().map_err(|e| {
                CliError::usage(format!(
                    "--channel {c:?} is not a funding outpoint TXID:VOUT: {e}"
                ))
            })
        })
        .collect()
}

fn select(singles: Vec<Single>, wanted: &[OutPoint], label: &str) -> CliResult<Vec<Single>> {
    if wanted.is_empty() {
        return Ok(singles);
    }
    if let Some(w) = absent_channels(&singles, wanted).first() {
        return Err(CliError::Failed(format!(
            "{label}: --channel {w} matches no channel in the backup"
        )));
    }
    Ok(singles
        .into_iter()
        .filter(|s| wanted.contains(&s.funding_outpoint))
        .collect())
}

fn report_channel(s: &SignedCommitment) -> ReportChannel {
    ReportChannel {
        funding_outpoint: s.channel.to_string(),
        version: u8::from(s.version),
        commitment_number: s.commitment_number,
        txid: s.tx.compute_txid().to_string(),
        tx_hex: serialize_hex(&s.tx),
        fee_sat: s.fee_sat,
        outputs: s
            .outputs
            .iter()
            .map(|o| ReportOutput {
                index: o.index,
                value_sat: o.value_sat,
                script_pubkey: o.script_pubkey.as_bytes().to_lower_hex_string(),
                kind: o.kind.as_str(),
                csv_delay: o.csv_delay,
            })
            .collect(),
    }
}

fn text(report: &Report, versions: &[Single]) -> String {
    let mut out = String::new();
    for c in &report.channels {
        let kind = versions
            .iter()
            .find(|s| s.funding_outpoint.to_string() == c.funding_outpoint)
            .map_or("", |s| channel_type(s.version));
        let _ = writeln!(out, "channel  {}", c.funding_outpoint);
        let _ = writeln!(out, "  {:<12}{}: {kind}", "version", c.version);
        let _ = writeln!(out, "  {:<12}{}", "commitment", c.commitment_number);
        let _ = writeln!(out, "  {:<12}{}", "txid", c.txid);
        let _ = writeln!(out, "  {:<12}{} sat", "fee", c.fee_sat);
        for o in &c.outputs {
            let csv = o
                .csv_delay
                .map(|d| format!(" (csv {d})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  output {:<5}{:>12} sat  {}{csv}",
                o.index, o.value_sat, o.kind
            );
        }
        let _ = writeln!(out, "  {:<12}{}", "tx", c.tx_hex);
        out.push('\n');
    }
    for s in &report.skipped {
        let _ = writeln!(out, "skipped  {}: {}", s.funding_outpoint, s.reason);
    }
    let _ = writeln!(
        out,
        "{} signed, {} skipped; checked by Bitcoin Core's script interpreter; NOT broadcast",
        report.channels.len(),
        report.skipped.len()
    );
    out
}

/// Asks for a typed YES on the terminal; without a terminal, refuses.
fn confirm(stdin_busy: bool) -> CliResult {
    let terminal = !stdin_busy && std::io::stdin().is_terminal();
    confirm_from(terminal, &mut std::io::stdin().lock())
}

/// The confirmation itself: `terminal` says whether `answer` is a person at
/// a terminal; only the exact line `YES` confirms.
fn confirm_from(terminal: bool, answer: &mut dyn BufRead) -> CliResult {
    if !terminal {
        return Err(CliError::Failed(
            "refusing to sign without --accept-revoked-risk: stdin is not a terminal to type YES on"
                .into(),
        ));
    }
    eprint!("Type YES to sign anyway: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    answer
        .read_line(&mut line)
        .map_err(|e| CliError::Failed(format!("cannot read from the terminal: {e}")))?;
    if line.trim_end_matches(['\r', '\n']) == "YES" {
        Ok(())
    } else {
        Err(CliError::Failed(
            "not confirmed (YES was not typed): nothing signed".into(),
        ))
    }
}

/// Runs `scb force-close`.
pub fn run(args: &ForceCloseArgs) -> CliResult {
    let wanted = parse_channels(&args.channel)?;
    let stdin_busy = args.file == "-";
    let key = resolve(&args.key, stdin_busy)?;
    let input = read_input(&args.file)?;
    let singles = open_singles(&input, &key, args.single)?;
    let singles = select(singles, &wanted, &input.label)?;
    let ring = key.root_key_ring()?;

    // Everything is signed and checked before anything is shown or written: a bad
    // channel fails the whole run with nothing written.
    let mut signed = Vec::new();
    let mut skipped = Vec::new();
    for s in &singles {
        match scb_rescue::sign_commitment(s, &ring) {
            Ok(c) => signed.push(c),
            Err(RescueError::NoCloseTxInputs { channel }) => skipped.push(ReportSkipped {
                funding_outpoint: channel.to_string(),
                reason: "no close-tx inputs in the backup (written by lnd before 0.19)".into(),
            }),
            Err(e) => return Err(CliError::Failed(format!("{}: {}", input.label, chain(&e)))),
        }
    }

    if signed.is_empty() {
        return Err(CliError::Failed(format!(
            "{}: nothing to sign: no selected channel carries close-tx inputs (lnd writes them \
             from 0.19 on)",
            input.label
        )));
    }

    eprintln!("{DANGER}");
    if !args.accept_revoked_risk {
        confirm(stdin_busy)?;
    }

    let report = Report {
        channels: signed.iter().map(report_channel).collect(),
        skipped,
    };
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::Failed(format!("{}: cannot create directory: {e}", dir.display()))
        })?;
        for c in &report.channels {
            let path = dir.join(format!("{}.hex", c.txid));
            let mut body = c.tx_hex.clone();
            body.push('\n');
            scb_store::write_file_atomically(&path, body.as_bytes())
                .map_err(|e| CliError::failed(format!("channel {}", c.funding_outpoint), &e))?;
        }
    }
    let out = match args.format {
        Format::Json => to_json(&report)?,
        Format::Text => text(&report, &singles),
    };
    emit(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_yes_at_a_terminal_confirms() {
        assert!(confirm_from(true, &mut &b"YES\n"[..]).is_ok());
        assert!(confirm_from(true, &mut &b"YES\r\n"[..]).is_ok());
        for answer in [&b"yes\n"[..], b"Y\n", b"YES please\n", b"\n", b""] {
            assert!(confirm_from(true, &mut &answer[..]).is_err(), "{answer:?}");
        }
        let err = confirm_from(false, &mut &b"YES\n"[..]).unwrap_err();
        assert!(err.to_string().contains("--accept-revoked-risk"), "{err}");
    }
}
