//! Criterion benchmarks of `scb-wire`: one single's encode and decode (with
//! and without close-tx inputs), and multi encode/decode of 1, 100, 1,000
//! and 10,000 channels made by `scb_benches::sample_multi`.
//!
//! Run: `cargo bench -p scb-benches --bench wire -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scb_benches::{sample_multi, sample_single};
use scb_wire::{Multi, Single};

fn single(c: &mut Criterion) {
    let mut g = c.benchmark_group("single");
    // 2: version 2 without close-tx inputs; 3: version 3 with them.
    for (name, i) in [("plain", 2u32), ("close_tx", 3)] {
        let s = sample_single(i);
        let bytes = s.to_bytes().unwrap();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(BenchmarkId::new("encode", name), |b| {
            let mut out = Vec::with_capacity(1024);
            b.iter(|| {
                out.clear();
                black_box(&s).encode(&mut out).unwrap();
                black_box(out.len())
            });
        });
        g.bench_function(BenchmarkId::new("decode", name), |b| {
            b.iter(|| Single::decode(black_box(&bytes)).unwrap());
        });
    }
    g.finish();
}

fn multi(c: &mut Criterion) {
    let mut g = c.benchmark_group("multi");
    for n in [1u32, 100, 1_000, 10_000] {
        let m = sample_multi(n);
        let bytes = m.to_bytes().unwrap();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(BenchmarkId::new("encode", n), &m, |b, m| {
            b.iter(|| black_box(m).to_bytes().unwrap());
        });
        g.bench_with_input(BenchmarkId::new("decode", n), &bytes, |b, bytes| {
            b.iter(|| Multi::decode(black_box(bytes)).unwrap());
        });
    }
    g.finish();
}

criterion_group!(benches, single, multi);
criterion_main!(benches);
