//! lnd's aezeed cipher seed: 24 words that encrypt a wallet's entropy and
//! birthday under a passphrase.
//!
//! Layout of the 33 bytes the words encode (11 bits per word, BIP39 English
//! list, most significant bit first):
//!
//! ```text
//! [0]      external version (0)
//! [1..24]  AEZ ciphertext (tau = 4) of: internal version u8 || birthday u16 BE || entropy [16]
//! [24..29] scrypt salt
//! [29..33] CRC-32C (Castagnoli) of bytes 0..29, big-endian
//! ```
//!
//! The AEZ key is `scrypt(passphrase or "aezeed", salt, N = 32768, r = 8, p = 1)`
//! (32 bytes), the nonce is empty and the associated data is the single
//! string `version || salt`.

use core::str::FromStr;

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::aez::Aez;
use crate::birthday::Birthday;
use crate::error::SeedError;

/// Words in an aezeed mnemonic.
pub const WORD_COUNT: usize = 24;
/// Bytes encoded by the 24 words.
pub const ENCIPHERED_LEN: usize = 33;
/// The only external version lnd defines.
pub const CIPHER_SEED_VERSION: u8 = 0;
/// Bytes of wallet entropy (the BIP32 seed).
pub const ENTROPY_LEN: usize = 16;
/// Bytes of scrypt salt.
pub const SALT_LEN: usize = 5;

/// Bits per word.
const BITS_PER_WORD: usize = 11;
/// AEZ ciphertext expansion (authenticator bytes).
const AEZ_TAU: usize = 4;
/// Plaintext: internal version, birthday, entropy.
const PLAINTEXT_LEN: usize = 1 + 2 + ENTROPY_LEN;
/// Start of the salt in the enciphered seed.
const SALT_OFFSET: usize = 1 + PLAINTEXT_LEN + AEZ_TAU;
/// Start of the checksum in the enciphered seed.
const CHECKSUM_OFFSET: usize = SALT_OFFSET + SALT_LEN;
/// lnd's passphrase when the user gives none.
const DEFAULT_PASSPHRASE: &[u8] = b"aezeed";
/// CRC-32C, as Go's `crc32.MakeTable(crc32.Castagnoli)`.
const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// The cost of the scrypt key derivation, as log2 of scrypt's N (r = 8 and
/// p = 1 are fixed by the format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScryptCost {
    log_n: u8,
}

impl ScryptCost {
    /// The cost every lnd release uses: N = 32768 (32 MiB of memory).
    pub const LND: ScryptCost = ScryptCost { log_n: 15 };

    /// The largest accepted `log_n` (N = 2^20, 1 GiB of scrypt memory).
    pub const MAX_LOG_N: u8 = 20;

    /// A cost of N = 2^`log_n`. Only [`ScryptCost::LND`] reads real seeds;
    /// lower costs exist for tests (lnd's own unit tests use N = 16, i.e.
    /// `log_n` = 4). Values outside `1..=MAX_LOG_N` make key derivation fail
    /// with [`SeedError::ScryptCost`].
    pub const fn from_log_n(log_n: u8) -> Self {
        ScryptCost { log_n }
    }

    /// log2 of scrypt's N.
    pub const fn log_n(self) -> u8 {
        self.log_n
    }

    /// Derives the 32-byte AEZ key from the passphrase and salt.
    fn derive_key(
        self,
        passphrase: &[u8],
        salt: [u8; SALT_LEN],
    ) -> Result<Zeroizing<[u8; 32]>, SeedError> {
        let passphrase = if passphrase.is_empty() {
            DEFAULT_PASSPHRASE
        } else {
            passphrase
        };
        // Outside 1..=20 (2 KiB to 1 GiB of memory) is a caller's mistake,
        // refused before scrypt would try to allocate it.
        if !(1..=Self::MAX_LOG_N).contains(&self.log_n) {
            return Err(SeedError::ScryptCost { log_n: self.log_n });
        }
        let params = scrypt::Params::new(self.log_n, 8, 1, 32)
            .map_err(|_| SeedError::ScryptCost { log_n: self.log_n })?;
        let mut key = Zeroizing::new([0u8; 32]);
        scrypt::scrypt(passphrase, &salt, &params, &mut key[..])
            .map_err(|_| SeedError::ScryptCost { log_n: self.log_n })?;
        Ok(key)
    }
}

