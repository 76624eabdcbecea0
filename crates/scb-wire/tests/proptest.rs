//! Property tests: every encodable value round-trips, bytes are stable, and
//! the JSON form round-trips too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use bitcoin::absolute::LockTime;
use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use proptest::collection::vec;
use proptest::prelude::*;
use scb_wire::{
    decode_address_list, encode_address_list, encoded_address_list_len, Address, CloseTxInputs,
    KeyLocator, LocalChanConfig, Multi, RemoteChanConfig, ShaChainRoot, ShortChannelId, Single,
    SingleVersion,
};

fn keys() -> &'static [PublicKey] {
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let secp = Secp256k1::new();
        (1..=16u8)
            .map(|i| PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[i; 32]).unwrap()))
            .collect()
    })
}

fn key() -> impl Strategy<Value = PublicKey> {
    (0..16usize).prop_map(|i| keys()[i])
}

fn locator() -> impl Strategy<Value = KeyLocator> {
    (any::<u32>(), any::<u32>()).prop_map(|(family, index)| KeyLocator { family, index })
}

/// Any address that survives a round trip in any position (no v4-mapped
/// IPv6, no opaque: those are tested separately).
fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| Address::Ipv4 {
            ip: ip.into(),
            port
        }),
        (any::<[u8; 16]>(), any::<u16>())
            .prop_filter("v4-mapped is rewritten as IPv4", |(ip, _)| {
                std::net::Ipv6Addr::from(*ip).to_ipv4_mapped().is_none()
            })
            .prop_map(|(ip, port)| Address::Ipv6 {
                ip: ip.into(),
                port
            }),
        (any::<[u8; 10]>(), any::<u16>()).prop_map(|(key, port)| Address::TorV2 { key, port }),
        (vec(any::<u8>(), 35), any::<u16>()).prop_map(|(k, port)| Address::TorV3 {
            key: k.try_into().unwrap(),
            port
        }),
        (
            prop_oneof![
                "[a-z0-9.:\\[\\]-]{0,40}".prop_map(String::into_bytes),
                vec(any::<u8>(), 0..=255)
            ],
            any::<u16>()
        )
            .prop_map(|(host, port)| Address::Dns { host, port }),
    ]
}

/// A list of addresses, possibly ending with an opaque one (descriptor >= 6).
fn address_list() -> impl Strategy<Value = Vec<Address>> {
    (
        vec(address(), 0..6),
        proptest::option::of((6u8..=255, vec(any::<u8>(), 0..40))),
    )
        .prop_map(|(mut list, opaque)| {
            if let Some((d, rest)) = opaque {
                let mut b = vec![d];
                b.extend(rest);
                list.push(Address::Opaque(b));
            }
            list
        })
}

fn script() -> impl Strategy<Value = ScriptBuf> {
    vec(any::<u8>(), 0..60).prop_map(ScriptBuf::from_bytes)
}

fn tx() -> impl Strategy<Value = Transaction> {
    let input = (
        any::<[u8; 32]>(),
        any::<u32>(),
        script(),
        any::<u32>(),
        vec(vec(any::<u8>(), 0..80), 0..4),
    )
        .prop_map(|(txid, vout, script_sig, seq, wit)| TxIn {
            previous_output: OutPoint {
                txid: Txid::from_byte_array(txid),
                vout,
            },
            script_sig,
            sequence: Sequence(seq),
            witness: Witness::from_slice(&wit),
        });
    let output = (any::<u64>(), script()).prop_map(|(v, script_pubkey)| TxOut {
        value: Amount::from_sat(v),
        script_pubkey,
    });
    (
        any::<i32>(),
        vec(input, 1..4),
        vec(output, 0..4),
        any::<u32>(),
    )
        .prop_map(|(v, input, output, lock)| Transaction {
            version: Version(v),
            lock_time: LockTime::from_consensus(lock),
            input,
            output,
        })
}

