//! `scb seed`.
use crate::cli::SeedInfoArgs;
use crate::error::{CliError, CliResult};
/// Runs `scb seed info`.
pub fn info(_a: &SeedInfoArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
