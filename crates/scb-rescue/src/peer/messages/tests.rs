//! Tests of the messages' encoders and decoders.

use super::*;
use bitcoin::secp256k1::PublicKey;
use bitcoin::Txid;
use musig2::PubNonce;

#[test]
fn channel_id_xors_the_output_index_into_the_wire_order_txid() {
    let mut raw = [0u8; 32];
    raw[0] = 0xaa;
    raw[31] = 0x0f;
    let op = OutPoint {
        txid: Txid::from_byte_array(raw),
        vout: 0x0102,
    };
    let id = ChannelId::from_funding_outpoint(&op);
    assert_eq!(id.0[0], 0xaa);
    assert_eq!(id.0[30], 0x01);
    assert_eq!(id.0[31], 0x0f ^ 0x02);
}

#[test]
fn our_features_set_data_loss_protect_and_static_remotekey_as_required() {
    for bit in [0, 8, 12, 14] {
        assert!(has_feature(&OUR_FEATURES, bit), "bit {bit}");
    }
    for bit in [1, 9, 13, 15, 16] {
        assert!(!has_feature(&OUR_FEATURES, bit), "bit {bit}");
    }
}

#[test]
fn init_round_trips_and_ors_global_and_local_features() {
    let Message::Init { features } = decode(&encode_init()).unwrap() else {
        panic!("not init")
    };
    assert_eq!(features, OUR_FEATURES);
    let mixed = [0, 16, 0, 1, 0x02, 0, 3, 0x80, 0, 0];
    let Message::Init { features } = decode(&mixed).unwrap() else {
        panic!("not init")
    };
    assert_eq!(features, [0x80, 0, 0x02]);
}

#[test]
fn channel_reestablish_round_trips() {
    let point = PublicKey::from_slice(&[
        2, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87,
        0x0b, 0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16,
        0xf8, 0x17, 0x98,
    ])
    .unwrap();
    let msg = ChannelReestablish {
        channel_id: ChannelId([7; 32]),
        next_commitment_number: 1,
        next_revocation_number: 0,
        your_last_per_commitment_secret: [0; 32],
        my_current_per_commitment_point: point,
        next_local_nonce: None,
        next_local_nonces: None,
    };
    let bytes = msg.encode();
    assert_eq!(bytes.len(), 2 + 32 + 8 + 8 + 32 + 33);
    assert_eq!(
        decode(&bytes).unwrap(),
        Message::ChannelReestablish {
            channel_id: ChannelId([7; 32]),
            next_commitment_number: 1,
            next_revocation_number: 0,
        }
    );
    assert!(decode(&bytes[..bytes.len() - 1]).is_err());
}

const G: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const G2: &str = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The nonce (G, 2G).
fn nonce_g_2g() -> PubNonce {
    PubNonce::from_bytes(&unhex(&format!("{G}{G2}"))).unwrap()
}

fn restored_taproot(version_final: bool) -> ChannelReestablish {
    let nonce = nonce_g_2g();
    ChannelReestablish {
        channel_id: ChannelId([7; 32]),
        next_commitment_number: 0,
        next_revocation_number: 0,
        your_last_per_commitment_secret: [0; 32],
        my_current_per_commitment_point: PublicKey::from_slice(&unhex(G)).unwrap(),
        next_local_nonce: (!version_final).then(|| nonce.clone()),
        next_local_nonces: version_final.then(|| vec![(Txid::from_byte_array([0xab; 32]), nonce)]),
    }
}

#[test]
fn taproot_nonce_tlvs_have_lnds_exact_bytes() {
    let fixed = format!(
        "0088{}{}{}{}{G}",
        "07".repeat(32),
        "00".repeat(8),
        "00".repeat(8),
        "00".repeat(32)
    );
    // TLV 4, length 66, R1 || R2 compressed.
    assert_eq!(
        restored_taproot(false).encode(),
        unhex(&format!("{fixed}0442{G}{G2}"))
    );
    // TLV 22, length 98: the funding txid's internal bytes, then the nonce.
    assert_eq!(
        restored_taproot(true).encode(),
        unhex(&format!("{fixed}1662{}{G}{G2}", "ab".repeat(32)))
    );
}

