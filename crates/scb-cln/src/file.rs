//! `emergency.recover` as a whole: key + bytes to a [`Backup`] and back.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::stream::{self, Tag};
use crate::{Backup, Error, ScbKey};

/// Largest `emergency.recover` accepted: 65,535 channels of the largest
/// possible modern record would still fit well below this, and it keeps a
/// hostile file from costing more than a few megabytes of memory.
pub const MAX_FILE_LEN: usize = 64 << 20;

/// Decrypts an `emergency.recover` and returns its plaintext (zeroized on drop).
pub fn decrypt(file: &[u8], key: &ScbKey) -> Result<Zeroizing<Vec<u8>>, Error> {
    stream::open(key.as_bytes(), file)
}

/// Decrypts and decodes an `emergency.recover` exactly as Core Lightning's
/// `emergencyrecover` would accept it.
pub fn open(file: &[u8], key: &ScbKey) -> Result<Backup, Error> {
    Backup::decode(&decrypt(file, key)?)
}

/// Encodes and encrypts a backup as Core Lightning's `chanbackup` plugin
/// writes it (one secretstream message, `TAG_MESSAGE`), with a header drawn from `rng`.
pub fn seal<R: RngCore + CryptoRng>(
    backup: &Backup,
    key: &ScbKey,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let plaintext = Zeroizing::new(backup.to_bytes()?);
    stream::seal(key.as_bytes(), &plaintext, Tag::Message, rng)
}

/// Encrypts an arbitrary plaintext with a chosen tag (tests, and files made
/// to check a reader's tolerance).
pub fn seal_plaintext<R: RngCore + CryptoRng>(
    plaintext: &[u8],
    key: &ScbKey,
    tag: Tag,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    stream::seal(key.as_bytes(), plaintext, tag, rng)
}
