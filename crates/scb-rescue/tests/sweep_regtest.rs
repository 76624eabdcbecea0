//! `sweep` on the seven backups a real lnd wrote
//! (`../shared/vectors/chantools-regtest/`): after the force close, our
//! `to_local` in the real commitment is found by its script rebuilt from
//! derived keys, and its sweep (and the anchors') passes Bitcoin Core's
//! interpreter; bad input is refused with a clear error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod regtest;

use std::path::Path;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{Address, Amount, CompressedPublicKey, OutPoint, ScriptBuf, Sequence, TxOut};
use scb_crypto::{Network, RootKeyRing};
use scb_rescue::{sign_commitment, sweep, verify_input, OutputKind, SweepError, SweepOptions};
use scb_wire::Single;
use serde_json::Value;

use regtest::open_case;

fn dest() -> ScriptBuf {
    let secp = Secp256k1::new();
    let pk = PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[9u8; 32]).unwrap());
    Address::p2wpkh(&CompressedPublicKey(pk), bitcoin::Network::Regtest).script_pubkey()
}

fn options(rate: u64, anchors: bool) -> SweepOptions {
    SweepOptions {
        to: dest(),
        fee_rate_sat_per_vb: rate,
        include_anchors: anchors,
        allow_high_fee: false,
        remote_commit_points: Vec::new(),
        close_height: Some(1000),
    }
}

