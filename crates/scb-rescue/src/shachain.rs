//! lnd's revocation roots and the BOLT 3 shachain they seed.
//!
//! A channel's per-commitment secrets come from a shachain whose root lnd
//! derives from the key ring (`lnwallet/revocation_producer.go`):
//! `ECDH(revocation-root key, our multisig public key)` for every channel
//! since lnd 0.9 (the single stores only the key's locator), or the
//! revocation-root private key itself for older channels (the single also
//! stores its public key). Taproot channels derive their MuSig2
//! verification nonces from a second shachain, rooted at
//! `HMAC-SHA256("taproot-rev-root", SHA256(root))` (lnd `chanstate/taproot.go`).

use bitcoin::bip32::ChildNumber;
use bitcoin::hashes::hmac::{Hmac, HmacEngine};
use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::secp256k1::PublicKey;
use scb_crypto::RootKeyRing;
use scb_wire::{KeyLocator, Single};
use zeroize::Zeroizing;

use crate::RescueError;

/// The index of the first element lnd hands out: `2^48 - 1`. lnd's
/// `AtIndex(n)` is the BOLT 3 element at `2^48 - 1 - n`.
pub const SHACHAIN_START_INDEX: u64 = (1 << 48) - 1;

/// The BOLT 3 `generate_from_seed(seed, index)`: for every set bit `b` of
/// `index` from 47 down to 0, flip bit `b` of the value and hash it.
pub fn shachain_element(seed: &[u8; 32], index: u64) -> Zeroizing<[u8; 32]> {
    let mut value = Zeroizing::new(*seed);
    for bit in (0..48).rev() {
        if index & (1 << bit) != 0 {
            value[bit / 8] ^= 1 << (bit % 8);
            *value = sha256::Hash::hash(&value[..]).to_byte_array();
        }
    }
    value
}

/// The secret lnd's shachain producer gives for commitment (or nonce)
/// number `n` (`RevocationProducer.AtIndex(n)`).
pub fn lnd_shachain_at(root: &[u8; 32], n: u64) -> Zeroizing<[u8; 32]> {
    shachain_element(root, SHACHAIN_START_INDEX - (n & SHACHAIN_START_INDEX))
}

/// The channel's revocation root: the seed of its per-commitment secrets.
pub fn revocation_root(
    single: &Single,
    ring: &RootKeyRing,
    our_multisig: &PublicKey,
) -> Result<Zeroizing<[u8; 32]>, RescueError> {
    let channel = single.funding_outpoint;
    let key_err = |source| RescueError::Key { channel, source };
    let loc = single.shachain_root.locator;
    match single.shachain_root.pubkey {
        None => ring.ecdh(loc, our_multisig).map_err(key_err),
        Some(stored) => {
            // Legacy scheme: the root is the private key itself. lnd finds
            // it by scanning the family when the stored index is 0
            // (`keychain/btcwallet.go` `DerivePrivKey`); a key at the stored
            // index that is not the stored one is searched for the same way.
            let mut key = ring.derive_private_key(loc).map_err(key_err)?;
            if key.public_key() != stored {
                let index = scan_for_pubkey(ring, loc.family, &stored)
                    .map_err(key_err)?
                    .ok_or_else(|| RescueError::Malformed {
                        channel,
                        what: format!(
                            "the shachain root's stored public key {stored} is not among the first {MAX_KEY_RANGE_SCAN} keys of family {} of this seed",
                            loc.family
                        ),
                    })?;
                key = ring
                    .derive_private_key(KeyLocator {
                        family: loc.family,
                        index,
                    })
                    .map_err(key_err)?;
            }
            Ok(Zeroizing::new(key.secret_key().secret_bytes()))
        }
    }
}

/// How many indexes lnd scans for a key it knows only by its public key
/// (`keychain.MaxKeyRangeScan`).
pub const MAX_KEY_RANGE_SCAN: u32 = 100_000;

