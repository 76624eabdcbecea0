//! The acceptance rules of `docs/format.md` ("Core Lightning"), one by one,
//! on plaintexts built here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use scb_cln::{Backup, ClnVerdict, Error};

/// 6137, version 1, timestamp 0, one channel without TLVs and the given stream.
fn modern(tlv_stream: &[u8]) -> Vec<u8> {
    let mut p = vec![0x17, 0xf9];
    p.extend_from_slice(&1u64.to_be_bytes());
    p.extend_from_slice(&0u32.to_be_bytes());
    p.extend_from_slice(&1u16.to_be_bytes());
    p.extend_from_slice(&5u64.to_be_bytes()); // id
    p.extend_from_slice(&[0xaa; 32]); // channel_id
    p.push(2);
    p.extend_from_slice(&[0x11; 32]); // node_id
    p.extend_from_slice(&[1, 127, 0, 0, 1, 0x26, 0x07]); // ipv4:9735
    p.extend_from_slice(&[0xbb; 32]);
    p.extend_from_slice(&0u32.to_be_bytes()); // outpoint
    p.extend_from_slice(&100_000u64.to_be_bytes());
    p.extend_from_slice(&[0, 0]); // empty channel_type
    p.extend_from_slice(&(tlv_stream.len() as u32).to_be_bytes());
    p.extend_from_slice(tlv_stream);
    p
}

fn verdict(bytes: &[u8]) -> (Error, Option<ClnVerdict>) {
    let e = Backup::decode(bytes).unwrap_err();
    let v = e.cln_verdict();
    (e, v)
}

const G: [u8; 33] = [
    0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b,
    0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17,
    0x98,
];

#[test]
fn baseline_plaintext_decodes() {
    let b = Backup::decode(&modern(&[])).unwrap();
    assert_eq!(b.channels.len(), 1);
    assert_eq!(b.to_bytes().unwrap(), modern(&[]));
}

