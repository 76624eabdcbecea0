//! `trigger-close`: ask every channel's peer to force-close, as lnd does
//! after restoring a backup (docs/recovery.md, "Asking peers to close").
//!
//! One conversation per peer (all its channels' `channel_reestablish` on one
//! connection), at most [`TriggerCloseOptions::concurrency`] at once, each
//! bounded by [`TriggerCloseOptions::timeout`]; every channel is tried and
//! gets exactly one [`ChannelReport`], whatever happens to the others.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use bitcoin::secp256k1::{PublicKey, SecretKey};
use bitcoin::OutPoint;
use futures_util::stream::{self, StreamExt};
use scb_crypto::RootKeyRing;
use scb_wire::{Address, Single};
use tokio::time::{timeout, Instant};

use crate::peer::connection::dial;
use crate::peer::restored::restored_reestablish;
use crate::peer::session::{converse, ChannelAnswer, SessionEnd};
use crate::peer::{ChannelId, ChannelReestablish, PeerAddress, PeerError};
use crate::{revocation_root, RescueError};

/// One channel to ask about: its peer, where to find it, and the message.
#[derive(Debug, Clone)]
pub struct ChannelTarget {
    /// The channel's funding outpoint.
    pub funding_outpoint: OutPoint,
    /// The peer's node key.
    pub peer: PublicKey,
    /// The peer's addresses from the backup.
    pub addresses: Vec<Address>,
    /// The `channel_reestablish` to send.
    pub reestablish: ChannelReestablish,
}

impl ChannelTarget {
    /// The target for a channel restored from `single`: derives the
    /// channel's revocation root from the seed's key ring to build the
    /// message a restored lnd channel sends.
    pub fn from_single(single: &Single, ring: &RootKeyRing) -> Result<Self, RescueError> {
        let multisig = ring
            .derive_private_key(single.local_chan_cfg.multisig_key)
            .map_err(|source| RescueError::Key {
                channel: single.funding_outpoint,
                source,
            })?;
        let root = revocation_root(single, ring, &multisig.public_key())?;
        Ok(Self {
            funding_outpoint: single.funding_outpoint,
            peer: single.remote_node_pub,
            addresses: single.addresses.clone(),
            reestablish: restored_reestablish(single, &root, &multisig.public_key()),
        })
    }
}

/// How `trigger_close` runs.
#[derive(Debug, Clone)]
pub struct TriggerCloseOptions {
    /// Per peer and per address: the time to connect, and then the time for
    /// the whole conversation (handshake to the peer's answer).
    pub timeout: Duration,
    /// How many peers are talked to at once (at least 1).
    pub concurrency: usize,
    /// A SOCKS5 proxy `HOST:PORT` (Tor): every connection goes through it.
    pub tor_proxy: Option<String>,
    /// Addresses tried first for a peer, before the backup's.
    pub extra_addresses: Vec<(PublicKey, PeerAddress)>,
}

impl Default for TriggerCloseOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            concurrency: 32,
            tor_proxy: None,
            extra_addresses: Vec::new(),
        }
    }
}

/// The result for one channel (the JSON `outcome` names in
/// docs/recovery.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Our `channel_reestablish` reached the peer over an authenticated
    /// connection; the peer may have answered (see the report).
    ReestablishSent,
    /// No address could be connected to.
    Unreachable,
    /// A connection was made but the handshake or `init` failed (a wrong
    /// node key, a peer that is not a Lightning node, a broken peer).
    HandshakeFailed,
    /// Neither the backup nor the options give an address we can dial.
    NoAddress,
    /// The channel's message could not be built from the seed (its keys
    /// cannot be derived: a damaged single); the peer was not contacted.
    NotAttempted,
}

