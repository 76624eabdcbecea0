//! Peers for the tests, all on 127.0.0.1: an LDK node (another Lightning
//! implementation) and small scripted peers built on our BOLT 8 responder.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::struct_field_names
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{Network, OutPoint, Txid};
use scb_rescue::peer::messages::{self, ChannelId, ChannelReestablish, Message};
use scb_rescue::peer::Connection;
use scb_rescue::ChannelTarget;
use scb_wire::Address;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A deterministic secret key from a label.
pub fn key(label: &str) -> SecretKey {
    SecretKey::from_slice(sha256::Hash::hash(label.as_bytes()).as_byte_array()).unwrap()
}

pub fn pubkey(k: &SecretKey) -> PublicKey {
    PublicKey::from_secret_key(&Secp256k1::signing_only(), k)
}

/// A channel target to `peer` at `addr` with a recognisable outpoint.
pub fn target(peer: PublicKey, addr: Option<SocketAddr>, n: u32) -> ChannelTarget {
    let funding_outpoint = OutPoint {
        txid: Txid::from_byte_array(sha256::Hash::hash(&n.to_be_bytes()).to_byte_array()),
        vout: n % 3,
    };
    let addresses = addr
        .map(|a| match a {
            SocketAddr::V4(v4) => Address::Ipv4 {
                ip: *v4.ip(),
                port: v4.port(),
            },
            SocketAddr::V6(v6) => Address::Ipv6 {
                ip: *v6.ip(),
                port: v6.port(),
            },
        })
        .into_iter()
        .collect();
    ChannelTarget {
        funding_outpoint,
        peer,
        addresses,
        reestablish: ChannelReestablish {
            channel_id: ChannelId::from_funding_outpoint(&funding_outpoint),
            next_commitment_number: 0,
            next_revocation_number: 0,
            your_last_per_commitment_secret: [0; 32],
            my_current_per_commitment_point: pubkey(&key(&format!("point {n}"))),
            next_local_nonce: None,
            next_local_nonces: None,
        },
    }
}

/// What a scripted peer does after accepting a TCP connection.
#[derive(Clone, Copy, Debug)]
pub enum Script {
    /// Handshake, init, then an `error` for every `channel_reestablish`.
    Answer,
    /// Closes the connection as soon as it is accepted.
    Drop,
    /// Accepts and never sends a byte.
    Silent,
    /// Sends 50 bytes of garbage instead of act two.
    GarbageAct,
    /// Handshake, then garbage instead of an encrypted message.
    GarbageAfterHandshake,
    /// Handshake, then a header announcing 65,535 bytes and only 100 of them.
    TruncatedMessage,
    /// Handshake, then a full-size (65,535-byte) unknown odd message, then
    /// a normal answer.
    OversizedThenAnswer,
    /// Handshake, then a `channel_reestablish` before `init`.
    MessageBeforeInit,
    /// Handshake, then one byte of the next message every 500 ms.
    SlowLoris,
    /// Handshake, init, reads our messages, then closes without a word.
    DropAfterInit,
    /// Handshake, init, then pings us and requires the pong before answering.
    PingFirst,
}

/// A scripted peer listening on 127.0.0.1; returns its address and node key.
pub async fn scripted_peer(script: Script) -> (SocketAddr, PublicKey) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let secret = key(&format!("scripted {addr}"));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(run_script(stream, secret, script));
        }
    });
    (addr, pubkey(&secret))
}

