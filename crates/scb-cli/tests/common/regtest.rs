//! The helpers `force_close.rs` and `sweep.rs` share: the seven backups a real lnd wrote
//! (chantools' regtest data, a fixture copy) and the real `scb` binary run on them.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bitcoin::hex::FromHex;
use serde_json::Value;

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn cases() -> Vec<Value> {
    let path = crate_dir().join("tests/fixtures/chantools-regtest-cases.json");
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

pub fn case(name: &str) -> Value {
    cases().into_iter().find(|c| c["name"] == name).unwrap()
}

pub fn hex(s: &str) -> Vec<u8> {
    Vec::<u8>::from_hex(s).unwrap()
}

pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scb"));
    cmd.args(args)
        .env_remove("SCB_ROOTKEY")
        .env_remove("SCB_AEZEED")
        .env_remove("SCB_AEZEED_PASSPHRASE")
        .env_remove("SCB_BIP39")
        .env_remove("SCB_BIP39_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes the case's packed backup into `dir`; returns the file and the
/// key options (root key or seed) for it.
pub fn backup_and_key(dir: &Path, c: &Value) -> (String, Vec<String>, bool) {
    let file = dir.join(format!("{}.backup", c["name"].as_str().unwrap()));
    std::fs::write(&file, hex(c["packed_hex"].as_str().unwrap())).unwrap();
    let mut key = vec![
        "--network".to_owned(),
        c["network"].as_str().unwrap().to_owned(),
    ];
    match c["bip32_seed"].as_str() {
        Some(seed) => key.extend(["--seed-hex".to_owned(), seed.to_owned()]),
        None => key.extend([
            "--rootkey".to_owned(),
            c["rootkey"].as_str().unwrap().to_owned(),
        ]),
    }
    let single = c["kind"] == "packed_single";
    (file.display().to_string(), key, single)
}

pub fn force_close(dir: &Path, c: &Value, extra: &[&str]) -> Output {
    let (file, key, single) = backup_and_key(dir, c);
    let mut args: Vec<&str> = vec!["force-close", &file];
    if single {
        args.push("--single");
    }
    args.extend(extra);
    args.extend(key.iter().map(String::as_str));
    run(&args, &[])
}
