//! Replays saved fuzz inputs through the `aezeed_decode` target's checks:
//! every file of `<repo>/fuzz/regressions/aezeed_decode/` (crashes found
//! once stay fixed), plus a few hand-made edge inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn aezeed_decode_regressions_do_not_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("fuzz")
        .join("regressions")
        .join("aezeed_decode");
    let mut replayed = 0;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                scb_seed::fuzz::aezeed_decode(&std::fs::read(&path).unwrap());
                replayed += 1;
            }
        }
    }
    eprintln!(
        "replayed {replayed} saved aezeed_decode inputs from {}",
        dir.display()
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
        scb_seed::fuzz::aezeed_decode(input);
    }
}
