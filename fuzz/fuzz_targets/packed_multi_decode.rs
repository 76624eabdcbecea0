//! Fuzz target: unpack arbitrary bytes as a packed multi with a fixed key.
//!
//! The key is the testnet backup key of `shared/vectors/keys.json`, so the
//! vectors' packed multis (the seed corpus) get past authentication and
//! reach the decoder; mutated ones exercise the framing and the AEAD checks.
//! The error class must follow from the length alone: under 24 bytes "too
//! short", otherwise anything that does not authenticate is
//! "authentication". Never a panic.
//!
//! Without `--cfg fuzzing` this is a plain binary that replays the files
//! given as arguments (e.g. a crash found once).
#![cfg_attr(fuzzing, no_main)]

use scb_crypto::{pack_multi, unpack_multi, BackupKey, OsRng, UnpackError, NONCE_LEN, OVERHEAD};

/// SHA-256 of the testnet backup base key of the vectors' wallet.
const KEY: [u8; 32] = [
    0xb5, 0xc9, 0x98, 0xcd, 0xfe, 0x11, 0x40, 0xe6, 0x9e, 0x6b, 0xcb, 0x91, 0x02, 0x54, 0x3e, 0xf3,
    0xc3, 0x5d, 0xf7, 0x95, 0x62, 0x8b, 0x2f, 0x97, 0x8c, 0xdc, 0x16, 0x1d, 0x72, 0xea, 0x2a, 0xe7,
];

fn check(data: &[u8]) {
    let key = BackupKey::from_bytes(KEY);
    match unpack_multi(data, &key) {
        Err(UnpackError::TooShort { len }) => assert!(len == data.len() && len < NONCE_LEN),
        Err(UnpackError::Authentication) => assert!(data.len() >= NONCE_LEN),
        Err(UnpackError::Decode(_)) => assert!(data.len() >= OVERHEAD),
        Err(other) => panic!("unexpected error class: {other:?}"),
        Ok(multi) => {
            // Whatever decodes packs again or refuses with a typed error;
            // the result unpacks without panicking (values may differ: lnd's
            // encoder rewrites some addresses).
            if let Ok(packed) = pack_multi(&multi, &key, &mut OsRng) {
                assert!(packed.len() >= OVERHEAD + 5);
                let _ = packed.unpack(&key);
            }
        }
    }
}

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));

#[cfg(not(fuzzing))]
fn main() {
    for path in std::env::args_os().skip(1) {
        match std::fs::read(&path) {
            Ok(bytes) => {
                check(&bytes);
                println!("ok {}", path.to_string_lossy());
            }
            Err(e) => eprintln!("cannot read {}: {e}", path.to_string_lossy()),
        }
    }
}
