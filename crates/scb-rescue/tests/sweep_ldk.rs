//! Peer commitments paying us, built by another Lightning implementation
//! (LDK's `chan_utils::CommitmentTransaction`) from the keys of a real lnd
//! backup's single (our derived base points as LDK's countersignatory), are
//! found by `sweep` and their spends pass Bitcoin Core's interpreter. LDK
//! 0.1 builds static-remote-key and zero-fee-anchor commitments; the legacy
//! (version 0) tweak is LDK's `from_basepoint` and the taproot to_remote is
//! written here from BOLT 3 / lnd's script, independently of the crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use bitcoin::hashes::Hash;
use bitcoin::hex::FromHex;
use bitcoin::opcodes::all::{OP_CHECKSIG, OP_CSV, OP_DROP};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::taproot::TaprootBuilder;
use bitcoin::{Address, CompressedPublicKey, ScriptBuf, Sequence, Transaction, TxOut, Txid};
use lightning::ln::chan_utils::{
    build_commitment_secret, ChannelPublicKeys, ChannelTransactionParameters,
    CommitmentTransaction, CounterpartyChannelTransactionParameters, HTLCOutputInCommitment,
    TxCreationKeys,
};
use lightning::ln::channel_keys::{
    DelayedPaymentBasepoint, DelayedPaymentKey, HtlcBasepoint, RevocationBasepoint,
};
use lightning::types::features::ChannelTypeFeatures;
use lightning::types::payment::PaymentHash;
use scb_crypto::{BackupKey, KeyRing, Network, RootKeyRing};
use scb_rescue::{sweep, verify_input, OutputKind, SweepError, SweepOptions};
use scb_wire::{Single, SingleVersion};
use serde_json::Value;

const INITIAL: u64 = (1 << 48) - 1;

fn hex(s: &str) -> Vec<u8> {
    Vec::<u8>::from_hex(s).unwrap()
}

/// The first real backup's key ring and single (an anchors channel).
fn real_single() -> (RootKeyRing, Single) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chantools-regtest-cases.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = &v["cases"][0];
    let network: Network = case["network"].as_str().unwrap().parse().unwrap();
    let ring = match case["bip32_seed"].as_str() {
        Some(seed) => RootKeyRing::from_seed(&hex(seed), network).unwrap(),
        None => RootKeyRing::from_xprv_str(case["rootkey"].as_str().unwrap(), network).unwrap(),
    };
    let key = BackupKey::derive(&ring).unwrap();
    let packed = hex(case["packed_hex"].as_str().unwrap());
    let single = match case["kind"].as_str().unwrap() {
        "packed_multi" => scb_crypto::unpack_multi(&packed, &key)
            .unwrap()
            .singles
            .remove(0),
        _ => scb_crypto::unpack_single(&packed, &key).unwrap(),
    };
    (ring, single)
}

fn sk(b: u8) -> SecretKey {
    SecretKey::from_slice(&[b; 32]).unwrap()
}

fn pk(b: u8) -> PublicKey {
    PublicKey::from_secret_key(&Secp256k1::new(), &sk(b))
}

/// The single with a fresh peer (its keys from bytes 11..16) and channel.
fn channel(version: SingleVersion, we_opened: bool) -> (RootKeyRing, Single) {
    let (ring, mut single) = real_single();
    single.version = version;
    single.is_initiator = we_opened;
    single.funding_outpoint = bitcoin::OutPoint::new(Txid::from_byte_array([0x42; 32]), 1);
    single.capacity = 1_000_000;
    single.lease_expiry = None;
    single.close_tx_inputs = None;
    let r = &mut single.remote_chan_cfg;
    r.multisig_key = pk(11);
    r.revocation_base_point = pk(12);
    r.payment_base_point = pk(13);
    r.delay_base_point = pk(14);
    r.htlc_base_point = pk(15);
    (ring, single)
}

fn our_pubkeys(ring: &RootKeyRing, single: &Single) -> ChannelPublicKeys {
    let l = &single.local_chan_cfg;
    let d = |loc| ring.derive_pubkey(loc).unwrap();
    ChannelPublicKeys {
        funding_pubkey: d(l.multisig_key),
        revocation_basepoint: RevocationBasepoint::from(d(l.revocation_base_point)),
        payment_point: d(l.payment_base_point),
        delayed_payment_basepoint: DelayedPaymentBasepoint::from(d(l.delay_base_point)),
        htlc_basepoint: HtlcBasepoint::from(d(l.htlc_base_point)),
    }
}