fn cases(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// Sweeps every case's to_local (and, second round, its anchor); returns
/// how many sweeps verified.
fn check_cases(path: &Path) -> usize {
    let mut swept = 0;
    for case in cases(path) {
        let name = case["name"].as_str().unwrap();
        let (ring, singles) = open_case(&case);
        let single = &singles[0];
        let signed = sign_commitment(single, &ring).unwrap();
        let commitment_to_local = signed
            .outputs
            .iter()
            .find(|o| o.kind == OutputKind::ToLocal)
            .cloned();
        let result = sweep(
            &singles,
            &ring,
            std::slice::from_ref(&signed.tx),
            &options(2, false),
        );
        let Some(to_local) = commitment_to_local else {
            // The custom channel's balance outputs carry leaves the backup lacks.
            assert_eq!(name, "custom_channel");
            let err = result.unwrap_err();
            let SweepError::NothingSpendable { not_spendable } = &err else {
                panic!("{name}: {err}")
            };
            assert_eq!(not_spendable.len(), signed.tx.output.len(), "{name}");
            continue;
        };
        let s = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let csv = single.local_chan_cfg.csv_delay;
        // Exactly our to_local: the real commitment's script equals the one
        // rebuilt from derived keys.
        assert_eq!(s.inputs.len(), 1, "{name}");
        let input = &s.inputs[0];
        assert_eq!(input.kind, OutputKind::ToLocal, "{name}");
        assert_eq!(input.script_pubkey, to_local.script_pubkey, "{name}");
        assert_eq!(
            input.outpoint,
            OutPoint::new(signed.tx.compute_txid(), to_local.index),
            "{name}"
        );
        assert_eq!(input.csv_delay, Some(csv), "{name}");
        assert_eq!(input.earliest_height, Some(1000 + u32::from(csv)), "{name}");
        assert_eq!(s.tx.input[0].sequence, Sequence::from_height(csv), "{name}");
        assert_eq!(s.tx.version, bitcoin::transaction::Version::TWO);
        // Fee: the rate on the exact signed size.
        assert_eq!(s.fee_sat, 2 * s.tx.vsize() as u64, "{name}");
        assert_eq!(s.output_value_sat + s.fee_sat, to_local.value_sat, "{name}");
        // The referee, independently of the sweep's own check.
        let spent = [signed.tx.output[to_local.index as usize].clone()];
        verify_input(&s.tx, &spent, 0).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The other outputs are reported: the peer's, and our anchor.
        assert_eq!(s.not_spendable.len(), signed.tx.output.len() - 1, "{name}");
        assert!(
            s.not_spendable
                .iter()
                .any(|n| n.reason.contains("--include-anchors")),
            "{name}: {:?}",
            s.not_spendable
        );
        // The PSBT carries the same transaction, finalized, with the amount
        // each input spends.
        assert_eq!(
            s.psbt.inputs[0].witness_utxo.as_ref(),
            Some(&spent[0]),
            "{name}"
        );
        let extracted = s.psbt.clone().extract_tx().unwrap();
        assert_eq!(extracted, s.tx, "{name}");

        // With the anchors.
        let s = sweep(
            &singles,
            &ring,
            std::slice::from_ref(&signed.tx),
            &options(2, true),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.inputs.len(), 2, "{name}");
        assert!(s.inputs.iter().any(|i| i.kind == OutputKind::LocalAnchor));
        let spent: Vec<TxOut> = s
            .inputs
            .iter()
            .map(|i| signed.tx.output[i.outpoint.vout as usize].clone())
            .collect();
        for i in 0..spent.len() {
            verify_input(&s.tx, &spent, i).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        swept += 1;
    }
    swept
}

fn bundled() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chantools-regtest-cases.json")
}

#[test]
fn bundled_chantools_backups_sweep_to_local_after_force_close() {
    assert_eq!(check_cases(&bundled()), 6);
}

#[scb_testkit::requires(vectors)]
#[test]
fn shared_chantools_backups_sweep_to_local_after_force_close() {
    let path = scb_testkit::vectors_dir().join("chantools-regtest/cases.json");
    assert_eq!(check_cases(&path), 6);
}

/// The first case whose commitment has a to_local.
fn first() -> (RootKeyRing, Vec<Single>, bitcoin::Transaction) {
    let case = cases(&bundled()).into_iter().next().unwrap();
    let (ring, singles) = open_case(&case);
    let tx = sign_commitment(&singles[0], &ring).unwrap().tx;
    (ring, singles, tx)
}

#[test]
fn refuses_fee_rates_of_zero_and_above_ten_thousand() {
    let (ring, singles, tx) = first();
    for rate in [0, 10_001, u64::MAX] {
        let err = sweep(
            &singles,
            &ring,
            std::slice::from_ref(&tx),
            &options(rate, false),
        )
        .unwrap_err();
        assert!(matches!(err, SweepError::FeeRate { .. }), "{err}");
    }
    assert!(sweep(&singles, &ring, &[tx], &options(10_000, false))
        .is_err_and(|e| matches!(e, SweepError::HighFee { .. } | SweepError::Dust { .. })));
}

#[test]
fn refuses_a_transaction_that_closes_no_channel_of_the_backup() {
    let (ring, singles, mut tx) = first();
    tx.input[0].previous_output.vout ^= 1;
    let err = sweep(&singles, &ring, &[tx], &options(2, false)).unwrap_err();
    assert!(matches!(err, SweepError::NotACommitment { .. }), "{err}");
    assert!(
        err.to_string().contains("not a closing transaction"),
        "{err}"
    );
}

#[test]
fn refuses_a_transaction_or_a_channel_named_twice() {
    let (ring, singles, tx) = first();
    let err = sweep(
        &singles,
        &ring,
        &[tx.clone(), tx.clone()],
        &options(2, false),
    )
    .unwrap_err();
    assert!(matches!(err, SweepError::NamedTwice { .. }), "{err}");
    let mut other = tx.clone();
    other.output.pop();
    let err = sweep(&singles, &ring, &[tx, other], &options(2, false)).unwrap_err();
    assert!(
        err.to_string().contains("only one of them can confirm"),
        "{err}"
    );
}

#[test]
fn refuses_dust_and_high_fees_unless_allowed() {
    let (ring, singles, tx) = first();
    // Anchors alone: 330 sat cannot pay for themselves at 10 sat/vB.
    let mut anchors_only = tx.clone();
    anchors_only
        .output
        .retain(|o| o.value == Amount::from_sat(330));
    let err = sweep(&singles, &ring, &[anchors_only], &options(10, true)).unwrap_err();
    assert!(
        matches!(err, SweepError::Dust { .. } | SweepError::HighFee { .. }),
        "{err}"
    );
    let mut high = options(10_000, false);
    let err = sweep(&singles, &ring, std::slice::from_ref(&tx), &high).unwrap_err();
    assert!(matches!(err, SweepError::HighFee { .. }), "{err}");
    high.allow_high_fee = true;
    let s = sweep(&singles, &ring, &[tx], &high).unwrap();
    assert_eq!(s.fee_sat, 10_000 * s.vsize);
}

#[test]
fn nothing_ours_in_a_transaction_is_an_error_listing_every_output() {
    let (ring, singles, mut tx) = first();
    for o in &mut tx.output {
        o.script_pubkey = dest();
    }
    let err = sweep(
        &singles,
        &ring,
        std::slice::from_ref(&tx),
        &options(2, true),
    )
    .unwrap_err();
    let SweepError::NothingSpendable { not_spendable } = err else {
        panic!("{err}")
    };
    assert_eq!(not_spendable.len(), tx.output.len());
    assert!(not_spendable.iter().all(|n| !n.reason.is_empty()));
}

#[test]
fn a_wrong_seed_finds_nothing() {
    let (_, singles, tx) = first();
    let other = RootKeyRing::from_seed(&[1u8; 32], Network::Regtest).unwrap();
    let err = sweep(&singles, &other, &[tx], &options(2, true)).unwrap_err();
    assert!(matches!(err, SweepError::NothingSpendable { .. }), "{err}");
}

#[test]
fn addresses_of_another_network_or_invalid_are_refused() {
    let regtest = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    assert!(scb_rescue::destination(regtest, Network::Regtest).is_ok());
    for (addr, net) in [
        (regtest, Network::Mainnet),
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            Network::Testnet,
        ),
        ("not-an-address", Network::Regtest),
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            Network::Mainnet,
        ),
    ] {
        let err = scb_rescue::destination(addr, net).unwrap_err();
        assert!(matches!(err, SweepError::Address { .. }), "{err}");
    }
}

