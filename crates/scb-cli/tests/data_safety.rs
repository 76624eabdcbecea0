//! Ways a backup could be lost, tried as an attacker and a careless user would: every
//! write path goes through the store's one guarded write, every read is bounded, the
//! manifest cannot be reset or frozen silently. Real processes and real files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BACKUP: &str = "tests/fixtures/channel.backup";
const BACKUP_JSON: &str = "tests/fixtures/channel.backup.json";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn key_file() -> String {
    crate_dir()
        .join("../../examples/rootkey.tprv")
        .display()
        .to_string()
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scb"));
    cmd.args(args)
        .args(["--network", "testnet", "--rootkey-file", &key_file()])
        .current_dir(crate_dir())
        .env_remove("SCB_ROOTKEY")
        .env_remove("SCB_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn scb_k(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
}

#[track_caller]
fn assert_fails_with(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("scb: error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    for n in needles {
        assert!(line.contains(n), "{n:?} not in {line:?}");
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The vectors' JSON with only the channels `keep` picks.
fn json_with(dir: &Path, name: &str, keep: impl Fn(usize) -> bool) -> String {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(crate_dir().join(BACKUP_JSON)).unwrap()).unwrap();
    let singles = v["singles"].as_array_mut().unwrap();
    let kept: Vec<Value> = singles
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, s)| s.clone())
        .collect();
    *singles = kept;
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    s(&path)
}

fn create(spec: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["create", "--from-json", spec, "--out", out];
    args.extend_from_slice(extra);
    scb_k(&args)
}

fn channels(path: &str) -> Vec<String> {
    let o = scb_k(&["dump", path, "--format", "json"]);
    assert_ok(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["singles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["funding_outpoint"].to_string())
        .collect()
}

// ------------------------------------------------------- a failed archive stops the write

#[test]
fn a_write_whose_archive_fails_replaces_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("s.backup"));
    let nine = json_with(dir.path(), "first9.json", |i| i < 9);
    let eight = json_with(dir.path(), "first8.json", |i| i < 8);
    assert_ok(&create(&nine, &out, &[]));
    let before = std::fs::read(&out).unwrap();
    std::fs::write(dir.path().join("chan-backup-archives"), b"").unwrap();
    let o = create(&eight, &out, &["--allow-shrink"]);
    assert_fails_with(
        &o,
        &["cannot archive the previous version", "nothing replaced"],
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the 9-channel version is kept"
    );
    // Same with --force over another key's file.
    std::fs::write(&out, vec![0x5a; 400]).unwrap();
    let o = create(&eight, &out, &["--force"]);
    assert_fails_with(&o, &["cannot archive the previous version"]);
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x5a; 400]);
}

// ------------------------------------------------------- every write is guarded

#[test]
fn fetch_out_refuses_to_drop_channels_of_an_existing_backup() {
    let dir = tempfile::tempdir().unwrap();
    let six = json_with(dir.path(), "six.json", |i| i < 6);
    let small = s(&dir.path().join("small.backup"));
    assert_ok(&create(&six, &small, &[]));
    let usb = dir.path().join("usb");
    assert_ok(&scb_k(&["watch", &small, "--to", &s(&usb), "--once"]));
    let live = s(&dir.path().join("live.backup"));
    assert_ok(&create(BACKUP_JSON, &live, &[]));
    let o = scb_k(&["fetch", &s(&usb), "--out", &live]);
    assert_fails_with(&o, &["refusing to drop 10 channels", "--allow-shrink"]);
    assert_eq!(channels(&live).len(), 16);
    // Without a key nothing can be checked: refused unless forced.
    let o = Command::new(env!("CARGO_BIN_EXE_scb"))
        .args(["fetch", &s(&usb), "--out", &live])
        .output()
        .unwrap();
    assert_fails_with(&o, &["without a key", "--force"]);
    assert_ok(&scb_k(&[
        "fetch",
        &s(&usb),
        "--out",
        &live,
        "--allow-shrink",
    ]));
    assert_eq!(channels(&live).len(), 6);
    assert!(std::fs::read_dir(dir.path().join("chan-backup-archives"))
        .unwrap()
        .any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("live.backup-")));
}