impl Outcome {
    /// The name used in JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReestablishSent => "reestablish_sent",
            Self::Unreachable => "unreachable",
            Self::HandshakeFailed => "handshake_failed",
            Self::NoAddress => "no_address",
            Self::NotAttempted => "not_attempted",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReport {
    /// The channel's funding outpoint.
    pub funding_outpoint: OutPoint,
    /// Its BOLT 2 channel id.
    pub channel_id: ChannelId,
    /// The peer's node key.
    pub peer: PublicKey,
    /// The address of the attempt reported (the one that got furthest).
    pub address: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// The peer's `error` text(s) for this channel, joined by "; ".
    pub peer_error: Option<String>,
    /// The peer's `warning` text(s), joined by "; ".
    pub peer_warning: Option<String>,
    /// Whether the peer answered with its own `channel_reestablish`.
    pub peer_reestablish: bool,
    /// Why the attempt stopped or failed, in one line (none when every
    /// channel of the peer got an `error` back).
    pub detail: Option<String>,
}

impl ChannelReport {
    /// The report of a channel whose message could not be built
    /// ([`ChannelTarget::from_single`] failed), so that it is still listed.
    pub fn not_attempted(single: &Single, error: &RescueError) -> Self {
        Self {
            funding_outpoint: single.funding_outpoint,
            channel_id: ChannelId::from_funding_outpoint(&single.funding_outpoint),
            peer: single.remote_node_pub,
            address: None,
            outcome: Outcome::NotAttempted,
            peer_error: None,
            peer_warning: None,
            peer_reestablish: false,
            detail: Some(error_chain(error)),
        }
    }
}

/// Asks every channel's peer to force-close: connects as our node
/// (`node_secret`, lnd's key family 6 index 0), sends each channel's
/// `channel_reestablish`, and reports per channel, in the order given.
///
/// Never fails once started; a peer's failure only shapes its channels'
/// reports.
pub async fn trigger_close(
    node_secret: &SecretKey,
    channels: &[ChannelTarget],
    options: &TriggerCloseOptions,
) -> Vec<ChannelReport> {
    trigger_close_with_progress(node_secret, channels, options, |_| {}).await
}

/// [`trigger_close`], calling `on_peer_done` with the reports of each peer's
/// channels as soon as that peer is done (for a progress display).
pub async fn trigger_close_with_progress(
    node_secret: &SecretKey,
    channels: &[ChannelTarget],
    options: &TriggerCloseOptions,
    on_peer_done: impl Fn(&[ChannelReport]),
) -> Vec<ChannelReport> {
    // One group per peer, channels in input order within it.
    let mut groups: BTreeMap<PublicKey, Vec<usize>> = BTreeMap::new();
    for (i, c) in channels.iter().enumerate() {
        groups.entry(c.peer).or_default().push(i);
    }
    let concurrency = options.concurrency.max(1);
    let node_secret = *node_secret;
    let mut reports: Vec<(usize, ChannelReport)> = stream::iter(groups)
        .map(|(peer, indices)| {
            let targets: Vec<&ChannelTarget> = indices.iter().map(|&i| &channels[i]).collect();
            async move {
                let reports = run_peer(node_secret, peer, &targets, options).await;
                (indices, reports)
            }
        })
        .buffer_unordered(concurrency)
        .flat_map(|(indices, reports)| {
            on_peer_done(&reports);
            stream::iter(indices.into_iter().zip(reports))
        })
        .collect()
        .await;
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// The result of one peer's attempt at one address.
struct Attempt {
    address: String,
    outcome: Outcome,
    answers: BTreeMap<ChannelId, ChannelAnswer>,
    detail: Option<String>,
}

/// Tries the peer's addresses in turn until one conversation gets our
/// messages out; reports the attempt that got furthest.
async fn run_peer(
    node_secret: SecretKey,
    peer: PublicKey,
    targets: &[&ChannelTarget],
    options: &TriggerCloseOptions,
) -> Vec<ChannelReport> {
    let mut addresses: Vec<PeerAddress> = options
        .extra_addresses
        .iter()
        .filter(|(key, _)| *key == peer)
        .map(|(_, a)| a.clone())
        .collect();
    let mut skipped: Vec<String> = Vec::new();
    // Every channel of a peer lists the same addresses in practice; take
    // them all, first seen first, without duplicates.
    for wire in targets.iter().flat_map(|t| &t.addresses) {
        match PeerAddress::from_wire(wire) {
            Ok(a) if !addresses.contains(&a) => addresses.push(a),
            Ok(_) => {}
            Err(reason) => skipped.push(format!("{wire}: {reason}")),
        }
    }
    let messages: Vec<ChannelReestablish> = targets.iter().map(|t| t.reestablish.clone()).collect();

    let mut best: Option<Attempt> = None;
    for address in &addresses {
        let attempt = attempt(node_secret, peer, address, &messages, options).await;
        tracing::debug!(%peer, %address, outcome = %attempt.outcome, detail = ?attempt.detail, "trigger-close attempt");
        let done = attempt.outcome == Outcome::ReestablishSent;
        if best
            .as_ref()
            .is_none_or(|b| rank(attempt.outcome) >= rank(b.outcome))
        {
            best = Some(attempt);
        }
        if done {
            break;
        }
    }
    let best = best.unwrap_or_else(|| Attempt {
        address: String::new(),
        outcome: Outcome::NoAddress,
        answers: BTreeMap::new(),
        detail: Some(if skipped.is_empty() {
            "no address in the backup; give one with --peer-address".to_string()
        } else {
            format!("no dialable address ({})", skipped.join("; "))
        }),
    });
    targets
        .iter()
        .map(|t| {
            let id = t.reestablish.channel_id;
            let answer = best.answers.get(&id).cloned().unwrap_or_default();
            let join = |v: &[String]| (!v.is_empty()).then(|| v.join("; "));
            ChannelReport {
                funding_outpoint: t.funding_outpoint,
                channel_id: id,
                peer,
                address: (!best.address.is_empty()).then(|| best.address.clone()),
                outcome: best.outcome,
                peer_error: join(&answer.errors),
                peer_warning: join(&answer.warnings),
                peer_reestablish: answer.peer_reestablish,
                detail: best.detail.clone(),
            }
        })
        .collect()
}

fn rank(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::NotAttempted | Outcome::NoAddress => 0,
        Outcome::Unreachable => 1,
        Outcome::HandshakeFailed => 2,
        Outcome::ReestablishSent => 3,
    }
}

async fn attempt(
    node_secret: SecretKey,
    peer: PublicKey,
    address: &PeerAddress,
    messages: &[ChannelReestablish],
    options: &TriggerCloseOptions,
) -> Attempt {
    let failed = |outcome, error: PeerError| Attempt {
        address: address.to_string(),
        outcome,
        answers: BTreeMap::new(),
        detail: Some(error_chain(&error)),
    };
    let stream = match timeout(options.timeout, dial(address, options.tor_proxy.as_deref())).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return failed(Outcome::Unreachable, e),
        Err(_) => return failed(Outcome::Unreachable, PeerError::Timeout { step: "connect" }),
    };
    let deadline = Instant::now() + options.timeout;
    match converse(stream, node_secret, peer, messages, deadline).await {
        SessionEnd::HandshakeFailed(e) => failed(Outcome::HandshakeFailed, e),
        SessionEnd::Sent { answers, stopped } => Attempt {
            address: address.to_string(),
            outcome: Outcome::ReestablishSent,
            answers,
            detail: stopped.map(|e| error_chain(&e)),
        },
    }
}

/// An error and its sources in one line, each said once.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
