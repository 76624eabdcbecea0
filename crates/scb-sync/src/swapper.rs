//! The sub-swapper: keeps the backup store current with the node's channels
//! (lnd's `chanbackup/pubsub.go`, spec 9).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bitcoin::OutPoint;
use scb_wire::Single;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backup::{fetch_static_channel_backups, with_addresses_lenient, ChannelBackup};
use crate::error::share;
use crate::node::{
    AddressSource, ChannelEvent, ChannelEventReceiver, ChannelLookup, ChannelNotifier,
    ChannelSource,
};
use crate::store::BackupStore;
use crate::SyncError;

/// What to do when a rewrite would drop channels never seen closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ShrinkPolicy {
    /// Refuse with [`SyncError::ShrinkRefused`] (the default, issue 10).
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
    /// does (spec 9.2). Safe, but closed channels may accumulate (S31).
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

/// The sub-swapper's health, published on a `tokio::sync::watch` channel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SwapperStatus {
    /// Whether the swapper task is running.
    pub running: bool,
    /// Whether the node's event subscription is still open.
    pub subscribed: bool,
    /// Number of successful swaps since start (the start-up write is 1).
    pub sequence: u64,
    /// Channels in the last durable set.
    pub channels: usize,
    /// Channel changes received and not yet durable.
    pub pending_events: u64,
    /// When the last swap succeeded.
    pub last_success: Option<Instant>,
    /// The last failure, kept after later successes (see `consecutive_failures`).
    pub last_error: Option<SyncError>,
    /// Failed swaps since the last success; 0 when healthy.
    pub consecutive_failures: u32,
}

type Reply = oneshot::Sender<Result<(), SyncError>>;

enum Command {
    ManualUpdate { singles: Vec<Single>, reply: Reply },
    Shutdown { reply: Reply },
}

/// Control of a running sub-swapper.
///
/// Dropping it stops the swapper after a last swap of anything unsaved, but
/// without waiting; call [`shutdown`](Self::shutdown) to wait for it.
#[must_use = "dropping the handle stops the sub-swapper; call shutdown() to wait for the last swap"]
#[derive(Debug)]
pub struct SwapperHandle {
    commands: mpsc::Sender<Command>,
    status: watch::Receiver<SwapperStatus>,
    task: Mutex<Option<JoinHandle<()>>>,
    shutdown_timeout: Duration,
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

impl SwapperHandle {
    /// Replaces or inserts `singles` (never removes) and resolves once a set
    /// containing them is durable.
    ///
    /// The update is coalesced with other pending changes (debounce, bounded
    /// by `max_delay`); while a failed swap waits for its retry, the call
    /// waits for that retry. An error means "not durable yet": the singles
    /// stay in memory and the swapper keeps retrying (watch
    /// [`status`](Self::status)). On a stopped swapper this returns
    /// [`SyncError::NotRunning`] at once.
    pub async fn manual_update(&self, singles: Vec<Single>) -> Result<(), SyncError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::ManualUpdate { singles, reply })
            .await
            .map_err(|_| SyncError::NotRunning)?;
        answer.await.map_err(|_| SyncError::NotRunning)?
    }

    /// Stops the swapper: applies what is queued, finishes the swap in flight
    /// and writes anything unsaved, within the configured shutdown timeout
    /// (after which the task is aborted and [`SyncError::ShutdownTimeout`]
    /// returned). A second call returns [`SyncError::NotRunning`].
    pub async fn shutdown(&self) -> Result<(), SyncError> {
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(mut task) = task else {
            return Err(SyncError::NotRunning);
        };
        let (reply, answer) = oneshot::channel();
        if self
            .commands
            .send(Command::Shutdown { reply })
            .await
            .is_err()
        {
            // The task already ended (it only does after a shutdown or a panic).
            let _ = task.await;
            return Err(SyncError::NotRunning);
        }
        let waited = tokio::time::timeout(self.shutdown_timeout, async {
            let result = answer.await.map_err(|_| SyncError::NotRunning);
            let _ = (&mut task).await;
            result
        })
        .await;
        if let Ok(result) = waited {
            result?
        } else {
            task.abort();
            Err(SyncError::ShutdownTimeout {
                millis: self.shutdown_timeout.as_millis(),
            })
        }
    }

    /// Rebuilds the singles of every open channel from the node and hands them
    /// to [`manual_update`](Self::manual_update), as lnd does before it stops
    /// (refreshing e.g. the close-tx inputs). Channels whose single cannot be
    /// built (unknown peer, failed address lookup) keep their current entry and
    /// are returned with their error; the others are durable on success.
    pub async fn refresh_all<C, A>(
        &self,
        channels: &C,
        addresses: &A,
    ) -> Result<Vec<ChannelBackup>, SyncError>
    where
        C: ChannelSource,
        A: AddressSource,
    {
        let backups = fetch_static_channel_backups(channels, addresses).await?;
        let (good, failed): (Vec<ChannelBackup>, Vec<ChannelBackup>) =
            backups.into_iter().partition(|b| b.result.is_ok());
        let singles = good.into_iter().filter_map(|b| b.result.ok()).collect();
        self.manual_update(singles).await?;
        Ok(failed)
    }

    /// A receiver of the swapper's status; it sees every later change.
    pub fn status(&self) -> watch::Receiver<SwapperStatus> {
        self.status.clone()
    }
}

