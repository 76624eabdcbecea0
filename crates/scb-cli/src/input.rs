//! Reading backup files (or stdin) and opening them, with errors that tell a missing
//! file, an unreadable file, something that is not a backup, a wrong key and a
//! corrupted file apart wherever the bytes allow it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use bitcoin::hex::FromHex;
use bitcoin::OutPoint;
use scb_crypto::{Zeroizing, EMPTY_MULTI_PACKED_LEN, NONCE_LEN};
use scb_store::{
    Diagnosis, Evidence, InputKind, MultiFile, MultiFileOptions, Probe, StoreError, Unreadable,
};
use scb_wire::{Multi, MultiDecodeOptions, Single, SkippedSingle};

use crate::error::{CliError, CliResult};
use crate::key::ResolvedKey;

/// The bytes of one input, and how to name it in messages.
#[derive(Debug)]
pub struct Input {
    /// The name used in messages (the path as given, or `<stdin>`).
    pub label: String,
    /// The file, when the input is not stdin.
    pub path: Option<PathBuf>,
    /// The packed bytes (hex input already decoded).
    pub bytes: Vec<u8>,
    /// Whether the input was hex text.
    pub was_hex: bool,
}

/// Reads `arg` (a path, or `-` for stdin), bounded as a backup. Hex text (as
/// `lncli exportchanbackup` prints it) is decoded to bytes.
pub fn read_input(arg: &str) -> CliResult<Input> {
    let (label, path, raw) = if arg == "-" {
        let raw =
            scb_store::read_stdin(InputKind::Backup).map_err(|e| read_error("<stdin>", &e))?;
        ("<stdin>".to_owned(), None, raw)
    } else {
        let path = PathBuf::from(arg);
        let raw = read_file(arg, &path, InputKind::Backup)?;
        (arg.to_owned(), Some(path), raw)
    };
    let (bytes, was_hex) = match decode_hex_text(&raw) {
        Some(b) => (b, true),
        None => (raw, false),
    };
    Ok(Input {
        label,
        path,
        bytes,
        was_hex,
    })
}

/// Reads a whole input file with the store's bounded read for `kind`.
pub fn read_file(label: &str, path: &Path, kind: InputKind) -> CliResult<Vec<u8>> {
    scb_store::read_input_file(path, kind).map_err(|e| read_error(label, &e))
}

/// The CLI's class for a failed bounded read.
pub fn read_error(label: &str, e: &StoreError) -> CliError {
    if e.is_not_found() {
        return CliError::NotFound {
            path: label.to_owned(),
        };
    }
    CliError::Unreadable {
        path: label.to_owned(),
        reason: read_reason(e),
    }
}

