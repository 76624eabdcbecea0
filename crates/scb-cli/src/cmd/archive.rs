//! `scb archive list|prune`.
use crate::cli::{ArchiveListArgs, ArchivePruneArgs};
use crate::error::{CliError, CliResult};
/// Runs `scb archive list`.
pub fn list(_a: &ArchiveListArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
/// Runs `scb archive prune`.
pub fn prune(_a: &ArchivePruneArgs) -> CliResult {
    Err(CliError::Failed("todo".into()))
}