#[test]
fn create_single_refuses_to_replace_a_multi() {
    let dir = tempfile::tempdir().unwrap();
    let live = s(&dir.path().join("live.backup"));
    assert_ok(&create(BACKUP_JSON, &live, &[]));
    let v: Value =
        serde_json::from_slice(&std::fs::read(crate_dir().join(BACKUP_JSON)).unwrap()).unwrap();
    let single = dir.path().join("single.json");
    std::fs::write(&single, serde_json::to_vec(&v["singles"][0]).unwrap()).unwrap();
    let o = create(&s(&single), &live, &["--single"]);
    assert_fails_with(&o, &["refusing to drop 15 channels"]);
    assert_eq!(channels(&live).len(), 16);
    // A single over a single of the same channel is no loss.
    let one = s(&dir.path().join("one.backup"));
    assert_ok(&create(&s(&single), &one, &["--single"]));
    assert_ok(&create(&s(&single), &one, &["--single"]));
    let hex = s(&dir.path().join("one.hex"));
    assert_ok(&create(&s(&single), &hex, &["--single", "--hex"]));
    assert_ok(&create(&s(&single), &hex, &["--single", "--hex"]));
}

#[cfg(unix)]
#[test]
fn writes_refuse_devices_and_fifos() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.backup");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = create(BACKUP_JSON, &s(&fifo), &[]);
    assert_fails_with(&o, &["a FIFO, not a regular file"]);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo_like());
    if Path::new("/dev/full").exists() {
        let usb = dir.path().join("usb");
        assert_ok(&scb_k(&["watch", BACKUP, "--to", &s(&usb), "--once"]));
        let o = scb_k(&["fetch", &s(&usb), "--out", "/dev/full", "--force"]);
        assert_fails_with(&o, &["a character device, not a regular file"]);
    }
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

#[cfg(unix)]
impl FifoLike for std::fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

// ------------------------------------------------------- one lock for read, check, write

#[test]
fn concurrent_creates_never_drop_a_channel_silently() {
    let dir = tempfile::tempdir().unwrap();
    let base = json_with(dir.path(), "base.json", |i| i < 8);
    let with8 = json_with(dir.path(), "a.json", |i| i < 9);
    let with9 = json_with(dir.path(), "b.json", |i| i < 8 || i == 9);
    let mut both_ok = 0;
    for run in 0..8 {
        let out = s(&dir.path().join(format!("run{run}.backup")));
        assert_ok(&create(&base, &out, &[]));
        let spawn = |spec: &str| {
            command(&["create", "--from-json", spec, "--out", &out])
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(&with8), spawn(&with9));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let held = channels(&out);
        let a_ok = a.status.success();
        let b_ok = b.status.success();
        assert!(
            a_ok || b_ok,
            "run {run}: both failed: {} / {}",
            stderr(&a),
            stderr(&b)
        );
        if a_ok && b_ok {
            both_ok += 1;
        }
        // Whatever succeeded last is in the file, and nothing a success wrote was dropped
        // without the other process failing.
        assert_eq!(held.len(), 9, "run {run}: {held:?}");
        let loser = if a_ok { &b } else { &a };
        if !(a_ok && b_ok) {
            assert!(
                stderr(loser).contains("refusing to drop 1 channel"),
                "run {run}: {}",
                stderr(loser)
            );
        }
    }
    // Both succeeding would mean one of them dropped the other's channel.
    assert_eq!(both_ok, 0, "a channel was dropped silently");
}

// ------------------------------------------------------- bounded, non-blocking reads

#[cfg(unix)]
#[test]
fn inputs_that_are_devices_or_fifos_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = s(&dir.path().join("out.backup"));
    let start = Instant::now();
    for (args, needle) in [
        (vec!["verify", "/dev/zero"], "is a character device"),
        (vec!["verify", fifo.to_str().unwrap()], "is a FIFO"),
        (
            vec!["create", "--from-json", "/dev/zero", "--out", &out],
            "is a character device",
        ),
    ] {
        assert_fails_with(&scb_k(&args), &[needle]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_scb"))
        .args([
            "verify",
            BACKUP,
            "--network",
            "testnet",
            "--rootkey-file",
            "/dev/zero",
        ])
        .current_dir(crate_dir())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is a character device"),
        "{}",
        stderr(&o)
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "a read blocked or ran away"
    );
}

#[test]
fn an_input_over_the_backup_limit_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.backup");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(65 << 20).unwrap(); // sparse: no disk used
    assert_fails_with(
        &scb_k(&["verify", &s(&big)]),
        &["larger than the 64 MiB limit"],
    );
}

