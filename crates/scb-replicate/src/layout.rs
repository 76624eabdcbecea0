//! Names of the objects a destination holds, the same for directories and object stores.
//!
//! ```text
//! <prefix>/channel.backup                                   latest copy
//! <prefix>/history/20261125T104200.123Z-0123456789abcdef.backup   immutable versions
//! ```
//!
//! History names sort by time as plain strings, contain no `:` (FAT-formatted USB sticks
//! refuse it) and end with the first 16 hex digits of the content's SHA-256.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, Utc};

/// SHA-256 of `bytes` as lower-case hex (the one in `scb-store`, which its manifests use).
pub use scb_store::sha256_hex;

/// Name of the latest copy under a destination's prefix.
pub const LATEST_NAME: &str = "channel.backup";
/// Folder of the immutable versions under a destination's prefix.
pub const HISTORY_DIR: &str = "history";
/// File extension of a history version.
const HISTORY_EXT: &str = ".backup";
/// Hex digits of the SHA-256 kept in a history name.
const HASH_PREFIX_LEN: usize = 16;

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

/// `YYYYMMDDTHHMMSS.mmmZ` for a Unix time in milliseconds (times past chrono's last
/// representable instant, about 262,000 years away, show that instant).
fn format_utc_millis(unix_millis: u64) -> String {
    let time = i64::try_from(unix_millis)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    time.format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// Inverse of [`format_utc_millis`]; `None` unless the text is exactly that shape and a
/// real UTC date and time.
fn parse_utc_millis(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes[8] != b'T' || bytes[15] != b'.' || bytes[19] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let time = NaiveDate::from_ymd_opt(year, num(4..6)?, num(6..8)?)?.and_hms_milli_opt(
        num(9..11)?,
        num(11..13)?,
        num(13..15)?,
        num(16..19)?,
    )?;
    u64::try_from(time.and_utc().timestamp_millis()).ok()
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
    fn history_stamps_round_trip_and_reject_impossible_dates() {
        for millis in [
            0_u64,
            951_782_400_000,
            1_795_603_320_123,
            253_402_300_799_999,
        ] {
            let stamp = format_utc_millis(millis);
            assert_eq!(parse_utc_millis(&stamp), Some(millis), "{stamp}");
        }
        assert_eq!(format_utc_millis(951_782_400_000), "20000229T000000.000Z");
        for bad in [
            "20010229T000000.000Z",
            "20261125T244200.123Z",
            "20261125T106000.123Z",
            "20261131T104200.123Z",
        ] {
            assert_eq!(parse_utc_millis(bad), None, "{bad}");
        }
    }
}