impl Default for ScryptCost {
    fn default() -> Self {
        Self::LND
    }
}

/// A deciphered aezeed: internal version, birthday, entropy and the salt it
/// was enciphered with. The entropy is the wallet's BIP32 seed. Zeroized on
/// drop; `Debug` hides the entropy.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CipherSeed {
    internal_version: u8,
    birthday: u16,
    entropy: [u8; ENTROPY_LEN],
    salt: [u8; SALT_LEN],
}

impl core::fmt::Debug for CipherSeed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CipherSeed")
            .field("internal_version", &self.internal_version)
            .field("birthday", &self.birthday())
            .field("entropy", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl CipherSeed {
    /// A seed from all its parts (for re-enciphering a known seed).
    pub fn new(
        internal_version: u8,
        birthday: Birthday,
        entropy: [u8; ENTROPY_LEN],
        salt: [u8; SALT_LEN],
    ) -> Self {
        CipherSeed {
            internal_version,
            birthday: birthday.days(),
            entropy,
            salt,
        }
    }

    /// A new seed with random entropy and salt drawn from `rng`.
    pub fn generate<R: RngCore + CryptoRng>(
        internal_version: u8,
        birthday: Birthday,
        rng: &mut R,
    ) -> Self {
        let mut seed = CipherSeed::new(internal_version, birthday, [0; ENTROPY_LEN], [0; SALT_LEN]);
        rng.fill_bytes(&mut seed.entropy);
        rng.fill_bytes(&mut seed.salt);
        seed
    }

    /// The same seed with a fresh random salt, e.g. before enciphering it
    /// under a new passphrase.
    #[must_use]
    pub fn with_random_salt<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Self {
        let mut seed = self.clone();
        rng.fill_bytes(&mut seed.salt);
        seed
    }

    /// The internal version (how the wallet derives keys; lnd writes 0).
    pub fn internal_version(&self) -> u8 {
        self.internal_version
    }

    /// The wallet birthday.
    pub fn birthday(&self) -> Birthday {
        Birthday::from_days(self.birthday)
    }

    /// The 16 bytes of entropy: the BIP32 seed of lnd's wallet.
    pub fn entropy(&self) -> &[u8; ENTROPY_LEN] {
        &self.entropy
    }

    /// The scrypt salt stored in the mnemonic.
    pub fn salt(&self) -> [u8; SALT_LEN] {
        self.salt
    }

    /// Enciphers the seed under `passphrase` (empty means lnd's default
    /// "aezeed") with lnd's scrypt cost.
    pub fn encipher(&self, passphrase: &[u8]) -> Result<[u8; ENCIPHERED_LEN], SeedError> {
        self.encipher_with_cost(passphrase, ScryptCost::LND)
    }

    /// [`CipherSeed::encipher`] with a chosen scrypt cost.
    pub fn encipher_with_cost(
        &self,
        passphrase: &[u8],
        cost: ScryptCost,
    ) -> Result<[u8; ENCIPHERED_LEN], SeedError> {
        let key = cost.derive_key(passphrase, self.salt)?;
        let mut plaintext = Zeroizing::new([0u8; PLAINTEXT_LEN]);
        plaintext[0] = self.internal_version;
        plaintext[1..3].copy_from_slice(&self.birthday.to_be_bytes());
        plaintext[3..].copy_from_slice(&self.entropy);
        let ad = associated_data(CIPHER_SEED_VERSION, self.salt);
        let ciphertext = Aez::new(&key[..]).encrypt(&[], &[&ad], AEZ_TAU, &plaintext[..]);

        let mut out = [0u8; ENCIPHERED_LEN];
        out[0] = CIPHER_SEED_VERSION;
        out[1..SALT_OFFSET].copy_from_slice(&ciphertext);
        out[SALT_OFFSET..CHECKSUM_OFFSET].copy_from_slice(&self.salt);
        let checksum = CRC32C.checksum(&out[..CHECKSUM_OFFSET]);
        out[CHECKSUM_OFFSET..].copy_from_slice(&checksum.to_be_bytes());
        Ok(out)
    }

    /// Enciphers the seed and spells it as 24 words (lnd's `ToMnemonic`).
    pub fn to_mnemonic(&self, passphrase: &[u8]) -> Result<Mnemonic, SeedError> {
        self.to_mnemonic_with_cost(passphrase, ScryptCost::LND)
    }

    /// [`CipherSeed::to_mnemonic`] with a chosen scrypt cost.
    pub fn to_mnemonic_with_cost(
        &self,
        passphrase: &[u8],
        cost: ScryptCost,
    ) -> Result<Mnemonic, SeedError> {
        let bytes = Zeroizing::new(self.encipher_with_cost(passphrase, cost)?);
        Ok(Mnemonic::from_enciphered(&bytes))
    }

    /// Deciphers the 33 bytes a mnemonic encodes, checking, in lnd's order,
    /// the version byte, the checksum (before any costly work), then the
    /// passphrase.
    pub fn decipher(
        enciphered: &[u8; ENCIPHERED_LEN],
        passphrase: &[u8],
        cost: ScryptCost,
    ) -> Result<CipherSeed, SeedError> {
        check_enciphered(enciphered)?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&enciphered[SALT_OFFSET..CHECKSUM_OFFSET]);
        let key = cost.derive_key(passphrase, salt)?;
        let ad = associated_data(enciphered[0], salt);
        let plaintext = Aez::new(&key[..])
            .decrypt(&[], &[&ad], AEZ_TAU, &enciphered[1..SALT_OFFSET])
            .map_err(|err| match err {
                SeedError::AezAuthentication => SeedError::WrongPassphrase,
                other => other,
            })?;
        // AEZ returns exactly ciphertext length minus tau = 19 bytes.
        let plaintext: &[u8; PLAINTEXT_LEN] = plaintext[..]
            .try_into()
            .map_err(|_| SeedError::AezAuthentication)?;
        let mut seed = CipherSeed::new(
            plaintext[0],
            Birthday::from_days(u16::from_be_bytes([plaintext[1], plaintext[2]])),
            [0; ENTROPY_LEN],
            salt,
        );
        seed.entropy.copy_from_slice(&plaintext[3..]);
        Ok(seed)
    }
}

