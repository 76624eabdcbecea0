//! Fuzzing: target discovery, seed corpora from lnd's vectors, runs, and keeping crashes.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, Result, Runner};
use serde_json::Value;

/// Default seconds each target runs in a smoke run.
pub const DEFAULT_SECONDS: u64 = 10;

/// Prefixes libFuzzer gives the inputs it saves when a run fails.
const ARTIFACT_PREFIXES: [&str; 4] = ["crash-", "leak-", "timeout-", "oom-"];

/// Target names declared as `[[bin]]` in a cargo-fuzz manifest, in file order.
pub fn targets_in_manifest(manifest: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
            continue;
        }
        if !in_bin {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "name" {
            let name = value.trim().trim_matches('"');
            if !name.is_empty() {
                targets.push(name.to_owned());
            }
        }
    }
    targets
}

/// The targets of `fuzz/Cargo.toml` under `root`.
pub fn targets(root: &Path) -> Result<Vec<String>> {
    let path = root.join("fuzz").join("Cargo.toml");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(targets_in_manifest(&text))
}

/// Decodes lower- or upper-case hex; `None` for an odd length or a non-hex digit.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

/// Where the lnd vectors live for a checkout at `root`: `<root>/../shared/vectors`.
pub fn vectors_dir(root: &Path) -> PathBuf {
    root.join("..").join("shared").join("vectors")
}

/// One seed input, named after where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    pub name: String,
    pub bytes: Vec<u8>,
}

