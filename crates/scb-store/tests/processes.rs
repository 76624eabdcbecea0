#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Real processes: SIGKILL at random moments, a lock held by another process, and two
//! processes swapping the same file at once.
//!
//! The child processes are this test binary re-executed (`std::env::current_exe`) with
//! `SCB_STORE_CHILD` set; the `child_process_entry` test is a no-op otherwise.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use scb_store::{MultiFile, MultiFileOptions, RetentionPolicy, StoreError};

/// Self-checking content: header with writer and sequence, then filler derived from both,
/// of a length that varies with the sequence. A torn or mixed file fails `parse_content`.
fn content(writer: u8, seq: u64) -> Vec<u8> {
    let mut out = format!("SCBTEST writer={writer} seq={seq}\n").into_bytes();
    let len = 3000 + (seq as usize * 7919) % 9000;
    let mut x = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(writer);
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(x as u8);
    }
    out
}

/// (writer, seq) when `bytes` is exactly a content this test writes.
fn parse_content(bytes: &[u8]) -> Option<(u8, u64)> {
    let end = bytes.iter().position(|b| *b == b'\n')?;
    let header = std::str::from_utf8(&bytes[..end]).ok()?;
    let rest = header.strip_prefix("SCBTEST writer=")?;
    let (w, s) = rest.split_once(" seq=")?;
    let (w, s) = (w.parse().ok()?, s.parse().ok()?);
    (content(w, s) == bytes).then_some((w, s))
}

fn child_options() -> MultiFileOptions {
    MultiFileOptions::default()
        .with_retention(RetentionPolicy {
            keep_last: Some(4),
            keep_within: None,
        })
        .with_lock_wait(Duration::from_secs(10))
}

