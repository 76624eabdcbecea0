//! The one error type of the `scb` binary, and the exit codes it maps to.

use std::fmt::Write as _;
use std::process::ExitCode;

use scb_store::Unreadable;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code when the operation failed (bad file, wrong key, I/O error, ...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error (bad or missing arguments, no key source).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `--exit-code` when the check found something: `diff` found differences,
/// `restore-plan` found channels that would make lnd's restore fail. Not 1, so that a
/// script can tell "found" from "failed".
pub const EXIT_FOUND: u8 = 3;

/// Everything that can make `scb` fail. Displayed as one lower-case line that
/// names the file (where there is one) and the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line cannot be acted on (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The input file does not exist.
    #[error("{path}: file not found")]
    NotFound {
        /// The file as given on the command line.
        path: String,
    },
    /// The input file exists but cannot be read.
    #[error("{path}: cannot read file: {reason}")]
    Unreadable {
        /// The file as given on the command line.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The bytes are not an encrypted backup at all (empty, too short, text).
    #[error("{path}: not a backup: {reason}")]
    NotABackup {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file does not open under the key: the store's verdict (wrong key, corrupted,
    /// one of the two) and its evidence, rendered.
    #[error("{path}: {}: {reason}", verdict_class(*.verdict))]
    Unopened {
        /// The file.
        path: String,
        /// The store's verdict.
        verdict: Unreadable,
        /// How we know, phrased for the user.
        reason: String,
    },
    /// The key material could not be turned into a backup key.
    #[error("key: {0}")]
    Key(String),
    /// Any other failure of the operation, already phrased for the user.
    #[error("{0}")]
    Failed(String),
    /// Not a failure: `--exit-code` was given and the check found something (exit code 3);
    /// the output was printed in full before.
    #[error("{0}")]
    Found(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Found(_) => EXIT_FOUND,
            _ => EXIT_FAILURE,
        }
    }

    /// A usage error.
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError::Usage(msg.into())
    }

    /// A failure described by `context` and an error with its whole source chain.
    pub fn failed(context: impl std::fmt::Display, err: &dyn std::error::Error) -> Self {
        CliError::Failed(format!("{context}: {}", chain(err)))
    }
}

impl From<CliError> for ExitCode {
    fn from(e: CliError) -> Self {
        ExitCode::from(e.exit_code())
    }
}

/// An error and all its sources on one line, separated by `": "`.
///
/// Every error of the workspace says its cause once, in its message or as `source()`
/// (docs/architecture.md#errors-secrets-and-tests), so each text is printed as it comes.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let _ = write!(out, ": {e}");
        cur = e.source();
    }
    out
}

/// The words a message uses for a verdict of the store.
fn verdict_class(verdict: Unreadable) -> &'static str {
    match verdict {
        Unreadable::WrongKey => "wrong key",
        Unreadable::Corrupted | Unreadable::Undecodable => "corrupted backup",
        Unreadable::Empty | Unreadable::NotABackup => "not a backup",
        // Truncated (too short to tell) and anything a newer store adds.
        _ => "wrong key or corrupted file",
    }
}

/// The result type of the commands.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_2_and_others_exit_1() {
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(
            CliError::NotFound { path: "a".into() }.exit_code(),
            EXIT_FAILURE
        );
        assert_eq!(CliError::Key("bad".into()).exit_code(), 1);
    }

    #[test]
    fn chain_joins_sources_on_one_line() {
        let io = std::io::Error::other("disk full");
        let e = scb_store::StoreError::WriteStaging {
            path: "/x/tmp".into(),
            source: io,
        };
        let s = chain(&e);
        assert_eq!(s, "cannot write staging file /x/tmp: disk full");
        assert!(!s.contains('\n'));
    }
}
