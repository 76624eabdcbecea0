//! `scb watch` and `scb fetch`.
use crate::cli::{FetchArgs, WatchArgs};
use crate::error::{CliError, CliResult};
/// Runs `scb watch`.
pub fn watch(_a: &WatchArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
/// Runs `scb fetch`.
pub fn fetch(_a: &FetchArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
