//! What a Lightning node implements so the sub-swapper can follow its channels.
//!
//! Three small async traits, each one question a node can answer from its own
//! database and event bus: [`ChannelSource`], [`AddressSource`] and
//! [`ChannelNotifier`]. Methods return `impl Future + Send`, so an
//! implementation can simply write `async fn`.

use std::collections::HashSet;
use std::future::Future;

use bitcoin::secp256k1::PublicKey;
use bitcoin::OutPoint;
use scb_wire::{Address, Single};
use tokio::sync::mpsc;

use crate::BoxError;

/// What the node knows about one channel, by funding outpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelLookup {
    /// The channel still needs a backup (pending open, open, waiting for a
    /// close, or our own force close not yet fully resolved). The single has
    /// every field final except `addresses`, which the address source fills in.
    Open(Box<Single>),
    /// The node knows the channel was closed and fully resolved.
    Closed,
    /// The node has never heard of this channel.
    Unknown,
}

/// The node's live channels, as singles-to-be.
///
/// "Open" means "still needs a backup": pending-open, open, waiting-close and channels we
/// force-closed whose outputs are not yet fully resolved (lnd keeps those too,
/// docs/format.md#lnd-sub-swapper). Returned singles have every field final except `addresses`,
/// which is replaced by the [`AddressSource`]'s answer when the peer is known (and kept as
/// given otherwise).
pub trait ChannelSource: Send + Sync + 'static {
    /// Every channel that needs a backup.
    fn fetch_all_channels(&self) -> impl Future<Output = Result<Vec<Single>, BoxError>> + Send;

    /// One channel by funding outpoint.
    fn fetch_channel(
        &self,
        outpoint: OutPoint,
    ) -> impl Future<Output = Result<ChannelLookup, BoxError>> + Send;
}

/// What the node knows about a peer's network addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerAddresses {
    /// The peer is known; these are its addresses (possibly none).
    Known(Vec<Address>),
    /// Neither the node's peer records nor its graph know this peer.
    Unknown,
}

/// The node's address book.
pub trait AddressSource: Send + Sync + 'static {
    /// The known addresses of the peer with this node key.
    fn addresses_for(
        &self,
        peer: PublicKey,
    ) -> impl Future<Output = Result<PeerAddresses, BoxError>> + Send;
}

/// One change to the node's channel set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelEvent {
    /// Channels that (now) need a backup: pending open, confirmed, or any
    /// refresh of an existing channel (e.g. new close-tx inputs). Each single
    /// is complete, addresses included; it replaces any earlier single for the
    /// same funding outpoint.
    Opened(Vec<Single>),
    /// Channels that no longer need a backup. Send this only once a channel is
    /// fully resolved: a channel we force-closed ourselves must stay until its
    /// time-locked outputs are swept (lnd ≥ 0.14 does the same).
    Closed(Vec<OutPoint>),
}

impl ChannelEvent {
    /// How many channels this event touches.
    pub fn len(&self) -> usize {
        match self {
            ChannelEvent::Opened(singles) => singles.len(),
            ChannelEvent::Closed(outpoints) => outpoints.len(),
        }
    }

    /// Whether the event touches no channel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The receiving end of a channel-event subscription.
pub type ChannelEventReceiver = mpsc::Receiver<ChannelEvent>;

/// The node's channel event bus.
///
/// # Contract
///
/// The sub-swapper first takes a snapshot with
/// [`ChannelSource::fetch_all_channels`], then calls [`subscribe`] with the
/// funding outpoints of that snapshot (`known`). The returned receiver must
/// deliver, in order, every change relative to `known`:
///
/// - an [`ChannelEvent::Opened`] for every channel that needs a backup and is
///   not in `known` (whether it opened before or after the call), and
/// - a [`ChannelEvent::Closed`] for every outpoint in `known` that no longer
///   needs a backup,
///
/// followed by all later changes. The simplest correct implementation registers the sender
/// first, then diffs its current channel set against `known` and queues the difference. lnd
/// ignores `known` and loses what happens before its registration
/// (docs/format.md#events-before-registration-lost); this contract closes that gap.
///
/// Dropping every sender ends the subscription; the sub-swapper then keeps
/// serving manual updates and reports the end through its status.
///
/// [`subscribe`]: ChannelNotifier::subscribe
pub trait ChannelNotifier: Send + Sync + 'static {
    /// Subscribes to channel events relative to the `known` set.
    fn subscribe(
        &self,
        known: HashSet<OutPoint>,
    ) -> impl Future<Output = Result<ChannelEventReceiver, BoxError>> + Send;
}
