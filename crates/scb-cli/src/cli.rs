//! The command line: every command, its options and its help text.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::key::{KeyArgs, KeyBArgs};

const TOP_HELP: &str = "\
Key sources (exactly one; most commands need the key):
  --rootkey-file PATH   root xprv/tprv of lnd's wallet, in a file (recommended)
  SCB_ROOTKEY           the same, in an environment variable
  --rootkey XPRV        on the command line (visible to other users: avoid)
  --seed-hex HEX        the wallet's BIP32 seed (lnd: the aezeed entropy)
  --aezeed              lnd's 24 words at a hidden prompt, or SCB_AEZEED / SCB_AEZEED_PASSPHRASE
  --bip39               a BIP39 mnemonic at a hidden prompt, or SCB_BIP39 / SCB_BIP39_PASSPHRASE
  (nothing)             a hidden prompt for the root key when stdin is a terminal
  --hsm-secret-file PATH  Core Lightning: the node's hsm_secret; the file is an emergency.recover
                        (binary, hex or clnemerg1...); passphrase from SCB_HSM_SECRET_PASSPHRASE
                        or a hidden prompt (dump, verify, restore-plan, diff, create)

Network (which chain's key the root key derives):
  --network             mainnet (default), testnet, testnet4, signet, regtest or simnet

Exit codes:
  0  success
  1  the operation failed (missing or unreadable file, not a backup, wrong key,
     corrupted file, write failure, ...); the reason is printed on one line
  2  usage error (bad arguments, no key source)
  3  only with --exit-code: `diff` found differences, `restore-plan` found channels
     that would make lnd's restore fail (like `git diff --exit-code`, but 3, so that
     a script can tell it from a failure)

Example:
  scb dump examples/channel.backup --network testnet --rootkey-file examples/rootkey.tprv";

/// `scb`: inspect, verify, create, merge and plan restores of lnd static channel backups.
#[derive(Parser, Debug)]
#[command(name = "scb", version, about, long_about = None, after_help = TOP_HELP)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace). Keys are never logged.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of the inspection commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON: one object, the same facts as the text.
    Json,
}

/// Output format of `dump`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum DumpFormat {
    /// Human-readable listing per channel.
    #[default]
    Text,
    /// JSON in the schema of the test vectors: a multi is {"version":..,"singles":[...]}.
    Json,
    /// The decrypted plaintext (lnd's serialization), hex.
    Hex,
}

/// Every command.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Decrypt and print a channel.backup (or a packed single with --single).
    #[command(after_help = "\
Examples:
  scb dump examples/channel.backup --network testnet --rootkey-file examples/rootkey.tprv
  scb dump channel.backup --format json --rootkey-file rootkey.xprv > backup.json
  lncli exportchanbackup --chan_point TXID:0 | jq -r .chan_backup | scb dump --single - --rootkey-file k")]
    Dump(DumpArgs),
    /// Check that a backup decrypts and decodes with the key; one-line summary.
    #[command(after_help = "\
Examples:
  scb verify channel.backup --rootkey-file rootkey.xprv
  SCB_AEZEED='word1 ... word24' scb verify --seed-check --aezeed channel.backup

Exit code 0 when the file opens, 1 with the reason when it does not.")]
    Verify(VerifyArgs),
    /// Build and encrypt a backup from JSON (the test vectors' schema); crash-safe write.
    #[command(after_help = "\
Example:
  scb create --from-json examples/channel.backup.json --out /tmp/channel.backup \\
      --network testnet --rootkey-file examples/rootkey.tprv")]
    Create(CreateArgs),
    /// Channels added, removed and changed between two backups (by funding outpoint).
    #[command(after_help = "\
Examples:
  scb diff old.backup new.backup --rootkey-file rootkey.xprv
  scb diff node-a.backup node-b.backup --rootkey-file a.xprv --key-b-rootkey-file b.xprv
  scb diff old.backup new.backup --exit-code --rootkey-file k || echo changed

Exit code 0 whatever the difference; with --exit-code, 3 when the backups differ.")]
    Diff(DiffArgs),
    /// Union of several backups into one; per funding outpoint, the later file wins.
    #[command(after_help = "\
\"Newest\" is defined by position: when two inputs hold the same funding outpoint, the
entry from the file given LATER on the command line replaces the earlier one (list the
files oldest first). Channels keep the order in which they first appear.

Example:
  scb merge old.backup new.backup --out merged.backup --rootkey-file rootkey.xprv")]
    Merge(MergeArgs),
    /// List or prune the archive of previous versions (chan-backup-archives/).
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// What a restore would do: per channel the peer, addresses, type and warnings.
    #[command(
        name = "restore-plan",
        after_help = "\
Warnings:
  - Close-tx inputs present but usually stale: broadcasting that commitment can hand
    the peer the whole channel. Only a last-resort tool should use them.
  - No usable address (none, or Tor v2 only, dropped by lnd >= 0.21): lnd's restore
    fails at that channel and restores no channel after it. Remove it first with
    `scb filter --discard`.

