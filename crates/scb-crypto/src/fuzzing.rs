//! The body of the `packed_multi_decode` fuzz target, here so that plain `cargo test`
//! replays saved inputs through exactly the same checks.

use crate::{pack_multi, unpack_multi, BackupKey, UnpackError, NONCE_LEN, OVERHEAD};

/// SHA-256 of the testnet backup base key of the lnd vectors' wallet (`keys.json`): the
/// vectors' packed multis (the seed corpus) get past authentication and reach the decoder;
/// mutated ones exercise the framing and the AEAD checks.
pub const KEY: [u8; 32] = [
    0xb5, 0xc9, 0x98, 0xcd, 0xfe, 0x11, 0x40, 0xe6, 0x9e, 0x6b, 0xcb, 0x91, 0x02, 0x54, 0x3e, 0xf3,
    0xc3, 0x5d, 0xf7, 0x95, 0x62, 0x8b, 0x2f, 0x97, 0x8c, 0xdc, 0x16, 0x1d, 0x72, 0xea, 0x2a, 0xe7,
];

/// A fixed nonce source: fuzzing must be deterministic, and these bytes are never secret.
struct CountingRng(u8);

impl rand_core::RngCore for CountingRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for CountingRng {}

/// Unpacks arbitrary bytes as a packed multi under [`KEY`]. The error class must follow
/// from the length alone (under 24 bytes "too short", otherwise anything that does not
/// authenticate is "authentication"); whatever opens packs again and opens again. Panics
/// only on a broken invariant.
pub fn check_packed_multi(data: &[u8]) {
    let key = BackupKey::from_bytes(KEY);
    match unpack_multi(data, &key) {
        Err(UnpackError::TooShort { len }) => assert!(len == data.len() && len < NONCE_LEN),
        Err(UnpackError::Authentication) => assert!(data.len() >= NONCE_LEN),
        Err(UnpackError::Decode(_)) => assert!(data.len() >= OVERHEAD),
        Err(other) => panic!("unexpected error class: {other:?}"),
        Ok(multi) => {
            // Values may differ after a trip (lnd's encoder rewrites some addresses), but
            // whatever decodes packs again or refuses with a typed error.
            if let Ok(packed) = pack_multi(&multi, &key, &mut CountingRng(0)) {
                assert!(packed.len() >= OVERHEAD + 5);
                let _ = packed.unpack(&key);
            }
        }
    }
}
