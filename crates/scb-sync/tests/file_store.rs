//! The sub-swapper and the restore helpers over the real `channel.backup`
//! (scb-store + scb-crypto), starting from a file written by lnd.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{outpoint, Peers, SimConnector, SimNode, SimRestorer};
use scb_crypto::{BackupKey, OsRng};
use scb_store::{MultiFile, MultiFileOptions};
use scb_sync::{
    start_swapper, unpack_and_recover_multi, unpack_and_recover_singles, BackupStore, FileStore,
    RecoverOptions, SwapperConfig, SyncError, UnreadablePolicy,
};

/// The testnet backup key of the lnd vectors (`keys.json`, `encryption_key`).
fn vector_key() -> BackupKey {
    BackupKey::from_bytes(scb_testkit::hex32(
        "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7",
    ))
}

/// lnd's 16-channel `channel.backup`, shipped with the crate.
const FIXTURE: &[u8] = include_bytes!("fixtures/channel.backup");

fn file_store(dir: &tempfile::TempDir) -> FileStore {
    let file = MultiFile::new(
        dir.path().join("channel.backup"),
        MultiFileOptions::default(),
    )
    .unwrap();
    FileStore::new(file, vector_key())
}

fn config() -> SwapperConfig {
    SwapperConfig::default().with_debounce(Duration::from_millis(5))
}

#[tokio::test]
async fn file_store_loads_nothing_from_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    assert!(file_store(&dir).load().await.unwrap().is_none());
}

#[tokio::test]
async fn file_store_refuse_policy_does_not_start_over_a_file_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("channel.backup");
    std::fs::write(&path, FIXTURE).unwrap();
    let node = SimNode::new();
    let store = FileStore::new(
        MultiFile::new(&path, MultiFileOptions::default()).unwrap(),
        BackupKey::from_bytes([1; 32]), // not the key of this file
    )
    .with_unreadable_policy(UnreadablePolicy::Refuse);
    let err = start_swapper(config(), store, &node, &node, &node)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::StoreLoad { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), FIXTURE, "not overwritten");
}

#[tokio::test]
async fn file_store_quarantines_a_file_it_cannot_open_and_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("channel.backup");
    std::fs::write(&path, b"not a backup at all, just some garbage bytes here").unwrap();
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    let store = file_store(&dir);
    let handle = start_swapper(config(), store.clone(), &node, &node, &node)
        .await
        .unwrap();
    handle.shutdown().await.unwrap();

    let moved = store.quarantined().expect("reported");
    assert_ne!(moved.path, path);
    assert_eq!(
        std::fs::read(&moved.path).unwrap(),
        b"not a backup at all, just some garbage bytes here",
        "kept, never deleted"
    );
    let now: Vec<_> = store.load().await.unwrap().unwrap();
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].funding_outpoint, outpoint(1));
}

#[tokio::test]
async fn swapper_over_an_lnd_file_keeps_its_channels_and_adds_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("channel.backup"), FIXTURE).unwrap();
    let original: BTreeSet<_> = scb_crypto::unpack_multi(FIXTURE, &vector_key())
        .unwrap()
        .singles
        .iter()
        .map(|s| s.funding_outpoint)
        .collect();
    assert_eq!(original.len(), 16);

    let peers = Peers::new(2);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    let store = file_store(&dir);
    let handle = start_swapper(config(), store.clone(), &node, &node, &node)
        .await
        .unwrap();
    handle
        .manual_update(vec![peers.single(2, 2)])
        .await
        .unwrap();
    node.open(peers.single(3, 3)).await;
    node.close(outpoint(1)).await;
    handle.shutdown().await.unwrap();

    let on_disk: BTreeSet<_> = store
        .file()
        .extract_multi(&vector_key())
        .unwrap()
        .singles
        .iter()
        .map(|s| s.funding_outpoint)
        .collect();
    let mut expected = original.clone();
    expected.insert(outpoint(2));
    expected.insert(outpoint(3));
    assert_eq!(on_disk, expected);
    // The previous versions went to lnd's archive directory.
    assert!(!store.file().archive().list().unwrap().is_empty());

    // A restart reads the file back and changes nothing.
    let handle = start_swapper(config(), store.clone(), &node, &node, &node)
        .await
        .unwrap();
    handle.shutdown().await.unwrap();
    assert_eq!(store.load().await.unwrap().unwrap().len(), expected.len());
}

#[tokio::test]
async fn unpack_and_recover_multi_restores_every_channel_of_the_lnd_file() {
    let restorer = SimRestorer::default();
    let connector = SimConnector::default();
    let report = unpack_and_recover_multi(
        FIXTURE,
        &vector_key(),
        &restorer,
        &connector,
        &RecoverOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.channels.len(), 16);
    assert_eq!(report.restored(), 16);
    assert_eq!(restorer.restored.lock().unwrap().len(), 16);
}

#[tokio::test]
async fn unpack_and_recover_multi_with_the_wrong_key_restores_nothing() {
    let restorer = SimRestorer::default();
    let err = unpack_and_recover_multi(
        FIXTURE,
        &BackupKey::from_bytes([1; 32]),
        &restorer,
        &SimConnector::default(),
        &RecoverOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SyncError::Unpack { .. }), "{err}");
    assert!(restorer.restored.lock().unwrap().is_empty());
}

#[tokio::test]
async fn unpack_and_recover_singles_skips_an_unreadable_single_and_restores_the_rest() {
    let key = vector_key();
    let singles = scb_crypto::unpack_multi(FIXTURE, &key).unwrap().singles;
    let mut packed: Vec<Vec<u8>> = singles[..4]
        .iter()
        .map(|s| {
            scb_crypto::pack_single(s, &key, &mut OsRng)
                .unwrap()
                .into_bytes()
        })
        .collect();
    let last = packed[1].len() - 1;
    packed[1][last] ^= 1; // corrupt the tag of the second one
    let restorer = SimRestorer::default();
    let report = unpack_and_recover_singles(
        &packed,
        &key,
        &restorer,
        &SimConnector::default(),
        &RecoverOptions::default(),
    )
    .await;
    assert_eq!(report.unreadable.len(), 1);
    assert!(
        report.unreadable[0].to_string().contains("single 1"),
        "{}",
        report.unreadable[0]
    );
    assert_eq!(report.channels.len(), 3);
    assert!(!report.is_complete());
    let restored: BTreeSet<_> = restorer.restored.lock().unwrap().iter().copied().collect();
    let expected: BTreeSet<_> = [0, 2, 3]
        .iter()
        .map(|&i| singles[i].funding_outpoint)
        .collect();
    assert_eq!(restored, expected);
}

#[scb_testkit::requires(vectors)]
#[tokio::test]
async fn shared_lnd_channel_backup_vector_restores_in_full() {
    let dir = scb_testkit::vectors_dir();
    let bytes = std::fs::read(dir.join("channel.backup")).unwrap();
    let report = unpack_and_recover_multi(
        &bytes,
        &vector_key(),
        &SimRestorer::default(),
        &SimConnector::default(),
        &RecoverOptions::default(),
    )
    .await
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("channel.backup.json")).unwrap()).unwrap();
    let expected: Vec<String> = json["singles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["funding_outpoint"].as_str().unwrap().to_owned())
        .collect();
    let restored: Vec<String> = report
        .channels
        .iter()
        .map(|c| c.outpoint.to_string())
        .collect();
    assert_eq!(restored, expected, "every channel, in file order");
    assert_eq!(report.restored(), expected.len());
}