/// Starts a sub-swapper.
///
/// In order: takes a snapshot of the node's channels (addresses from the
/// address source; an unknown peer keeps the source's addresses instead of
/// failing, unlike lnd's S26), subscribes to events relative to that
/// snapshot, loads the stored set, merges exactly as lnd does (stored entries
/// kept unless replaced), applies the [`DiskOnlyPolicy`] and the shrink
/// guard, writes once, then spawns the swapper task on the current tokio
/// runtime.
///
/// Fails (and writes nothing) if the channel source, the subscription or the
/// store's `load` fails, or the shrink guard refuses; fails if the first write
/// fails. Must be called inside a tokio runtime.
pub async fn start_swapper<S, C, A, N>(
    config: SwapperConfig,
    store: S,
    channels: &C,
    addresses: &A,
    notifier: &N,
) -> Result<SwapperHandle, SyncError>
where
    S: BackupStore,
    C: ChannelSource,
    A: AddressSource,
    N: ChannelNotifier,
{
    let live = channels
        .fetch_all_channels()
        .await
        .map_err(|e| SyncError::ChannelSource { source: share(e) })?;
    let mut memory = BTreeMap::new();
    for single in live {
        let single = with_addresses_lenient(single, addresses).await;
        memory.insert(single.funding_outpoint, single);
    }
    let known: HashSet<OutPoint> = memory.keys().copied().collect();
    let events = notifier
        .subscribe(known)
        .await
        .map_err(|e| SyncError::Subscribe { source: share(e) })?;

    let stored = store
        .load()
        .await
        .map_err(|e| SyncError::StoreLoad { source: share(e) })?;
    let stored = stored.unwrap_or_default();
    let previous: HashSet<OutPoint> = stored.iter().map(|s| s.funding_outpoint).collect();

    // lnd's union: every stored single, replaced by the live one when both exist.
    let mut merged: BTreeMap<OutPoint, Single> = stored
        .into_iter()
        .map(|s| (s.funding_outpoint, s))
        .collect();
    let disk_only: Vec<OutPoint> = merged
        .keys()
        .filter(|op| !memory.contains_key(op))
        .copied()
        .collect();
    merged.extend(memory);

    let mut pruned = HashSet::new();
    if config.disk_only != DiskOnlyPolicy::Keep {
        for outpoint in disk_only {
            let prune = match channels.fetch_channel(outpoint).await {
                Ok(ChannelLookup::Closed) => true,
                Ok(ChannelLookup::Unknown) => {
                    config.disk_only == DiskOnlyPolicy::PruneClosedOrUnknown
                }
                Ok(ChannelLookup::Open(_)) => false,
                Err(err) => {
                    tracing::warn!(channel = %outpoint, error = %err, "cannot tell whether a stored channel is closed; keeping it");
                    false
                }
            };
            if prune {
                tracing::info!(channel = %outpoint, "pruning stored channel the node reports closed or unknown");
                merged.remove(&outpoint);
                pruned.insert(outpoint);
            }
        }
    }

    let (status_tx, status_rx) = watch::channel(SwapperStatus {
        running: true,
        subscribed: true,
        sequence: 0,
        channels: previous.len(),
        pending_events: 0,
        last_success: None,
        last_error: None,
        consecutive_failures: 0,
    });
    let (command_tx, command_rx) = mpsc::channel(64);
    let shutdown_timeout = config.shutdown_timeout;
    let mut worker = Worker {
        store,
        config,
        channels: merged,
        persisted: previous,
        closed_seen: HashSet::new(),
        allowed_drops: pruned,
        dirty: true,
        pending_events: 0,
        first_pending: Some(Instant::now()),
        last_change: Some(Instant::now()),
        blocked: false,
        attempt: 0,
        retry_at: None,
        waiters: Vec::new(),
        status: status_tx,
        events: Some(events),
        commands: command_rx,
    };
    worker.swap().await?;
    let task = tokio::spawn(worker.run());
    Ok(SwapperHandle {
        commands: command_tx,
        status: status_rx,
        task: Mutex::new(Some(task)),
        shutdown_timeout,
    })
}