fn peer_pubkeys(single: &Single) -> ChannelPublicKeys {
    let r = &single.remote_chan_cfg;
    ChannelPublicKeys {
        funding_pubkey: r.multisig_key,
        revocation_basepoint: RevocationBasepoint::from(r.revocation_base_point),
        payment_point: r.payment_base_point,
        delayed_payment_basepoint: DelayedPaymentBasepoint::from(r.delay_base_point),
        htlc_basepoint: HtlcBasepoint::from(r.htlc_base_point),
    }
}

/// The peer's commitment at `state`, built by LDK: the peer broadcasts, we
/// countersign; one offered HTLC so that an output is neither's balance.
fn ldk_peer_commitment(
    ring: &RootKeyRing,
    single: &Single,
    features: ChannelTypeFeatures,
    state: u64,
) -> Transaction {
    let secp = Secp256k1::new();
    let ours = our_pubkeys(ring, single);
    let peer = peer_pubkeys(single);
    let params = ChannelTransactionParameters {
        holder_pubkeys: peer.clone(),
        holder_selected_contest_delay: single.local_chan_cfg.csv_delay,
        is_outbound_from_holder: !single.is_initiator,
        counterparty_parameters: Some(CounterpartyChannelTransactionParameters {
            pubkeys: ours.clone(),
            selected_contest_delay: single.remote_chan_cfg.csv_delay,
        }),
        funding_outpoint: Some(lightning::chain::transaction::OutPoint {
            txid: single.funding_outpoint.txid,
            index: single.funding_outpoint.vout as u16,
        }),
        channel_type_features: features,
    };
    let peer_point = pk(20);
    let keys = TxCreationKeys::from_channel_static_keys(&peer_point, &peer, &ours, &secp);
    let mut htlcs = vec![(
        HTLCOutputInCommitment {
            offered: true,
            amount_msat: 50_000_000,
            cltv_expiry: 500_000,
            payment_hash: PaymentHash([7; 32]),
            transaction_output_index: None,
        },
        (),
    )];
    let c = CommitmentTransaction::new_with_auxiliary_htlc_data(
        INITIAL - state,
        549_000,
        400_000,
        peer.funding_pubkey,
        ours.funding_pubkey,
        keys,
        253,
        &mut htlcs,
        &params.as_holder_broadcastable(),
    );
    c.trust().built_transaction().transaction.clone()
}

fn dest() -> ScriptBuf {
    Address::p2wpkh(&CompressedPublicKey(pk(99)), bitcoin::Network::Regtest).script_pubkey()
}

fn options(anchors: bool) -> SweepOptions {
    SweepOptions {
        to: dest(),
        fee_rate_sat_per_vb: 3,
        include_anchors: anchors,
        allow_high_fee: false,
        remote_commit_points: Vec::new(),
        close_height: None,
    }
}

/// Sweeps `tx` and checks every input with the interpreter against `tx`'s
/// outputs; returns the kinds spent and the number not spendable.
fn sweep_and_check(
    ring: &RootKeyRing,
    single: &Single,
    tx: &Transaction,
    opts: &SweepOptions,
) -> (Vec<OutputKind>, usize) {
    let s = sweep(
        std::slice::from_ref(single),
        ring,
        std::slice::from_ref(tx),
        opts,
    )
    .unwrap_or_else(|e| panic!("{:?}: {e}", single.version));
    let spent: Vec<TxOut> = s
        .inputs
        .iter()
        .map(|i| tx.output[i.outpoint.vout as usize].clone())
        .collect();
    for i in 0..spent.len() {
        verify_input(&s.tx, &spent, i).unwrap_or_else(|e| panic!("{:?}: {e}", single.version));
    }
    assert_eq!(s.fee_sat, 3 * s.vsize);
    for (input, txin) in s.inputs.iter().zip(&s.tx.input) {
        if input.kind == OutputKind::ToRemote && input.csv_delay == Some(1) {
            assert_eq!(txin.sequence, Sequence::from_height(1));
        }
    }
    (
        s.inputs.iter().map(|i| i.kind).collect(),
        s.not_spendable.len(),
    )
}

