//! The restored channel's `channel_reestablish`, checked against LDK's
//! independent BOLT 3 shachain and BOLT 2 channel id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Scalar, Secp256k1, SecretKey};
use bitcoin::{OutPoint, Txid};
use lightning::ln::chan_utils::build_commitment_secret;
use scb_crypto::{Network, RootKeyRing};
use scb_rescue::ChannelTarget;
use scb_wire::{
    KeyLocator, LocalChanConfig, RemoteChanConfig, ShaChainRoot, ShortChannelId, Single,
    SingleVersion,
};

fn ring() -> RootKeyRing {
    RootKeyRing::from_seed(&[7; 32], Network::Regtest).unwrap()
}

fn secret(l: KeyLocator) -> SecretKey {
    *ring().derive_private_key(l).unwrap().secret_key()
}

fn pk(label: &str) -> PublicKey {
    let k = SecretKey::from_slice(sha256::Hash::hash(label.as_bytes()).as_byte_array()).unwrap();
    PublicKey::from_secret_key(&Secp256k1::new(), &k)
}

fn loc(family: u32, index: u32) -> KeyLocator {
    KeyLocator { family, index }
}

fn single(version: SingleVersion, legacy_root: bool) -> Single {
    let remote = pk("remote");
    Single {
        version,
        is_initiator: true,
        chain_hash: [6; 32],
        funding_outpoint: OutPoint {
            txid: Txid::from_byte_array([0xab; 32]),
            vout: 0x0103,
        },
        short_channel_id: ShortChannelId::default(),
        remote_node_pub: remote,
        addresses: vec![],
        capacity: 1_000_000,
        local_chan_cfg: LocalChanConfig {
            csv_delay: 144,
            multisig_key: loc(0, 7),
            revocation_base_point: loc(1, 7),
            payment_base_point: loc(3, 7),
            delay_base_point: loc(4, 7),
            htlc_base_point: loc(2, 7),
        },
        remote_chan_cfg: RemoteChanConfig {
            csv_delay: 144,
            multisig_key: remote,
            revocation_base_point: remote,
            payment_base_point: remote,
            delay_base_point: remote,
            htlc_base_point: remote,
        },
        shachain_root: ShaChainRoot {
            pubkey: legacy_root.then(|| ring().derive_private_key(loc(5, 7)).unwrap().public_key()),
            locator: loc(5, 7),
        },
        lease_expiry: None,
        close_tx_inputs: None,
    }
}

/// The point lnd's restored channel sends, computed with LDK's shachain.
fn expected_point(seed: [u8; 32]) -> PublicKey {
    let mut secret = build_commitment_secret(&seed, (1 << 48) - 1);
    secret[0] ^= 1;
    PublicKey::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&secret).unwrap())
}

#[test]
fn tweakless_channel_sends_commitment_zero_and_the_flipped_point_of_the_ecdh_shachain() {
    let s = single(SingleVersion::AnchorsZeroFeeHtlcTx, false);
    let t = ChannelTarget::from_single(&s, &ring()).unwrap();
    let m = &t.reestablish;
    // The ECDH seed, computed by point multiplication rather than
    // libsecp256k1's ECDH module: SHA256(compressed(root * multisig_pub)).
    let secp = Secp256k1::new();
    let root = secret(loc(5, 7));
    let multisig_pub = PublicKey::from_secret_key(&secp, &secret(loc(0, 7)));
    let shared = multisig_pub.mul_tweak(&secp, &Scalar::from(root)).unwrap();
    let seed = sha256::Hash::hash(&shared.serialize()).to_byte_array();
    assert_eq!(m.my_current_per_commitment_point, expected_point(seed));
    assert_eq!(m.next_commitment_number, 0);
    assert_eq!(m.next_revocation_number, 0);
    assert_eq!(m.your_last_per_commitment_secret, [0; 32]);
    let ldk_id = lightning::ln::types::ChannelId::v1_from_funding_outpoint(
        lightning::chain::transaction::OutPoint {
            txid: s.funding_outpoint.txid,
            index: s.funding_outpoint.vout as u16,
        },
    );
    assert_eq!(m.channel_id.0, ldk_id.0);
    assert_eq!(t.peer, s.remote_node_pub);
    assert_eq!(t.funding_outpoint, s.funding_outpoint);
}

