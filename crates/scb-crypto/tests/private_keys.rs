//! Private-key derivation: every key of the vectors, and a wallet whose
//! coin-type key starts with 0x00 (found by searching seeds) showing where
//! lnd's derivation of family 0 and family 7 differs from plain BIP32.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bitcoin::bip32::{ChainCode, ChildNumber, Fingerprint, Xpriv};
use bitcoin::hashes::hmac::{Hmac, HmacEngine};
use bitcoin::hashes::{sha512, Hash, HashEngine};
use bitcoin::secp256k1::{PublicKey, Scalar, Secp256k1, SecretKey};
use bitcoin::NetworkKind;
use common::{fixtures, hex, read_json, shared_vectors, str_field};
use scb_crypto::{DerivationScheme, KeyRing, Network, RootKeyRing};
use scb_wire::KeyLocator;

fn check_keys_file(path: &std::path::Path) -> usize {
    let v = read_json(path);
    let seed = hex(str_field(&v, "bip32_seed"));
    let mut checked = 0;
    for n in v["networks"].as_array().unwrap() {
        let network: Network = str_field(n, "network").parse().unwrap();
        let want = PublicKey::from_slice(&hex(str_field(n, "pubkey"))).unwrap();
        let want_std = PublicKey::from_slice(&hex(str_field(n, "standard_bip32_pubkey"))).unwrap();
        let loc = KeyLocator {
            family: 7,
            index: 0,
        };
        for ring in [
            RootKeyRing::from_seed(&seed, network).unwrap(),
            RootKeyRing::from_xprv_str(str_field(&v, "xprv"), network).unwrap(),
            RootKeyRing::from_xprv_str(str_field(&v, "tprv"), network).unwrap(),
        ] {
            assert_eq!(ring.derive_private_key(loc).unwrap().public_key(), want);
            let plain = ring.with_scheme(DerivationScheme::Bip32);
            assert_eq!(
                plain.derive_private_key(loc).unwrap().public_key(),
                want_std
            );
        }
        checked += 1;
    }
    checked
}

#[test]
fn private_keys_match_every_vector_public_key() {
    let mut checked = check_keys_file(&fixtures().join("keys.json"));
    checked += check_keys_file(&fixtures().join("key-quirk/keys.json"));
    if let Some(dir) = shared_vectors("private_keys_match_every_vector_public_key") {
        checked += check_keys_file(&dir.join("keys.json"));
        checked += check_keys_file(&dir.join("key-quirk/keys.json"));
    }
    assert!(checked >= 4, "{checked}");
}

/// The BIP32 master key of a seed.
fn master(seed: &[u8]) -> Xpriv {
    Xpriv::new_master(NetworkKind::Test, seed).unwrap()
}

fn hardened(i: u32) -> ChildNumber {
    ChildNumber::from_hardened_idx(i).unwrap()
}

/// A seed whose plain-BIP32 key at m/1017'/1' starts with 0x00 while the key
/// at m/1017' does not (so lnd's coin-type key equals BIP32's, and only the
/// account-0 step sees the short key).
fn seed_with_short_coin_type_key() -> [u8; 32] {
    let secp = Secp256k1::new();
    for counter in 0u32.. {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&counter.to_be_bytes());
        let m = master(&seed);
        let purpose = m.derive_priv(&secp, &[hardened(1017)]).unwrap();
        let coin = purpose.derive_priv(&secp, &[hardened(1)]).unwrap();
        if purpose.private_key.secret_bytes()[0] != 0 && coin.private_key.secret_bytes()[0] == 0 {
            return seed;
        }
    }
    unreachable!()
}

/// lnd's account-0 step from a coin-type key by hand: btcutil copies the
/// key's stripped bytes left-aligned into the 32-byte slot.
fn lnd_account_zero(coin: &Xpriv) -> Xpriv {
    let key = coin.private_key.secret_bytes();
    let stripped: Vec<u8> = key.iter().copied().skip_while(|b| *b == 0).collect();
    let mut data = [0u8; 37];
    data[1..=stripped.len()].copy_from_slice(&stripped);
    data[33..].copy_from_slice(&0x8000_0000u32.to_be_bytes());
    let mut engine = HmacEngine::<sha512::Hash>::new(coin.chain_code.as_bytes());
    engine.input(&data);
    let i = Hmac::from_engine(engine).to_byte_array();
    let tweak = Scalar::from_be_bytes(i[..32].try_into().unwrap()).unwrap();
    let private_key: SecretKey = coin.private_key.add_tweak(&tweak).unwrap();
    Xpriv {
        network: NetworkKind::Test,
        depth: 3,
        parent_fingerprint: Fingerprint::default(),
        child_number: hardened(0),
        private_key,
        chain_code: ChainCode::from(<[u8; 32]>::try_from(&i[32..]).unwrap()),
    }
}

#[test]
fn short_coin_type_key_changes_family_zero_only() {
    let secp = Secp256k1::new();
    let seed = seed_with_short_coin_type_key();
    let lnd = RootKeyRing::from_seed(&seed, Network::Regtest).unwrap();
    let plain = RootKeyRing::from_seed(&seed, Network::Regtest)
        .unwrap()
        .with_scheme(DerivationScheme::Bip32);
    let coin = master(&seed)
        .derive_priv(&secp, &[hardened(1017), hardened(1)])
        .unwrap();
    let account0 = lnd_account_zero(&coin);
    for index in [0u32, 1, 5] {
        let multisig = KeyLocator { family: 0, index };
        let backup = KeyLocator { family: 7, index };
        // Family 0 (multisig): lnd derives the account from the short key.
        let expected = account0
            .derive_priv(&secp, &[ChildNumber::from(0), ChildNumber::from(index)])
            .unwrap();
        let got = lnd.derive_private_key(multisig).unwrap();
        assert_eq!(got.secret_key(), &expected.private_key);
        assert_eq!(got.public_key(), lnd.derive_pubkey(multisig).unwrap());
        assert_ne!(
            got.public_key(),
            plain.derive_private_key(multisig).unwrap().public_key()
        );
        // Family 7 (backups): btcwallet reloads the coin-type key first.
        assert_eq!(
            lnd.derive_private_key(backup).unwrap().public_key(),
            plain.derive_private_key(backup).unwrap().public_key()
        );
    }
}
