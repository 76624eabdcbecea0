//! Names of the objects a destination holds, the same for directories and object stores.
//!
//! ```text
//! <prefix>/channel.backup                                   latest copy
//! <prefix>/history/20261125T104200.123Z-0123456789abcdef.backup   immutable versions
//! ```
//!
//! History names sort by time as plain strings, contain no `:` (FAT-formatted USB sticks
//! refuse it) and end with the first 16 hex digits of the content's SHA-256.

use scb_store::calendar::{civil_from_days, days_from_civil};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// Name of the latest copy under a destination's prefix.
pub const LATEST_NAME: &str = "channel.backup";
/// Folder of the immutable versions under a destination's prefix.
pub const HISTORY_DIR: &str = "history";
/// File extension of a history version.
const HISTORY_EXT: &str = ".backup";
/// Hex digits of the SHA-256 kept in a history name.
const HASH_PREFIX_LEN: usize = 16;

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// One immutable version in a destination's history.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct HistoryEntry {
    /// Milliseconds since the Unix epoch (UTC): when the source file was last modified,
    /// but never later than when it was read (see [`Snapshot::version_time`](crate::Snapshot::version_time)).
    pub unix_millis: u64,
    /// The object name inside `history/`, e.g. `20261125T104200.123Z-0123456789abcdef.backup`.
    pub name: String,
}

impl HistoryEntry {
    /// The history entry for content hashed to `sha256` (hex) and stamped `time`.
    pub fn new(time: SystemTime, sha256: &str) -> Self {
        let unix_millis = time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let prefix = sha256.get(..HASH_PREFIX_LEN).unwrap_or(sha256);
        let name = format!("{}-{prefix}{HISTORY_EXT}", format_utc_millis(unix_millis));
        Self { unix_millis, name }
    }

    /// Parses a name found in `history/`; `None` for anything this crate did not write.
    pub fn parse(name: &str) -> Option<Self> {
        let stem = name.strip_suffix(HISTORY_EXT)?;
        let (stamp, hash) = stem.split_once('-')?;
        if hash.len() != HASH_PREFIX_LEN || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let unix_millis = parse_utc_millis(stamp)?;
        Some(Self {
            unix_millis,
            name: name.to_string(),
        })
    }

    /// The hash prefix carried in the name.
    pub fn hash_prefix(&self) -> &str {
        let stem = self.name.strip_suffix(HISTORY_EXT).unwrap_or(&self.name);
        stem.rsplit_once('-').map_or("", |(_, h)| h)
    }

    /// Whether `sha256` (hex) is the content this entry names.
    pub fn matches_hash(&self, sha256: &str) -> bool {
        sha256.starts_with(self.hash_prefix()) && !self.hash_prefix().is_empty()
    }

    /// The time stamp of this entry.
    pub fn time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.unix_millis)
    }
}

/// `YYYYMMDDTHHMMSS.mmmZ` for `time` (the stamp of history names), for messages.
pub(crate) fn format_utc(time: SystemTime) -> String {
    let millis = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    format_utc_millis(millis)
}

/// `YYYYMMDDTHHMMSS.mmmZ` for a Unix time in milliseconds.
fn format_utc_millis(unix_millis: u64) -> String {
    let secs = unix_millis / 1000;
    let millis = unix_millis % 1000;
    // u64::MAX / 86_400 fits in an i64, so this conversion never fails.
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Inverse of [`format_utc_millis`]; `None` unless the text is exactly that shape.
fn parse_utc_millis(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes[8] != b'T' || bytes[15] != b'.' || bytes[19] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = text.get(range)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute) = (num(9..11)?, num(11..13)?);
    let (second, millis) = (num(13..15)?, num(16..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(i64::try_from(year).ok()?, month as u32, day as u32);
    let days = u64::try_from(days).ok()?;
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn history_name_has_utc_stamp_and_hash_prefix() {
        // 2026-11-25 10:42:00.123 UTC
        let t = UNIX_EPOCH + Duration::from_millis(1_795_603_320_123);
        let e = HistoryEntry::new(t, &sha256_hex(b"abc"));
        assert_eq!(e.name, "20261125T104200.123Z-ba7816bf8f01cfea.backup");
        assert_eq!(HistoryEntry::parse(&e.name), Some(e.clone()));
        assert_eq!(e.time(), t);
        assert!(e.matches_hash(&sha256_hex(b"abc")));
        assert!(!e.matches_hash(&sha256_hex(b"abd")));
    }

    #[test]
    fn history_names_sort_by_time() {
        let a = HistoryEntry::new(
            UNIX_EPOCH + Duration::from_millis(999),
            "ff".repeat(32).as_str(),
        );
        let b = HistoryEntry::new(
            UNIX_EPOCH + Duration::from_secs(86_400 * 366),
            "00".repeat(32).as_str(),
        );
        assert!(a.name < b.name);
        assert!(a < b);
    }

    #[test]
    fn parse_rejects_foreign_names() {
        for bad in [
            "channel.backup",
            "20261125T104200.123Z-ba7816bf8f01cfea.tmp",
            "20261125T104200.123Z-ba7816bf.backup",
            "20261125T104200.123Z-zz7816bf8f01cfea.backup",
            "20261325T104200.123Z-ba7816bf8f01cfea.backup",
            "2026-11-25T10:42:00Z-ba7816bf8f01cfea.backup",
            "",
        ] {
            assert_eq!(HistoryEntry::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn calendar_round_trips_over_centuries() {
        for days in (-800_000_i64..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