#[test]
fn legacy_version_zero_channel_sends_commitment_one_and_the_root_key_shachain() {
    let s = single(SingleVersion::Default, true);
    let t = ChannelTarget::from_single(&s, &ring()).unwrap();
    let seed = secret(loc(5, 7)).secret_bytes();
    assert_eq!(
        t.reestablish.my_current_per_commitment_point,
        expected_point(seed)
    );
    assert_eq!(t.reestablish.next_commitment_number, 1);
}

#[test]
fn every_version_after_zero_is_tweakless() {
    for v in SingleVersion::ALL {
        let t = ChannelTarget::from_single(&single(v, false), &ring()).unwrap();
        let want = u64::from(v == SingleVersion::Default);
        assert_eq!(t.reestablish.next_commitment_number, want, "{v:?}");
    }
}

/// lnd's nonce shachain root (`DeriveMusig2Shachain`), computed here from
/// its definition: HMAC-SHA256 keyed "taproot-rev-root" over SHA256(root).
fn taproot_nonce_seed(revocation_root: &[u8; 32]) -> [u8; 32] {
    use bitcoin::hashes::{hmac, HashEngine};
    let mut engine = hmac::HmacEngine::<sha256::Hash>::new(b"taproot-rev-root");
    engine.input(sha256::Hash::hash(revocation_root).as_byte_array());
    hmac::Hmac::from_engine(engine).to_byte_array()
}

/// The ECDH revocation root of `single(_, false)`.
fn ecdh_root() -> [u8; 32] {
    let secp = Secp256k1::new();
    let multisig_pub = PublicKey::from_secret_key(&secp, &secret(loc(0, 7)));
    let shared = multisig_pub
        .mul_tweak(&secp, &Scalar::from(secret(loc(5, 7))))
        .unwrap();
    sha256::Hash::hash(&shared.serialize()).to_byte_array()
}

/// lnd's verification nonce for commitment 0, with LDK's shachain.
fn expected_nonce() -> musig2::PubNonce {
    let seed = taproot_nonce_seed(&ecdh_root());
    let rand = build_commitment_secret(&seed, (1 << 48) - 1);
    let ours = PublicKey::from_secret_key(&Secp256k1::new(), &secret(loc(0, 7)));
    musig2::SecNonceBuilder::from_pubkey(rand, ours)
        .build()
        .public_nonce()
}

#[test]
fn staging_taproot_channels_send_the_commitment_zero_nonce_as_tlv_4() {
    for v in [SingleVersion::SimpleTaproot, SingleVersion::TapscriptRoot] {
        let t = ChannelTarget::from_single(&single(v, false), &ring()).unwrap();
        assert_eq!(
            t.reestablish.next_local_nonce,
            Some(expected_nonce()),
            "{v:?}"
        );
        assert_eq!(t.reestablish.next_local_nonces, None, "{v:?}");
        assert_eq!(t.reestablish.next_commitment_number, 0, "{v:?}");
    }
}

#[test]
fn final_taproot_channels_send_the_nonce_keyed_by_the_funding_txid_as_tlv_22() {
    let s = single(SingleVersion::SimpleTaprootFinal, false);
    let t = ChannelTarget::from_single(&s, &ring()).unwrap();
    assert_eq!(t.reestablish.next_local_nonce, None);
    assert_eq!(
        t.reestablish.next_local_nonces,
        Some(vec![(s.funding_outpoint.txid, expected_nonce())])
    );
}

#[test]
fn channels_before_taproot_send_no_nonce() {
    for v in SingleVersion::ALL.into_iter().filter(|v| !v.is_taproot()) {
        let t = ChannelTarget::from_single(&single(v, false), &ring()).unwrap();
        assert_eq!(t.reestablish.next_local_nonce, None, "{v:?}");
        assert_eq!(t.reestablish.next_local_nonces, None, "{v:?}");
        assert_eq!(t.reestablish.encode().len(), 2 + 32 + 8 + 8 + 32 + 33);
    }
}

