//! BOLT 8 transport: the Noise_XK_secp256k1_ChaChaPoly_SHA256 handshake and
//! the message cipher with key rotation every 1,000 messages.
//!
//! Sans-I/O: these types turn bytes into bytes; [`super::connection`] moves
//! them over a socket. The primitives come from maintained crates (ECDH from
//! libsecp256k1, SHA-256 from `bitcoin_hashes`, HKDF and ChaCha20-Poly1305
//! from RustCrypto); only the protocol's composition is written here, because
//! LDK keeps its implementation crate-private. It is checked against the
//! BOLT 8 Appendix vectors and against LDK's `PeerManager` in the tests.

mod handshake;
#[cfg(test)]
mod tests;
mod transport;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

pub use handshake::{Initiator, Responder};
pub use transport::Transport;

/// Length of act one and act two.
pub const ACT_ONE_LEN: usize = 50;
/// Length of act two.
pub const ACT_TWO_LEN: usize = 50;
/// Length of act three.
pub const ACT_THREE_LEN: usize = 66;
/// Length of an encrypted message-length header (2 bytes and a 16-byte tag).
pub const HEADER_LEN: usize = 18;
/// Length of the Poly1305 tag after every ciphertext.
pub const TAG_LEN: usize = 16;
/// Largest Lightning message body (the length prefix is 16 bits).
pub const MAX_MESSAGE_LEN: usize = u16::MAX as usize;
/// BOLT 8's HKDF: salt `ck`, input key material `ikm`, empty info, 64 bytes
/// of output split in two.
fn hkdf2(salt: &[u8; 32], ikm: &[u8]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes is well under HKDF-SHA256's limit of 255 * 32.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], okm.as_mut());
    let mut a = Zeroizing::new([0u8; 32]);
    let mut b = Zeroizing::new([0u8; 32]);
    a.copy_from_slice(&okm[..32]);
    b.copy_from_slice(&okm[32..]);
    (a, b)
}

/// The 96-bit nonce: 32 zero bits, then the counter little-endian.
fn nonce(n: u64) -> Nonce {
    let mut bytes = [0u8; 12];
    bytes[4..].copy_from_slice(&n.to_le_bytes());
    Nonce::from(bytes)
}

fn encrypt_with_ad(key: &[u8; 32], n: u64, ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    // Encryption with ChaCha20-Poly1305 fails only past 2^38 bytes of input;
    // our inputs are at most 65,535 bytes. An empty vector would then make
    // the peer reject the message, never leak anything.
    cipher
        .encrypt(
            &nonce(n),
            Payload {
                msg: plaintext,
                aad: ad,
            },
        )
        .unwrap_or_default()
}

fn decrypt_with_ad(key: &[u8; 32], n: u64, ad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(
            &nonce(n),
            Payload {
                msg: ciphertext,
                aad: ad,
            },
        )
        .ok()
}
