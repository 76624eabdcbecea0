//! Replays saved fuzz inputs through the `cln_decode` target's checks:
//! every file of `<repo>/fuzz/regressions/cln_decode/` (crashes found once
//! stay fixed), plus every vector plaintext and file and a few edge inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use bitcoin::hex::FromHex;

#[test]
fn cln_decode_regressions_do_not_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/cln_decode");
    let mut replayed = 0;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                scb_cln::fuzzing::cln_decode(&std::fs::read(&path).unwrap());
                replayed += 1;
            }
        }
    }
    eprintln!(
        "replayed {replayed} saved cln_decode inputs from {}",
        dir.display()
    );
}

#[test]
fn cln_decode_handles_vectors_and_edge_inputs() {
    let text = include_str!("fixtures/cases.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0x17, 0xf9],
        vec![0x17, 0xf7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff],
        vec![0xff; 41],
        b"clnemerg1qqqqqq".to_vec(),
    ];
    for case in json["cases"].as_array().unwrap() {
        for field in ["plaintext_hex", "file_hex"] {
            if let Some(h) = case[field].as_str() {
                inputs.push(Vec::from_hex(h).unwrap());
            }
        }
    }
    for input in &inputs {
        scb_cln::fuzzing::cln_decode(input);
    }
    assert!(inputs.len() > 50);
}
