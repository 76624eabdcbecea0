//! Every way an aezeed is refused, built by hand, with the variant and the
//! context it carries. Only the wrong-passphrase cases run scrypt, and at a
//! low cost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scb_seed::{check_enciphered, Birthday, CipherSeed, Mnemonic, ScryptCost, SeedError};

const FAST: ScryptCost = ScryptCost::from_log_n(4);

/// A valid mnemonic at the low cost, with passphrase "pw".
fn sample() -> (CipherSeed, [u8; 33]) {
    let seed = CipherSeed::new(0, Birthday::from_days(5000), [0x11; 16], *b"salty");
    let bytes = seed.encipher_with_cost(b"pw", FAST).unwrap();
    (seed, bytes)
}

/// Recomputes the CRC-32C after editing bytes 0..29.
fn fix_checksum(bytes: &mut [u8; 33]) {
    let crc = crc32c(&bytes[..29]);
    bytes[29..].copy_from_slice(&crc.to_be_bytes());
}

/// Bitwise CRC-32C (reflected, polynomial 0x82f63b78), independent of the
/// crate's table-driven one.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn crc32c_reference_check_value() {
    assert_eq!(crc32c(b"123456789"), 0xe306_9283);
}

#[test]
fn parse_rejects_wrong_word_counts() {
    let (_, bytes) = sample();
    let phrase = Mnemonic::from_enciphered(&bytes).to_phrase();
    let words: Vec<&str> = phrase.split_whitespace().collect();
    for n in [0, 1, 12, 23, 25, 48] {
        let text = words
            .iter()
            .cycle()
            .take(n)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let err = Mnemonic::parse(&text).unwrap_err();
        assert!(
            matches!(err, SeedError::WordCount { found } if found == n),
            "{n}: {err}"
        );
        assert_eq!(
            err.to_string(),
            format!("aezeed mnemonic has {n} words, expected 24")
        );
    }
    assert!(matches!(
        Mnemonic::from_words(&words[..23]),
        Err(SeedError::WordCount { found: 23 })
    ));
}

#[test]
fn parse_names_the_first_unknown_word_and_its_index() {
    let (_, bytes) = sample();
    let phrase = Mnemonic::from_enciphered(&bytes).to_phrase();
    let mut words: Vec<String> = phrase.split_whitespace().map(String::from).collect();
    words[17] = "bitcoinz".into();
    words[20] = "alsobad".into();
    let err = Mnemonic::parse(&words.join(" ")).unwrap_err();
    assert!(
        matches!(&err, SeedError::UnknownWord { index: 17 }),
        "{err}"
    );
    // The mistyped word is close to a secret word: it is never shown.
    assert_eq!(
        err.to_string(),
        "word 18 of 24 is not in the bip39 english word list (not shown: it is part of the secret)"
    );
    assert!(!format!("{err} {err:?}").contains("bitcoinz"), "{err:?}");
    // A word given separately that holds a space, or nothing, is not a word.
    words[17] = "two words".into();
    assert!(matches!(
        Mnemonic::from_words(&words),
        Err(SeedError::UnknownWord { index: 17, .. })
    ));
    words[17] = String::new();
    assert!(matches!(
        Mnemonic::from_words(&words),
        Err(SeedError::UnknownWord { index: 17, .. })
    ));
}

#[test]
fn parse_accepts_upper_case_and_extra_whitespace() {
    let (_, bytes) = sample();
    let mnemonic = Mnemonic::from_enciphered(&bytes);
    let shouty = mnemonic.to_phrase().to_uppercase().replace(' ', " \n\t ");
    assert_eq!(Mnemonic::parse(&format!("  {shouty}  ")).unwrap(), mnemonic);
    let words: Vec<&str> = mnemonic.words().collect();
    assert_eq!(Mnemonic::from_words(&words).unwrap(), mnemonic);
}

