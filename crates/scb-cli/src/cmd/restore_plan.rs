//! `scb restore-plan`.
use crate::cli::RestorePlanArgs;
use crate::error::{CliError, CliResult};
/// Runs `scb restore-plan`.
pub fn run(_a: &RestorePlanArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
