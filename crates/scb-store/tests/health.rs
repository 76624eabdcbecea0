#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Unreadable files are classified and quarantined; verified swaps read back what they wrote.

use std::path::Path;

use scb_crypto::BackupKey;
use scb_store::{FileHealth, MultiFile, MultiFileOptions, Opened, Unreadable, WritePolicy};

/// The testnet backup key of `/work/shared/vectors/keys.json`, which packed the fixture.
fn fixture_key() -> BackupKey {
    let hex = "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7";
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    BackupKey::from_bytes(key)
}

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lnd-channel.backup"))
        .unwrap()
}

fn wrong_key() -> BackupKey {
    BackupKey::from_bytes([7; 32])
}

fn new_file(dir: &Path) -> MultiFile {
    MultiFile::new(dir.join("channel.backup"), MultiFileOptions::default()).unwrap()
}

fn quarantine_reason(file: &MultiFile, key: &BackupKey) -> (Unreadable, std::path::PathBuf) {
    match file.open_or_quarantine(key).unwrap() {
        Opened::Quarantined { path, reason } => (reason, path),
        other => panic!("expected quarantine, got {other:?}"),
    }
}

#[test]
fn missing_and_readable_files_are_not_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    assert!(matches!(
        file.check(&fixture_key()).unwrap(),
        FileHealth::Missing
    ));
    assert!(matches!(
        file.open_or_quarantine(&fixture_key()).unwrap(),
        Opened::Missing
    ));
    std::fs::write(file.path(), fixture_bytes()).unwrap();
    match file.open_or_quarantine(&fixture_key()).unwrap() {
        Opened::Readable(multi) => assert_eq!(multi.singles.len(), 16),
        other => panic!("{other:?}"),
    }
    assert!(file.path().exists());
}

#[test]
fn empty_file_is_moved_aside_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    std::fs::write(file.path(), b"").unwrap();
    let (reason, moved) = quarantine_reason(&file, &fixture_key());
    assert_eq!(reason, Unreadable::Empty);
    assert!(!file.path().exists());
    assert!(moved
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("channel.backup.quarantine-"));
    assert_eq!(std::fs::read(&moved).unwrap(), b"");
    // The next swap writes a fresh file from the caller's state.
    file.update_and_swap(&fixture_bytes()).unwrap();
    assert!(moved.exists());
}

#[test]
fn truncated_file_is_reported_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    std::fs::write(file.path(), &fixture_bytes()[..30]).unwrap();
    assert_eq!(
        quarantine_reason(&file, &fixture_key()).0,
        Unreadable::Truncated
    );
}

#[test]
fn intact_file_with_manifest_and_wrong_key_is_reported_as_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    file.update_and_swap(&fixture_bytes()).unwrap();
    assert!(matches!(
        file.check(&wrong_key()).unwrap(),
        FileHealth::Unreadable(Unreadable::WrongKey)
    ));
    let (reason, moved) = quarantine_reason(&file, &wrong_key());
    assert_eq!(reason, Unreadable::WrongKey);
    assert_eq!(std::fs::read(moved).unwrap(), fixture_bytes());
}

#[test]
fn damaged_file_whose_archive_opens_is_reported_as_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    file.update_and_swap(&fixture_bytes()).unwrap();
    file.update_and_swap(&fixture_bytes()).unwrap(); // archives the first copy
    let mut bytes = fixture_bytes();
    bytes[100] ^= 0x01;
    std::fs::write(file.path(), &bytes).unwrap();
    assert_eq!(
        quarantine_reason(&file, &fixture_key()).0,
        Unreadable::Corrupted
    );
}

#[test]
fn foreign_file_without_evidence_is_wrong_key_or_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    std::fs::write(file.path(), fixture_bytes()).unwrap();
    assert_eq!(
        quarantine_reason(&file, &wrong_key()).0,
        Unreadable::WrongKeyOrCorrupted
    );
}

#[test]
fn decryptable_garbage_is_undecodable() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    let packed = fixture_key().encrypt(&[0xff; 64], &mut scb_crypto::OsRng);
    std::fs::write(file.path(), packed).unwrap();
    assert_eq!(
        quarantine_reason(&file, &fixture_key()).0,
        Unreadable::Undecodable
    );
}

#[test]
fn two_quarantines_in_one_second_keep_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    std::fs::write(file.path(), b"first").unwrap();
    let a = file.quarantine().unwrap();
    std::fs::write(file.path(), b"second").unwrap();
    let b = file.quarantine().unwrap();
    assert_ne!(a, b);
    assert_eq!(std::fs::read(a).unwrap(), b"first");
    assert_eq!(std::fs::read(b).unwrap(), b"second");
}

#[test]
fn verified_swap_writes_a_file_that_opens_with_the_same_channels() {
    let dir = tempfile::tempdir().unwrap();
    let file = new_file(dir.path());
    let multi = scb_crypto::unpack_multi(&fixture_bytes(), &fixture_key()).unwrap();
    let report = file
        .write_multi(
            &multi,
            &fixture_key(),
            &WritePolicy::strict(),
            &mut scb_crypto::OsRng,
        )
        .unwrap();
    assert!(report.all_ok());
    let back = file.extract_multi(&fixture_key()).unwrap();
    assert_eq!(back.singles.len(), 16);
    assert_eq!(
        file.read_manifest().unwrap().unwrap().channel_count,
        Some(16)
    );
    // A fresh random nonce each time: the bytes differ from lnd's file.
    assert_ne!(file.read_packed().unwrap(), fixture_bytes());
}
