//! Key derivation against lnd's vectors: every network, lnd's scheme and plain
//! BIP32, the leading-zero quirk wallet, the aezeed end-to-end wallet.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use bitcoin::secp256k1::PublicKey;
use common::{fixtures, hex, hex32, read_json, str_field};
use scb_crypto::{
    AccountXpubKeyRing, BackupKey, DerivationScheme, KeyError, KeyRing, Network, RootKeyRing,
    UnpackError, BACKUP_KEY_LOCATOR,
};
use scb_wire::KeyLocator;

/// Checks one keys.json: every network, from the seed, the xprv and the tprv,
/// with both schemes; returns how many networks were checked.
fn check_keys_file(path: &Path) -> usize {
    let v = read_json(path);
    let seed = hex(str_field(&v, "bip32_seed"));
    let quirk = v["m_1017h_private_key_has_leading_zero"].as_bool().unwrap();
    let networks = v["networks"].as_array().unwrap();
    assert!(!networks.is_empty());
    for n in networks {
        let name = str_field(n, "network");
        // keys.json spells testnet3 "testnet", as lnd does.
        let network: Network = name.parse().unwrap();
        assert_eq!(
            u64::from(network.coin_type()),
            n["coin_type"].as_u64().unwrap()
        );
        let want_pub = hex(str_field(n, "pubkey"));
        let want_key = hex32(str_field(n, "encryption_key"));
        let want_std_pub = hex(str_field(n, "standard_bip32_pubkey"));
        let want_std_key = hex32(str_field(n, "standard_bip32_encryption_key"));
        assert_eq!(
            quirk,
            want_pub != want_std_pub,
            "{}: quirk flag vs keys",
            path.display()
        );

        let rings = [
            RootKeyRing::from_seed(&seed, network).unwrap(),
            RootKeyRing::from_xprv_str(str_field(&v, "xprv"), network).unwrap(),
            RootKeyRing::from_xprv_str(str_field(&v, "tprv"), network).unwrap(),
        ];
        for ring in rings {
            assert_eq!(ring.scheme(), DerivationScheme::Lnd);
            let pk = ring.derive_pubkey(BACKUP_KEY_LOCATOR).unwrap();
            assert_eq!(
                pk.serialize().to_vec(),
                want_pub,
                "{} {name} lnd pubkey",
                path.display()
            );
            assert_eq!(BackupKey::derive(&ring).unwrap().as_bytes(), &want_key);

            let plain = ring.with_scheme(DerivationScheme::Bip32);
            let pk = plain.derive_pubkey(BACKUP_KEY_LOCATOR).unwrap();
            assert_eq!(
                pk.serialize().to_vec(),
                want_std_pub,
                "{} {name} bip32 pubkey",
                path.display()
            );
            assert_eq!(BackupKey::derive(&plain).unwrap().as_bytes(), &want_std_key);
        }
        assert_eq!(
            BackupKey::from_seed(&seed, network).unwrap().as_bytes(),
            &want_key,
            "convenience constructor uses lnd's scheme"
        );
        // Every test network shares coin type 1: check the ones keys.json
        // does not list give the testnet key.
        if network == Network::Testnet {
            for other in [
                Network::Testnet4,
                Network::Signet,
                Network::Regtest,
                Network::Simnet,
            ] {
                let k = BackupKey::from_seed(&seed, other).unwrap();
                assert_eq!(k.as_bytes(), &want_key, "{other}");
            }
        }
    }
    networks.len()
}

#[test]
fn bundled_keys_match_lnd_on_every_network_with_both_schemes() {
    assert_eq!(check_keys_file(&fixtures().join("keys.json")), 2);
}

#[test]
fn bundled_quirk_wallet_differs_from_bip32_exactly_as_lnd() {
    let v = read_json(&fixtures().join("key-quirk/keys.json"));
    assert!(v["m_1017h_private_key_has_leading_zero"].as_bool().unwrap());
    assert!(str_field(&v, "m_1017h_private_key").starts_with("00"));
    assert_eq!(check_keys_file(&fixtures().join("key-quirk/keys.json")), 2);
}

