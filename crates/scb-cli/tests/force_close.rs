//! `scb force-close` and `scb dump --derive-keys` on the real binary, with
//! the seven backups a real lnd wrote (chantools' regtest data, copied from
//! `../shared/vectors/chantools-regtest/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::regtest::{
    backup_and_key, case, cases, crate_dir, force_close, hex, run, stderr, stdout,
};

use std::path::Path;

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::{Amount, ScriptBuf, Transaction, TxOut};
use serde_json::Value;

fn funding(c: &Value) -> TxOut {
    TxOut {
        script_pubkey: ScriptBuf::from_bytes(hex(c["funding_pk_script"].as_str().unwrap())),
        value: Amount::from_sat(c["funding_amount_sat"].as_u64().unwrap()),
    }
}

#[test]
fn every_real_backup_gives_an_interpreter_accepted_commitment_in_json() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases() {
        let name = c["name"].as_str().unwrap();
        let o = force_close(
            dir.path(),
            &c,
            &["--accept-revoked-risk", "--format", "json"],
        );
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("DANGER"), "{name}");
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["skipped"].as_array().unwrap().len(), 0, "{name}");
        let ch = &v["channels"][0];
        let tx: Transaction = deserialize_hex(ch["tx_hex"].as_str().unwrap()).unwrap();
        assert_eq!(ch["txid"], tx.compute_txid().to_string(), "{name}");
        // Checked again here against the output recorded beside the backup.
        scb_rescue::verify_input(&tx, &[funding(&c)], 0).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kinds: Vec<&str> = ch["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["kind"].as_str().unwrap())
            .collect();
        if name == "custom_channel" {
            assert_eq!(ch["commitment_number"], 0, "{name}");
            assert!(kinds.contains(&"other"), "{name}: {kinds:?}");
        } else {
            assert_eq!(ch["commitment_number"], 2, "{name}");
            for k in ["to_local", "to_remote", "local_anchor", "remote_anchor"] {
                assert!(kinds.contains(&k), "{name}: {kinds:?}");
            }
        }
        let to_local = ch["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["kind"] == "to_local");
        if let Some(o) = to_local {
            let csv = c["decoded"]["singles"][0]["local_chan_cfg"]["csv_delay"].clone();
            assert_eq!(o["csv_delay"], csv, "{name}");
        }
    }
}

