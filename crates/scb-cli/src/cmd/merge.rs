//! `scb merge`.
use crate::cli::MergeArgs;
use crate::error::{CliError, CliResult};
/// Runs `scb merge`.
pub fn run(_a: &MergeArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
