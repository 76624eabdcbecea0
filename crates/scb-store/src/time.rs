//! UTC date stamps of archive and quarantine names, on chrono's calendar (no
//! time-zone database needed).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, NaiveDate, Timelike};

/// A UTC date and time to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UtcStamp {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_FROM_CE: i64 = 719_163;

/// The number of days from 1970-01-01 to the date `(year, month, day)`,
/// proleptic Gregorian (a day past the end of its month counts on into the
/// next; a year or month chrono cannot represent gives `i64::MIN`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, 1))
        .map_or(i64::MIN, |first| {
            i64::from(first.num_days_from_ce()) - UNIX_EPOCH_FROM_CE + i64::from(day) - 1
        })
}

impl UtcStamp {
    /// The UTC calendar time of `t` (times before 1970 clamp to the epoch).
    pub(crate) fn from_system_time(t: SystemTime) -> Self {
        let secs = i64::try_from(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
            .unwrap_or(i64::MAX);
        let t = DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<chrono::Utc>::MAX_UTC);
        UtcStamp {
            year: i64::from(t.year()),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        }
    }

    /// Back to a `SystemTime`.
    pub(crate) fn to_system_time(self) -> SystemTime {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days
            .saturating_mul(86_400)
            .saturating_add(i64::from(self.hour) * 3600)
            .saturating_add(i64::from(self.minute) * 60)
            .saturating_add(i64::from(self.second));
        UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64)
    }

    /// lnd's archive format: `YYYY-MM-DD-HH-MM-SS`.
    pub(crate) fn format(self) -> String {
        format!(
            "{:04}-{:02}-{:02}-{:02}-{:02}-{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// Parses exactly `YYYY-MM-DD-HH-MM-SS` (19 ASCII characters), checking ranges.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 19 {
            return None;
        }
        for (i, c) in b.iter().enumerate() {
            let dash = matches!(i, 4 | 7 | 10 | 13 | 16);
            if dash != (*c == b'-') || (!dash && !c.is_ascii_digit()) {
                return None;
            }
        }
        let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<u32>().ok();
        let stamp = UtcStamp {
            year: i64::from(num(0..4)?),
            month: num(5..7)?,
            day: num(8..10)?,
            hour: num(11..13)?,
            minute: num(14..16)?,
            second: num(17..19)?,
        };
        let valid = (1..=12).contains(&stamp.month)
            && (1..=31).contains(&stamp.day)
            && stamp.hour < 24
            && stamp.minute < 60
            && stamp.second < 61;
        valid.then_some(stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants_in_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_748_786_607); // 2025-06-01 14:03:27 UTC
        assert_eq!(
            UtcStamp::from_system_time(t).format(),
            "2025-06-01-14-03-27"
        );
        assert_eq!(
            UtcStamp::from_system_time(UNIX_EPOCH).format(),
            "1970-01-01-00-00-00"
        );
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29 00:00:00
        assert_eq!(
            UtcStamp::from_system_time(leap).format(),
            "2000-02-29-00-00-00"
        );
    }

    #[test]
    fn calendar_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2025, 6, 1), 20_240);
        // A day past the end of its month counts on, as Hinnant's formula did.
        assert_eq!(days_from_civil(2000, 2, 30), days_from_civil(2000, 3, 1));
    }

    #[test]
    fn parse_round_trips_and_rejects_malformed_stamps() {
        for secs in [
            0_u64,
            951_782_400,
            1_748_786_607,
            4_102_444_799,
            1_234_567_890,
        ] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            let s = UtcStamp::from_system_time(t);
            assert_eq!(UtcStamp::parse(&s.format()), Some(s));
            assert_eq!(s.to_system_time(), t);
        }
        for bad in [
            "2025-06-01-14-03-2",
            "2025-13-01-14-03-27",
            "2025-06-01-24-03-27",
            "2025_06-01-14-03-27",
            "2025-06-01-14-03-2x",
            "+025-06-01-14-03-27",
            "2025-06-01-14-03-27-",
        ] {
            assert_eq!(UtcStamp::parse(bad), None, "{bad}");
        }
    }
}
