//! CPU time per channel event of the store's one guarded write at 10,000 channels: what
//! the sub-swapper pays each time a channel opens or closes (encode, encrypt once, check,
//! stage + fsync, archive the previous version as a hard link, rename, directory fsync,
//! byte read-back, manifest, prune). Measured as process CPU time (user + system, from
//! `/proc/self/stat`), not wall time: lnd's figure to compare with is 765 ms of CPU per
//! event at 10,000 channels (docs/PERFORMANCE.md). Files go to `$SCB_BENCH_DIR` when set,
//! else the system temp directory (it must be on the disk being measured).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use scb_crypto::{BackupKey, OsRng};
use scb_store::{MultiFile, MultiFileOptions, RetentionPolicy, WritePolicy};

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("SCB_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(PathBuf::from(dir)).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

/// (user, system) CPU time of this process so far, from `/proc/self/stat` (clock ticks
/// of 10 ms; `getrusage` would need `unsafe`).
fn cpu_times() -> (Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let tick = |i: usize| Duration::from_millis(fields[i].parse::<u64>().unwrap() * 10);
    (tick(11), tick(12)) // utime, stime (fields 14 and 15 of the whole line)
}

fn cpu_now() -> Duration {
    let (user, sys) = cpu_times();
    user + sys
}

struct Setup {
    _dir: tempfile::TempDir,
    file: MultiFile,
    key: BackupKey,
    multi: scb_wire::Multi,
    spare: scb_wire::Single,
}

fn setup(n: u32) -> Setup {
    let dir = bench_dir();
    let options = MultiFileOptions::default().with_retention(RetentionPolicy {
        keep_last: Some(10),
        keep_within: None,
    });
    let file = MultiFile::new(dir.path().join("channel.backup"), options).unwrap();
    let key = BackupKey::from_bytes([7; 32]);
    let multi = scb_benches::sample_multi(n);
    let spare = scb_benches::sample_single(n);
    file.write_multi(&multi, &key, &WritePolicy::replace_anything(), &mut OsRng)
        .unwrap();
    Setup {
        _dir: dir,
        file,
        key,
        multi,
        spare,
    }
}

/// One channel event: the last channel closes and another opens (same count, new bytes).
fn event(s: &mut Setup, policy: WritePolicy) {
    let last = s.multi.singles.len() - 1;
    std::mem::swap(&mut s.multi.singles[last], &mut s.spare);
    s.file
        .write_multi(&s.multi, &s.key, &policy, &mut OsRng)
        .unwrap();
}

fn cpu_per_event(c: &mut Criterion) {
    let mut group = c.benchmark_group("write/cpu_per_event");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    for (name, policy) in [
        // The sub-swapper: the node is the source of truth.
        ("sync_replace_anything", WritePolicy::replace_anything()),
        // `scb create` / `merge`: the existing file is read, opened and checked first.
        (
            "cli_strict_guards",
            WritePolicy::strict().with_allow_shrink(true),
        ),
    ] {
        for n in [1_000u32, 10_000] {
            let mut s = setup(n);
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                // Criterion reports what this returns: CPU time, not wall time.
                b.iter_custom(|iters| {
                    let start = cpu_now();
                    for _ in 0..iters {
                        event(&mut s, policy);
                    }
                    cpu_now().saturating_sub(start)
                });
            });
            // One line with the user/system split and the wall time, for the docs.
            let rounds = if n >= 10_000 { 40 } else { 200 };
            let (u0, s0) = cpu_times();
            let wall = Instant::now();
            for _ in 0..rounds {
                event(&mut s, policy);
            }
            let (u1, s1) = cpu_times();
            let (user, sys) = (u1.saturating_sub(u0), s1.saturating_sub(s0));
            eprintln!(
                "{name}/{n}: per event {:.1} ms CPU ({:.1} user + {:.1} sys), {:.1} ms wall, {rounds} events",
                (user + sys).as_secs_f64() * 1e3 / f64::from(rounds),
                user.as_secs_f64() * 1e3 / f64::from(rounds),
                sys.as_secs_f64() * 1e3 / f64::from(rounds),
                wall.elapsed().as_secs_f64() * 1e3 / f64::from(rounds),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, cpu_per_event);
criterion_main!(benches);