async fn run_script(mut stream: TcpStream, secret: SecretKey, script: Script) {
    match script {
        Script::Drop => return,
        Script::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Script::GarbageAct => {
            let mut act_one = [0u8; 50];
            let _ = stream.read_exact(&mut act_one).await;
            let _ = stream.write_all(&[0x42; 50]).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        _ => {}
    }
    let Ok(mut conn) = Connection::accept(stream, secret).await else {
        return;
    };
    match script {
        Script::GarbageAfterHandshake => {
            let mut s = conn.into_inner();
            let _ = s.write_all(&[0x13; 200]).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Script::TruncatedMessage => {
            // Instead of init: a valid header announcing 65,535 bytes, then
            // 100 of them, then the connection closes.
            let mut big = vec![0u8; 65_535];
            big[..2].copy_from_slice(&messages::INIT.to_be_bytes());
            let frame = conn.frame(&big);
            let _ = conn.stream_mut().write_all(&frame[..18 + 100]).await;
        }
        Script::MessageBeforeInit => {
            let m = ChannelReestablish {
                channel_id: ChannelId([9; 32]),
                next_commitment_number: 1,
                next_revocation_number: 0,
                your_last_per_commitment_secret: [0; 32],
                my_current_per_commitment_point: pubkey(&key("x")),
                next_local_nonce: None,
                next_local_nonces: None,
            };
            let _ = conn.send(&m.encode()).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Script::SlowLoris => {
            let _ = conn.recv().await;
            let mut s = conn.into_inner();
            for _ in 0..10_000 {
                if s.write_all(&[0]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Script::DropAfterInit => {
            let _ = conn.recv().await;
            let _ = conn.send(&messages::encode_init()).await;
            let _ = tokio::time::timeout(Duration::from_millis(300), conn.recv()).await;
        }
        Script::OversizedThenAnswer => {
            let _ = conn.recv().await;
            let _ = conn.send(&messages::encode_init()).await;
            let mut big = vec![0u8; 65_535];
            big[0] = 0x7f;
            big[1] = 0xff;
            let _ = conn.send(&big).await;
            answer_loop(conn).await;
        }
        Script::PingFirst => {
            let _ = conn.recv().await;
            let _ = conn.send(&messages::encode_init()).await;
            let _ = conn.send(&messages::encode_ping(7)).await;
            // Wait for the pong (skipping the reestablishes) before answering.
            let mut pending = Vec::new();
            loop {
                let Ok(bytes) = conn.recv().await else { return };
                match messages::decode(&bytes) {
                    Ok(Message::Pong) => break,
                    Ok(Message::ChannelReestablish { channel_id, .. }) => pending.push(channel_id),
                    _ => {}
                }
            }
            for id in pending {
                let _ = conn
                    .send(&messages::encode_error(id, "pong received; closing", false))
                    .await;
            }
            answer_loop(conn).await;
        }
        Script::Answer => {
            let _ = conn.recv().await;
            let _ = conn.send(&messages::encode_init()).await;
            answer_loop(conn).await;
        }
        _ => {}
    }
}

/// Answers every `channel_reestablish` with an `error` for its channel.
pub async fn answer_loop(mut conn: Connection<TcpStream>) {
    while let Ok(bytes) = conn.recv().await {
        if let Ok(Message::ChannelReestablish { channel_id, .. }) = messages::decode(&bytes) {
            let text = format!("unknown channel {}", channel_id.to_hex());
            if conn
                .send(&messages::encode_error(channel_id, &text, false))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------- LDK ---

pub mod ldk {
    use super::*;
    use lightning::blinded_path::message::{BlindedMessagePath, MessageContext};
    use lightning::blinded_path::payment::{BlindedPaymentPath, ReceiveTlvs};
    use lightning::chain::chaininterface::{
        BroadcasterInterface, ConfirmationTarget, FeeEstimator,
    };
    use lightning::chain::channelmonitor::{ChannelMonitor, ChannelMonitorUpdate, MonitorEvent};
    use lightning::chain::transaction::OutPoint as LdkOutPoint;
    use lightning::chain::{BestBlock, ChannelMonitorUpdateStatus, Watch};
    use lightning::ln::channel_state::ChannelDetails;
    use lightning::ln::channelmanager::{ChainParameters, ChannelManager};
    use lightning::ln::msgs::LightningError;
    use lightning::ln::peer_handler::{IgnoringMessageHandler, PeerManager};
    use lightning::onion_message::messenger::{Destination, MessageRouter, OnionMessagePath};
    use lightning::routing::router::{InFlightHtlcs, Route, RouteParameters, Router};
    use lightning::sign::{InMemorySigner, KeysManager, NodeSigner, Recipient};
    use lightning::util::config::UserConfig;
    use lightning::util::logger::{Logger, Record};
    use lightning_net_tokio::SocketDescriptor;

    pub struct NoChain;
    impl Watch<InMemorySigner> for NoChain {
        fn watch_channel(
            &self,
            _: LdkOutPoint,
            _: ChannelMonitor<InMemorySigner>,
        ) -> Result<ChannelMonitorUpdateStatus, ()> {
            Err(())
        }
        fn update_channel(
            &self,
            _: LdkOutPoint,
            _: &ChannelMonitorUpdate,
        ) -> ChannelMonitorUpdateStatus {
            ChannelMonitorUpdateStatus::UnrecoverableError
        }
        fn release_pending_monitor_events(
            &self,
        ) -> Vec<(
            LdkOutPoint,
            lightning::ln::types::ChannelId,
            Vec<MonitorEvent>,
            Option<PublicKey>,
        )> {
            Vec::new()
        }
    }

    pub struct Fees;
    impl FeeEstimator for Fees {
        fn get_est_sat_per_1000_weight(&self, _: ConfirmationTarget) -> u32 {
            253
        }
    }

    pub struct NoBroadcast;
    impl BroadcasterInterface for NoBroadcast {
        fn broadcast_transactions(&self, _: &[&bitcoin::Transaction]) {}
    }

    pub struct NoRouter;
    impl Router for NoRouter {
        fn find_route(
            &self,
            _: &PublicKey,
            _: &RouteParameters,
            _: Option<&[&ChannelDetails]>,
            _: InFlightHtlcs,
        ) -> Result<Route, LightningError> {
            Err(LightningError {
                err: "no routing in tests".into(),
                action: lightning::ln::msgs::ErrorAction::IgnoreError,
            })
        }
        fn create_blinded_payment_paths<
            T: bitcoin::secp256k1::Signing + bitcoin::secp256k1::Verification,
        >(
            &self,
            _: PublicKey,
            _: Vec<ChannelDetails>,
            _: ReceiveTlvs,
            _: u64,
            _: &Secp256k1<T>,
        ) -> Result<Vec<BlindedPaymentPath>, ()> {
            Err(())
        }
    }
    impl MessageRouter for NoRouter {
        fn find_path(
            &self,
            _: PublicKey,
            _: Vec<PublicKey>,
            _: Destination,
        ) -> Result<OnionMessagePath, ()> {
            Err(())
        }
        fn create_blinded_paths<
            T: bitcoin::secp256k1::Signing + bitcoin::secp256k1::Verification,
        >(
            &self,
            _: PublicKey,
            _: MessageContext,
            _: Vec<PublicKey>,
            _: &Secp256k1<T>,
        ) -> Result<Vec<BlindedMessagePath>, ()> {
            Err(())
        }
    }

    /// Keeps LDK's log lines so tests can show what LDK did.
    #[derive(Default)]
    pub struct Log(pub Mutex<Vec<String>>);
    impl Logger for Log {
        fn log(&self, record: Record) {
            self.0.lock().unwrap().push(format!("{}", record.args));
        }
    }

    pub type Manager = ChannelManager<
        Arc<NoChain>,
        Arc<NoBroadcast>,
        Arc<KeysManager>,
        Arc<KeysManager>,
        Arc<KeysManager>,
        Arc<Fees>,
        Arc<NoRouter>,
        Arc<NoRouter>,
        Arc<Log>,
    >;
    pub type Peers = PeerManager<
        SocketDescriptor,
        Arc<Manager>,
        IgnoringMessageHandler,
        IgnoringMessageHandler,
        Arc<Log>,
        IgnoringMessageHandler,
        Arc<KeysManager>,
    >;

    /// An LDK node listening on 127.0.0.1.
    pub struct Node {
        pub addr: SocketAddr,
        pub node_id: PublicKey,
        pub peers: Arc<Peers>,
        pub log: Arc<Log>,
    }

    pub async fn node(seed_label: &str) -> Node {
        let seed = *sha256::Hash::hash(seed_label.as_bytes()).as_byte_array();
        let keys = Arc::new(KeysManager::new(&seed, 1_700_000_000, 0));
        let log = Arc::new(Log::default());
        let manager = Arc::new(Manager::new(
            Arc::new(Fees),
            Arc::new(NoChain),
            Arc::new(NoBroadcast),
            Arc::new(NoRouter),
            Arc::new(NoRouter),
            log.clone(),
            keys.clone(),
            keys.clone(),
            keys.clone(),
            UserConfig::default(),
            ChainParameters {
                network: Network::Regtest,
                best_block: BestBlock::from_network(Network::Regtest),
            },
            1_700_000_000,
        ));
        let peers = Arc::new(Peers::new_channel_only(
            manager,
            IgnoringMessageHandler {},
            1_700_000_000,
            &seed,
            log.clone(),
            keys.clone(),
        ));
        let node_id = keys.get_node_id(Recipient::Node).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let pm = peers.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let std = stream.into_std().unwrap();
                tokio::spawn(lightning_net_tokio::setup_inbound(pm.clone(), std));
            }
        });
        Node {
            addr,
            node_id,
            peers,
            log,
        }
    }
}
