//! `scb create`: JSON in the vectors' schema to an encrypted backup file.

use scb_store::InputKind;
use scb_wire::{Multi, Single};

use crate::cli::CreateArgs;
use crate::cmd::write::{describe, write_multi, write_single};
use crate::error::{CliError, CliResult};
use crate::key::resolve;
use crate::util::emit;

fn read_spec(arg: &str) -> CliResult<String> {
    let bytes = if arg == "-" {
        scb_store::read_stdin(InputKind::Json)
            .map_err(|e| crate::input::read_error("<stdin>", &e))?
    } else {
        crate::input::read_file(arg, std::path::Path::new(arg), InputKind::Json)?
    };
    String::from_utf8(bytes).map_err(|_| CliError::NotABackup {
        path: if arg == "-" { "<stdin>" } else { arg }.to_owned(),
        reason: "the JSON spec is not UTF-8 text".into(),
    })
}

/// Runs `scb create`.
pub fn run(args: &CreateArgs) -> CliResult {
    if let Some(hsm) = &args.key.source.hsm_secret_file {
        return super::cln::create(args, hsm);
    }
    let key = resolve(&args.key, args.from_json == "-")?;
    let text = read_spec(&args.from_json)?;
    let spec = if args.from_json == "-" {
        "<stdin>"
    } else {
        args.from_json.as_str()
    };
    let bad = |e: serde_json::Error| CliError::Failed(format!("{spec}: invalid spec: {e}"));
    let out = args.out.display();
    if args.single {
        let single: Single = serde_json::from_str(&text).map_err(bad)?;
        let n = write_single(&args.out, &single, &key, args.hex, &args.write)?;
        return emit(&format!(
            "{out}: wrote a packed single for {} ({n} bytes, key {}, network {})\n",
            single.funding_outpoint,
            key.key.id(),
            key.network
        ));
    }
    let multi: Multi = serde_json::from_str(&text).map_err(bad)?;
    let written = write_multi(&args.out, &multi, &key, &args.write)?;
    emit(&format!(
        "{out}: wrote {} channel{} ({}, key {}, network {})\n",
        multi.singles.len(),
        if multi.singles.len() == 1 { "" } else { "s" },
        describe(&written),
        key.key.id(),
        key.network
    ))
}