/// lnd's `LeaseCommitScriptToRemoteConfirmed`, written here from its script:
/// `<key> OP_CHECKSIGVERIFY <lease> OP_CLTV OP_DROP 1 OP_CSV`.
fn lease_to_remote(key: &PublicKey, lease: u32) -> ScriptBuf {
    use bitcoin::opcodes::all::{OP_CHECKSIGVERIFY, OP_CLTV, OP_CSV, OP_DROP};
    let script = bitcoin::script::Builder::new()
        .push_slice(key.serialize())
        .push_opcode(OP_CHECKSIGVERIFY)
        .push_int(i64::from(lease))
        .push_opcode(OP_CLTV)
        .push_opcode(OP_DROP)
        .push_int(1)
        .push_opcode(OP_CSV)
        .into_script();
    ScriptBuf::new_p2wsh(&script.wscript_hash())
}

/// In a script-enforced lease channel we opened, the peer's commitment pays
/// our to_remote behind the lease's CLTV as well as 1 block: the sweep's
/// locktime is the lease expiry and the interpreter accepts it.
#[test]
fn lease_to_remote_in_the_peers_commitment_waits_for_the_lease() {
    let case = cases(&bundled())
        .into_iter()
        .find(|c| c["name"] == "script_enforced_lease")
        .unwrap();
    let (ring, singles) = open_case(&case);
    let single = &singles[0];
    assert!(single.is_initiator);
    let lease = single.lease_expiry.unwrap();
    // The state travels in locktime and sequence: the real commitment's.
    let mut tx = sign_commitment(single, &ring).unwrap().tx;
    let ours = scb_crypto::KeyRing::derive_pubkey(&ring, single.local_chan_cfg.payment_base_point)
        .unwrap();
    tx.output = vec![
        TxOut {
            value: Amount::from_sat(700_000),
            script_pubkey: lease_to_remote(&ours, lease),
        },
        TxOut {
            value: Amount::from_sat(300_000),
            script_pubkey: dest(),
        },
    ];
    for w in &mut tx.input {
        w.witness = bitcoin::Witness::new();
    }
    let s = sweep(
        &singles,
        &ring,
        std::slice::from_ref(&tx),
        &options(2, false),
    )
    .unwrap();
    assert_eq!(s.inputs.len(), 1);
    assert_eq!(s.inputs[0].kind, OutputKind::ToRemote);
    assert_eq!(s.inputs[0].cltv_expiry, Some(lease));
    assert_eq!(s.inputs[0].earliest_height, Some(1001.max(lease + 1)));
    assert_eq!(s.tx.lock_time.to_consensus_u32(), lease);
    assert_eq!(s.tx.input[0].sequence, Sequence::from_height(1));
    verify_input(&s.tx, &[tx.output[0].clone()], 0).unwrap();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Arbitrary closing transactions of a real channel (locktime, sequence,
    /// outputs taken from its commitment or made up, any values,
    /// fee rates across the range) never panic the sweep, and whatever it
    /// returns passes the interpreter input by input.
    #[test]
    fn arbitrary_closing_transactions_never_panic(
        lock in proptest::prelude::any::<u32>(),
        seq in proptest::prelude::any::<u32>(),
        keep_lock in proptest::prelude::any::<bool>(),
        picks in proptest::collection::vec((0usize..8, proptest::prop_oneof![0u64..2_100_000_000_000_000, proptest::prelude::any::<u64>()]), 0..6),
        rate in 0u64..12_000,
        anchors in proptest::prelude::any::<bool>(),
    ) {
        let (ring, singles, real) = first();
        let mut tx = real.clone();
        if !keep_lock {
            tx.lock_time = bitcoin::absolute::LockTime::from_consensus(lock);
            tx.input[0].sequence = Sequence(seq);
        }
        tx.output = picks
            .iter()
            .map(|(i, v)| TxOut {
                value: Amount::from_sat(*v),
                script_pubkey: real
                    .output
                    .get(*i)
                    .map_or_else(dest, |o| o.script_pubkey.clone()),
            })
            .collect();
        let mut opts = options(rate, anchors);
        opts.allow_high_fee = rate % 2 == 0;
        if let Ok(s) = sweep(&singles, &ring, std::slice::from_ref(&tx), &opts) {
            let spent: Vec<TxOut> = s
                .inputs
                .iter()
                .map(|i| tx.output[i.outpoint.vout as usize].clone())
                .collect();
            for i in 0..spent.len() {
                proptest::prop_assert!(verify_input(&s.tx, &spent, i).is_ok());
            }
            proptest::prop_assert_eq!(s.fee_sat + s.output_value_sat, spent.iter().map(|o| o.value.to_sat()).sum::<u64>());
        }
    }
}
