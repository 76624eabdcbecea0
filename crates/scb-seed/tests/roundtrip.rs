//! Property tests: encipher/decipher, words/bytes and AEZ round trips.
//! scrypt runs at N = 16 here; the production cost is covered by the lnd
//! vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use scb_seed::aez::Aez;
use scb_seed::{Birthday, CipherSeed, Mnemonic, ScryptCost, SeedError};

const FAST: ScryptCost = ScryptCost::from_log_n(4);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn encipher_decipher_round_trip(
        version in any::<u8>(),
        days in any::<u16>(),
        entropy in any::<[u8; 16]>(),
        salt in any::<[u8; 5]>(),
        passphrase in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let seed = CipherSeed::new(version, Birthday::from_days(days), entropy, salt);
        let mnemonic = seed.to_mnemonic_with_cost(&passphrase, FAST).unwrap();
        let reparsed = Mnemonic::parse(&mnemonic.to_phrase()).unwrap();
        let back = reparsed.decipher_with_cost(&passphrase, FAST).unwrap();
        prop_assert_eq!(back.internal_version(), version);
        prop_assert_eq!(back.birthday().days(), days);
        prop_assert_eq!(back.entropy(), &entropy);
        prop_assert_eq!(back.salt(), salt);

        // Any other passphrase is refused (AEZ's 32-bit tag: a false accept
        // has probability 2^-32 per case).
        let mut other = passphrase.clone();
        other.push(b'!');
        let refused = matches!(
            reparsed.decipher_with_cost(&other, FAST),
            Err(SeedError::WrongPassphrase)
        );
        prop_assert!(refused);
    }

    #[test]
    fn mnemonic_bytes_round_trip(bytes in any::<[u8; 33]>()) {
        let mnemonic = Mnemonic::from_enciphered(&bytes);
        prop_assert_eq!(*mnemonic.to_enciphered(), bytes);
        prop_assert_eq!(Mnemonic::parse(&mnemonic.to_phrase()).unwrap(), mnemonic);
    }

    #[test]
    fn aez_round_trip_any_length(
        key in proptest::collection::vec(any::<u8>(), 0..64),
        nonce in proptest::collection::vec(any::<u8>(), 0..20),
        ad in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..3),
        tau in 0usize..20,
        message in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let aez = Aez::new(&key);
        let ad: Vec<&[u8]> = ad.iter().map(Vec::as_slice).collect();
        let ciphertext = aez.encrypt(&nonce, &ad, tau, &message);
        prop_assert_eq!(ciphertext.len(), message.len() + tau);
        let plain = aez.decrypt(&nonce, &ad, tau, &ciphertext).unwrap();
        prop_assert_eq!(&plain[..], &message[..]);
        if tau >= 4 {
            let mut bad = ciphertext.clone();
            bad[0] ^= 1;
            prop_assert!(aez.decrypt(&nonce, &ad, tau, &bad).is_err());
        }
    }

    #[test]
    fn fuzz_body_accepts_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..120)) {
        scb_seed::fuzzing::check_aezeed(&data);
    }

    #[test]
    fn fuzz_body_accepts_near_miss_mnemonics(
        picks in proptest::collection::vec(0usize..2048, 20..28),
        sep in prop::sample::select(vec![" ", "  ", "\n", "\t"]),
    ) {
        let list = bip39_words();
        let text = picks.iter().map(|i| list[*i]).collect::<Vec<_>>().join(sep);
        scb_seed::fuzzing::check_aezeed(text.as_bytes());
        if picks.len() == 24 {
            // Real words in the right number always parse; the checksum then
            // decides (and almost always refuses).
            prop_assert!(Mnemonic::parse(&text).is_ok());
        }
    }

    #[test]
    fn random_bytes_never_panic_and_rarely_pass_the_checksum(bytes in any::<[u8; 33]>()) {
        // The cheap checks run before scrypt; random input stops there
        // except with probability 2^-40.
        let result = CipherSeed::decipher(&bytes, b"", FAST);
        prop_assert!(result.is_err());
    }
}

/// The BIP39 English list, read back through the crate's own word mapping.
fn bip39_words() -> Vec<&'static str> {
    (0..2048u16)
        .map(|i| {
            let mut bytes = [0u8; 33];
            // Word 0 takes the top 11 bits.
            bytes[0] = (i >> 3) as u8;
            bytes[1] = ((i & 7) << 5) as u8;
            Mnemonic::from_enciphered(&bytes).words().next().unwrap()
        })
        .collect()
}

#[test]
fn word_list_is_bip39_english() {
    let words = bip39_words();
    assert_eq!(words[0], "abandon");
    assert_eq!(words[1], "ability");
    assert_eq!(words[2047], "zoo");
    assert!(words.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
}

#[test]
fn generate_draws_entropy_and_salt_from_the_rng() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let a = CipherSeed::generate(0, Birthday::from_days(6000), &mut rng);
    let b = CipherSeed::generate(0, Birthday::from_days(6000), &mut rng);
    assert_ne!(a.entropy(), b.entropy());
    assert_ne!(a.salt(), b.salt());
    assert_ne!(a.entropy(), &[0; 16]);
    // The same seed of the RNG gives the same wallet.
    let mut again = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let a2 = CipherSeed::generate(0, Birthday::from_days(6000), &mut again);
    assert_eq!(a.entropy(), a2.entropy());
    assert_eq!(a.salt(), a2.salt());

    // A new salt changes the words but not the wallet.
    let resalted = a.with_random_salt(&mut rng);
    assert_eq!(resalted.entropy(), a.entropy());
    assert_ne!(resalted.salt(), a.salt());
    let words_a = a.to_mnemonic_with_cost(b"", FAST).unwrap();
    let words_b = resalted.to_mnemonic_with_cost(b"", FAST).unwrap();
    assert_ne!(words_a, words_b);
}