fn single() -> impl Strategy<Value = Single> {
    let head = (
        0..8u8,
        any::<bool>(),
        any::<[u8; 32]>(),
        (any::<[u8; 32]>(), any::<u16>()),
        (0..=0xff_ffffu32, 0..=0xff_ffffu32, any::<u16>()),
        key(),
        address_list(),
        any::<i64>(),
    );
    let cfg = (
        any::<u16>(),
        [locator(), locator(), locator(), locator(), locator()],
        any::<u16>(),
        [key(), key(), key(), key(), key()],
        proptest::option::of(key()),
        locator(),
    );
    let tail = (
        any::<u32>(),
        proptest::option::of((
            tx(),
            vec(any::<u8>(), 0..100),
            any::<u64>(),
            any::<[u8; 32]>(),
        )),
    );
    (head, cfg, tail).prop_map(|(h, c, t)| {
        let version = SingleVersion::try_from(h.0).unwrap();
        let (txid, vout) = h.3;
        Single {
            version,
            is_initiator: h.1,
            chain_hash: h.2,
            funding_outpoint: OutPoint {
                txid: Txid::from_byte_array(txid),
                vout: vout.into(),
            },
            short_channel_id: ShortChannelId {
                block_height: h.4 .0,
                tx_index: h.4 .1,
                output_index: h.4 .2,
            },
            remote_node_pub: h.5,
            addresses: h.6,
            capacity: h.7,
            local_chan_cfg: LocalChanConfig {
                csv_delay: c.0,
                multisig_key: c.1[0],
                revocation_base_point: c.1[1],
                payment_base_point: c.1[2],
                delay_base_point: c.1[3],
                htlc_base_point: c.1[4],
            },
            remote_chan_cfg: RemoteChanConfig {
                csv_delay: c.2,
                multisig_key: c.3[0],
                revocation_base_point: c.3[1],
                payment_base_point: c.3[2],
                delay_base_point: c.3[3],
                htlc_base_point: c.3[4],
            },
            shachain_root: ShaChainRoot {
                pubkey: c.4,
                locator: c.5,
            },
            lease_expiry: (version == SingleVersion::ScriptEnforcedLease).then_some(t.0),
            close_tx_inputs: t
                .1
                .map(|(commit_tx, commit_sig, height, root)| CloseTxInputs {
                    commit_tx,
                    commit_sig,
                    commit_height: version.is_taproot().then_some(height),
                    tapscript_root: (version == SingleVersion::TapscriptRoot).then_some(root),
                }),
        }
    })
}

/// The JSON text of a DNS name is a string: like Go's `encoding/json`, a
/// name that is not UTF-8 is printed with U+FFFD and cannot come back.
fn utf8_dns(s: &Single) -> bool {
    s.addresses
        .iter()
        .all(|a| !matches!(a, Address::Dns { host, .. } if std::str::from_utf8(host).is_err()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn single_round_trips_and_bytes_are_stable(s in single()) {
        let bytes = s.to_bytes().unwrap();
        let (back, used) = Single::decode_prefix(&bytes).unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(s.encoded_len(), bytes.len());
        prop_assert_eq!(&back, &s);
        prop_assert_eq!(back.to_bytes().unwrap(), bytes);
    }

    #[test]
    fn single_json_round_trips(s in single()) {
        prop_assume!(utf8_dns(&s));
        let v = serde_json::to_value(&s).unwrap();
        let back: Single = serde_json::from_value(v).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn multi_round_trips_and_bytes_are_stable(singles in vec(single(), 0..4), junk in vec(any::<u8>(), 0..8)) {
        let m = Multi { singles };
        let mut bytes = m.to_bytes().unwrap();
        let clean = bytes.clone();
        prop_assert_eq!(m.encoded_len(), clean.len());
        bytes.extend(junk); // trailing bytes are ignored
        let back = Multi::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes().unwrap(), clean);
        prop_assume!(m.singles.iter().all(utf8_dns));
        let json: Multi = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        prop_assert_eq!(json, m);
    }

    #[test]
    fn address_list_round_trips(list in address_list()) {
        let mut bytes = Vec::new();
        encode_address_list(&list, &mut bytes).unwrap();
        prop_assert_eq!(encoded_address_list_len(&list), bytes.len());
        prop_assert_eq!(decode_address_list(&bytes).unwrap(), list.clone());
        for a in &list {
            if matches!(a, Address::Dns { host, .. } if std::str::from_utf8(host).is_err()) {
                continue; // the text form is Go's string: not for non-UTF-8 names
            }
            prop_assert_eq!(Address::parse(a.kind(), &a.to_string()).unwrap(), a.clone());
        }
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(data in vec(any::<u8>(), 0..600)) {
        scb_wire::fuzzing::check_single(&data);
        scb_wire::fuzzing::check_multi(&data);
        scb_wire::fuzzing::check_address_list(&data);
    }

    #[test]
    fn every_truncation_of_an_encoded_single_is_an_error(s in single(), cut in any::<proptest::sample::Index>()) {
        let bytes = s.to_bytes().unwrap();
        let cut = cut.index(bytes.len());
        let err = Single::decode(&bytes[..cut]).unwrap_err();
        prop_assert!(err.offset() <= cut);
    }
}
