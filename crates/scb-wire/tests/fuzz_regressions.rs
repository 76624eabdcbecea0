//! Replays every committed fuzz regression input (`fuzz/regressions/<target>/`)
//! of scb-wire's targets through the same check as the fuzz target.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no regressions for {target} at {}", dir.display());
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_file() {
            let data = std::fs::read(&path).unwrap();
            eprintln!("replaying {}", path.display());
            check(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn single_decode_regressions_stay_fixed() {
    replay("single_decode", scb_wire::fuzzing::check_single);
}

#[test]
fn multi_decode_regressions_stay_fixed() {
    replay("multi_decode", scb_wire::fuzzing::check_multi);
}

#[test]
fn address_decode_regressions_stay_fixed() {
    replay("address_decode", scb_wire::fuzzing::check_address_list);
}

/// The checks themselves accept lnd's vectors (and so can fail only on a real bug).
#[test]
fn fuzz_checks_pass_on_fixtures_and_their_prefixes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
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
        }
    }
}
