//! Real lnd backups and real decryption (scb-crypto) as the verification hook: a file
//! written with another wallet's key, or corrupted, is never replicated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use scb_crypto::{BackupKey, Network};
use scb_replicate::{
    fetch_latest, replicate_once, Destination, Status, VerifiedInfo, Verifier, WatchConfig,
};

/// The public test-vector key (`shared/vectors/keys.json`, `tprv`), not a real wallet.
const TPRV: &str = "tprv8ZgxMBicQKsPd14zvYbb8EfSTCv57Bj4mppgAGgrSKuKiDQ1DRnv7BwJhQNWLRyPGZBWQuRNsH5LpDyyaK5iLrRgz9VhXu3mvjRtAFPfX4q";

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(p).unwrap()
}

fn decrypting_verifier() -> Verifier {
    let key = BackupKey::from_xprv_str(TPRV, Network::Testnet).unwrap();
    Verifier::new(move |bytes: &[u8]| {
        scb_crypto::unpack_multi(bytes, &key)
            .map(|m| VerifiedInfo::with_channels(m.singles.len()))
            .map_err(|e| e.to_string())
    })
}

#[tokio::test]
async fn only_backups_that_decrypt_with_the_node_key_are_replicated() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(decrypting_verifier());

    let good = fixture("lnd-channel.backup");
    std::fs::write(&source, &good).unwrap();
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    assert_eq!(out[0].channels, Some(16));

    // Same format, another wallet's key.
    std::fs::write(&source, fixture("other-wallet-channel.backup")).unwrap();
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Rejected, "{}", out[0]);

    // One flipped bit in the ciphertext.
    let mut corrupted = good.clone();
    corrupted[100] ^= 0x01;
    std::fs::write(&source, &corrupted).unwrap();
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Rejected, "{}", out[0]);

    // Truncated mid-file, as a partial copy would be.
    std::fs::write(&source, &good[..good.len() / 2]).unwrap();
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Rejected, "{}", out[0]);

    let v = decrypting_verifier();
    let back = fetch_latest(&dest, Some(&v)).await.unwrap();
    assert_eq!(back.bytes, good, "the good copy is still the remote copy");
    assert_eq!(dest.list_history().await.unwrap().len(), 1);
}

#[scb_testkit::requires(vectors)]
#[test]
fn fixtures_are_byte_copies_of_the_shared_vectors() {
    let vectors = scb_testkit::vectors_dir();
    assert_eq!(
        fixture("lnd-channel.backup"),
        std::fs::read(vectors.join("channel.backup")).unwrap()
    );
    assert_eq!(
        fixture("other-wallet-channel.backup"),
        std::fs::read(vectors.join("key-quirk/channel.backup")).unwrap()
    );
}
