//! UTC calendar arithmetic for archive and quarantine names (no time-zone database needed).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

// Howard Hinnant's days-from-civil algorithms (public domain), proleptic Gregorian calendar.

/// The UTC calendar date `(year, month, day)` of `days` days after 1970-01-01
/// (proleptic Gregorian; negative days count back from the epoch).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The number of days from 1970-01-01 to the date `(year, month, day)`, the
/// inverse of [`civil_from_days`] for valid dates.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl UtcStamp {
    /// The UTC calendar time of `t` (times before 1970 clamp to the epoch).
    pub(crate) fn from_system_time(t: SystemTime) -> Self {
        let secs = i64::try_from(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
            .unwrap_or(i64::MAX / 2);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        UtcStamp {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// Back to a `SystemTime`.
    pub(crate) fn to_system_time(self) -> SystemTime {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
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
