//! Criterion benchmarks of `scb-crypto`: pack and unpack multis of 1, 100,
//! 1,000 and 10,000 channels, decryption alone, the raw XChaCha20-Poly1305
//! throughput on the same byte counts (the floor), and key derivation.
//!
//! Run: `cargo bench -p scb-benches --bench crypto -- --warm-up-time 1 --measurement-time 3`.
//! The channels are the 16 singles of lnd's `channel.backup` vector, repeated
//! with distinct funding outpoints (about 530 plaintext bytes per channel;
//! lnd's own 10,000-channel figure is 6.6 MB, 660 bytes per channel).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scb_crypto::{
    pack_multi, unpack_multi, AccountXpubKeyRing, BackupKey, Network, OsRng, RootKeyRing,
};
use scb_wire::Multi;

const TPRV: &str = "tprv8ZgxMBicQKsPd14zvYbb8EfSTCv57Bj4mppgAGgrSKuKiDQ1DRnv7BwJhQNWLRyPGZBWQuRNsH5LpDyyaK5iLrRgz9VhXu3mvjRtAFPfX4q";
const FILE: &[u8] = include_bytes!("../../crates/scb-crypto/tests/fixtures/channel.backup");
const SIZES: [usize; 4] = [1, 100, 1_000, 10_000];

fn key() -> BackupKey {
    BackupKey::from_xprv_str(TPRV, Network::Testnet).unwrap()
}

/// A multi of `n` channels made from the vector's 16 singles.
fn sample(n: usize) -> Multi {
    let base = unpack_multi(FILE, &key()).unwrap().singles;
    let singles = (0..n)
        .map(|i| {
            let mut s = base[i % base.len()].clone();
            s.funding_outpoint.vout = (i / base.len()) as u32 % 65_536;
            s
        })
        .collect();
    Multi { singles }
}

fn pack_unpack(c: &mut Criterion) {
    let key = key();
    for n in SIZES {
        let multi = sample(n);
        let packed = pack_multi(&multi, &key, &mut OsRng).unwrap();
        let bytes = packed.len() as u64;
        eprintln!("{n} channels: {bytes} packed bytes");

        let mut g = c.benchmark_group("crypto");
        g.throughput(Throughput::Bytes(bytes));
        if n >= 1_000 {
            g.sample_size(20);
        }
        g.bench_with_input(BenchmarkId::new("pack_multi", n), &multi, |b, m| {
            b.iter(|| pack_multi(black_box(m), &key, &mut OsRng).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("unpack_multi", n), &packed, |b, p| {
            b.iter(|| unpack_multi(black_box(p.as_bytes()), &key).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("decrypt_only", n), &packed, |b, p| {
            b.iter(|| key.decrypt(black_box(p.as_bytes())).unwrap());
        });
        // The floor: the AEAD alone, in place, on the same number of bytes.
        let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
        let nonce = XNonce::from([7u8; 24]);
        let mut buf = vec![0u8; packed.len() - scb_crypto::OVERHEAD];
        g.bench_function(BenchmarkId::new("raw_xchacha20poly1305_encrypt", n), |b| {
            b.iter(|| {
                cipher
                    .encrypt_in_place_detached(&nonce, &nonce, black_box(&mut buf))
                    .unwrap()
            });
        });
        g.finish();
    }
}

fn derivation(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto");
    g.bench_function("derive_backup_key_from_tprv", |b| {
        b.iter(|| BackupKey::from_xprv_str(black_box(TPRV), Network::Testnet).unwrap());
    });
    let root = RootKeyRing::from_xprv_str(TPRV, Network::Testnet).unwrap();
    g.bench_function("derive_backup_key_from_root_ring", |b| {
        b.iter(|| BackupKey::derive(black_box(&root)).unwrap());
    });
    let xpub = AccountXpubKeyRing::new(root.account_xpub(7).unwrap(), 7).unwrap();
    g.bench_function("derive_backup_key_from_account_xpub", |b| {
        b.iter(|| BackupKey::derive(black_box(&xpub)).unwrap());
    });
    g.finish();
}

criterion_group!(benches, pack_unpack, derivation);
criterion_main!(benches);
