//! `scb trigger-close` on the real binary, against BOLT 8 peers on
//! 127.0.0.1 (scb-rescue's responder). The backup is the example backup's
//! channels, re-pointed at those peers and re-packed with the example key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use scb_crypto::{BackupKey, Network, RootKeyRing};
use scb_rescue::peer::messages::{self, Message};
use scb_rescue::peer::Connection;
use scb_wire::{Address, KeyLocator, Multi};
use serde_json::Value;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn ring() -> RootKeyRing {
    let tprv = std::fs::read_to_string(examples().join("rootkey.tprv")).unwrap();
    RootKeyRing::from_xprv_str(&tprv, Network::Testnet).unwrap()
}

/// What a peer saw: the node key that connected and the reestablishes.
#[derive(Default)]
struct Seen {
    node_ids: Vec<PublicKey>,
    reestablish: Vec<(messages::ChannelId, u64)>,
}

/// A peer answering every channel_reestablish with an error; returns its
/// address and key. Runs on its own thread's runtime.
fn peer(seen: Arc<Mutex<Seen>>) -> (SocketAddr, PublicKey) {
    let secret =
        SecretKey::from_slice(sha256::Hash::hash(b"cli test peer").as_byte_array()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Ok(mut conn) = Connection::accept(stream, secret).await else {
                        return;
                    };
                    seen.lock().unwrap().node_ids.push(conn.peer());
                    let _ = conn.recv().await;
                    let _ = conn.send(&messages::encode_init()).await;
                    while let Ok(bytes) = conn.recv().await {
                        if let Ok(Message::ChannelReestablish {
                            channel_id,
                            next_commitment_number,
                            ..
                        }) = messages::decode(&bytes)
                        {
                            seen.lock()
                                .unwrap()
                                .reestablish
                                .push((channel_id, next_commitment_number));
                            let _ = conn
                                .send(&messages::encode_error(
                                    channel_id,
                                    "no such channel",
                                    false,
                                ))
                                .await;
                        }
                    }
                });
            }
        });
    });
    (
        addr,
        PublicKey::from_secret_key(&Secp256k1::signing_only(), &secret),
    )
}

/// The example's first three channels: one at `good`, one without an
/// address, one at a closed port. Written to `dir`; returns the file.
fn backup(dir: &Path, good: SocketAddr, good_key: PublicKey) -> (PathBuf, Multi) {
    backup_with(dir, good, good_key, |_| {})
}

