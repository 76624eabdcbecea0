//! Criterion benchmark of `scb-rescue`'s sweep: one sweep of 1,000 outputs
//! (a large node's closed channels: the peer's commitment of each of 1,000
//! channels, half static-remote-key P2WPKH, half anchor P2WSH `to_remote`),
//! found by rebuilding scripts from keys derived from the seed, signed, fee
//! fixed on the exact signed weight and every input checked by Bitcoin
//! Core's interpreter: the whole of `scb_rescue::sweep`.
//!
//! Run: `cargo bench -p scb-benches --bench rescue -- --warm-up-time 1 --measurement-time 10`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use bitcoin::absolute::LockTime;
use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::opcodes::all::{OP_CHECKSIGVERIFY, OP_CSV, OP_PUSHNUM_1};
use bitcoin::script::Builder;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, CompressedPublicKey, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid,
    Witness,
};
use criterion::{criterion_group, criterion_main, Criterion};
use scb_crypto::{KeyRing, Network, RootKeyRing};
use scb_rescue::{sweep, SweepOptions};
use scb_wire::{Single, SingleVersion};

const CHANNELS: u32 = 1_000;

/// The peer's commitment of channel `single` at state `n`, paying us
/// `value` at our (untweaked) payment base point.
fn peer_commitment(ring: &RootKeyRing, single: &Single, n: u64, value: u64) -> Transaction {
    let ours = ring
        .derive_pubkey(single.local_chan_cfg.payment_base_point)
        .unwrap();
    let theirs = single.remote_chan_cfg.payment_base_point;
    let (opener, accepter) = if single.is_initiator {
        (ours, theirs)
    } else {
        (theirs, ours)
    };
    let mut e = sha256::Hash::engine();
    e.input(&opener.serialize());
    e.input(&accepter.serialize());
    let h = sha256::Hash::from_engine(e).to_byte_array();
    let mut f = [0u8; 8];
    f[2..].copy_from_slice(&h[26..]);
    let obscured = n ^ u64::from_be_bytes(f);
    let to_remote = if single.version == SingleVersion::Tweakless {
        ScriptBuf::new_p2wpkh(&CompressedPublicKey(ours).wpubkey_hash())
    } else {
        let script = Builder::new()
            .push_slice(ours.serialize())
            .push_opcode(OP_CHECKSIGVERIFY)
            .push_opcode(OP_PUSHNUM_1)
            .push_opcode(OP_CSV)
            .into_script();
        ScriptBuf::new_p2wsh(&script.wscript_hash())
    };
    Transaction {
        version: Version::TWO,
        lock_time: LockTime::from_consensus((0x20 << 24) | (obscured as u32 & 0x00ff_ffff)),
        input: vec![TxIn {
            previous_output: single.funding_outpoint,
            script_sig: ScriptBuf::new(),
            sequence: Sequence((0x80 << 24) | ((obscured >> 24) as u32 & 0x00ff_ffff)),
            witness: Witness::new(),
        }],
        output: vec![
            TxOut {
                value: Amount::from_sat(value),
                script_pubkey: to_remote,
            },
            TxOut {
                value: Amount::from_sat(500_000),
                // The peer's to_local (its keys are not rebuilt here).
                script_pubkey: ScriptBuf::new_p2wsh(&bitcoin::WScriptHash::hash(&n.to_le_bytes())),
            },
        ],
    }
}

fn setup() -> (RootKeyRing, Vec<Single>, Vec<Transaction>, SweepOptions) {
    let ring = RootKeyRing::from_seed(&[7u8; 32], Network::Regtest).unwrap();
    let mut singles = Vec::new();
    let mut txs = Vec::new();
    for i in 0..CHANNELS {
        let mut s = scb_benches::sample_single(i);
        s.version = if i % 2 == 0 {
            SingleVersion::Tweakless
        } else {
            SingleVersion::AnchorsZeroFeeHtlcTx
        };
        s.is_initiator = i % 3 == 0;
        s.lease_expiry = None;
        s.close_tx_inputs = None;
        s.shachain_root.pubkey = None;
        s.funding_outpoint = OutPoint::new(Txid::from_byte_array([(i % 251) as u8; 32]), i);
        txs.push(peer_commitment(
            &ring,
            &s,
            u64::from(i) + 1,
            100_000 + u64::from(i),
        ));
        singles.push(s);
    }
    let secp = Secp256k1::new();
    let dest = PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[9u8; 32]).unwrap());
    let options = SweepOptions {
        to: ScriptBuf::new_p2wpkh(&CompressedPublicKey(dest).wpubkey_hash()),
        fee_rate_sat_per_vb: 2,
        include_anchors: false,
        allow_high_fee: false,
        remote_commit_points: Vec::new(),
        close_height: None,
    };
    (ring, singles, txs, options)
}

fn bench_sweep(c: &mut Criterion) {
    let (ring, singles, txs, options) = setup();
    let once = sweep(&singles, &ring, &txs, &options).unwrap();
    assert_eq!(once.inputs.len(), CHANNELS as usize);
    eprintln!(
        "sweep of {} outputs: vsize {} vB, fee {} sat",
        once.inputs.len(),
        once.vsize,
        once.fee_sat
    );
    // CPU time beside criterion's wall time: the process's user + system
    // time, every thread (Linux `/proc/self/stat`), over 5 sweeps.
    if let Some(before) = process_cpu_ns() {
        let wall = std::time::Instant::now();
        for _ in 0..5 {
            black_box(sweep(&singles, &ring, &txs, &options).unwrap());
        }
        let wall = wall.elapsed().as_secs_f64() / 5.0;
        if let Some(after) = process_cpu_ns() {
            eprintln!(
                "sweep of 1,000 outputs: {:.1} ms CPU, {:.1} ms wall per sweep (mean of 5)",
                Duration::from_nanos(after - before).as_secs_f64() * 1e3 / 5.0,
                wall * 1e3
            );
        }
    }
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("1000_outputs_found_signed_checked", |b| {
        b.iter(|| black_box(sweep(&singles, &ring, &txs, &options).unwrap()));
    });
    g.finish();
}

/// The process's user + system CPU time in nanoseconds (all threads,
/// finished ones included), where Linux tells it; 10 ms resolution.
fn process_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ")".
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ")".
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(ticks * 10_000_000)
}

criterion_group!(benches, bench_sweep);
criterion_main!(benches);
