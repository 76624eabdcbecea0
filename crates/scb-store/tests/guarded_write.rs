#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The one guarded write through the public API, on a real directory: each refusal of
//! the `WritePolicy`, and that a refusal writes nothing.

use std::path::Path;

use scb_crypto::{BackupKey, OsRng};
use scb_store::{
    Content, Evidence, MultiFile, MultiFileOptions, Refusal, StoreError, Unreadable, WritePolicy,
};
use scb_wire::Multi;

fn fixture() -> (Multi, BackupKey) {
    let hex = "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7";
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    let key = BackupKey::from_bytes(key);
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lnd-channel.backup"),
    )
    .unwrap();
    (scb_crypto::unpack_multi(&bytes, &key).unwrap(), key)
}

fn refusal(result: Result<scb_store::SwapReport, StoreError>) -> Refusal {
    match result {
        Err(StoreError::Refused { refusal, .. }) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn each_guard_refuses_and_leaves_the_file_untouched() {
    let (multi, key) = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = MultiFile::new(
        dir.path().join("channel.backup"),
        MultiFileOptions::default(),
    )
    .unwrap();
    let strict = WritePolicy::strict();
    file.write_multi(&multi, &key, &strict, &mut OsRng).unwrap();
    let before = file.read_packed().unwrap();

    let mut fewer = multi.clone();
    fewer.singles.truncate(13);
    match refusal(file.write_multi(&fewer, &key, &strict, &mut OsRng)) {
        Refusal::Shrink { dropped } => assert_eq!(dropped.len(), 3),
        other => panic!("{other:?}"),
    }
    let empty = Multi::default();
    let shrink_only = WritePolicy::strict().with_allow_shrink(true);
    assert_eq!(
        refusal(file.write_multi(&empty, &key, &shrink_only, &mut OsRng)),
        Refusal::Empty { existing: 16 }
    );
    let other_key = BackupKey::from_bytes([3; 32]);
    match refusal(file.write_multi(&multi, &other_key, &strict, &mut OsRng)) {
        Refusal::Unreadable(d) => {
            assert_eq!(d.verdict, Unreadable::WrongKey);
            assert!(matches!(d.evidence, Evidence::MatchesManifest { .. }));
        }
        other => panic!("{other:?}"),
    }
    let opaque = Content::Opaque {
        channel_count: None,
    };
    assert_eq!(
        refusal(file.write_packed(b"whatever", &opaque, None, &strict)),
        Refusal::Unchecked
    );
    let mut dup = multi.clone();
    dup.singles.push(multi.singles[0].clone());
    assert!(matches!(
        file.write_multi(&dup, &key, &WritePolicy::replace_anything(), &mut OsRng),
        Err(StoreError::DuplicateChannel { .. })
    ));
    assert_eq!(
        file.read_packed().unwrap(),
        before,
        "no refusal wrote anything"
    );

    // force replaces the other key's file, reports what it replaced, and archives it.
    let report = file
        .write_multi(&multi, &other_key, &strict.with_force(true), &mut OsRng)
        .unwrap();
    assert!(report.replaced_unreadable.is_some());
    let newest = file.archive().list().unwrap().pop().unwrap();
    assert_eq!(std::fs::read(newest.path).unwrap(), before);
}

#[test]
fn a_rolled_back_file_is_no_baseline_without_allow_shrink() {
    let (multi, key) = fixture();
    let dir = tempfile::tempdir().unwrap();
    let file = MultiFile::new(
        dir.path().join("channel.backup"),
        MultiFileOptions::default(),
    )
    .unwrap();
    let mut fewer = multi.clone();
    fewer.singles.truncate(10);
    let strict = WritePolicy::strict();
    file.write_multi(&fewer, &key, &strict, &mut OsRng).unwrap();
    file.write_multi(&multi, &key, &strict, &mut OsRng).unwrap();
    let old = file.archive().list().unwrap().pop().unwrap();
    std::fs::copy(&old.path, file.path()).unwrap();
    let bytes = file.read_packed().unwrap();
    assert!(matches!(
        file.freshness_of(&bytes),
        scb_store::FileFreshness::RolledBack {
            manifest_sequence: 2,
            ..
        }
    ));
    match refusal(file.write_multi(&fewer, &key, &strict, &mut OsRng)) {
        Refusal::RolledBack {
            archived,
            manifest_sequence,
        } => {
            assert_eq!(archived, old.name);
            assert_eq!(manifest_sequence, 2);
        }
        other => panic!("{other:?}"),
    }
    file.write_multi(&fewer, &key, &strict.with_allow_shrink(true), &mut OsRng)
        .unwrap();
}

#[cfg(unix)]
#[test]
fn a_symlinked_main_file_is_neither_read_nor_replaced() {
    let (multi, key) = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, b"someone else's file").unwrap();
    let path = dir.path().join("channel.backup");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let file = MultiFile::new(&path, MultiFileOptions::default()).unwrap();
    let err = file
        .write_multi(&multi, &key, &WritePolicy::replace_anything(), &mut OsRng)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotRegular {
                what: "a symbolic link",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"someone else's file");
}
