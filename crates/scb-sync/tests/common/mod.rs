//! A simulated Lightning node for the integration tests: in-memory channels,
//! address book, channel notifier, restorer and peer connector.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{OutPoint, Txid};
use scb_sync::{
    AddressSource, BoxError, ChannelEvent, ChannelEventReceiver, ChannelLookup, ChannelNotifier,
    ChannelRestorer, ChannelSource, PeerAddresses, PeerConnector, RestoreError,
};
use scb_wire::{
    Address, KeyLocator, LocalChanConfig, RemoteChanConfig, ShaChainRoot, ShortChannelId, Single,
    SingleVersion,
};
use tokio::sync::mpsc;

/// The node key of simulated peer `n` (n >= 1).
pub fn peer_key(n: u8) -> PublicKey {
    let secp = Secp256k1::signing_only();
    let mut secret = [0u8; 32];
    secret[31] = n;
    secret[0] = 1;
    PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&secret).unwrap())
}

/// The funding outpoint of simulated channel `id`.
pub fn outpoint(id: u32) -> OutPoint {
    let mut txid = [0u8; 32];
    txid[..4].copy_from_slice(&id.to_be_bytes());
    txid[31] = 0xab;
    OutPoint {
        txid: Txid::from_byte_array(txid),
        vout: id % 3,
    }
}

/// A single for channel `id` with peer `peer` (its key must come from
/// [`peer_key`]) and a capacity used as a "generation" marker by the tests.
pub fn single_with(id: u32, peer: PublicKey, capacity: i64) -> Single {
    Single {
        version: SingleVersion::AnchorsZeroFeeHtlcTx,
        is_initiator: id.is_multiple_of(2),
        chain_hash: [0x6f; 32],
        funding_outpoint: outpoint(id),
        short_channel_id: ShortChannelId {
            block_height: 800_000,
            tx_index: id,
            output_index: 0,
        },
        remote_node_pub: peer,
        addresses: Vec::new(),
        capacity,
        local_chan_cfg: LocalChanConfig {
            csv_delay: 144,
            multisig_key: KeyLocator {
                family: 0,
                index: id,
            },
            revocation_base_point: KeyLocator {
                family: 1,
                index: id,
            },
            payment_base_point: KeyLocator {
                family: 3,
                index: id,
            },
            delay_base_point: KeyLocator {
                family: 4,
                index: id,
            },
            htlc_base_point: KeyLocator {
                family: 2,
                index: id,
            },
        },
        remote_chan_cfg: RemoteChanConfig {
            csv_delay: 144,
            multisig_key: peer,
            revocation_base_point: peer,
            payment_base_point: peer,
            delay_base_point: peer,
            htlc_base_point: peer,
        },
        shachain_root: ShaChainRoot {
            pubkey: None,
            locator: KeyLocator {
                family: 5,
                index: id,
            },
        },
        lease_expiry: None,
        close_tx_inputs: None,
    }
}

/// Peer keys computed once (secp is slow in debug builds).
pub struct Peers(pub Vec<PublicKey>);

impl Peers {
    pub fn new(n: u8) -> Self {
        Self((1..=n).map(peer_key).collect())
    }

    /// The single of channel `id`, its peer chosen round-robin.
    pub fn single(&self, id: u32, capacity: i64) -> Single {
        let peer = self.0[id as usize % self.0.len()];
        single_with(id, peer, capacity)
    }
}

/// An address for peer `n`.
pub fn address_of(n: u8) -> Address {
    Address::Ipv4 {
        ip: std::net::Ipv4Addr::new(10, 0, 0, n),
        port: 9735,
    }
}

/// Outpoint -> capacity: the tests' view of a channel set.
pub fn summary(singles: &[Single]) -> BTreeMap<OutPoint, i64> {
    singles
        .iter()
        .map(|s| (s.funding_outpoint, s.capacity))
        .collect()
}

#[derive(Default)]
struct SimInner {
    open: BTreeMap<OutPoint, Single>,
    closed: HashSet<OutPoint>,
    book: HashMap<PublicKey, Vec<Address>>,
    subscribers: Vec<mpsc::Sender<ChannelEvent>>,
    open_during_subscribe: Option<Single>,
    fail_address_lookups: bool,
}

/// A simulated node: channel source, address source and channel notifier.
#[derive(Clone, Default)]
pub struct SimNode {
    inner: Arc<Mutex<SimInner>>,
}

impl SimNode {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a peer to the address book.
    pub fn learn_peer(&self, peer: PublicKey, addresses: Vec<Address>) {
        self.inner.lock().unwrap().book.insert(peer, addresses);
    }

    /// Makes every address lookup fail.
    pub fn fail_address_lookups(&self) {
        self.inner.lock().unwrap().fail_address_lookups = true;
    }

    /// Opens `single` during the next `subscribe` call, after the snapshot was taken.
    pub fn open_during_subscribe(&self, single: Single) {
        self.inner.lock().unwrap().open_during_subscribe = Some(single);
    }

    /// Adds a channel without notifying anyone (state before start-up).
    pub fn preload(&self, single: Single) {
        self.inner
            .lock()
            .unwrap()
            .open
            .insert(single.funding_outpoint, single);
    }

    /// Marks a channel closed without notifying (closed while nobody listened).
    pub fn preload_closed(&self, outpoint: OutPoint) {
        let mut inner = self.inner.lock().unwrap();
        inner.open.remove(&outpoint);
        inner.closed.insert(outpoint);
    }