/// The AEZ associated data: `version || salt`, passed as one string.
fn associated_data(version: u8, salt: [u8; SALT_LEN]) -> [u8; 1 + SALT_LEN] {
    let mut ad = [0u8; 1 + SALT_LEN];
    ad[0] = version;
    ad[1..].copy_from_slice(&salt);
    ad
}

/// The checks that need no passphrase: version byte, then CRC-32C. Cheap, so
/// random input never reaches scrypt.
pub fn check_enciphered(enciphered: &[u8; ENCIPHERED_LEN]) -> Result<(), SeedError> {
    if enciphered[0] != CIPHER_SEED_VERSION {
        return Err(SeedError::UnknownVersion {
            version: enciphered[0],
        });
    }
    let computed = CRC32C.checksum(&enciphered[..CHECKSUM_OFFSET]);
    let stored = u32::from_be_bytes([
        enciphered[CHECKSUM_OFFSET],
        enciphered[CHECKSUM_OFFSET + 1],
        enciphered[CHECKSUM_OFFSET + 2],
        enciphered[CHECKSUM_OFFSET + 3],
    ]);
    if stored != computed {
        return Err(SeedError::ChecksumMismatch);
    }
    Ok(())
}

/// A 24-word aezeed mnemonic, held as word indices. Zeroized on drop;
/// `Debug` does not show the words.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Mnemonic {
    indices: [u16; WORD_COUNT],
}

impl core::fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Mnemonic(<redacted>)")
    }
}

