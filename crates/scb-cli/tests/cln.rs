//! `scb` with `--hsm-secret-file` on Core Lightning's `emergency.recover`:
//! every vector case through the real binary, key-source rules, bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bitcoin::hex::FromHex;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scb-cln/tests/fixtures/cases.json");
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn case(name: &str) -> Value {
    cases().into_iter().find(|c| c["name"] == name).unwrap()
}

fn hex(v: &Value, field: &str) -> Vec<u8> {
    Vec::from_hex(v[field].as_str().unwrap()).unwrap()
}

/// Writes the case's `emergency.recover` and `hsm_secret` into `dir`.
fn files(dir: &Path, c: &Value) -> (PathBuf, PathBuf) {
    let name = c["name"].as_str().unwrap();
    let (file, hsm) = (
        dir.join(format!("{name}.recover")),
        dir.join(format!("{name}.hsm")),
    );
    std::fs::write(&file, hex(c, "file_hex")).unwrap();
    std::fs::write(&hsm, hex(&c["hsm"], "hsm_secret_hex")).unwrap();
    (file, hsm)
}

fn scb(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scb"));
    cmd.args(args)
        .env_remove("SCB_ROOTKEY")
        .env_remove("SCB_HSM_SECRET_PASSPHRASE")
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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_vector_case_gets_its_verdict_from_verify_and_dump() {
    let dir = tempfile::tempdir().unwrap();
    let all = cases();
    assert_eq!(all.len(), 26);
    for c in &all {
        let name = c["name"].as_str().unwrap();
        let (file, hsm) = files(dir.path(), c);
        let pass = c["hsm"]["passphrase"].as_str();
        let env: Vec<(&str, &str)> = pass
            .map(|p| ("SCB_HSM_SECRET_PASSPHRASE", p))
            .into_iter()
            .collect();
        let v = scb(&["verify", s(&file), "--hsm-secret-file", s(&hsm)], &env);
        if c["outcome"] == "accepted" {
            assert_eq!(v.status.code(), Some(0), "{name}: {}", err(&v));
            assert!(
                out(&v).contains("ok: Core Lightning emergency.recover"),
                "{name}"
            );
            let d = scb(
                &[
                    "dump",
                    s(&file),
                    "--hsm-secret-file",
                    s(&hsm),
                    "--format",
                    "json",
                ],
                &env,
            );
            assert_eq!(d.status.code(), Some(0), "{name}: {}", err(&d));
            let json: Value = serde_json::from_slice(&d.stdout).unwrap();
            assert_eq!(json, c["decoded"], "{name}: dump json");
            let h = scb(
                &[
                    "dump",
                    s(&file),
                    "--hsm-secret-file",
                    s(&hsm),
                    "--format",
                    "hex",
                ],
                &env,
            );
            assert_eq!(
                out(&h).trim(),
                c["plaintext_hex"].as_str().unwrap(),
                "{name}: dump hex"
            );
        } else {
            assert_eq!(v.status.code(), Some(1), "{name}: {}", err(&v));
            let e = err(&v);
            assert_eq!(e.lines().count(), 1, "{name}: one line: {e}");
            assert!(!e.contains("panicked"), "{name}: {e}");
            let expected = match c["error"].as_str().unwrap() {
                "SCB file is corrupted!" => "wrong key or corrupted file",
                _ => "corrupted backup: it decrypts but Core Lightning would refuse it",
            };
            assert!(e.contains(expected), "{name}: {e}");
        }
    }
}

#[test]
fn clnemerg_text_and_hex_text_are_accepted_as_input() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("mixed_addresses");
    let (file, hsm) = files(dir.path(), &c);
    let text = dir.path().join("backup.txt");
    std::fs::write(
        &text,
        format!(
            "{}\n",
            scb_cln::bech32::encode(&std::fs::read(&file).unwrap()).unwrap()
        ),
    )
    .unwrap();
    let o = scb(
        &[
            "dump",
            s(&text),
            "--hsm-secret-file",
            s(&hsm),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).unwrap(),
        c["decoded"]
    );
    let hexfile = dir.path().join("backup.hex");
    std::fs::write(&hexfile, c["file_hex"].as_str().unwrap()).unwrap();
    let o = scb(&["verify", s(&hexfile), "--hsm-secret-file", s(&hsm)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn mixing_with_lnd_key_sources_is_a_usage_error_naming_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let (file, hsm) = files(dir.path(), &case("empty"));
    let o = scb(
        &[
            "verify",
            s(&file),
            "--hsm-secret-file",
            s(&hsm),
            "--rootkey-file",
            s(&hsm),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--hsm-secret-file") && err(&o).contains("--rootkey-file"),
        "{}",
        err(&o)
    );
    let o = scb(
        &[
            "merge",
            s(&file),
            s(&file),
            "--out",
            "x",
            "--hsm-secret-file",
            s(&hsm),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("dump, verify, restore-plan, diff and create"),
        "{}",
        err(&o)
    );
    let o = scb(
        &["verify", "--single", s(&file), "--hsm-secret-file", s(&hsm)],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn passphrase_missing_wrong_or_needless() {
    let dir = tempfile::tempdir().unwrap();
    let (file, hsm) = files(dir.path(), &case("mnemonic_with_passphrase"));
    // stdin is a pipe: no prompt, a usage error naming the variable.
    let o = scb(&["verify", s(&file), "--hsm-secret-file", s(&hsm)], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("SCB_HSM_SECRET_PASSPHRASE"), "{}", err(&o));
    let o = scb(
        &["verify", s(&file), "--hsm-secret-file", s(&hsm)],
        &[("SCB_HSM_SECRET_PASSPHRASE", "nope")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("wrong passphrase"), "{}", err(&o));
    let (file, hsm) = files(dir.path(), &case("empty"));
    let o = scb(
        &["verify", s(&file), "--hsm-secret-file", s(&hsm)],
        &[("SCB_HSM_SECRET_PASSPHRASE", "x")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("ignored"), "{}", err(&o));
}

#[test]
fn wrong_passphrase_on_encrypted_hsm_secret_fails_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (file, hsm) = files(dir.path(), &case("encrypted_hsm_secret"));
    let o = scb(
        &["verify", s(&file), "--hsm-secret-file", s(&hsm)],
        &[("SCB_HSM_SECRET_PASSPHRASE", "wrong")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    assert!(err(&o).contains("wrong passphrase"), "{}", err(&o));
}

#[test]
fn bad_inputs_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (file, hsm) = files(dir.path(), &case("empty"));
    let short = dir.path().join("short.hsm");
    std::fs::write(&short, [1u8; 31]).unwrap();
    let o = scb(&["verify", s(&file), "--hsm-secret-file", s(&short)], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("31 bytes"), "{}", err(&o));
    let big = dir.path().join("big.recover");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let o = scb(&["verify", s(&big), "--hsm-secret-file", s(&hsm)], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("larger than"), "{}", err(&o));
    let o = scb(
        &["verify", s(dir.path()), "--hsm-secret-file", s(&hsm)],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let tiny = dir.path().join("tiny.recover");
    std::fs::write(&tiny, [0u8; 40]).unwrap();
    let o = scb(&["verify", s(&tiny), "--hsm-secret-file", s(&hsm)], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("not a backup"), "{}", err(&o));
}

#[test]
fn create_writes_a_0400_file_that_opens_and_replaces_it_only_through_the_guard() {
    let dir = tempfile::tempdir().unwrap();
    let (c, hsm, spec) = create_setup(dir.path());
    let outp = dir.path().join("emergency.recover");
    let args = create_args(&spec, &outp, &hsm);
    let o = scb(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_mode_0400(&outp);
    let backup = scb_cln::open(&std::fs::read(&outp).unwrap(), &scb_key(&hsm)).unwrap();
    assert_eq!(scb_cln::json::to_json(&backup), c["decoded"]);
    assert!(archived(dir.path()).is_empty());

    // The same channels under the same secret: replaced, the previous version archived.
    let before = std::fs::read(&outp).unwrap();
    let o = scb(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("previous version archived as"),
        "{}",
        out(&o)
    );
    assert_ne!(
        std::fs::read(&outp).unwrap(),
        before,
        "a fresh header each time"
    );
    assert_mode_0400(&outp);
    let entries = archived(dir.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(std::fs::read(&entries[0]).unwrap(), before);
    assert_mode_0400(&entries[0]);
}

/// The `mixed_addresses` case, its `hsm_secret` and its JSON form written into `dir`.
fn create_setup(dir: &Path) -> (Value, PathBuf, PathBuf) {
    let c = case("mixed_addresses");
    let (_, hsm) = files(dir, &c);
    let spec = dir.join("spec.json");
    std::fs::write(&spec, c["decoded"].to_string()).unwrap();
    (c, hsm, spec)
}

fn create_args<'a>(spec: &'a Path, outp: &'a Path, hsm: &'a Path) -> Vec<&'a str> {
    vec![
        "create",
        "--from-json",
        s(spec),
        "--out",
        s(outp),
        "--hsm-secret-file",
        s(hsm),
    ]
}

fn scb_key(hsm: &Path) -> scb_cln::ScbKey {
    scb_cln::HsmSecret::from_bytes(&std::fs::read(hsm).unwrap())
        .unwrap()
        .secret_data(None)
        .unwrap()
        .scb_key()
}

fn assert_mode_0400(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o400,
            "{}",
            path.display()
        );
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The archive entries beside the output file, oldest first.
fn archived(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join(scb_store::ARCHIVE_DIR_NAME)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
}

#[test]
fn create_over_a_file_of_another_hsm_secret_needs_force_and_keeps_it_archived() {
    let dir = tempfile::tempdir().unwrap();
    let (_, hsm, spec) = create_setup(dir.path());
    let other_hsm = dir.path().join("other.hsm");
    std::fs::write(&other_hsm, [0x11; 32]).unwrap();
    let outp = dir.path().join("emergency.recover");
    let o = scb(&create_args(&spec, &outp, &other_hsm), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let before = std::fs::read(&outp).unwrap();

    let args = create_args(&spec, &outp, &hsm);
    let o = scb(&args, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("does not open with this secret") && err(&o).contains("--force"),
        "{}",
        err(&o)
    );
    assert_eq!(err(&o).trim().lines().count(), 1, "{}", err(&o));
    assert_eq!(std::fs::read(&outp).unwrap(), before);

    let mut forced = args.clone();
    forced.push("--force");
    let o = scb(&forced, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("warning: replacing"), "{}", err(&o));
    scb_cln::open(&std::fs::read(&outp).unwrap(), &scb_key(&hsm)).unwrap();
    assert_mode_0400(&outp);
    let entries = archived(dir.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        std::fs::read(&entries[0]).unwrap(),
        before,
        "the replaced file is kept"
    );
}

#[test]
fn create_refuses_to_drop_channels_without_allow_shrink() {
    let dir = tempfile::tempdir().unwrap();
    let (c, hsm, spec) = create_setup(dir.path());
    let outp = dir.path().join("emergency.recover");
    let o = scb(&create_args(&spec, &outp, &hsm), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let before = std::fs::read(&outp).unwrap();

    let mut fewer = c["decoded"].clone();
    fewer["channels"].as_array_mut().unwrap().truncate(1);
    let fewer_spec = dir.path().join("fewer.json");
    std::fs::write(&fewer_spec, fewer.to_string()).unwrap();
    let args = create_args(&fewer_spec, &outp, &hsm);
    let o = scb(&args, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("refusing to drop 3 channels") && err(&o).contains("--allow-shrink"),
        "{}",
        err(&o)
    );
    assert_eq!(std::fs::read(&outp).unwrap(), before);
    // --force is about files that do not open; it does not allow dropping channels.
    let mut forced = args.clone();
    forced.push("--force");
    assert_eq!(scb(&forced, &[]).status.code(), Some(1));
    assert_eq!(std::fs::read(&outp).unwrap(), before);

    let mut shrink = args.clone();
    shrink.push("--allow-shrink");
    let o = scb(&shrink, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let now = scb_cln::open(&std::fs::read(&outp).unwrap(), &scb_key(&hsm)).unwrap();
    assert_eq!(now.channels.len(), 1);
    assert_eq!(std::fs::read(&archived(dir.path())[0]).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn create_refuses_a_fifo_a_device_or_a_link_as_target() {
    let dir = tempfile::tempdir().unwrap();
    let (_, hsm, spec) = create_setup(dir.path());

    let fifo = dir.path().join("fifo.recover");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let device = dir.path().join("device.recover");
    std::os::unix::fs::symlink("/dev/null", &device).unwrap();
    for (target, what) in [(&fifo, "FIFO"), (&device, "symbolic link")] {
        let mut args = create_args(&spec, target, &hsm);
        args.push("--force");
        let o = scb(&args, &[]);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", err(&o));
        assert!(err(&o).contains(what), "{what}: {}", err(&o));
        assert_eq!(err(&o).trim().lines().count(), 1, "{}", err(&o));
    }
    use std::os::unix::fs::FileTypeExt;
    if Path::new("/dev/full").exists() {
        let mut args = create_args(&spec, Path::new("/dev/full"), &hsm);
        args.push("--force");
        let o = scb(&args, &[]);
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        assert!(
            err(&o).contains("/dev/full is a character device, not a regular file"),
            "{}",
            err(&o)
        );
    }
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(&device)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn restore_plan_says_what_emergencyrecover_does_and_flags_legacy_files() {
    let dir = tempfile::tempdir().unwrap();
    let (file, hsm) = files(dir.path(), &case("legacy_two_channels"));
    let o = scb(
        &["restore-plan", s(&file), "--hsm-secret-file", s(&hsm)],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains("emergencyrecover") && text.contains("cannot make penalty transactions"),
        "{text}"
    );
    let o = scb(
        &[
            "restore-plan",
            s(&file),
            "--hsm-secret-file",
            s(&hsm),
            "--format",
            "json",
        ],
        &[],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["channels"].as_array().unwrap().len(), 2);
    assert_eq!(v["channels"][0]["penalty_possible"], false);
    let (file, hsm) = files(dir.path(), &case("one_channel_all_tlvs"));
    let o = scb(
        &[
            "restore-plan",
            s(&file),
            "--hsm-secret-file",
            s(&hsm),
            "--format",
            "json",
        ],
        &[],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["channels"][0]["penalty_possible"], true);
}

#[test]
fn diff_of_two_files_under_one_hsm_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (a, hsm) = files(dir.path(), &case("one_channel_all_tlvs"));
    let (b, _) = files(dir.path(), &case("mixed_addresses"));
    let o = scb(
        &[
            "diff",
            s(&a),
            s(&b),
            "--hsm-secret-file",
            s(&hsm),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["added"].as_array().unwrap().len(), 4);
    assert_eq!(v["removed"].as_array().unwrap().len(), 1);
    let o = scb(&["diff", s(&a), s(&a), "--hsm-secret-file", s(&hsm)], &[]);
    assert!(
        out(&o).contains("0 added, 0 removed, 0 changed, 1 unchanged"),
        "{}",
        out(&o)
    );
}

#[test]
fn restore_plan_warns_when_a_channel_id_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let c = case("mixed_addresses");
    let (_, hsm) = files(dir.path(), &c);
    let mut decoded = c["decoded"].clone();
    decoded["channels"][2]["id"] = decoded["channels"][0]["id"].clone();
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, decoded.to_string()).unwrap();
    let file = dir.path().join("emergency.recover");
    let o = scb(
        &[
            "create",
            "--from-json",
            s(&spec),
            "--out",
            s(&file),
            "--hsm-secret-file",
            s(&hsm),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = scb(
        &[
            "restore-plan",
            s(&file),
            "--hsm-secret-file",
            s(&hsm),
            "--format",
            "json",
        ],
        &[],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let warned: Vec<bool> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ch| {
            ch["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w.as_str().unwrap().contains("repeats"))
        })
        .collect();
    assert_eq!(warned, vec![false, false, true, false]);
}