fn backup_with(
    dir: &Path,
    good: SocketAddr,
    good_key: PublicKey,
    tweak: impl FnOnce(&mut Multi),
) -> (PathBuf, Multi) {
    let key = BackupKey::derive(&ring()).unwrap();
    let file = std::fs::read(examples().join("channel.backup")).unwrap();
    let mut multi = scb_crypto::unpack_multi(&file, &key).unwrap();
    multi.singles.truncate(3);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let v4 = |a: SocketAddr| match a {
        SocketAddr::V4(a) => Address::Ipv4 {
            ip: *a.ip(),
            port: a.port(),
        },
        SocketAddr::V6(_) => unreachable!(),
    };
    for (i, s) in multi.singles.iter_mut().enumerate() {
        // The example's legacy shachain public keys are made up: use the
        // current (ECDH) form, which needs no stored key.
        s.shachain_root.pubkey = None;
        match i {
            0 => {
                s.remote_node_pub = good_key;
                s.addresses = vec![v4(good)];
            }
            1 => s.addresses = vec![],
            _ => s.addresses = vec![v4(closed)],
        }
    }
    tweak(&mut multi);
    let packed = scb_crypto::pack_multi(&multi, &key, &mut scb_crypto::OsRng).unwrap();
    let path = dir.join("channel.backup");
    std::fs::write(&path, packed.as_bytes()).unwrap();
    (path, multi)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scb"))
        .args(args)
        .env_remove("SCB_ROOTKEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn reports_every_channel_in_json_and_the_peer_sees_our_node_key_and_restored_messages() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (addr, peer_key) = peer(seen.clone());
    let (file, multi) = backup(dir.path(), addr, peer_key);
    let rootkey = examples().join("rootkey.tprv");
    let out = run(&[
        "trigger-close",
        file.to_str().unwrap(),
        "--network",
        "testnet",
        "--rootkey-file",
        rootkey.to_str().unwrap(),
        "--timeout",
        "5",
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 of 3 channels not reached"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let channels = v["channels"].as_array().unwrap();
    let outcomes: Vec<&str> = channels
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["reestablish_sent", "no_address", "unreachable"]);
    for (c, s) in channels.iter().zip(&multi.singles) {
        assert_eq!(c["funding_outpoint"], s.funding_outpoint.to_string());
        assert_eq!(c["peer"], s.remote_node_pub.to_string());
    }
    assert_eq!(channels[0]["peer_error"], "no such channel");
    assert_eq!(channels[0]["address"], addr.to_string());
    assert_eq!(channels[1]["address"], Value::Null);
    assert_eq!(channels[1]["peer_error"], Value::Null);

    // The peer was reached by our node key (family 6, index 0 of the seed)
    // and got the restored channel's message: version 0 sends 1.
    let node = ring()
        .derive_private_key(KeyLocator {
            family: 6,
            index: 0,
        })
        .unwrap()
        .public_key();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.node_ids, [node]);
    let id = scb_rescue::peer::ChannelId::from_funding_outpoint(&multi.singles[0].funding_outpoint);
    assert_eq!(channels[0]["channel_id"], id.to_hex());
    let want = u64::from(multi.singles[0].version == scb_wire::SingleVersion::Default);
    assert_eq!(seen.reestablish, [(id, want)]);
}

#[test]
fn peer_address_reaches_a_channel_without_one_and_channel_selects() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (addr, peer_key) = peer(seen.clone());
    let (file, multi) = backup(dir.path(), addr, peer_key);
    let rootkey = examples().join("rootkey.tprv");
    // Channel 2 has no address; point its peer at our responder... which
    // has another key, so the handshake must fail, naming the address.
    let other = multi.singles[1].remote_node_pub;
    let out = run(&[
        "trigger-close",
        file.to_str().unwrap(),
        "--network",
        "testnet",
        "--rootkey-file",
        rootkey.to_str().unwrap(),
        "--timeout",
        "5",
        "--channel",
        &multi.singles[1].funding_outpoint.to_string(),
        "--peer-address",
        &format!("{other}@{addr}"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("asked 1 peer about 1 channel"), "{text}");
    assert!(text.contains("handshake_failed"), "{text}");
    assert!(text.contains(&format!("address  {addr}")), "{text}");

    // The first channel alone, through --peer-address as well: all reached, exit 0.
    let out = run(&[
        "trigger-close",
        file.to_str().unwrap(),
        "--network",
        "testnet",
        "--rootkey-file",
        rootkey.to_str().unwrap(),
        "--channel",
        &multi.singles[0].funding_outpoint.to_string(),
        "--peer-address",
        &format!("{peer_key}@{addr}"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("reestablish_sent"), "{text}");
    assert!(text.contains("error    no such channel"), "{text}");
    assert!(
        text.contains("next: wait for each peer's commitment"),
        "{text}"
    );
}

#[test]
fn bad_options_are_usage_errors_and_unknown_channels_fail_before_any_connection() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (addr, peer_key) = peer(seen.clone());
    let (file, _) = backup(dir.path(), addr, peer_key);
    let rootkey = examples().join("rootkey.tprv");
    let base = [
        "trigger-close",
        file.to_str().unwrap(),
        "--network",
        "testnet",
        "--rootkey-file",
        rootkey.to_str().unwrap(),
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        run(&a)
    };
    let out = with(&["--peer-address", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--peer-address \"nonsense\""));
    let out = with(&["--timeout", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let missing = format!("{}:0", "11".repeat(32));
    let out = with(&["--channel", &missing]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no channel with funding outpoint"));
    assert!(
        seen.lock().unwrap().node_ids.is_empty(),
        "nothing may connect"
    );
}

#[test]
fn a_channel_whose_keys_cannot_be_derived_is_reported_and_the_others_still_tried() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (addr, peer_key) = peer(seen.clone());
    let (file, multi) = backup_with(dir.path(), addr, peer_key, |m| {
        // Key families are 31-bit: no key exists at this locator.
        m.singles[1].local_chan_cfg.multisig_key = KeyLocator {
            family: 1 << 31,
            index: 0,
        };
    });
    let rootkey = examples().join("rootkey.tprv");
    let out = run(&[
        "trigger-close",
        file.to_str().unwrap(),
        "--network",
        "testnet",
        "--rootkey-file",
        rootkey.to_str().unwrap(),
        "--timeout",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let channels = v["channels"].as_array().unwrap();
    let outcomes: Vec<&str> = channels
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["reestablish_sent", "not_attempted", "unreachable"]
    );
    assert_eq!(
        channels[1]["funding_outpoint"],
        multi.singles[1].funding_outpoint.to_string()
    );
    let detail = channels[1]["detail"].as_str().unwrap();
    assert!(detail.contains("key derivation failed"), "{detail}");
    assert_eq!(seen.lock().unwrap().reestablish.len(), 1);
}
