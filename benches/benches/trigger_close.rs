//! Criterion benchmark of `scb_rescue::trigger_close` at the scale of a large
//! routing node: 1,000 channels with 1,000 distinct peers, each a lightweight
//! responder listening on its own 127.0.0.1 port (our BOLT 8 responder: it
//! completes the handshake and `init`, and answers every
//! `channel_reestablish` with an `error`, as LDK does for an unknown channel).
//!
//! - `trigger_close/1000_peers/<concurrency>`: one full run (1,000 TCP
//!   connections, 1,000 handshakes on each side, init, reestablish, error),
//!   at 32 and 128 conversations at once. Every channel must come back
//!   `reestablish_sent` with the peer's error, or the bench panics.
//!
//! Both sides run in this process on a multi-threaded runtime, so the CPU
//! time printed after each group (user + system, from `/proc/self/stat`)
//! counts our client and the 1,000 responders together; the peak resident
//! memory (`VmHWM`) likewise.
//!
//! Short runs: `cargo bench -p scb-benches --bench trigger_close -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{OutPoint, Txid};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scb_rescue::peer::messages::{self, Message};
use scb_rescue::peer::{ChannelId, ChannelReestablish, Connection};
use scb_rescue::{trigger_close, ChannelTarget, Outcome, TriggerCloseOptions};
use scb_wire::Address;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

const PEERS: u32 = 1_000;

fn key(label: &str) -> SecretKey {
    SecretKey::from_slice(sha256::Hash::hash(label.as_bytes()).as_byte_array()).unwrap()
}

async fn respond(stream: TcpStream, secret: SecretKey) {
    let Ok(mut conn) = Connection::accept(stream, secret).await else {
        return;
    };
    if conn.recv().await.is_err() || conn.send(&messages::encode_init()).await.is_err() {
        return;
    }
    while let Ok(bytes) = conn.recv().await {
        if let Ok(Message::ChannelReestablish { channel_id, .. }) = messages::decode(&bytes) {
            if conn
                .send(&messages::encode_error(
                    channel_id,
                    "unknown channel",
                    false,
                ))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Starts the responders; returns one target per peer.
async fn responders() -> Vec<ChannelTarget> {
    let secp = Secp256k1::signing_only();
    let mut targets = Vec::new();
    for i in 0..PEERS {
        let secret = key(&format!("bench peer {i}"));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let SocketAddr::V4(addr) = listener.local_addr().unwrap() else {
            unreachable!("bound to an IPv4 address")
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(respond(stream, secret));
            }
        });
        let funding_outpoint = OutPoint {
            txid: Txid::from_byte_array(sha256::Hash::hash(&i.to_be_bytes()).to_byte_array()),
            vout: 0,
        };
        targets.push(ChannelTarget {
            funding_outpoint,
            peer: PublicKey::from_secret_key(&secp, &secret),
            addresses: vec![Address::Ipv4 {
                ip: *addr.ip(),
                port: addr.port(),
            }],
            reestablish: ChannelReestablish {
                channel_id: ChannelId::from_funding_outpoint(&funding_outpoint),
                next_commitment_number: 0,
                next_revocation_number: 0,
                your_last_per_commitment_secret: [0; 32],
                my_current_per_commitment_point: PublicKey::from_secret_key(
                    &secp,
                    &key(&format!("point {i}")),
                ),
                next_local_nonce: None,
                next_local_nonces: None,
            },
        });
    }
    targets
}

/// User + system CPU time of this process so far (Linux; zero elsewhere).
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which ends with ')'): utime is the
    // 12th and stime the 13th of them, in clock ticks (100 per second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().map(|t| t.parse::<u64>().unwrap_or(0)).sum());
    Duration::from_millis(ticks * 10)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let targets = rt.block_on(responders());
    let node = key("bench node, family 6 index 0");
    let mut group = c.benchmark_group("trigger_close");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(PEERS)));
    for concurrency in [32usize, 128] {
        let options = TriggerCloseOptions {
            timeout: Duration::from_secs(30),
            concurrency,
            ..TriggerCloseOptions::default()
        };
        let (mut runs, mut wall, cpu_before) = (0u32, Duration::ZERO, cpu_time());
        group.bench_function(BenchmarkId::new("1000_peers", concurrency), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    let reports = rt.block_on(trigger_close(&node, &targets, &options));
                    assert_eq!(reports.len(), PEERS as usize);
                    for r in &reports {
                        assert_eq!(r.outcome, Outcome::ReestablishSent, "{r:?}");
                        assert_eq!(r.peer_error.as_deref(), Some("unknown channel"));
                    }
                }
                let took = start.elapsed();
                runs += u32::try_from(iters).unwrap();
                wall += took;
                took
            });
        });
        let cpu = cpu_time().saturating_sub(cpu_before);
        eprintln!(
            "trigger_close/1000_peers/{concurrency}: {runs} runs, wall {:.2} s per run, \
             CPU (both sides) {:.2} s per run, peak RSS {} MiB",
            wall.as_secs_f64() / f64::from(runs.max(1)),
            cpu.as_secs_f64() / f64::from(runs.max(1)),
            peak_rss_kib() / 1024
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
