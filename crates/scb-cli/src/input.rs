//! Reading backup files (or stdin) and opening them, with errors that tell a missing
//! file, an unreadable file, something that is not a backup, a wrong key and a
//! corrupted file apart wherever the bytes allow it.

use std::io::Read;
use std::path::{Path, PathBuf};

use bitcoin::hex::FromHex;
use scb_crypto::{Network, UnpackError, Zeroizing, NONCE_LEN, OVERHEAD};
use scb_store::{Manifest, MANIFEST_SUFFIX};
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

/// Reads `arg` (a path, or `-` for stdin). Hex text (as `lncli exportchanbackup`
/// prints it) is decoded to bytes.
pub fn read_input(arg: &str) -> CliResult<Input> {
    let (label, path, raw) = if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::Unreadable {
                path: "<stdin>".into(),
                reason: e.to_string(),
            })?;
        ("<stdin>".to_owned(), None, buf)
    } else {
        let path = PathBuf::from(arg);
        (arg.to_owned(), Some(path.clone()), read_file(arg, &path)?)
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

/// Reads a whole file, mapping the operating system's errors to the CLI's classes.
pub fn read_file(label: &str, path: &Path) -> CliResult<Vec<u8>> {
    if path.is_dir() {
        return Err(CliError::Unreadable {
            path: label.to_owned(),
            reason: "is a directory".into(),
        });
    }
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CliError::NotFound {
            path: label.to_owned(),
        },
        std::io::ErrorKind::PermissionDenied => CliError::Unreadable {
            path: label.to_owned(),
            reason: "permission denied".into(),
        },
        _ => CliError::Unreadable {
            path: label.to_owned(),
            reason: e.to_string(),
        },
    })
}

/// Decodes hex text (whitespace allowed around and between lines); `None` when the
/// bytes are not entirely hex digits. A binary packed backup is never all hex digits
/// in practice: its 24-byte random nonce alone would have to be.
fn decode_hex_text(raw: &[u8]) -> Option<Vec<u8>> {
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

/// The sidecar manifest of `path`, if one exists and parses.
pub fn manifest_of(path: &Path) -> Option<Manifest> {
    let name = path.file_name()?.to_str()?;
    let manifest = path.with_file_name(format!("{name}{MANIFEST_SUFFIX}"));
    let bytes = std::fs::read(manifest).ok()?;
    Manifest::parse(&bytes).ok()
}

/// The newest of the last few archive entries of `path` that `key` opens.
fn archive_opening(path: &Path, key: &ResolvedKey) -> Option<String> {
    let entries = scb_store::Archive::for_backup(path).ok()?.list().ok()?;
    entries.iter().rev().take(3).find_map(|e| {
        let bytes = std::fs::read(&e.path).ok()?;
        key.key.decrypt(&bytes).ok().map(|_| e.name.clone())
    })
}

fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes)
            .is_ok_and(|s| s.chars().all(|c| !c.is_control() || c.is_whitespace()))
}

fn network_flag(n: Network) -> &'static str {
    n.as_str()
}

/// Decrypts `input` with `key`, diagnosing failures.
pub fn decrypt(input: &Input, key: &ResolvedKey) -> CliResult<Zeroizing<Vec<u8>>> {
    let bytes = &input.bytes;
    let label = &input.label;
    if bytes.is_empty() {
        return Err(CliError::NotABackup {
            path: label.clone(),
            reason: "the file is empty (0 bytes)".into(),
        });
    }
    if bytes.len() < NONCE_LEN {
        return Err(CliError::NotABackup {
            path: label.clone(),
            reason: format!(
                "{} bytes is shorter than the {NONCE_LEN}-byte nonce every packed backup starts with",
                bytes.len()
            ),
        });
    }
    match key.key.decrypt(bytes) {
        Ok(plain) => Ok(plain),
        Err(UnpackError::Authentication) => Err(diagnose_auth_failure(input, key)),
        Err(e) => Err(CliError::failed(label, &e)),
    }
}

fn diagnose_auth_failure(input: &Input, key: &ResolvedKey) -> CliError {
    let label = input.label.clone();
    let bytes = &input.bytes;
    if let Some((other, other_key)) = key.other_coin_type() {
        if other_key.decrypt(bytes).is_ok() {
            return CliError::WrongKey {
                path: label,
                reason: format!(
                    "it opens with this key on --network {} (coin type {}), not on {}",
                    network_flag(other),
                    other.coin_type(),
                    key.network
                ),
            };
        }
    }
    if !input.was_hex && looks_like_text(bytes) {
        let hint = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            " (JSON? `scb create --from-json` turns JSON into a backup)"
        } else {
            ""
        };
        return CliError::NotABackup {
            path: label,
            reason: format!("the file is text, not an encrypted backup{hint}"),
        };
    }
    if let Some(manifest) = input.path.as_deref().and_then(manifest_of) {
        if manifest.describes(bytes) {
            return CliError::WrongKey {
                path: label,
                reason: format!(
                    "the file matches its manifest (sequence {}), so it is intact and \
                     key {} ({}, {}) is not the one it was written with",
                    manifest.sequence,
                    key.key.id(),
                    key.source.label(),
                    key.network
                ),
            };
        }
        if manifest.file_len != bytes.len() as u64 {
            return CliError::Corrupted {
                path: label,
                reason: format!(
                    "the file is {} bytes but its manifest records {} (truncated or replaced); \
                     decryption failed",
                    bytes.len(),
                    manifest.file_len
                ),
            };
        }
        return CliError::Corrupted {
            path: label,
            reason: "the content differs from its manifest (corrupted, or rewritten by \
                     another program) and does not decrypt"
                .into(),
        };
    }
    if let Some(archived) = input.path.as_deref().and_then(|p| archive_opening(p, key)) {
        return CliError::Corrupted {
            path: label,
            reason: format!(
                "this key opens the archived version {archived}, so the key is right and \
                 the file is damaged"
            ),
        };
    }
    let min = OVERHEAD + 5;
    let short = if bytes.len() < min {
        format!(
            "; at {} bytes it is shorter than an empty backup ({min} bytes), so it is probably truncated",
            bytes.len()
        )
    } else {
        String::new()
    };
    CliError::WrongKeyOrCorrupted {
        path: label,
        reason: format!(
            "authentication failed with key {} ({}, network {}); the cipher cannot tell a \
             wrong key from damaged bytes{short}",
            key.key.id(),
            key.source.label(),
            key.network
        ),
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
            Err(CliError::Corrupted {
                path: input.label.clone(),
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
        CliError::Corrupted {
            path: input.label.clone(),
            reason: format!("it decrypts with this key but is not a valid single: {e}"),
        }
    })
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

    #[test]
    fn text_detection() {
        assert!(looks_like_text(b"{\"version\": 0}\n"));
        assert!(!looks_like_text(&[0x00, 0x01, 0xff]));
        assert!(!looks_like_text(b""));
    }
}