#[test]
fn aezeed_key_source_signs_too() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("taproot");
    let file = dir.path().join("taproot.backup");
    std::fs::write(&file, hex(c["packed_hex"].as_str().unwrap())).unwrap();
    let o = run(
        &[
            "force-close",
            file.to_str().unwrap(),
            "--network",
            "regtest",
            "--aezeed",
            "--accept-revoked-risk",
        ],
        &[
            ("SCB_AEZEED", c["aezeed"].as_str().unwrap()),
            (
                "SCB_AEZEED_PASSPHRASE",
                c["aezeed_passphrase"].as_str().unwrap(),
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("to_local (csv"), "{text}");
    assert!(text.contains("NOT broadcast"), "{text}");
}

#[test]
fn without_accept_flag_and_without_terminal_it_refuses_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signed");
    let o = force_close(
        dir.path(),
        &case("anchors"),
        &["--out-dir", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("DANGER"));
    assert!(stderr(&o).contains("--accept-revoked-risk"));
    assert!(stdout(&o).is_empty());
    assert!(!out.exists());
}

#[test]
fn out_dir_gets_one_hex_file_per_channel_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signed");
    let o = force_close(
        dir.path(),
        &case("script_enforced_lease"),
        &[
            "--accept-revoked-risk",
            "--format",
            "json",
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ch = &v["channels"][0];
    let path = out.join(format!("{}.hex", ch["txid"].as_str().unwrap()));
    let body = std::fs::read_to_string(&path).unwrap();
    assert_eq!(body.trim_end(), ch["tx_hex"].as_str().unwrap());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_channel_filter_matching_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signed");
    let other = "0000000000000000000000000000000000000000000000000000000000000001:0";
    let o = force_close(
        dir.path(),
        &case("anchors"),
        &[
            "--accept-revoked-risk",
            "--channel",
            other,
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(other) && err.contains("matches no channel"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn wrong_seed_is_one_line_naming_the_channel_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("anchors");
    let other_seed = "00112233445566778899aabbccddeeff";
    // The same channel, encrypted for another seed: the file opens with that
    // seed, but its multisig key is not in the channel's funding script.
    let spec = dir.path().join("anchors.json");
    std::fs::write(&spec, c["decoded"].to_string()).unwrap();
    let file = dir.path().join("anchors.backup");
    let made = run(
        &[
            "create",
            "--from-json",
            spec.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
            "--no-manifest",
            "--network",
            "regtest",
            "--seed-hex",
            other_seed,
        ],
        &[],
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let out = dir.path().join("signed");
    let o = run(
        &[
            "force-close",
            file.to_str().unwrap(),
            "--network",
            "regtest",
            "--seed-hex",
            other_seed,
            "--accept-revoked-risk",
            "--out-dir",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(!out.exists());
    let errors: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("scb: error"))
        .map(str::to_owned)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let outpoint = c["decoded"]["singles"][0]["funding_outpoint"]
        .as_str()
        .unwrap();
    assert!(errors[0].contains(outpoint), "{errors:?}");
    assert!(
        errors[0].contains("is not in the funding script"),
        "{errors:?}"
    );
}

fn fixture_key() -> Vec<String> {
    let tprv = crate_dir().join("../../examples/rootkey.tprv");
    vec![
        "--network".into(),
        "testnet".into(),
        "--rootkey-file".into(),
        tprv.display().to_string(),
    ]
}

/// Writes `decoded` (the vectors' JSON schema) as a backup for `seed` on
/// regtest with `scb create`; returns the file.
fn create_backup(dir: &Path, name: &str, decoded: &Value, seed: &str) -> String {
    let spec = dir.join(format!("{name}.json"));
    std::fs::write(&spec, decoded.to_string()).unwrap();
    let file = dir.join(format!("{name}.backup"));
    let made = run(
        &[
            "create",
            "--from-json",
            spec.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
            "--no-manifest",
            "--network",
            "regtest",
            "--seed-hex",
            seed,
        ],
        &[],
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    file.display().to_string()
}

#[test]
fn singles_without_close_tx_inputs_are_listed_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("anchors");
    let seed = c["bip32_seed"].as_str().unwrap();
    let mut decoded = c["decoded"].clone();
    let mut bare = decoded["singles"][0].clone();
    bare["close_tx_inputs"] = Value::Null;
    bare["version"] = Value::from(3);
    let bare_outpoint = "1111111111111111111111111111111111111111111111111111111111111111:1";
    bare["funding_outpoint"] = Value::from(bare_outpoint);
    bare.as_object_mut().unwrap().remove("funding_outpoint_raw");
    decoded["singles"].as_array_mut().unwrap().push(bare);
    let file = create_backup(dir.path(), "mixed", &decoded, seed);
    let key = ["--network", "regtest", "--seed-hex", seed];
    let mut args = vec![
        "force-close",
        &file,
        "--accept-revoked-risk",
        "--format",
        "json",
    ];
    args.extend(key);
    let o = run(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["channels"].as_array().unwrap().len(), 1);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["funding_outpoint"], bare_outpoint);
    assert!(skipped[0]["reason"]
        .as_str()
        .unwrap()
        .contains("no close-tx inputs"));

    // Only the bare channel selected: nothing to sign is an error.
    let out = dir.path().join("signed");
    let mut args = vec![
        "force-close",
        &file,
        "--accept-revoked-risk",
        "--channel",
        bare_outpoint,
        "--out-dir",
        out.to_str().unwrap(),
    ];
    args.extend(key);
    let o = run(&args, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to sign"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(!out.exists());
}

#[test]
fn a_taproot_single_with_a_shachain_public_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("taproot");
    let seed = c["bip32_seed"].as_str().unwrap();
    let mut decoded = c["decoded"].clone();
    let node = decoded["singles"][0]["remote_node_pub"].clone();
    decoded["singles"][0]["shachain_root"]["pubkey"] = node;
    let file = create_backup(dir.path(), "legacy", &decoded, seed);
    let o = run(
        &[
            "force-close",
            &file,
            "--accept-revoked-risk",
            "--network",
            "regtest",
            "--seed-hex",
            seed,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    let line = err.lines().find(|l| l.starts_with("scb: error")).unwrap();
    let outpoint = c["decoded"]["singles"][0]["funding_outpoint"]
        .as_str()
        .unwrap();
    assert!(
        line.contains(outpoint) && line.contains("legacy shachain root"),
        "{line}"
    );
}

#[test]
fn close_tx_inputs_the_peer_never_signed_fail_with_the_channel_named() {
    // The bundled vectors' close-tx inputs are made up (no peer signed them).
    let file = crate_dir().join("tests/fixtures/channel.backup");
    let key = fixture_key();
    let mut args = vec![
        "force-close",
        file.to_str().unwrap(),
        "--accept-revoked-risk",
    ];
    args.extend(key.iter().map(String::as_str));
    let o = run(&args, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    let line = err.lines().find(|l| l.starts_with("scb: error")).unwrap();
    assert!(line.contains("channel "), "{line}");
}

#[test]
fn dump_derive_keys_shows_the_funding_script_of_every_real_backup() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases() {
        let name = c["name"].as_str().unwrap();
        let (file, key, single) = backup_and_key(dir.path(), &c);
        let mut args = vec!["dump", file.as_str(), "--derive-keys", "--format", "json"];
        if single {
            args.push("--single");
        }
        args.extend(key.iter().map(String::as_str));
        let o = run(&args, &[]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let d = &v["derived_keys"][0];
        assert_eq!(d["funding_script_pubkey"], c["funding_pk_script"], "{name}");
        assert!(
            d["funding_address"].as_str().unwrap().starts_with("bcrt1"),
            "{name}"
        );
        let keys = d["keys"].as_array().unwrap();
        assert!(keys.iter().any(|k| k["name"] == "multisig_key"), "{name}");
        // The backup's own fields are still there.
        assert!(
            v.get("singles").is_some() || v.get("funding_outpoint").is_some(),
            "{name}"
        );
    }
    let c = case("anchors");
    let (file, key, _) = backup_and_key(dir.path(), &c);
    let mut args = vec!["dump", file.as_str(), "--derive-keys"];
    args.extend(key.iter().map(String::as_str));
    let o = run(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("funding address"), "{}", stdout(&o));
}
