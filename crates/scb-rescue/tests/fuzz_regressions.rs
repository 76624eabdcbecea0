//! Replays the committed corpus of the `peer_message_decode` fuzz target
//! (`fuzz/regressions/peer_message_decode/`: every message type we decode, BOLT 8 act two,
//! and every crash ever found) through the same checks the target runs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[test]
fn peer_message_decode_corpus_replays() {
    let n = scb_testkit::replay_fuzz_corpus(
        "peer_message_decode",
        scb_rescue::fuzzing::check_peer_message,
    );
    assert!(n >= 15, "only {n} committed peer_message_decode inputs");
}
