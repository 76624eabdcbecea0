//! Which history versions to delete.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::layout::HistoryEntry;

/// How many history versions a destination keeps.
///
/// A version is kept when it is among the newest `keep_last`, **or** newer than
/// `keep_newer_than`; with neither set nothing is ever deleted. The version the latest copy
/// points to, and the newest version, are never deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Retention {
    /// Keep at least this many of the newest versions.
    pub keep_last: Option<usize>,
    /// Keep every version younger than this.
    pub keep_newer_than: Option<Duration>,
}

impl Retention {
    /// Keep every version for ever (the default).
    pub fn keep_all() -> Self {
        Self::default()
    }

    /// Keep the newest `keep_last` versions and/or those younger than `keep_newer_than`
    /// (`None`, `None`: keep everything).
    pub fn new(keep_last: Option<usize>, keep_newer_than: Option<Duration>) -> Self {
        Self {
            keep_last: keep_last.map(|n| n.max(1)),
            keep_newer_than,
        }
    }

    /// Keep the newest `n` versions (at least one).
    pub fn keep_last(n: usize) -> Self {
        Self {
            keep_last: Some(n.max(1)),
            keep_newer_than: None,
        }
    }

    /// Also keep every version younger than `age`.
    #[must_use]
    pub fn and_newer_than(mut self, age: Duration) -> Self {
        self.keep_newer_than = Some(age);
        self
    }

    /// The versions to delete from `entries` at time `now`, never one named in `protect`.
    pub fn select_for_deletion(
        &self,
        entries: &[HistoryEntry],
        now: SystemTime,
        protect: &[String],
    ) -> Vec<HistoryEntry> {
        if self.keep_last.is_none() && self.keep_newer_than.is_none() {
            return Vec::new();
        }
        let mut sorted: Vec<&HistoryEntry> = entries.iter().collect();
        sorted.sort();
        sorted.reverse(); // newest first
        let cutoff = self.keep_newer_than.and_then(|age| now.checked_sub(age));
        let keep_n = self.keep_last.unwrap_or(0).max(1);
        sorted
            .into_iter()
            .enumerate()
            .filter(|(i, e)| {
                let by_count = *i < keep_n;
                let by_age = cutoff.is_some_and(|c| e.time() >= c);
                !(by_count || by_age || protect.contains(&e.name))
            })
            .map(|(_, e)| e.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn entries(secs: &[u64]) -> Vec<HistoryEntry> {
        secs.iter()
            .map(|s| HistoryEntry::new(UNIX_EPOCH + Duration::from_secs(*s), &format!("{s:064x}")))
            .collect()
    }

    fn secs(v: &[HistoryEntry]) -> Vec<u64> {
        v.iter().map(|e| e.unix_millis / 1000).collect()
    }

    #[test]
    fn keep_all_deletes_nothing() {
        let e = entries(&[1, 2, 3]);
        assert!(Retention::keep_all()
            .select_for_deletion(&e, UNIX_EPOCH + Duration::from_secs(1_000_000), &[])
            .is_empty());
    }

    #[test]
    fn keep_last_deletes_oldest_beyond_n() {
        let e = entries(&[5, 1, 4, 2, 3]);
        let del = Retention::keep_last(2).select_for_deletion(&e, UNIX_EPOCH, &[]);
        let mut got = secs(&del);
        got.sort_unstable();
        assert_eq!(got, vec![1, 2, 3]);
    }

    #[test]
    fn age_and_count_keep_the_union_and_protected_name_survives() {
        let e = entries(&[10, 20, 30, 40, 50]);
        let now = UNIX_EPOCH + Duration::from_secs(60);
        let r = Retention::keep_last(1).and_newer_than(Duration::from_secs(25));
        let protect = [e[0].name.clone()];
        let mut got = secs(&r.select_for_deletion(&e, now, &protect));
        got.sort_unstable();
        // 50 by count, 40 by age (cutoff 35 s), 10 protected.
        assert_eq!(got, vec![20, 30]);
    }

    #[test]
    fn age_only_still_keeps_the_newest_version() {
        let e = entries(&[10, 20]);
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        let r = Retention {
            keep_last: None,
            keep_newer_than: Some(Duration::from_secs(5)),
        };
        assert_eq!(secs(&r.select_for_deletion(&e, now, &[])), vec![10]);
    }
}
