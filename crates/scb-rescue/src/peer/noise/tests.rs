//! The BOLT 8 Appendix vectors (lightning/bolts 08-transport.md).
use super::*;
use crate::peer::error::HandshakeError;
use bitcoin::hex::FromHex;
use bitcoin::secp256k1::{PublicKey, SecretKey};

fn key(hex: &str) -> SecretKey {
    SecretKey::from_slice(&Vec::<u8>::from_hex(hex).unwrap()).unwrap()
}
fn bytes(hex: &str) -> Vec<u8> {
    Vec::<u8>::from_hex(hex.trim_start_matches("0x")).unwrap()
}

const RS_PUB: &str = "028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7";
const LS_PRIV: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const E_PRIV: &str = "1212121212121212121212121212121212121212121212121212121212121212";
const RESP_LS_PRIV: &str = "2121212121212121212121212121212121212121212121212121212121212121";
const RESP_E_PRIV: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const ACT_ONE: &str = "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a";
const ACT_TWO: &str = "0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae";
const ACT_THREE: &str = "00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba";

fn initiator() -> Initiator {
    let rs = PublicKey::from_slice(&bytes(RS_PUB)).unwrap();
    Initiator::new(key(LS_PRIV), rs, key(E_PRIV))
}

fn act<const N: usize>(hex: &str) -> [u8; N] {
    bytes(hex).try_into().unwrap()
}

#[test]
fn initiator_successful_handshake_matches_bolt8_vector() {
    let mut i = initiator();
    assert_eq!(i.act_one().to_vec(), bytes(ACT_ONE));
    let (three, t) = i.act_two(&act(ACT_TWO)).unwrap();
    assert_eq!(three.to_vec(), bytes(ACT_THREE));
    assert_eq!(
        t.send.key.to_vec(),
        bytes("969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9")
    );
    assert_eq!(
        t.recv.key.to_vec(),
        bytes("bb9020b8965f4df047e07f955f3c4b88418984aadc5cdb35096b9ea8fa5c3442")
    );
    assert_eq!(
        t.send.ck.to_vec(),
        bytes("919219dbb2920afa8db80f9a51787a840bcf111ed8d588caf9ab4be716e42b01")
    );
}

#[test]
fn initiator_rejects_bad_act_two_per_bolt8_vectors() {
    let cases = [
        (
            "0102466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae",
            HandshakeError::BadVersion { act: 2, version: 1 },
        ),
        (
            "0004466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae",
            HandshakeError::BadPublicKey { act: 2 },
        ),
        (
            "0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730af",
            HandshakeError::BadTag { act: 2 },
        ),
    ];
    for (input, want) in cases {
        let mut i = initiator();
        i.act_one();
        assert_eq!(i.act_two(&act(input)).unwrap_err(), want, "{input}");
    }
}

fn responder() -> Responder {
    Responder::new(key(RESP_LS_PRIV), key(RESP_E_PRIV))
}

#[test]
fn responder_successful_handshake_matches_bolt8_vector() {
    let mut r = responder();
    assert_eq!(r.act_one(&act(ACT_ONE)).unwrap().to_vec(), bytes(ACT_TWO));
    let t = r.act_three(&act(ACT_THREE)).unwrap();
    assert_eq!(
        t.remote_static().serialize().to_vec(),
        bytes("034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa")
    );
    assert_eq!(
        t.recv.key.to_vec(),
        bytes("969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9")
    );
    assert_eq!(
        t.send.key.to_vec(),
        bytes("bb9020b8965f4df047e07f955f3c4b88418984aadc5cdb35096b9ea8fa5c3442")
    );
}