#[test]
fn tlv_types_must_strictly_increase() {
    let (e, v) = verdict(&modern(&[5, 1, 0, 5, 1, 1]));
    assert!(
        matches!(
            e,
            Error::TlvOutOfOrder {
                previous: 5,
                found: 5,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(v, Some(ClnVerdict::InvalidFormat));
}

#[test]
fn unknown_even_tlv_is_refused_and_unknown_odd_is_kept() {
    let (e, _) = verdict(&modern(&[8, 0]));
    assert!(
        matches!(e, Error::UnknownEvenTlv { tlv_type: 8, .. }),
        "{e}"
    );
    let b = Backup::decode(&modern(&[9, 2, 0xab, 0xcd])).unwrap();
    let t = b.channels[0].tlvs().unwrap();
    assert_eq!(t.unknown[0].tlv_type, 9);
    assert_eq!(t.unknown[0].value, vec![0xab, 0xcd]);
}

#[test]
fn non_canonical_bigsize_is_refused() {
    let (e, v) = verdict(&modern(&[0xfd, 0x00, 0x09, 0]));
    assert!(
        matches!(
            e,
            Error::NonCanonicalBigSize {
                field: "tlv type",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(v, Some(ClnVerdict::InvalidFormat));
}

#[test]
fn known_tlv_length_must_be_exact() {
    for stream in [
        &[5u8, 2, 0, 0][..],
        &[7, 1, 0],
        &[7, 3, 0, 0, 0],
        &[3, 1, 2],
        &[1, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ] {
        let (e, v) = verdict(&modern(stream));
        assert!(matches!(e, Error::TlvLength { .. }), "{stream:?}: {e}");
        assert_eq!(v, Some(ClnVerdict::InvalidFormat));
    }
}

#[test]
fn tlv_length_past_the_stream_is_refused() {
    let (e, _) = verdict(&modern(&[9, 5, 0]));
    assert!(
        matches!(
            e,
            Error::TlvPastEnd {
                tlv_type: 9,
                length: 5,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn opener_above_one_is_refused() {
    let (e, _) = verdict(&modern(&[5, 1, 2]));
    assert!(matches!(e, Error::InvalidOpener { value: 2, .. }), "{e}");
}

#[test]
fn shachain_over_49_is_refused_before_reading_entries() {
    let mut s = vec![1, 12];
    s.extend_from_slice(&0u64.to_be_bytes());
    s.extend_from_slice(&50u32.to_be_bytes());
    let (e, _) = verdict(&modern(&s));
    assert!(
        matches!(e, Error::ShachainTooLong { num_valid: 50, .. }),
        "{e}"
    );
}

#[test]
fn invalid_basepoint_is_refused_and_valid_ones_decode() {
    let mut good = vec![3, 132];
    for _ in 0..4 {
        good.extend_from_slice(&G);
    }
    assert!(Backup::decode(&modern(&good)).unwrap().channels[0]
        .tlvs()
        .unwrap()
        .basepoints
        .is_some());
    let mut bad = good.clone();
    bad[2 + 33 * 2] = 0x05; // htlc basepoint with a bad prefix
    let (e, v) = verdict(&modern(&bad));
    assert!(
        matches!(e, Error::InvalidBasepoint { field: "htlc", .. }),
        "{e}"
    );
    assert_eq!(v, Some(ClnVerdict::InvalidFormat));
}

#[test]
fn len_tlv_past_end_is_undefined_and_refused() {
    let mut p = modern(&[]);
    let at = p.len() - 4;
    p[at..].copy_from_slice(&u32::MAX.to_be_bytes());
    let (e, v) = verdict(&p);
    assert!(
        matches!(
            e,
            Error::TlvStreamPastEnd {
                len_tlv: u32::MAX,
                left: 0,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(v, Some(ClnVerdict::Undefined));
}

#[test]
fn unknown_address_descriptor_and_bad_node_id_are_undefined_and_refused() {
    let mut p = modern(&[]);
    p[16 + 8 + 32 + 33] = 6;
    assert_eq!(verdict(&p).1, Some(ClnVerdict::Undefined));
    let mut p = modern(&[]);
    p[16 + 8 + 32] = 4;
    assert_eq!(
        verdict(&p),
        (
            Error::InvalidNodeId {
                prefix: 4,
                offset: 56
            },
            Some(ClnVerdict::Undefined)
        )
    );
}

#[test]
fn channel_count_above_the_channels_present_is_refused() {
    let mut p = modern(&[]);
    p[14..16].copy_from_slice(&2u16.to_be_bytes());
    let (e, v) = verdict(&p);
    assert!(
        matches!(
            e,
            Error::UnexpectedEof {
                field: "channel id (database)",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(v, Some(ClnVerdict::InvalidFormat));
}

#[test]
fn huge_channel_count_on_a_short_input_fails_fast_without_allocating() {
    let mut p = modern(&[]);
    p[14..16].copy_from_slice(&u16::MAX.to_be_bytes());
    assert!(Backup::decode(&p).is_err());
}

#[test]
fn unknown_message_type_is_refused() {
    let mut p = modern(&[]);
    p[1] = 0xfb;
    assert_eq!(
        verdict(&p),
        (
            Error::UnknownMessageType { found: 6139 },
            Some(ClnVerdict::InvalidFormat)
        )
    );
}

#[test]
fn encoder_refuses_what_cln_could_not_read_back() {
    let mut b = Backup::decode(&modern(&[])).unwrap();
    if let scb_cln::ChannelFormat::Modern(t) = &mut b.channels[0].format {
        t.unknown.push(scb_cln::UnknownTlv {
            tlv_type: 10,
            value: vec![],
        });
    }
    assert!(matches!(
        b.to_bytes(),
        Err(Error::Unencodable {
            field: "unknown tlv",
            ..
        })
    ));
    let mut b = Backup::decode(&modern(&[])).unwrap();
    b.message_type = scb_cln::MessageType::Legacy;
    assert!(matches!(
        b.to_bytes(),
        Err(Error::Unencodable {
            field: "channel format",
            ..
        })
    ));
    let mut b = Backup::decode(&modern(&[])).unwrap();
    b.channels[0].address = scb_cln::Address::Dns {
        host: vec![b'a'; 256],
        port: 1,
    };
    assert!(matches!(
        b.to_bytes(),
        Err(Error::Unencodable {
            field: "dns host",
            ..
        })
    ));
}
