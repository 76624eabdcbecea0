//! Property tests: every encodable backup decodes back to itself, through
//! the plaintext codec, the secretstream file and the JSON form; and the
//! acceptance rules hold on mutated plaintexts.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{OutPoint, Txid};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use scb_cln::{
    json, Address, Backup, Basepoints, Channel, ChannelFormat, ChannelTlvs, Error, MessageType,
    NodeId, Opener, ScbKey, Shachain, ShachainEntry, UnknownTlv,
};

fn point() -> impl Strategy<Value = PublicKey> {
    any::<[u8; 32]>().prop_filter_map("valid secret key", |b| {
        SecretKey::from_slice(&b)
            .ok()
            .map(|k| PublicKey::from_secret_key(&Secp256k1::new(), &k))
    })
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| Address::Ipv4 {
            ip: ip.into(),
            port
        }),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, port)| Address::Ipv6 {
            ip: ip.into(),
            port
        }),
        (any::<[u8; 10]>(), any::<u16>()).prop_map(|(onion, port)| Address::TorV2 { onion, port }),
        (prop::collection::vec(any::<u8>(), 35), any::<u16>()).prop_map(|(o, port)| {
            Address::TorV3 {
                onion: o.try_into().unwrap(),
                port,
            }
        }),
        ("[a-z0-9.-]{0,255}", any::<u16>()).prop_map(|(h, port)| Address::Dns {
            host: h.into_bytes(),
            port
        }),
    ]
}

fn tlvs() -> impl Strategy<Value = ChannelTlvs> {
    let shachain = (
        any::<u64>(),
        prop::collection::vec((any::<u64>(), any::<[u8; 32]>()), 0..=49),
    )
        .prop_map(|(min_index, known)| Shachain {
            min_index,
            known: known
                .into_iter()
                .map(|(index, hash)| ShachainEntry { index, hash })
                .collect(),
        });
    let basepoints = (point(), point(), point(), point()).prop_map(
        |(revocation, payment, htlc, delayed_payment)| Basepoints {
            revocation,
            payment,
            htlc,
            delayed_payment,
        },
    );
    let unknown = prop::collection::btree_map(
        4u64..u64::MAX / 2,
        prop::collection::vec(any::<u8>(), 0..40),
        0..4,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(t, value)| UnknownTlv {
                tlv_type: 2 * t + 1,
                value,
            })
            .collect()
    });
    (
        prop::option::of(shachain),
        prop::option::of(basepoints),
        prop::option::of(prop_oneof![Just(Opener::Local), Just(Opener::Remote)]),
        prop::option::of(any::<u16>()),
        unknown,
    )
        .prop_map(
            |(shachain, basepoints, opener, remote_to_self_delay, unknown)| ChannelTlvs {
                shachain,
                basepoints,
                opener,
                remote_to_self_delay,
                unknown,
            },
        )
}

fn channel(legacy: bool) -> impl Strategy<Value = Channel> {
    let format = if legacy {
        any::<u8>()
            .prop_map(|unused| ChannelFormat::Legacy { unused })
            .boxed()
    } else {
        tlvs().prop_map(ChannelFormat::Modern).boxed()
    };
    (
        any::<u64>(),
        any::<[u8; 32]>(),
        (
            prop_oneof![Just(2u8), Just(3u8)],
            prop::collection::vec(any::<u8>(), 32),
        ),
        address(),
        (any::<[u8; 32]>(), any::<u32>()),
        any::<u64>(),
        prop::collection::vec(any::<u8>(), 0..40),
        format,
    )
        .prop_map(
            |(
                id,
                channel_id,
                (prefix, rest),
                address,
                (txid, vout),
                funding_sat,
                channel_type,
                format,
            )| {
                let mut node = [prefix; 33];
                node[1..].copy_from_slice(&rest);
                Channel {
                    id,
                    channel_id,
                    node_id: NodeId::from_bytes(node).unwrap(),
                    address,
                    funding_outpoint: OutPoint {
                        txid: Txid::from_byte_array(txid),
                        vout,
                    },
                    funding_sat,
                    channel_type,
                    format,
                }
            },
        )
}

fn backup() -> impl Strategy<Value = Backup> {
    any::<bool>().prop_flat_map(|legacy| {
        (
            any::<u64>().prop_map(|v| (v & !scb_cln::VERSION_MASK) | 1),
            any::<u32>(),
            prop::collection::vec(channel(legacy), 0..5),
        )
            .prop_map(move |(version, timestamp, channels)| Backup {
                message_type: if legacy {
                    MessageType::Legacy
                } else {
                    MessageType::WithTlvs
                },
                version,
                timestamp,
                channels,
            })
    })
}

proptest! {
    #[test]
    fn plaintext_round_trips(b in backup(), junk in prop::collection::vec(any::<u8>(), 0..8)) {
        let mut bytes = b.to_bytes().unwrap();
        let len = bytes.len();
        prop_assert_eq!(Backup::decode(&bytes).unwrap(), b.clone());
        bytes.extend(junk); // bytes after the last channel are ignored
        prop_assert_eq!(Backup::decode_prefix(&bytes).unwrap(), (b, len));
    }

    #[test]
    fn file_and_json_round_trip(b in backup(), key in any::<[u8; 32]>(), seed in any::<u64>()) {
        let key = ScbKey::from_bytes(key);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let file = scb_cln::seal(&b, &key, &mut rng).unwrap();
        prop_assert_eq!(scb_cln::open(&file, &key).unwrap(), b.clone());
        prop_assert_eq!(json::from_json(&json::to_json(&b)).unwrap(), b);
    }

    #[test]
    fn every_strict_prefix_is_rejected_without_panic(b in backup()) {
        let bytes = b.to_bytes().unwrap();
        for cut in 0..bytes.len() {
            let r = Backup::decode(&bytes[..cut]);
            prop_assert!(r.is_err(), "prefix of {} bytes decoded", cut);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        scb_cln::fuzzing::cln_decode(&bytes);
    }

    #[test]
    fn rejected_versions_are_refused_both_ways(v in any::<u64>().prop_filter("rejected", |v| v & scb_cln::VERSION_MASK != 1)) {
        let b = Backup { message_type: MessageType::WithTlvs, version: v, timestamp: 0, channels: vec![] };
        prop_assert!(b.to_bytes().is_err());
        let mut bytes = Backup { version: 1, ..b }.to_bytes().unwrap();
        bytes[2..10].copy_from_slice(&v.to_be_bytes());
        prop_assert_eq!(Backup::decode(&bytes), Err(Error::IncompatibleVersion { version: v }));
    }
}