#[test]
fn big_size_is_minimal_and_non_minimal_forms_are_refused() {
    let cases: [(u64, &str); 7] = [
        (0, "00"),
        (0xfc, "fc"),
        (0xfd, "fd00fd"),
        (0xffff, "fdffff"),
        (0x1_0000, "fe00010000"),
        (0xffff_ffff, "feffffffff"),
        (0x1_0000_0000, "ff0000000100000000"),
    ];
    for (value, hex) in cases {
        let mut out = Vec::new();
        scb_wire::bigsize::write(&mut out, value);
        assert_eq!(out, unhex(hex), "{value}");
        let mut c = Cursor {
            bytes: &out,
            message: "t",
        };
        assert_eq!(c.big_size().unwrap(), value);
        assert!(c.bytes.is_empty());
    }
    for bad in [
        "fd00fc",
        "fe0000ffff",
        "ff00000000ffffffff",
        "fd00",
        "fe",
        "",
    ] {
        let bytes = unhex(bad);
        let mut c = Cursor {
            bytes: &bytes,
            message: "t",
        };
        assert!(c.big_size().is_err(), "{bad}");
    }
}

#[test]
fn reestablish_tlv_stream_follows_bolt1_and_lnds_nonce_checks() {
    let base = restored_taproot(false).encode();
    let fixed = &base[..base.len() - 68];
    let nonce = format!("{G}{G2}");
    let with = |tail: &str| [fixed, &unhex(tail)[..]].concat();
    // An unknown odd record is skipped, an unknown even one refused.
    let odd = ChannelReestablish::decode(&with(&format!("0442{nonce}0501ff"))).unwrap();
    assert_eq!(odd, restored_taproot(false));
    assert!(ChannelReestablish::decode(&with(&format!("0442{nonce}0601ff"))).is_err());
    // Types must strictly increase.
    let two = format!("1662{}{nonce}", "ab".repeat(32));
    assert!(ChannelReestablish::decode(&with(&format!("{two}0442{nonce}"))).is_err());
    assert!(ChannelReestablish::decode(&with(&format!("0442{nonce}0442{nonce}"))).is_err());
    // Both nonce records at once decode (lnd reads both).
    let both = ChannelReestablish::decode(&with(&format!("0442{nonce}{two}"))).unwrap();
    assert!(both.next_local_nonce.is_some() && both.next_local_nonces.is_some());
    // A nonce of the wrong length, an invalid point, a length beyond the
    // message, a non-minimal length.
    assert!(ChannelReestablish::decode(&with(&format!("0441{}", &nonce[..130]))).is_err());
    let bad_point = format!("0442{}{G2}", "05".repeat(33));
    assert!(ChannelReestablish::decode(&with(&bad_point)).is_err());
    assert!(ChannelReestablish::decode(&with("04ff")).is_err());
    assert!(ChannelReestablish::decode(&with(&format!("04fd0042{nonce}"))).is_err());
    // next_local_nonces: whole entries, no txid twice, at most 16.
    let entry = |b: u8| format!("{}{nonce}", format!("{b:02x}").repeat(32));
    assert!(ChannelReestablish::decode(&with(&format!("1661{}", &entry(1)[..194]))).is_err());
    let dup = format!("16c4{}{}", entry(1), entry(1));
    assert!(ChannelReestablish::decode(&with(&dup)).is_err());
    let pair = format!("16c4{}{}", entry(2), entry(1));
    let decoded = ChannelReestablish::decode(&with(&pair)).unwrap();
    assert_eq!(decoded.next_local_nonces.as_ref().unwrap().len(), 2);
    assert_eq!(
        ChannelReestablish::decode(&decoded.encode()).unwrap(),
        decoded
    );
    let sixteen: String = (0..16).map(entry).collect();
    let seventeen: String = (0..17).map(entry).collect();
    assert!(ChannelReestablish::decode(&with(&format!("16fd0620{sixteen}"))).is_ok());
    assert!(ChannelReestablish::decode(&with(&format!("16fd0682{seventeen}"))).is_err());
    // An empty map is a record of length 0.
    let empty = ChannelReestablish::decode(&with("1600")).unwrap();
    assert_eq!(empty.next_local_nonces, Some(vec![]));
    // Every truncation inside the stream is an error or a shorter valid
    // stream, never a panic.
    let full = restored_taproot(true).encode();
    for cut in fixed.len() + 1..full.len() {
        assert!(
            ChannelReestablish::decode(&full[..cut]).is_err(),
            "cut {cut}"
        );
    }
}

