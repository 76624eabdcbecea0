//! The sub-swapper's task: applies channel events and manual updates to the
//! set in memory, and swaps it into the store when the debounce, the maximum
//! delay or a retry says so.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use bitcoin::OutPoint;
use scb_wire::Single;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::error::share;
use crate::node::{ChannelEvent, ChannelEventReceiver};
use crate::shrink::check_shrink;
use crate::store::BackupStore;
use crate::{SwapperConfig, SwapperStatus, SyncError};

pub(crate) type Reply = oneshot::Sender<Result<(), SyncError>>;

pub(crate) enum Command {
    ManualUpdate { singles: Vec<Single>, reply: Reply },
    Shutdown { reply: Reply },
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::ManualUpdate { singles, .. } => {
                write!(f, "ManualUpdate({} singles)", singles.len())
            }
            Command::Shutdown { .. } => f.write_str("Shutdown"),
        }
    }
}

/// How many queued events one wake-up applies before looking at timers again.
const DRAIN_BATCH: usize = 4096;

pub(crate) struct Worker<S> {
    store: S,
    config: SwapperConfig,
    /// The merged set: what the store should hold.
    channels: BTreeMap<OutPoint, Single>,
    /// Outpoints of the last durable set.
    persisted: HashSet<OutPoint>,
    /// Channels removed by a close event since the last durable swap.
    closed_seen: HashSet<OutPoint>,
    /// Channels pruned at start-up by explicit policy, until the next durable swap.
    allowed_drops: HashSet<OutPoint>,
    /// Whether `channels` differs from what is durable.
    dirty: bool,
    pending_events: u64,
    first_pending: Option<Instant>,
    last_change: Option<Instant>,
    /// The shrink guard refused the current set; wait for a change.
    blocked: bool,
    /// Consecutive failed swaps.
    attempt: u32,
    retry_at: Option<Instant>,
    waiters: Vec<Reply>,
    status: watch::Sender<SwapperStatus>,
    events: Option<ChannelEventReceiver>,
    commands: mpsc::Receiver<Command>,
}

/// The set a worker starts from.
pub(crate) struct Start {
    /// The merged set to write first.
    pub(crate) channels: BTreeMap<OutPoint, Single>,
    /// Outpoints of the stored set it was merged with.
    pub(crate) persisted: HashSet<OutPoint>,
    /// Stored channels pruned by explicit policy.
    pub(crate) allowed_drops: HashSet<OutPoint>,
}

impl<S: BackupStore> Worker<S> {
    /// A worker whose first swap writes `start.channels`.
    pub(crate) fn new(
        store: S,
        config: SwapperConfig,
        start: Start,
        status: watch::Sender<SwapperStatus>,
        events: ChannelEventReceiver,
        commands: mpsc::Receiver<Command>,
    ) -> Self {
        let now = Instant::now();
        Worker {
            store,
            config,
            channels: start.channels,
            persisted: start.persisted,
            closed_seen: HashSet::new(),
            allowed_drops: start.allowed_drops,
            dirty: true,
            pending_events: 0,
            first_pending: Some(now),
            last_change: Some(now),
            blocked: false,
            attempt: 0,
            retry_at: None,
            waiters: Vec::new(),
            status,
            events: Some(events),
            commands,
        }
    }

    pub(crate) async fn run(mut self) {
        loop {
            let deadline = self.deadline();
            tokio::select! {
                biased;
                () = sleep_until_opt(deadline), if deadline.is_some() => {
                    // Errors are reported to waiters and the status channel.
                    let _ = self.swap().await;
                }
                command = self.commands.recv() => match command {
                    Some(Command::ManualUpdate { singles, reply }) => {
                        // Events the node sent before this call must not
                        // overwrite the newer manual singles afterwards.
                        self.drain_queued_events();
                        self.apply_manual(singles, reply);
                        self.publish_pending();
                    }
                    Some(Command::Shutdown { reply }) => {
                        let result = self.finish().await;
                        let _ = reply.send(result);
                        return;
                    }
                    None => {
                        // Every handle is gone: save what is pending, then stop.
                        let _ = self.finish().await;
                        return;
                    }
                },
                event = recv_event(self.events.as_mut()), if self.events.is_some() => {
                    if let Some(event) = event {
                        self.apply_event(event);
                        self.drain_events(DRAIN_BATCH);
                        self.publish_pending();
                    } else {
                        tracing::warn!("channel event subscription ended; only manual updates will be saved");
                        self.events = None;
                        self.status.send_modify(|s| s.subscribed = false);
                    }
                }
            }
        }
    }

