//! Integration tests: run the real `scb` binary on lnd's test vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const TPRV_FILE: &str = "examples/rootkey.tprv";
const BACKUP: &str = "tests/fixtures/channel.backup";
const BACKUP_JSON: &str = "tests/fixtures/channel.backup.json";
const AEZEED_BACKUP: &str = "tests/fixtures/aezeed-e2e/channel.backup";
/// Outpoints of the example's channels with no address (2) and only Tor v2 (2):
/// lnd's restore aborts at them.
const S37_BLOCKERS: [&str; 4] = [
    "e3176d7e070188f3b39e6daa39ed6df8deb4034a75a42c5872fa55995d1a74fc:3",
    "7f98ecb3d1c81f0fad02afcbe00a8817009a9d60bdbc586d2cd0646a39d4f9da:7",
    "45f3f8edceadc29a826d610b241a39f9854d123a2eac205daed6fb31695ae692:5",
    "05d698fe9d89c668b2ff1395a95846d84f34f7e24aa000694c9b0fea0c73a584:5",
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    crate_dir().join(rel)
}

fn workspace() -> PathBuf {
    crate_dir().join("../..")
}

fn key_file() -> String {
    workspace().join(TPRV_FILE).display().to_string()
}

/// The key options for the vectors' wallet (testnet, from the bundled key file).
fn key() -> Vec<String> {
    vec![
        "--network".into(),
        "testnet".into(),
        "--rootkey-file".into(),
        key_file(),
    ]
}

fn json_file(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap()
}