fn load_json(path: &Path) -> Result<Value> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str::<Value>(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn case_name(case: &Value, index: usize) -> String {
    let name = case.get("name").and_then(Value::as_str).unwrap_or("case");
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect();
    format!("{index:03}-{clean}")
}

/// Seeds from the hex field `field` of every case of a vector list, optionally only the
/// cases whose `decoder` is `decoder`.
fn hex_seeds(cases: &Value, field: &str, decoder: Option<&str>, prefix: &str) -> Vec<Seed> {
    let Some(cases) = cases.as_array() else {
        return Vec::new();
    };
    cases
        .iter()
        .enumerate()
        .filter(|(_, case)| {
            decoder.is_none_or(|d| case.get("decoder").and_then(Value::as_str) == Some(d))
        })
        .filter_map(|(i, case)| {
            let hex = case.get(field)?.as_str()?;
            let bytes = hex_decode(hex)?;
            (!bytes.is_empty()).then(|| Seed {
                name: format!("{prefix}-{}", case_name(case, i)),
                bytes,
            })
        })
        .collect()
}

/// The address entries of a single plaintext: the `L` bytes after the u16 list length at
/// offset 111 (docs/format.md#single), without that length.
pub fn address_list_of_single(plaintext: &[u8]) -> Option<&[u8]> {
    let len_bytes = plaintext.get(111..113)?;
    let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    plaintext.get(113..113 + len)
}

/// The seed inputs for `target` made from the vectors in `vectors`.
///
/// Unknown targets get none. The mapping follows the input each decoder takes: plaintext
/// singles and multis, packed multis (and `.backup` files), address-list entries, mnemonics.
pub fn seeds_for(target: &str, vectors: &Path) -> Result<Vec<Seed>> {
    let mut seeds = Vec::new();
    match target {
        "single_decode" => {
            seeds.extend(hex_seeds(
                &load_json(&vectors.join("singles.json"))?,
                "plaintext_hex",
                None,
                "singles",
            ));
            seeds.extend(hex_seeds(
                &load_json(&vectors.join("negative.json"))?,
                "hex",
                Some("single"),
                "negative",
            ));
        }
        "multi_decode" => {
            seeds.extend(hex_seeds(
                &load_json(&vectors.join("multi.json"))?,
                "plaintext_hex",
                None,
                "multi",
            ));
            seeds.extend(hex_seeds(
                &load_json(&vectors.join("negative.json"))?,
                "hex",
                Some("multi"),
                "negative",
            ));
        }
        "packed_multi_decode" => {
            seeds.extend(hex_seeds(
                &load_json(&vectors.join("multi.json"))?,
                "packed_hex",
                None,
                "multi",
            ));
            seeds.extend(hex_seeds(
                &load_json(&vectors.join("negative.json"))?,
                "hex",
                Some("packed_multi"),
                "negative",
            ));
            let file = vectors.join("channel.backup");
            if let Ok(bytes) = fs::read(&file) {
                seeds.push(Seed {
                    name: "channel.backup".to_owned(),
                    bytes,
                });
            }
        }
        "address_decode" => {
            let singles = hex_seeds(
                &load_json(&vectors.join("singles.json"))?,
                "plaintext_hex",
                None,
                "singles",
            );
            let mut seen = BTreeSet::new();
            for single in singles {
                if let Some(list) = address_list_of_single(&single.bytes) {
                    if !list.is_empty() && seen.insert(list.to_vec()) {
                        seeds.push(Seed {
                            name: format!("addresses-{}", single.name),
                            bytes: list.to_vec(),
                        });
                    }
                }
            }
        }
        "aezeed_decode" => {
            let doc = load_json(&vectors.join("aezeed.json"))?;
            for list in ["cases", "negative"] {
                let cases = doc
                    .get(list)
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                for (i, case) in cases.iter().enumerate() {
                    if let Some(words) = case.get("mnemonic").and_then(Value::as_str) {
                        seeds.push(Seed {
                            name: format!("aezeed-{list}-{i:03}"),
                            bytes: words.as_bytes().to_vec(),
                        });
                    }
                }
            }
        }
        _ => {}
    }
    Ok(seeds)
}

/// Writes the seeds of every target made from lnd's vectors into the committed corpus,
/// `fuzz/regressions/<target>/vector-<name>`; returns how many per target. Fails when the
/// vectors folder is absent (the committed corpus is then left as it is).
pub fn write_vector_corpora(root: &Path, targets: &[String]) -> Result<Vec<(String, usize)>> {
    let vectors = vectors_dir(root);
    if !vectors.is_dir() {
        return Err(format!("no vectors at {}", vectors.display()).into());
    }
    let mut written = Vec::new();
    for target in targets {
        let seeds = seeds_for(target, &vectors)?;
        let dir = root.join("fuzz").join("regressions").join(target);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for seed in &seeds {
            let path = dir.join(format!("vector-{}", seed.name));
            fs::write(&path, &seed.bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        written.push((target.clone(), seeds.len()));
    }
    Ok(written)
}

/// The command that runs `target` on stable for `seconds`: the target's non-libFuzzer
/// `main` (`fuzz/src/lib.rs`), which replays the committed corpus and then mutates it.
pub fn stable_command(root: &Path, target_dir: &Path, target: &str, seconds: u64) -> Command {
    let mut cmd = cmd::cargo();
    cmd.current_dir(root)
        .args([
            "run",
            "--release",
            "--quiet",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--bin",
            target,
        ])
        .arg("--target-dir")
        .arg(target_dir.join("fuzz-stable"))
        .args(["--", "--seconds", &seconds.to_string()]);
    cmd
}

/// Runs one target on stable, keeping any failing input under `fuzz/regressions/<target>/`.
pub fn run_stable(
    runner: &mut Runner,
    root: &Path,
    target_dir: &Path,
    target: &str,
    seconds: u64,
) -> Result<()> {
    let artifacts = root.join("fuzz").join("artifacts").join(target);
    let regressions = root.join("fuzz").join("regressions").join(target);
    let before = artifact_names(&artifacts);
    let result = runner.run(
        &format!("fuzz {target} (stable, {seconds} s)"),
        &mut stable_command(root, target_dir, target, seconds),
    );
    for path in keep_new_artifacts(&artifacts, &before, &regressions)? {
        println!(
            "fuzz {target}: kept failing input {} (commit it with the fix)",
            path.display()
        );
    }
    result
}

/// Whether `cargo +nightly fuzz` can run here; otherwise the reason it cannot.
pub fn fuzz_available() -> std::result::Result<(), String> {
    if !cmd::succeeds(cmd::cargo_toolchain("nightly").arg("--version")) {
        return Err("no nightly toolchain (rustup toolchain list)".to_owned());
    }
    if !cmd::succeeds(cmd::cargo_toolchain("nightly").args(["fuzz", "--version"])) {
        return Err("cargo-fuzz is not installed (cargo install cargo-fuzz --locked)".to_owned());
    }
    Ok(())
}

fn artifact_names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(std::result::Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| ARTIFACT_PREFIXES.iter().any(|p| name.starts_with(p)))
                .collect()
        })
        .unwrap_or_default()
}

/// Copies artifacts present in `artifacts` but not in `before` into `regressions`;
/// returns the copies' paths.
pub fn keep_new_artifacts(
    artifacts: &Path,
    before: &BTreeSet<String>,
    regressions: &Path,
) -> Result<Vec<PathBuf>> {
    let mut kept = Vec::new();
    for name in artifact_names(artifacts).difference(before) {
        fs::create_dir_all(regressions)
            .map_err(|e| format!("cannot create {}: {e}", regressions.display()))?;
        let to = regressions.join(name);
        fs::copy(artifacts.join(name), &to)
            .map_err(|e| format!("cannot copy artifact to {}: {e}", to.display()))?;
        kept.push(to);
    }
    Ok(kept)
}

/// The command that builds every target with cargo-fuzz (nightly, sanitizers on).
pub fn build_command(root: &Path) -> Command {
    let mut cmd = cmd::cargo_toolchain("nightly");
    cmd.current_dir(root).args(["fuzz", "build"]);
    cmd
}

