//! One module per command.

pub mod archive;
pub mod cln;
pub mod create;
pub mod derive_keys;
pub mod diff;
pub mod dump;
pub mod filter;
pub mod force_close;
pub mod merge;
pub mod replicate;
pub mod restore_plan;
pub mod seed;
pub mod sweep;
pub mod trigger_close;
pub mod verify;
pub mod write;

use crate::cli::{ArchiveCommand, Command, SeedCommand};
use crate::error::CliResult;

/// Runs one command.
pub fn run(command: &Command) -> CliResult {
    match command {
        Command::Dump(a) => dump::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Create(a) => create::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Archive(ArchiveCommand::List(a)) => archive::list(a),
        Command::Archive(ArchiveCommand::Prune(a)) => archive::prune(a),
        Command::RestorePlan(a) => restore_plan::run(a),
        Command::Seed(SeedCommand::Info(a)) => seed::info(a),
        Command::Filter(a) => filter::run(a),
        Command::Watch(a) => replicate::watch(a),
        Command::Fetch(a) => replicate::fetch(a),
        Command::ForceClose(a) => force_close::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::TriggerClose(a) => trigger_close::run(a),
    }
}
