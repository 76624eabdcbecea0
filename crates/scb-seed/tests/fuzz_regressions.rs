//! Replays the committed corpus of the `aezeed_decode` fuzz target
//! (`fuzz/regressions/aezeed_decode/`: the vectors' mnemonics and every crash
//! found once) through the target's checks, plus a few hand-made edge inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn aezeed_decode_corpus_replays() {
    let n = scb_testkit::replay_fuzz_corpus("aezeed_decode", scb_seed::fuzzing::check_aezeed);
    assert!(
        n >= 10,
        "{n} aezeed inputs: the vectors' mnemonics are missing"
    );
}

#[test]
fn aezeed_decode_handles_edge_inputs() {
    let words = include_str!("fixtures/aezeed.json");
    let json: serde_json::Value = serde_json::from_str(words).unwrap();
    let first = json["cases"][0]["mnemonic"].as_str().unwrap();
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0],
        vec![0xff; 33],
        vec![0; 33],
        vec![0; 200],
        b"abandon ".repeat(24),
        b"abandon ".repeat(25),
        first.as_bytes().to_vec(),
        first.to_uppercase().into_bytes(),
        vec![0xc3, 0x28, 0x20, 0x61],
        "\u{fffd} ".repeat(24).into_bytes(),
    ];
    for input in &inputs {
        scb_seed::fuzzing::check_aezeed(input);
    }
}
