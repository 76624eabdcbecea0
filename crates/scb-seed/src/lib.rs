//! Recover the wallet seed behind a `channel.backup` from the words its
//! owner wrote down: lnd's 24-word **aezeed** cipher seed (passphrase
//! protected, AEZ-encrypted, with a birthday), or a plain **BIP39**
//! mnemonic.
//!
//! An aezeed deciphers to a [`CipherSeed`] whose 16-byte
//! [`entropy`](CipherSeed::entropy) is the BIP32 seed of lnd's wallet: the
//! master key from it is the root of the channel backup key. A BIP39
//! mnemonic gives a 64-byte seed through [`bip39_seed`].
//!
//! ```
//! use scb_seed::{bip39_seed, decipher, SeedError};
//!
//! // An lnd aezeed with the default (empty) passphrase.
//! let words = "absorb wreck lunch holiday boat lawn primary upgrade antique treat \
//!              brother rally comic worth box forward spread smile fluid model speed \
//!              hen mystery green";
//! let seed = decipher(words, b"")?;
//! assert_eq!(seed.internal_version(), 0);
//! assert_eq!(seed.birthday().days(), 59);
//! assert_eq!(seed.birthday().date(), (2009, 3, 3));
//! assert_eq!(seed.entropy()[..4], [0x52, 0xfd, 0xfc, 0x07]);
//!
//! // A wrong passphrase is told apart from a mistyped word.
//! assert!(matches!(decipher(words, b"x"), Err(SeedError::WrongPassphrase)));
//!
//! // BIP39 (the standard test vector, passphrase "TREZOR").
//! let seed64 = bip39_seed(
//!     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
//!     "TREZOR",
//! )?;
//! assert_eq!(seed64[..4], [0xc5, 0x52, 0x57, 0xc3]);
//! # Ok::<(), SeedError>(())
//! ```
//!
//! Deciphering an aezeed costs one scrypt run at N = 32768, r = 8 (32 MiB
//! of memory; lnd's README reports about 100 ms per attempt); a
//! mistyped word is caught by the checksum before that. [`ScryptCost`]
//! selects a cheaper cost for tests only.
//!
//! The [`aez`] module is a from-the-specification implementation of AEZ v5,
//! the cipher aezeed is built on.
//!
//! Feature `test-utils`: test hooks (`Aez::extracted_key`, checked against
//! the published AEZ vectors), not part of the default API.

pub mod aez;
mod aezeed;
mod bip39_seed;
mod birthday;
mod error;
#[doc(hidden)]
pub mod fuzz;

pub use aezeed::{
    check_enciphered, decipher, CipherSeed, Mnemonic, ScryptCost, CIPHER_SEED_VERSION,
    ENCIPHERED_LEN, ENTROPY_LEN, SALT_LEN, WORD_COUNT,
};
pub use bip39_seed::bip39_seed;
pub use birthday::Birthday;
pub use error::SeedError;
