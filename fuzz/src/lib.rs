//! The stable-toolchain side of the fuzz targets.
//!
//! Built without `--cfg fuzzing` (stable Rust, no libFuzzer), each target's `main` calls
//! [`stable_main`]: it replays the target's committed corpus (`fuzz/regressions/<target>/`
//! and any local `fuzz/corpus/<target>/`), then feeds mutations of those inputs (bit flips,
//! byte writes, inserts, deletions, duplications, truncations, splices, boundary values)
//! through the same check for a bounded time. It is not coverage-guided: it exists so that
//! a machine without nightly still runs every target for real, and says so in its output.
//! A panicking input is written to `fuzz/artifacts/<target>/crash-<hash>` and the run fails.
//!
//! ```text
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin single_decode -- --seconds 10
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin single_decode -- FILE...
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The fuzz/ directory (this package's root).
fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file directly in `dir` (sorted, so runs are reproducible).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// xorshift64*: a tiny deterministic generator (the seed is printed, so a run repeats).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: [u8; 8] = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x20, 0x10];

/// One to four random edits of `input` (with `other` for splices).
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                data.drain(i..i + n);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let copy = data[i..i + n].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, copy);
            }
            5 => data.truncate(rng.below(len + 1)),
            6 if !other.is_empty() => {
                let cut = rng.below(len + 1);
                let from = rng.below(other.len());
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            7 if len >= 2 => {
                // A big-endian length field pushed to a boundary.
                let i = rng.below(len - 1);
                let v: u16 = [0, 1, 0x7fff, 0x8000, 0xffff][rng.below(5)];
                data[i..i + 2].copy_from_slice(&v.to_be_bytes());
            }
            _ => data.push(INTERESTING[rng.below(INTERESTING.len())]),
        }
    }
    data.truncate(1 << 20);
    data
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs `check` on `data`; on a panic saves the input and returns its path.
fn run_one(target: &str, check: fn(&[u8]), data: &[u8]) -> Result<(), PathBuf> {
    if catch_unwind(AssertUnwindSafe(|| check(data))).is_ok() {
        return Ok(());
    }
    let dir = fuzz_dir().join("artifacts").join(target);
    let path = dir.join(format!("crash-{:016x}", fnv(data)));
    if std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, data))
        .is_err()
    {
        eprintln!("could not save the failing input to {}", path.display());
    }
    Err(path)
}

/// The `main` of a fuzz target on stable: `--seconds N` (default 10, env
/// `SCB_FUZZ_SECONDS`), `--seed N`, or file arguments to replay just those files.
pub fn stable_main(target: &str, check: fn(&[u8])) -> ExitCode {
    let mut seconds: u64 = std::env::var("SCB_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(seconds),
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(seed) | 1,
            _ => files.push(PathBuf::from(arg)),
        }
    }
    // A panic is an expected outcome here: keep the default hook's message but no flood.
    if !files.is_empty() {
        for file in &files {
            let data = std::fs::read(file).unwrap_or_default();
            if let Err(saved) = run_one(target, check, &data) {
                eprintln!(
                    "{target}: {} FAILS (copy at {})",
                    file.display(),
                    saved.display()
                );
                return ExitCode::FAILURE;
            }
            println!("{target}: ok {}", file.display());
        }
        return ExitCode::SUCCESS;
    }

    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for dir in [
        fuzz_dir().join("regressions").join(target),
        fuzz_dir().join("corpus").join(target),
    ] {
        for file in files_in(&dir) {
            let Ok(data) = std::fs::read(&file) else {
                continue;
            };
            if let Err(saved) = run_one(target, check, &data) {
                eprintln!(
                    "{target}: corpus input {} FAILS (copy at {})",
                    file.display(),
                    saved.display()
                );
                return ExitCode::FAILURE;
            }
            corpus.push(data);
        }
    }
    if corpus.is_empty() {
        eprintln!("{target}: empty corpus (fuzz/regressions/{target}/ is missing)");
        return ExitCode::FAILURE;
    }
    let replayed = corpus.len();
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs: u64 = 0;
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    while Instant::now() < deadline {
        for _ in 0..256 {
            let a = rng.below(corpus.len());
            let b = rng.below(corpus.len());
            let input = mutate(&mut rng, &corpus[a], &corpus[b]);
            runs += 1;
            if let Err(saved) = run_one(target, check, &input) {
                eprintln!(
                    "{target}: a mutated input FAILS after {runs} runs (seed {seed}); saved at {}",
                    saved.display()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "{target}: replayed {replayed} corpus inputs, then {runs} mutated inputs in {seconds} s \
         (seed {seed}; stable mutation run, not coverage-guided)"
    );
    ExitCode::SUCCESS
}
