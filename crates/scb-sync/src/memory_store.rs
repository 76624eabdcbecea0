//! An in-memory [`BackupStore`] for tests (feature `test-utils`): it fails on
//! demand and records its swaps.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use scb_wire::Single;
use tokio::time::Instant;

use crate::{BackupStore, BoxError};

/// One successful persist recorded by [`MemoryStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapRecord {
    /// When the persist completed (tokio time, so paused-time tests can read it).
    pub at: Instant,
    /// How many channels the persisted set held.
    pub channels: usize,
}

/// An in-memory [`BackupStore`] that can fail on demand and counts its swaps.
///
/// Cloning gives another handle to the same storage, so a test can keep one
/// clone and hand another to the sub-swapper.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<MemoryInner>>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    current: Option<Vec<Single>>,
    log: Vec<SwapRecord>,
    failed_persists: u64,
    fail_persists: u32,
    fail_loads: u32,
    persist_delay: Duration,
}

/// The error [`MemoryStore`] returns when told to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("simulated {0} failure")]
pub struct SimulatedFailure(&'static str);

impl MemoryStore {
    /// An empty store: `load` answers "no backup yet".
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `singles`, as a file left by an earlier run.
    pub fn with_singles(singles: Vec<Single>) -> Self {
        let store = Self::default();
        store.lock().current = Some(singles);
        store
    }

    fn lock(&self) -> MutexGuard<'_, MemoryInner> {
        // A panic while holding this lock cannot leave the data half-updated
        // (every critical section is a plain assignment), so poison is ignored.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the next `n` persists fail (transient failures).
    pub fn fail_next_persists(&self, n: u32) {
        self.lock().fail_persists = n;
    }

    /// Makes the next `n` loads fail.
    pub fn fail_next_loads(&self, n: u32) {
        self.lock().fail_loads = n;
    }

    /// Makes every persist take `delay` (tokio time) before it completes.
    pub fn set_persist_delay(&self, delay: Duration) {
        self.lock().persist_delay = delay;
    }

    /// The stored set, `None` if nothing was ever stored.
    pub fn current(&self) -> Option<Vec<Single>> {
        self.lock().current.clone()
    }

    /// How many persists succeeded.
    pub fn swap_count(&self) -> usize {
        self.lock().log.len()
    }

    /// How many persists failed on demand.
    pub fn failed_persist_count(&self) -> u64 {
        self.lock().failed_persists
    }

    /// Every successful persist, oldest first.
    pub fn swap_log(&self) -> Vec<SwapRecord> {
        self.lock().log.clone()
    }
}

impl BackupStore for MemoryStore {
    async fn load(&self) -> Result<Option<Vec<Single>>, BoxError> {
        let mut inner = self.lock();
        if inner.fail_loads > 0 {
            inner.fail_loads -= 1;
            return Err(Box::new(SimulatedFailure("load")));
        }
        Ok(inner.current.clone())
    }

    async fn persist(&self, singles: Vec<Single>) -> Result<(), BoxError> {
        let delay = self.lock().persist_delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut inner = self.lock();
        if inner.fail_persists > 0 {
            inner.fail_persists -= 1;
            inner.failed_persists += 1;
            return Err(Box::new(SimulatedFailure("persist")));
        }
        inner.log.push(SwapRecord {
            at: Instant::now(),
            channels: singles.len(),
        });
        inner.current = Some(singles);
        Ok(())
    }
}
