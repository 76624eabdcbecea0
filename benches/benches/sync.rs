//! Criterion benchmarks of `scb-sync`: channel events to a durable
//! `channel.backup` (real `FileStore` on a temporary directory: pack, staging
//! write + fsync, archive, rename, directory fsync, manifest, read-back).
//!
//! - `sync_burst/<n>`: a file of `n` channels, then `n` channel events (opens of
//!   new channels, then closes of them, alternating per iteration), timed until
//!   the swapper reports all of them durable. Default `SwapperConfig`
//!   (50 ms debounce, 500 ms max delay). Throughput = events per second.
//! - `sync_one_event/<n>`: a file of `n` channels, one event, debounce 0: the
//!   cost of one swap of an `n`-channel file as seen from an event.
//!
//! Short runs: `cargo bench -p scb-benches --bench sync -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bitcoin::secp256k1::PublicKey;
use bitcoin::OutPoint;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scb_benches::sample_single;
use scb_crypto::BackupKey;
use scb_store::{MultiFile, MultiFileOptions};
use scb_sync::{
    start_swapper, AddressSource, BoxError, ChannelEvent, ChannelEventReceiver, ChannelLookup,
    ChannelNotifier, ChannelSource, FileStore, PeerAddresses, SwapperConfig, SwapperHandle,
};
use scb_wire::{Address, Single};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

/// A node whose channels never change except through `emit`.
struct BenchNode {
    channels: Vec<Single>,
    subscriber: Mutex<Option<mpsc::Sender<ChannelEvent>>>,
}

impl BenchNode {
    async fn emit(&self, event: ChannelEvent) {
        let tx = self.subscriber.lock().unwrap().clone().unwrap();
        tx.send(event).await.unwrap();
    }
}

impl ChannelSource for BenchNode {
    async fn fetch_all_channels(&self) -> Result<Vec<Single>, BoxError> {
        Ok(self.channels.clone())
    }
    async fn fetch_channel(&self, _outpoint: OutPoint) -> Result<ChannelLookup, BoxError> {
        Ok(ChannelLookup::Unknown)
    }
}

impl AddressSource for BenchNode {
    async fn addresses_for(&self, _peer: PublicKey) -> Result<PeerAddresses, BoxError> {
        Ok(PeerAddresses::Known(vec![Address::Ipv4 {
            ip: std::net::Ipv4Addr::new(10, 0, 0, 1),
            port: 9735,
        }]))
    }
}

impl ChannelNotifier for BenchNode {
    async fn subscribe(&self, _known: HashSet<OutPoint>) -> Result<ChannelEventReceiver, BoxError> {
        let (tx, rx) = mpsc::channel(16_384);
        *self.subscriber.lock().unwrap() = Some(tx);
        Ok(rx)
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    node: BenchNode,
    handle: SwapperHandle,
    extra: Vec<Single>,
    base: usize,
}

fn setup(rt: &Runtime, n: u32, extra: u32, config: SwapperConfig) -> Setup {
    let channels: Vec<Single> = (0..n).map(sample_single).collect();
    let extra = (n..n + extra).map(sample_single).collect();
    let dir = tempfile::tempdir().unwrap();
    let file = MultiFile::new(
        dir.path().join("channel.backup"),
        MultiFileOptions::default(),
    )
    .unwrap();
    let store = FileStore::new(file, BackupKey::from_bytes([7; 32]));
    let node = BenchNode {
        channels,
        subscriber: Mutex::new(None),
    };
    let handle = rt
        .block_on(start_swapper(config, store, &node, &node, &node))
        .unwrap();
    Setup {
        _dir: dir,
        node,
        handle,
        extra,
        base: n as usize,
    }
}

/// Sends one event per extra channel (opens on even rounds, closes on odd
/// ones) and waits until the swapper reports the resulting count durable.
async fn round(setup: &Setup, open: bool) -> Duration {
    let mut status = setup.handle.status();
    let start = Instant::now();
    let target = if open {
        for s in &setup.extra {
            setup.node.emit(ChannelEvent::Opened(vec![s.clone()])).await;
        }
        setup.base + setup.extra.len()
    } else {
        for s in &setup.extra {
            setup
                .node
                .emit(ChannelEvent::Closed(vec![s.funding_outpoint]))
                .await;
        }
        setup.base
    };
    status
        .wait_for(|s| s.channels == target && s.pending_events == 0)
        .await
        .unwrap();
    start.elapsed()
}

fn run(c: &mut Criterion, group: &str, extra_of: fn(u32) -> u32, config: fn() -> SwapperConfig) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    for n in [1_000u32, 10_000] {
        let extra = extra_of(n);
        let setup = setup(&rt, n, extra, config());
        g.throughput(Throughput::Elements(u64::from(extra)));
        let mut open = true;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += rt.block_on(round(&setup, open));
                    open = !open;
                }
                total
            });
        });
        rt.block_on(setup.handle.shutdown()).unwrap();
    }
    g.finish();
}

fn burst(c: &mut Criterion) {
    run(c, "sync_burst", |n| n, SwapperConfig::default);
}

fn one_event(c: &mut Criterion) {
    run(
        c,
        "sync_one_event",
        |_| 1,
        || SwapperConfig::default().with_debounce(Duration::ZERO),
    );
}

/// Where one `FileStore` swap of `n` channels spends its time.
fn parts(c: &mut Criterion) {
    let key = BackupKey::from_bytes([7; 32]);
    let mut g = c.benchmark_group("sync_parts");
    g.sample_size(10);
    for n in [1_000u32, 10_000] {
        let multi = scb_wire::Multi {
            singles: (0..n).map(sample_single).collect(),
        };
        let packed = scb_crypto::pack_multi(&multi, &key, &mut scb_crypto::OsRng).unwrap();
        g.bench_with_input(BenchmarkId::new("encode", n), &n, |b, _| {
            b.iter(|| {
                let mut out = Vec::new();
                multi.encode(&mut out).unwrap();
                out
            });
        });
        g.bench_with_input(BenchmarkId::new("pack", n), &n, |b, _| {
            b.iter(|| scb_crypto::pack_multi(&multi, &key, &mut scb_crypto::OsRng).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("decrypt", n), &n, |b, _| {
            b.iter(|| key.decrypt(packed.as_bytes()).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("unpack", n), &n, |b, _| {
            b.iter(|| scb_crypto::unpack_multi(packed.as_bytes(), &key).unwrap());
        });
        let dir = tempfile::tempdir().unwrap();
        let file = MultiFile::new(
            dir.path().join("channel.backup"),
            MultiFileOptions::default(),
        )
        .unwrap();
        g.bench_with_input(BenchmarkId::new("update_and_swap", n), &n, |b, _| {
            b.iter(|| file.update_and_swap(packed.as_bytes()).unwrap());
        });
    }
    g.finish();
}

criterion_group!(benches, burst, one_event, parts);
criterion_main!(benches);
