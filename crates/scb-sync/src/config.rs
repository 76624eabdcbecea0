//! How the sub-swapper is tuned: timing, the shrink guard and what to do with
//! channels found only in the stored backup.

use std::time::Duration;

#[cfg(doc)]
use crate::{ChannelLookup, SwapperHandle, SyncError};

/// What to do when a rewrite would drop channels never seen closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ShrinkPolicy {
    /// Refuse with [`SyncError::ShrinkRefused`] (the default, docs/durability.md#guards).
    #[default]
    Refuse,
    /// Write anyway. Only for tools that deliberately rewrite a backup.
    Allow,
}

/// What to do at start-up with channels found only in the stored backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DiskOnlyPolicy {
    /// Keep them until a close event for exactly that channel arrives, as lnd
    /// does (docs/format.md#lnd-one-rewrite). Safe, but closed channels may accumulate
    /// (docs/format.md#disk-only-entries-kept).
    #[default]
    Keep,
    /// Drop those the channel source reports as [`ChannelLookup::Closed`].
    PruneClosed,
    /// Drop those the channel source reports as closed or unknown. Dangerous
    /// with a wiped node database; a result of zero channels is still refused
    /// unless [`ShrinkPolicy::Allow`] is set.
    PruneClosedOrUnknown,
}

/// Tuning of the sub-swapper.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SwapperConfig {
    /// Quiet period: a swap starts once no change arrived for this long.
    pub debounce: Duration,
    /// Upper bound from the first unsaved change to the start of its swap, so a
    /// continuous stream of events cannot postpone durability for ever.
    pub max_delay: Duration,
    /// First retry delay after a failed swap; doubles on each failure.
    pub retry_initial: Duration,
    /// Cap of the retry delay.
    pub retry_max: Duration,
    /// How long [`SwapperHandle::shutdown`] waits for the last swap.
    pub shutdown_timeout: Duration,
    /// The "no silent shrinking" guard.
    pub shrink: ShrinkPolicy,
    /// Handling of stored channels the node no longer reports.
    pub disk_only: DiskOnlyPolicy,
}

impl Default for SwapperConfig {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(50),
            max_delay: Duration::from_millis(500),
            retry_initial: Duration::from_millis(500),
            retry_max: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(30),
            shrink: ShrinkPolicy::Refuse,
            disk_only: DiskOnlyPolicy::Keep,
        }
    }
}

impl SwapperConfig {
    /// Sets [`debounce`](Self::debounce).
    #[must_use]
    pub fn with_debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// Sets [`max_delay`](Self::max_delay).
    #[must_use]
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets [`retry_initial`](Self::retry_initial) and [`retry_max`](Self::retry_max).
    #[must_use]
    pub fn with_retry(mut self, initial: Duration, max: Duration) -> Self {
        self.retry_initial = initial;
        self.retry_max = max;
        self
    }

    /// Sets [`shutdown_timeout`](Self::shutdown_timeout).
    #[must_use]
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Sets [`shrink`](Self::shrink).
    #[must_use]
    pub fn with_shrink(mut self, shrink: ShrinkPolicy) -> Self {
        self.shrink = shrink;
        self
    }

    /// Sets [`disk_only`](Self::disk_only).
    #[must_use]
    pub fn with_disk_only(mut self, disk_only: DiskOnlyPolicy) -> Self {
        self.disk_only = disk_only;
        self
    }
}
