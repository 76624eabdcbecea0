//! lnd's payload encryption (`lnencrypt`): XChaCha20-Poly1305 with a random
//! 24-byte nonce that is also the associated data, framed as
//! `nonce || ciphertext || tag`.

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::{BackupKey, UnpackError};

/// Length of the nonce that starts every packed blob.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag that ends every packed blob.
pub const TAG_LEN: usize = 16;
/// Bytes a packed blob adds to its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

impl BackupKey {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.as_bytes().into())
    }

    /// Encrypts `plaintext` as lnd does, with a fresh nonce from `rng`:
    /// returns `nonce || ciphertext || tag`.
    pub fn encrypt<R: CryptoRng + RngCore + ?Sized>(
        &self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Vec<u8> {
        let mut buf = Vec::with_capacity(plaintext.len() + OVERHEAD);
        buf.resize(NONCE_LEN, 0);
        buf.extend_from_slice(plaintext);
        self.seal_in_place(&mut buf, rng);
        buf
    }

    /// Encrypts in place: `buf` holds `NONCE_LEN` bytes of room followed by
    /// the plaintext; on return it is the packed blob (the nonce is written
    /// into the room, the tag appended). Callers reserve `TAG_LEN` spare
    /// capacity so the plaintext is never copied by a reallocation.
    pub(crate) fn seal_in_place<R: CryptoRng + RngCore + ?Sized>(
        &self,
        buf: &mut Vec<u8>,
        rng: &mut R,
    ) {
        if buf.len() < NONCE_LEN {
            // Every caller reserves the room; keep the framing right anyway.
            buf.resize(NONCE_LEN, 0);
        }
        let (nonce, body) = buf.split_at_mut(NONCE_LEN);
        rng.fill_bytes(nonce);
        let nonce = XNonce::from_slice(nonce);
        // Encryption only fails for plaintexts over ~256 GiB (the ChaCha20
        // block counter); memory runs out long before.
        let tag = self
            .cipher()
            .encrypt_in_place_detached(nonce, nonce, body)
            .unwrap_or_else(|_| unreachable!("xchacha20poly1305 plaintext over 256 GiB"));
        buf.extend_from_slice(&tag);
    }

    /// Decrypts a packed blob. Fewer than 24 bytes is
    /// [`UnpackError::TooShort`]; everything else that does not verify
    /// (wrong key, any changed, missing or extra byte) is
    /// [`UnpackError::Authentication`]. The plaintext is zeroized on drop.
    pub fn decrypt(&self, packed: &[u8]) -> Result<Zeroizing<Vec<u8>>, UnpackError> {
        let mut buf = Zeroizing::new(Vec::new());
        self.decrypt_into(packed, &mut buf)?;
        Ok(buf)
    }

    /// Like [`decrypt`](Self::decrypt), into a caller's buffer (cleared
    /// first), so one allocation can serve many blobs.
    pub fn decrypt_into(
        &self,
        packed: &[u8],
        out: &mut Zeroizing<Vec<u8>>,
    ) -> Result<(), UnpackError> {
        out.clear();
        if packed.len() < NONCE_LEN {
            return Err(UnpackError::TooShort { len: packed.len() });
        }
        if packed.len() < OVERHEAD {
            return Err(UnpackError::Authentication);
        }
        let (nonce, rest) = packed.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let nonce = XNonce::from_slice(nonce);
        out.extend_from_slice(ciphertext);
        self.cipher()
            .decrypt_in_place_detached(nonce, nonce, out.as_mut_slice(), Tag::from_slice(tag))
            .map_err(|_| {
                // The buffer still holds ciphertext; `Zeroizing` wipes it later.
                UnpackError::Authentication
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic "CSPRNG" for tests only: counts up.
    struct CountingRng(u8);
    impl RngCore for CountingRng {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl CryptoRng for CountingRng {}

    #[test]
    fn encrypt_frames_nonce_ciphertext_tag_and_uses_the_rng_nonce() {
        let key = BackupKey::from_bytes([7; 32]);
        let packed = key.encrypt(b"hello", &mut CountingRng(0));
        assert_eq!(packed.len(), 5 + OVERHEAD);
        assert_eq!(&packed[..NONCE_LEN], &(0u8..24).collect::<Vec<_>>()[..]);
        assert_ne!(&packed[NONCE_LEN..NONCE_LEN + 5], b"hello");
        assert_eq!(key.decrypt(&packed).unwrap().as_slice(), b"hello");
    }

    #[test]
    fn nonce_is_authenticated_as_associated_data() {
        // Decrypting with the right nonce but empty associated data must fail,
        // proving the nonce is bound as AD (lnd's framing).
        let key = BackupKey::from_bytes([9; 32]);
        let packed = key.encrypt(b"payload", &mut CountingRng(3));
        let (nonce, rest) = packed.split_at(NONCE_LEN);
        let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut buf = ct.to_vec();
        let no_ad = key.cipher().decrypt_in_place_detached(
            XNonce::from_slice(nonce),
            b"",
            &mut buf,
            Tag::from_slice(tag),
        );
        assert!(no_ad.is_err());
    }

    #[test]
    fn short_inputs_are_too_short_below_24_and_authentication_errors_from_24() {
        let key = BackupKey::from_bytes([1; 32]);
        for len in 0..=45 {
            let got = key.decrypt(&vec![0u8; len]);
            match got {
                Err(UnpackError::TooShort { len: l }) => assert!(len < 24 && l == len),
                Err(UnpackError::Authentication) => assert!(len >= 24),
                other => panic!("{len} bytes: {other:?}"),
            }
        }
    }
}
