//! An `emergency.recover` as given on the command line: read in any of its three forms,
//! opened with the key, and described in one line.

use scb_cln::{Backup, ClnVerdict, MessageType};
use scb_store::Unreadable;
use serde_json::Value;

use super::key::{read_limited, ClnKey};
use crate::error::{CliError, CliResult};
use crate::util::fmt_unix_utc;

/// An `emergency.recover` as read: binary, hex text or `clnemerg1…` text.
pub(super) struct ClnInput {
    pub(super) label: String,
    pub(super) bytes: Vec<u8>,
}

pub(super) fn read_emergency_recover(arg: &str) -> CliResult<ClnInput> {
    let (label, raw) = read_limited(arg, scb_cln::MAX_FILE_LEN as u64)?;
    let text = std::str::from_utf8(&raw).ok().map(str::trim);
    let bytes = match text {
        Some(t) if scb_cln::bech32::is_bech32_form(t) => {
            scb_cln::bech32::decode(t).map_err(|e| CliError::NotABackup {
                path: label.clone(),
                reason: e.to_string(),
            })?
        }
        Some(t)
            if t.len() >= 2
                && t.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace()) =>
        {
            let digits: String = t.split_whitespace().collect();
            <Vec<u8> as bitcoin::hex::FromHex>::from_hex(&digits).unwrap_or(raw)
        }
        _ => raw,
    };
    Ok(ClnInput { label, bytes })
}

/// Opens a file with the key, mapping the library's verdicts to the CLI's classes.
pub(super) fn open(input: &ClnInput, key: &ClnKey) -> CliResult<Backup> {
    let path = input.label.clone();
    scb_cln::open(&input.bytes, &key.key).map_err(|e| match e.cln_verdict() {
        Some(ClnVerdict::Corrupted) if matches!(e, scb_cln::Error::FileTooShort { .. }) => {
            CliError::NotABackup {
                path,
                reason: e.to_string(),
            }
        }
        Some(ClnVerdict::Corrupted) => CliError::Unopened {
            path,
            verdict: Unreadable::WrongKeyOrCorrupted,
            reason: format!(
                "emergency.recover does not authenticate under the key of this {} hsm_secret \
                 (the format cannot tell a wrong hsm_secret from a damaged file)",
                key.kind.name()
            ),
        },
        _ => CliError::Unopened {
            path,
            verdict: Unreadable::Undecodable,
            reason: format!("it decrypts but Core Lightning would refuse it: {e}"),
        },
    })
}

pub(super) fn describe(b: &Backup) -> String {
    let (format, plural) = (
        format_name(b.message_type),
        if b.channels.len() == 1 { "" } else { "s" },
    );
    format!(
        "Core Lightning emergency.recover ({format}), version {}, written {}, {} channel{plural}",
        b.version,
        fmt_unix_utc(u64::from(b.timestamp)),
        b.channels.len()
    )
}

pub(super) fn format_name(t: MessageType) -> &'static str {
    match t {
        MessageType::WithTlvs => "format 6137 with TLVs",
        MessageType::Legacy => "legacy format 6135",
    }
}

pub(super) fn json_text(v: &Value) -> CliResult<String> {
    crate::util::to_json(v)
}