Example:
  scb restore-plan channel.backup --rootkey-file rootkey.xprv --format json

Exit code 0 when the plan was made; with --exit-code, 3 when a channel would make lnd's
restore fail (listed as blocking)."
    )]
    RestorePlan(RestorePlanArgs),
    /// Seed tools: what a seed (aezeed, BIP39, hex, root key) gives.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Write a copy of a backup without the given channels (chantools filterbackup).
    #[command(after_help = "\
Example:
  scb filter channel.backup --discard 4a1f...dfae7:3 --out filtered.backup --rootkey-file k")]
    Filter(FilterArgs),
    /// Keep off-site copies of a live channel.backup (directories and object stores).
    #[command(after_help = "\
Examples:
  scb watch ~/.lnd/data/chain/bitcoin/mainnet/channel.backup --to /mnt/usb/scb \\
      --to s3://bucket/node1 --rootkey-file rootkey.xprv
  scb watch channel.backup --to /mnt/usb/scb --once --json     # for cron

With a key, a file that does not decrypt and decode is never pushed, and a file
that lost all its channels (or more than half) is stored in history but not made
the latest copy unless --allow-shrink (HELD). In --once mode the exit code is 1
when any destination failed or held a version back.")]
    Watch(WatchArgs),
    /// Get the latest (or a given) copy back from a destination and verify it.
    #[command(after_help = "\
Example:
  scb fetch s3://bucket/node1 --out channel.backup --rootkey-file rootkey.xprv")]
    Fetch(FetchArgs),
    /// LAST RESORT: sign our stored commitment of each channel from the backup (never broadcast).
    #[command(name = "force-close", after_help = crate::cmd::force_close::AFTER_HELP)]
    ForceClose(crate::cmd::force_close::ForceCloseArgs),
    /// Spend what the seed can sign for in published closing transactions, to one address (never broadcast).
    #[command(after_help = crate::cmd::sweep::AFTER_HELP)]
    Sweep(crate::cmd::sweep::SweepArgs),
    /// Ask every channel's peer to force-close over the Lightning protocol, as lnd's restore does.
    #[command(name = "trigger-close", after_help = crate::cmd::trigger_close::AFTER_HELP)]
    TriggerClose(crate::cmd::trigger_close::TriggerCloseArgs),
}

/// `scb dump`.
#[derive(Args, Debug)]
pub struct DumpArgs {
    /// The backup file (binary or hex text); `-` reads stdin.
    pub file: String,
    /// The input is one packed single (as `lncli exportchanbackup` gives), not a multi.
    #[arg(long)]
    pub single: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DumpFormat::Text)]
    pub format: DumpFormat,
    /// Skip singles of unknown (newer) versions instead of failing (not lnd behaviour).
    #[arg(long)]
    pub skip_unknown_versions: bool,
    /// Also show, per channel, our public key at each key locator and the funding output
    /// script and address rebuilt from them (to find the channel on a block explorer).
    #[arg(long)]
    pub derive_keys: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The backup file; `-` reads stdin.
    pub file: String,
    /// The input is one packed single.
    #[arg(long)]
    pub single: bool,
    /// Answer "does this seed open this file", with the channel count and the newest
    /// sequence and time from the sidecar manifest when present. Fully offline.
    #[arg(long)]
    pub seed_check: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Options of commands that write a backup file.
#[derive(Args, Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // command-line flags
pub struct WriteArgs {
    /// Archive the previous version of the output file (the default, like lnd).
    #[arg(long, overrides_with = "no_archive")]
    pub archive: bool,
    /// Do not archive the previous version.
    #[arg(long)]
    pub no_archive: bool,
    /// Also write the same bytes into this directory (repeatable).
    #[arg(long, value_name = "DIR")]
    pub mirror: Vec<PathBuf>,
    /// Do not write the sidecar manifest (FILE.manifest.json).
    #[arg(long)]
    pub no_manifest: bool,
    /// Allow the new file to lack channels the existing output file holds.
    #[arg(long)]
    pub allow_shrink: bool,
    /// Replace an existing output file even if it does not open with this key
    /// (the old file is archived unless --no-archive).
    #[arg(long)]
    pub force: bool,
}

/// `scb create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// JSON file in the test vectors' schema: a multi {"version":0,"singles":[...]}, or
    /// with --single one single object; `-` reads stdin.
    #[arg(long, value_name = "SPEC")]
    pub from_json: String,
    /// The output file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Create one packed single instead of a multi.
    #[arg(long)]
    pub single: bool,
    /// With --single: write hex text (as lncli prints it) instead of bytes.
    #[arg(long, requires = "single")]
    pub hex: bool,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The first (older) backup.
    pub a: String,
    /// The second (newer) backup.
    pub b: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with code 3 when the backups differ (0 when they hold the same channels).
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub key: KeyArgs,
    #[command(flatten)]
    pub key_b: KeyBArgs,
}