/// Runs scb with `args`, stdin from `stdin` (empty when `None`), a clean key environment.
fn scb_env(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scb"));
    cmd.args(args)
        .current_dir(crate_dir())
        .env_remove("SCB_ROOTKEY")
        .env_remove("SCB_AEZEED")
        .env_remove("SCB_AEZEED_PASSPHRASE")
        .env_remove("SCB_BIP39")
        .env_remove("SCB_BIP39_PASSPHRASE")
        .env_remove("SCB_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn scb(args: &[&str]) -> Output {
    scb_env(args, None, &[])
}

/// `args` followed by the default key options.
fn scb_k(args: &[&str]) -> Output {
    let k = key();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(k.iter().map(String::as_str));
    scb(&all)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// Exit 1 with exactly one `scb: error:` line that contains every `needles`, no panic.
#[track_caller]
fn assert_fails_with(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "stderr: {err}\nstdout: {}",
        stdout(o)
    );
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("scb: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "{n:?} not in {:?}", lines[0]);
    }
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[track_caller]
fn assert_usage(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

fn dump_json(path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["dump", path, "--format", "json"];
    args.extend_from_slice(extra);
    let o = scb_k(&args);
    assert_ok(&o);
    serde_json::from_slice(&o.stdout).unwrap()
}

fn plaintext_hex(path: &str, extra: &[&str]) -> String {
    let mut args = vec!["dump", path, "--format", "hex"];
    args.extend_from_slice(extra);
    let o = scb_k(&args);
    assert_ok(&o);
    stdout(&o).trim().to_owned()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Writes the vectors' multi JSON with `edit` applied, returns its path.
fn edited_json(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut v = json_file(BACKUP_JSON);
    edit(v["singles"].as_array_mut().unwrap());
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    s(&path)
}

fn create(spec: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["create", "--from-json", spec, "--out", out];
    args.extend_from_slice(extra);
    scb_k(&args)
}

// ---------------------------------------------------------------- dump

#[test]
fn dump_json_equals_the_vectors_json_exactly() {
    let got = dump_json(BACKUP, &[]);
    assert_eq!(got, json_file(BACKUP_JSON));
    assert_eq!(got["singles"].as_array().unwrap().len(), 16);
}

#[scb_testkit::requires(vectors)]
#[test]
fn dump_json_matches_shared_vectors() {
    let dir = scb_testkit::vectors_dir();
    let got = dump_json(&s(&dir.join("channel.backup")), &[]);
    let want: Value =
        serde_json::from_slice(&std::fs::read(dir.join("channel.backup.json")).unwrap()).unwrap();
    assert_eq!(got, want);
}

#[test]
fn quick_start_example_bundle_dumps_from_the_workspace_root() {
    let o = Command::new(env!("CARGO_BIN_EXE_scb"))
        .args([
            "dump",
            "examples/channel.backup",
            "--network",
            "testnet",
            "--rootkey-file",
            TPRV_FILE,
        ])
        .current_dir(workspace())
        .env_remove("SCB_ROOTKEY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_ok(&o);
    let out = stdout(&o);
    assert!(
        out.starts_with("examples/channel.backup: multi-channel backup, version 0, 16 channels")
    );
    assert!(out.contains("channel 16/16"));
    // The bundle is the vectors' file.
    assert_eq!(
        std::fs::read(workspace().join("examples/channel.backup")).unwrap(),
        std::fs::read(fixture(BACKUP)).unwrap()
    );
    let j: Value = serde_json::from_slice(
        &std::fs::read(workspace().join("examples/channel.backup.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(j, json_file(BACKUP_JSON));
}

#[test]
fn dump_text_lists_every_channel_with_type_chain_and_addresses() {
    let o = scb_k(&["dump", BACKUP]);
    assert_ok(&o);
    let out = stdout(&o);
    let want = json_file(BACKUP_JSON);
    for (i, single) in want["singles"].as_array().unwrap().iter().enumerate() {
        let op = single["funding_outpoint"].as_str().unwrap();
        assert!(out.contains(&format!("channel {}/16  {op}", i + 1)), "{op}");
        for a in single["addresses"].as_array().unwrap() {
            assert!(out.contains(a["address"].as_str().unwrap()));
        }
    }
    assert!(out.contains("testnet3"));
    assert!(out.contains("7: simple taproot (final scripts)"));
    assert!(out.contains("(none)"), "channels without address are shown");
}

#[test]
fn dump_single_from_hex_on_stdin_and_from_binary_file() {
    let hex = std::fs::read(fixture("tests/fixtures/single_v3.packed.hex")).unwrap();
    let k = key();
    let mut args = vec!["dump", "--single", "-", "--format", "json"];
    args.extend(k.iter().map(String::as_str));
    let o = scb_env(&args, Some(&hex), &[]);
    assert_ok(&o);
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got, json_file("tests/fixtures/single_v3.json"));

    let got = dump_json("tests/fixtures/single_v3.packed", &["--single"]);
    assert_eq!(got, json_file("tests/fixtures/single_v3.json"));
    let plain = plaintext_hex("tests/fixtures/single_v3.packed", &["--single"]);
    let want = std::fs::read_to_string(fixture("tests/fixtures/single_v3.plaintext.hex")).unwrap();
    assert_eq!(plain, want.trim());
}

#[test]
fn dump_accepts_a_hex_multi_file() {
    let dir = tmp();
    let bytes = std::fs::read(fixture(BACKUP)).unwrap();
    let hex: String = bytes.iter().fold(String::new(), |mut acc, b| {
        use std::fmt::Write as _;
        let _ = write!(acc, "{b:02x}");
        acc
    });
    let path = dir.path().join("backup.hex");
    std::fs::write(&path, format!("{hex}\n")).unwrap();
    assert_eq!(dump_json(&s(&path), &[]), json_file(BACKUP_JSON));
}

#[test]
fn dump_of_a_packed_single_without_single_flag_says_so() {
    let o = scb_k(&["dump", "tests/fixtures/single_v3.packed"]);
    assert_fails_with(&o, &["single_v3.packed", "not a backup", "--single"]);
}

// ---------------------------------------------------------------- verify

#[test]
fn verify_prints_one_line_and_exits_0() {
    let o = scb_k(&["verify", BACKUP]);
    assert_ok(&o);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("ok") && out.contains("16 channels") && out.contains("testnet"));
}

#[test]
fn verify_seed_check_reports_manifest_sequence_and_time() {
    let dir = tmp();
    let out = s(&dir.path().join("channel.backup"));
    assert_ok(&create(BACKUP_JSON, &out, &[]));
    assert_ok(&create(BACKUP_JSON, &out, &[]));
    let o = scb_k(&["verify", "--seed-check", &out]);
    assert_ok(&o);
    let line = stdout(&o);
    assert!(line.contains("yes, this seed"), "{line}");
    assert!(line.contains("16 channels"), "{line}");
    assert!(line.contains("newest sequence 2 written 20"), "{line}");
    let o = scb_k(&["verify", "--seed-check", BACKUP]);
    assert_ok(&o);
    assert!(stdout(&o).contains("no manifest"));
}

// ---------------------------------------------------------------- key sources

#[test]
fn key_from_scb_rootkey_env() {
    let tprv = std::fs::read_to_string(workspace().join(TPRV_FILE)).unwrap();
    let o = scb_env(
        &["verify", BACKUP, "--network", "testnet"],
        None,
        &[("SCB_ROOTKEY", tprv.trim())],
    );
    assert_ok(&o);
    assert!(stdout(&o).contains("SCB_ROOTKEY"));
    assert!(!stdout(&o).contains(tprv.trim()) && !stderr(&o).contains(tprv.trim()));
}

#[test]
fn key_from_rootkey_argument_warns_that_it_is_visible() {
    let tprv = std::fs::read_to_string(workspace().join(TPRV_FILE)).unwrap();
    let o = scb(&[
        "verify",
        BACKUP,
        "--network",
        "testnet",
        "--rootkey",
        tprv.trim(),
    ]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("visible to other users"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn key_from_seed_hex() {
    let seed = json_file("tests/fixtures/keys.json")["bip32_seed"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = scb(&[
        "verify",
        BACKUP,
        "--network",
        "testnet",
        "--seed-hex",
        &seed,
    ]);
    assert_ok(&o);
}

fn aezeed_env() -> Vec<(&'static str, String)> {
    let seed = json_file("tests/fixtures/aezeed-e2e/seed.json");
    vec![
        ("SCB_AEZEED", seed["mnemonic"].as_str().unwrap().to_owned()),
        (
            "SCB_AEZEED_PASSPHRASE",
            seed["passphrase"].as_str().unwrap().to_owned(),
        ),
    ]
}

fn scb_aezeed(args: &[&str], env: &[(&'static str, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    scb_env(args, None, &env)
}

#[test]
fn key_from_aezeed_env_opens_the_e2e_backup() {
    let o = scb_aezeed(
        &[
            "verify",
            "--seed-check",
            "--aezeed",
            "--network",
            "testnet",
            AEZEED_BACKUP,
        ],
        &aezeed_env(),
    );
    assert_ok(&o);
    assert!(stdout(&o).contains("yes, this seed (aezeed, network testnet) opens it"));
    let want = json_file("tests/fixtures/aezeed-e2e/channel.backup.json");
    let o = scb_aezeed(
        &[
            "dump",
            "--aezeed",
            "--network",
            "testnet",
            "--format",
            "json",
            AEZEED_BACKUP,
        ],
        &aezeed_env(),
    );
    assert_ok(&o);
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap(), want);
}

#[test]
fn aezeed_with_wrong_passphrase_fails_naming_the_cause() {
    let mut env = aezeed_env();
    env[1].1 = "not the passphrase".into();
    let o = scb_aezeed(
        &["verify", "--aezeed", "--network", "testnet", AEZEED_BACKUP],
        &env,
    );
    assert_fails_with(&o, &["aezeed", "passphrase"]);
}

#[test]
fn aezeed_without_words_and_without_terminal_is_a_usage_error() {
    let o = scb(&["verify", "--aezeed", AEZEED_BACKUP]);
    assert_usage(&o, "SCB_AEZEED");
}

#[test]
fn bip39_env_gives_the_same_root_as_its_seed_hex() {
    // BIP39's first test vector (passphrase TREZOR).
    let words = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let seed = "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04";
    let a = scb_env(
        &["seed", "info", "--bip39", "--show-rootkey"],
        None,
        &[("SCB_BIP39", words), ("SCB_BIP39_PASSPHRASE", "TREZOR")],
    );
    assert_ok(&a);
    let b = scb(&["seed", "info", "--seed-hex", seed, "--show-rootkey"]);
    assert_ok(&b);
    let root = |o: &Output| {
        stdout(o)
            .lines()
            .find(|l| l.starts_with("root key"))
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        root(&a),
        "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF"
    );
    assert_eq!(root(&a), root(&b));
}

#[test]
fn no_key_source_with_non_terminal_stdin_exits_2() {
    let o = scb(&["dump", BACKUP]);
    assert_usage(&o, "no key given");
    assert!(stdout(&o).is_empty());
}

#[test]
fn two_key_sources_are_a_usage_error() {
    let o = scb(&["dump", BACKUP, "--rootkey-file", "x", "--seed-hex", "00"]);
    assert_usage(&o, "cannot be used with");
}

#[test]
fn bad_key_material_fails_with_a_key_error() {
    let dir = tmp();
    let k = dir.path().join("k");
    std::fs::write(&k, "not-a-key\n").unwrap();
    let o = scb(&["verify", BACKUP, "--rootkey-file", &s(&k)]);
    assert_fails_with(&o, &["key:", "invalid extended key"]);
    let o = scb(&["verify", BACKUP, "--rootkey-file", "/nonexistent/key"]);
    assert_fails_with(&o, &["key file not found"]);
}

// ---------------------------------------------------------------- error classes

#[test]
fn wrong_key_is_reported_as_wrong_key_or_corruption() {
    // The aezeed wallet's seed: a valid key that is not this file's.
    let seed = json_file("tests/fixtures/aezeed-e2e/keys.json")["bip32_seed"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = scb(&[
        "verify",
        BACKUP,
        "--network",
        "testnet",
        "--seed-hex",
        &seed,
    ]);
    assert_fails_with(&o, &[BACKUP, "wrong key or corrupted"]);
}

#[test]
fn wrong_network_is_diagnosed() {
    let o = scb(&["verify", BACKUP, "--rootkey-file", &key_file()]);
    assert_fails_with(&o, &[BACKUP, "wrong key", "--network testnet"]);
}

#[test]
fn intact_file_with_manifest_and_wrong_key_is_a_wrong_key() {
    let dir = tmp();
    let out = s(&dir.path().join("channel.backup"));
    assert_ok(&create(BACKUP_JSON, &out, &[]));
    let seed = json_file("tests/fixtures/aezeed-e2e/keys.json")["bip32_seed"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = scb(&["verify", &out, "--network", "testnet", "--seed-hex", &seed]);
    assert_fails_with(&o, &["wrong key:", "matches its manifest"]);
}

#[test]
fn truncated_file_is_reported() {
    let dir = tmp();
    let bytes = std::fs::read(fixture(BACKUP)).unwrap();
    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_fails_with(
        &scb_k(&["verify", &s(&cut)]),
        &["cut.backup", "wrong key or corrupted"],
    );
    // With the manifest beside it, truncation is named as corruption.
    let out = dir.path().join("channel.backup");
    assert_ok(&create(BACKUP_JSON, &s(&out), &[]));
    let full = std::fs::read(&out).unwrap();
    std::fs::write(&out, &full[..100]).unwrap();
    assert_fails_with(
        &scb_k(&["verify", &s(&out)]),
        &["corrupted backup", "its manifest records"],
    );
}

#[test]
fn garbage_and_tiny_and_empty_and_text_files_are_told_apart() {
    let dir = tmp();
    let garbage = dir.path().join("garbage");
    let mut junk = vec![0u8; 4000];
    for (i, b) in junk.iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    std::fs::write(&garbage, &junk).unwrap();
    assert_fails_with(
        &scb_k(&["dump", &s(&garbage)]),
        &["garbage", "wrong key or corrupted"],
    );
    let tiny = dir.path().join("tiny");
    std::fs::write(&tiny, [1, 2, 3]).unwrap();
    assert_fails_with(
        &scb_k(&["dump", &s(&tiny)]),
        &["tiny", "not a backup", "3 bytes"],
    );
    let empty = dir.path().join("empty");
    std::fs::write(&empty, []).unwrap();
    assert_fails_with(
        &scb_k(&["verify", &s(&empty)]),
        &["empty", "not a backup", "empty"],
    );
    assert_fails_with(
        &scb_k(&["verify", BACKUP_JSON]),
        &["not a backup", "text", "JSON"],
    );
}

#[test]
fn missing_file_and_directory_are_reported() {
    assert_fails_with(
        &scb_k(&["dump", "no/such/file"]),
        &["no/such/file", "file not found"],
    );
    assert_fails_with(
        &scb_k(&["dump", "tests"]),
        &["tests", "cannot read", "directory"],
    );
}

/// File modes bind only unprivileged users: as root, scb runs as `nobody` (setpriv).
#[cfg(unix)]
#[scb_testkit::requires(unprivileged)]
#[test]
fn unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    // World-searchable, so that `nobody` reaches the file and is refused by its own mode.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.path().join("locked.backup");
    std::fs::copy(fixture(BACKUP), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let output = scb_testkit::unprivileged_command(Path::new(env!("CARGO_BIN_EXE_scb")))
        .args(["dump", &s(&path)])
        .args(key())
        .current_dir(dir.path())
        .env_remove("SCB_ROOTKEY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_fails_with(
        &output,
        &["locked.backup", "cannot read", "permission denied"],
    );
}

// ---------------------------------------------------------------- create

#[test]
fn create_then_dump_round_trips_byte_exact_on_the_plaintext() {
    let dir = tmp();
    let out = s(&dir.path().join("new.backup"));
    let o = create(BACKUP_JSON, &out, &[]);
    assert_ok(&o);
    assert!(stdout(&o).contains("wrote 16 channels"));
    assert_eq!(plaintext_hex(&out, &[]), plaintext_hex(BACKUP, &[]));
    assert_eq!(dump_json(&out, &[]), json_file(BACKUP_JSON));
    // A fresh nonce: the ciphertext differs from lnd's, the plaintext does not.
    assert_ne!(
        std::fs::read(&out).unwrap(),
        std::fs::read(fixture(BACKUP)).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn create_single_hex_then_dump_single() {
    let dir = tmp();
    let out = s(&dir.path().join("single.hex"));
    let o = create(
        "tests/fixtures/single_v3.json",
        &out,
        &["--single", "--hex"],
    );
    assert_ok(&o);
    assert_eq!(
        dump_json(&out, &["--single"]),
        json_file("tests/fixtures/single_v3.json")
    );
    let plain = plaintext_hex(&out, &["--single"]);
    let want = std::fs::read_to_string(fixture("tests/fixtures/single_v3.plaintext.hex")).unwrap();
    assert_eq!(plain, want.trim());
}

#[test]
fn create_archives_previous_version_and_mirrors() {
    let dir = tmp();
    let mirror = dir.path().join("mirror");
    std::fs::create_dir(&mirror).unwrap();
    let out = s(&dir.path().join("channel.backup"));
    assert_ok(&create(BACKUP_JSON, &out, &["--mirror", &s(&mirror)]));
    let o = create(BACKUP_JSON, &out, &["--mirror", &s(&mirror)]);
    assert_ok(&o);
    assert!(stdout(&o).contains("previous version archived"));
    assert_eq!(
        std::fs::read(mirror.join("channel.backup")).unwrap(),
        std::fs::read(&out).unwrap()
    );
    let o = create(BACKUP_JSON, &out, &["--no-archive"]);
    assert_ok(&o);
    assert!(!stdout(&o).contains("archived"));
}

#[test]
fn create_refuses_to_drop_channels_of_an_existing_file_unless_allowed() {
    let dir = tmp();
    let out = s(&dir.path().join("channel.backup"));
    assert_ok(&create(BACKUP_JSON, &out, &[]));
    let fewer = edited_json(dir.path(), "fewer.json", |v| {
        v.truncate(10);
    });
    let o = create(&fewer, &out, &[]);
    assert_fails_with(&o, &["refusing to drop 6 channels", "--allow-shrink"]);
    assert_eq!(
        dump_json(&out, &[]),
        json_file(BACKUP_JSON),
        "file untouched"
    );
    assert_ok(&create(&fewer, &out, &["--allow-shrink"]));
    assert_eq!(
        dump_json(&out, &[])["singles"].as_array().unwrap().len(),
        10
    );
}

#[test]
fn create_refuses_to_overwrite_a_file_that_does_not_open_unless_forced() {
    let dir = tmp();
    let out = dir.path().join("channel.backup");
    std::fs::write(&out, vec![0x5a; 500]).unwrap();
    let o = create(BACKUP_JSON, &s(&out), &[]);
    assert_fails_with(&o, &["refusing to overwrite", "--force"]);
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x5a; 500]);
    assert_ok(&create(BACKUP_JSON, &s(&out), &["--force"]));
    let archived: Vec<_> = std::fs::read_dir(dir.path().join("chan-backup-archives"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        archived,
        vec![vec![0x5a; 500]],
        "the old file is archived, not lost"
    );
}

#[test]
fn create_rejects_an_invalid_spec() {
    let dir = tmp();
    let bad = edited_json(dir.path(), "bad.json", |v| {
        v[0]["remote_node_pub"] = Value::from("02zz");
    });
    let o = create(&bad, &s(&dir.path().join("x.backup")), &[]);
    assert_fails_with(&o, &["bad.json", "invalid spec"]);
    assert!(!dir.path().join("x.backup").exists());
}

// ---------------------------------------------------------------- diff and merge

/// A JSON like the vectors' with channel 0's capacity changed, channel 1 removed and the
/// v3 single added.
fn changed_json(dir: &Path) -> String {
    let extra = json_file("tests/fixtures/single_v3.json");
    edited_json(dir, "b.json", |v| {
        v[0]["capacity_sat"] = Value::from(12345);
        v.remove(1);
        v.push(extra);
    })
}

#[test]
fn diff_reports_added_removed_and_changed_channels() {
    let dir = tmp();
    let b = s(&dir.path().join("b.backup"));
    assert_ok(&create(&changed_json(dir.path()), &b, &[]));
    let want = json_file(BACKUP_JSON);
    let singles = want["singles"].as_array().unwrap();
    let v3 = json_file("tests/fixtures/single_v3.json");
    let o = scb_k(&["diff", BACKUP, &b, "--format", "json"]);
    assert_ok(&o);
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["added"], serde_json::json!([v3["funding_outpoint"]]));
    assert_eq!(
        d["removed"],
        serde_json::json!([singles[1]["funding_outpoint"]])
    );
    assert_eq!(
        d["changed"],
        serde_json::json!([{"funding_outpoint": singles[0]["funding_outpoint"], "fields": ["capacity_sat"]}])
    );
    assert_eq!(d["unchanged"], 14);
    let o = scb_k(&["diff", BACKUP, &b]);
    assert_ok(&o);
    assert!(stdout(&o).contains("1 added, 1 removed, 1 changed, 14 unchanged"));
}

#[test]
fn diff_exit_code_is_3_when_backups_differ_and_0_when_not() {
    let dir = tmp();
    let b = s(&dir.path().join("b.backup"));
    assert_ok(&create(&changed_json(dir.path()), &b, &[]));
    let o = scb_k(&["diff", BACKUP, &b, "--exit-code"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // The full report is still printed; stderr says why the code is 3, not "error".
    assert!(stdout(&o).contains("1 added, 1 removed, 1 changed"));
    assert_eq!(stderr(&o).trim(), "scb: 3 channel(s) differ");
    let same = s(&dir.path().join("same.backup"));
    assert_ok(&create(BACKUP_JSON, &same, &[]));
    assert_ok(&scb_k(&["diff", BACKUP, &same, "--exit-code"]));
    // A failure keeps exit code 1, distinct from "differ".
    assert_fails_with(
        &scb_k(&["diff", BACKUP, "no-such.backup", "--exit-code"]),
        &["no-such.backup"],
    );
}

#[test]
fn diff_with_a_second_key_for_b() {
    let dir = tmp();
    let seed = json_file("tests/fixtures/aezeed-e2e/keys.json")["bip32_seed"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = s(&dir.path().join("b.backup"));
    let o = scb(&[
        "create",
        "--from-json",
        BACKUP_JSON,
        "--out",
        &b,
        "--network",
        "testnet",
        "--seed-hex",
        &seed,
    ]);
    assert_ok(&o);
    // Without the second key B does not open (its manifest shows it is intact).
    assert_fails_with(&scb_k(&["diff", BACKUP, &b]), &["b.backup", "wrong key:"]);
    let o = scb_k(&["diff", BACKUP, &b, "--key-b-seed-hex", &seed]);
    assert_ok(&o);
    assert!(stdout(&o).contains("0 added, 0 removed, 0 changed, 16 unchanged"));
}

#[test]
fn merge_takes_the_union_and_the_later_file_wins() {
    let dir = tmp();
    let b = s(&dir.path().join("b.backup"));
    assert_ok(&create(&changed_json(dir.path()), &b, &[]));
    let ab = s(&dir.path().join("ab.backup"));
    let o = scb_k(&["merge", BACKUP, &b, "--out", &ab]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("17 channels (1 entry replaced"),
        "{}",
        stdout(&o)
    );
    let m = dump_json(&ab, &[]);
    let singles = m["singles"].as_array().unwrap();
    assert_eq!(singles.len(), 17);
    assert_eq!(
        singles[0]["capacity_sat"], 12345,
        "B is later: its entry wins"
    );
    let ba = s(&dir.path().join("ba.backup"));
    assert_ok(&scb_k(&["merge", &b, BACKUP, "--out", &ba]));
    let m = dump_json(&ba, &[]);
    let orig = json_file(BACKUP_JSON);
    let first = m["singles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["funding_outpoint"] == orig["singles"][0]["funding_outpoint"])
        .unwrap()
        .clone();
    assert_eq!(first, orig["singles"][0], "A is later: the original wins");
}

#[test]
fn merge_needs_two_inputs() {
    assert_usage(&scb_k(&["merge", BACKUP, "--out", "/tmp/x"]), "");
}

// ---------------------------------------------------------------- archive

#[test]
fn archive_list_and_prune() {
    let dir = tmp();
    let out = s(&dir.path().join("channel.backup"));
    for _ in 0..3 {
        assert_ok(&create(BACKUP_JSON, &out, &[]));
    }
    let root = s(dir.path());
    let o = scb(&["archive", "list", &root, "--format", "json"]);
    assert_ok(&o);
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["base"], "channel.backup");
    let o = scb(&["archive", "prune", &root, "--keep-last", "1", "--dry-run"]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("would remove 1, kept 1"),
        "{}",
        stdout(&o)
    );
    let o = scb(&["archive", "list", &root]);
    assert!(stdout(&o).contains("2 archived versions"));
    let o = scb(&["archive", "prune", &root, "--keep-last", "1"]);
    assert_ok(&o);
    assert!(stdout(&o).contains("removed 1, kept 1"));
    let o = scb(&[
        "archive",
        "list",
        &s(&dir.path().join("chan-backup-archives")),
    ]);
    assert!(stdout(&o).contains("1 archived version"), "{}", stdout(&o));
    assert_usage(&scb(&["archive", "prune", &root]), "--keep-last");
    assert_fails_with(
        &scb(&["archive", "list", "/no/such/dir"]),
        &["file not found"],
    );
}

// ---------------------------------------------------------------- restore-plan

#[test]
fn restore_plan_json_flags_s37_blockers_and_s9_close_tx_inputs() {
    let o = scb_k(&["restore-plan", BACKUP, "--format", "json"]);
    assert_ok(&o);
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    let chans = plan["channels"].as_array().unwrap();
    assert_eq!(chans.len(), 16);
    let mut blocking: Vec<&str> = plan["blocking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    blocking.sort_unstable();
    let mut want = S37_BLOCKERS.to_vec();
    want.sort_unstable();
    assert_eq!(blocking, want);
    let vectors = json_file(BACKUP_JSON);
    for (c, v) in chans.iter().zip(vectors["singles"].as_array().unwrap()) {
        assert_eq!(c["funding_outpoint"], v["funding_outpoint"]);
        assert_eq!(c["peer"], v["remote_node_pub"]);
        assert_eq!(c["version"], v["version"]);
        assert_eq!(c["chain"], "testnet3");
        let has_close = !v["close_tx_inputs"].is_null();
        assert_eq!(c["close_tx_inputs_present"], has_close);
        let s9 = c["warnings"].as_array().unwrap().iter().any(|w| {
            w.as_str()
                .unwrap()
                .starts_with("close-tx inputs present but usually stale")
        });
        assert_eq!(s9, has_close);
    }
    assert_eq!(chans[14]["channel_type"], "simple taproot (final scripts)");
}

#[test]
fn restore_plan_text_names_the_blockers() {
    let o = scb_k(&["restore-plan", BACKUP]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("4 channels would abort lnd's restore (no usable address)"));
    assert!(out.contains("only Tor v2 addresses"));
    assert!(out.contains("no address for the peer"));
}

// ---------------------------------------------------------------- seed info

#[test]
fn seed_info_from_aezeed_shows_birthday_and_fingerprint_never_the_key_unless_asked() {
    let keys = json_file("tests/fixtures/aezeed-e2e/keys.json");
    let tprv = keys["tprv"].as_str().unwrap();
    let o = scb_aezeed(
        &["seed", "info", "--aezeed", "--network", "testnet"],
        &aezeed_env(),
    );
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("5274 days after the genesis block"), "{out}");
    assert!(out.contains("birthday          2023-"), "{out}");
    assert!(out.contains("root fingerprint"));
    assert!(!out.contains("tprv") && !stderr(&o).contains("tprv"));
    let o = scb_aezeed(
        &[
            "seed",
            "info",
            "--aezeed",
            "--network",
            "testnet",
            "--show-rootkey",
            "--format",
            "json",
        ],
        &aezeed_env(),
    );
    assert_ok(&o);
    let info: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["root_key"], tprv);
    assert_eq!(info["birthday_days"], 5274);
    // The same wallet from its seed hex has the same fingerprint and backup key.
    let seed = keys["bip32_seed"].as_str().unwrap();
    let o = scb(&[
        "seed",
        "info",
        "--seed-hex",
        seed,
        "--network",
        "testnet",
        "--format",
        "json",
    ]);
    let hex: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(hex["root_key_fingerprint"], info["root_key_fingerprint"]);
    assert_eq!(hex["backup_key_id"], info["backup_key_id"]);
    assert!(hex["birthday"].is_null());
}

#[test]
fn seed_info_of_the_vectors_seed_prints_the_vectors_tprv() {
    let keys = json_file("tests/fixtures/keys.json");
    let o = scb(&[
        "seed",
        "info",
        "--seed-hex",
        keys["bip32_seed"].as_str().unwrap(),
        "--network",
        "testnet",
        "--show-rootkey",
        "--format",
        "json",
    ]);
    assert_ok(&o);
    let info: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["root_key"], keys["tprv"]);
    assert!(stderr(&o).contains("warning: printing the root private key"));
}

// ---------------------------------------------------------------- filter

#[test]
fn filter_discards_the_given_channels() {
    let dir = tmp();
    let out = s(&dir.path().join("filtered.backup"));
    let mut args = vec!["filter", BACKUP, "--out", out.as_str(), "--discard"];
    args.extend_from_slice(&S37_BLOCKERS);
    let o = scb_k(&args);
    assert_ok(&o);
    assert!(stdout(&o).contains("kept 12 of 16 channels, discarded 4"));
    let m = dump_json(&out, &[]);
    let ops: Vec<&str> = m["singles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["funding_outpoint"].as_str().unwrap())
        .collect();
    assert_eq!(ops.len(), 12);
    assert!(S37_BLOCKERS.iter().all(|b| !ops.contains(b)));
    let o = scb_k(&["restore-plan", &out]);
    assert!(stdout(&o).contains("no channel blocks lnd's restore"));
    // --exit-code: 0 for the filtered file, 3 for the original with its blockers.
    assert_ok(&scb_k(&["restore-plan", &out, "--exit-code"]));
    let o = scb_k(&["restore-plan", BACKUP, "--exit-code"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "scb: 4 channel(s) would make lnd's restore fail"
    );
    assert_ok(&scb_k(&["restore-plan", BACKUP]));
}

#[test]
fn filter_refuses_unknown_outpoints_bad_syntax_and_emptying() {
    let dir = tmp();
    let out = s(&dir.path().join("f.backup"));
    let unknown = "0000000000000000000000000000000000000000000000000000000000000001:0";
    assert_fails_with(
        &scb_k(&["filter", BACKUP, "--discard", unknown, "--out", &out]),
        &["no channel with funding outpoint"],
    );
    assert!(!Path::new(&out).exists());
    assert_usage(
        &scb_k(&["filter", BACKUP, "--discard", "nope", "--out", &out]),
        "TXID:VOUT",
    );
    let all: Vec<String> = json_file(BACKUP_JSON)["singles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["funding_outpoint"].as_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["filter", BACKUP, "--out", out.as_str(), "--discard"];
    args.extend(all.iter().map(String::as_str));
    assert_fails_with(&scb_k(&args), &["--allow-empty"]);
    args.push("--allow-empty");
    assert_ok(&scb_k(&args));
    assert_eq!(dump_json(&out, &[])["singles"], serde_json::json!([]));
}

// ---------------------------------------------------------------- watch and fetch

#[test]
fn watch_once_to_a_directory_then_fetch_it_back() {
    let dir = tmp();
    let usb = dir.path().join("usb");
    let o = scb_k(&["watch", BACKUP, "--to", &s(&usb), "--once", "--json"]);
    assert_ok(&o);
    let event: Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(event["status"], "uploaded");
    assert_eq!(event["channels"], 16);
    assert_eq!(
        std::fs::read(usb.join("channel.backup")).unwrap(),
        std::fs::read(fixture(BACKUP)).unwrap()
    );
    assert_eq!(std::fs::read_dir(usb.join("history")).unwrap().count(), 1);
    let back = s(&dir.path().join("back.backup"));
    let o = scb_k(&["fetch", &s(&usb), "--out", &back]);
    assert_ok(&o);
    assert!(stdout(&o).contains("16 channels, verified"));
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(fixture(BACKUP)).unwrap()
    );
}

#[test]
fn watch_once_never_pushes_a_file_that_does_not_verify() {
    let dir = tmp();
    let bad = dir.path().join("channel.backup");
    let mut bytes = std::fs::read(fixture(BACKUP)).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&bad, &bytes).unwrap();
    let usb = dir.path().join("usb");
    let o = scb_k(&["watch", &s(&bad), "--to", &s(&usb), "--once"]);
    assert_fails_with(&o, &["1 of 1 destination failed"]);
    assert!(stdout(&o).contains("REJECTED"), "{}", stdout(&o));
    assert!(!usb.join("channel.backup").exists());
}

// ---------------------------------------------------------------- help

#[test]
fn every_command_has_help_with_an_example() {
    let o = scb(&["--help"]);
    assert_ok(&o);
    let top = stdout(&o);
    assert!(top.contains("Exit codes") && top.contains("2  usage error"));
    for cmd in [
        vec!["dump"],
        vec!["verify"],
        vec!["create"],
        vec!["diff"],
        vec!["merge"],
        vec!["archive", "list"],
        vec!["archive", "prune"],
        vec!["restore-plan"],
        vec!["seed", "info"],
        vec!["filter"],
        vec!["watch"],
        vec!["fetch"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let o = scb(&args);
        assert_ok(&o);
        assert!(
            stdout(&o).contains("Example"),
            "{cmd:?} help has no example"
        );
    }
}

#[test]
fn unknown_command_and_bad_option_values_exit_2() {
    assert_usage(&scb(&["frobnicate"]), "unrecognized subcommand");
    assert_usage(
        &scb_k(&["dump", BACKUP, "--format", "xml"]),
        "invalid value",
    );
    assert_usage(
        &scb(&["dump", BACKUP, "--network", "moon"]),
        "invalid value",
    );
}

// ---------------------------------------------------------------- shared vectors

#[scb_testkit::requires(vectors)]
#[test]
fn dump_single_of_every_vector_single_matches_its_json() {
    let dir = scb_testkit::vectors_dir();
    let cases: Value =
        serde_json::from_slice(&std::fs::read(dir.join("singles.json")).unwrap()).unwrap();
    let k = key();
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut args = vec!["dump", "--single", "-", "--format", "json"];
        args.extend(k.iter().map(String::as_str));
        let o = scb_env(
            &args,
            Some(case["packed_hex"].as_str().unwrap().as_bytes()),
            &[],
        );
        assert_ok(&o);
        let got: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(got, case["single"], "{name}");
        let mut args = vec!["dump", "--single", "-", "--format", "hex"];
        args.extend(k.iter().map(String::as_str));
        let o = scb_env(
            &args,
            Some(case["packed_hex"].as_str().unwrap().as_bytes()),
            &[],
        );
        assert_eq!(
            stdout(&o).trim(),
            case["plaintext_hex"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[scb_testkit::requires(vectors)]
#[test]
fn key_quirk_wallet_opens_with_lnds_derivation() {
    let dir = scb_testkit::vectors_dir();
    let quirk = dir.join("key-quirk");
    let keys: Value =
        serde_json::from_slice(&std::fs::read(quirk.join("keys.json")).unwrap()).unwrap();
    let tmpdir = tmp();
    let key_path = tmpdir.path().join("quirk.tprv");
    std::fs::write(&key_path, keys["tprv"].as_str().unwrap()).unwrap();
    let o = scb(&[
        "dump",
        &s(&quirk.join("channel.backup")),
        "--format",
        "json",
        "--network",
        keys["packed_with"].as_str().unwrap(),
        "--rootkey-file",
        &s(&key_path),
    ]);
    assert_ok(&o);
    let want: Value =
        serde_json::from_slice(&std::fs::read(quirk.join("channel.backup.json")).unwrap()).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap(), want);
}

#[test]
fn verbose_logging_never_shows_the_key() {
    let tprv = std::fs::read_to_string(workspace().join(TPRV_FILE)).unwrap();
    let o = scb_env(
        &["verify", BACKUP, "--network", "testnet", "-vvv"],
        None,
        &[("SCB_ROOTKEY", tprv.trim())],
    );
    assert_ok(&o);
    let err = stderr(&o);
    assert!(err.contains("key resolved"), "{err}");
    assert!(!err.contains(tprv.trim()) && !stdout(&o).contains(tprv.trim()));
    // Not the backup key either (only its id).
    let enc = json_file("tests/fixtures/keys.json")["networks"][1]["encryption_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!err.contains(&enc));
}

#[cfg(unix)]
#[scb_testkit::requires(tool = "kill")]
#[test]
fn watch_replicates_each_change_until_interrupted() {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;

    let dir = tmp();
    let source = dir.path().join("channel.backup");
    std::fs::copy(fixture(BACKUP), &source).unwrap();
    let usb = dir.path().join("usb");
    let k = key();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scb"))
        .args([
            "watch",
            &s(&source),
            "--to",
            &s(&usb),
            "--json",
            "--interval",
            "1",
        ])
        .args(&k)
        .current_dir(crate_dir())
        .env_remove("SCB_ROOTKEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> Value {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no event for {what}"));
        serde_json::from_str(&line).unwrap()
    };
    let first = next("the initial copy");
    assert_eq!(first["status"], "uploaded");
    // lnd-style replace: write a new version beside it and rename over it.
    let staged = dir.path().join("temp-dont-use.backup");
    let o = create(BACKUP_JSON, &s(&staged), &["--no-archive", "--no-manifest"]);
    assert_ok(&o);
    std::fs::rename(&staged, &source).unwrap();
    let second = next("the rename-replace");
    assert_eq!(second["status"], "uploaded", "{second}");
    assert_ne!(second["sha256"], first["sha256"]);
    assert_eq!(
        std::fs::read(usb.join("channel.backup")).unwrap(),
        std::fs::read(&source).unwrap()
    );
    let pid = child.id().to_string();
    let killed = Command::new(scb_testkit::tool("kill"))
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success(), "kill -INT {pid}: {killed}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "watch exits cleanly on Ctrl-C");
}

#[test]
fn damaged_file_whose_archive_opens_is_reported_as_corrupted() {
    let dir = tmp();
    let out = dir.path().join("channel.backup");
    for _ in 0..2 {
        assert_ok(&create(BACKUP_JSON, &s(&out), &["--no-manifest"]));
    }
    let mut bytes = std::fs::read(&out).unwrap();
    bytes[200] ^= 0x40;
    std::fs::write(&out, &bytes).unwrap();
    assert_fails_with(
        &scb_k(&["verify", &s(&out)]),
        &[
            "corrupted backup",
            "opens the archived version channel.backup-",
        ],
    );
}

#[test]
fn text_output_escapes_terminal_control_characters_from_the_backup() {
    let dir = tmp();
    let spec = edited_json(dir.path(), "evil.json", |v| {
        v[0]["addresses"] = serde_json::json!([
            {"type": "dns", "address": "evil\u{1b}]0;pwned\u{7}\u{1b}[2J.example:9735"}
        ]);
    });
    let out = s(&dir.path().join("evil.backup"));
    assert_ok(&create(&spec, &out, &[]));
    for cmd in ["dump", "restore-plan"] {
        let o = scb_k(&[cmd, &out]);
        assert_ok(&o);
        assert!(!o.stdout.contains(&0x1b), "{cmd} printed a raw escape");
        assert!(stdout(&o).contains("evil\\u{1b}]0;pwned"), "{}", stdout(&o));
    }
    // JSON keeps the exact value (escaped by the JSON encoding itself).
    let j = dump_json(&out, &[]);
    assert_eq!(
        j["singles"][0]["addresses"][0]["address"],
        "evil\u{1b}]0;pwned\u{7}\u{1b}[2J.example:9735"
    );
}

// ---------------------------------------------------------------- interactive prompts

/// Runs scb under `script` (a pseudo-terminal), typing each of `lines` once the next
/// "hidden" prompt has appeared (plus a pause so echo is off). For tests marked
/// `#[requires(tool = "script")]`.
#[cfg(unix)]
fn scb_on_tty(args: &str, lines: &[&str]) -> Output {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let cmdline = format!("{} {args}", env!("CARGO_BIN_EXE_scb"));
    let mut child = Command::new(scb_testkit::tool("script"))
        .args(["-qec", &cmdline, "/dev/null"])
        .current_dir(crate_dir())
        .env_remove("SCB_ROOTKEY")
        .env_remove("SCB_AEZEED")
        .env_remove("SCB_AEZEED_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut out = child.stdout.take().unwrap();
    let sink = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut pipe = child.stdin.take().unwrap();
    for (i, line) in lines.iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
            if text.matches("hidden").count() > i {
                break;
            }
            assert!(Instant::now() < deadline, "no prompt {i}: {text}");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        pipe.write_all(format!("{line}\n").as_bytes()).unwrap();
        pipe.flush().unwrap();
    }
    let status = child.wait().unwrap();
    drop(pipe);
    reader.join().unwrap();
    let mut stderr = Vec::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_end(&mut stderr);
    }
    let stdout = seen.lock().unwrap().clone();
    Output {
        status,
        stdout,
        stderr,
    }
}

#[cfg(unix)]
#[scb_testkit::requires(tool = "script")]
#[test]
fn interactive_root_key_prompt_on_a_terminal_never_echoes_the_key() {
    let tprv = std::fs::read_to_string(workspace().join(TPRV_FILE)).unwrap();
    let o = scb_on_tty(
        &format!("verify {BACKUP} --network testnet"),
        &[tprv.trim()],
    );
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(all.contains("root key (xprv/tprv, hidden)"), "{all}");
    assert!(all.contains("(prompt, network testnet)"), "{all}");
    assert!(!all.contains(tprv.trim()), "the key was echoed: {all}");
}

#[cfg(unix)]
#[scb_testkit::requires(tool = "script")]
#[test]
fn interactive_aezeed_prompt_on_a_terminal() {
    let seed = json_file("tests/fixtures/aezeed-e2e/seed.json");
    let words = seed["mnemonic"].as_str().unwrap();
    let pass = seed["passphrase"].as_str().unwrap();
    let o = scb_on_tty(
        &format!("verify --aezeed --network testnet {AEZEED_BACKUP}"),
        &[words, pass],
    );
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(all.contains("(aezeed, network testnet)"), "{all}");
    assert!(!all.contains(words) && !all.contains(pass), "echoed: {all}");
}

#[test]
fn unknown_single_version_fails_like_lnd_unless_skipped() {
    // lnd's negative vector `multi_unknown_single_version`: a v2 single, then a v9 one.
    let file = "tests/fixtures/multi_unknown_single_version.packed.hex";
    assert_fails_with(
        &scb_k(&["dump", file]),
        &[
            "unsupported backup format",
            "unknown single version 9",
            "--skip-unknown-versions",
        ],
    );
    let o = scb_k(&["dump", file, "--skip-unknown-versions", "--format", "json"]);
    assert_ok(&o);
    let m: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(m["singles"].as_array().unwrap().len(), 1);
    assert_eq!(m["singles"][0]["version"], 2);
    assert!(stderr(&o).contains("skipped single 1 of unknown version 9"));
}
