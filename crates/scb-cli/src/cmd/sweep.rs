//! `scb sweep`: one transaction that spends every output of the given
//! closing transactions the seed can sign for (our `to_local` after its
//! delay, our `to_remote` in the peer's commitment, our anchors on request),
//! built, signed and checked by Bitcoin Core's interpreter in `scb-rescue`;
//! never broadcast. See `docs/recovery.md`, "Peer force-closed: sweep my
//! to_remote" and "I force-closed: sweep my to_local after the delay".

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::hex::DisplayHex;
use bitcoin::Transaction;
use clap::Args;
use scb_rescue::{Sweep, SweepError, SweepInput, SweepOptions};
use serde::Serialize;

use crate::cli::Format;
use crate::error::{chain, CliError, CliResult};
use crate::input::{open_singles, read_input};
use crate::key::{resolve, KeyArgs};
use crate::util::{emit, to_json};

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
Give every closing transaction as published (hex, or a file holding the hex): the
peer's commitment after it force-closed, or ours from `scb force-close`. The sweep
spends, in one transaction to --to, what the seed can sign for: our to_remote in the
peer's commitment (1 block after it confirms on anchor and taproot channels), our
to_local in our commitment (after csv_delay blocks; --close-height states the first
block), and with --include-anchors our 330-sat anchors. Everything else is listed as
not spendable, with the reason.

The fee is --fee-rate times the signed transaction's exact virtual size. A fee above
5 % of the swept value is refused without --allow-high-fee. Every input is checked by
Bitcoin Core's script interpreter. scb never broadcasts: publish the printed hex with
any node or explorer once the delays have passed.

Examples:
  scb sweep channel.backup --close-tx peer-commitment.hex --to bc1q... --fee-rate 5 \\
      --network mainnet --rootkey-file rootkey.xprv
  scb sweep channel.backup --close-tx signed/<txid>.hex --to bc1q... --fee-rate 5 \\
      --close-height 870000 --network mainnet --rootkey-file rootkey.xprv --out sweep.hex";

/// The largest closing-transaction file accepted (a commitment with 483
/// HTLCs is under 50 kB of hex).
const MAX_TX_FILE: u64 = 1 << 20;

/// `scb sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The backup file (binary or hex text); `-` reads stdin.
    pub file: String,
    /// The input is one packed single, not a multi.
    #[arg(long)]
    pub single: bool,
    /// A closing transaction, hex or a file holding the hex (repeatable).
    #[arg(long = "close-tx", value_name = "HEX|PATH", required = true)]
    pub close_tx: Vec<String>,
    /// The address the sweep pays (of the --network).
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// Fee rate in sat/vB (1 to 10000).
    #[arg(long, value_name = "SAT_PER_VB")]
    pub fee_rate: u64,
    /// Also spend our 330-sat anchor outputs.
    #[arg(long)]
    pub include_anchors: bool,
    /// Allow a fee above 5 % of the swept value.
    #[arg(long)]
    pub allow_high_fee: bool,
    /// The peer's per-commitment point of a version-0 channel's commitment (hex, repeatable).
    #[arg(long, value_name = "HEX")]
    pub remote_commit_point: Vec<String>,
    /// The block height the closing transactions confirmed at: states the first block
    /// each input can be spent in.
    #[arg(long, value_name = "HEIGHT")]
    pub close_height: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the signed transaction's hex here (crash-safe, 0600).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Also write the transaction as a finalized BIP 174 PSBT (binary) here (crash-safe, 0600).
    #[arg(long, value_name = "PATH")]
    pub psbt: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// One input in the report.
#[derive(Debug, Serialize)]
pub struct ReportInput {
    /// `txid:vout` spent.
    pub outpoint: String,
    /// `to_local`, `to_remote`, `local_anchor` or `remote_anchor`.
    pub kind: &'static str,
    /// Value in satoshis.
    pub value_sat: u64,
    /// The spent output's script, hex.
    pub script_pubkey: String,
    /// Relative lock in blocks.
    pub csv_delay: Option<u16>,
    /// A script-enforced lease's expiry height, when the output carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cltv_expiry: Option<u32>,
    /// The first block this input can be spent in (with --close-height).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_height: Option<u32>,
}

