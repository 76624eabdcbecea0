//! The body of the `aezeed_decode` fuzz target, here so that plain
//! `cargo test` can replay saved inputs through exactly the same checks.

use crate::aez::Aez;
use crate::aezeed::{CipherSeed, Mnemonic, ScryptCost, ENCIPHERED_LEN};

/// A scrypt cost that keeps fuzzing fast: the rare input that passes the
/// checksum still runs the whole path (and fails authentication cheaply).
const CHEAP: ScryptCost = ScryptCost::from_log_n(1);

/// Feeds arbitrary bytes to every aezeed decoder: as mnemonic text, as the
/// 33 enciphered bytes (the rest as passphrase), and as an AEZ ciphertext.
/// Panics only if a decoder panics or a round trip breaks.
pub fn check_aezeed(data: &[u8]) {
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(mnemonic) = Mnemonic::parse(text) {
            let bytes = mnemonic.to_enciphered();
            assert!(
                Mnemonic::from_enciphered(&bytes) == mnemonic,
                "words/bytes round trip"
            );
            let _ = mnemonic.decipher_with_cost(b"", CHEAP);
        }
    }
    if let Some(head) = data.get(..ENCIPHERED_LEN) {
        let mut bytes = [0u8; ENCIPHERED_LEN];
        bytes.copy_from_slice(head);
        let mnemonic = Mnemonic::from_enciphered(&bytes);
        assert!(*mnemonic.to_enciphered() == bytes, "bytes/words round trip");
        let passphrase = data.get(ENCIPHERED_LEN..).unwrap_or(&[]);
        let _ = CipherSeed::decipher(&bytes, passphrase, CHEAP);
    }
    let key = data.get(..data.len().min(8)).unwrap_or(&[]);
    let _ = Aez::new(key).decrypt(&[], &[key], 4, data);
}
