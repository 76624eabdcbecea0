//! Reading `cargo test`'s output: every test's outcome, per crate, and every skip with its
//! reason (libtest prints `test NAME ... ignored, REASON` for `#[ignore = "REASON"]`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

/// Outcomes of one crate's tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Counts {
    /// Tests that really ran their subject.
    pub fn ran(&self) -> u64 {
        self.passed + self.failed
    }
}

/// A test that did not run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub krate: String,
    pub test: String,
    pub reason: String,
}

/// Which crate a test binary or doc-test run belongs to.
#[derive(Debug, Default)]
pub struct Owners {
    /// Executable file name (`vectors-0a1b2c3d`) -> package name.
    executables: HashMap<String, String>,
    /// Library target name (`scb_wire`) -> package name, for `Doc-tests scb_wire`.
    libraries: HashMap<String, String>,
}

impl Owners {
    /// From `cargo metadata` (library names) and the JSON lines of
    /// `cargo test --no-run --message-format json` (test executables).
    pub fn new(metadata: &Value, build_messages: &str) -> Self {
        let mut owners = Owners::default();
        let mut by_manifest = HashMap::new();
        let packages = metadata
            .get("packages")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for package in packages {
            let (Some(name), Some(manifest)) = (
                package.get("name").and_then(Value::as_str),
                package.get("manifest_path").and_then(Value::as_str),
            ) else {
                continue;
            };
            by_manifest.insert(manifest.to_owned(), name.to_owned());
            let targets = package
                .get("targets")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for target in targets {
                let is_lib = target
                    .get("kind")
                    .and_then(Value::as_array)
                    .is_some_and(|k| {
                        k.iter()
                            .any(|k| k.as_str().is_some_and(|k| k.ends_with("lib")))
                    });
                if let (true, Some(lib)) = (is_lib, target.get("name").and_then(Value::as_str)) {
                    owners
                        .libraries
                        .insert(lib.replace('-', "_"), name.to_owned());
                }
            }
        }
        for line in build_messages.lines() {
            let Ok(message) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let (Some(exe), Some(manifest)) = (
                message.get("executable").and_then(Value::as_str),
                message.get("manifest_path").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let (Some(file), Some(name)) = (
                Path::new(exe).file_name().and_then(|f| f.to_str()),
                by_manifest.get(manifest),
            ) {
                owners.executables.insert(file.to_owned(), name.clone());
            }
        }
        owners
    }
}

/// Everything learnt from one `cargo test` log.
#[derive(Debug, Default)]
pub struct TestLog {
    pub per_crate: BTreeMap<String, Counts>,
    pub skips: Vec<Skip>,
    pub failures: Vec<(String, String)>,
    current: String,
}

impl TestLog {
    /// Reads one line of the merged stdout and stderr of `cargo test`.
    pub fn line(&mut self, owners: &Owners, line: &str) {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            // `Running tests/vectors.rs (target/debug/deps/vectors-0a1b2c3d)`
            let exe = rest
                .rsplit_once('(')
                .map_or(rest, |(_, p)| p.trim_end_matches(')'));
            let file = Path::new(exe)
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or(exe);
            self.current = owners
                .executables
                .get(file)
                .cloned()
                .unwrap_or_else(|| format!("? ({file})"));
            return;
        }
        if let Some(lib) = trimmed.strip_prefix("Doc-tests ") {
            self.current = owners
                .libraries
                .get(lib.trim())
                .cloned()
                .unwrap_or_else(|| format!("? (doc-tests {lib})"));
            return;
        }
        let Some(rest) = line.strip_prefix("test ") else {
            return;
        };
        let Some((name, outcome)) = rest.rsplit_once(" ... ") else {
            return;
        };
        let counts = self.per_crate.entry(self.current.clone()).or_default();
        if outcome == "ok" {
            counts.passed += 1;
        } else if outcome == "FAILED" {
            counts.failed += 1;
            self.failures.push((self.current.clone(), name.to_owned()));
        } else if let Some(after) = outcome.strip_prefix("ignored") {
            counts.skipped += 1;
            let reason = after
                .strip_prefix(", ")
                .unwrap_or("no reason given")
                .to_owned();
            self.skips.push(Skip {
                krate: self.current.clone(),
                test: name.to_owned(),
                reason,
            });
        }
    }

    /// Sum over the crates.
    pub fn total(&self) -> Counts {
        self.per_crate
            .values()
            .fold(Counts::default(), |a, c| Counts {
                passed: a.passed + c.passed,
                failed: a.failed + c.failed,
                skipped: a.skipped + c.skipped,
            })
    }

