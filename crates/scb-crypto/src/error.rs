//! Errors of key derivation ([`KeyError`]), of packing ([`PackError`]) and of
//! unpacking ([`UnpackError`]).
//!
//! Each error says its cause once: a variant wrapping another error names
//! the step in its message and leaves the cause to `source()`.

use scb_wire::{DecodeError, EncodeError};

/// Why a backup key (or another key-ring key) could not be derived.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A network name that is not one of the six known ones.
    #[error(
        "unknown network {0:?}: expected mainnet, testnet, testnet4, signet, regtest or simnet"
    )]
    UnknownNetwork(String),
    /// An extended key string that does not parse (bad base58, checksum,
    /// length or version bytes).
    #[error("invalid extended key")]
    ExtendedKey(#[source] bitcoin::bip32::Error),
    /// The extended private key is not a master (depth 0) key: lnd's key ring
    /// derives from the wallet's root.
    #[error("extended private key has depth {depth}, expected the root key (depth 0)")]
    NotRootKey {
        /// The key's depth.
        depth: u8,
    },
    /// The account extended public key is not the account `m/1017'/coin'/family'`
    /// the key ring was built for.
    #[error("account xpub is at depth {depth} child {child}, expected depth 3 child {family}'")]
    NotAccountKey {
        /// The key's depth.
        depth: u8,
        /// The key's child number, as BIP32 displays it.
        child: String,
        /// The family the key ring was asked to serve.
        family: u32,
    },
    /// A BIP32 seed outside BIP32's 16..=64 bytes.
    #[error("bip32 seed is {len} bytes, expected 16 to 64")]
    SeedLength {
        /// The length given.
        len: usize,
    },
    /// The key ring holds only one account and cannot derive another family.
    #[error(
        "key family {requested} is not available: this key ring only holds family {available}"
    )]
    FamilyUnavailable {
        /// The family asked for.
        requested: u32,
        /// The only family this key ring can derive.
        available: u32,
    },
    /// A family or index of 2^31 or more: lnd never derives those.
    #[error("key locator {family}/{index} is out of range: family and index must be below 2^31")]
    LocatorOutOfRange {
        /// The family asked for.
        family: u32,
        /// The index asked for.
        index: u32,
    },
    /// A derivation step produced an invalid key (probability below 2^-127).
    #[error("derivation of child {child} at depth {depth} gives an invalid key")]
    InvalidChild {
        /// Depth of the child that failed (1 for m/1017').
        depth: u8,
        /// The child number, hardened ones with a trailing `'`.
        child: String,
    },
    /// A key ring backed by something else (a remote signer, a hardware
    /// device) failed.
    #[error("key ring failed")]
    KeyRing(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Why a single or a multi could not be packed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// The plaintext could not be encoded (what lnd's encoder refuses too).
    #[error("backup cannot be encoded")]
    Encode(#[source] EncodeError),
    /// One single of a list could not be packed; the whole list fails.
    #[error("single {index} of the list cannot be packed")]
    InList {
        /// Zero-based position in the list.
        index: usize,
        /// What was wrong with it.
        #[source]
        source: Box<PackError>,
    },
}

impl From<EncodeError> for PackError {
    fn from(e: EncodeError) -> Self {
        PackError::Encode(e)
    }
}

/// Why a packed single or multi could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnpackError {
    /// Fewer than 24 bytes: not even a nonce (lnd: "payload size too small").
    #[error("packed backup is {len} bytes, must be at least 24 bytes")]
    TooShort {
        /// The length given.
        len: usize,
    },
    /// The AEAD tag did not verify. This is both "wrong key" (wrong seed,
    /// wrong network's coin type, lnd's versus plain BIP32 derivation) and
    /// "corrupted or truncated data": the cipher cannot tell them apart, and
    /// neither can lnd.
    #[error("authentication failed: wrong key or corrupted backup")]
    Authentication,
    /// The bytes decrypted but are not a valid backup.
    #[error("decrypted backup is not valid")]
    Decode(#[source] DecodeError),
    /// One packed single of a list failed; lnd rejects the whole list.
    #[error("packed single {index} of the list")]
    InList {
        /// Zero-based position in the list.
        index: usize,
        /// What was wrong with it.
        #[source]
        source: Box<UnpackError>,
    },
}

impl From<DecodeError> for UnpackError {
    fn from(e: DecodeError) -> Self {
        UnpackError::Decode(e)
    }
}