    /// When the next swap should start, if one is needed.
    fn deadline(&self) -> Option<Instant> {
        if !self.dirty || self.blocked {
            return None;
        }
        if let Some(retry_at) = self.retry_at {
            return Some(retry_at);
        }
        let quiet = self.last_change.map(|t| t + self.config.debounce);
        let bound = self.first_pending.map(|t| t + self.config.max_delay);
        match (quiet, bound) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn mark_dirty(&mut self, changes: u64) {
        let now = Instant::now();
        self.dirty = true;
        self.blocked = false;
        self.pending_events += changes;
        self.first_pending.get_or_insert(now);
        self.last_change = Some(now);
    }

    fn apply_event(&mut self, event: ChannelEvent) {
        match event {
            ChannelEvent::Opened(singles) => {
                let n = singles.len() as u64;
                for single in singles {
                    let outpoint = single.funding_outpoint;
                    self.closed_seen.remove(&outpoint);
                    self.channels.insert(outpoint, single);
                }
                if n > 0 {
                    self.mark_dirty(n);
                }
            }
            ChannelEvent::Closed(outpoints) => {
                let mut n = 0;
                for outpoint in outpoints {
                    if self.channels.remove(&outpoint).is_some() {
                        self.closed_seen.insert(outpoint);
                        n += 1;
                    }
                }
                if n > 0 {
                    self.mark_dirty(n);
                }
            }
        }
    }

    fn apply_manual(&mut self, singles: Vec<Single>, reply: Reply) {
        let n = singles.len() as u64;
        for single in singles {
            let outpoint = single.funding_outpoint;
            self.closed_seen.remove(&outpoint);
            self.channels.insert(outpoint, single);
        }
        // Even an empty update asks for a rewrite, as in lnd.
        self.mark_dirty(n);
        self.waiters.push(reply);
    }

    /// Applies every event queued right now (not those arriving meanwhile).
    fn drain_queued_events(&mut self) {
        let queued = self.events.as_ref().map_or(0, ChannelEventReceiver::len);
        self.drain_events(queued);
    }

    /// Applies at most `limit` events already queued, without waiting.
    fn drain_events(&mut self, limit: usize) {
        for _ in 0..limit {
            let Some(events) = self.events.as_mut() else {
                return;
            };
            match events.try_recv() {
                Ok(event) => self.apply_event(event),
                Err(_) => return,
            }
        }
    }

    fn publish_pending(&self) {
        let pending = self.pending_events;
        self.status.send_if_modified(|s| {
            let changed = s.pending_events != pending;
            s.pending_events = pending;
            changed
        });
    }

    fn backoff(&self) -> Duration {
        let exponent = self.attempt.saturating_sub(1).min(20);
        self.config
            .retry_initial
            .saturating_mul(1u32 << exponent)
            .min(self.config.retry_max)
    }

    /// Writes the merged set once; replies to every waiter.
    pub(crate) async fn swap(&mut self) -> Result<(), SyncError> {
        if let Err(err) = check_shrink(
            &self.persisted,
            &self.channels,
            &self.closed_seen,
            &self.allowed_drops,
            self.config.shrink,
        ) {
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "backup rewrite refused"
            );
            self.blocked = true;
            self.retry_at = None;
            self.fail(&err);
            return Err(err);
        }
        let singles: Vec<Single> = self.channels.values().cloned().collect();
        let count = singles.len();
        match self.store.persist(singles).await {
            Ok(()) => {
                self.persisted = self.channels.keys().copied().collect();
                self.closed_seen.clear();
                self.allowed_drops.clear();
                self.dirty = false;
                self.pending_events = 0;
                self.first_pending = None;
                self.last_change = None;
                self.attempt = 0;
                self.retry_at = None;
                for waiter in self.waiters.drain(..) {
                    let _ = waiter.send(Ok(()));
                }
                self.status.send_modify(|s| {
                    s.sequence += 1;
                    s.channels = count;
                    s.pending_events = 0;
                    s.last_success = Some(Instant::now());
                    s.consecutive_failures = 0;
                });
                tracing::debug!(channels = count, "backup swapped");
                Ok(())
            }
            Err(source) => {
                self.attempt = self.attempt.saturating_add(1);
                let err = SyncError::StorePersist {
                    channels: count,
                    attempt: self.attempt,
                    source: share(source),
                };
                let wait = self.backoff();
                self.retry_at = Some(Instant::now() + wait);
                tracing::error!(
                    error = &err as &dyn std::error::Error,
                    retry_in_ms = wait.as_millis(),
                    "backup swap failed"
                );
                self.fail(&err);
                Err(err)
            }
        }
    }

