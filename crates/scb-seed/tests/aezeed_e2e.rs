//! From 24 words to channels: `fixtures/aezeed-e2e/` (a copy of the shared
//! `vectors/aezeed-e2e/`) holds the keys of the wallet whose aezeed is
//! `aezeed.json`'s `seed_03`, and a `channel.backup` packed with its key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, hex, read_json, to_hex};
use scb_crypto::{BackupKey, Network, PackedMulti};
use scb_seed::decipher;

fn network(name: &str) -> Network {
    match name {
        "mainnet" => Network::Mainnet,
        "testnet" => Network::Testnet,
        other => panic!("unexpected network {other}"),
    }
}

fn words_to_channels(vectors: &std::path::Path, e2e: &std::path::Path) {
    let aezeed = read_json(&vectors.join("aezeed.json"));
    let case = aezeed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "seed_03")
        .unwrap();
    let keys = read_json(&e2e.join("keys.json"));

    // Words -> entropy: the wallet's BIP32 seed.
    let seed = decipher(
        case["mnemonic"].as_str().unwrap(),
        case["passphrase"].as_str().unwrap().as_bytes(),
    )
    .unwrap();
    assert_eq!(to_hex(seed.entropy()), keys["bip32_seed"].as_str().unwrap());

    // Entropy -> backup key, on both networks.
    for net in keys["networks"].as_array().unwrap() {
        let key = BackupKey::from_seed(seed.entropy(), network(net["network"].as_str().unwrap()))
            .unwrap();
        assert_eq!(
            to_hex(key.as_bytes()),
            net["encryption_key"].as_str().unwrap()
        );
    }

    // Key -> the channels in channel.backup.
    let key = BackupKey::from_seed(
        seed.entropy(),
        network(keys["packed_with"].as_str().unwrap()),
    )
    .unwrap();
    let packed = std::fs::read(e2e.join("channel.backup")).unwrap();
    let multi = PackedMulti(packed).unpack(&key).unwrap();
    let expected = read_json(&e2e.join("channel.backup.json"));
    let singles = expected["singles"].as_array().unwrap();
    assert_eq!(multi.singles.len(), singles.len());
    for (got, want) in multi.singles.iter().zip(singles) {
        assert_eq!(
            to_hex(&got.remote_node_pub.serialize()),
            want["remote_node_pub"].as_str().unwrap()
        );
        assert_eq!(got.capacity, want["capacity_sat"].as_i64().unwrap());
    }
}

#[test]
fn aezeed_words_open_the_bundled_channel_backup() {
    words_to_channels(&fixture(""), &fixture("aezeed-e2e"));
}

#[scb_testkit::requires(vectors)]
#[test]
fn aezeed_words_open_the_shared_channel_backup() {
    let dir = scb_testkit::vectors_dir();
    words_to_channels(&dir, &dir.join("aezeed-e2e"));
}

#[test]
fn every_vector_entropy_gives_lnds_backup_keys() {
    // No scrypt here: the entropy strings are lnd's, the keys too.
    let aezeed = read_json(&fixture("aezeed.json"));
    for c in aezeed["cases"].as_array().unwrap() {
        let entropy = hex(c["entropy"].as_str().unwrap());
        for (field, net) in [
            ("backup_key_testnet", Network::Testnet),
            ("backup_key_mainnet", Network::Mainnet),
        ] {
            let key = BackupKey::from_seed(&entropy, net).unwrap();
            assert_eq!(
                to_hex(key.as_bytes()),
                c[field].as_str().unwrap(),
                "{} {field}",
                c["name"]
            );
        }
    }
}