#[test]
fn decipher_rejects_unknown_external_version_even_with_a_valid_checksum() {
    let (_, mut bytes) = sample();
    for version in [1u8, 44, 0xff] {
        bytes[0] = version;
        fix_checksum(&mut bytes);
        let err = CipherSeed::decipher(&bytes, b"pw", FAST).unwrap_err();
        assert!(
            matches!(err, SeedError::UnknownVersion { version: v } if v == version),
            "{err}"
        );
    }
    // lnd checks the version first: a bad checksum does not hide it.
    bytes[0] = 7;
    bytes[32] ^= 1;
    assert!(matches!(
        check_enciphered(&bytes),
        Err(SeedError::UnknownVersion { version: 7 })
    ));
}

#[test]
fn decipher_rejects_any_flipped_bit_as_checksum_mismatch() {
    let (_, bytes) = sample();
    // Any single flipped bit after the version byte breaks the CRC (the
    // independent CRC here agrees that it changed).
    for bit in 8..33 * 8 {
        let mut bad = bytes;
        bad[bit / 8] ^= 1 << (bit % 8);
        assert_ne!(
            crc32c(&bad[..29]).to_be_bytes(),
            bad[29..],
            "bit {bit} kept the crc"
        );
        let err = CipherSeed::decipher(&bad, b"pw", FAST).unwrap_err();
        assert!(
            matches!(err, SeedError::ChecksumMismatch),
            "bit {bit}: {err}"
        );
        assert_eq!(
            err.to_string(),
            "aezeed checksum mismatch: a word is wrong or misplaced"
        );
    }
    // The unmodified bytes pass the same check.
    assert!(check_enciphered(&bytes).is_ok());
}

#[test]
fn swapped_words_are_a_checksum_mismatch() {
    let (_, bytes) = sample();
    let mnemonic = Mnemonic::from_enciphered(&bytes);
    let mut words: Vec<&str> = mnemonic.words().collect();
    let (a, b) = (3, 9);
    assert_ne!(words[a], words[b], "pick two different words");
    words.swap(a, b);
    let swapped = Mnemonic::from_words(&words).unwrap();
    assert!(matches!(
        swapped.decipher_with_cost(b"pw", FAST),
        Err(SeedError::ChecksumMismatch)
    ));
}

#[test]
fn wrong_passphrase_is_its_own_error() {
    let (seed, bytes) = sample();
    for wrong in [&b""[..], b"aezeed", b"PW", b"pw ", b"p"] {
        let err = CipherSeed::decipher(&bytes, wrong, FAST).unwrap_err();
        assert!(
            matches!(err, SeedError::WrongPassphrase),
            "{wrong:?}: {err}"
        );
        assert_eq!(
            err.to_string(),
            "wrong aezeed passphrase (aez authentication failed)"
        );
    }
    // The right one still works, and the wrong cost is indistinguishable
    // from a wrong passphrase.
    let back = CipherSeed::decipher(&bytes, b"pw", FAST).unwrap();
    assert_eq!(back.entropy(), seed.entropy());
    assert!(matches!(
        CipherSeed::decipher(&bytes, b"pw", ScryptCost::from_log_n(5)),
        Err(SeedError::WrongPassphrase)
    ));
}

#[test]
fn altered_ciphertext_with_a_fixed_checksum_fails_authentication() {
    // Someone who recomputes the CRC still cannot forge a seed: AEZ's
    // 32-bit authenticator catches it.
    let (_, bytes) = sample();
    for pos in [1usize, 12, 23, 24, 28] {
        let mut bad = bytes;
        bad[pos] ^= 0x04;
        fix_checksum(&mut bad);
        assert!(
            matches!(
                CipherSeed::decipher(&bad, b"pw", FAST),
                Err(SeedError::WrongPassphrase)
            ),
            "byte {pos}"
        );
    }
}

#[test]
fn errors_display_as_one_lower_case_line() {
    let errors = [
        SeedError::WordCount { found: 3 },
        SeedError::UnknownWord { index: 0 },
        SeedError::UnknownVersion { version: 1 },
        SeedError::ChecksumMismatch,
        SeedError::WrongPassphrase,
        SeedError::ScryptCost { log_n: 0 },
        SeedError::AezCiphertextTooShort { len: 1, tau: 4 },
        SeedError::AezAuthentication,
    ];
    for err in errors {
        let text = err.to_string();
        assert!(!text.contains('\n') && !text.ends_with('.'), "{text}");
        assert!(text.chars().next().unwrap().is_lowercase(), "{text}");
    }
}