/// Runs only inside a child process.
#[test]
fn child_process_entry() {
    let Ok(mode) = std::env::var("SCB_STORE_CHILD") else {
        return;
    };
    let path = std::env::var("SCB_STORE_PATH").unwrap();
    let writer: u8 = std::env::var("SCB_STORE_WRITER").map_or(0, |w| w.parse().unwrap());
    let pause_us: u64 = std::env::var("SCB_STORE_PAUSE_US").map_or(0, |w| w.parse().unwrap());
    match mode.as_str() {
        "swap_loop" => {
            let file = MultiFile::new(&path, child_options()).unwrap();
            let mut seq = match file.read_packed() {
                Ok(bytes) => {
                    parse_content(&bytes)
                        .expect("main file is not a valid version")
                        .1
                }
                Err(e) if e.is_not_found() => 0,
                Err(e) => panic!("{e}"),
            };
            println!("START {seq}");
            loop {
                seq += 1;
                file.update_and_swap(&content(writer, seq)).unwrap();
                println!("ACK {seq}");
                if pause_us > 0 {
                    thread::sleep(Duration::from_micros(pause_us));
                }
            }
        }
        "hold_lock" => {
            let lock = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(format!("{path}.lock"))
                .unwrap();
            lock.lock().unwrap();
            println!("LOCKED");
            thread::sleep(Duration::from_secs(60));
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn spawn_child(
    mode: &str,
    path: &Path,
    writer: u8,
) -> (Child, mpsc::Receiver<String>, thread::JoinHandle<()>) {
    spawn_child_paced(mode, path, writer, 0)
}

fn spawn_child_paced(
    mode: &str,
    path: &Path,
    writer: u8,
    pause_us: u64,
) -> (Child, mpsc::Receiver<String>, thread::JoinHandle<()>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("SCB_STORE_PAUSE_US", pause_us.to_string())
        .args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SCB_STORE_CHILD", mode)
        .env("SCB_STORE_PATH", path)
        .env("SCB_STORE_WRITER", writer.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest prints "test child_process_entry ... " before the first line.
            let line = match ["START", "ACK", "LOCKED"]
                .iter()
                .filter_map(|m| line.find(m))
                .min()
            {
                Some(at) => line[at..].to_owned(),
                None => line,
            };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx, reader)
}

fn wait_for_line(rx: &mpsc::Receiver<String>, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("child never printed {prefix}"));
        if line.starts_with(prefix) {
            return line;
        }
    }
}

/// A small xorshift generator seeded from the clock (the seed is printed on failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_torn_or_missing_backup() {
    let iterations: u32 = std::env::var("SCB_CRASH_ITERATIONS").map_or(200, |v| v.parse().unwrap());
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("channel.backup");
    let file = MultiFile::new(&path, child_options()).unwrap();
    let started = Instant::now();
    let mut on_disk = 0u64; // sequence on disk before this run
    let mut kills_mid_run = 0;
    for i in 0..iterations {
        let ctx = format!("iteration {i}, seed {seed}");
        let (mut child, rx, reader) = spawn_child("swap_loop", &path, 1);
        let start_line = wait_for_line(&rx, "START ");
        assert_eq!(
            start_line,
            format!("START {on_disk}"),
            "{ctx}: child saw a different file"
        );
        thread::sleep(Duration::from_micros(rng.next(15_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let acked = rx
            .try_iter()
            .filter_map(|l| l.strip_prefix("ACK ").map(|n| n.parse::<u64>().unwrap()))
            .max();
        let last_acked = acked.unwrap_or(on_disk);
        let bytes = match file.read_packed() {
            Ok(bytes) => bytes,
            // Killed before its first swap finished: nothing was ever written.
            Err(e) if e.is_not_found() && on_disk == 0 && acked.is_none() => continue,
            Err(e) => panic!("{ctx}: backup missing after SIGKILL: {e}"),
        };
        let (_, seq) = parse_content(&bytes)
            .unwrap_or_else(|| panic!("{ctx}: torn backup ({} bytes)", bytes.len()));
        assert!(
            seq == last_acked || seq == last_acked + 1,
            "{ctx}: on disk {seq}, last acknowledged {last_acked}"
        );
        if seq != last_acked {
            kills_mid_run += 1;
        }
        for entry in file.archive().list().unwrap() {
            let archived = std::fs::read(&entry.path).unwrap();
            assert!(
                parse_content(&archived).is_some(),
                "{ctx}: torn archive entry {}",
                entry.name
            );
        }
        if let Some(m) = file.read_manifest().unwrap() {
            assert!(m.sequence <= seq, "{ctx}: manifest ahead of file");
        }
        on_disk = seq;
    }
    eprintln!(
        "sigkill: {iterations} kills in {:?}, {kills_mid_run} landed after a rename but before its acknowledgement, final sequence {on_disk}",
        started.elapsed()
    );
    assert!(on_disk > 0, "no swap ever completed");
}

#[test]
fn lock_held_by_another_process_is_a_clear_error_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("channel.backup");
    let file = MultiFile::new(
        &path,
        MultiFileOptions::default().with_lock_wait(Duration::ZERO),
    )
    .unwrap();
    file.update_and_swap(b"before").unwrap();
    let (mut child, rx, reader) = spawn_child("hold_lock", &path, 0);
    wait_for_line(&rx, "LOCKED");
    let err = file.update_and_swap(b"blocked").unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("held by another writer"), "{err}");
    let waiting = MultiFile::new(
        &path,
        MultiFileOptions::default().with_lock_wait(Duration::from_millis(150)),
    )
    .unwrap();
    let t = Instant::now();
    let err = waiting.update_and_swap(b"blocked").unwrap_err();
    assert!(
        matches!(err, StoreError::Locked { waited_ms, .. } if waited_ms >= 150),
        "{err:?}"
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert_eq!(file.read_packed().unwrap(), b"before");
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    // The timed-out waiter's helper thread takes the lock for an instant once it is free
    // (and drops it at once), so the next writer waits briefly instead of failing at once.
    let after = MultiFile::new(
        &path,
        MultiFileOptions::default().with_lock_wait(Duration::from_secs(5)),
    )
    .unwrap();
    after.update_and_swap(b"after").unwrap();
    assert_eq!(file.read_packed().unwrap(), b"after");
}

#[test]
fn two_processes_swapping_the_same_file_never_corrupt_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("channel.backup");
    // Both swap back to back with no pause at all: the lock must still let both in.
    let (mut a, rx_a, reader_a) = spawn_child_paced("swap_loop", &path, 1, 0);
    wait_for_line(&rx_a, "START");
    let (mut b, rx_b, reader_b) = spawn_child_paced("swap_loop", &path, 2, 0);
    wait_for_line(&rx_b, "START");
    let file = MultiFile::new(&path, MultiFileOptions::default()).unwrap();
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut reads = 0;
    let mut writers_seen = [false; 3];
    while Instant::now() < deadline {
        match file.read_packed() {
            Ok(bytes) => {
                let (w, _) = parse_content(&bytes)
                    .unwrap_or_else(|| panic!("torn read ({} bytes)", bytes.len()));
                writers_seen[usize::from(w)] = true;
                reads += 1;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => panic!("{e}"),
        }
        thread::sleep(Duration::from_millis(1));
    }
    for child in [&mut a, &mut b] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    reader_a.join().unwrap();
    reader_b.join().unwrap();
    let acks_a = rx_a.try_iter().filter(|l| l.starts_with("ACK")).count();
    let acks_b = rx_b.try_iter().filter(|l| l.starts_with("ACK")).count();
    assert!(
        acks_a > 0 && acks_b > 0,
        "both writers must make progress: {acks_a} / {acks_b}"
    );
    assert!(parse_content(&file.read_packed().unwrap()).is_some());
    for entry in file.archive().list().unwrap() {
        assert!(
            parse_content(&std::fs::read(&entry.path).unwrap()).is_some(),
            "torn archive {}",
            entry.name
        );
    }
    // Both writers were killed, possibly mid-swap: staging files (of the main file or of
    // the manifest) may be left. They are ours by name, and the next swap clears them.
    let staging_files = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("temp-dont-use"))
            .collect()
    };
    for name in staging_files() {
        assert!(
            name.starts_with("temp-dont-use.backup.scb-channel.backup"),
            "{name}"
        );
    }
    file.update_and_swap(&content(3, 1)).unwrap();
    assert_eq!(staging_files(), Vec::<String>::new());
    eprintln!(
        "concurrent: {reads} reads, {acks_a} + {acks_b} swaps, writers seen {writers_seen:?}"
    );
}
