//! `scb`: the command-line tool of the scb toolkit for lnd's static channel backups
//! (`channel.backup`): dump, verify, create, diff, merge, filter and plan restores of
//! backup files, manage their archive, check seeds, and keep off-site copies.
//!
//! Run `scb --help` (and `scb <command> --help`) for every option. The quick start uses
//! the test-only example bundled in the repository:
//!
//! ```text
//! cargo run --release -p scb-cli -- dump examples/channel.backup \
//!     --network testnet --rootkey-file examples/rootkey.tprv
//! ```
//!
//! Exit codes: 0 success, 1 the operation failed (the reason is printed on one line
//! naming the file), 2 usage error, 3 (only with `--exit-code`) `diff` found differences
//! or `restore-plan` found channels that would make lnd's restore fail.

mod cli;
mod cmd;
mod error;
mod input;
mod key;
mod render;
mod util;

use std::process::ExitCode;

use clap::Parser;

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn main() -> ExitCode {
    // Bad input must never show a Rust panic or backtrace: a bug still gets one line.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("scb: internal error (please report this bug): {info}");
    }));
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version on stdout (exit 0) and usage errors on stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                error::EXIT_USAGE
            } else {
                error::EXIT_OK
            });
        }
    };
    init_tracing(cli.verbose);
    match cmd::run(&cli.command) {
        Ok(()) => ExitCode::from(error::EXIT_OK),
        Err(e @ error::CliError::Found(_)) => {
            eprintln!("scb: {e}");
            e.into()
        }
        Err(e) => {
            eprintln!("scb: error: {e}");
            e.into()
        }
    }
}