    fn fail(&mut self, err: &SyncError) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Err(err.clone()));
        }
        let attempt = self.attempt;
        self.status.send_modify(|s| {
            s.last_error = Some(err.clone());
            s.consecutive_failures = attempt.max(1);
        });
    }

    /// Applies everything already queued, writes what is unsaved (retrying
    /// within most of the shutdown timeout) and marks the swapper stopped.
    async fn finish(&mut self) -> Result<(), SyncError> {
        self.commands.close();
        self.drain_queued_events();
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::ManualUpdate { singles, reply } => self.apply_manual(singles, reply),
                Command::Shutdown { reply } => {
                    let _ = reply.send(Err(SyncError::NotRunning));
                }
            }
        }
        self.drain_queued_events();
        let deadline = Instant::now() + self.config.shutdown_timeout.mul_f64(0.75);
        let mut result = Ok(());
        while self.dirty {
            match self.swap().await {
                Ok(()) => {}
                Err(err @ SyncError::ShrinkRefused { .. }) => {
                    result = Err(err);
                    break;
                }
                Err(err) => {
                    let wait = self.backoff();
                    if Instant::now() + wait > deadline {
                        result = Err(err);
                        break;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
        self.events = None;
        self.status.send_modify(|s| {
            s.running = false;
            s.subscribed = false;
        });
        result
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

async fn recv_event(events: Option<&mut ChannelEventReceiver>) -> Option<ChannelEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let (status, _rx) = watch::channel(SwapperStatus {
            running: true,
            subscribed: true,
            sequence: 0,
            channels: 0,
            pending_events: 0,
            last_success: None,
            last_error: None,
            consecutive_failures: 0,
        });
        let (_tx, commands) = mpsc::channel(1);
        let config = SwapperConfig::default()
            .with_retry(Duration::from_millis(100), Duration::from_millis(350));
        let mut worker = Worker {
            store: crate::MemoryStore::new(),
            config,
            channels: BTreeMap::new(),
            persisted: HashSet::new(),
            closed_seen: HashSet::new(),
            allowed_drops: HashSet::new(),
            dirty: false,
            pending_events: 0,
            first_pending: None,
            last_change: None,
            blocked: false,
            attempt: 1,
            retry_at: None,
            waiters: Vec::new(),
            status,
            events: None,
            commands,
        };
        let mut delays = Vec::new();
        for attempt in 1..=5 {
            worker.attempt = attempt;
            delays.push(worker.backoff().as_millis());
        }
        assert_eq!(delays, vec![100, 200, 350, 350, 350]);
    }
}