/// The index of `wanted` in `m/1017'/coin'/family'/0/*`, scanning as lnd does.
fn scan_for_pubkey(
    ring: &RootKeyRing,
    family: u32,
    wanted: &PublicKey,
) -> Result<Option<u32>, scb_crypto::KeyError> {
    let secp = bitcoin::secp256k1::Secp256k1::verification_only();
    let branch = ring
        .account_xpub(family)?
        .ckd_pub(&secp, ChildNumber::Normal { index: 0 })
        .map_err(scb_crypto::KeyError::ExtendedKey)?;
    for index in 0..MAX_KEY_RANGE_SCAN {
        // An invalid child (probability 2^-127) is skipped, as btcwallet does.
        if let Ok(child) = branch.ckd_pub(&secp, ChildNumber::Normal { index }) {
            if child.public_key == *wanted {
                return Ok(Some(index));
            }
        }
    }
    Ok(None)
}

/// The root of a taproot channel's nonce shachain.
pub fn taproot_nonce_root(revocation_root: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let hashed = Zeroizing::new(sha256::Hash::hash(revocation_root).to_byte_array());
    let mut engine = HmacEngine::<sha256::Hash>::new(b"taproot-rev-root");
    engine.input(&hashed[..]);
    Zeroizing::new(Hmac::from_engine(engine).to_byte_array())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(s: &str) -> [u8; 32] {
        let v: Vec<u8> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    // BOLT 3 Appendix D, "generate_from_seed" vectors.
    #[test]
    fn bolt3_generation_vectors() {
        let cases = [
            (
                "0000000000000000000000000000000000000000000000000000000000000000",
                281_474_976_710_655,
                "02a40c85b6f28da08dfdbe0926c53fab2de6d28c10301f8f7c4073d5e42e3148",
            ),
            (
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                281_474_976_710_655,
                "7cc854b54e3e0dcdb010d7a3fee464a9687be6e8db3be6854c475621e007a5dc",
            ),
            (
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                0xaaa_aaaa_aaaa,
                "56f4008fb007ca9acf0e15b054d5c9fd12ee06cea347914ddbaed70d1c13a528",
            ),
            (
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                0x5555_5555_5555,
                "9015daaeb06dba4ccc05b91b2f73bd54405f2be9f217fbacd3c5ac2e62327d31",
            ),
            (
                "0101010101010101010101010101010101010101010101010101010101010101",
                1,
                "915c75942a26bb3a433a8ce2cb0427c29ec6c1775cfc78328b57f6ba7bfeaa9c",
            ),
        ];
        for (seed, index, want) in cases {
            assert_eq!(
                *shachain_element(&hex32(seed), index),
                hex32(want),
                "{seed} {index}"
            );
        }
    }

    #[test]
    fn legacy_root_is_the_private_key_found_by_scanning_the_family() {
        let ring = RootKeyRing::from_seed(&[3u8; 32], scb_crypto::Network::Regtest).unwrap();
        let secp = bitcoin::secp256k1::Secp256k1::new();
        let multisig = PublicKey::from_secret_key(
            &secp,
            &bitcoin::secp256k1::SecretKey::from_slice(&[1u8; 32]).unwrap(),
        );
        let target = KeyLocator {
            family: 5,
            index: 37,
        };
        let key = ring.derive_private_key(target).unwrap();
        let cases: serde_json::Value = serde_json::from_str(include_str!(
            "../tests/fixtures/chantools-regtest-cases.json"
        ))
        .unwrap();
        let mut single: Single =
            serde_json::from_value(cases["cases"][0]["decoded"]["singles"][0].clone()).unwrap();
        // Stored as lnd's legacy format: the public key, index 0.
        single.shachain_root.pubkey = Some(key.public_key());
        single.shachain_root.locator = KeyLocator {
            family: 5,
            index: 0,
        };
        let root = revocation_root(&single, &ring, &multisig).unwrap();
        assert_eq!(*root, key.secret_key().secret_bytes());
        // The modern scheme: ECDH with our multisig key.
        single.shachain_root.pubkey = None;
        single.shachain_root.locator = target;
        let root = revocation_root(&single, &ring, &multisig).unwrap();
        assert_eq!(*root, *ring.ecdh(target, &multisig).unwrap());
    }

    #[test]
    fn lnd_index_counts_down_from_the_top() {
        let seed = [7u8; 32];
        assert_eq!(
            *lnd_shachain_at(&seed, 0),
            *shachain_element(&seed, SHACHAIN_START_INDEX)
        );
        assert_eq!(
            *lnd_shachain_at(&seed, 5),
            *shachain_element(&seed, SHACHAIN_START_INDEX - 5)
        );
    }
}
