//! The body of the `cln_decode` fuzz target, here so that plain `cargo test`
//! replays saved inputs through exactly the same checks. Not a stable API.

use rand_core::{CryptoRng, RngCore};

use crate::{Backup, ScbKey};

/// Feeds arbitrary bytes to the plaintext decoder, the file opener and the
/// `clnemerg1…` decoder. Panics only if one panics or a round trip breaks:
/// whatever decodes must encode to the bytes it used and decode back equal.
pub fn cln_decode(data: &[u8]) {
    if let Ok((backup, used)) = Backup::decode_prefix(data) {
        let bytes = backup
            .to_bytes()
            .unwrap_or_else(|e| panic!("decoded backup does not encode: {e}"));
        assert_eq!(bytes, data[..used], "re-encoding differs");
        assert_eq!(
            Backup::decode(&bytes).ok(),
            Some(backup),
            "decode/encode/decode"
        );
    }
    let key = ScbKey::from_bytes([0x42; 32]);
    let _ = crate::open(data, &key);
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = crate::bech32::decode(text);
    }
    // Seal what came in and open it again: the secretstream framing must
    // round-trip any plaintext.
    let mut rng = Counter(data.len() as u64);
    let sealed = crate::seal_plaintext(data, &key, crate::Tag::Message, &mut rng)
        .unwrap_or_else(|e| panic!("seal failed: {e}"));
    let opened = crate::decrypt(&sealed, &key).unwrap_or_else(|e| panic!("open failed: {e}"));
    assert_eq!(&opened[..], data, "secretstream round trip");
}

/// A deterministic stand-in RNG for the fuzz target (headers need not be secret here).
struct Counter(u64);

impl RngCore for Counter {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = (self.next_u64() >> 56) as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for Counter {}
