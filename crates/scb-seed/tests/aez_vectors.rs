//! AEZ v5 against the reference implementation.
//!
//! `fixtures/aez_reference.json` was produced by running the public-domain
//! AEZ v5 reference code (Ted Krovetz, `encrypt.c` "Last modified 21 March
//! 2017", as kept in github.com/nmathewson/aez_test_vectors at 6c7379f, with
//! its BLAKE2b and Rijndael reference files) under a small harness that
//! feeds it deterministic pseudo-random keys, nonces, associated data and
//! messages, and checks its own decryption. It covers key extraction (keys
//! of 0..=100 bytes) and `Encrypt` for message lengths 0..=65, 95..=97, 100
//! and 1000, with tau 0, 4, 8 and 16, nonces of 0, 7, 12 and 16 bytes and
//! 0 to 3 associated-data strings (one of them empty).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, hex, read_json, to_hex};
use scb_seed::aez::Aez;
use scb_seed::SeedError;

struct Case {
    name: String,
    key: Vec<u8>,
    nonce: Vec<u8>,
    ad: Vec<Vec<u8>>,
    tau: usize,
    message: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let json = read_json(&fixture("aez_reference.json"));
    json["encrypt"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            key: hex(c["key"].as_str().unwrap()),
            nonce: hex(c["nonce"].as_str().unwrap()),
            ad: c["ad"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| hex(a.as_str().unwrap()))
                .collect(),
            tau: usize::try_from(c["tau"].as_u64().unwrap()).unwrap(),
            message: hex(c["message"].as_str().unwrap()),
            ciphertext: hex(c["ciphertext"].as_str().unwrap()),
        })
        .collect()
}

fn ad_refs(ad: &[Vec<u8>]) -> Vec<&[u8]> {
    ad.iter().map(Vec::as_slice).collect()
}

#[test]
fn extract_matches_reference_for_every_key_length() {
    let json = read_json(&fixture("aez_reference.json"));
    let vectors = json["extract"].as_array().unwrap();
    assert_eq!(vectors.len(), 9);
    for v in vectors {
        let key = hex(v["key"].as_str().unwrap());
        let expected = v["extracted"].as_str().unwrap();
        assert_eq!(
            to_hex(&Aez::new(&key).extracted_key()[..]),
            expected,
            "key of {} bytes",
            key.len()
        );
    }
}

#[test]
fn encrypt_matches_reference_for_all_lengths() {
    let cases = cases();
    assert_eq!(cases.len(), 135);
    for c in &cases {
        let aez = Aez::new(&c.key);
        let got = aez.encrypt(&c.nonce, &ad_refs(&c.ad), c.tau, &c.message);
        assert_eq!(to_hex(&got), to_hex(&c.ciphertext), "{}", c.name);
    }
}

#[test]
fn reference_vectors_cover_the_required_lengths() {
    let lengths: std::collections::BTreeSet<usize> =
        cases().iter().map(|c| c.message.len()).collect();
    for n in (0..=64).chain([100, 1000]) {
        assert!(lengths.contains(&n), "no vector with a {n}-byte message");
    }
    // The aezeed shape: 19-byte message, tau 4, empty nonce, one 6-byte AD.
    assert!(cases().iter().any(|c| c.message.len() == 19
        && c.tau == 4
        && c.nonce.is_empty()
        && c.ad.len() == 1
        && c.ad[0].len() == 6
        && c.key.len() == 32));
}

#[test]
fn decrypt_inverts_reference_ciphertexts() {
    for c in &cases() {
        let aez = Aez::new(&c.key);
        let plain = aez
            .decrypt(&c.nonce, &ad_refs(&c.ad), c.tau, &c.ciphertext)
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(&plain[..], &c.message[..], "{}", c.name);
    }
}

#[test]
fn decrypt_rejects_any_flipped_bit_when_authenticated() {
    for c in cases().iter().filter(|c| c.tau > 0) {
        let aez = Aez::new(&c.key);
        let ad = ad_refs(&c.ad);
        // Flip one bit at the start, middle and end of the ciphertext.
        for pos in [0, c.ciphertext.len() / 2, c.ciphertext.len() - 1] {
            let mut bad = c.ciphertext.clone();
            bad[pos] ^= 0x10;
            assert!(
                matches!(
                    aez.decrypt(&c.nonce, &ad, c.tau, &bad),
                    Err(SeedError::AezAuthentication)
                ),
                "{} byte {pos}",
                c.name
            );
        }
    }
}

#[test]
fn decrypt_rejects_wrong_nonce_ad_or_tau() {
    let c = cases()
        .into_iter()
        .find(|c| c.name.starts_with("k48_n16_ad3_tau16") && c.message.len() == 40)
        .or_else(|| {
            cases()
                .into_iter()
                .find(|c| c.tau == 16 && c.message.len() > 32)
        })
        .unwrap();
    let aez = Aez::new(&c.key);
    let ad = ad_refs(&c.ad);
    let mut nonce = c.nonce.clone();
    nonce[0] ^= 1;
    assert!(aez.decrypt(&nonce, &ad, c.tau, &c.ciphertext).is_err());
    // Dropping the empty AD string changes the tweak too.
    let fewer: Vec<&[u8]> = ad.iter().copied().filter(|a| !a.is_empty()).collect();
    assert!(aez.decrypt(&c.nonce, &fewer, c.tau, &c.ciphertext).is_err());
    assert!(aez
        .decrypt(&c.nonce, &ad, c.tau - 1, &c.ciphertext)
        .is_err());
}

#[test]
fn decrypt_rejects_ciphertext_shorter_than_tau() {
    let aez = Aez::new(b"k");
    assert!(matches!(
        aez.decrypt(b"", &[], 4, &[1, 2, 3]),
        Err(SeedError::AezCiphertextTooShort { len: 3, tau: 4 })
    ));
}

/// Two vectors written out in full, from the same reference run: the
/// aezeed shape (a 19-byte message) and a one-byte message.
#[test]
fn inline_reference_vectors() {
    let json = read_json(&fixture("aez_reference.json"));
    let find = |name: &str| {
        json["encrypt"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    for (name, key, ad, msg, ct) in INLINE {
        let fixture_case = find(name);
        assert_eq!(fixture_case["ciphertext"].as_str().unwrap(), *ct, "{name}");
        let aez = Aez::new(&hex(key));
        let ad = hex(ad);
        let got = aez.encrypt(&[], &[&ad], 4, &hex(msg));
        assert_eq!(to_hex(&got), *ct, "{name}");
    }
}

/// (name, key, ad, message, ciphertext), nonce empty, tau 4.
const INLINE: &[(&str, &str, &str, &str, &str)] = &[INLINE_19, INLINE_1];

const INLINE_19: (&str, &str, &str, &str, &str) = (
    "k32_n0_ad6_tau4_m19",
    "eb814ceb5c4eed9af582689129915b0c5550ed25938eae9576f3f0b50dce5e06",
    "954e587509f5",
    "fcd43e4ea1f1d29f751ba105db52ff6d49f92e",
    "93e6577be769fdd663d692f8c99de975a89c2c78ff0584",
);

const INLINE_1: (&str, &str, &str, &str, &str) = (
    "k32_n0_ad6_tau4_m1",
    "4d0bf309806f1dccada6b55ae7b3c4962a9d84dea3e7e113ab3bfb8996d5c427",
    "2a34a32e31c6",
    "ef",
    "67e76a6a2a",
);
