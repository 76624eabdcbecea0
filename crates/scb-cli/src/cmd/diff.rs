//! `scb diff`.
use crate::cli::DiffArgs;
use crate::error::{CliError, CliResult};
/// Runs `scb diff`.
pub fn run(_a: &DiffArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
