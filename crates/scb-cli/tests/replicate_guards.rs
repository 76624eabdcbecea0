//! `scb watch`'s shrink guard and the secrecy of a mistyped aezeed word, through the
//! real `scb` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BACKUP: &str = "tests/fixtures/channel.backup";
const BACKUP_JSON: &str = "tests/fixtures/channel.backup.json";
const AEZEED_BACKUP: &str = "tests/fixtures/aezeed-e2e/channel.backup";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_file(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(crate_dir().join(rel)).unwrap()).unwrap()
}

fn scb(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scb"));
    cmd.args(args)
        .current_dir(crate_dir())
        .env_remove("SCB_ROOTKEY")
        .env_remove("SCB_AEZEED")
        .env_remove("SCB_AEZEED_PASSPHRASE")
        .env_remove("SCB_LOG")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Runs scb with the vectors' key (testnet, bundled key file).
fn scb_k(args: &[&str]) -> Output {
    let key = crate_dir().join("../../examples/rootkey.tprv");
    let mut all = args.to_vec();
    let key = key.display().to_string();
    all.extend(["--network", "testnet", "--rootkey-file", key.as_str()]);
    scb(&all, &[])
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn watch_once_holds_back_an_emptied_backup_unless_allow_shrink() {
    let dir = tempfile::tempdir().unwrap();
    let usb = s(&dir.path().join("usb"));
    // The vectors' 16-channel backup, then the same key's backup with no channel left.
    let o = scb_k(&["watch", BACKUP, "--to", &usb, "--once"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let empty = s(&dir.path().join("channel.backup"));
    let mut args = vec!["filter", BACKUP, "--out", empty.as_str(), "--allow-empty"];
    let all: Vec<String> = json_file(BACKUP_JSON)["singles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["funding_outpoint"].as_str().unwrap().to_owned())
        .collect();
    args.push("--discard");
    args.extend(all.iter().map(String::as_str));
    let o = scb_k(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let latest = || std::fs::read(dir.path().join("usb/channel.backup")).unwrap();
    let good = std::fs::read(crate_dir().join(BACKUP)).unwrap();
    let o = scb_k(&["watch", &empty, "--to", &usb, "--once"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("HELD "), "{}", text(&o));
    assert!(
        out.contains("holds 0 channels where the latest copy holds 16"),
        "{}",
        text(&o)
    );
    assert_eq!(latest(), good, "the good copy stays the latest");
    let versions = std::fs::read_dir(dir.path().join("usb/history"))
        .unwrap()
        .count();
    assert_eq!(versions, 2, "the empty file is kept in history");

    let o = scb_k(&[
        "watch",
        &empty,
        "--to",
        &usb,
        "--once",
        "--allow-shrink",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let event: Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(event["status"], "uploaded");
    assert_eq!(event["channels"], 0);
    assert!(
        event["warnings"][0]
            .as_str()
            .unwrap()
            .contains("falls from 16 to 0"),
        "{event}"
    );
    assert_eq!(latest(), std::fs::read(&empty).unwrap());
}

#[test]
fn a_mistyped_aezeed_word_is_not_echoed() {
    let seed = json_file("tests/fixtures/aezeed-e2e/seed.json");
    let mut words: Vec<&str> = seed["mnemonic"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    words[17] = "bitcoinz";
    let phrase = words.join(" ");
    let o = scb(
        &["verify", "--aezeed", "--network", "testnet", AEZEED_BACKUP],
        &[
            ("SCB_AEZEED", phrase.as_str()),
            (
                "SCB_AEZEED_PASSPHRASE",
                seed["passphrase"].as_str().unwrap(),
            ),
        ],
    );
    let all = text(&o);
    assert_ne!(o.status.code(), Some(0), "{all}");
    assert!(all.contains("word 18 of 24"), "{all}");
    assert!(
        !all.contains("bitcoinz"),
        "the mistyped word is echoed: {all}"
    );
}