mod round_trip {
    use super::*;
    use musig2::SecNonceBuilder;
    use proptest::collection::btree_map;
    use proptest::prelude::*;

    fn nonce() -> impl Strategy<Value = PubNonce> {
        (any::<[u8; 32]>(), point()).prop_map(|(seed, key)| {
            SecNonceBuilder::from_pubkey(seed, key)
                .build()
                .public_nonce()
        })
    }

    fn point() -> impl Strategy<Value = PublicKey> {
        any::<[u8; 32]>().prop_filter_map("not a key", |b| {
            let key = bitcoin::secp256k1::SecretKey::from_slice(&b).ok()?;
            Some(PublicKey::from_secret_key(
                &bitcoin::secp256k1::Secp256k1::new(),
                &key,
            ))
        })
    }

    fn message() -> impl Strategy<Value = ChannelReestablish> {
        (
            any::<[u8; 32]>(),
            any::<u64>(),
            any::<u64>(),
            any::<[u8; 32]>(),
            point(),
            proptest::option::of(nonce()),
            proptest::option::of(btree_map(any::<[u8; 32]>(), nonce(), 0..=MAX_LOCAL_NONCES)),
        )
            .prop_map(
                |(id, next, rev, secret, point, one, many)| ChannelReestablish {
                    channel_id: ChannelId(id),
                    next_commitment_number: next,
                    next_revocation_number: rev,
                    your_last_per_commitment_secret: secret,
                    my_current_per_commitment_point: point,
                    next_local_nonce: one,
                    next_local_nonces: many.map(|m| {
                        m.into_iter()
                            .map(|(txid, n)| (Txid::from_byte_array(txid), n))
                            .collect()
                    }),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn channel_reestablish_encode_decode_round_trips(m in message()) {
            let bytes = m.encode();
            prop_assert_eq!(ChannelReestablish::decode(&bytes).unwrap(), m.clone());
            // The peer-answer decoder reads the same fixed fields.
            prop_assert_eq!(
                decode(&bytes).unwrap(),
                Message::ChannelReestablish {
                    channel_id: m.channel_id,
                    next_commitment_number: m.next_commitment_number,
                    next_revocation_number: m.next_revocation_number,
                }
            );
        }
    }
}

#[test]
fn every_truncation_of_every_message_is_an_error_not_a_panic() {
    let msgs = [
        encode_init(),
        encode_error(ChannelId([1; 32]), "boom", false),
        encode_error(ChannelId([1; 32]), "careful", true),
        encode_ping(10),
        encode_pong(3),
    ];
    for m in msgs {
        assert!(decode(&m).is_ok());
        for cut in 0..m.len() {
            assert!(decode(&m[..cut]).is_err(), "{m:?} cut at {cut}");
        }
    }
}

#[test]
fn unknown_types_decode_as_other() {
    assert_eq!(
        decode(&[0xff, 0xff, 1, 2]).unwrap(),
        Message::Other {
            message_type: 0xffff
        }
    );
}

#[test]
fn printable_escapes_control_characters_and_caps_length() {
    assert_eq!(printable(b"bad\nthing\x07"), "bad\\nthing\\u{7}");
    assert_eq!(printable(&[b'a'; 1000]).len(), 400);
}
