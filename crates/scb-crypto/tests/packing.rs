//! Packing and unpacking against lnd's vectors: every packed single and multi
//! decrypts to lnd's plaintext, the `.backup` files open to lnd's decoded
//! values, and lnd's verdicts on bad packed input are kept apart the same way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{fixtures, hex, hex32, read_json, str_field, CountingRng};
use scb_crypto::{
    pack_multi, pack_single, pack_singles, unpack_multi, unpack_single, unpack_singles, BackupKey,
    Network, PackedMulti, PackedSingle, UnpackError, EMPTY_MULTI_PACKED_LEN,
};
use scb_wire::{Multi, Single};
use serde_json::Value;

/// The key every packed form of a vectors folder was made with.
fn folder_key(dir: &Path) -> BackupKey {
    let v = read_json(&dir.join("keys.json"));
    let network: Network = str_field(&v, "packed_with").parse().unwrap();
    let n = v["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| str_field(n, "network") == network.to_string())
        .unwrap();
    let key = BackupKey::from_xprv_str(str_field(&v, "tprv"), network).unwrap();
    assert_eq!(key.as_bytes(), &hex32(str_field(n, "encryption_key")));
    key
}

/// Opens `channel.backup` of a folder, compares with `channel.backup.json`,
/// and re-packs it; returns the number of singles.
fn check_backup_file(dir: &Path) -> usize {
    let key = folder_key(dir);
    let file = std::fs::read(dir.join("channel.backup")).unwrap();
    let expected: Multi =
        serde_json::from_value(read_json(&dir.join("channel.backup.json"))).unwrap();
    let multi = unpack_multi(&file, &key).unwrap();
    assert_eq!(multi, expected, "{}", dir.display());
    assert_eq!(
        PackedMulti::from(file.clone()).unpack(&key).unwrap(),
        expected
    );

    // Our packing of the same value decrypts to lnd's exact plaintext.
    let lnd_plaintext = key.decrypt(&file).unwrap();
    let ours = pack_multi(&multi, &key, &mut CountingRng(1)).unwrap();
    assert_eq!(ours.len(), file.len());
    assert_eq!(*key.decrypt(ours.as_bytes()).unwrap(), *lnd_plaintext);
    assert_ne!(ours.as_bytes(), &file[..], "fresh nonce");

    // Another wallet's key fails authentication.
    let other = BackupKey::from_bytes([0x42; 32]);
    assert_eq!(
        unpack_multi(&file, &other),
        Err(UnpackError::Authentication)
    );
    multi.singles.len()
}

#[test]
fn bundled_channel_backup_opens_to_lnds_decoded_multi() {
    assert_eq!(check_backup_file(&fixtures()), 16);
}

#[test]
fn bundled_quirk_channel_backup_opens_to_lnds_decoded_multi() {
    assert!(check_backup_file(&fixtures().join("key-quirk")) > 0);
}

#[scb_testkit::requires(vectors)]
#[test]
fn shared_channel_backups_open_to_lnds_decoded_multis() {
    let dir = scb_testkit::vectors_dir();
    for sub in ["", "key-quirk", "aezeed-e2e"] {
        assert!(check_backup_file(&dir.join(sub)) > 0, "{sub}");
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn every_packed_single_decrypts_to_lnds_plaintext_and_value() {
    let dir = scb_testkit::vectors_dir();
    let key = folder_key(&dir);
    let cases = read_json(&dir.join("singles.json"));
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 30);
    let mut packed_list = Vec::new();
    let mut values = Vec::new();
    for c in cases {
        let name = str_field(c, "name");
        let packed = hex(str_field(c, "packed_hex"));
        let plaintext = hex(str_field(c, "plaintext_hex"));
        assert_eq!(*key.decrypt(&packed).unwrap(), plaintext, "{name}");
        let expected: Single = serde_json::from_value(c["single"].clone()).unwrap();
        let single = unpack_single(&packed, &key).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(single, expected, "{name}");
        // Our packing round-trips to the same plaintext.
        let ours = pack_single(&single, &key, &mut CountingRng(7)).unwrap();
        assert_eq!(*key.decrypt(ours.as_bytes()).unwrap(), plaintext, "{name}");
        packed_list.push(PackedSingle::from(packed));
        values.push(expected);
    }
    // The RPC list form: all of them at once.
    assert_eq!(unpack_singles(&packed_list, &key).unwrap(), values);
}

#[scb_testkit::requires(vectors)]
#[test]
fn every_packed_multi_decrypts_to_lnds_plaintext_and_value() {
    let dir = scb_testkit::vectors_dir();
    let key = folder_key(&dir);
    let cases = read_json(&dir.join("multi.json"));
    for c in cases.as_array().unwrap() {
        let name = str_field(c, "name");
        let packed = match c.get("file").and_then(Value::as_str) {
            Some(file) => std::fs::read(dir.join(file)).unwrap(),
            None => hex(str_field(c, "packed_hex")),
        };
        if !str_field(c, "packed_hex").is_empty() {
            assert_eq!(packed, hex(str_field(c, "packed_hex")), "{name}");
            assert_eq!(
                *key.decrypt(&packed).unwrap(),
                hex(str_field(c, "plaintext_hex")),
                "{name}"
            );
        }
        let expected: Multi = serde_json::from_value(c["multi"].clone()).unwrap();
        assert_eq!(unpack_multi(&packed, &key).unwrap(), expected, "{name}");
        if expected.singles.is_empty() {
            assert_eq!(packed.len(), EMPTY_MULTI_PACKED_LEN);
            let ours = pack_multi(&expected, &key, &mut CountingRng(0)).unwrap();
            assert_eq!(ours.len(), EMPTY_MULTI_PACKED_LEN);
        }
    }
}

/// lnd's verdict on a packed input, as one of our error classes.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accepted,
    TooShort,
    Authentication,
    Invalid,
}

fn lnd_verdict(case: &Value) -> Verdict {
    match (str_field(case, "outcome"), case["error"].as_str()) {
        ("accepted", _) => Verdict::Accepted,
        ("rejected", Some(e)) if e.starts_with("payload size too small") => Verdict::TooShort,
        ("rejected", Some("chacha20poly1305: message authentication failed")) => {
            Verdict::Authentication
        }
        ("rejected", Some(_)) => Verdict::Invalid,
        other => panic!("unexpected outcome {other:?}"),
    }
}

fn our_verdict<T>(r: &Result<T, UnpackError>) -> Verdict {
    match r {
        Ok(_) => Verdict::Accepted,
        Err(UnpackError::TooShort { .. }) => Verdict::TooShort,
        Err(UnpackError::Authentication) => Verdict::Authentication,
        Err(UnpackError::Decode(_)) => Verdict::Invalid,
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn negative_cases_get_lnds_verdict_class() {
    let dir = scb_testkit::vectors_dir();
    let key = folder_key(&dir);
    let cases = read_json(&dir.join("negative.json"));
    let mut checked = 0;
    for c in cases.as_array().unwrap() {
        let name = str_field(c, "name");
        let (packed, multi) = match str_field(c, "decoder") {
            "packed_single" => (hex(str_field(c, "hex")), false),
            "packed_multi" => (hex(str_field(c, "hex")), true),
            // Plaintext cases also ship their encryption with the folder key.
            "single" | "multi" => match c.get("packed_hex").and_then(Value::as_str) {
                Some(p) => (hex(p), str_field(c, "decoder") == "multi"),
                None => continue,
            },
            other => panic!("{name}: decoder {other}"),
        };
        let want = lnd_verdict(c);
        if multi {
            let got = unpack_multi(&packed, &key);
            assert_eq!(our_verdict(&got), want, "{name}: {got:?}");
            if let (Ok(m), Some(d)) = (&got, c.get("decoded")) {
                assert_eq!(
                    *m,
                    serde_json::from_value::<Multi>(d.clone()).unwrap(),
                    "{name}"
                );
            }
        } else {
            let got = unpack_single(&packed, &key);
            assert_eq!(our_verdict(&got), want, "{name}: {got:?}");
            if let (Ok(s), Some(d)) = (&got, c.get("decoded")) {
                assert_eq!(
                    *s,
                    serde_json::from_value::<Single>(d.clone()).unwrap(),
                    "{name}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 19 + 90, "only {checked} cases");
}

#[test]
fn rpc_list_form_round_trips_and_names_the_bad_entry() {
    let key = folder_key(&fixtures());
    let file = std::fs::read(fixtures().join("channel.backup")).unwrap();
    let multi = unpack_multi(&file, &key).unwrap();
    let mut list = pack_singles(&multi.singles, &key, &mut CountingRng(9)).unwrap();
    assert_eq!(list.len(), multi.singles.len());
    assert_eq!(unpack_singles(&list, &key).unwrap(), multi.singles);
    for (p, s) in list.iter().zip(&multi.singles) {
        assert_eq!(&p.unpack(&key).unwrap(), s);
    }
    let last = list.last_mut().unwrap();
    last.0.push(0);
    let err = unpack_singles(&list, &key).unwrap_err();
    assert_eq!(
        err,
        UnpackError::InList {
            index: multi.singles.len() - 1,
            source: Box::new(UnpackError::Authentication)
        }
    );
    assert!(err.to_string().contains("packed single 15"), "{err}");
}

#[test]
fn deterministic_rng_gives_identical_packs_and_different_seeds_differ() {
    let key = folder_key(&fixtures());
    let file = std::fs::read(fixtures().join("channel.backup")).unwrap();
    let multi = unpack_multi(&file, &key).unwrap();
    let first = pack_multi(&multi, &key, &mut CountingRng(5)).unwrap();
    let again = pack_multi(&multi, &key, &mut CountingRng(5)).unwrap();
    let other_seed = pack_multi(&multi, &key, &mut CountingRng(6)).unwrap();
    assert_eq!(first, again);
    assert_ne!(first.as_bytes()[..24], other_seed.as_bytes()[..24]);
    assert_ne!(first.as_bytes()[24..], other_seed.as_bytes()[24..]);
    // OsRng convenience: two packs never share a nonce.
    let os1 = PackedMulti::pack(&multi, &key).unwrap();
    let os2 = PackedMulti::pack(&multi, &key).unwrap();
    assert_ne!(os1.as_bytes()[..24], os2.as_bytes()[..24]);
    assert_eq!(os1.unpack(&key).unwrap(), multi);
}

#[test]
fn empty_plaintext_decrypts_then_fails_to_decode() {
    let key = BackupKey::from_bytes([3; 32]);
    let packed = key.encrypt(&[], &mut CountingRng(0));
    assert_eq!(packed.len(), 40);
    assert!(key.decrypt(&packed).unwrap().is_empty());
    assert!(matches!(
        unpack_multi(&packed, &key),
        Err(UnpackError::Decode(_))
    ));
    assert!(matches!(
        unpack_single(&packed, &key),
        Err(UnpackError::Decode(_))
    ));
}

#[scb_testkit::requires(vectors)]
#[test]
fn backups_written_by_a_live_lnd_node_open_with_the_derived_key() {
    let dir = scb_testkit::vectors_dir();
    let v = read_json(&dir.join("chantools-regtest/cases.json"));
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for c in cases {
        let name = str_field(c, "name");
        let network: Network = str_field(c, "network").parse().unwrap();
        let key = match c.get("bip32_seed").and_then(Value::as_str) {
            Some(seed) => BackupKey::from_seed(&hex(seed), network).unwrap(),
            None => BackupKey::from_xprv_str(str_field(c, "rootkey"), network).unwrap(),
        };
        let packed = hex(str_field(c, "packed_hex"));
        match str_field(c, "kind") {
            "packed_multi" => {
                let want: Multi = serde_json::from_value(c["decoded"].clone()).unwrap();
                assert_eq!(unpack_multi(&packed, &key).unwrap(), want, "{name}");
            }
            "packed_single" => {
                let want: Single = serde_json::from_value(c["decoded"].clone()).unwrap();
                assert_eq!(unpack_single(&packed, &key).unwrap(), want, "{name}");
            }
            other => panic!("{name}: kind {other}"),
        }
    }
}