#[test]
fn ldk_static_remote_key_peer_commitment_to_remote_is_swept() {
    for we_opened in [true, false] {
        let (ring, single) = channel(SingleVersion::Tweakless, we_opened);
        let tx = ldk_peer_commitment(
            &ring,
            &single,
            ChannelTypeFeatures::only_static_remote_key(),
            42,
        );
        // Outputs: our to_remote (P2WPKH, no tweak), the peer's to_local, the HTLC.
        assert_eq!(tx.output.len(), 3);
        let (kinds, not) = sweep_and_check(&ring, &single, &tx, &options(true));
        assert_eq!(kinds, [OutputKind::ToRemote]);
        assert_eq!(not, 2);
    }
}

#[test]
fn ldk_anchor_peer_commitment_to_remote_and_anchor_are_swept() {
    for version in [SingleVersion::Anchors, SingleVersion::AnchorsZeroFeeHtlcTx] {
        for we_opened in [true, false] {
            let (ring, single) = channel(version, we_opened);
            let tx = ldk_peer_commitment(
                &ring,
                &single,
                ChannelTypeFeatures::anchors_zero_htlc_fee_and_dependencies(),
                7,
            );
            assert_eq!(tx.output.len(), 5);
            let (mut kinds, not) = sweep_and_check(&ring, &single, &tx, &options(true));
            kinds.sort_by_key(|k| k.as_str());
            assert_eq!(kinds, [OutputKind::RemoteAnchor, OutputKind::ToRemote]);
            // The peer's to_local, its anchor, the HTLC.
            assert_eq!(not, 3);
            // Without --include-anchors the anchor is listed with the flag to use.
            let s = sweep(
                std::slice::from_ref(&single),
                &ring,
                std::slice::from_ref(&tx),
                &options(false),
            )
            .unwrap();
            assert_eq!(s.inputs.len(), 1);
            assert!(s
                .not_spendable
                .iter()
                .any(|n| n.reason.contains("--include-anchors")));
        }
    }
}

#[test]
fn legacy_peer_commitment_needs_its_commitment_point() {
    let secp = Secp256k1::new();
    let (ring, single) = channel(SingleVersion::Default, true);
    let mut tx = ldk_peer_commitment(
        &ring,
        &single,
        ChannelTypeFeatures::only_static_remote_key(),
        42,
    );
    // Version 0: the to_remote key is our payment base point tweaked with
    // the peer's per-commitment point (LDK's BOLT 3 tweak).
    let peer_point = pk(21);
    let our_payment = ring
        .derive_pubkey(single.local_chan_cfg.payment_base_point)
        .unwrap();
    let tweaked = DelayedPaymentKey::from_basepoint(
        &secp,
        &DelayedPaymentBasepoint::from(our_payment),
        &peer_point,
    )
    .to_public_key();
    let untweaked = ScriptBuf::new_p2wpkh(&CompressedPublicKey(our_payment).wpubkey_hash());
    let out = tx
        .output
        .iter_mut()
        .find(|o| o.script_pubkey == untweaked)
        .unwrap();
    out.script_pubkey = ScriptBuf::new_p2wpkh(&CompressedPublicKey(tweaked).wpubkey_hash());

    let err = sweep(
        std::slice::from_ref(&single),
        &ring,
        std::slice::from_ref(&tx),
        &options(false),
    )
    .unwrap_err();
    let SweepError::NothingSpendable { not_spendable } = err else {
        panic!("{err}")
    };
    assert!(
        not_spendable[0].reason.contains("--remote-commit-point"),
        "{not_spendable:?}"
    );
    let mut opts = options(false);
    opts.remote_commit_points = vec![pk(22), peer_point];
    let (kinds, _) = sweep_and_check(&ring, &single, &tx, &opts);
    assert_eq!(kinds, [OutputKind::ToRemote]);
}

