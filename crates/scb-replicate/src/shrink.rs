//! The guard that keeps a backup which lost its channels from becoming the latest copy.

use serde::Serialize;

/// When a version holding fewer channels than the latest copy may replace it.
///
/// A node whose channel database was lost writes a valid `channel.backup` with no
/// channels (lnd has done so); replicated as the latest copy, it would hide the good
/// copy, and retention would eventually delete it. So a version that holds no channels
/// where the latest copy held some, or that lost more than `max_lost_percent` of them,
/// is stored as a history version only and the latest copy stays, unless
/// [`ShrinkGuard::allow`] is set (then it is replaced with a warning, never silently).
///
/// The guard needs a [`Verifier`](crate::Verifier) that reports channel counts: without
/// one the counts are unknown and it cannot act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ShrinkGuard {
    /// Let any version replace the latest copy (a large drop is still warned about).
    pub allow: bool,
    /// The largest share of the latest copy's channels, in percent, that a new version may
    /// lose before the guard holds it back. A fall to zero is always held back.
    pub max_lost_percent: u8,
}

impl Default for ShrinkGuard {
    /// Refuse a fall to zero channels, or the loss of more than half of them.
    fn default() -> Self {
        Self {
            allow: false,
            max_lost_percent: 50,
        }
    }
}

impl ShrinkGuard {
    /// Refuse a fall to zero, or the loss of more than `max_lost_percent` (capped at 100)
    /// of the latest copy's channels.
    pub fn refuse_above(max_lost_percent: u8) -> Self {
        Self {
            allow: false,
            max_lost_percent: max_lost_percent.min(100),
        }
    }

    /// Let every version replace the latest copy; large drops are only warned about.
    pub fn allow() -> Self {
        Self {
            allow: true,
            ..Self::default()
        }
    }

    /// Whether going from `previous` to `next` channels is a drop this guard is about
    /// (whether or not it is allowed).
    pub fn is_large_drop(&self, previous: usize, next: usize) -> bool {
        if next >= previous {
            return false;
        }
        if next == 0 {
            return true;
        }
        let lost = (previous - next) as u128;
        lost * 100 > previous as u128 * u128::from(self.max_lost_percent.min(100))
    }

    /// Whether a version with `next` channels must not replace a latest copy with
    /// `previous` channels.
    pub fn refuses(&self, previous: usize, next: usize) -> bool {
        !self.allow && self.is_large_drop(previous, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_refuses_a_fall_to_zero_and_losing_more_than_half() {
        let g = ShrinkGuard::default();
        assert!(g.refuses(16, 0));
        assert!(g.refuses(1, 0));
        assert!(g.refuses(16, 7)); // lost 9 of 16
        assert!(!g.refuses(16, 8)); // lost exactly half
        assert!(!g.refuses(2, 1));
        assert!(!g.refuses(16, 15));
        assert!(!g.refuses(0, 0));
        assert!(!g.refuses(3, 9));
        assert!(!g.refuses(usize::MAX, usize::MAX - 1));
        assert!(g.refuses(usize::MAX, 1));
    }

    #[test]
    fn threshold_is_configurable_and_allow_only_warns() {
        let strict = ShrinkGuard::refuse_above(10);
        assert!(strict.refuses(10, 8));
        assert!(!strict.refuses(10, 9));
        let never = ShrinkGuard::refuse_above(200);
        assert_eq!(never.max_lost_percent, 100);
        assert!(
            never.refuses(5, 0),
            "a fall to zero is refused at any threshold"
        );
        assert!(!never.refuses(5, 1));
        let allow = ShrinkGuard::allow();
        assert!(!allow.refuses(16, 0));
        assert!(allow.is_large_drop(16, 0));
    }
}