#[cfg(unix)]
#[test]
fn a_manifest_symlinked_to_a_device_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("channel.backup");
    assert_ok(&create(BACKUP_JSON, &s(&out), &[]));
    let manifest = dir.path().join("channel.backup.manifest.json");
    std::fs::remove_file(&manifest).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap();
    let o = create(BACKUP_JSON, &s(&out), &[]);
    // The link is reported as an unreadable manifest and replaced by a real one.
    assert_ok(&o);
    assert!(
        stderr(&o).contains("previous manifest was unreadable"),
        "{}",
        stderr(&o)
    );
    assert!(std::fs::symlink_metadata(&manifest).unwrap().is_file());
}

// ------------------------------------------------------- the manifest cannot be reset

#[test]
fn a_garbage_manifest_is_reported_and_the_sequence_never_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("channel.backup");
    for _ in 0..3 {
        assert_ok(&create(BACKUP_JSON, &s(&out), &[]));
    }
    let manifest = dir.path().join("channel.backup.manifest.json");
    std::fs::write(&manifest, b"{\"format\": 99, \"garbage\": true}").unwrap();
    let o = scb_k(&["verify", &s(&out)]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("manifest is unreadable"),
        "{}",
        stderr(&o)
    );
    let o = create(BACKUP_JSON, &s(&out), &[]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("previous manifest was unreadable"),
        "{}",
        stderr(&o)
    );
    let m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert!(m["sequence"].as_u64().unwrap() > 3, "sequence reused: {m}");
}

#[test]
fn a_manifest_at_the_largest_sequence_is_refused_loudly_not_frozen() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("channel.backup");
    assert_ok(&create(BACKUP_JSON, &s(&out), &[]));
    let manifest = dir.path().join("channel.backup.manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    m["sequence"] = Value::from(u64::MAX);
    std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
    let o = create(BACKUP_JSON, &s(&out), &[]);
    assert_fails_with(&o, &["manifest not written", "cannot advance"]);
}

#[test]
fn a_rolled_back_file_is_reported_and_treated_like_a_shrink() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("channel.backup");
    let eight = json_with(dir.path(), "first8.json", |i| i < 8);
    let nine = json_with(dir.path(), "first9.json", |i| i < 9);
    assert_ok(&create(&eight, &s(&out), &[]));
    assert_ok(&create(&nine, &s(&out), &[]));
    // Someone puts the 8-channel version back.
    let archived = std::fs::read_dir(dir.path().join("chan-backup-archives"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&archived, &out).unwrap();
    let o = scb_k(&["verify", &s(&out)]);
    assert_ok(&o);
    assert!(stderr(&o).contains("rolled back"), "{}", stderr(&o));
    let o = create(&eight, &s(&out), &[]);
    assert_fails_with(&o, &["rolled-back file", "--allow-shrink"]);
    assert_ok(&create(&eight, &s(&out), &["--allow-shrink"]));
}

// ------------------------------------------------------- smaller ones

#[cfg(unix)]
#[test]
fn a_symlinked_lock_or_archive_directory_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let node = dir.path().join("node");
    std::fs::create_dir(&node).unwrap();
    let out = node.join("channel.backup");
    std::os::unix::fs::symlink(
        elsewhere.join("planted.lock"),
        node.join("channel.backup.lock"),
    )
    .unwrap();
    assert_fails_with(&create(BACKUP_JSON, &s(&out), &[]), &["cannot lock"]);
    assert!(!elsewhere.join("planted.lock").exists());
    std::fs::remove_file(node.join("channel.backup.lock")).unwrap();
    assert_ok(&create(BACKUP_JSON, &s(&out), &[]));
    std::os::unix::fs::symlink(&elsewhere, node.join("chan-backup-archives")).unwrap();
    let o = create(BACKUP_JSON, &s(&out), &[]);
    assert_fails_with(&o, &["archive directory", "a symbolic link"]);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn create_refuses_duplicate_channels() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(crate_dir().join(BACKUP_JSON)).unwrap()).unwrap();
    let first = v["singles"][0].clone();
    v["singles"].as_array_mut().unwrap().push(first);
    let spec = dir.path().join("dup.json");
    std::fs::write(&spec, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = dir.path().join("out.backup");
    let o = create(&s(&spec), &s(&out), &[]);
    assert_fails_with(&o, &["two channels have funding outpoint"]);
    assert!(!out.exists());
}

#[cfg(unix)]
#[test]
fn a_non_utf8_output_name_is_named_as_such() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"bad-\xff.backup"));
    let o = command(&["create", "--from-json", BACKUP_JSON])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_fails_with(&o, &["is not valid UTF-8"]);
    assert!(!stderr(&o).contains("has no file name"));
}