#[scb_testkit::requires(vectors)]
#[test]
fn shared_keys_files_match_lnd() {
    let dir = scb_testkit::vectors_dir();
    for f in ["keys.json", "key-quirk/keys.json", "aezeed-e2e/keys.json"] {
        assert!(check_keys_file(&dir.join(f)) >= 2, "{f}");
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn aezeed_cases_backup_keys_match_lnd() {
    let dir = scb_testkit::vectors_dir();
    let v = read_json(&dir.join("aezeed.json"));
    let cases = v["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let seed = hex(str_field(c, "entropy"));
        for (network, field) in [
            (Network::Testnet, "backup_key_testnet"),
            (Network::Mainnet, "backup_key_mainnet"),
        ] {
            let key = BackupKey::from_seed(&seed, network).unwrap();
            assert_eq!(key.as_bytes(), &hex32(str_field(c, field)), "{field}");
        }
    }
}

fn open(dir: &Path, key: &BackupKey) -> Result<(), UnpackError> {
    let file = std::fs::read(dir.join("channel.backup")).unwrap();
    key.decrypt(&file).map(|_| ())
}

#[test]
fn quirk_channel_backup_opens_with_lnd_scheme_only() {
    let dir = fixtures().join("key-quirk");
    let v = read_json(&dir.join("keys.json"));
    let network: Network = str_field(&v, "packed_with").parse().unwrap();
    let ring = RootKeyRing::from_xprv_str(str_field(&v, "tprv"), network).unwrap();
    open(&dir, &BackupKey::derive(&ring).unwrap()).unwrap();
    let plain = ring.with_scheme(DerivationScheme::Bip32);
    assert_eq!(
        open(&dir, &BackupKey::derive(&plain).unwrap()),
        Err(UnpackError::Authentication)
    );
}

#[test]
fn account_xpub_ring_gives_the_same_backup_key() {
    for f in ["keys.json", "key-quirk/keys.json"] {
        let v = read_json(&fixtures().join(f));
        for network in [Network::Mainnet, Network::Testnet] {
            let root = RootKeyRing::from_xprv_str(str_field(&v, "xprv"), network).unwrap();
            let xpub = root.account_xpub(7).unwrap();
            // Round-trip through its string form, as a user would paste it.
            let s = xpub.to_string();
            assert!(s.starts_with(if network == Network::Mainnet {
                "xpub"
            } else {
                "tpub"
            }));
            let ring = AccountXpubKeyRing::from_xpub_str(&s, 7).unwrap();
            assert_eq!(
                BackupKey::derive(&ring).unwrap().as_bytes(),
                BackupKey::derive(&root).unwrap().as_bytes(),
                "{f} {network}"
            );
            for index in [1, 5, 1000] {
                let loc = KeyLocator { family: 7, index };
                assert_eq!(
                    ring.derive_pubkey(loc).unwrap(),
                    root.derive_pubkey(loc).unwrap()
                );
            }
            assert!(matches!(
                ring.derive_pubkey(KeyLocator {
                    family: 6,
                    index: 0
                }),
                Err(KeyError::FamilyUnavailable {
                    requested: 6,
                    available: 7
                })
            ));
            // An xpub of another account is refused up front.
            assert!(matches!(
                AccountXpubKeyRing::new(root.account_xpub(6).unwrap(), 7),
                Err(KeyError::NotAccountKey {
                    depth: 3,
                    family: 7,
                    ..
                })
            ));
        }
    }
}

#[test]
fn non_root_xprv_and_bad_inputs_are_rejected_with_typed_errors() {
    let v = read_json(&fixtures().join("keys.json"));
    let root: bitcoin::bip32::Xpriv = str_field(&v, "xprv").parse().unwrap();
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let child = root
        .derive_priv(
            &secp,
            &[bitcoin::bip32::ChildNumber::from_hardened_idx(1017).unwrap()],
        )
        .unwrap();
    assert!(matches!(
        RootKeyRing::from_xpriv(&child, Network::Mainnet),
        Err(KeyError::NotRootKey { depth: 1 })
    ));
    assert!(matches!(
        RootKeyRing::from_xprv_str("xprv-not-a-key", Network::Mainnet),
        Err(KeyError::ExtendedKey(_))
    ));
    assert!(matches!(
        RootKeyRing::from_seed(&[1; 15], Network::Mainnet),
        Err(KeyError::SeedLength { len: 15 })
    ));
    assert!(matches!(
        RootKeyRing::from_seed(&[1; 65], Network::Mainnet),
        Err(KeyError::SeedLength { len: 65 })
    ));
    let ring = RootKeyRing::from_xpriv(&root, Network::Mainnet).unwrap();
    assert!(matches!(
        ring.derive_pubkey(KeyLocator {
            family: 0x8000_0000,
            index: 0
        }),
        Err(KeyError::LocatorOutOfRange { .. })
    ));
    assert!(matches!(
        ring.derive_pubkey(KeyLocator {
            family: 7,
            index: 0x8000_0000
        }),
        Err(KeyError::LocatorOutOfRange { .. })
    ));
    // Debug never shows key material.
    let shown = format!("{ring:?}");
    assert!(
        !shown.contains("xprv") && shown.contains("Mainnet"),
        "{shown}"
    );
}

#[test]
fn whitespace_around_an_xprv_is_ignored() {
    let v = read_json(&fixtures().join("keys.json"));
    let padded = format!("  {}\n", str_field(&v, "tprv"));
    let a = BackupKey::from_xprv_str(&padded, Network::Testnet).unwrap();
    let b = BackupKey::from_xprv_str(str_field(&v, "tprv"), Network::Testnet).unwrap();
    assert_eq!(a.as_bytes(), b.as_bytes());
}

#[test]
fn backup_key_is_sha256_of_compressed_pubkey() {
    let v = read_json(&fixtures().join("keys.json"));
    let n = &v["networks"][0];
    let pk = PublicKey::from_slice(&hex(str_field(n, "pubkey"))).unwrap();
    assert_eq!(
        BackupKey::from_pubkey(&pk).as_bytes(),
        &hex32(str_field(n, "encryption_key"))
    );
}