/// The sweep's output.
#[derive(Debug, Serialize)]
pub struct ReportOutput {
    /// The destination.
    pub address: String,
    /// Value in satoshis.
    pub value_sat: u64,
}

/// An output that cannot be spent, and why.
#[derive(Debug, Serialize)]
pub struct ReportNotSpendable {
    /// `txid:vout`.
    pub outpoint: String,
    /// Why.
    pub reason: String,
}

/// The whole report (the JSON output).
#[derive(Debug, Serialize)]
pub struct Report {
    /// The sweep's id.
    pub txid: String,
    /// The signed sweep, hex.
    pub tx_hex: String,
    /// Its fee.
    pub fee_sat: u64,
    /// Its virtual size.
    pub vsize: u64,
    /// What it spends.
    pub inputs: Vec<ReportInput>,
    /// What it pays.
    pub output: ReportOutput,
    /// What it cannot spend.
    pub not_spendable: Vec<ReportNotSpendable>,
}

fn report_input(i: &SweepInput) -> ReportInput {
    ReportInput {
        outpoint: i.outpoint.to_string(),
        kind: i.kind.as_str(),
        value_sat: i.value_sat,
        script_pubkey: i.script_pubkey.as_bytes().to_lower_hex_string(),
        csv_delay: i.csv_delay,
        cltv_expiry: i.cltv_expiry,
        earliest_height: i.earliest_height,
    }
}

fn not_spendable(list: &[scb_rescue::NotSpendable]) -> Vec<ReportNotSpendable> {
    list.iter()
        .map(|n| ReportNotSpendable {
            outpoint: n.outpoint.to_string(),
            reason: n.reason.clone(),
        })
        .collect()
}

/// Reads a `--close-tx` argument: a file holding hex when one exists at
/// that path, else the hex itself.
fn read_close_tx(arg: &str) -> CliResult<Transaction> {
    let path = Path::new(arg);
    let (label, text) = if path.exists() {
        let meta = std::fs::metadata(path)
            .map_err(|e| CliError::failed(format!("--close-tx {arg}"), &e))?;
        if !meta.is_file() {
            return Err(CliError::usage(format!(
                "--close-tx {arg}: not a regular file"
            )));
        }
        if meta.len() > MAX_TX_FILE {
            return Err(CliError::usage(format!(
                "--close-tx {arg}: {} bytes, larger than the {MAX_TX_FILE} a transaction's hex can be",
                meta.len()
            )));
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_TX_FILE).read_to_string(&mut text))
            .map_err(|e| CliError::failed(format!("--close-tx {arg}"), &e))?;
        (arg.to_owned(), text)
    } else {
        let shown: String = arg.chars().take(16).collect();
        (format!("{shown}…"), arg.to_owned())
    };
    let hex: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    bitcoin::consensus::encode::deserialize_hex::<Transaction>(&hex).map_err(|e| {
        CliError::usage(format!(
            "--close-tx {label}: not a transaction in hex (nor a file holding one): {e}"
        ))
    })
}

fn sweep_error(label: &str, e: &SweepError) -> CliError {
    match e {
        SweepError::FeeRate { .. }
        | SweepError::Address { .. }
        | SweepError::RemoteCommitPoint { .. } => CliError::Usage(chain(e)),
        SweepError::NothingSpendable { not_spendable } => {
            let mut msg = format!("{label}: {e}:");
            for n in not_spendable {
                let _ = write!(msg, "\n  {}: {}", n.outpoint, n.reason);
            }
            CliError::Failed(msg)
        }
        _ => CliError::Failed(format!("{label}: {}", chain(e))),
    }
}

