#![allow(clippy::unwrap_used, clippy::expect_used)]
//! lnd-written `channel.backup` files from lnd's vectors (`../shared/vectors`) open through `MultiFile`,
//! and survive a swap through scb-store byte for byte.

use std::path::Path;

use scb_crypto::BackupKey;
use scb_store::{MultiFile, MultiFileOptions};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The key that packed the files of `dir` (its `keys.json`, network `packed_with`).
fn packing_key(dir: &Path) -> BackupKey {
    let keys = json(&dir.join("keys.json"));
    let network = keys["packed_with"].as_str().unwrap();
    let entry = keys["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["network"] == network)
        .unwrap();
    BackupKey::from_bytes(scb_testkit::hex32(
        entry["encryption_key"].as_str().unwrap(),
    ))
}

#[scb_testkit::requires(vectors)]
#[test]
fn lnd_channel_backup_files_open_and_survive_a_swap_unchanged() {
    let root = scb_testkit::vectors_dir();
    for sub in [".", "key-quirk"] {
        let dir = root.join(sub);
        let key = packing_key(&dir);
        let expected = json(&dir.join("channel.backup.json"))["singles"]
            .as_array()
            .unwrap()
            .len();
        let original = std::fs::read(dir.join("channel.backup")).unwrap();

        let work = tempfile::tempdir().unwrap();
        let file = MultiFile::new(
            work.path().join("channel.backup"),
            MultiFileOptions::default(),
        )
        .unwrap();
        std::fs::write(file.path(), &original).unwrap();
        assert_eq!(
            file.extract_multi(&key).unwrap().singles.len(),
            expected,
            "{sub}"
        );

        // Swapping lnd's bytes through scb-store keeps them byte-identical (no header, no magic).
        file.update_and_swap(&original).unwrap();
        assert_eq!(file.read_packed().unwrap(), original, "{sub}");
        assert_eq!(
            file.extract_multi(&key).unwrap().singles.len(),
            expected,
            "{sub}"
        );
        let archived = file.archive().list().unwrap();
        assert_eq!(std::fs::read(&archived[0].path).unwrap(), original, "{sub}");
    }
}
