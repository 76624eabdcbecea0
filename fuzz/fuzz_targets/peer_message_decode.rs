//! Fuzz target: what a hostile Lightning peer can send before and after the
//! BOLT 8 handshake. The input is read as a message body
//! (`scb_rescue::peer::messages::decode`), as act two of our handshake, and
//! as an encrypted frame; none may panic.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
    use scb_rescue::peer::messages;
    use scb_rescue::peer::noise::{Initiator, ACT_TWO_LEN, HEADER_LEN};

    let _ = messages::decode(data);

    let ours = SecretKey::from_slice(&[0x11; 32]).expect("valid key");
    let theirs = SecretKey::from_slice(&[0x21; 32]).expect("valid key");
    let ephemeral = SecretKey::from_slice(&[0x12; 32]).expect("valid key");
    let their_pub = PublicKey::from_secret_key(&Secp256k1::signing_only(), &theirs);
    let mut initiator = Initiator::new(ours, their_pub, ephemeral);
    initiator.act_one();
    if let Some(act_two) = data.get(..ACT_TWO_LEN) {
        let mut act = [0u8; ACT_TWO_LEN];
        act.copy_from_slice(act_two);
        if let Ok((_, mut transport)) = initiator.act_two(&act) {
            if let Some(header) = data.get(ACT_TWO_LEN..ACT_TWO_LEN + HEADER_LEN) {
                let mut h = [0u8; HEADER_LEN];
                h.copy_from_slice(header);
                let _ = transport.decrypt_header(&h);
                let _ = transport.decrypt_body(&data[ACT_TWO_LEN + HEADER_LEN..]);
            }
        }
    }
});

#[cfg(not(fuzzing))]
fn main() {}