impl Mnemonic {
    /// Parses 24 words separated by whitespace. Words are matched against the
    /// BIP39 English list after ASCII lower-casing (lnd needs the exact
    /// lower-case word; upper case can only mean the same word).
    pub fn parse(phrase: &str) -> Result<Self, SeedError> {
        let count = phrase.split_whitespace().count();
        if count != WORD_COUNT {
            return Err(SeedError::WordCount { found: count });
        }
        let mut mnemonic = Mnemonic {
            indices: [0; WORD_COUNT],
        };
        for (index, (slot, word)) in mnemonic
            .indices
            .iter_mut()
            .zip(phrase.split_whitespace())
            .enumerate()
        {
            let lower = Zeroizing::new(word.to_ascii_lowercase());
            *slot = bip39::Language::English
                .find_word(&lower)
                .ok_or(SeedError::UnknownWord { index })?;
        }
        Ok(mnemonic)
    }

    /// Builds a mnemonic from separate words; see [`Mnemonic::parse`].
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Self, SeedError> {
        if words.len() != WORD_COUNT {
            return Err(SeedError::WordCount { found: words.len() });
        }
        if let Some(index) = words
            .iter()
            .position(|w| w.as_ref().split_whitespace().count() != 1)
        {
            // An empty word or one with spaces inside cannot be a list word.
            return Err(SeedError::UnknownWord { index });
        }
        let joined = Zeroizing::new(
            words
                .iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(" "),
        );
        Self::parse(&joined)
    }

    /// The mnemonic spelling these 33 bytes (11 bits per word, MSB first).
    pub fn from_enciphered(bytes: &[u8; ENCIPHERED_LEN]) -> Self {
        let mut indices = [0u16; WORD_COUNT];
        for (w, index) in indices.iter_mut().enumerate() {
            let mut value = 0u16;
            for b in 0..BITS_PER_WORD {
                let bit = w * BITS_PER_WORD + b;
                let set = (bytes[bit / 8] >> (7 - bit % 8)) & 1;
                value = (value << 1) | u16::from(set);
            }
            *index = value;
        }
        Mnemonic { indices }
    }

    /// The 33 bytes the words spell.
    pub fn to_enciphered(&self) -> Zeroizing<[u8; ENCIPHERED_LEN]> {
        let mut bytes = Zeroizing::new([0u8; ENCIPHERED_LEN]);
        for (w, index) in self.indices.iter().enumerate() {
            for b in 0..BITS_PER_WORD {
                let bit = w * BITS_PER_WORD + b;
                let set = ((index >> (BITS_PER_WORD - 1 - b)) & 1) as u8;
                bytes[bit / 8] |= set << (7 - bit % 8);
            }
        }
        bytes
    }

    /// The 24 words, in order.
    pub fn words(&self) -> impl Iterator<Item = &'static str> + '_ {
        let list = bip39::Language::English.word_list();
        // Indices are 11-bit values (< 2048), the list's length.
        self.indices
            .iter()
            .map(move |i| list.get(usize::from(*i)).copied().unwrap_or(""))
    }

    /// The words joined by single spaces.
    pub fn to_phrase(&self) -> Zeroizing<String> {
        Zeroizing::new(self.words().collect::<Vec<_>>().join(" "))
    }

    /// Deciphers the mnemonic with `passphrase` (empty means lnd's default
    /// "aezeed") at lnd's scrypt cost.
    pub fn decipher(&self, passphrase: &[u8]) -> Result<CipherSeed, SeedError> {
        self.decipher_with_cost(passphrase, ScryptCost::LND)
    }

    /// [`Mnemonic::decipher`] with a chosen scrypt cost.
    pub fn decipher_with_cost(
        &self,
        passphrase: &[u8],
        cost: ScryptCost,
    ) -> Result<CipherSeed, SeedError> {
        CipherSeed::decipher(&self.to_enciphered(), passphrase, cost)
    }
}

impl FromStr for Mnemonic {
    type Err = SeedError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mnemonic::parse(s)
    }
}

