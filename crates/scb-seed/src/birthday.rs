//! The aezeed birthday: days since the Bitcoin genesis block.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds per day.
const DAY: u64 = 86_400;

/// The wallet birthday stored in an aezeed: whole days since the timestamp
/// of Bitcoin's genesis block (2009-01-03 18:15:05 UTC). Two bytes reach
/// the year 2188.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Birthday(u16);

impl Birthday {
    /// Unix time of the genesis block, lnd's `BitcoinGenesisDate`.
    pub const GENESIS_UNIX_TIME: u64 = 1_231_006_505;

    /// The birthday `days` days after the genesis block.
    pub const fn from_days(days: u16) -> Self {
        Birthday(days)
    }

    /// Days since the genesis block, as stored in the seed.
    pub const fn days(self) -> u16 {
        self.0
    }

    /// The birthday of a wallet created at `unix_time` (whole days since
    /// genesis, rounded down). `None` before the genesis block or after
    /// 65,535 days (lnd would silently wrap the count instead).
    pub fn from_unix_time(unix_time: u64) -> Option<Self> {
        let days = unix_time.checked_sub(Self::GENESIS_UNIX_TIME)? / DAY;
        u16::try_from(days).ok().map(Birthday)
    }

    /// The birthday of a wallet created at `time`; see [`Birthday::from_unix_time`].
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let since_epoch = time.duration_since(UNIX_EPOCH).ok()?;
        Self::from_unix_time(since_epoch.as_secs())
    }

    /// The instant lnd reports for this birthday (`BirthdayTime`): the
    /// genesis timestamp plus `days` whole days.
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix_time())
    }

    /// Unix time of [`Birthday::to_system_time`].
    pub fn unix_time(self) -> u64 {
        Self::GENESIS_UNIX_TIME + u64::from(self.0) * DAY
    }

    /// The UTC calendar date `(year, month, day)` of the birthday; day 0 is
    /// 2009-01-03.
    pub fn date(self) -> (i32, u32, u32) {
        use chrono::Datelike;
        // At most 65,535 days after 2009: far inside chrono's range (about
        // 262,000 years either side of year 0), so the addition cannot overflow.
        let date =
            chrono::DateTime::UNIX_EPOCH.date_naive() + chrono::Days::new(self.unix_time() / DAY);
        (date.year(), date.month(), date.day())
    }
}

impl core::fmt::Display for Birthday {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (y, m, d) = self.date();
        write!(f, "{y:04}-{m:02}-{d:02} (day {})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_zero_is_the_genesis_date() {
        assert_eq!(Birthday::from_days(0).date(), (2009, 1, 3));
        assert_eq!(
            Birthday::from_days(0).unix_time(),
            Birthday::GENESIS_UNIX_TIME
        );
    }

    #[test]
    fn dates_cross_leap_years_correctly() {
        // 2009-01-03 + 59 days = 2009-03-03 (2009 is not a leap year).
        assert_eq!(Birthday::from_days(59).date(), (2009, 3, 3));
        // lnd's own test vector: 2018-03-23 10:02 UTC is day 3365.
        assert_eq!(
            Birthday::from_unix_time(1_521_799_345),
            Some(Birthday(3365))
        );
        assert_eq!(Birthday::from_days(3365).date(), (2018, 3, 22));
        // 2012 is a leap year: 2012-02-29 exists. 2009-01-03 -> 2012-02-29 is 1152 days.
        assert_eq!(Birthday::from_days(1152).date(), (2012, 2, 29));
        assert_eq!(Birthday::from_days(1153).date(), (2012, 3, 1));
        // The last representable day.
        assert_eq!(Birthday::from_days(u16::MAX).date(), (2188, 6, 8));
    }

    #[test]
    fn from_unix_time_refuses_before_genesis_and_past_u16() {
        assert_eq!(Birthday::from_unix_time(0), None);
        assert_eq!(
            Birthday::from_unix_time(Birthday::GENESIS_UNIX_TIME - 1),
            None
        );
        let last = Birthday::GENESIS_UNIX_TIME + 65_535 * DAY;
        assert_eq!(Birthday::from_unix_time(last), Some(Birthday(u16::MAX)));
        assert_eq!(Birthday::from_unix_time(last + DAY), None);
    }

    #[test]
    fn system_time_round_trips_through_days() {
        let b = Birthday::from_days(5274);
        assert_eq!(Birthday::from_system_time(b.to_system_time()), Some(b));
        assert_eq!(
            b.to_string(),
            format!(
                "{:04}-{:02}-{:02} (day 5274)",
                b.date().0,
                b.date().1,
                b.date().2
            )
        );
    }
}