    /// The per-crate table and the list of skips with their reasons.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let width = self
            .per_crate
            .keys()
            .map(String::len)
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:>5}  {:>6}  {:>6}  {:>7}",
            "crate", "ran", "passed", "failed", "skipped"
        );
        for (krate, c) in &self.per_crate {
            let _ = writeln!(
                out,
                "{krate:<width$}  {:>5}  {:>6}  {:>6}  {:>7}",
                c.ran(),
                c.passed,
                c.failed,
                c.skipped
            );
        }
        let t = self.total();
        let _ = writeln!(
            out,
            "{:<width$}  {:>5}  {:>6}  {:>6}  {:>7}",
            "total",
            t.ran(),
            t.passed,
            t.failed,
            t.skipped
        );
        if !self.skips.is_empty() {
            let _ = writeln!(
                out,
                "\nskipped tests ({}), not counted as passed:",
                self.skips.len()
            );
            for s in &self.skips {
                let _ = writeln!(out, "  SKIPPED {} {}: {}", s.krate, s.test, s.reason);
            }
        }
        if !self.failures.is_empty() {
            let _ = writeln!(out, "\nfailed tests ({}):", self.failures.len());
            for (krate, test) in &self.failures {
                let _ = writeln!(out, "  FAILED {krate} {test}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners() -> Owners {
        let metadata: Value = serde_json::from_str(
            r#"{"packages":[
                {"name":"scb-wire","manifest_path":"/r/crates/scb-wire/Cargo.toml",
                 "targets":[{"name":"scb_wire","kind":["lib"]},{"name":"vectors","kind":["test"]}]},
                {"name":"scb-store","manifest_path":"/r/crates/scb-store/Cargo.toml",
                 "targets":[{"name":"scb_store","kind":["lib"]},{"name":"vectors","kind":["test"]}]}]}"#,
        )
        .unwrap();
        let build = r#"{"reason":"compiler-artifact","manifest_path":"/r/crates/scb-wire/Cargo.toml","executable":"/r/target/debug/deps/vectors-aaaa"}
{"reason":"compiler-artifact","manifest_path":"/r/crates/scb-store/Cargo.toml","executable":"/r/target/debug/deps/vectors-bbbb"}
{"reason":"compiler-artifact","manifest_path":"/r/crates/scb-store/Cargo.toml","executable":null}
not json"#;
        Owners::new(&metadata, build)
    }

    #[test]
    fn outcomes_are_counted_per_crate_and_skips_keep_their_reason() {
        let owners = owners();
        let mut log = TestLog::default();
        for line in [
            "     Running tests/vectors.rs (target/debug/deps/vectors-aaaa)",
            "test a ... ok",
            "test b ... ignored, requires vectors: not found",
            "     Running tests/vectors.rs (target/debug/deps/vectors-bbbb)",
            "test c ... FAILED",
            "test d ... ignored",
            "test result: FAILED. 0 passed; 1 failed; 1 ignored; 0 measured",
            "   Doc-tests scb_wire",
            "test crates/scb-wire/src/lib.rs - (line 5) ... ok",
            "test e has been running for over 60 seconds",
        ] {
            log.line(&owners, line);
        }
        assert_eq!(
            log.per_crate["scb-wire"],
            Counts {
                passed: 2,
                failed: 0,
                skipped: 1
            }
        );
        assert_eq!(
            log.per_crate["scb-store"],
            Counts {
                passed: 0,
                failed: 1,
                skipped: 1
            }
        );
        assert_eq!(
            log.skips[0],
            Skip {
                krate: "scb-wire".into(),
                test: "b".into(),
                reason: "requires vectors: not found".into()
            }
        );
        assert_eq!(log.skips[1].reason, "no reason given");
        assert_eq!(log.failures, [("scb-store".to_owned(), "c".to_owned())]);
        let report = log.report();
        assert!(
            report.contains("SKIPPED scb-wire b: requires vectors: not found"),
            "{report}"
        );
        assert!(report.contains("FAILED scb-store c"), "{report}");
    }

    #[test]
    fn an_unknown_binary_is_named_not_dropped() {
        let mut log = TestLog::default();
        log.line(
            &owners(),
            "     Running unittests src/main.rs (target/debug/deps/x-1)",
        );
        log.line(&owners(), "test t ... ok");
        assert_eq!(log.per_crate["? (x-1)"].passed, 1);
    }
}
