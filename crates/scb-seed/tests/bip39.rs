//! BIP39 seeds against the BIP's own test vectors (passphrase "TREZOR").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::to_hex;
use scb_seed::{bip39_seed, SeedError};

const VECTORS: &[(&str, &str)] = &[
    (
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
    ),
    (
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
    ),
    (
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
        "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
    ),
];

#[test]
fn bip39_seed_matches_the_trezor_vectors() {
    for (words, seed) in VECTORS {
        assert_eq!(
            to_hex(&bip39_seed(words, "TREZOR").unwrap()[..]),
            *seed,
            "{words}"
        );
    }
}

#[test]
fn bip39_passphrase_changes_the_seed() {
    let (words, with_trezor) = VECTORS[0];
    let empty = bip39_seed(words, "").unwrap();
    assert_ne!(to_hex(&empty[..]), with_trezor);
}

#[test]
fn bip39_rejects_bad_checksum_unknown_word_and_word_count() {
    let bad_checksum = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
    let unknown = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon notaword";
    let eleven =
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    for words in [bad_checksum, unknown, eleven, ""] {
        let err = bip39_seed(words, "").unwrap_err();
        assert!(matches!(err, SeedError::Bip39(_)), "{words:?}: {err}");
        assert!(err.to_string().starts_with("invalid bip39 mnemonic"));
    }
}
