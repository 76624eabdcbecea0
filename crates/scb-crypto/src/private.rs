//! Private keys of lnd's key ring, and ECDH with a key-ring key, for the
//! rescue tools that sign from a seed (see `docs/recovery.md`).
//!
//! The derivation is [`RootKeyRing`]'s, quirk included (see
//! [`DerivationScheme`](crate::DerivationScheme)): a private key and the
//! public key [`KeyRing::derive_pubkey`](crate::KeyRing::derive_pubkey)
//! gives for the same locator always belong together.

use core::fmt;

use bitcoin::secp256k1::ecdh::SharedSecret;
use bitcoin::secp256k1::{PublicKey, SecretKey};
use scb_wire::KeyLocator;
use zeroize::Zeroizing;

use crate::keyring::check_locator;
use crate::{KeyError, RootKeyRing};

/// A private key of lnd's key ring and its public key.
///
/// The secret is erased when the value is dropped and never shown by
/// `Debug` (which prints the locator and the public key only). Not `Clone`:
/// derive it again where a second copy is needed.
pub struct DerivedPrivateKey {
    locator: KeyLocator,
    secret: SecretKey,
    public: PublicKey,
}

impl DerivedPrivateKey {
    /// The secret key. Do not log or persist it.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret
    }

    /// The compressed public key (what lnd shows and a backup stores).
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The locator this key was derived for.
    pub fn locator(&self) -> KeyLocator {
        self.locator
    }
}

impl Drop for DerivedPrivateKey {
    fn drop(&mut self) {
        self.secret.non_secure_erase();
    }
}

impl fmt::Debug for DerivedPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedPrivateKey")
            .field("locator", &self.locator)
            .field("public_key", &format_args!("{}", self.public))
            .finish_non_exhaustive()
    }
}

impl RootKeyRing {
    /// Derives the private key at `m/1017'/coin'/family'/0/index` with this
    /// key ring's scheme (lnd's by default, including the account-0 rule
    /// for family 0 described on [`DerivationScheme`](crate::DerivationScheme)).
    pub fn derive_private_key(&self, loc: KeyLocator) -> Result<DerivedPrivateKey, KeyError> {
        check_locator(loc)?;
        let (key, _) = self.derive(loc.family, Some(loc.index))?;
        let secret = key.secret_key(5, loc.index)?;
        let public = PublicKey::from_secret_key(&self.secp, &secret);
        Ok(DerivedPrivateKey {
            locator: loc,
            secret,
            public,
        })
    }

    /// ECDH between the key at `loc` and `their` public key, as lnd's
    /// keychain computes it (`BtcWalletKeyRing.ECDH`): SHA-256 of the
    /// shared point `k·P` in compressed form. lnd seeds a channel's
    /// revocation shachain with `ECDH(revocation-root key, our multisig key)`.
    pub fn ecdh(
        &self,
        loc: KeyLocator,
        their: &PublicKey,
    ) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let key = self.derive_private_key(loc)?;
        // libsecp256k1's default ECDH hash is SHA-256 over the compressed
        // point (0x02|0x03 by y parity, then x): exactly lnd's formula.
        let shared = SharedSecret::new(their, key.secret_key());
        Ok(Zeroizing::new(shared.secret_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyRing;
    use bitcoin::hashes::{sha256, Hash};
    use bitcoin::secp256k1::Secp256k1;

    const TPRV: &str = "tprv8ZgxMBicQKsPd14zvYbb8EfSTCv57Bj4mppgAGgrSKuKiDQ1DRnv7BwJhQNWLRyPGZBWQuRNsH5LpDyyaK5iLrRgz9VhXu3mvjRtAFPfX4q";

    #[test]
    fn private_key_matches_public_derivation_for_every_family() {
        let ring = RootKeyRing::from_xprv_str(TPRV, crate::Network::Testnet).unwrap();
        for family in 0..10 {
            for index in [0, 1, 7, 1000] {
                let loc = KeyLocator { family, index };
                let key = ring.derive_private_key(loc).unwrap();
                assert_eq!(key.public_key(), ring.derive_pubkey(loc).unwrap());
                assert_eq!(key.locator(), loc);
            }
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let ring = RootKeyRing::from_xprv_str(TPRV, crate::Network::Testnet).unwrap();
        let key = ring
            .derive_private_key(KeyLocator {
                family: 0,
                index: 0,
            })
            .unwrap();
        let shown = format!("{key:?}");
        let secret_hex =
            bitcoin::hex::DisplayHex::to_lower_hex_string(&key.secret_key().secret_bytes()[..]);
        assert!(!shown.contains(&secret_hex[..16]), "{shown}");
        assert!(shown.contains(&key.public_key().to_string()), "{shown}");
    }

    #[test]
    fn ecdh_is_sha256_of_the_compressed_shared_point() {
        let secp = Secp256k1::new();
        let ring = RootKeyRing::from_xprv_str(TPRV, crate::Network::Testnet).unwrap();
        let loc = KeyLocator {
            family: 5,
            index: 3,
        };
        let their_secret = SecretKey::from_slice(&[0x42; 32]).unwrap();
        let their = PublicKey::from_secret_key(&secp, &their_secret);
        // Computed from the other side: their secret times our public key.
        let ours = ring.derive_pubkey(loc).unwrap();
        let point = ours
            .mul_tweak(&secp, &bitcoin::secp256k1::Scalar::from(their_secret))
            .unwrap();
        let expected = sha256::Hash::hash(&point.serialize()).to_byte_array();
        assert_eq!(*ring.ecdh(loc, &their).unwrap(), expected);
    }

    #[test]
    fn out_of_range_locator_is_refused() {
        let ring = RootKeyRing::from_xprv_str(TPRV, crate::Network::Testnet).unwrap();
        let err = ring
            .derive_private_key(KeyLocator {
                family: 0x8000_0000,
                index: 0,
            })
            .unwrap_err();
        assert!(matches!(err, KeyError::LocatorOutOfRange { .. }), "{err}");
    }
}