/// LDK 0.1 reads `channel_reestablish` with its own TLVs only (no taproot
/// nonce outside its `cfg(taproot)` build): our pre-taproot message decodes
/// to the same fields; a taproot one is refused for the unknown even type,
/// as BOLT 1 requires; and with the type made odd, LDK walks the stream and
/// skips the record, which checks our record framing (a wrong length or a
/// non-minimal BigSize would be refused).
#[test]
fn ldk_reads_our_reestablish_bytes_and_its_tlv_framing() {
    use lightning::ln::msgs::{ChannelReestablish as Ldk, DecodeError};
    use lightning::util::ser::Readable;
    let read = |bytes: &[u8]| Ldk::read(&mut &bytes[2..]);
    let anchors =
        ChannelTarget::from_single(&single(SingleVersion::AnchorsZeroFeeHtlcTx, false), &ring())
            .unwrap()
            .reestablish;
    let ldk = read(&anchors.encode()).unwrap();
    assert_eq!(ldk.channel_id.0, anchors.channel_id.0);
    assert_eq!(ldk.next_local_commitment_number, 0);
    assert_eq!(ldk.next_remote_commitment_number, 0);
    assert_eq!(ldk.your_last_per_commitment_secret, [0; 32]);
    assert_eq!(
        ldk.my_current_per_commitment_point,
        anchors.my_current_per_commitment_point
    );
    for (v, tlv_type) in [
        (SingleVersion::SimpleTaproot, 4u8),
        (SingleVersion::SimpleTaprootFinal, 22),
    ] {
        let ours = ChannelTarget::from_single(&single(v, false), &ring())
            .unwrap()
            .reestablish;
        let mut bytes = ours.encode();
        let fixed = 2 + 32 + 8 + 8 + 32 + 33;
        assert_eq!(bytes[fixed], tlv_type, "{v:?}");
        assert!(matches!(
            read(&bytes),
            Err(DecodeError::UnknownRequiredFeature)
        ));
        bytes[fixed] += 1;
        let ldk = read(&bytes).unwrap();
        assert_eq!(ldk.channel_id.0, ours.channel_id.0, "{v:?}");
        assert_eq!(ldk.next_funding_txid, None, "{v:?}");
        // A length one byte beyond the message is refused.
        bytes[fixed + 1] += 1;
        assert!(matches!(read(&bytes), Err(DecodeError::ShortRead)), "{v:?}");
    }
}

#[test]
fn a_key_that_cannot_be_derived_names_the_channel() {
    let mut s = single(SingleVersion::Tweakless, false);
    // Families and indexes are 31-bit: this locator has no key.
    s.local_chan_cfg.multisig_key = loc(1 << 31, 0);
    let e = ChannelTarget::from_single(&s, &ring()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("channel {}: ", s.funding_outpoint)),
        "{e}"
    );
}

mod common;

#[tokio::test]
async fn ldk_accepts_the_restored_message_from_a_real_key_ring_and_answers_it() {
    let node = common::ldk::node("ldk restored").await;
    let mut s = single(SingleVersion::AnchorsZeroFeeHtlcTx, false);
    s.remote_node_pub = node.node_id;
    s.addresses = vec![scb_wire::Address::Ipv4 {
        ip: [127, 0, 0, 1].into(),
        port: node.addr.port(),
    }];
    let target = ChannelTarget::from_single(&s, &ring()).unwrap();
    let our_node = *ring().derive_private_key(loc(6, 0)).unwrap().secret_key();
    let options = scb_rescue::TriggerCloseOptions {
        timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let reports = scb_rescue::trigger_close(&our_node, &[target], &options).await;
    let r = &reports[0];
    assert_eq!(r.outcome, scb_rescue::Outcome::ReestablishSent, "{r:?}");
    assert!(r.peer_reestablish, "{r:?}");
    assert!(
        r.peer_error.as_deref().unwrap().contains("No such channel"),
        "{r:?}"
    );
    let log = node.log.0.lock().unwrap().join("\n");
    let our_id = PublicKey::from_secret_key(&Secp256k1::new(), &our_node);
    assert!(log.contains(&our_id.to_string()), "{log}");
}
