//! Criterion benchmarks of `scb-store`: a crash-safe swap of a 1,000-channel backup on this
//! machine's disk, with and without the archive, and the cost floor (one durable write, one
//! `fsync`). Files go to `$SCB_BENCH_DIR` when set, else the system temp directory (it must
//! be on the disk being measured; a tmpfs would hide every `fsync`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand_core::{OsRng, RngCore};
use scb_store::{MultiFile, MultiFileOptions, RetentionPolicy};

/// About what a 1,000-channel `channel.backup` weighs (≈ 650 bytes a channel with
/// addresses and close-tx inputs); the content is random, as ciphertext is.
const BACKUP_LEN: usize = 650_000;

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("SCB_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(PathBuf::from(dir)).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

fn random_backup() -> Vec<u8> {
    let mut bytes = vec![0u8; BACKUP_LEN];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn swap(c: &mut Criterion) {
    let bytes = random_backup();
    let mut group = c.benchmark_group("store/swap_1000_channels");
    group.throughput(Throughput::Bytes(BACKUP_LEN as u64));
    group.sample_size(30);
    let variants: [(&str, MultiFileOptions); 3] = [
        (
            "bare_no_archive_no_manifest",
            MultiFileOptions::default()
                .with_archive(false)
                .with_manifest(false),
        ),
        (
            "no_archive",
            MultiFileOptions::default().with_archive(false),
        ),
        (
            // Keep the last 10 so the directory does not grow with the sample count.
            "archive_keep_last_10",
            MultiFileOptions::default().with_retention(RetentionPolicy {
                keep_last: Some(10),
                keep_within: None,
            }),
        ),
    ];
    for (name, options) in variants {
        let dir = bench_dir();
        let file = MultiFile::new(dir.path().join("channel.backup"), options).unwrap();
        file.update_and_swap(&bytes).unwrap();
        group.bench_function(name, |b| b.iter(|| file.update_and_swap(&bytes).unwrap()));
    }
    {
        let dir = bench_dir();
        let path = dir.path().join("copy.backup");
        group.bench_function("write_file_atomically", |b| {
            b.iter(|| scb_store::write_file_atomically(&path, &bytes).unwrap());
        });
    }
    group.finish();
}

fn fsync_floor(c: &mut Criterion) {
    let bytes = random_backup();
    let mut group = c.benchmark_group("store/fsync_floor");
    group.sample_size(30);
    let dir = bench_dir();
    let path = dir.path().join("plain");
    group.throughput(Throughput::Bytes(BACKUP_LEN as u64));
    group.bench_function("write_650kb_and_fsync", |b| {
        b.iter(|| {
            let mut f = File::create(&path).unwrap();
            f.write_all(&bytes).unwrap();
            f.sync_all().unwrap();
        });
    });
    group.bench_function("write_650kb_no_fsync", |b| {
        b.iter(|| {
            let mut f = File::create(&path).unwrap();
            f.write_all(&bytes).unwrap();
        });
    });
    group.throughput(Throughput::Elements(1));
    let small = dir.path().join("small");
    group.bench_function("rewrite_1_byte_and_fsync", |b| {
        b.iter_batched(
            || File::create(&small).unwrap(),
            |mut f| {
                f.write_all(b"x").unwrap();
                f.sync_all().unwrap();
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("fsync_directory", |b| {
        b.iter(|| File::open(dir.path()).unwrap().sync_all().unwrap());
    });
    group.finish();
}

criterion_group!(benches, swap, fsync_floor);
criterion_main!(benches);
