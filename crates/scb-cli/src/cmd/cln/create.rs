//! `scb create --hsm-secret-file`: an `emergency.recover` from its JSON form.

use std::path::Path;

use bitcoin::OutPoint;
use scb_cln::ScbKey;
use scb_store::{BackupFormat, Content, NotOpened};
use serde_json::Value;

use crate::cli::CreateArgs;
use crate::cmd::write::{describe as describe_write, write_format};
use crate::error::{CliError, CliResult};
use crate::util::emit;

use super::input::describe;
use super::key::{read_limited, resolve_hsm};

/// `scb create --from-json SPEC --out FILE --hsm-secret-file PATH`: writes an
/// `emergency.recover` from the JSON form through the store's one guarded write
/// (docs/durability.md): mode 0400 as Core Lightning writes it, the previous version
/// archived, and an existing file replaced only if it opens with this secret and keeps
/// its channels (`--force`, `--allow-shrink` otherwise).
pub fn create(args: &CreateArgs, hsm: &Path) -> CliResult {
    if args.single || args.hex || !args.write.mirror.is_empty() {
        return Err(CliError::usage(
            "--single, --hex and --mirror are for lnd backups, not with --hsm-secret-file",
        ));
    }
    let key = resolve_hsm(hsm, args.from_json == "-")?;
    let (label, spec) = read_limited(&args.from_json, 64 << 20)?;
    let value: Value = serde_json::from_slice(&spec)
        .map_err(|e| CliError::Failed(format!("{label}: not JSON: {e}")))?;
    let backup =
        scb_cln::json::from_json(&value).map_err(|e| CliError::Failed(format!("{label}: {e}")))?;
    let bytes = scb_cln::seal(&backup, &key.key, &mut scb_crypto::OsRng)
        .map_err(|e| CliError::Failed(format!("{label}: {e}")))?;
    // The sealed bytes decode to the whole input, not only to its channels (which the
    // store checks), before they replace anything.
    let reopened =
        scb_cln::open(&bytes, &key.key).map_err(|e| CliError::failed("read-back", &e))?;
    if reopened != backup {
        return Err(CliError::Failed(
            "read-back: the encrypted file does not decode to the input".into(),
        ));
    }
    let channels: Vec<OutPoint> = backup.channels.iter().map(|c| c.funding_outpoint).collect();
    let format = EmergencyRecover { key: &key.key };
    let written = write_format(
        &args.out,
        &bytes,
        &Content::Channels(&channels),
        &format,
        &args.write,
    )?;
    emit(&format!(
        "{}: wrote {}, {}\n",
        args.out.display(),
        describe(&backup),
        describe_write(&written)
    ))
}

/// Core Lightning's `emergency.recover` for the store's guarded write: opened with the
/// key of an `hsm_secret`, channels identified by funding outpoint, mode 0400.
struct EmergencyRecover<'a> {
    key: &'a ScbKey,
}

impl BackupFormat for EmergencyRecover<'_> {
    fn name(&self) -> &'static str {
        "Core Lightning emergency.recover"
    }

    fn open(&self, bytes: &[u8]) -> Result<Vec<OutPoint>, NotOpened> {
        // The library's message already says when a wrong hsm_secret and a damaged file
        // cannot be told apart.
        scb_cln::open(bytes, self.key)
            .map(|backup| backup.channels.iter().map(|c| c.funding_outpoint).collect())
            .map_err(|e| NotOpened::Rejected(e.to_string()))
    }

    fn file_mode(&self) -> u32 {
        // Core Lightning's chanbackup plugin writes emergency.recover read-only.
        0o400
    }
}
