//! The seven backups a real lnd wrote (chantools' `scbforceclose` test
//! data, `../shared/vectors/chantools-regtest/`): each gives a signed
//! commitment that Bitcoin Core's interpreter accepts against the funding
//! output recorded beside it, with its outputs classified by script.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod regtest;

use std::path::Path;

use bitcoin::{Amount, ScriptBuf, TxOut};
use scb_rescue::{
    obscured_commitment_number, sign_commitment, verify_input, OutputKind, SignedCommitment,
};
use serde_json::Value;

use regtest::open_case;
use scb_testkit::hex;

fn kinds(signed: &SignedCommitment) -> Vec<OutputKind> {
    signed.outputs.iter().map(|o| o.kind).collect()
}

/// Checks every case of a cases.json; returns how many commitments verified.
fn check_cases(path: &Path) -> usize {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut verified = 0;
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (ring, singles) = open_case(case);
        assert_eq!(singles.len(), 1, "{name}");
        let single = &singles[0];
        let funding = TxOut {
            script_pubkey: ScriptBuf::from_bytes(hex(case["funding_pk_script"].as_str().unwrap())),
            value: Amount::from_sat(case["funding_amount_sat"].as_u64().unwrap()),
        };
        let signed = sign_commitment(single, &ring).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The funding output rebuilt from our derived key is the real one.
        assert_eq!(signed.funding.txout, funding, "{name}");
        // The referee, against the output recorded beside the backup.
        verify_input(&signed.tx, std::slice::from_ref(&funding), 0)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let k = kinds(&signed);
        eprintln!(
            "{name}: v{:?} commitment {} fee {} {k:?}",
            signed.version, signed.commitment_number, signed.fee_sat
        );
        if name == "custom_channel" {
            // Its balance outputs carry tapscript leaves the backup lacks.
            assert!(!k.contains(&OutputKind::ToLocal), "{name}: {k:?}");
            assert!(k.contains(&OutputKind::Other), "{name}: {k:?}");
        } else {
            assert!(k.contains(&OutputKind::ToLocal), "{name}: {k:?}");
            assert!(k.contains(&OutputKind::ToRemote), "{name}: {k:?}");
            assert!(k.contains(&OutputKind::LocalAnchor), "{name}: {k:?}");
            assert!(k.contains(&OutputKind::RemoteAnchor), "{name}: {k:?}");
            assert!(!k.contains(&OutputKind::Other), "{name}: {k:?}");
        }
        for o in &signed.outputs {
            match o.kind {
                OutputKind::ToLocal => {
                    assert_eq!(o.csv_delay, Some(single.local_chan_cfg.csv_delay), "{name}");
                }
                OutputKind::ToRemote => assert_eq!(o.csv_delay, Some(1), "{name}"),
                _ => assert_eq!(o.csv_delay, None, "{name}"),
            }
            if matches!(o.kind, OutputKind::LocalAnchor | OutputKind::RemoteAnchor) {
                assert_eq!(o.value_sat, 330, "{name}");
            }
        }
        // The number in locktime and sequence agrees with lnd's commit height
        // (taproot singles store both).
        let obscured = obscured_commitment_number(single, &ring, &signed.tx).unwrap();
        assert_eq!(obscured, signed.commitment_number, "{name}");
        if let Some(h) = single.close_tx_inputs.as_ref().unwrap().commit_height {
            assert_eq!(obscured, h, "{name}");
        }
        let paid: u64 = signed.outputs.iter().map(|o| o.value_sat).sum();
        assert_eq!(signed.fee_sat + paid, funding.value.to_sat(), "{name}");
        verified += 1;
    }
    verified
}

#[test]
fn bundled_chantools_backups_give_interpreter_accepted_commitments() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chantools-regtest-cases.json");
    assert_eq!(check_cases(&path), 7);
}

#[scb_testkit::requires(vectors)]
#[test]
fn shared_chantools_backups_give_interpreter_accepted_commitments() {
    let path = scb_testkit::vectors_dir().join("chantools-regtest/cases.json");
    assert_eq!(check_cases(&path), 7);
}
