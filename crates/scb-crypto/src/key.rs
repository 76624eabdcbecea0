//! The backup encryption key.

use core::fmt;

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::PublicKey;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{KeyError, KeyRing, Network, RootKeyRing, BACKUP_KEY_LOCATOR};

/// The 32-byte XChaCha20-Poly1305 key of lnd's backups: SHA-256 of the
/// compressed public key at `m/1017'/coin'/7'/0/0`.
///
/// Zeroized on drop; `Debug` prints only its [`KeyId`]. Not `Clone`: derive
/// it once and lend it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct BackupKey([u8; 32]);

impl BackupKey {
    /// Wraps raw key bytes (for tests and tools that already hold the key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        BackupKey(bytes)
    }

    /// The key for a backup base public key (the family-7, index-0 key):
    /// SHA-256 of its 33-byte compressed form.
    pub fn from_pubkey(pubkey: &PublicKey) -> Self {
        BackupKey(sha256::Hash::hash(&pubkey.serialize()).to_byte_array())
    }

    /// Derives the key from a key ring ([`BACKUP_KEY_LOCATOR`]: family 7, index 0).
    pub fn derive<K: KeyRing + ?Sized>(key_ring: &K) -> Result<Self, KeyError> {
        key_ring
            .derive_pubkey(BACKUP_KEY_LOCATOR)
            .map(|pk| Self::from_pubkey(&pk))
    }

    /// Derives the key from a root `xprv…`/`tprv…` string with lnd's scheme.
    pub fn from_xprv_str(xprv: &str, network: Network) -> Result<Self, KeyError> {
        Self::derive(&RootKeyRing::from_xprv_str(xprv, network)?)
    }

    /// Derives the key from the wallet's BIP32 seed with lnd's scheme.
    pub fn from_seed(seed: &[u8], network: Network) -> Result<Self, KeyError> {
        Self::derive(&RootKeyRing::from_seed(seed, network)?)
    }

    /// The raw key bytes. Secret: do not log or persist them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A non-secret identifier of this key for logs and user interfaces.
    pub fn id(&self) -> KeyId {
        let h = sha256::Hash::hash(&self.0).to_byte_array();
        KeyId([h[0], h[1], h[2], h[3]])
    }
}

impl fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupKey")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// The first 4 bytes of SHA-256 of a [`BackupKey`]: tells keys apart in logs
/// without revealing them (a hash of the key, not of the public key, so it
/// cannot be matched against an account xpub). Displayed as 8 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 4]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_key_bytes() {
        let key = BackupKey::from_bytes([0xab; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        assert!(shown.contains(&key.id().to_string()), "{shown}");
    }

    #[test]
    fn id_is_first_four_bytes_of_sha256_of_key() {
        let key = BackupKey::from_bytes([0u8; 32]);
        // SHA-256 of 32 zero bytes starts 66687aad.
        assert_eq!(key.id().to_string(), "66687aad");
    }
}
