//! The backup key and lnd-compatible encryption of static channel backups.
//!
//! `scb-crypto` turns the plaintext [`Single`](scb_wire::Single) and
//! [`Multi`](scb_wire::Multi) of `scb-wire` into what lnd writes to
//! `channel.backup` and returns from `exportchanbackup`, and back. No I/O.
//!
//! # Example
//!
//! Derive the backup key from a root `tprv` and open a `channel.backup`
//! written by lnd on testnet:
//!
//! ```
//! use scb_crypto::{BackupKey, Network};
//!
//! let tprv = "tprv8ZgxMBicQKsPd14zvYbb8EfSTCv57Bj4mppgAGgrSKuKiDQ1DRnv7BwJhQNWLRyPGZBWQuRNsH5LpDyyaK5iLrRgz9VhXu3mvjRtAFPfX4q";
//! let key = BackupKey::from_xprv_str(tprv, Network::Testnet)?;
//!
//! let file = include_bytes!("../tests/fixtures/channel.backup");
//! let multi = scb_crypto::unpack_multi(file, &key)?;
//! assert_eq!(multi.singles.len(), 16);
//!
//! // Pack it again (fresh random nonce): different bytes, same content.
//! let packed = scb_crypto::pack_multi(&multi, &key, &mut scb_crypto::OsRng)?;
//! assert_ne!(packed.as_bytes(), &file[..]);
//! assert_eq!(packed.unpack(&key)?, multi);
//!
//! // The wrong network (coin type 0 instead of 1) gives another key, and
//! // lnd's cipher cannot tell a wrong key from corruption.
//! let mainnet = BackupKey::from_xprv_str(tprv, Network::Mainnet)?;
//! assert_eq!(
//!     scb_crypto::unpack_multi(file, &mainnet),
//!     Err(scb_crypto::UnpackError::Authentication)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The scheme (lnd's `lnencrypt` and `keychain`)
//!
//! - **Key.** The public key at `m/1017'/coin'/7'/0/0` (lnd's purpose 1017,
//!   coin type 0 on mainnet and 1 on every test network, key family 7
//!   "base encryption", index 0), compressed to 33 bytes and hashed with
//!   SHA-256, is the 32-byte [`BackupKey`]. lnd's wallet derives the first
//!   two levels with btcutil's legacy non-standard BIP32, which differs from
//!   BIP32 for about 1 wallet in 256: [`DerivationScheme::Lnd`] (the
//!   default) reproduces it (see [`DerivationScheme`] and
//!   docs/format.md#derivation-quirk). Because the key is the hash of a
//!   *public* key, the family-7
//!   account xpub is enough to derive it ([`AccountXpubKeyRing`]), and
//!   anyone holding that xpub can read every backup of the node.
//! - **Cipher.** XChaCha20-Poly1305 with a fresh random 24-byte nonce per
//!   encryption; the nonce is also the associated data. Output:
//!   `nonce (24) || ciphertext || tag (16)`. An empty multi packs to
//!   [`EMPTY_MULTI_PACKED_LEN`] = 45 bytes.
//! - **Errors.** Under 24 bytes is [`UnpackError::TooShort`]. A wrong key and
//!   corrupted bytes are the same [`UnpackError::Authentication`]: the
//!   AEAD cannot tell them apart (neither can lnd). Bytes that decrypt but
//!   do not decode are [`UnpackError::Decode`]. Packing fails only on
//!   values lnd's encoder refuses too ([`PackError::Encode`]).
//! - **Secrets.** [`BackupKey`], [`RootKeyRing`] and decrypted plaintexts
//!   are zeroized on drop and never shown by `Debug`.

mod cipher;
mod error;
/// Fuzz-target bodies (feature `fuzzing`; not a stable API).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod key;
mod keyring;
mod network;
mod pack;
mod private;

pub use cipher::{NONCE_LEN, OVERHEAD, TAG_LEN};
pub use error::{KeyError, PackError, UnpackError};
pub use key::{BackupKey, KeyId};
pub use keyring::{
    AccountXpubKeyRing, DerivationScheme, KeyRing, RootKeyRing, BACKUP_KEY_FAMILY,
    BACKUP_KEY_LOCATOR, LND_PURPOSE,
};
pub use network::Network;
pub use pack::{
    pack_multi, pack_single, pack_singles, unpack_multi, unpack_multi_with, unpack_single,
    unpack_singles, PackedMulti, PackedSingle, EMPTY_MULTI_PACKED_LEN,
};
pub use private::DerivedPrivateKey;
/// The operating system's CSPRNG, for the `rng` arguments of the pack functions.
pub use rand_core::OsRng;
/// A byte buffer that is wiped when dropped (what decryption returns).
pub use zeroize::Zeroizing;
