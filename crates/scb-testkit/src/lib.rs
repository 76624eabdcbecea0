//! Test helpers shared by the scb crates (a dev-dependency only, never published).
//!
//! - where lnd's vectors are ([`vectors_dir`]) and hex decoding ([`hex`], [`hex32`]);
//! - `#[requires(...)]`: a test whose prerequisite is missing is reported as *ignored*
//!   with the reason (libtest counts it; `cargo xtask ci` lists it and, under `CI=true`,
//!   fails), instead of returning early and counting as a pass;
//! - [`tool`], [`run_in_mount_namespace`], [`unprivileged_command`]: the runtime side of
//!   those requirements, which panics when a requirement that held at compile time does
//!   not hold any more (a skip never turns into a silent pass).
//!
//! ```text
//! #[scb_testkit::requires(vectors)]
//! #[test]
//! fn every_vector_decodes() {
//!     let dir = scb_testkit::vectors_dir();
//!     // ...
//! }
//! ```
//!
//! Requirements: `vectors` (lnd's `shared/vectors` beside the repository, or
//! `$SCB_SHARED_VECTORS`), `tool = "name"` (an executable on `PATH`), `mount_namespace`
//! (`unshare --mount` works, as root or through a user namespace), `unprivileged` (not
//! root, or `setpriv` can drop to `nobody`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub use scb_testkit_macros::requires;

// `Requirement` is used by the macro crate and this crate's own tests only.
#[allow(dead_code)]
#[path = "../../scb-testkit-macros/src/probe.rs"]
mod probe;

pub use probe::{is_root, VECTORS_ENV};

/// lnd's vectors folder. Panics with the reason when it is absent: call it only from a
/// test marked `#[requires(vectors)]`.
pub fn vectors_dir() -> PathBuf {
    probe::vectors_dir_from(Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|why| panic!("{why} (mark the test #[requires(vectors)])"))
}

/// Whether lnd's vectors folder is present.
pub fn vectors_present() -> bool {
    probe::vectors_dir_from(Path::new(env!("CARGO_MANIFEST_DIR"))).is_ok()
}

/// `<vectors>/<name>` parsed as JSON.
pub fn vector_json(name: &str) -> serde_json::Value {
    read_json(&vectors_dir().join(name))
}

/// Reads and parses a JSON file, panicking with the path on failure.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Decodes lower- or upper-case hex; `None` for an odd length or a non-hex digit.
pub fn try_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// Decodes hex, panicking on bad input (test data only).
pub fn hex(text: &str) -> Vec<u8> {
    try_hex(text).unwrap_or_else(|| panic!("bad hex {text:?}"))
}

/// Decodes exactly 32 bytes of hex.
pub fn hex32(text: &str) -> [u8; 32] {
    hex(text)
        .try_into()
        .unwrap_or_else(|v: Vec<u8>| panic!("want 32 bytes of hex, got {}", v.len()))
}

/// Encodes bytes as lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Runs `check` (a fuzz target's body) over every file of the committed corpus
/// `fuzz/regressions/<target>/` and returns how many it replayed, after printing that
/// count. Panics when the folder is missing or empty: a replay of nothing checks nothing.
pub fn replay_fuzz_corpus(target: &str, check: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no fuzz corpus at {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty fuzz corpus at {}", dir.display());
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        println!("replaying {}", file.display());
        check(&data);
    }
    println!("{target}: replayed {} committed inputs", files.len());
    files.len()
}

/// The path of executable `name` on `PATH`. Panics when absent: call it only from a test
/// marked `#[requires(tool = "name")]`.
pub fn tool(name: &str) -> PathBuf {
    probe::find_tool(name).unwrap_or_else(|| {
        panic!("`{name}` not found on PATH (mark the test #[requires(tool = \"{name}\")])")
    })
}

/// Whether executable `name` is on `PATH`.
pub fn has_tool(name: &str) -> bool {
    probe::find_tool(name).is_some()
}

/// Runs the test `test` (its full libtest name) again, alone, in a child process inside a
/// private mount namespace, and asserts that it passed there. Returns `true` in that child
/// (the caller then does the work: mounts made there vanish with the namespace) and
/// `false` in the parent once the child has passed.
///
/// For tests marked `#[requires(mount_namespace)]`; panics when no namespace can be made.
pub fn run_in_mount_namespace(test: &str) -> bool {
    if std::env::var_os(probe::IN_MOUNT_NAMESPACE_ENV).is_some() {
        return true;
    }
    let args = probe::mount_namespace_command().unwrap_or_else(|| {
        panic!(
            "cannot create a private mount namespace (mark the test #[requires(mount_namespace)])"
        )
    });
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let output = Command::new("unshare")
        .args(&args)
        .arg(&exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(probe::IN_MOUNT_NAMESPACE_ENV, "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot start unshare: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} in a private mount namespace ({}) failed: {}\n{stdout}\n{stderr}",
        args.join(" "),
        output.status
    );
    false
}

/// A command that runs `program` as an unprivileged user: as is when we are not root,
/// otherwise through `setpriv` as `nobody` (uid and gid 65534, no supplementary groups).
///
/// For tests marked `#[requires(unprivileged)]`; panics when root has no `setpriv`.
pub fn unprivileged_command(program: &Path) -> Command {
    if !is_root() {
        return Command::new(program);
    }
    let mut cmd = Command::new(tool("setpriv"));
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--",
    ])
    .arg(program);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_both_cases_and_rejects_bad_input() {
        assert_eq!(try_hex("00fFa1"), Some(vec![0, 0xff, 0xa1]));
        assert_eq!(try_hex("abc"), None);
        assert_eq!(try_hex("zz"), None);
        assert_eq!(try_hex(""), Some(vec![]));
        assert_eq!(to_hex(&hex("00fFa1")), "00ffa1");
    }

    #[test]
    fn requirements_parse_and_reject_unknown_names() {
        assert_eq!(
            probe::Requirement::parse("tool", Some("sh")),
            Ok(probe::Requirement::Tool("sh".into()))
        );
        assert!(probe::Requirement::parse("tool", None).is_err());
        assert!(probe::Requirement::parse("moto", None).is_err());
    }

    #[test]
    fn a_missing_tool_is_reported_with_its_name() {
        let why = probe::Requirement::Tool("no-such-tool-scb".into())
            .check(Path::new("."))
            .unwrap_err();
        assert!(why.contains("no-such-tool-scb"), "{why}");
    }
}