/// Why a bounded read failed, without the path.
pub fn read_reason(e: &StoreError) -> String {
    match e {
        StoreError::NotRegular {
            what: "a directory",
            ..
        } => "is a directory".into(),
        StoreError::NotRegular { what, .. } => format!("is {what}, not a regular file"),
        StoreError::TooLarge { limit, .. } => {
            format!("larger than the {} MiB limit", limit.div_ceil(1 << 20))
        }
        StoreError::Read { source, .. }
            if source.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            "permission denied".into()
        }
        StoreError::Read { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// Decodes hex text (whitespace allowed around and between lines); `None` when the
/// bytes are not entirely hex digits. A binary packed backup is never all hex digits
/// in practice: its 24-byte random nonce alone would have to be.
fn decode_hex_text(raw: &[u8]) -> Option<Vec<u8>> {
    // Binary input fails this at its first non-hex byte, before anything is allocated:
    // reading a backup never needs twice its size.
    if !raw
        .iter()
        .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace())
    {
        return None;
    }
    let digits: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if digits.len() < 2
        || !digits.len().is_multiple_of(2)
        || !digits.iter().all(u8::is_ascii_hexdigit)
    {
        return None;
    }
    let text = std::str::from_utf8(&digits).ok()?;
    Vec::<u8>::from_hex(text).ok()
}

/// The store's view of the file an input came from (its manifest and archive), when it
/// has a usable file name.
pub fn backup_file(path: &Path) -> Option<MultiFile> {
    MultiFile::new(path, MultiFileOptions::default()).ok()
}

/// Decrypts `input` with `key`; the store diagnoses failures, this renders them.
pub fn decrypt(input: &Input, key: &ResolvedKey) -> CliResult<Zeroizing<Vec<u8>>> {
    let other = key.other_coin_type();
    let file = input.path.as_deref().and_then(backup_file);
    let probe = Probe {
        file: file.as_ref(),
        other_network: other.as_ref().map(|(n, k)| (*n, k)),
        was_text: input.was_hex,
    };
    scb_store::open_packed(&input.bytes, &key.key, &probe)
        .map_err(|d| render_diagnosis(&input.label, &d, key))
}

/// The one-line error for a diagnosis of `label` under `key`.
pub fn render_diagnosis(label: &str, d: &Diagnosis, key: &ResolvedKey) -> CliError {
    let path = label.to_owned();
    match &d.evidence {
        Evidence::ShorterThanNonce { len } => CliError::NotABackup {
            path,
            reason: format!(
                "{len} bytes is shorter than the {NONCE_LEN}-byte nonce every packed backup starts with"
            ),
        },
        Evidence::OtherNetwork { network } => CliError::Unopened {
            path,
            verdict: d.verdict,
            reason: format!(
                "it opens with this key on --network {} (coin type {}), not on {}",
                network.as_str(),
                network.coin_type(),
                key.network
            ),
        },
        Evidence::Text { json } => CliError::NotABackup {
            path,
            reason: format!(
                "the file is text, not an encrypted backup{}",
                if *json {
                    " (JSON? `scb create --from-json` turns JSON into a backup)"
                } else {
                    ""
                }
            ),
        },
        Evidence::MatchesManifest { sequence } => CliError::Unopened {
            path,
            verdict: d.verdict,
            reason: format!(
                "the file matches its manifest (sequence {sequence}), so it is intact and \
                 key {} ({}, {}) is not the one it was written with",
                key.key.id(),
                key.source.label(),
                key.network
            ),
        },
        Evidence::ManifestLength { len, manifest_len } => CliError::Unopened {
            path,
            verdict: d.verdict,
            reason: format!(
                "the file is {len} bytes but its manifest records {manifest_len} (truncated or \
                 replaced); decryption failed"
            ),
        },
        Evidence::DiffersFromManifest => CliError::Unopened {
            path,
            verdict: d.verdict,
            reason: "the content differs from its manifest (corrupted, or rewritten by \
                     another program) and does not decrypt"
                .into(),
        },
        Evidence::ArchiveOpens { name } => CliError::Unopened {
            path,
            verdict: d.verdict,
            reason: format!(
                "this key opens the archived version {name}, so the key is right and \
                 the file is damaged"
            ),
        },
        Evidence::Decode { error } => CliError::Unopened {
            path,
            verdict: d.verdict,
            reason: format!(
                "it decrypts with this key but is not a valid multi-channel backup: {error}"
            ),
        },
        Evidence::Unexplained {
            len,
            shorter_than_empty,
        } => {
            let short = if *shorter_than_empty {
                format!(
                    "; at {len} bytes it is shorter than an empty backup ({EMPTY_MULTI_PACKED_LEN} bytes), so it is probably truncated"
                )
            } else {
                String::new()
            };
            CliError::Unopened {
                path,
                verdict: d.verdict,
                reason: format!(
                    "authentication failed with key {} ({}, network {}); the cipher cannot tell a \
                     wrong key from damaged bytes{short}",
                    key.key.id(),
                    key.source.label(),
                    key.network
                ),
            }
        }
        // An empty file, and any verdict a newer store adds.
        _ => CliError::NotABackup {
            path,
            reason: if matches!(d.evidence, Evidence::Bytes) {
                "the file is empty (0 bytes)".into()
            } else {
                d.to_string()
            },
        },
    }
}

/// Decrypts and decodes a packed multi (`channel.backup`).
pub fn open_multi(
    input: &Input,
    key: &ResolvedKey,
    options: MultiDecodeOptions,
) -> CliResult<(Multi, Vec<SkippedSingle>)> {
    let plain = decrypt(input, key)?;
    match Multi::decode_with_skipped(&plain, options) {
        Ok(v) => Ok(v),
        Err(e) => {
            if Single::decode(&plain).is_ok() {
                return Err(CliError::NotABackup {
                    path: input.label.clone(),
                    reason: "this is a packed single channel backup, not a multi: add --single"
                        .into(),
                });
            }
            if matches!(e, scb_wire::DecodeError::UnknownVersion { .. }) {
                // The key is right and the bytes authenticate: a newer format, not damage.
                return Err(CliError::Failed(format!(
                    "{}: unsupported backup format: {e} (written by a newer lnd? \
                     --skip-unknown-versions reads the other channels)",
                    input.label
                )));
            }
            Err(CliError::Unopened {
                path: input.label.clone(),
                verdict: Unreadable::Undecodable,
                reason: format!(
                    "it decrypts with this key but is not a valid multi-channel backup: {e}"
                ),
            })
        }
    }
}

/// Decrypts and decodes a packed single.
pub fn open_single(input: &Input, key: &ResolvedKey) -> CliResult<Single> {
    let plain = decrypt(input, key)?;
    Single::decode(&plain).map_err(|e| {
        if Multi::decode(&plain).is_ok() {
            return CliError::NotABackup {
                path: input.label.clone(),
                reason: "this is a multi-channel backup, not a single: drop --single".into(),
            };
        }
        CliError::Unopened {
            path: input.label.clone(),
            verdict: Unreadable::Undecodable,
            reason: format!("it decrypts with this key but is not a valid single: {e}"),
        }
    })
}

/// The channels of a packed single (`single`) or of a packed multi read as lnd reads it.
pub fn open_singles(input: &Input, key: &ResolvedKey, single: bool) -> CliResult<Vec<Single>> {
    if single {
        return Ok(vec![open_single(input, key)?]);
    }
    Ok(open_multi(input, key, MultiDecodeOptions::default())?
        .0
        .singles)
}

/// The funding outpoints among `wanted` that no channel of `singles` has, in text and
/// sorted: what `--channel` / `--discard` named but the backup does not hold.
pub fn absent_channels<'a>(
    singles: &[Single],
    wanted: impl IntoIterator<Item = &'a OutPoint>,
) -> Vec<String> {
    let present: HashSet<OutPoint> = singles.iter().map(|s| s.funding_outpoint).collect();
    let mut absent: Vec<String> = wanted
        .into_iter()
        .filter(|o| !present.contains(o))
        .map(ToString::to_string)
        .collect();
    absent.sort();
    absent
}

/// Opens a multi file with default (lnd) decoding.
pub fn load_multi(arg: &str, key: &ResolvedKey) -> CliResult<(Input, Multi)> {
    let input = read_input(arg)?;
    let (multi, _) = open_multi(&input, key, MultiDecodeOptions::default())?;
    Ok((input, multi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_text_is_decoded_and_binary_is_not() {
        assert_eq!(
            decode_hex_text(b"00ff\n10 20\n"),
            Some(vec![0, 0xff, 0x10, 0x20])
        );
        assert_eq!(decode_hex_text(b"abc"), None);
        assert_eq!(decode_hex_text(&[0x00, 0x9f, 0x10, 0x20]), None);
        assert_eq!(decode_hex_text(b""), None);
    }
}
