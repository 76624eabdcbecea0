//! The crate's one error type.

/// Everything that can go wrong turning words into a seed.
///
/// Each way an aezeed can be refused has its own variant, in the order lnd
/// checks them: word count, unknown word, version, checksum, passphrase.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The mnemonic does not have exactly 24 words.
    #[error("aezeed mnemonic has {found} words, expected 24")]
    WordCount {
        /// How many words were given.
        found: usize,
    },
    /// A word is not in the BIP39 English word list that aezeed uses. Only its
    /// position is kept: a mistyped word is close to a word of the secret
    /// phrase, and errors end up in terminals, logs and bug reports.
    #[error(
        "word {} of 24 is not in the bip39 english word list (not shown: it is part of the secret)",
        index + 1
    )]
    UnknownWord {
        /// Its position in the mnemonic, counted from 0 (as lnd reports it);
        /// the message counts from 1.
        index: usize,
    },
    /// The first byte of the enciphered seed is not a known external version.
    #[error("aezeed external version {version} is not supported (only version 0 exists)")]
    UnknownVersion {
        /// The version byte found.
        version: u8,
    },
    /// The CRC-32C of the enciphered seed does not match: a word is wrong,
    /// missing or out of place. The checksum values are not kept: they are
    /// bits of the secret mnemonic and errors end up in logs.
    #[error("aezeed checksum mismatch: a word is wrong or misplaced")]
    ChecksumMismatch,
    /// AEZ authentication failed: the passphrase is wrong (the checksum
    /// already vouched for the words).
    #[error("wrong aezeed passphrase (aez authentication failed)")]
    WrongPassphrase,
    /// The scrypt cost is not one scrypt accepts.
    #[error("invalid scrypt cost: log2(n) = {log_n}")]
    ScryptCost {
        /// The rejected log2 of scrypt's N.
        log_n: u8,
    },
    /// An AEZ ciphertext is shorter than its authenticator.
    #[error("aez ciphertext of {len} bytes is shorter than its {tau}-byte authenticator")]
    AezCiphertextTooShort {
        /// Length of the ciphertext.
        len: usize,
        /// The authenticator length (ciphertext expansion) in bytes.
        tau: usize,
    },
    /// AEZ decryption found a non-zero authenticator: wrong key, wrong
    /// associated data or altered ciphertext.
    #[error("aez authentication failed")]
    AezAuthentication,
    /// The BIP39 mnemonic was refused (word count, unknown word, checksum).
    #[error("invalid bip39 mnemonic")]
    Bip39(#[source] bip39::Error),
}
