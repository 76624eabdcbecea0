//! `scb seed info`: what a seed gives, without ever printing it unless asked.

use std::fmt::Write as _;

use bitcoin::secp256k1::Secp256k1;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::cli::{Format, SeedInfoArgs};
use crate::error::CliResult;
use crate::key::resolve;
use crate::util::{emit, fmt_unix_utc, to_json};

#[derive(Serialize)]
struct Info {
    source: &'static str,
    network: String,
    birthday_days: Option<u16>,
    birthday: Option<String>,
    root_key_fingerprint: String,
    backup_key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    root_key: Option<String>,
}

/// Runs `scb seed info`.
pub fn info(args: &SeedInfoArgs) -> CliResult {
    let key = resolve(&args.key, false)?;
    let xpriv = key.master_xpriv()?;
    let secp = Secp256k1::signing_only();
    let fingerprint = xpriv.fingerprint(&secp).to_string();
    let root_key = if args.show_rootkey {
        eprintln!("warning: printing the root private key: anyone who sees it can take the funds");
        Some(Zeroizing::new(xpriv.to_string()))
    } else {
        None
    };
    let birthday = key.birthday.map(|b| {
        let (y, m, d) = b.date();
        (b.days(), format!("{y:04}-{m:02}-{d:02}"))
    });
    let info = Info {
        source: key.source.label(),
        network: key.network.to_string(),
        birthday_days: birthday.as_ref().map(|b| b.0),
        birthday: birthday.as_ref().map(|b| b.1.clone()),
        root_key_fingerprint: fingerprint,
        backup_key_id: key.key.id().to_string(),
        root_key: root_key.as_ref().map(|k| k.to_string()),
    };
    let text = match args.format {
        Format::Json => Zeroizing::new(to_json(&info)?),
        Format::Text => {
            let mut out = Zeroizing::new(String::new());
            let _ = writeln!(out, "source            {}", info.source);
            let _ = writeln!(out, "network           {}", info.network);
            match (&info.birthday, info.birthday_days, key.birthday) {
                (Some(date), Some(days), Some(b)) => {
                    let _ = writeln!(
                        out,
                        "birthday          {date} ({days} days after the genesis block; rescan from {})",
                        fmt_unix_utc(b.unix_time())
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "birthday          unknown (only an aezeed carries one)"
                    );
                }
            }
            let _ = writeln!(out, "root fingerprint  {}", info.root_key_fingerprint);
            let _ = writeln!(out, "backup key id     {}", info.backup_key_id);
            if let Some(k) = &info.root_key {
                let _ = writeln!(out, "root key          {k}");
            }
            out
        }
    };
    emit(&text)
}
