//! Restoring channels from singles (lnd's `chanbackup/recover.go`,
//! docs/recovery.md#how-lnd-restores).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use bitcoin::secp256k1::PublicKey;
use bitcoin::OutPoint;
use futures_util::StreamExt;
use scb_wire::{Address, Single};

use scb_crypto::BackupKey;

use crate::error::{share, SharedError};
use crate::{BoxError, SyncError};

/// Why the node could not restore a channel.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The node already has (or had) this channel; the restore skips it. This
    /// is a variant, not an error identity to compare (lnd's weak spot, 11.2).
    #[error("channel already exists")]
    AlreadyExists,
    /// Any other failure: displayed as the node's error itself, whose cause
    /// is then its `source()` (said once, not twice).
    #[error(transparent)]
    Failed(BoxError),
}

/// The node's side of a restore: turns a single into a channel shell.
pub trait ChannelRestorer: Send + Sync {
    /// Stores a restored channel shell for `single`.
    ///
    /// Return [`RestoreError::AlreadyExists`] for a channel the node already
    /// knows (open or closed), so a repeated restore skips it.
    fn restore_channel(
        &self,
        single: &Single,
    ) -> impl Future<Output = Result<(), RestoreError>> + Send;
}

/// The node's side of a restore: asks a peer to force-close.
pub trait PeerConnector: Send + Sync {
    /// Connects (persistently) to `peer` at any of `addresses`.
    fn connect_peer(
        &self,
        peer: PublicKey,
        addresses: &[Address],
    ) -> impl Future<Output = Result<(), BoxError>> + Send;
}

/// Options of [`recover`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoverOptions {
    /// How many peer connections may be in progress at once (0 counts as 1).
    pub connect_concurrency: usize,
}

impl Default for RecoverOptions {
    fn default() -> Self {
        Self {
            connect_concurrency: 4,
        }
    }
}

impl RecoverOptions {
    /// Sets [`connect_concurrency`](Self::connect_concurrency).
    #[must_use]
    pub fn with_connect_concurrency(mut self, concurrency: usize) -> Self {
        self.connect_concurrency = concurrency;
        self
    }
}

/// What happened to one channel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ChannelOutcome {
    /// Restored, and its peer was asked to reconnect.
    Restored,
    /// The node already had it; skipped, no connection attempted.
    AlreadyExisted,
    /// The restorer failed; no connection attempted.
    RestoreFailed(SharedError),
    /// Restored, but connecting to its peer failed (retry the connection
    /// later; the shell is stored).
    ConnectFailed(SharedError),
}

/// One channel's line in a [`RecoveryReport`].
#[derive(Debug, Clone)]
pub struct ChannelReport {
    /// The channel's funding outpoint.
    pub outpoint: OutPoint,
    /// The channel's peer.
    pub peer: PublicKey,
    /// What happened.
    pub outcome: ChannelOutcome,
}

/// The result of a restore: one line per channel, in input order.
#[derive(Debug, Clone, Default)]
pub struct RecoveryReport {
    /// Per-channel outcomes, in the order of the singles given.
    pub channels: Vec<ChannelReport>,
    /// Inputs that could not be unpacked at all (unpack helpers only).
    pub unreadable: Vec<SyncError>,
}

impl RecoveryReport {
    /// Channels whose shell was stored by this run (including those whose
    /// connection failed), i.e. lnd's `num_restored`.
    pub fn restored(&self) -> usize {
        self.count(|o| {
            matches!(
                o,
                ChannelOutcome::Restored | ChannelOutcome::ConnectFailed(_)
            )
        })
    }

    /// Channels skipped because the node already had them.
    pub fn already_existed(&self) -> usize {
        self.count(|o| matches!(o, ChannelOutcome::AlreadyExisted))
    }

    /// Channels whose restore or connection failed.
    pub fn failed(&self) -> usize {
        self.count(|o| {
            matches!(
                o,
                ChannelOutcome::RestoreFailed(_) | ChannelOutcome::ConnectFailed(_)
            )
        })
    }

    /// Whether every input was read and every channel restored (or already
    /// present) with its peer contacted.
    pub fn is_complete(&self) -> bool {
        self.unreadable.is_empty() && self.failed() == 0
    }

    fn count(&self, pred: impl Fn(&ChannelOutcome) -> bool) -> usize {
        self.channels.iter().filter(|c| pred(&c.outcome)).count()
    }
}

