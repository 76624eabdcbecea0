//! Replays the inputs kept for the `packed_multi_decode` fuzz target
//! (`tests/fuzz_cases/packed_multi_decode/` here, and the workspace's
//! `fuzz/regressions/packed_multi_decode/` when present) with the target's
//! invariant, so a crash found once stays fixed under plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use scb_crypto::{unpack_multi, BackupKey, UnpackError, NONCE_LEN, OVERHEAD};

/// The fuzz target's fixed key (testnet backup key of the vectors' wallet).
const KEY: &str = "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7";

fn replay_dir(dir: &Path, key: &BackupKey) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        match unpack_multi(&data, key) {
            Err(UnpackError::TooShort { len }) => assert!(len == data.len() && len < NONCE_LEN),
            Err(UnpackError::Authentication) => assert!(data.len() >= NONCE_LEN),
            Err(UnpackError::Decode(_)) | Ok(_) => assert!(data.len() >= OVERHEAD),
            Err(other) => panic!("{}: {other:?}", path.display()),
        }
        n += 1;
    }
    n
}

#[test]
fn kept_fuzz_inputs_give_typed_errors() {
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&KEY[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let key = BackupKey::from_bytes(bytes.try_into().unwrap());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bundled = replay_dir(&root.join("tests/fuzz_cases/packed_multi_decode"), &key);
    assert!(bundled >= 6, "bundled cases missing: {bundled}");
    replay_dir(
        &root.join("../../fuzz/regressions/packed_multi_decode"),
        &key,
    );
    // The fixture file is a real multi under this key.
    let file = std::fs::read(root.join("tests/fixtures/channel.backup")).unwrap();
    assert_eq!(unpack_multi(&file, &key).unwrap().singles.len(), 16);
}
