//! The self-check and the refusals: a flipped signature byte, a wrong
//! amount or a wrong key never passes; bad inputs are typed errors naming
//! the channel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::OnceLock;

use bitcoin::hex::FromHex;
use bitcoin::{Amount, OutPoint, TxOut};
use proptest::prelude::*;
use scb_crypto::{BackupKey, Network, RootKeyRing};
use scb_rescue::{sign_commitment, verify_input, RescueError, SignedCommitment};
use scb_wire::Single;
use serde_json::Value;

struct Case {
    name: String,
    ring: RootKeyRing,
    single: Single,
    signed: SignedCommitment,
}

fn hex(s: &str) -> Vec<u8> {
    Vec::<u8>::from_hex(s).unwrap()
}

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/chantools-regtest-cases.json");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|case| {
                let network: Network = case["network"].as_str().unwrap().parse().unwrap();
                let ring = match case["bip32_seed"].as_str() {
                    Some(seed) => RootKeyRing::from_seed(&hex(seed), network).unwrap(),
                    None => RootKeyRing::from_xprv_str(case["rootkey"].as_str().unwrap(), network)
                        .unwrap(),
                };
                let key = BackupKey::derive(&ring).unwrap();
                let packed = hex(case["packed_hex"].as_str().unwrap());
                let single = if case["kind"] == "packed_single" {
                    scb_crypto::unpack_single(&packed, &key).unwrap()
                } else {
                    scb_crypto::unpack_multi(&packed, &key)
                        .unwrap()
                        .singles
                        .remove(0)
                };
                let signed = sign_commitment(&single, &ring).unwrap();
                Case {
                    name: case["name"].as_str().unwrap().to_owned(),
                    ring,
                    single,
                    signed,
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_flipped_signature_byte_never_verifies(case in 0usize..7, item in 0usize..3, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let c = &cases()[case];
        let mut tx = c.signed.tx.clone();
        let mut items: Vec<Vec<u8>> = tx.input[0].witness.iter().map(<[u8]>::to_vec).collect();
        // The signatures: the single taproot one, or the two ECDSA ones (items 1 and 2).
        let sig_items: Vec<usize> = if items.len() == 1 { vec![0] } else { vec![1, 2] };
        let target = sig_items[item % sig_items.len()];
        let i = pos.index(items[target].len());
        items[target][i] ^= 1 << bit;
        tx.input[0].witness = bitcoin::Witness::from_slice(&items);
        prop_assert!(verify_input(&tx, std::slice::from_ref(&c.signed.funding.txout), 0).is_err(), "{}", c.name);
    }

    #[test]
    fn a_wrong_amount_never_verifies(case in 0usize..7, delta in 1u64..=1_000_000, up in any::<bool>()) {
        let c = &cases()[case];
        let value = c.signed.funding.txout.value.to_sat();
        let wrong = if up { value + delta } else { value.saturating_sub(delta) };
        let spent = TxOut { value: Amount::from_sat(wrong), ..c.signed.funding.txout.clone() };
        prop_assert!(verify_input(&c.signed.tx, &[spent], 0).is_err(), "{}", c.name);
    }

    #[test]
    fn a_wrong_key_never_signs(case in 0usize..7, seed in any::<[u8; 32]>()) {
        let c = &cases()[case];
        let ring = RootKeyRing::from_seed(&seed, Network::Regtest).unwrap();
        let err = sign_commitment(&c.single, &ring).unwrap_err();
        prop_assert!(matches!(err, RescueError::WrongKey { .. }), "{}: {err}", c.name);
    }

    #[test]
    fn a_damaged_peer_signature_never_signs(case in 0usize..7, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let c = &cases()[case];
        let mut single = c.single.clone();
        let close = single.close_tx_inputs.as_mut().unwrap();
        let i = pos.index(close.commit_sig.len());
        close.commit_sig[i] ^= 1 << bit;
        prop_assert!(sign_commitment(&single, &c.ring).is_err(), "{}", c.name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the close-tx inputs hold, signing returns a result (an error
    /// for anything the peer did not sign), never a panic.
    #[test]
    fn arbitrary_close_tx_inputs_never_panic(
        case in 0usize..7,
        version in 0u8..8,
        inputs in 0usize..3,
        lock in any::<u32>(),
        sequence in any::<u32>(),
        sig in prop::collection::vec(any::<u8>(), 0..120),
        height in prop::option::of(any::<u64>()),
        root in prop::option::of(any::<[u8; 32]>()),
    ) {
        let c = &cases()[case];
        let mut single = c.single.clone();
        single.version = scb_wire::SingleVersion::ALL[usize::from(version)];
        let close = single.close_tx_inputs.as_mut().unwrap();
        let template = close.commit_tx.input[0].clone();
        close.commit_tx.input = vec![template; inputs];
        close.commit_tx.lock_time = bitcoin::absolute::LockTime::from_consensus(lock);
        for i in &mut close.commit_tx.input {
            i.sequence = bitcoin::Sequence(sequence);
        }
        close.commit_sig = sig;
        close.commit_height = height;
        close.tapscript_root = root;
        let _ = sign_commitment(&single, &c.ring);
    }
}

#[test]
fn signing_is_deterministic_and_repeats_the_verified_transaction() {
    for c in cases() {
        assert_eq!(
            sign_commitment(&c.single, &c.ring).unwrap(),
            c.signed,
            "{}",
            c.name
        );
    }
}

#[test]
fn wrong_seed_error_names_the_channel_and_the_key() {
    let c = &cases()[0];
    let ring = RootKeyRing::from_seed(&[9u8; 32], Network::Regtest).unwrap();
    let msg = sign_commitment(&c.single, &ring).unwrap_err().to_string();
    assert!(
        msg.contains(&c.single.funding_outpoint.to_string()),
        "{msg}"
    );
    assert!(msg.contains("is not in the funding script"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
fn a_single_without_close_tx_inputs_is_refused() {
    let c = &cases()[0];
    let mut single = c.single.clone();
    single.close_tx_inputs = None;
    let err = sign_commitment(&single, &c.ring).unwrap_err();
    assert!(matches!(err, RescueError::NoCloseTxInputs { .. }), "{err}");
}

#[test]
fn a_taproot_single_with_a_shachain_public_key_is_refused() {
    let c = cases()
        .iter()
        .find(|c| c.single.version.is_taproot())
        .unwrap();
    let mut single = c.single.clone();
    single.shachain_root.pubkey = Some(single.remote_node_pub);
    let err = sign_commitment(&single, &c.ring).unwrap_err();
    assert!(
        matches!(err, RescueError::TaprootLegacyShachain { .. }),
        "{err}"
    );
}

#[test]
fn a_commitment_not_spending_the_funding_outpoint_is_refused() {
    for c in cases() {
        let mut single = c.single.clone();
        let close = single.close_tx_inputs.as_mut().unwrap();
        close.commit_tx.input[0].previous_output = OutPoint {
            vout: close.commit_tx.input[0].previous_output.vout + 1,
            ..close.commit_tx.input[0].previous_output
        };
        let err = sign_commitment(&single, &c.ring).unwrap_err();
        assert!(
            matches!(err, RescueError::WrongFundingInput { .. }),
            "{}: {err}",
            c.name
        );
    }
}

#[test]
fn a_changed_commitment_output_is_refused() {
    // The peer signed the transaction: any change breaks its signature.
    for c in cases() {
        let mut single = c.single.clone();
        let close = single.close_tx_inputs.as_mut().unwrap();
        close.commit_tx.output[0].value += Amount::from_sat(1);
        assert!(sign_commitment(&single, &c.ring).is_err(), "{}", c.name);
    }
}
