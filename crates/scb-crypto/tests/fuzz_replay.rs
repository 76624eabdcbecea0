//! Replays the committed corpus of the `packed_multi_decode` fuzz target
//! (`fuzz/regressions/packed_multi_decode/`: the vectors' packed multis, lnd's
//! `channel.backup`, boundary lengths and every crash found once) through the target's
//! check, so a crash found once stays fixed under plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scb_crypto::fuzzing::{check_packed_multi, KEY};
use scb_crypto::{unpack_multi, BackupKey};

#[test]
fn packed_multi_decode_corpus_replays() {
    let n = scb_testkit::replay_fuzz_corpus("packed_multi_decode", check_packed_multi);
    assert!(n >= 10, "{n} packed-multi inputs");
}

#[test]
fn the_fuzz_key_opens_the_fixture_so_the_corpus_reaches_the_decoder() {
    let file = include_bytes!("fixtures/channel.backup");
    let key = BackupKey::from_bytes(KEY);
    assert_eq!(unpack_multi(file, &key).unwrap().singles.len(), 16);
}
