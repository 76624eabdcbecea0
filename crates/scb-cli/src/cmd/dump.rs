//! `scb dump`: decrypt and print a backup.

use bitcoin::hex::DisplayHex;
use scb_wire::MultiDecodeOptions;

use crate::cli::{DumpArgs, DumpFormat};
use crate::cmd::derive_keys;
use crate::error::CliResult;
use crate::input::{decrypt, open_multi, open_single, read_input};
use crate::key::resolve;
use crate::render::{multi_text, single_text};
use crate::util::{emit, to_json};

/// Runs `scb dump`.
pub fn run(args: &DumpArgs) -> CliResult {
    if let Some(hsm) = &args.key.source.hsm_secret_file {
        return super::cln::dump(args, hsm);
    }
    let key = resolve(&args.key, args.file == "-")?;
    let input = read_input(&args.file)?;
    if args.format == DumpFormat::Hex && args.derive_keys {
        return Err(crate::error::CliError::usage(
            "--derive-keys cannot be combined with --format hex",
        ));
    }
    if args.format == DumpFormat::Hex {
        // Check it decodes first, so garbage that happens to decrypt is reported.
        if args.single {
            open_single(&input, &key)?;
        } else {
            open_multi(&input, &key, options(args))?;
        }
        let plain = decrypt(&input, &key)?;
        let mut text = plain.to_lower_hex_string();
        text.push('\n');
        return emit(&text);
    }
    if args.single {
        let single = open_single(&input, &key)?;
        let text = if args.format == DumpFormat::Json {
            to_json(&single)?
        } else {
            let mut out = format!("{}: single channel backup\n\n", input.label);
            single_text(&mut out, "channel", &single);
            out
        };
        if args.derive_keys {
            let singles = std::slice::from_ref(&single);
            return emit(&derive_keys::extend(text, args.format, singles, &key)?);
        }
        return emit(&text);
    }
    let (multi, skipped) = open_multi(&input, &key, options(args))?;
    for s in &skipped {
        eprintln!(
            "warning: {}: skipped single {} of unknown version {} at offset {} ({} bytes)",
            input.label, s.index, s.version, s.offset, s.length
        );
    }
    let text = match args.format {
        DumpFormat::Json => to_json(&multi)?,
        _ => multi_text(&input.label, &multi),
    };
    if args.derive_keys {
        return emit(&derive_keys::extend(
            text,
            args.format,
            &multi.singles,
            &key,
        )?);
    }
    emit(&text)
}

fn options(args: &DumpArgs) -> MultiDecodeOptions {
    MultiDecodeOptions::default().skip_unknown_versions(args.skip_unknown_versions)
}
