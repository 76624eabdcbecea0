//! Every case of lnd's test vectors (`../shared/vectors`), plus the fixtures
//! shipped in `tests/fixtures/` so that a bare clone still checks something.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bitcoin::secp256k1::PublicKey;
use common::{hex, load, name};
use scb_wire::{
    Address, DecodeError, EncodeError, Multi, MultiDecodeOptions, Single, SingleVersion,
};
use serde_json::Value;

/// Decodes, compares with the JSON object, re-encodes, compares bytes, and
/// parses the JSON object back to the same value.
fn check_single(case: &Value) {
    let n = name(case);
    let bytes = hex(case, "plaintext_hex");
    let single = Single::decode(&bytes).unwrap_or_else(|e| panic!("{n}: {e}"));
    assert_eq!(
        serde_json::to_value(&single).unwrap(),
        case["single"],
        "{n}: json"
    );
    assert_eq!(single.to_bytes().unwrap(), bytes, "{n}: re-encoding");
    let from_json: Single = serde_json::from_value(case["single"].clone()).unwrap();
    assert_eq!(from_json, single, "{n}: from json");
    let (_, used) = Single::decode_prefix(&bytes).unwrap();
    assert_eq!(used, bytes.len(), "{n}: consumed");
}

#[test]
fn fixtures_decode_and_reencode_identically() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            let bytes = std::fs::read(&path).unwrap();
            let single = Single::decode(&bytes).unwrap();
            assert_eq!(single.to_bytes().unwrap(), bytes, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 4);
}