/// `scb merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Two or more backups, oldest first (later files win).
    #[arg(required = true, num_args = 2.., value_name = "FILE")]
    pub files: Vec<String>,
    /// The merged output file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb archive`.
#[derive(Subcommand, Debug)]
pub enum ArchiveCommand {
    /// List archived versions (oldest first).
    #[command(after_help = "\
DIR is the archive directory itself or the directory holding chan-backup-archives/.

Example:
  scb archive list ~/.lnd/data/chain/bitcoin/mainnet")]
    List(ArchiveListArgs),
    /// Remove archived versions that the retention options do not keep.
    #[command(after_help = "\
An entry is kept when EITHER option keeps it. At least one option is required.

Example:
  scb archive prune ~/.lnd/data/chain/bitcoin/mainnet --keep-last 20 --keep-within 30d")]
    Prune(ArchivePruneArgs),
}

/// `scb archive list`.
#[derive(Args, Debug)]
pub struct ArchiveListArgs {
    /// The archive directory, or the directory that holds chan-backup-archives/.
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `scb archive prune`.
#[derive(Args, Debug)]
pub struct ArchivePruneArgs {
    /// The archive directory, or the directory that holds chan-backup-archives/.
    pub dir: PathBuf,
    /// Keep the newest N entries per backup file name.
    #[arg(long, value_name = "N")]
    pub keep_last: Option<usize>,
    /// Keep entries younger than this (e.g. 30d, 12h, 90m, 2w).
    #[arg(long, value_name = "AGE", value_parser = crate::util::parse_duration)]
    pub keep_within: Option<std::time::Duration>,
    /// Show what would be removed without removing it.
    #[arg(long)]
    pub dry_run: bool,
}

/// `scb restore-plan`.
#[derive(Args, Debug)]
pub struct RestorePlanArgs {
    /// The backup file; `-` reads stdin.
    pub file: String,
    /// The input is one packed single.
    #[arg(long)]
    pub single: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with code 3 when a channel would make lnd's restore fail.
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb seed`.
#[derive(Subcommand, Debug)]
pub enum SeedCommand {
    /// Birthday (aezeed), root key fingerprint and backup key id of a seed.
    #[command(after_help = "\
Examples:
  scb seed info --aezeed --network testnet
  SCB_AEZEED='w1 ... w24' SCB_AEZEED_PASSPHRASE='...' scb seed info --aezeed --show-rootkey")]
    Info(SeedInfoArgs),
}

/// `scb seed info`.
#[derive(Args, Debug)]
pub struct SeedInfoArgs {
    /// Also print the root extended private key (tprv/xprv). Secret!
    #[arg(long)]
    pub show_rootkey: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb filter`.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// The backup to filter; `-` reads stdin.
    pub file: String,
    /// Funding outpoints (TXID:VOUT) of the channels to leave out (repeatable).
    #[arg(long, value_name = "TXID:VOUT", required = true, num_args = 1..)]
    pub discard: Vec<String>,
    /// The new file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Allow the result to hold no channel at all.
    #[arg(long)]
    pub allow_empty: bool,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The backup file to watch (lnd's channel.backup).
    pub source: PathBuf,
    /// Destination: a directory or s3://bucket/prefix. Builds with the features gcs, azure
    /// or http also take gs:// (untested: no GCS emulator), az:// and https:// URLs.
    #[arg(long = "to", value_name = "DEST", required = true)]
    pub to: Vec<String>,
    /// Replicate once and exit (for cron and tests); exit 1 when a destination failed.
    #[arg(long)]
    pub once: bool,
    /// One JSON object per replication event on stdout.
    #[arg(long)]
    pub json: bool,
    /// Polling interval in seconds (also the fallback when notifications fail).
    #[arg(long, value_name = "SECONDS", default_value_t = 2)]
    pub interval: u64,
    /// Keep the newest N history versions at each destination.
    #[arg(long, value_name = "N")]
    pub keep_last: Option<usize>,
    /// Keep history versions younger than this (e.g. 30d).
    #[arg(long, value_name = "AGE", value_parser = crate::util::parse_duration)]
    pub keep_within: Option<std::time::Duration>,
    /// Let a version with no channels, or with less than half the channels of the
    /// latest copy, become the latest copy (it is always kept in history; needs a key).
    #[arg(long)]
    pub allow_shrink: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `scb fetch`.
#[derive(Args, Debug)]
pub struct FetchArgs {
    /// The destination to fetch from (directory or object store URL).
    pub url: String,
    /// Where to write the copy (the guarded write: an existing file is archived, and one
    /// losing channels or not opening with the key is replaced only when allowed).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// A history version (full name, time stamp or hash prefix) instead of the latest.
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
    #[command(flatten)]
    pub write: WriteArgs,
}
