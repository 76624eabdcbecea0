//! Damaged and hostile packed input: wrong key, flipped bits in nonce,
//! ciphertext and tag, truncation, appended bytes, tiny inputs. Every case is
//! a typed error, never a panic; plus encrypt/decrypt property tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixtures, CountingRng};
use proptest::prelude::*;
use scb_crypto::{
    unpack_multi, unpack_single, BackupKey, Network, UnpackError, NONCE_LEN, OVERHEAD, TAG_LEN,
};

fn fixture() -> (BackupKey, Vec<u8>) {
    let v = common::read_json(&fixtures().join("keys.json"));
    let key = BackupKey::from_xprv_str(common::str_field(&v, "tprv"), Network::Testnet).unwrap();
    (
        key,
        std::fs::read(fixtures().join("channel.backup")).unwrap(),
    )
}

#[test]
fn fixture_opens_untouched() {
    let (key, file) = fixture();
    assert_eq!(unpack_multi(&file, &key).unwrap().singles.len(), 16);
}

#[test]
fn any_flipped_bit_in_nonce_or_tag_fails_authentication() {
    let (key, file) = fixture();
    let tag_start = file.len() - TAG_LEN;
    let positions = (0..NONCE_LEN).chain(tag_start..file.len());
    for pos in positions {
        for bit in 0..8 {
            let mut bad = file.clone();
            bad[pos] ^= 1 << bit;
            assert_eq!(
                unpack_multi(&bad, &key),
                Err(UnpackError::Authentication),
                "byte {pos} bit {bit}"
            );
        }
    }
}

#[test]
fn flipped_bits_across_the_ciphertext_fail_authentication() {
    let (key, file) = fixture();
    // Every 13th byte (a prime stride visits every bit position mod 8),
    // first and last ciphertext bytes included.
    let last = file.len() - TAG_LEN - 1;
    let positions = (NONCE_LEN..=last).step_by(13).chain([NONCE_LEN, last]);
    for pos in positions {
        let mut bad = file.clone();
        bad[pos] ^= 1 << (pos % 8);
        assert_eq!(
            key.decrypt(&bad).err(),
            Some(UnpackError::Authentication),
            "byte {pos}"
        );
    }
}

#[test]
fn truncation_at_every_length_is_too_short_or_authentication() {
    let (key, file) = fixture();
    for len in 0..file.len() {
        let got = unpack_multi(&file[..len], &key);
        let want = if len < NONCE_LEN {
            UnpackError::TooShort { len }
        } else {
            UnpackError::Authentication
        };
        assert_eq!(got, Err(want), "{len} bytes");
    }
}

#[test]
fn appended_bytes_fail_authentication() {
    let (key, file) = fixture();
    for extra in [&[0u8][..], &[0xff], &[0; 16], &file[..]] {
        let mut bad = file.clone();
        bad.extend_from_slice(extra);
        assert_eq!(
            unpack_multi(&bad, &key),
            Err(UnpackError::Authentication),
            "{} extra",
            extra.len()
        );
    }
}

#[test]
fn wrong_network_and_wrong_wallet_fail_authentication() {
    let (_, file) = fixture();
    let v = common::read_json(&fixtures().join("keys.json"));
    let mainnet =
        BackupKey::from_xprv_str(common::str_field(&v, "tprv"), Network::Mainnet).unwrap();
    assert_eq!(
        unpack_multi(&file, &mainnet),
        Err(UnpackError::Authentication)
    );
    let q = common::read_json(&fixtures().join("key-quirk/keys.json"));
    let other = BackupKey::from_xprv_str(common::str_field(&q, "tprv"), Network::Testnet).unwrap();
    assert_eq!(
        unpack_multi(&file, &other),
        Err(UnpackError::Authentication)
    );
}

#[test]
fn inputs_of_0_to_45_bytes_are_typed_errors() {
    let (key, _) = fixture();
    for len in 0..=45usize {
        for fill in [0u8, 0xff] {
            let input = vec![fill; len];
            for got in [
                unpack_multi(&input, &key).map(|_| ()),
                unpack_single(&input, &key).map(|_| ()),
            ] {
                match got {
                    Err(UnpackError::TooShort { len: l }) => assert!(len < 24 && l == len),
                    Err(UnpackError::Authentication) => assert!(len >= 24),
                    other => panic!("{len} bytes of {fill:#x}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn error_messages_are_one_lower_case_line() {
    let (key, file) = fixture();
    let errors = [
        key.decrypt(&file[..3]).unwrap_err(),
        key.decrypt(&file[..30]).unwrap_err(),
        unpack_multi(&key.encrypt(&[9], &mut CountingRng(0)), &key).unwrap_err(),
    ];
    for e in errors {
        let s = e.to_string();
        assert!(!s.contains('\n') && !s.ends_with('.'), "{s}");
        assert!(s.chars().next().unwrap().is_lowercase(), "{s}");
    }
    assert_eq!(
        UnpackError::TooShort { len: 3 }.to_string(),
        "packed backup is 3 bytes, must be at least 24 bytes"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn encrypt_then_decrypt_round_trips(
        key in any::<[u8; 32]>(),
        seed in any::<u64>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let key = BackupKey::from_bytes(key);
        let packed = key.encrypt(&plaintext, &mut CountingRng(seed));
        prop_assert_eq!(packed.len(), plaintext.len() + OVERHEAD);
        prop_assert_eq!(&*key.decrypt(&packed).unwrap(), &plaintext);
    }

    #[test]
    fn any_single_bit_flip_is_detected(
        key in any::<[u8; 32]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..512),
        pos in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let key = BackupKey::from_bytes(key);
        let mut packed = key.encrypt(&plaintext, &mut CountingRng(1));
        let i = pos.index(packed.len());
        packed[i] ^= 1 << bit;
        prop_assert_eq!(key.decrypt(&packed).err(), Some(UnpackError::Authentication));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let key = BackupKey::from_bytes([5; 32]);
        let _ = unpack_multi(&bytes, &key);
        let _ = unpack_single(&bytes, &key);
    }

    #[test]
    fn arbitrary_plaintext_under_the_right_key_never_panics(
        plaintext in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        // Past authentication, the decoder sees attacker-chosen bytes only if
        // the key leaked; it must still return errors, not panic.
        let key = BackupKey::from_bytes([6; 32]);
        let packed = key.encrypt(&plaintext, &mut CountingRng(2));
        match unpack_multi(&packed, &key) {
            Ok(_) | Err(UnpackError::Decode(_)) => {}
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }
}
