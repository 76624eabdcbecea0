//! `scb sweep` on the real binary: after `scb force-close` of each of the
//! seven backups a real lnd wrote (chantools' regtest data, copied from
//! `../shared/vectors/chantools-regtest/`), the sweep of our to_local is
//! printed (text and JSON, fields as docs/recovery.md section 7 lists them), written crash-safely
//! (hex and PSBT, 0600) and accepted by Bitcoin Core's interpreter; bad
//! input is a one-line error with exit 1 or 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::regtest::{backup_and_key, case, cases, force_close, run, stderr, stdout};

use std::path::Path;
use std::process::Output;

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::{Transaction, TxOut};
use serde_json::Value;

const REGTEST_ADDR: &str = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

/// The case's signed commitment (hex) from `scb force-close`.
fn commitment_hex(dir: &Path, c: &Value) -> String {
    let o = force_close(dir, c, &["--accept-revoked-risk", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["channels"][0]["tx_hex"].as_str().unwrap().to_owned()
}

fn sweep(dir: &Path, c: &Value, extra: &[&str]) -> Output {
    let (file, key, single) = backup_and_key(dir, c);
    let mut args: Vec<&str> = vec!["sweep", &file];
    if single {
        args.push("--single");
    }
    args.extend(extra);
    args.extend(key.iter().map(String::as_str));
    run(&args, &[])
}

#[test]
fn every_real_backup_sweeps_its_to_local_after_force_close() {
    let dir = tempfile::tempdir().unwrap();
    let mut swept = 0;
    for c in cases() {
        let name = c["name"].as_str().unwrap();
        let commit_hex = commitment_hex(dir.path(), &c);
        let commitment: Transaction = deserialize_hex(&commit_hex).unwrap();
        let tx_file = dir.path().join(format!("{name}.commit.hex"));
        std::fs::write(&tx_file, format!("{commit_hex}\n")).unwrap();
        let out = dir.path().join(format!("{name}.sweep.hex"));
        let psbt = dir.path().join(format!("{name}.psbt"));
        let o = sweep(
            dir.path(),
            &c,
            &[
                "--close-tx",
                tx_file.to_str().unwrap(),
                "--to",
                REGTEST_ADDR,
                "--fee-rate",
                "2",
                "--close-height",
                "100",
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
                "--psbt",
                psbt.to_str().unwrap(),
            ],
        );
        if name == "custom_channel" {
            // Its balance outputs carry tapscript leaves the backup lacks.
            assert_eq!(o.status.code(), Some(1), "{name}");
            let err = stderr(&o);
            assert!(
                err.contains("nothing in the given transactions"),
                "{name}: {err}"
            );
            assert!(!out.exists() && !psbt.exists(), "{name}");
            continue;
        }
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let tx: Transaction = deserialize_hex(v["tx_hex"].as_str().unwrap()).unwrap();
        assert_eq!(v["txid"], tx.compute_txid().to_string(), "{name}");
        assert_eq!(v["vsize"], tx.vsize() as u64, "{name}");
        assert_eq!(v["fee_sat"], 2 * tx.vsize() as u64, "{name}");
        let inputs = v["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 1, "{name}");
        let input = &inputs[0];
        assert_eq!(input["kind"], "to_local", "{name}");
        let csv = c["decoded"]["singles"][0]["local_chan_cfg"]["csv_delay"]
            .as_u64()
            .unwrap();
        assert_eq!(input["csv_delay"], csv, "{name}");
        // A script-enforced lease (we opened these channels) also holds our
        // to_local until its expiry height: the locktime says so.
        if let Some(lease) = c["decoded"]["singles"][0]["lease_expiry"].as_u64() {
            assert_eq!(input["cltv_expiry"], lease, "{name}");
            assert_eq!(u64::from(tx.lock_time.to_consensus_u32()), lease, "{name}");
            assert_eq!(
                input["earliest_height"],
                (100 + csv).max(lease + 1),
                "{name}"
            );
        } else {
            assert!(input.get("cltv_expiry").is_none(), "{name}");
            assert_eq!(input["earliest_height"], 100 + csv, "{name}");
        }
        let vout: usize = input["outpoint"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let spent: TxOut = commitment.output[vout].clone();
        assert_eq!(input["value_sat"], spent.value.to_sat(), "{name}");
        assert_eq!(
            v["output"]["value_sat"].as_u64().unwrap() + v["fee_sat"].as_u64().unwrap(),
            spent.value.to_sat(),
            "{name}"
        );
        assert_eq!(v["output"]["address"], REGTEST_ADDR, "{name}");
        assert_eq!(v["not_spendable"].as_array().unwrap().len(), 3, "{name}");
        // The referee again, here.
        scb_rescue::verify_input(&tx, &[spent], 0).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The files: the same transaction, mode 0600.
        assert_eq!(
            std::fs::read_to_string(&out).unwrap().trim(),
            v["tx_hex"].as_str().unwrap()
        );
        let p = bitcoin::psbt::Psbt::deserialize(&std::fs::read(&psbt).unwrap()).unwrap();
        assert_eq!(p.extract_tx().unwrap(), tx, "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [&out, &psbt] {
                let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{name}");
            }
        }
        swept += 1;
    }
    assert_eq!(swept, 6);
}

#[test]
fn text_output_shows_the_delay_the_fee_and_that_nothing_was_broadcast() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("anchors");
    let commit_hex = commitment_hex(dir.path(), &c);
    let o = sweep(
        dir.path(),
        &c,
        &[
            "--close-tx",
            &commit_hex,
            "--to",
            REGTEST_ADDR,
            "--fee-rate",
            "3",
            "--include-anchors",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("to_local (spendable"), "{text}");
    assert!(text.contains("local_anchor"), "{text}");
    assert!(text.contains("sat/vB"), "{text}");
    assert!(text.contains("NOT broadcast"), "{text}");
    assert!(text.contains("not spendable"), "{text}");
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("anchors");
    let commit_hex = commitment_hex(dir.path(), &c);
    let mut other: Transaction = deserialize_hex(&commit_hex).unwrap();
    other.input[0].previous_output.vout += 7;
    let other_hex = bitcoin::consensus::encode::serialize_hex(&other);
    let mainnet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    let cases: [(&[&str], i32, &str); 7] = [
        (
            &[
                "--close-tx",
                &commit_hex,
                "--to",
                REGTEST_ADDR,
                "--fee-rate",
                "0",
            ],
            2,
            "fee rate 0",
        ),
        (
            &[
                "--close-tx",
                &commit_hex,
                "--to",
                REGTEST_ADDR,
                "--fee-rate",
                "10001",
            ],
            2,
            "fee rate 10001",
        ),
        (
            &[
                "--close-tx",
                &commit_hex,
                "--to",
                mainnet,
                "--fee-rate",
                "2",
            ],
            2,
            "not an address of regtest",
        ),
        (
            &[
                "--close-tx",
                &commit_hex,
                "--to",
                "nonsense",
                "--fee-rate",
                "2",
            ],
            2,
            "not a bitcoin address",
        ),
        (
            &[
                "--close-tx",
                "00zz",
                "--to",
                REGTEST_ADDR,
                "--fee-rate",
                "2",
            ],
            2,
            "not a transaction",
        ),
        (
            &[
                "--close-tx",
                &other_hex,
                "--to",
                REGTEST_ADDR,
                "--fee-rate",
                "2",
            ],
            1,
            "not a closing transaction of any channel",
        ),
        (
            &[
                "--close-tx",
                &commit_hex,
                "--close-tx",
                &commit_hex,
                "--to",
                REGTEST_ADDR,
                "--fee-rate",
                "2",
            ],
            1,
            "given twice",
        ),
    ];
    for (args, code, want) in cases {
        let o = sweep(dir.path(), &c, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{want}: {err}");
        assert!(err.contains(want), "{want}: {err}");
        assert!(stdout(&o).is_empty(), "{want}");
    }
}