/// Checks the "no silent shrinking" guard (issue 10).
///
/// A channel of `previous` missing from `next` is fine if it was seen closed
/// through an event, or (when pruned at start-up on explicit request) listed
/// in `allowed`, except that pruning down to zero channels is refused too.
/// [`ShrinkPolicy::Allow`] disables the guard.
pub(crate) fn check_shrink(
    previous: &HashSet<OutPoint>,
    next: &BTreeMap<OutPoint, Single>,
    closed_seen: &HashSet<OutPoint>,
    allowed: &HashSet<OutPoint>,
    policy: ShrinkPolicy,
) -> Result<(), SyncError> {
    if policy == ShrinkPolicy::Allow {
        return Ok(());
    }
    let mut dropped: Vec<OutPoint> = previous
        .iter()
        .filter(|op| !next.contains_key(op) && !closed_seen.contains(op))
        .copied()
        .collect();
    let to_zero = next.is_empty() && !dropped.is_empty();
    if !to_zero {
        dropped.retain(|op| !allowed.contains(op));
    }
    if dropped.is_empty() {
        return Ok(());
    }
    dropped.sort_unstable();
    Err(SyncError::ShrinkRefused {
        previous: previous.len(),
        next: next.len(),
        dropped,
    })
}

/// How many queued events one wake-up applies before looking at timers again.
const DRAIN_BATCH: usize = 4096;

struct Worker<S> {
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

impl<S: BackupStore> Worker<S> {
    async fn run(mut self) {
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
    async fn swap(&mut self) -> Result<(), SyncError> {
        if let Err(err) = check_shrink(
            &self.persisted,
            &self.channels,
            &self.closed_seen,
            &self.allowed_drops,
            self.config.shrink,
        ) {
            tracing::error!(error = %err, "backup rewrite refused");
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
                tracing::error!(error = %err, retry_in_ms = wait.as_millis(), "backup swap failed");
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
    use bitcoin::hashes::Hash;
    use bitcoin::Txid;

    fn op(i: u8) -> OutPoint {
        OutPoint {
            txid: Txid::from_byte_array([i; 32]),
            vout: 0,
        }
    }

    fn set(ops: &[u8]) -> HashSet<OutPoint> {
        ops.iter().map(|&i| op(i)).collect()
    }

    fn next(ops: &[u8]) -> BTreeMap<OutPoint, Single> {
        // The guard only looks at keys; the values are never read, so any
        // single will do. Build one from the test helper below.
        ops.iter().map(|&i| (op(i), dummy_single(op(i)))).collect()
    }

    fn dummy_single(outpoint: OutPoint) -> Single {
        use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
        use scb_wire::{LocalChanConfig, RemoteChanConfig, ShaChainRoot, ShortChannelId};
        let secp = Secp256k1::signing_only();
        let key = PublicKey::from_secret_key(
            &secp,
            &SecretKey::from_slice(&[7; 32]).expect("valid secret key"),
        );
        Single {
            version: scb_wire::SingleVersion::Tweakless,
            is_initiator: true,
            chain_hash: [0; 32],
            funding_outpoint: outpoint,
            short_channel_id: ShortChannelId::default(),
            remote_node_pub: key,
            addresses: Vec::new(),
            capacity: 1,
            local_chan_cfg: LocalChanConfig::default(),
            remote_chan_cfg: RemoteChanConfig {
                csv_delay: 1,
                multisig_key: key,
                revocation_base_point: key,
                payment_base_point: key,
                delay_base_point: key,
                htlc_base_point: key,
            },
            shachain_root: ShaChainRoot {
                pubkey: None,
                locator: scb_wire::KeyLocator::default(),
            },
            lease_expiry: None,
            close_tx_inputs: None,
        }
    }

    #[test]
    fn guard_accepts_growth_and_seen_closes() {
        let none = HashSet::new();
        check_shrink(
            &set(&[1, 2]),
            &next(&[1, 2, 3]),
            &none,
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect("growth is fine");
        check_shrink(
            &set(&[1, 2]),
            &next(&[1]),
            &set(&[2]),
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect("a seen close is fine");
        check_shrink(
            &set(&[1, 2]),
            &next(&[]),
            &set(&[1, 2]),
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect("closing every channel through events is fine");
    }

    #[test]
    fn guard_refuses_unseen_drop_and_lists_it() {
        let none = HashSet::new();
        let err = check_shrink(
            &set(&[1, 2, 3]),
            &next(&[1]),
            &set(&[2]),
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect_err("channel 3 vanished");
        match err {
            SyncError::ShrinkRefused {
                previous,
                next,
                dropped,
            } => {
                assert_eq!((previous, next), (3, 1));
                assert_eq!(dropped, vec![op(3)]);
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn guard_accepts_explicit_prune_but_not_down_to_zero() {
        let none = HashSet::new();
        check_shrink(
            &set(&[1, 2]),
            &next(&[1]),
            &none,
            &set(&[2]),
            ShrinkPolicy::Refuse,
        )
        .expect("pruning one of two is allowed");
        let err = check_shrink(
            &set(&[1, 2]),
            &next(&[]),
            &none,
            &set(&[1, 2]),
            ShrinkPolicy::Refuse,
        )
        .expect_err("pruning to zero is refused");
        assert!(
            matches!(err, SyncError::ShrinkRefused { next: 0, ref dropped, .. } if dropped.len() == 2)
        );
    }

    #[test]
    fn guard_allow_policy_permits_anything() {
        let none = HashSet::new();
        check_shrink(&set(&[1, 2]), &next(&[]), &none, &none, ShrinkPolicy::Allow)
            .expect("allowed explicitly");
    }

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