/// Runs one target for `seconds`, keeping any crash input under `fuzz/regressions/<target>/`.
///
/// The corpus is `fuzz/corpus/<target>` (libFuzzer adds to it); the committed regressions of
/// that target are read too, so an old crash that comes back fails at once.
pub fn run_target(runner: &mut Runner, root: &Path, target: &str, seconds: u64) -> Result<()> {
    let fuzz_dir = root.join("fuzz");
    let artifacts = fuzz_dir.join("artifacts").join(target);
    let regressions = fuzz_dir.join("regressions").join(target);
    let corpus = fuzz_dir.join("corpus").join(target);
    fs::create_dir_all(&corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let before = artifact_names(&artifacts);

    let mut cmd = cmd::cargo_toolchain("nightly");
    cmd.current_dir(root).args(["fuzz", "run", target]);
    cmd.arg(&corpus);
    if regressions.is_dir() {
        cmd.arg(&regressions);
    }
    cmd.arg("--").arg(format!("-max_total_time={seconds}"));
    let result = runner.run(&format!("fuzz {target}"), &mut cmd);

    let kept = keep_new_artifacts(&artifacts, &before, &regressions)?;
    for path in &kept {
        println!(
            "fuzz {target}: kept failing input {} (commit it; the crate's tests replay it)",
            path.display()
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bin_targets_and_ignores_other_names() {
        let manifest = r#"
[package]
name = "scb-fuzz"

[[bin]]
name = "single_decode"
path = "fuzz_targets/single_decode.rs"

[dependencies]
name = "not-a-target"

[[bin]]
name="multi_decode"
"#;
        assert_eq!(
            targets_in_manifest(manifest),
            ["single_decode", "multi_decode"]
        );
    }

    #[test]
    fn hex_decode_accepts_both_cases_and_rejects_bad_input() {
        assert_eq!(hex_decode("00fFa1"), Some(vec![0, 0xff, 0xa1]));
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
        assert_eq!(hex_decode(""), Some(vec![]));
    }

    #[test]
    fn address_list_is_cut_at_its_length_prefix() {
        let mut single = vec![0u8; 111];
        single.extend_from_slice(&[0, 7, 1, 127, 0, 0, 1, 0x26, 0x07, 0xee]);
        assert_eq!(
            address_list_of_single(&single),
            Some(&[1, 127, 0, 0, 1, 0x26, 0x07][..])
        );
        single.truncate(115);
        assert_eq!(address_list_of_single(&single), None);
    }

    #[test]
    fn hex_seeds_filter_by_decoder_and_skip_empty_or_bad_hex() {
        let cases = serde_json::from_str::<Value>(
            r#"[{"name":"a b","decoder":"single","hex":"0102"},
                {"name":"c","decoder":"multi","hex":"03"},
                {"name":"d","decoder":"single","hex":""},
                {"name":"e","decoder":"single","hex":"xyz1"}]"#,
        )
        .unwrap();
        let seeds = hex_seeds(&cases, "hex", Some("single"), "neg");
        assert_eq!(
            seeds,
            [Seed {
                name: "neg-000-a_b".to_owned(),
                bytes: vec![1, 2]
            }]
        );
    }

    #[test]
    fn new_artifacts_are_copied_and_old_ones_left() {
        let dir = std::env::temp_dir().join(format!("xtask-artifacts-{}", std::process::id()));
        let artifacts = dir.join("artifacts");
        let regressions = dir.join("regressions");
        fs::create_dir_all(&artifacts).unwrap();
        fs::write(artifacts.join("crash-old"), b"old").unwrap();
        let before = artifact_names(&artifacts);
        fs::write(artifacts.join("crash-new"), b"new").unwrap();
        fs::write(artifacts.join("notes.txt"), b"not an artifact").unwrap();
        let kept = keep_new_artifacts(&artifacts, &before, &regressions).unwrap();
        assert_eq!(kept, [regressions.join("crash-new")]);
        assert_eq!(fs::read(regressions.join("crash-new")).unwrap(), b"new");
        assert!(!regressions.join("crash-old").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[scb_testkit::requires(vectors)]
    #[test]
    fn seeds_come_from_the_shared_vectors() {
        let vectors = scb_testkit::vectors_dir();
        let singles = seeds_for("single_decode", &vectors).unwrap();
        assert!(singles.len() > 32, "{} single seeds", singles.len());
        // The first single of singles.json is a v0 plaintext: version byte 0.
        assert_eq!(singles[0].bytes[0], 0);
        let packed = seeds_for("packed_multi_decode", &vectors).unwrap();
        assert!(packed.iter().any(|s| s.name == "channel.backup"));
        let addresses = seeds_for("address_decode", &vectors).unwrap();
        assert!(!addresses.is_empty());
        let words = seeds_for("aezeed_decode", &vectors).unwrap();
        assert!(words
            .iter()
            .all(|s| std::str::from_utf8(&s.bytes).is_ok_and(|t| t.split(' ').count() >= 20)));
        assert!(seeds_for("no_such_target", &vectors).unwrap().is_empty());
    }
}
