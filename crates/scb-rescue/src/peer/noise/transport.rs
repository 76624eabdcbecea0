//! The cipher of an established connection: framing, and the key rotation
//! every 1,000 messages.

use bitcoin::secp256k1::PublicKey;
use zeroize::Zeroize;

use super::{decrypt_with_ad, encrypt_with_ad, hkdf2, HEADER_LEN};
use crate::peer::error::HandshakeError;

const KEY_ROTATION_INTERVAL: u64 = 1000;

/// One direction's key, nonce and chaining key.
pub(super) struct CipherState {
    pub(super) key: [u8; 32],
    pub(super) ck: [u8; 32],
    n: u64,
}

impl CipherState {
    pub(super) fn new(key: [u8; 32], ck: [u8; 32]) -> Self {
        Self { key, ck, n: 0 }
    }

    /// Uses the current nonce, then rotates the key after nonce 999.
    fn step(&mut self) -> u64 {
        let n = self.n;
        self.n += 1;
        n
    }

    fn rotate_if_due(&mut self) {
        if self.n == KEY_ROTATION_INTERVAL {
            let (ck, k) = hkdf2(&self.ck, &self.key);
            self.ck = *ck;
            self.key = *k;
            self.n = 0;
        }
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let n = self.step();
        let out = encrypt_with_ad(&self.key, n, &[], plaintext);
        self.rotate_if_due();
        out
    }

    fn decrypt(&mut self, ciphertext: &[u8]) -> Option<Vec<u8>> {
        let n = self.step();
        let out = decrypt_with_ad(&self.key, n, &[], ciphertext);
        self.rotate_if_due();
        out
    }
}

impl Drop for CipherState {
    fn drop(&mut self) {
        self.key.zeroize();
        self.ck.zeroize();
    }
}

/// The cipher of an established BOLT 8 connection.
pub struct Transport {
    pub(super) send: CipherState,
    pub(super) recv: CipherState,
    pub(super) remote_static: PublicKey,
}

impl core::fmt::Debug for Transport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transport")
            .field("remote_static", &self.remote_static)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// The peer's node key as proven by the handshake.
    pub fn remote_static(&self) -> PublicKey {
        self.remote_static
    }

    /// Encrypts one message: the encrypted length header, then the body.
    ///
    /// A body longer than 65,535 bytes cannot be framed; the caller never
    /// builds one (our messages are a few hundred bytes at most).
    pub fn encrypt_message(&mut self, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        let body = &body[..usize::from(len)];
        let mut out = self.send.encrypt(&len.to_be_bytes());
        out.extend_from_slice(&self.send.encrypt(body));
        out
    }

    /// Decrypts an 18-byte header into the length of the body that follows
    /// (the body's ciphertext is that plus [`TAG_LEN`](super::TAG_LEN) bytes).
    pub fn decrypt_header(&mut self, header: &[u8; HEADER_LEN]) -> Result<usize, HandshakeError> {
        let plain = self
            .recv
            .decrypt(header)
            .ok_or(HandshakeError::BadMessageTag)?;
        let mut len = [0u8; 2];
        len.copy_from_slice(plain.get(..2).ok_or(HandshakeError::BadMessageTag)?);
        Ok(usize::from(u16::from_be_bytes(len)))
    }

    /// Decrypts a body whose length [`Self::decrypt_header`] announced.
    pub fn decrypt_body(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, HandshakeError> {
        self.recv
            .decrypt(ciphertext)
            .ok_or(HandshakeError::BadMessageTag)
    }
}
