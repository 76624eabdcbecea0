//! Criterion benchmarks of `scb-cln` (Core Lightning's `emergency.recover`):
//! open (decrypt + decode) and seal (encode + encrypt) of files of 1, 100 and
//! 1,000 channels, decode alone, the secretstream alone (the floor), and the
//! key schedule from each `hsm_secret` form (HKDF; BIP39's PBKDF2; Argon2id).
//!
//! Run: `cargo bench -p scb-benches --bench cln -- --warm-up-time 1 --measurement-time 3`.
//! The channels are the four of the `mixed_addresses` vector (every address
//! kind; TLVs present, absent, partial), repeated with distinct outpoints.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use bitcoin::hex::FromHex;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand_core::OsRng;
use scb_cln::{Backup, HsmSecret, ScbKey, Tag};
use serde_json::Value;

const CASES: &str = include_str!("../../crates/scb-cln/tests/fixtures/cases.json");
const SIZES: [usize; 3] = [1, 100, 1_000];

fn case(name: &str) -> Value {
    let v: Value = serde_json::from_str(CASES).unwrap();
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

fn hsm(c: &Value) -> HsmSecret {
    HsmSecret::from_bytes(&Vec::from_hex(c["hsm"]["hsm_secret_hex"].as_str().unwrap()).unwrap())
        .unwrap()
}

fn sample(n: usize) -> (Backup, ScbKey) {
    let c = case("mixed_addresses");
    let key = hsm(&c).secret_data(None).unwrap().scb_key();
    let base = scb_cln::open(
        &Vec::from_hex(c["file_hex"].as_str().unwrap()).unwrap(),
        &key,
    )
    .unwrap();
    let channels = (0..n)
        .map(|i| {
            let mut ch = base.channels[i % base.channels.len()].clone();
            ch.funding_outpoint.vout = i as u32;
            ch
        })
        .collect();
    (Backup { channels, ..base }, key)
}

fn open_seal(c: &mut Criterion) {
    for n in SIZES {
        let (backup, key) = sample(n);
        let file = scb_cln::seal(&backup, &key, &mut OsRng).unwrap();
        let plaintext = backup.to_bytes().unwrap();
        eprintln!("{n} channels: {} file bytes", file.len());
        let mut g = c.benchmark_group("cln");
        g.throughput(Throughput::Bytes(file.len() as u64));
        g.bench_with_input(BenchmarkId::new("open", n), &file, |b, f| {
            b.iter(|| scb_cln::open(black_box(f), &key).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("seal", n), &backup, |b, bk| {
            b.iter(|| scb_cln::seal(black_box(bk), &key, &mut OsRng).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("decode", n), &plaintext, |b, p| {
            b.iter(|| Backup::decode(black_box(p)).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("decrypt_only", n), &file, |b, f| {
            b.iter(|| scb_cln::decrypt(black_box(f), &key).unwrap());
        });
        g.bench_with_input(
            BenchmarkId::new("floor_seal_plaintext", n),
            &plaintext,
            |b, p| {
                b.iter(|| {
                    scb_cln::seal_plaintext(black_box(p), &key, Tag::Message, &mut OsRng).unwrap()
                });
            },
        );
        g.finish();
    }
}

fn key_schedule(c: &mut Criterion) {
    let mut g = c.benchmark_group("cln_key");
    let plain = hsm(&case("empty"));
    g.bench_function("plain_hsm_secret (2 x HKDF-SHA256)", |b| {
        b.iter(|| black_box(plain.secret_data(None).unwrap().scb_key()));
    });
    let mnemonic = hsm(&case("mnemonic_hsm_secret"));
    g.bench_function("mnemonic_hsm_secret (BIP39 PBKDF2 2048 + HKDF)", |b| {
        b.iter(|| black_box(mnemonic.secret_data(None).unwrap().scb_key()));
    });
    let enc_case = case("encrypted_hsm_secret");
    let enc = hsm(&enc_case);
    let pass = enc_case["hsm"]["passphrase"].as_str().unwrap().to_owned();
    g.sample_size(10);
    g.bench_function("encrypted_hsm_secret (Argon2id 256 MiB, 3 passes)", |b| {
        b.iter(|| black_box(enc.secret_data(Some(&pass)).unwrap().scb_key()));
    });
    g.finish();
}

criterion_group!(benches, open_seal, key_schedule);
criterion_main!(benches);
