//! The body of the `peer_message_decode` fuzz target, here so that plain
//! `cargo test` can replay saved inputs through exactly the same checks.

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};

use crate::peer::messages;
use crate::peer::noise::{Initiator, ACT_TWO_LEN, HEADER_LEN};

/// Fixed keys: the fuzzer explores what a hostile peer sends, not our keys.
fn key(byte: u8) -> SecretKey {
    // A 32-byte array of one non-zero byte below the curve order is a valid key.
    SecretKey::from_slice(&[byte; 32]).unwrap_or_else(|_| unreachable!("0x11/0x12/0x21 are valid"))
}

/// Feeds what a hostile Lightning peer can send before and after the BOLT 8
/// handshake to our decoders: the bytes as a message body, as act two of our
/// handshake, and (after an act two that passes) as an encrypted frame.
/// Also decodes the bytes as a whole `channel_reestablish` (TLVs included)
/// and checks that what decodes survives encoding again. Panics only if a
/// decoder panics or that round trip breaks.
pub fn check_peer_message(data: &[u8]) {
    let _ = messages::decode(data);
    if let Ok(m) = messages::ChannelReestablish::decode(data) {
        let again = messages::ChannelReestablish::decode(&m.encode());
        assert!(again.ok() == Some(m), "channel_reestablish round trip");
    }

    let their_pub = PublicKey::from_secret_key(&Secp256k1::signing_only(), &key(0x21));
    let mut initiator = Initiator::new(key(0x11), their_pub, key(0x12));
    initiator.act_one();
    let Some(act_two) = data.get(..ACT_TWO_LEN) else {
        return;
    };
    let mut act = [0u8; ACT_TWO_LEN];
    act.copy_from_slice(act_two);
    let Ok((_, mut transport)) = initiator.act_two(&act) else {
        return;
    };
    if let Some(header) = data.get(ACT_TWO_LEN..ACT_TWO_LEN + HEADER_LEN) {
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(header);
        let _ = transport.decrypt_header(&h);
        let _ = transport.decrypt_body(&data[ACT_TWO_LEN + HEADER_LEN..]);
    }
}