fn text(report: &Report, fee_rate: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "sweep  {}", report.txid);
    for i in &report.inputs {
        let mut lock = String::new();
        if let Some(d) = i.csv_delay {
            let _ = write!(
                lock,
                " (spendable {d} block{} after its close confirms",
                if d == 1 { "" } else { "s" }
            );
            if let Some(h) = i.earliest_height {
                let _ = write!(lock, ": from block {h}");
            }
            lock.push(')');
        }
        if let Some(c) = i.cltv_expiry {
            let _ = write!(lock, " (lease expiry at block {c})");
        }
        let _ = writeln!(
            out,
            "  input   {}  {:>12} sat  {}{lock}",
            i.outpoint, i.value_sat, i.kind
        );
    }
    let _ = writeln!(
        out,
        "  output  {}  {:>12} sat",
        report.output.address, report.output.value_sat
    );
    let _ = writeln!(
        out,
        "  fee     {} sat ({fee_rate} sat/vB x {} vB)",
        report.fee_sat, report.vsize
    );
    let _ = writeln!(out, "  tx      {}", report.tx_hex);
    for n in &report.not_spendable {
        let _ = writeln!(out, "not spendable  {}: {}", n.outpoint, n.reason);
    }
    let _ = writeln!(
        out,
        "{} input(s) checked by Bitcoin Core's script interpreter; NOT broadcast: publish the tx \
         with any node or explorer once every input's delay has passed",
        report.inputs.len()
    );
    out
}

fn write_out(path: &Path, bytes: &[u8]) -> CliResult {
    scb_store::write_file_atomically(path, bytes).map_err(|e| CliError::failed(path.display(), &e))
}

/// Runs `scb sweep`.
pub fn run(args: &SweepArgs) -> CliResult {
    let network = args.key.network;
    let to = scb_rescue::destination(&args.to, network).map_err(|e| sweep_error("--to", &e))?;
    let remote_commit_points = args
        .remote_commit_point
        .iter()
        .map(|p| scb_rescue::parse_remote_commit_point(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sweep_error("--remote-commit-point", &e))?;
    let options = SweepOptions {
        to: to.script_pubkey(),
        fee_rate_sat_per_vb: args.fee_rate,
        include_anchors: args.include_anchors,
        allow_high_fee: args.allow_high_fee,
        remote_commit_points,
        close_height: args.close_height,
    };
    if args.fee_rate == 0 || args.fee_rate > scb_rescue::MAX_FEE_RATE {
        return Err(sweep_error(
            "--fee-rate",
            &SweepError::FeeRate {
                rate: args.fee_rate,
            },
        ));
    }
    let close_txs = args
        .close_tx
        .iter()
        .map(|a| read_close_tx(a))
        .collect::<CliResult<Vec<_>>>()?;

    let stdin_busy = args.file == "-";
    let key = resolve(&args.key, stdin_busy)?;
    let input = read_input(&args.file)?;
    let singles = open_singles(&input, &key, args.single)?;
    let ring = key.root_key_ring()?;
    let swept: Sweep = scb_rescue::sweep(&singles, &ring, &close_txs, &options)
        .map_err(|e| sweep_error(&input.label, &e))?;

    let report = Report {
        txid: swept.tx.compute_txid().to_string(),
        tx_hex: serialize_hex(&swept.tx),
        fee_sat: swept.fee_sat,
        vsize: swept.vsize,
        inputs: swept.inputs.iter().map(report_input).collect(),
        output: ReportOutput {
            address: to.to_string(),
            value_sat: swept.output_value_sat,
        },
        not_spendable: not_spendable(&swept.not_spendable),
    };
    if let Some(path) = &args.out {
        let mut body = report.tx_hex.clone();
        body.push('\n');
        write_out(path, body.as_bytes())?;
    }
    if let Some(path) = &args.psbt {
        write_out(path, &swept.psbt.serialize())?;
    }
    let out = match args.format {
        Format::Json => to_json(&report)?,
        Format::Text => text(&report, args.fee_rate),
    };
    emit(&out)
}
