//! `scb create --hsm-secret-file`: an `emergency.recover` from its JSON form.

use std::path::Path;

use serde_json::Value;

use crate::cli::CreateArgs;
use crate::error::{CliError, CliResult};
use crate::util::emit;

use super::input::describe;
use super::key::{read_limited, resolve_hsm};

/// `scb create --from-json SPEC --out FILE --hsm-secret-file PATH`: writes an
/// `emergency.recover` from the JSON form, crash-safely, mode 0400 as Core
/// Lightning writes it. Refuses to replace an existing file without `--force`.
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
    let out = &args.out;
    let shown = out.display().to_string();
    if out.exists() && !args.write.force {
        return Err(CliError::Failed(format!(
            "{shown}: exists; scb does not replace an emergency.recover without --force \
             (Core Lightning keeps only this one copy)"
        )));
    }
    let bytes = scb_cln::seal(&backup, &key.key, &mut scb_crypto::OsRng)
        .map_err(|e| CliError::Failed(format!("{label}: {e}")))?;
    // Read our own bytes back before they replace anything.
    let reopened =
        scb_cln::open(&bytes, &key.key).map_err(|e| CliError::failed("read-back", &e))?;
    if reopened != backup {
        return Err(CliError::Failed(
            "read-back: the encrypted file does not decode to the input".into(),
        ));
    }
    scb_store::write_file_atomically(out, &bytes).map_err(|e| CliError::failed(&shown, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o400))
            .map_err(|e| CliError::failed(format!("{shown}: chmod 0400"), &e))?;
    }
    emit(&format!(
        "{shown}: wrote {} ({} bytes)\n",
        describe(&backup),
        bytes.len()
    ))
}
