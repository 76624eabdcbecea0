//! Time from a change of the source file (lnd-style rename-replace) to the moment the
//! watcher has stored it at the destination (its `uploaded` event), for a local directory
//! and for S3 on a local `moto_server`.
//!
//! Run: `cargo bench -p scb-replicate --bench latency`. Without `moto_server` on PATH the
//! S3 group prints that it was NOT RUN and has no figures.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use scb_replicate::{Destination, Status, WatchConfig, Watcher};
use tokio::sync::mpsc;

fn bench_destination(c: &mut Criterion, group_name: &str, dest: &Destination, settle: Duration) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    common::lnd_write(&source, &common::backup(0));

    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.settle = settle;
    // Notifications drive it; polling is the slow fallback.
    config.poll_interval = Duration::from_secs(2);
    let (tx, mut rx) = mpsc::unbounded_channel::<(Status, Option<String>)>();
    let handle = rt.block_on(async {
        let h = Watcher::new(config).spawn(move |o| {
            let _ = tx.send((o.status, o.sha256.clone()));
        });
        // Wait for the initial copy.
        while let Some((status, _)) = rx.recv().await {
            if status == Status::Uploaded || status == Status::Unchanged {
                break;
            }
        }
        h
    });

    let mut n = 1u32;
    let mut group = c.benchmark_group(group_name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(8));
    group.bench_function(
        format!("change_to_remote_copy_settle_{}ms", settle.as_millis()),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    n += 1;
                    let bytes = common::backup(n);
                    let sha = scb_replicate::layout::sha256_hex(&bytes);
                    let started = Instant::now();
                    write(&source, &bytes);
                    rt.block_on(async {
                        while let Some((status, got)) = rx.recv().await {
                            if status == Status::Uploaded && got.as_deref() == Some(sha.as_str()) {
                                break;
                            }
                            assert_ne!(
                                status,
                                Status::Failed,
                                "replication failed during the benchmark"
                            );
                        }
                    });
                    total += started.elapsed();
                }
                total
            });
        },
    );
    group.finish();
    rt.block_on(handle.shutdown(Duration::from_secs(10)))
        .unwrap();
}

fn write(source: &Path, bytes: &[u8]) {
    common::lnd_write(source, bytes);
}

fn latency(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    for settle in [Duration::from_millis(100), Duration::from_millis(20)] {
        let dest = Destination::directory(dir.path().join(format!("usb-{}", settle.as_millis())));
        bench_destination(c, "replicate_directory", &dest, settle);
    }
    if !scb_testkit::has_tool("moto_server") {
        // A benchmark is not a test result: say plainly which group has no figures.
        eprintln!("bench group replicate_s3_moto NOT RUN: moto_server is not on PATH");
        return;
    }
    let moto = common::Moto::start();
    moto.create_bucket("bench");
    for settle in [Duration::from_millis(100), Duration::from_millis(20)] {
        let dest = moto.destination("bench", &format!("node-{}", settle.as_millis()));
        bench_destination(c, "replicate_s3_moto", &dest, settle);
    }
}

criterion_group!(benches, latency);
criterion_main!(benches);