/// Restores every channel it can and reports each one.
///
/// Channels are restored one at a time in input order; a failure is recorded
/// and the next channel is tried (lnd stops at the first,
/// docs/recovery.md#restore-stops-at-first-failure, and an address problem
/// aborts the rest, docs/recovery.md#no-usable-address-aborts). A channel the
/// node already has is skipped.
/// Then the peers of the restored channels are contacted, once per peer with
/// the union of its channels' addresses, at most
/// [`RecoverOptions::connect_concurrency`] at a time; a peer's failure is
/// reported on each of its channels.
pub async fn recover<R, C>(
    singles: &[Single],
    restorer: &R,
    connector: &C,
    options: &RecoverOptions,
) -> RecoveryReport
where
    R: ChannelRestorer,
    C: PeerConnector,
{
    let mut outcomes: Vec<Option<ChannelOutcome>> = Vec::with_capacity(singles.len());
    // peer -> (addresses, indices of its restored channels)
    let mut peers: BTreeMap<[u8; 33], (PublicKey, Vec<Address>, Vec<usize>)> = BTreeMap::new();
    for (index, single) in singles.iter().enumerate() {
        let outcome = match restorer.restore_channel(single).await {
            Ok(()) => {
                let key = single.remote_node_pub;
                let entry = peers
                    .entry(key.serialize())
                    .or_insert_with(|| (key, Vec::new(), Vec::new()));
                for address in &single.addresses {
                    if !entry.1.contains(address) {
                        entry.1.push(address.clone());
                    }
                }
                entry.2.push(index);
                None
            }
            Err(RestoreError::AlreadyExists) => {
                tracing::info!(channel = %single.funding_outpoint, "channel already exists, skipped");
                Some(ChannelOutcome::AlreadyExisted)
            }
            Err(RestoreError::Failed(err)) => {
                tracing::warn!(channel = %single.funding_outpoint, error = &*err as &dyn std::error::Error, "channel restore failed");
                Some(ChannelOutcome::RestoreFailed(share(err)))
            }
        };
        outcomes.push(outcome);
    }

    let concurrency = options.connect_concurrency.max(1);
    let connections: Vec<_> = futures_util::stream::iter(peers.into_values())
        .map(|(peer, addresses, indices)| async move {
            let result = connector.connect_peer(peer, &addresses).await;
            (peer, result, indices)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for (peer, result, indices) in connections {
        let outcome = match result {
            Ok(()) => ChannelOutcome::Restored,
            Err(err) => {
                tracing::warn!(%peer, error = &*err as &dyn std::error::Error, "connecting to peer for restore failed");
                ChannelOutcome::ConnectFailed(share(err))
            }
        };
        for index in indices {
            if let Some(slot) = outcomes.get_mut(index) {
                *slot = Some(outcome.clone());
            }
        }
    }

    let channels = singles
        .iter()
        .zip(outcomes)
        .map(|(single, outcome)| ChannelReport {
            outpoint: single.funding_outpoint,
            peer: single.remote_node_pub,
            // Every restored index belongs to exactly one peer group, so
            // `None` cannot remain; should it ever, never claim success.
            outcome: outcome.unwrap_or_else(|| {
                ChannelOutcome::ConnectFailed(share("no connection was attempted".into()))
            }),
        })
        .collect();
    RecoveryReport {
        channels,
        unreadable: Vec::new(),
    }
}

/// Decrypts each packed single with `key`, then [`recover`]s the readable ones.
///
/// Unlike lnd (docs/recovery.md#how-lnd-restores), one packed single that does not open does
/// not stop the others: it is listed in [`RecoveryReport::unreadable`] (as
/// [`SyncError::Unpack`] naming its position) and the rest are restored.
pub async fn unpack_and_recover_singles<P, R, C>(
    packed: &[P],
    key: &BackupKey,
    restorer: &R,
    connector: &C,
    options: &RecoverOptions,
) -> RecoveryReport
where
    P: AsRef<[u8]>,
    R: ChannelRestorer,
    C: PeerConnector,
{
    let mut singles = Vec::with_capacity(packed.len());
    let mut unreadable = Vec::new();
    for (index, bytes) in packed.iter().enumerate() {
        match scb_crypto::unpack_single(bytes.as_ref(), key) {
            Ok(single) => singles.push(single),
            Err(err) => unreadable.push(SyncError::Unpack {
                what: format!("single {index}"),
                source: Arc::new(err),
            }),
        }
    }
    let mut report = recover(&singles, restorer, connector, options).await;
    report.unreadable = unreadable;
    report
}

/// Decrypts a packed multi (e.g. the content of `channel.backup`) with `key`,
/// then [`recover`]s every channel in it.
///
/// A multi is one ciphertext, so it opens entirely or not at all: failure is
/// [`SyncError::Unpack`] and nothing is restored.
pub async fn unpack_and_recover_multi<R, C>(
    packed: &[u8],
    key: &BackupKey,
    restorer: &R,
    connector: &C,
    options: &RecoverOptions,
) -> Result<RecoveryReport, SyncError>
where
    R: ChannelRestorer,
    C: PeerConnector,
{
    let multi = scb_crypto::unpack_multi(packed, key).map_err(|err| SyncError::Unpack {
        what: "multi".to_owned(),
        source: Arc::new(err),
    })?;
    Ok(recover(&multi.singles, restorer, connector, options).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_failure_shows_the_node_error_and_its_cause_once_each() {
        let io = std::io::Error::other("disk full");
        let node: BoxError = Box::new(SyncError::Unpack {
            what: "single 3".to_owned(),
            source: Arc::new(io),
        });
        let err = RestoreError::Failed(node);
        assert_eq!(err.to_string(), "unable to unpack backup single 3");
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("disk full"));
    }
}
