//! The sub-swapper: keeps the backup store current with the node's channels
//! (lnd's `chanbackup/pubsub.go`). Its handle and start-up live here; the
//! task itself is in `worker.rs`, its tuning in `config.rs`, the shrink guard
//! in `shrink.rs`.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bitcoin::OutPoint;
use scb_wire::Single;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backup::{
    fetch_all_channels, fetch_static_channel_backups, with_addresses_lenient, ChannelBackup,
};
use crate::error::share;
use crate::node::{AddressSource, ChannelLookup, ChannelNotifier, ChannelSource};
use crate::store::BackupStore;
use crate::worker::{Command, Start, Worker};
use crate::{DiskOnlyPolicy, SwapperConfig, SyncError};

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
/// In order: takes a snapshot of the node's channels (addresses from the address source; an
/// unknown peer keeps the source's addresses instead of failing, unlike lnd:
/// docs/format.md#unknown-peer-stops-start), subscribes to events relative to that snapshot,
/// loads the stored set, merges exactly as lnd does (stored entries kept unless replaced),
/// applies the [`DiskOnlyPolicy`] and the shrink guard, writes once, then spawns the swapper
/// task on the current tokio runtime.
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
    let live = fetch_all_channels(channels).await?;
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
                    tracing::warn!(channel = %outpoint, error = &*err as &dyn std::error::Error, "cannot tell whether a stored channel is closed; keeping it");
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
    let mut worker = Worker::new(
        store,
        config,
        Start {
            channels: merged,
            persisted: previous,
            allowed_drops: pruned,
        },
        status_tx,
        events,
        command_rx,
    );
    worker.swap().await?;
    let task = tokio::spawn(worker.run());
    Ok(SwapperHandle {
        commands: command_tx,
        status: status_rx,
        task: Mutex::new(Some(task)),
        shutdown_timeout,
    })
}