    fn complete(inner: &SimInner, single: &Single) -> Single {
        let mut single = single.clone();
        if let Some(addresses) = inner.book.get(&single.remote_node_pub) {
            single.addresses.clone_from(addresses);
        }
        single
    }

    /// Opens (or refreshes) a channel and notifies the subscribers.
    pub async fn open(&self, single: Single) {
        let (event, subscribers) = {
            let mut inner = self.inner.lock().unwrap();
            inner.closed.remove(&single.funding_outpoint);
            let complete = Self::complete(&inner, &single);
            inner.open.insert(single.funding_outpoint, single);
            (
                ChannelEvent::Opened(vec![complete]),
                inner.subscribers.clone(),
            )
        };
        for subscriber in subscribers {
            let _ = subscriber.send(event.clone()).await;
        }
    }

    /// Closes a channel and notifies the subscribers.
    pub async fn close(&self, outpoint: OutPoint) {
        let subscribers = {
            let mut inner = self.inner.lock().unwrap();
            inner.open.remove(&outpoint);
            inner.closed.insert(outpoint);
            inner.subscribers.clone()
        };
        for subscriber in subscribers {
            let _ = subscriber.send(ChannelEvent::Closed(vec![outpoint])).await;
        }
    }

    /// Drops every subscription sender (the node's event bus went away).
    pub fn end_subscriptions(&self) {
        self.inner.lock().unwrap().subscribers.clear();
    }

    pub fn is_open(&self, outpoint: &OutPoint) -> bool {
        self.inner.lock().unwrap().open.contains_key(outpoint)
    }

    pub fn open_singles(&self) -> Vec<Single> {
        self.inner.lock().unwrap().open.values().cloned().collect()
    }
}

impl ChannelSource for SimNode {
    async fn fetch_all_channels(&self) -> Result<Vec<Single>, BoxError> {
        Ok(self.open_singles())
    }

    async fn fetch_channel(&self, outpoint: OutPoint) -> Result<ChannelLookup, BoxError> {
        let inner = self.inner.lock().unwrap();
        Ok(if let Some(single) = inner.open.get(&outpoint) {
            ChannelLookup::Open(Box::new(single.clone()))
        } else if inner.closed.contains(&outpoint) {
            ChannelLookup::Closed
        } else {
            ChannelLookup::Unknown
        })
    }
}

impl AddressSource for SimNode {
    async fn addresses_for(&self, peer: PublicKey) -> Result<PeerAddresses, BoxError> {
        let inner = self.inner.lock().unwrap();
        if inner.fail_address_lookups {
            return Err("address book offline".into());
        }
        Ok(match inner.book.get(&peer) {
            Some(list) => PeerAddresses::Known(list.clone()),
            None => PeerAddresses::Unknown,
        })
    }
}

impl ChannelNotifier for SimNode {
    async fn subscribe(&self, known: HashSet<OutPoint>) -> Result<ChannelEventReceiver, BoxError> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(single) = inner.open_during_subscribe.take() {
            inner.open.insert(single.funding_outpoint, single);
        }
        // Register first, then queue the difference against `known` (the contract).
        let opened: Vec<Single> = inner
            .open
            .values()
            .filter(|s| !known.contains(&s.funding_outpoint))
            .map(|s| Self::complete(&inner, s))
            .collect();
        let closed: Vec<OutPoint> = known
            .iter()
            .filter(|op| !inner.open.contains_key(op))
            .copied()
            .collect();
        let (tx, rx) = mpsc::channel(1024);
        if !opened.is_empty() {
            tx.try_send(ChannelEvent::Opened(opened)).unwrap();
        }
        if !closed.is_empty() {
            tx.try_send(ChannelEvent::Closed(closed)).unwrap();
        }
        inner.subscribers.push(tx);
        Ok(rx)
    }
}

/// A restorer that knows some channels already and fails on others.
#[derive(Default)]
pub struct SimRestorer {
    pub existing: Mutex<HashSet<OutPoint>>,
    pub failing: HashSet<OutPoint>,
    pub restored: Mutex<Vec<OutPoint>>,
}

impl ChannelRestorer for SimRestorer {
    async fn restore_channel(&self, single: &Single) -> Result<(), RestoreError> {
        let outpoint = single.funding_outpoint;
        if self.failing.contains(&outpoint) {
            return Err(RestoreError::Failed(
                "could not derive private key for legacy channel revocation root format".into(),
            ));
        }
        if !self.existing.lock().unwrap().insert(outpoint) {
            return Err(RestoreError::AlreadyExists);
        }
        self.restored.lock().unwrap().push(outpoint);
        Ok(())
    }
}

/// A connector that fails for some peers (and for an empty address list, as
/// lnd's does), takes `delay` per connection and records concurrency.
#[derive(Default)]
pub struct SimConnector {
    pub failing: HashSet<PublicKey>,
    pub delay: Duration,
    pub calls: Mutex<Vec<(PublicKey, Vec<Address>)>>,
    pub in_flight: Mutex<(usize, usize)>,
}

impl SimConnector {
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

impl PeerConnector for SimConnector {
    async fn connect_peer(&self, peer: PublicKey, addresses: &[Address]) -> Result<(), BoxError> {
        {
            let mut in_flight = self.in_flight.lock().unwrap();
            in_flight.0 += 1;
            in_flight.1 = in_flight.1.max(in_flight.0);
        }
        self.calls.lock().unwrap().push((peer, addresses.to_vec()));
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.in_flight.lock().unwrap().0 -= 1;
        if self.failing.contains(&peer) || addresses.is_empty() {
            return Err(format!("unable to connect to peer {peer} for SCB restore").into());
        }
        Ok(())
    }
}