#[test]
fn responder_rejects_bad_acts_per_bolt8_vectors() {
    let act_one_cases = [
        (
            "01036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a",
            HandshakeError::BadVersion { act: 1, version: 1 },
        ),
        (
            "00046360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a",
            HandshakeError::BadPublicKey { act: 1 },
        ),
        (
            "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6b",
            HandshakeError::BadTag { act: 1 },
        ),
    ];
    for (input, want) in act_one_cases {
        assert_eq!(
            responder().act_one(&act(input)).unwrap_err(),
            want,
            "{input}"
        );
    }
    let act_three_cases = [
        (
            "01b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba",
            HandshakeError::BadVersion { act: 3, version: 1 },
        ),
        (
            "00c9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba",
            HandshakeError::BadTag { act: 3 },
        ),
        (
            "00bfe3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa2235536ad09a8ee351870c2bb7f78b754a26c6cef79a98d25139c856d7efd252c2ae73c",
            HandshakeError::BadPublicKey { act: 3 },
        ),
        (
            "00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139bb",
            HandshakeError::BadTag { act: 3 },
        ),
    ];
    for (input, want) in act_three_cases {
        let mut r = responder();
        r.act_one(&act(ACT_ONE)).unwrap();
        assert_eq!(r.act_three(&act(input)).unwrap_err(), want, "{input}");
    }
}

#[test]
fn message_encryption_matches_bolt8_vector_across_two_key_rotations() {
    let (_, mut t) = {
        let mut i = initiator();
        i.act_one();
        i.act_two(&act(ACT_TWO)).unwrap()
    };
    let mut r = {
        let mut r = responder();
        r.act_one(&act(ACT_ONE)).unwrap();
        r.act_three(&act(ACT_THREE)).unwrap()
    };
    let want = [
        (
            0,
            "cf2b30ddf0cf3f80e7c35a6e6730b59fe802473180f396d88a8fb0db8cbcf25d2f214cf9ea1d95",
        ),
        (
            1,
            "72887022101f0b6753e0c7de21657d35a4cb2a1f5cde2650528bbc8f837d0f0d7ad833b1a256a1",
        ),
        (
            500,
            "178cb9d7387190fa34db9c2d50027d21793c9bc2d40b1e14dcf30ebeeeb220f48364f7a4c68bf8",
        ),
        (
            501,
            "1b186c57d44eb6de4c057c49940d79bb838a145cb528d6e8fd26dbe50a60ca2c104b56b60e45bd",
        ),
        (
            1000,
            "4a2f3cc3b5e78ddb83dcb426d9863d9d9a723b0337c89dd0b005d89f8d3c05c52b76b29b740f09",
        ),
        (
            1001,
            "2ecd8c8a5629d0d02ab457a0fdd0f7b90a192cd46be5ecb6ca570bfc5e268338b1a16cf4ef2d36",
        ),
    ];
    let mut checked = 0;
    for i in 0..=1001 {
        let out = t.encrypt_message(b"hello");
        if let Some((_, hex)) = want.iter().find(|(n, _)| *n == i) {
            assert_eq!(out, bytes(hex), "output {i}");
            checked += 1;
        }
        // The responder reads every message back.
        let header: [u8; HEADER_LEN] = out[..HEADER_LEN].try_into().unwrap();
        assert_eq!(r.decrypt_header(&header).unwrap(), 5);
        assert_eq!(r.decrypt_body(&out[HEADER_LEN..]).unwrap(), b"hello");
    }
    assert_eq!(checked, want.len());
}

#[test]
fn tampered_header_is_rejected() {
    let (_, mut t) = {
        let mut i = initiator();
        i.act_one();
        i.act_two(&act(ACT_TWO)).unwrap()
    };
    let mut r = {
        let mut r = responder();
        r.act_one(&act(ACT_ONE)).unwrap();
        r.act_three(&act(ACT_THREE)).unwrap()
    };
    let mut out = t.encrypt_message(b"hello");
    out[0] ^= 1;
    let header: [u8; HEADER_LEN] = out[..HEADER_LEN].try_into().unwrap();
    assert_eq!(
        r.decrypt_header(&header),
        Err(HandshakeError::BadMessageTag)
    );
}
