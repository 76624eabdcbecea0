//! Replays the committed corpus of scb-wire's fuzz targets (`fuzz/regressions/<target>/`:
//! every vector input plus every crash ever found) through the same check as the target.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use scb_testkit::replay_fuzz_corpus;

#[test]
fn single_decode_corpus_replays() {
    let n = replay_fuzz_corpus("single_decode", scb_wire::fuzzing::check_single);
    assert!(
        n >= 100,
        "{n} single inputs: the vectors' singles are missing"
    );
}

#[test]
fn multi_decode_corpus_replays() {
    let n = replay_fuzz_corpus("multi_decode", scb_wire::fuzzing::check_multi);
    assert!(n >= 10, "{n} multi inputs");
}

#[test]
fn address_decode_corpus_replays() {
    let n = replay_fuzz_corpus("address_decode", scb_wire::fuzzing::check_address_list);
    assert!(n >= 10, "{n} address-list inputs");
}

/// The checks themselves accept lnd's vectors (and so can fail only on a real bug).
#[test]
fn fuzz_checks_pass_on_fixtures_and_their_prefixes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            let data = std::fs::read(&path).unwrap();
            for cut in (0..=data.len()).step_by(7) {
                scb_wire::fuzzing::check_single(&data[..cut]);
                scb_wire::fuzzing::check_address_list(&data[..cut]);
            }
            let mut multi = vec![0, 0, 0, 0, 2];
            multi.extend_from_slice(&data);
            multi.extend_from_slice(&data);
            scb_wire::fuzzing::check_multi(&multi);
            checked += 1;
        }
    }
    assert!(checked > 0, "no .bin fixtures");
}