/// Parses a 24-word aezeed and deciphers it with `passphrase` (empty means
/// lnd's default "aezeed"), at lnd's scrypt cost (about 100 ms in release
/// builds).
pub fn decipher(phrase: &str, passphrase: &[u8]) -> Result<CipherSeed, SeedError> {
    Mnemonic::parse(phrase)?.decipher(passphrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: ScryptCost = ScryptCost::from_log_n(4);

    #[test]
    fn words_and_bytes_round_trip() {
        let bytes: [u8; ENCIPHERED_LEN] =
            core::array::from_fn(|k| (k as u8).wrapping_mul(97) ^ 0x5c);
        let mnemonic = Mnemonic::from_enciphered(&bytes);
        assert_eq!(*mnemonic.to_enciphered(), bytes);
        let reparsed = Mnemonic::parse(&mnemonic.to_phrase()).unwrap();
        assert_eq!(reparsed, mnemonic);
    }

    #[test]
    fn first_word_carries_the_top_eleven_bits() {
        let mut bytes = [0u8; ENCIPHERED_LEN];
        bytes[0] = 0x00;
        bytes[1] = 0x20; // bit 10 of the first word set: index 1 = "ability"
        let mnemonic = Mnemonic::from_enciphered(&bytes);
        assert_eq!(mnemonic.words().next(), Some("ability"));
        assert_eq!(mnemonic.words().nth(1), Some("abandon"));
    }

    #[test]
    fn checks_version_before_checksum_as_lnd_does() {
        let mut bytes = [0u8; ENCIPHERED_LEN];
        bytes[0] = 44;
        assert!(matches!(
            check_enciphered(&bytes),
            Err(SeedError::UnknownVersion { version: 44 })
        ));
        bytes[0] = 0;
        assert!(matches!(
            check_enciphered(&bytes),
            Err(SeedError::ChecksumMismatch)
        ));
    }

    #[test]
    fn encipher_then_decipher_at_low_cost() {
        let seed = CipherSeed::new(3, Birthday::from_days(4242), [7; 16], *b"salt1");
        let bytes = seed.encipher_with_cost(b"pw", FAST).unwrap();
        let back = CipherSeed::decipher(&bytes, b"pw", FAST).unwrap();
        assert_eq!(back.internal_version(), 3);
        assert_eq!(back.birthday().days(), 4242);
        assert_eq!(back.entropy(), &[7; 16]);
        assert_eq!(back.salt(), *b"salt1");
        assert!(matches!(
            CipherSeed::decipher(&bytes, b"pW", FAST),
            Err(SeedError::WrongPassphrase)
        ));
    }

    #[test]
    fn empty_passphrase_is_the_default_aezeed() {
        let seed = CipherSeed::new(0, Birthday::from_days(1), [9; 16], [1, 2, 3, 4, 5]);
        let empty = seed.encipher_with_cost(b"", FAST).unwrap();
        let explicit = seed.encipher_with_cost(b"aezeed", FAST).unwrap();
        assert_eq!(empty, explicit);
    }

    #[test]
    fn invalid_scrypt_cost_is_an_error_not_a_panic() {
        let seed = CipherSeed::new(0, Birthday::from_days(1), [9; 16], [1, 2, 3, 4, 5]);
        for log_n in [0, 21, 63, 64, 255] {
            assert!(matches!(
                seed.encipher_with_cost(b"", ScryptCost::from_log_n(log_n)),
                Err(SeedError::ScryptCost { log_n: l }) if l == log_n
            ));
        }
    }

    #[test]
    fn debug_hides_entropy_and_words() {
        let seed = CipherSeed::new(0, Birthday::from_days(1), [0xab; 16], [1, 2, 3, 4, 5]);
        let shown = format!("{seed:?}");
        assert!(!shown.contains("ab, ") && !shown.contains("171"), "{shown}");
        assert!(shown.contains("<redacted>"));
        let mnemonic = Mnemonic::from_enciphered(&[0; ENCIPHERED_LEN]);
        assert_eq!(format!("{mnemonic:?}"), "Mnemonic(<redacted>)");
    }
}