/// lnd's taproot to_remote, written here from its script: NUMS internal
/// key, one leaf `<key> OP_CHECKSIG OP_1 OP_CSV OP_DROP` (versions 5, 6).
fn taproot_to_remote(key: &PublicKey) -> ScriptBuf {
    let secp = Secp256k1::new();
    let nums: PublicKey = "02dca094751109d0bd055d03565874e8276dd53e926b44e3bd1bb6bf4bc130a279"
        .parse()
        .unwrap();
    let leaf = bitcoin::script::Builder::new()
        .push_x_only_key(&key.x_only_public_key().0)
        .push_opcode(OP_CHECKSIG)
        .push_int(1)
        .push_opcode(OP_CSV)
        .push_opcode(OP_DROP)
        .into_script();
    let info = TaprootBuilder::new()
        .add_leaf(0, leaf)
        .unwrap()
        .finalize(&secp, nums.x_only_public_key().0)
        .unwrap();
    ScriptBuf::new_p2tr_tweaked(info.output_key())
}

#[test]
fn taproot_peer_commitment_to_remote_is_swept_by_script_path() {
    let (ring, mut single) = channel(SingleVersion::SimpleTaproot, true);
    // The state number travels in locktime and sequence exactly as for
    // other channels: borrow LDK's for state 5.
    let ldk = ldk_peer_commitment(
        &ring,
        &single,
        ChannelTypeFeatures::only_static_remote_key(),
        5,
    );
    let our_payment = ring
        .derive_pubkey(single.local_chan_cfg.payment_base_point)
        .unwrap();
    let mut tx = ldk.clone();
    tx.output = vec![
        TxOut {
            value: bitcoin::Amount::from_sat(400_000),
            script_pubkey: taproot_to_remote(&our_payment),
        },
        TxOut {
            value: bitcoin::Amount::from_sat(590_000),
            script_pubkey: dest(),
        },
        TxOut {
            value: bitcoin::Amount::from_sat(330),
            script_pubkey: taproot_anchor(&our_payment),
        },
    ];
    let (kinds, not) = sweep_and_check(&ring, &single, &tx, &options(true));
    assert_eq!(kinds, [OutputKind::ToRemote, OutputKind::RemoteAnchor]);
    assert_eq!(not, 1);
    // A taproot single whose shachain root is legacy still sweeps to_remote
    // (it needs no revocation root).
    single.shachain_root.pubkey = Some(pk(30));
    let (kinds, _) = sweep_and_check(&ring, &single, &tx, &options(false));
    assert_eq!(kinds, [OutputKind::ToRemote]);
}

/// lnd's taproot anchor in the peer's commitment, written here: internal
/// key our to_remote key (the payment base point), one leaf `OP_16 OP_CSV`;
/// we spend it by the key path.
fn taproot_anchor(key: &PublicKey) -> ScriptBuf {
    let secp = Secp256k1::new();
    let leaf = bitcoin::script::Builder::new()
        .push_int(16)
        .push_opcode(OP_CSV)
        .into_script();
    let info = TaprootBuilder::new()
        .add_leaf(0, leaf)
        .unwrap()
        .finalize(&secp, key.x_only_public_key().0)
        .unwrap();
    ScriptBuf::new_p2tr_tweaked(info.output_key())
}

/// LDK's BOLT 3 per-commitment secret generation equals the crate's
/// shachain (lnd's index counting down from 2^48 - 1).
#[test]
fn per_commitment_secrets_agree_with_ldk() {
    for (seed, n) in [
        ([0u8; 32], 0u64),
        ([0xffu8; 32], 1),
        ([3u8; 32], 42),
        ([9u8; 32], 1 << 40),
    ] {
        assert_eq!(
            *scb_rescue::lnd_shachain_at(&seed, n),
            build_commitment_secret(&seed, INITIAL - n),
            "{n}"
        );
    }
}

/// A peer commitment that also pays the peer's payment base point (what
/// the peer's to_remote in OUR commitment looks like) is still read as the
/// peer's: only our key can be in our to_remote.
#[test]
fn our_to_remote_decides_whose_commitment_it_is() {
    let (ring, single) = channel(SingleVersion::Tweakless, false);
    let mut tx = ldk_peer_commitment(
        &ring,
        &single,
        ChannelTypeFeatures::only_static_remote_key(),
        9,
    );
    tx.output.push(TxOut {
        value: bitcoin::Amount::from_sat(10_000),
        script_pubkey: ScriptBuf::new_p2wpkh(
            &CompressedPublicKey(single.remote_chan_cfg.payment_base_point).wpubkey_hash(),
        ),
    });
    let (kinds, not) = sweep_and_check(&ring, &single, &tx, &options(false));
    assert_eq!(kinds, [OutputKind::ToRemote]);
    assert_eq!(not, 3);
}
