//! Keeps lnd's `channel.backup` current while a node runs, exports live
//! channel backups, and restores channels from backups.
//!
//! The async counterpart of lnd's `chanbackup` package (`pubsub.go`,
//! `backup.go`, `recover.go`), built on `tokio`:
//!
//! - **Sub-swapper** ([`start_swapper`] → [`SwapperHandle`]): follows the
//!   node's channels through three small traits the node implements
//!   ([`ChannelSource`], [`AddressSource`], [`ChannelNotifier`]) and keeps a
//!   [`BackupStore`] ([`FileStore`] for `channel.backup`; `MemoryStore` for
//!   tests, with the `test-utils` feature) equal to lnd's merge of the live set with what is stored. Unlike
//!   lnd it coalesces bursts ([`SwapperConfig::debounce`], with every change
//!   durable within [`SwapperConfig::max_delay`]), retries failed swaps with
//!   capped backoff, reports its health on a `watch` channel
//!   ([`SwapperStatus`]), keeps the set in memory instead of re-reading and
//!   re-decrypting the file on each event, and refuses to silently shrink the
//!   backup ([`SyncError::ShrinkRefused`]).
//! - **Export** ([`fetch_backup_for_channel`], [`fetch_static_channel_backups`]):
//!   as lnd, but one channel with an unknown peer gets its own error instead of
//!   failing the whole export.
//! - **Restore** ([`recover`], [`unpack_and_recover_singles`],
//!   [`unpack_and_recover_multi`]): restores every channel it can, skips those
//!   the node already has, and returns a per-channel [`RecoveryReport`].
//!
//! # Features
//!
//! - `test-utils`: test doubles for the crates and tests built on this one
//!   (`MemoryStore`, a [`BackupStore`] that fails on demand, with its
//!   `SimulatedFailure` and `SwapRecord`), as LDK's `_test_utils`. Not part
//!   of the default API.
//!
//! # Example: a toy node, end to end
//!
//! ```
//! use std::collections::HashSet;
//! use std::sync::Mutex;
//!
//! use bitcoin::secp256k1::PublicKey;
//! use bitcoin::OutPoint;
//! use scb_crypto::BackupKey;
//! use scb_store::{MultiFile, MultiFileOptions};
//! use scb_sync::*;
//! use scb_wire::{Address, Single};
//! use tokio::sync::mpsc;
//! # fn toy_single(id: u8) -> Single {
//! #     use scb_wire::*;
//! #     let secp = bitcoin::secp256k1::Secp256k1::signing_only();
//! #     let sk = bitcoin::secp256k1::SecretKey::from_slice(&[id; 32]).unwrap();
//! #     let peer = PublicKey::from_secret_key(&secp, &sk);
//! #     let txid = <bitcoin::Txid as bitcoin::hashes::Hash>::from_byte_array([id; 32]);
//! #     Single {
//! #         version: SingleVersion::AnchorsZeroFeeHtlcTx, is_initiator: true, chain_hash: [0; 32],
//! #         funding_outpoint: OutPoint { txid, vout: 0 },
//! #         short_channel_id: ShortChannelId { block_height: 800_000, tx_index: 1, output_index: 0 },
//! #         remote_node_pub: peer, addresses: Vec::new(), capacity: 1_000_000,
//! #         local_chan_cfg: LocalChanConfig::default(),
//! #         remote_chan_cfg: RemoteChanConfig { csv_delay: 144, multisig_key: peer,
//! #             revocation_base_point: peer, payment_base_point: peer,
//! #             delay_base_point: peer, htlc_base_point: peer },
//! #         shachain_root: ShaChainRoot { pubkey: None, locator: KeyLocator { family: 5, index: 0 } },
//! #         lease_expiry: None, close_tx_inputs: None,
//! #     }
//! # }
//!
//! /// A toy node: its open channels and its event subscribers.
//! #[derive(Default)]
//! struct ToyNode {
//!     channels: Mutex<Vec<Single>>,
//!     subscribers: Mutex<Vec<mpsc::Sender<ChannelEvent>>>,
//!     restored: Mutex<HashSet<OutPoint>>,
//! }
//!
//! impl ToyNode {
//!     async fn open(&self, single: Single) {
//!         self.channels.lock().unwrap().push(single.clone());
//!         let subscribers = self.subscribers.lock().unwrap().clone();
//!         for tx in subscribers {
//!             tx.send(ChannelEvent::Opened(vec![single.clone()])).await.unwrap();
//!         }
//!     }
//! }
//!
//! impl ChannelSource for ToyNode {
//!     async fn fetch_all_channels(&self) -> Result<Vec<Single>, BoxError> {
//!         Ok(self.channels.lock().unwrap().clone())
//!     }
//!     async fn fetch_channel(&self, outpoint: OutPoint) -> Result<ChannelLookup, BoxError> {
//!         let channels = self.channels.lock().unwrap();
//!         Ok(match channels.iter().find(|s| s.funding_outpoint == outpoint) {
//!             Some(single) => ChannelLookup::Open(Box::new(single.clone())),
//!             None => ChannelLookup::Unknown,
//!         })
//!     }
//! }
//!
//! impl AddressSource for ToyNode {
//!     async fn addresses_for(&self, _peer: PublicKey) -> Result<PeerAddresses, BoxError> {
//!         let ip = std::net::Ipv4Addr::new(203, 0, 113, 7);
//!         Ok(PeerAddresses::Known(vec![Address::Ipv4 { ip, port: 9735 }]))
//!     }
//! }
//!
//! impl ChannelNotifier for ToyNode {
//!     async fn subscribe(&self, known: HashSet<OutPoint>) -> Result<ChannelEventReceiver, BoxError> {
//!         let (tx, rx) = mpsc::channel(64);
//!         // The contract: queue whatever changed relative to `known`, then register.
//!         let missed: Vec<Single> = self.channels.lock().unwrap().iter()
//!             .filter(|s| !known.contains(&s.funding_outpoint)).cloned().collect();
//!         if !missed.is_empty() {
//!             tx.try_send(ChannelEvent::Opened(missed))?;
//!         }
//!         self.subscribers.lock().unwrap().push(tx);
//!         Ok(rx)
//!     }
//! }
//!
//! impl ChannelRestorer for ToyNode {
//!     async fn restore_channel(&self, single: &Single) -> Result<(), RestoreError> {
//!         if self.restored.lock().unwrap().insert(single.funding_outpoint) {
//!             Ok(())
//!         } else {
//!             Err(RestoreError::AlreadyExists)
//!         }
//!     }
//! }
//!
//! impl PeerConnector for ToyNode {
//!     async fn connect_peer(&self, _peer: PublicKey, addresses: &[Address]) -> Result<(), BoxError> {
//!         if addresses.is_empty() { Err("no address".into()) } else { Ok(()) }
//!     }
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let dir = tempfile::tempdir()?;
//!     let path = dir.path().join("channel.backup");
//!     // In a node: BackupKey::derive(&key_ring)? or BackupKey::from_seed(..)?
//!     let store = FileStore::new(
//!         MultiFile::new(&path, MultiFileOptions::default())?,
//!         BackupKey::from_bytes([7; 32]),
//!     );
//!
//!     let node = ToyNode::default();
//!     node.open(toy_single(1)).await;
//!     let swapper =
//!         start_swapper(SwapperConfig::default(), store, &node, &node, &node).await?;
//!
//!     // A channel opens; within `max_delay` it is in channel.backup.
//!     node.open(toy_single(2)).await;
//!     let mut status = swapper.status();
//!     status.wait_for(|s| s.channels == 2 && s.pending_events == 0).await?;
//!
//!     // Before the node stops: refresh every channel (as lnd does), then stop.
//!     let not_refreshed = swapper.refresh_all(&node, &node).await?;
//!     assert!(not_refreshed.is_empty());
//!     swapper.shutdown().await?;
//!
//!     // Disaster: restore from the file on a fresh node; a second run skips everything.
//!     let packed = std::fs::read(&path)?;
//!     let key = BackupKey::from_bytes([7; 32]);
//!     let fresh_node = ToyNode::default();
//!     let options = RecoverOptions::default();
//!     let report = unpack_and_recover_multi(&packed, &key, &fresh_node, &fresh_node, &options).await?;
//!     assert_eq!(report.restored(), 2);
//!     assert!(report.is_complete());
//!     let again = unpack_and_recover_multi(&packed, &key, &fresh_node, &fresh_node, &options).await?;
//!     assert_eq!(again.already_existed(), 2);
//!     Ok(())
//! }
//! ```

mod backup;
mod config;
mod error;
mod file_store;
#[cfg(any(test, feature = "test-utils"))]
mod memory_store;
mod node;
mod recover;
mod shrink;
mod store;
mod swapper;
mod worker;

pub use backup::{fetch_backup_for_channel, fetch_static_channel_backups, ChannelBackup};
pub use config::{DiskOnlyPolicy, ShrinkPolicy, SwapperConfig};
pub use error::{BoxError, SharedError, SyncError};
pub use file_store::{FileStore, QuarantinedFile, UnreadablePolicy};
#[cfg(any(test, feature = "test-utils"))]
pub use memory_store::{MemoryStore, SimulatedFailure, SwapRecord};
pub use node::{
    AddressSource, ChannelEvent, ChannelEventReceiver, ChannelLookup, ChannelNotifier,
    ChannelSource, PeerAddresses,
};
pub use recover::{
    recover, unpack_and_recover_multi, unpack_and_recover_singles, ChannelOutcome, ChannelReport,
    ChannelRestorer, PeerConnector, RecoverOptions, RecoveryReport, RestoreError,
};
pub use store::BackupStore;
pub use swapper::{start_swapper, SwapperHandle, SwapperStatus};
