//! `scb verify --hsm-secret-file`: whether the file opens, in one line.

use std::path::Path;

use crate::cli::VerifyArgs;
use crate::error::{CliError, CliResult};
use crate::util::emit;

use super::input::{describe, open, read_emergency_recover};
use super::key::resolve_hsm;

/// `scb verify --hsm-secret-file`.
pub fn verify(args: &VerifyArgs, hsm: &Path) -> CliResult {
    if args.single || args.seed_check {
        return Err(CliError::usage(
            "--single and --seed-check are for lnd backups, not with --hsm-secret-file",
        ));
    }
    let key = resolve_hsm(hsm, args.file == "-")?;
    let input = read_emergency_recover(&args.file)?;
    let backup = open(&input, &key)?;
    emit(&format!(
        "{}: ok: {}; opens with this {} hsm_secret\n",
        input.label,
        describe(&backup),
        key.kind.name()
    ))
}
