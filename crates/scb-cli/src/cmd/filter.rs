//! `scb filter`.
use crate::cli::FilterArgs;
use crate::error::{CliError, CliResult};
/// Runs `scb filter`.
pub fn run(_a: &FilterArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
