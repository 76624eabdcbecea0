//! Small helpers: output, durations, UTC times, chain and channel-type names.

use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scb_wire::SingleVersion;

use crate::error::{CliError, CliResult};

/// Writes `text` to stdout. A closed pipe (`scb dump ... | head`) is not an error.
pub fn emit(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(format!("cannot write to stdout: {e}"))),
    }
}

/// `text` with control characters (C0, DEL, C1) escaped as `\u{..}`, for printing
/// values from a backup (DNS host names are arbitrary bytes: a hostile peer could
/// otherwise put terminal escape sequences on the user's screen).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Pretty JSON with a trailing newline.
pub fn to_json<T: serde::Serialize>(value: &T) -> CliResult<String> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| CliError::Failed(format!("cannot produce json: {e}")))
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// Parses `30d`, `12h`, `90m`, `45s`, `2w` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("bad duration {s:?}: expected e.g. 30d, 12h, 90m, 45s, 2w"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("bad duration unit in {s:?}: use s, m, h, d or w")),
    };
    n.checked_mul(secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("duration {s:?} is too large"))
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time in seconds.
pub fn fmt_unix_utc(secs: u64) -> String {
    match i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
    {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        // Beyond the year 262,143: no calendar date to show.
        None => format!("{secs} s after 1970-01-01 00:00:00 UTC"),
    }
}

/// [`fmt_unix_utc`] for a `SystemTime` (times before 1970 print as 1970).
pub fn fmt_utc(t: SystemTime) -> String {
    fmt_unix_utc(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// The chain a single's `chain_hash` (wire order) names (btcd's name, as lnd
/// logs it), or `None` for an unknown chain.
pub fn chain_name(chain_hash: &[u8; 32]) -> Option<&'static str> {
    scb_crypto::Network::from_chain_hash(chain_hash).map(scb_crypto::Network::chain_name)
}

/// The channel type a single's version stands for (docs/format.md#single).
pub fn channel_type(v: SingleVersion) -> &'static str {
    match v {
        SingleVersion::Default => "legacy commitment (tweaked to_remote)",
        SingleVersion::Tweakless => "static remote key (tweakless)",
        SingleVersion::Anchors => "anchor outputs",
        SingleVersion::AnchorsZeroFeeHtlcTx => "anchors, zero-fee htlc transactions",
        SingleVersion::ScriptEnforcedLease => "anchors, zero-fee htlc, script-enforced lease",
        SingleVersion::SimpleTaproot => "simple taproot (staging scripts)",
        SingleVersion::TapscriptRoot => "simple taproot with tapscript root (custom channel)",
        SingleVersion::SimpleTaprootFinal => "simple taproot (final scripts)",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_terminal_control_characters() {
        assert_eq!(printable("node.example.com:9735"), "node.example.com:9735");
        let shown = printable("a\u{1b}[31mred\u{7}\u{9b}x:1");
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(shown, "a\\u{1b}[31mred\\u{7}\\u{9b}x:1");
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert!(parse_duration("3y").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
    }

    #[test]
    fn utc_formatting_matches_known_dates() {
        assert_eq!(fmt_unix_utc(0), "1970-01-01 00:00:00 UTC");
        // The genesis block's time stamp.
        assert_eq!(fmt_unix_utc(1_231_006_505), "2009-01-03 18:15:05 UTC");
        assert_eq!(fmt_unix_utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn chain_names_match_rust_bitcoin_genesis_hashes() {
        use bitcoin::hashes::Hash;
        for (net, name) in [
            (bitcoin::Network::Bitcoin, "mainnet"),
            (bitcoin::Network::Testnet, "testnet3"),
            (bitcoin::Network::Signet, "signet"),
            (bitcoin::Network::Regtest, "regtest"),
        ] {
            let hash = bitcoin::constants::genesis_block(net).block_hash();
            assert_eq!(chain_name(&hash.to_byte_array()), Some(name));
        }
        assert_eq!(chain_name(&[0; 32]), None);
    }
}
