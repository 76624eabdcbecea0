//! The `hsm_secret` given with `--hsm-secret-file`: read, passphrase asked, key derived.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scb_cln::{HsmSecret, HsmSecretKind, ScbKey};
use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};

/// Environment variable holding the `hsm_secret` passphrase (encrypted or
/// BIP39-with-passphrase forms).
pub const ENV_HSM_SECRET_PASSPHRASE: &str = "SCB_HSM_SECRET_PASSPHRASE";

/// Largest `hsm_secret` read: the longest form (32 bytes and 24 BIP39 words) is under 300 bytes.
pub(super) const MAX_HSM_SECRET_LEN: u64 = 4096;

/// The key of one `hsm_secret`, and what it was.
pub struct ClnKey {
    pub(super) key: ScbKey,
    pub(super) kind: HsmSecretKind,
}

/// Reads `path` (regular file, at most `limit` bytes), or stdin for `-`.
pub(super) fn read_limited(arg: &str, limit: u64) -> CliResult<(String, Vec<u8>)> {
    let label = if arg == "-" {
        "<stdin>".to_owned()
    } else {
        arg.to_owned()
    };
    let unreadable = |reason: String| CliError::Unreadable {
        path: label.clone(),
        reason,
    };
    let mut bytes = Vec::new();
    if arg == "-" {
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(e.to_string()))?;
    } else {
        let meta = std::fs::metadata(arg).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CliError::NotFound {
                path: label.clone(),
            },
            _ => unreadable(e.to_string()),
        })?;
        if !meta.is_file() {
            return Err(unreadable("not a regular file".into()));
        }
        if meta.len() > limit {
            return Err(CliError::NotABackup {
                path: label,
                reason: format!("{} bytes is larger than the {limit}-byte limit", meta.len()),
            });
        }
        // Sized up front: an hsm_secret read in one go leaves no reallocated copies behind.
        bytes.reserve_exact(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
        std::fs::File::open(arg)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(|e| unreadable(e.to_string()))?;
    }
    if bytes.len() as u64 > limit {
        return Err(CliError::NotABackup {
            path: label,
            reason: format!("more than the {limit}-byte limit"),
        });
    }
    Ok((label, bytes))
}

/// Reads the `hsm_secret` and derives the `emergency.recover` key, asking for
/// the passphrase when the form needs one. `stdin_busy`: a file is read from stdin.
pub fn resolve_hsm(path: &Path, stdin_busy: bool) -> CliResult<ClnKey> {
    let shown = path.display().to_string();
    let (_, bytes) = read_limited(&shown, MAX_HSM_SECRET_LEN)
        .map_err(|e| CliError::Key(format!("hsm_secret {e}")))?;
    let bytes = Zeroizing::new(bytes);
    let hsm = HsmSecret::from_bytes(&bytes).map_err(|e| CliError::Key(format!("{shown}: {e}")))?;
    let kind = hsm.kind();
    let env = std::env::var(ENV_HSM_SECRET_PASSPHRASE)
        .ok()
        .map(Zeroizing::new);
    let passphrase = if kind.needs_passphrase() {
        if let Some(p) = env {
            Some(p)
        } else if !stdin_busy && std::io::stdin().is_terminal() {
            let p = rpassword::prompt_password(format!(
                "passphrase of {shown} ({}, hidden): ",
                kind.name()
            ))
            .map_err(|e| CliError::Failed(format!("cannot read from the terminal: {e}")))?;
            Some(Zeroizing::new(p))
        } else {
            return Err(CliError::usage(format!(
                "{shown} ({} hsm_secret) needs its passphrase: give it in {ENV_HSM_SECRET_PASSPHRASE} \
                 or run at a terminal to be asked",
                kind.name()
            )));
        }
    } else {
        if env.is_some() {
            eprintln!(
                "warning: {ENV_HSM_SECRET_PASSPHRASE} is set but {shown} ({} hsm_secret) has no \
                 passphrase; ignored",
                kind.name()
            );
        }
        None
    };
    let spinner = (kind == HsmSecretKind::Encrypted).then(|| {
        spinner(
            "deriving the hsm_secret key from the passphrase (Argon2id, 256 MiB, about a second)",
        )
    });
    let data = hsm.secret_data(passphrase.as_ref().map(|p| p.as_str()));
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let data = data.map_err(|e| CliError::Key(format!("{shown}: {e}")))?;
    Ok(ClnKey {
        key: data.scb_key(),
        kind,
    })
}

/// A spinner on stderr (hidden when stderr is not a terminal).
fn spinner(what: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}
