//! BIP39 mnemonics, for wallets that were not created by lnd (as chantools'
//! `--bip39` accepts).

use zeroize::Zeroizing;

use crate::error::SeedError;

/// The 64-byte BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds) of an English
/// BIP39 mnemonic and passphrase, checking word count, words and checksum.
/// Both are NFKD-normalised as BIP39 requires. The seed is the input of
/// BIP32's master key derivation.
pub fn bip39_seed(words: &str, passphrase: &str) -> Result<Zeroizing<[u8; 64]>, SeedError> {
    let mnemonic =
        bip39::Mnemonic::parse_in(bip39::Language::English, words).map_err(SeedError::Bip39)?;
    let mut seed = Zeroizing::new([0u8; 64]);
    let mut raw = mnemonic.to_seed(passphrase);
    seed.copy_from_slice(&raw);
    zeroize::Zeroize::zeroize(&mut raw);
    Ok(seed)
}
