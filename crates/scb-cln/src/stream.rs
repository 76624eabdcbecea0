//! The `emergency.recover` file: libsodium's
//! `crypto_secretstream_xchacha20poly1305`, one message, no associated data.
//!
//! The scheme comes from `dryoc`, a maintained pure-Rust implementation
//! checked against libsodium; this module only frames it as Core Lightning's
//! `chanbackup` plugin does (`write_scb`, `decrypt_scb`).

use dryoc::classic::crypto_secretstream_xchacha20poly1305 as ss;
use dryoc::constants::{
    CRYPTO_SECRETSTREAM_XCHACHA20POLY1305_ABYTES as ABYTES,
    CRYPTO_SECRETSTREAM_XCHACHA20POLY1305_HEADERBYTES as HEADERBYTES,
    CRYPTO_SECRETSTREAM_XCHACHA20POLY1305_TAG_FINAL,
    CRYPTO_SECRETSTREAM_XCHACHA20POLY1305_TAG_MESSAGE,
};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::Error;

/// The secretstream header's length.
pub const HEADER_LEN: usize = HEADERBYTES;
/// What one message adds to its plaintext: the encrypted tag byte and the MAC.
pub const OVERHEAD: usize = ABYTES;
/// The shortest file Core Lightning tries to open (an empty message).
pub const MIN_FILE_LEN: usize = HEADER_LEN + OVERHEAD;

/// The secretstream message tag written with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `TAG_MESSAGE` (0): what Core Lightning writes.
    Message,
    /// `TAG_FINAL`: Core Lightning does not check the tag, so it opens too.
    Final,
}

/// Opens one secretstream message (`header || message`) under a 32-byte key,
/// returning the plaintext; the tag is not checked, as in Core Lightning.
pub(crate) fn open(key: &[u8; 32], file: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    if file.len() < MIN_FILE_LEN {
        return Err(Error::FileTooShort { len: file.len() });
    }
    let (header, message) = file.split_at(HEADER_LEN);
    let header: &ss::Header = header
        .try_into()
        .map_err(|_| Error::FileTooShort { len: file.len() })?;
    let mut state = ss::State::new();
    ss::crypto_secretstream_xchacha20poly1305_init_pull(&mut state, header, key);
    let mut plaintext = Zeroizing::new(vec![0u8; message.len() - OVERHEAD]);
    let mut tag = 0u8;
    ss::crypto_secretstream_xchacha20poly1305_pull(
        &mut state,
        &mut plaintext,
        &mut tag,
        message,
        None,
    )
    .map_err(|_| Error::Authentication)?;
    Ok(plaintext)
}

/// Seals `plaintext` as one secretstream message with a header drawn from
/// `rng`: `header (24) || tag byte || ciphertext || MAC (16)`.
pub(crate) fn seal<R: RngCore + CryptoRng>(
    key: &[u8; 32],
    plaintext: &[u8],
    tag: Tag,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let mut header: ss::Header = [0u8; HEADER_LEN];
    rng.fill_bytes(&mut header);
    // libsodium's init_push is a random header followed by the very state
    // set-up init_pull does; doing it this way lets the caller inject the RNG.
    let mut state = ss::State::new();
    ss::crypto_secretstream_xchacha20poly1305_init_pull(&mut state, &header, key);
    let mut out = vec![0u8; HEADER_LEN + plaintext.len() + OVERHEAD];
    out[..HEADER_LEN].copy_from_slice(&header);
    let tag = match tag {
        Tag::Message => CRYPTO_SECRETSTREAM_XCHACHA20POLY1305_TAG_MESSAGE,
        Tag::Final => CRYPTO_SECRETSTREAM_XCHACHA20POLY1305_TAG_FINAL,
    };
    ss::crypto_secretstream_xchacha20poly1305_push(
        &mut state,
        &mut out[HEADER_LEN..],
        plaintext,
        None,
        tag,
    )
    .map_err(|_| Error::Unencodable {
        field: "plaintext",
        reason: "too long for one secretstream message",
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn seal_opens_with_dryoc_init_push_layout_and_rejects_other_keys() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let key = [9u8; 32];
        let sealed = seal(&key, b"hello", Tag::Message, &mut rng).unwrap();
        assert_eq!(sealed.len(), 5 + MIN_FILE_LEN);
        assert_eq!(&*open(&key, &sealed).unwrap(), b"hello");
        assert_eq!(open(&[8u8; 32], &sealed), Err(Error::Authentication));

        // The same stream made by dryoc's own init_push opens too.
        let mut state = ss::State::new();
        let mut header = [0u8; HEADER_LEN];
        ss::crypto_secretstream_xchacha20poly1305_init_push(&mut state, &mut header, &key);
        let mut c = vec![0u8; 5 + OVERHEAD];
        ss::crypto_secretstream_xchacha20poly1305_push(&mut state, &mut c, b"world", None, 0)
            .unwrap();
        let file = [&header[..], &c].concat();
        assert_eq!(&*open(&key, &file).unwrap(), b"world");
    }

    #[test]
    fn short_files_are_refused_before_decryption() {
        assert_eq!(
            open(&[0; 32], &[0; 40]),
            Err(Error::FileTooShort { len: 40 })
        );
    }
}