#[test]
fn fixtures_json_matches_vector_objects() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("singles.json")).unwrap()).unwrap();
    assert!(cases.len() >= 4);
    for case in &cases {
        check_single(case);
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn singles_json_every_case() {
    let dir = scb_testkit::vectors_dir();
    let cases = load(&dir, "singles.json");
    assert_eq!(cases.len(), 32);
    for case in &cases {
        check_single(case);
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn multi_json_every_case() {
    let dir = scb_testkit::vectors_dir();
    for case in load(&dir, "multi.json") {
        let n = name(&case);
        let mut bytes = hex(&case, "plaintext_hex");
        if bytes.is_empty() {
            // Only in the encrypted file: rebuild the plaintext from its singles'
            // vectors instead (checked against channel.backup.json below).
            let multi: Multi = serde_json::from_value(case["multi"].clone()).unwrap();
            bytes = multi.to_bytes().unwrap();
        }
        let multi = Multi::decode(&bytes).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(serde_json::to_value(&multi).unwrap(), case["multi"], "{n}");
        assert_eq!(multi.to_bytes().unwrap(), bytes, "{n}: re-encoding");
        let back: Multi = serde_json::from_value(case["multi"].clone()).unwrap();
        assert_eq!(back, multi, "{n}: from json");
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn channel_backup_json_is_the_mixed_versions_multi() {
    let dir = scb_testkit::vectors_dir();
    let file = load(&dir, "channel.backup.json").remove(0);
    let multi: Multi = serde_json::from_value(file.clone()).unwrap();
    assert_eq!(multi.singles.len(), 16);
    assert_eq!(serde_json::to_value(&multi).unwrap(), file);
    let plain = multi.to_bytes().unwrap();
    assert_eq!(Multi::decode(&plain).unwrap(), multi);
    // It is multi.json's `mixed_versions` case (whose plaintext is only in the file).
    let mixed = load(&dir, "multi.json");
    assert_eq!(case(&mixed, "mixed_versions")["multi"], file);
}

#[scb_testkit::requires(vectors)]
#[test]
fn negative_json_plaintext_verdicts_match_lnd() {
    let dir = scb_testkit::vectors_dir();
    let mut checked = 0;
    for case in load(&dir, "negative.json") {
        let n = name(&case);
        let bytes = hex(&case, "hex");
        let outcome = case["outcome"].as_str().unwrap();
        let got = match case["decoder"].as_str().unwrap() {
            "single" => Single::decode(&bytes).map(|s| serde_json::to_value(s).unwrap()),
            "multi" => Multi::decode(&bytes).map(|m| serde_json::to_value(m).unwrap()),
            _ => continue,
        };
        checked += 1;
        match outcome {
            "rejected" => {
                let err = got.expect_err(n);
                assert!(err.offset() <= bytes.len(), "{n}: offset {err:?}");
                check_error_kind(n, case["error"].as_str().unwrap(), &err);
            }
            "accepted" => {
                let v = got.unwrap_or_else(|e| panic!("{n}: rejected: {e}"));
                assert_eq!(v, case["decoded"], "{n}");
            }
            other => panic!("{n}: outcome {other}"),
        }
    }
    assert_eq!(checked, 95);
}

/// Our error must be the same kind of refusal as lnd's text.
fn check_error_kind(n: &str, lnd: &str, err: &DecodeError) {
    let ok = if lnd == "EOF" || lnd == "unexpected EOF" {
        matches!(err, DecodeError::UnexpectedEof { .. })
    } else if lnd.starts_with("invalid public key") {
        matches!(err, DecodeError::InvalidPublicKey { .. })
    } else if lnd.starts_with("unable to read address") {
        matches!(err, DecodeError::BadAddress { .. })
    } else if lnd.starts_with("unable to de-serialize w/ unknown version") {
        matches!(err, DecodeError::UnknownVersion { .. })
    } else if lnd.starts_with("unable to unpack unknown multi-version") {
        matches!(err, DecodeError::UnknownMultiVersion { .. })
    } else {
        // btcd transaction errors (non-canonical varint, superfluous witness, counts)
        matches!(err, DecodeError::BadTransaction { .. })
    };
    assert!(ok, "{n}: lnd says {lnd:?}, we say {err:?}");
    // lnd's key and version texts carry the same detail as ours.
    if let Some(rest) = lnd.strip_prefix("invalid public key: ") {
        let ours = err.to_string();
        let detail = if rest.starts_with("x coordinate") {
            "not on the secp256k1 curve"
        } else {
            rest
        };
        assert!(ours.contains(detail), "{n}: {ours:?} vs {lnd:?}");
    }
    if let Some(v) = lnd.strip_prefix("unable to de-serialize w/ unknown version: ") {
        assert!(
            matches!(err, DecodeError::UnknownVersion { version, .. } if version.to_string() == v)
        );
    }
}

fn case<'a>(cases: &'a [Value], n: &str) -> &'a Value {
    cases
        .iter()
        .find(|c| name(c) == n)
        .unwrap_or_else(|| panic!("no case {n}"))
}

#[scb_testkit::requires(vectors)]
#[test]
fn encode_errors_json_ok_cases_decode_like_lnd() {
    let dir = scb_testkit::vectors_dir();
    for c in load(&dir, "encode_errors.json") {
        if c["outcome"] != "ok" {
            continue;
        }
        let n = name(&c);
        let got = Single::decode(&hex(&c, "output_hex"));
        if c.get("decode_error").is_some() {
            assert!(
                got.is_err(),
                "{n}: lnd cannot read this back, neither must we"
            );
        } else {
            let v = serde_json::to_value(got.unwrap()).unwrap();
            assert_eq!(v, c["decoded_back"], "{n}");
        }
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn encode_errors_json_each_case_is_matched_or_refused() {
    let dir = scb_testkit::vectors_dir();
    let cases = load(&dir, "encode_errors.json");
    assert_eq!(cases.len(), 19);
    let back = |n: &str| -> Single {
        serde_json::from_value(case(&cases, n)["decoded_back"].clone()).unwrap()
    };
    let out = |n: &str| hex(case(&cases, n), "output_hex");

    // Unrepresentable versions: the conversion refuses with lnd's error.
    assert_eq!(
        SingleVersion::try_from(8).unwrap_err(),
        EncodeError::UnknownVersion(8)
    );
    assert_eq!(
        SingleVersion::try_from(0x83).unwrap_err().to_string(),
        case(&cases, "version_with_flag_bit")["error"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        SingleVersion::try_from(8).unwrap_err().to_string(),
        case(&cases, "unknown_version_8")["error"].as_str().unwrap()
    );

    // Matched byte for byte: lnd writes these and reads them back.
    let mut s = back("opaque_address_not_last");
    s.addresses = vec![
        Address::Opaque(vec![0x0a, 0x01, 0x02]),
        Address::Ipv4 {
            ip: [10, 0, 0, 1].into(),
            port: 9735,
        },
    ];
    assert_eq!(s.to_bytes().unwrap(), out("opaque_address_not_last"));

    let mut s = back("ipv4_in_16_bytes");
    s.addresses = vec![Address::Ipv6 {
        ip: std::net::Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped(),
        port: 9735,
    }];
    assert_eq!(s.to_bytes().unwrap(), out("ipv4_in_16_bytes"));

    let mut s = back("tapscript_root_on_v5");
    s.close_tx_inputs.as_mut().unwrap().tapscript_root = Some([7; 32]);
    assert_eq!(s.to_bytes().unwrap(), out("tapscript_root_on_v5"));

    let mut s = back("commit_height_and_lease_on_v3");
    s.close_tx_inputs.as_mut().unwrap().commit_height = Some(42);
    s.lease_expiry = Some(1000);
    assert_eq!(s.to_bytes().unwrap(), out("commit_height_and_lease_on_v3"));

    let s = back("negative_capacity");
    assert_eq!(s.capacity, -5);
    assert_eq!(s.to_bytes().unwrap(), out("negative_capacity"));

    // Refused where lnd writes bytes it cannot read back.
    let mut s = back("negative_capacity");
    s.addresses = vec![Address::Dns {
        host: vec![b'y'; 256],
        port: 1,
    }];
    assert_eq!(s.to_bytes(), Err(EncodeError::DnsHostTooLong(256)));

    let mut s = back("tapscript_root_on_v5");
    s.close_tx_inputs.as_mut().unwrap().commit_tx.input.clear();
    assert_eq!(s.to_bytes(), Err(EncodeError::CommitTxWithoutInputs));

    // Refused as lnd refuses.
    let mut s = back("negative_capacity");
    s.funding_outpoint.vout = 65_536;
    assert_eq!(s.to_bytes(), Err(EncodeError::OutputIndexTooLarge(65_536)));
    let mut s = back("negative_capacity");
    s.short_channel_id.block_height = 1 << 24;
    assert_eq!(
        s.to_bytes(),
        Err(EncodeError::ScidBlockHeightTooLarge(1 << 24))
    );
    let mut s = back("negative_capacity");
    s.short_channel_id.tx_index = 1 << 24;
    assert_eq!(s.to_bytes(), Err(EncodeError::ScidTxIndexTooLarge(1 << 24)));

    let mut v6 = back("tapscript_root_on_v5");
    v6.version = SingleVersion::TapscriptRoot;
    v6.close_tx_inputs.as_mut().unwrap().tapscript_root = None;
    assert_eq!(v6.to_bytes(), Err(EncodeError::MissingTapscriptRoot));
    let multi = Multi {
        singles: vec![back("negative_capacity"), v6.clone()],
    };
    let err = multi.to_bytes().unwrap_err();
    assert!(matches!(&err, EncodeError::InMulti { outpoint, source }
        if *outpoint == v6.funding_outpoint.to_string() && **source == EncodeError::MissingTapscriptRoot));

    // Onion text lnd refuses; a UDP address or a nil key have no value here.
    assert!(Address::parse("torv3", "abc.onion:9735").is_err());
    assert!(Address::parse("torv2", "3G2UPL4PQ6KUFC4M.onion:9735").is_err());
    assert!(Address::parse("udp", "1.2.3.4:1").is_err());
    // An unknown multi version cannot be built; its JSON is refused.
    assert!(serde_json::from_str::<Multi>(r#"{"version":1,"singles":[]}"#).is_err());
    let _: Option<PublicKey> = None; // (nil key: `PublicKey` is never nil)
}

#[test]
fn json_of_unencodable_values_round_trips_without_wire_forms() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/v3.bin"
    ))
    .unwrap();
    let mut s = Single::decode(&bytes).unwrap();
    s.funding_outpoint.vout = 70_000;
    s.short_channel_id.block_height = 1 << 24;
    let v = serde_json::to_value(&s).unwrap();
    assert!(v.get("funding_outpoint_raw").is_none());
    assert!(v.get("short_channel_id_u64").is_none());
    assert_eq!(serde_json::from_value::<Single>(v).unwrap(), s);
}

#[test]
fn json_input_with_inconsistent_wire_forms_is_refused() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/v3.bin"
    ))
    .unwrap();
    let s = Single::decode(&bytes).unwrap();
    let mut v = serde_json::to_value(&s).unwrap();
    v["short_channel_id_u64"] = serde_json::json!(1);
    assert!(serde_json::from_value::<Single>(v.clone()).is_err());
    v.as_object_mut().unwrap().remove("short_channel_id_u64");
    v.as_object_mut().unwrap().remove("funding_outpoint_raw");
    assert_eq!(serde_json::from_value::<Single>(v.clone()).unwrap(), s);
    v["funding_outpoint_raw"] = serde_json::json!("00".repeat(34));
    assert!(serde_json::from_value::<Single>(v.clone()).is_err());
    v.as_object_mut().unwrap().remove("funding_outpoint_raw");
    v["unknown_field"] = serde_json::json!(0);
    assert!(serde_json::from_value::<Single>(v).is_err());
}

#[scb_testkit::requires(vectors)]
#[test]
fn multi_skip_option_recovers_singles_around_an_unknown_version() {
    let dir = scb_testkit::vectors_dir();
    let neg = load(&dir, "negative.json");
    let bytes = hex(case(&neg, "multi_unknown_single_version"), "hex");
    assert!(Multi::decode(&bytes).is_err());
    let skip = MultiDecodeOptions::default().skip_unknown_versions(true);
    let (m, skipped) = Multi::decode_with_skipped(&bytes, skip).unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].version, 9);
    assert_eq!(m.singles.len() + skipped.len(), 2);
}
