//! `cargo xtask`: the scb workspace's CI, fuzzing, benchmark and release pipeline.
//!
//! A plain binary run through the `xtask` alias in `.cargo/config.toml`, with one
//! dependency (`serde_json`, for cargo's and criterion's JSON) so that it builds in
//! seconds on a fresh clone:
//!
//! ```text
//! cargo xtask ci [--quick] [--skip-fuzz] [--keep-going] [--fuzz-seconds N]
//! cargo xtask fuzz [TARGET...] [--seconds N] [--stable] [--refresh-corpus]
//! cargo xtask bench [--quick] [--no-run] [BENCH...]
//! cargo xtask release --dry-run [--allow-dirty] [--verify]
//! cargo xtask release --execute
//! ```

mod bench;
mod cmd;
mod fuzz;

mod release;
mod testlog;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use cmd::{Result, Runner};
use serde_json::Value;

const HELP: &str = "\
cargo xtask <command> [options]

commands:
  ci        the whole CI: fmt (workspace and fuzz/), clippy, fuzz targets build
            (stable), tests (with doc tests), docs, the Windows check of scb-store
            (where that target is installed), every fuzz target on stable, and
            libFuzzer runs where nightly and cargo-fuzz exist. Prints tests per crate
            and every skipped test with its reason; a step that cannot run is
            NOT RUN, never ok. With CI=true a skipped test fails the run.
              --quick            only fmt, clippy, tests and docs
              --skip-fuzz        no fuzz runs (the stable build check still runs)
              --fuzz-seconds N   seconds per fuzz target (default 10; env SCB_FUZZ_SECONDS)
              --keep-going       run every step even after one fails; fail at the end
  fuzz      run fuzz targets (all, or those named) over fuzz/regressions/<target>/;
            a failing input is copied there
              --seconds N        seconds per target (default 10)
              --stable           the stable mutation run instead of cargo-fuzz (nightly)
              --refresh-corpus   (re)write the inputs made from ../shared/vectors into
                                 fuzz/regressions/<target>/vector-* and stop
  bench     run the criterion benchmarks (cargo bench -p scb-benches) and print a table
              --quick            criterion's --quick mode
              --no-run           only print the table of the results already on disk
              NAME...            only these bench files (wire, crypto, store, sync)
  release   --dry-run: check every publishable crate (metadata, a real repository
            URL, README, CHANGELOG, dependency order, cargo package, MSRV with that
            exact toolchain) and build the release `scb`, reporting its size; a
            check that cannot run fails. --execute: the same, then publish in order
              --allow-dirty      let cargo package run on uncommitted changes
              --verify           let cargo package build each packaged crate
  help      this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo xtask <command> --help` prints the same help as `cargo xtask help`.
    let wants_help = args.iter().skip(1).any(|a| a == "--help" || a == "-h");
    let result = match args.first().map(String::as_str) {
        Some(_) if wants_help => {
            print!("{HELP}");
            Ok(())
        }
        Some("ci") => run_ci(&args[1..]),
        Some("fuzz") => run_fuzz(&args[1..]),
        Some("bench") => run_bench(&args[1..]),
        Some("release") => run_release(&args[1..]),
        None | Some("help" | "-h" | "--help") => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}` (cargo xtask help)").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Parsed command-line flags: `--name`, `--name value`, and positional words.
#[derive(Debug, Default, PartialEq, Eq)]
struct Args {
    flags: Vec<String>,
    values: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Args {
    /// Splits `args`; `with_value` names the flags that take a value (`--x 3` or `--x=3`).
    fn parse(args: &[String], known_flags: &[&str], with_value: &[&str]) -> Result<Self> {
        let mut parsed = Args::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (name, None),
                };
                if with_value.contains(&name) {
                    let value = match inline {
                        Some(v) => v,
                        None => it
                            .next()
                            .cloned()
                            .ok_or_else(|| format!("--{name} needs a value"))?,
                    };
                    parsed.values.push((name.to_owned(), value));
                } else if known_flags.contains(&name) && inline.is_none() {
                    parsed.flags.push(name.to_owned());
                } else {
                    return Err(format!("unknown option `{arg}` (cargo xtask help)").into());
                }
            } else {
                parsed.positional.push(arg.clone());
            }
        }
        Ok(parsed)
    }

    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn seconds(&self, name: &str, env: Option<&str>) -> Result<u64> {
        let from_env = env.and_then(|key| std::env::var(key).ok());
        match self.value(name).map(str::to_owned).or(from_env) {
            None => Ok(fuzz::DEFAULT_SECONDS),
            Some(text) => text.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("--{name} wants a positive number of seconds, not `{text}`").into()
            }),
        }
    }
}

/// Facts from `cargo metadata`: where the workspace and its target directory are.
struct Workspace {
    root: PathBuf,
    target_dir: PathBuf,
    metadata: Value,
}

fn workspace() -> Result<Workspace> {
    let root = cmd::repo_root();
    let text = cmd::output(cmd::cargo().current_dir(&root).args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
    ]))?;
    let metadata =
        serde_json::from_str::<Value>(&text).map_err(|e| format!("cargo metadata: {e}"))?;
    let path = |key: &str| -> Result<PathBuf> {
        metadata
            .get(key)
            .and_then(Value::as_str)
            .map(PathBuf::from)
            .ok_or_else(|| format!("cargo metadata has no {key}").into())
    };
    Ok(Workspace {
        root: path("workspace_root")?,
        target_dir: path("target_directory")?,
        metadata,
    })
}

/// `cargo clippy`, `test`, `doc`, ... for the whole workspace, run from its root.
fn cargo_in(root: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = cmd::cargo();
    cmd.current_dir(root).args(args);
    cmd
}

/// Appends `extra` to a flags variable that may already be set in the environment.
fn with_flags(var: &str, extra: &str) -> String {
    match std::env::var(var) {
        Ok(existing) if !existing.trim().is_empty() => format!("{existing} {extra}"),
        _ => extra.to_owned(),
    }
}

/// The switches of `cargo xtask ci` (independent on/off switches, hence the bools).
#[allow(clippy::struct_excessive_bools)]
struct CiOptions {
    /// `CI=true` in the environment: a skipped test fails the run.
    in_ci: bool,
    quick: bool,
    skip_fuzz: bool,
    keep_going: bool,
    fuzz_seconds: u64,
}

fn run_ci(args: &[String]) -> Result<()> {
    let args = Args::parse(
        args,
        &["quick", "skip-fuzz", "keep-going"],
        &["fuzz-seconds"],
    )?;
    if let Some(extra) = args.positional.first() {
        return Err(format!("ci takes no argument `{extra}`").into());
    }
    let quick = args.has("quick");
    let opts = CiOptions {
        in_ci: std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
        quick,
        skip_fuzz: quick || args.has("skip-fuzz"),
        keep_going: args.has("keep-going"),
        fuzz_seconds: args.seconds("fuzz-seconds", Some("SCB_FUZZ_SECONDS"))?,
    };
    let ws = workspace()?;

    let mut runner = Runner::default();
    let mut log = testlog::TestLog::default();
    let mut result = ci_steps(&mut runner, &mut log, &ws, &opts);
    println!("\n{}", runner.summary());
    println!("{}", log.report());
    let not_run: Vec<String> = runner
        .records
        .iter()
        .filter_map(|r| match &r.outcome {
            cmd::Outcome::Skipped(why) => Some(format!("  NOT RUN {}: {why}", r.name)),
            _ => None,
        })
        .collect();
    if !not_run.is_empty() {
        println!("steps not run ({}), not counted as passed:", not_run.len());
        println!("{}", not_run.join("\n"));
    }
    let t = log.total();
    // One plain closing line that any CI log reader understands.
    println!(
        "ci: {} tests ran: {} passed, {} failed; {} skipped; {} step(s) not run",
        t.ran(),
        t.passed,
        t.failed,
        t.skipped,
        not_run.len()
    );
    // The per-test lines and libtest's own summary lines must agree; if not, a line was
    // missed (or a binary died) and the per-crate table cannot be trusted.
    let libtest = runner.tests;
    if (libtest.passed, libtest.failed, libtest.ignored) != (t.passed, t.failed, t.skipped) {
        println!(
            "ci: WARNING: libtest's summaries say {} passed, {} failed, {} ignored; \
             the per-test lines above say {}, {}, {}",
            libtest.passed, libtest.failed, libtest.ignored, t.passed, t.failed, t.skipped
        );
        if result.is_ok() {
            result = Err("the test counts disagree (see the warning above)".into());
        }
    }
    // In CI a skipped test is a failure: the thing it guards was not tested.
    if opts.in_ci && !log.skips.is_empty() && result.is_ok() {
        result = Err(format!(
            "CI=true and {} test(s) were skipped (listed above): install what they require \
             (.ci/run does) or fix the probe",
            log.skips.len()
        )
        .into());
    }
    result
}

/// The Windows target whose build of scb-store CI checks when it can.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// Whether the Windows target's standard library and a MinGW C compiler are installed.
fn windows_check_available() -> std::result::Result<(), String> {
    let installed = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup not runnable: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == WINDOWS_TARGET)
    {
        return Err(format!(
            "target {WINDOWS_TARGET} not installed (rustup target add {WINDOWS_TARGET})"
        ));
    }
    let gcc = std::process::Command::new("x86_64-w64-mingw32-gcc")
        .arg("--version")
        .output();
    match gcc {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err("no x86_64-w64-mingw32-gcc (Debian package gcc-mingw-w64-x86-64)".to_string()),
    }
}

fn ci_steps(
    runner: &mut Runner,
    log: &mut testlog::TestLog,
    ws: &Workspace,
    opts: &CiOptions,
) -> Result<()> {
    let root = ws.root.as_path();
    let target_dir = ws.target_dir.as_path();
    let mut failures = Vec::new();
    // Fail fast, or with --keep-going remember the failure and go on to the next step.
    let mut check = |result: Result<()>| -> Result<()> {
        match result {
            Err(e) if opts.keep_going => {
                failures.push(e.0);
                Ok(())
            }
            other => other,
        }
    };
    check(runner.run(
        "fmt",
        &mut cargo_in(root, &["fmt", "--all", "--", "--check", "--color", "never"]),
    ))?;
    // `fuzz/` is its own workspace, which `cargo fmt --all` does not reach. (rustfmt colours
    // its diff even into a log file unless told not to.)
    check(runner.run(
        "fmt (fuzz)",
        &mut cargo_in(
            root,
            &[
                "fmt",
                "--manifest-path",
                "fuzz/Cargo.toml",
                "--",
                "--check",
                "--color",
                "never",
            ],
        ),
    ))?;
    check(runner.run(
        "clippy",
        &mut cargo_in(
            root,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
    ))?;
    if opts.quick {
        runner.skip("fuzz targets build (stable)", "--quick");
    } else {
        // With `--cfg fuzzing` the target bodies are compiled too (without it they are empty
        // mains); a separate target dir keeps these flags from invalidating the main build.
        let mut fuzz_check = cargo_in(
            root,
            &["check", "--manifest-path", "fuzz/Cargo.toml", "--bins"],
        );
        fuzz_check
            .arg("--target-dir")
            .arg(target_dir.join("fuzz-check"))
            .env("RUSTFLAGS", with_flags("RUSTFLAGS", "--cfg fuzzing"));
        check(runner.run("fuzz targets build (stable)", &mut fuzz_check))?;
    }
    // `cargo test` runs the doc tests too, so there is no separate doc-test step.
    // Build first, to learn which crate each test binary belongs to (for the per-crate
    // counts); the test run below then compiles nothing.
    let mut messages = String::new();
    let build = runner.run_lines(
        "test build",
        &mut cargo_in(
            root,
            &[
                "test",
                "--workspace",
                "--all-features",
                "--no-run",
                "--message-format",
                "json-render-diagnostics",
            ],
        ),
        &mut |line| {
            if line.starts_with('{') {
                messages.push_str(line);
                messages.push('\n');
            }
        },
    );
    check(build)?;
    let owners = testlog::Owners::new(&ws.metadata, &messages);
    check(runner.run_lines(
        "test",
        &mut cargo_in(
            root,
            &["test", "--workspace", "--all-features", "--no-fail-fast"],
        ),
        &mut |line| log.line(&owners, line),
    ))?;
    let mut doc = cargo_in(root, &["doc", "--workspace", "--no-deps", "--all-features"]);
    doc.env("RUSTDOCFLAGS", with_flags("RUSTDOCFLAGS", "-D warnings"));
    check(runner.run("doc", &mut doc))?;

    // scb-store has `cfg(windows)` code (the rename and lock paths): compile-check it for
    // Windows where the target and a MinGW C compiler (for secp256k1-sys) are installed.
    if opts.quick {
        runner.skip("windows check (scb-store)", "--quick");
    } else if let Err(reason) = windows_check_available() {
        runner.skip("windows check (scb-store)", &reason);
    } else {
        let mut win = cargo_in(
            root,
            &[
                "check",
                "-p",
                "scb-store",
                "--all-targets",
                "--target",
                WINDOWS_TARGET,
            ],
        );
        win.arg("--target-dir")
            .arg(target_dir.join("windows-check"));
        check(runner.run("windows check (scb-store)", &mut win))?;
    }

    // Fuzzing: every target runs on stable (corpus replay, then mutations for a bounded
    // time); libFuzzer's coverage-guided run only where nightly and cargo-fuzz exist.
    if opts.skip_fuzz {
        let why = if opts.quick { "--quick" } else { "--skip-fuzz" };
        runner.skip("fuzz (stable)", why);
        runner.skip("fuzz (nightly, cargo-fuzz)", why);
    } else {
        let targets = fuzz::targets(root)?;
        for target in &targets {
            check(fuzz::run_stable(
                runner,
                root,
                target_dir,
                target,
                opts.fuzz_seconds,
            ))?;
        }
        if let Err(reason) = fuzz::fuzz_available() {
            runner.skip("fuzz (nightly, cargo-fuzz)", &reason);
        } else {
            check(runner.run("fuzz build (nightly)", &mut fuzz::build_command(root)))?;
            for target in &targets {
                check(fuzz::run_target(runner, root, target, opts.fuzz_seconds))?;
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; ").into())
    }
}

fn run_fuzz(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &["stable", "refresh-corpus"], &["seconds"])?;
    let seconds = args.seconds("seconds", None)?;
    let ws = workspace()?;
    let root = ws.root.clone();
    let all = fuzz::targets(&root)?;
    let targets: Vec<String> = if args.positional.is_empty() {
        all
    } else {
        for name in &args.positional {
            if !all.contains(name) {
                return Err(format!(
                    "no fuzz target `{name}` in fuzz/Cargo.toml (have: {})",
                    all.join(", ")
                )
                .into());
            }
        }
        args.positional.clone()
    };
    if args.has("refresh-corpus") {
        for (target, count) in fuzz::write_vector_corpora(&root, &targets)? {
            println!("{target}: {count} inputs from the vectors in fuzz/regressions/{target}/");
        }
        return Ok(());
    }
    let mut runner = Runner::default();
    let mut result = Ok(());
    if args.has("stable") {
        for target in &targets {
            result = fuzz::run_stable(&mut runner, &root, &ws.target_dir, target, seconds);
            if result.is_err() {
                break;
            }
        }
    } else {
        fuzz::fuzz_available()
            .map_err(|reason| format!("cannot fuzz with libFuzzer: {reason} (try --stable)"))?;
        let mut build = fuzz::build_command(&root);
        if targets.len() == 1 {
            build.arg(&targets[0]);
        }
        result = runner.run("fuzz build (nightly)", &mut build);
        if result.is_ok() {
            for target in &targets {
                result = fuzz::run_target(&mut runner, &root, target, seconds);
                if result.is_err() {
                    break;
                }
            }
        }
    }
    println!("\n{}", runner.summary());
    result
}

fn bench_names(metadata: &Value) -> Vec<String> {
    let packages = metadata
        .get("packages")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    packages
        .iter()
        .filter(|p| p.get("name").and_then(Value::as_str) == Some("scb-benches"))
        .flat_map(|p| {
            p.get("targets")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        })
        .filter(|t| {
            t.get("kind")
                .and_then(Value::as_array)
                .is_some_and(|kinds| kinds.iter().any(|k| k.as_str() == Some("bench")))
        })
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn run_bench(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &["quick", "no-run"], &[])?;
    let ws = workspace()?;
    let criterion_dir = ws.target_dir.join("criterion");
    let mut since = None;
    if !args.has("no-run") {
        let all = bench_names(&ws.metadata);
        for name in &args.positional {
            if !all.contains(name) {
                return Err(format!(
                    "no bench `{name}` in scb-benches (have: {})",
                    all.join(", ")
                )
                .into());
            }
        }
        let selected = if args.positional.is_empty() {
            all
        } else {
            args.positional.clone()
        };
        // Naming the bench targets keeps libtest (the lib's harness) from seeing criterion's flags.
        let mut cmd = cargo_in(&ws.root, &["bench", "-p", "scb-benches"]);
        for name in &selected {
            cmd.args(["--bench", name]);
        }
        if args.has("quick") {
            cmd.args(["--", "--quick"]);
        }
        since = Some(SystemTime::now());
        Runner::default().run("bench", &mut cmd)?;
    }
    let results = bench::collect(&criterion_dir, since)?;
    if results.is_empty() {
        println!(
            "no criterion results under {} (run `cargo xtask bench` first)",
            criterion_dir.display()
        );
    } else {
        println!("\n{}", bench::table(&results));
    }
    Ok(())
}

fn run_release(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &["dry-run", "execute", "allow-dirty", "verify"], &[])?;
    let dry_run = args.has("dry-run");
    let execute = args.has("execute");
    if dry_run == execute {
        return Err(
            "say either --dry-run (checks only) or --execute (publish to crates.io)".into(),
        );
    }
    let ws = workspace()?;
    let packages = release::packages_from_metadata(&ws.metadata)?;
    let order = release::publish_order(&packages)?;
    let names: Vec<&str> = order.iter().map(|p| p.name.as_str()).collect();
    println!("publishing order: {}", names.join(" -> "));
    let missing: Vec<&str> = release::PREFERRED_ORDER
        .iter()
        .copied()
        .filter(|n| !names.contains(n))
        .collect();

    let changelog_path = ws.root.join("CHANGELOG.md");
    let changelog = std::fs::read_to_string(&changelog_path)
        .map_err(|e| format!("cannot read {}: {e}", changelog_path.display()))?;
    let versions = release::changelog_versions(&changelog);

    let mut failures = 0usize;
    if !missing.is_empty() {
        println!(
            "FAIL workspace: not publishable or absent: {}",
            missing.join(", ")
        );
        failures += 1;
    }
    for package in &order {
        let problems = release::problems(package, &packages, &versions);
        if problems.is_empty() {
            println!("ok   {} {}", package.name, package.version);
        } else {
            failures += problems.len();
            for problem in problems {
                println!("FAIL {} {}: {problem}", package.name, package.version);
            }
        }
    }

    let mut runner = Runner::default();
    // One `cargo package` call for all crates: cargo resolves the not-yet-published path
    // dependencies between them through a local overlay, in dependency order.
    let mut package_cmd = cargo_in(&ws.root, &["package"]);
    for name in &names {
        package_cmd.args(["-p", name]);
    }
    if !args.has("verify") {
        package_cmd.arg("--no-verify");
    }
    if args.has("allow-dirty") {
        package_cmd.arg("--allow-dirty");
    }
    if runner.run("cargo package", &mut package_cmd).is_err() {
        failures += 1;
    }

    // The MSRV is checked with exactly that toolchain; a check that cannot run fails the
    // release check (a skipped check is not a passed one).
    let msrv: Vec<&str> = order
        .iter()
        .filter_map(|p| p.rust_version.as_deref())
        .collect();
    match msrv.first() {
        None => {
            println!("FAIL msrv: no crate declares rust-version");
            failures += 1;
        }
        Some(version) => {
            // An installed toolchain named `<version>.<patch>-<host>` or `<version>-<host>`
            // (never `cargo +<version>`, which would make rustup try a download).
            let installed =
                cmd::output(std::process::Command::new("rustup").args(["toolchain", "list"]))
                    .unwrap_or_default();
            let toolchain = installed
                .lines()
                .filter_map(|line| line.split_whitespace().next())
                .find(|name| {
                    name.starts_with(&format!("{version}-"))
                        || name.starts_with(&format!("{version}."))
                })
                .map(str::to_owned);
            if let Some(toolchain) = toolchain {
                let mut check = cmd::cargo_toolchain(&toolchain);
                check
                    .current_dir(&ws.root)
                    .args(["check", "--workspace", "--all-features"]);
                check.arg("--target-dir").arg(ws.target_dir.join("msrv"));
                if runner
                    .run(&format!("msrv {version} ({toolchain})"), &mut check)
                    .is_err()
                {
                    failures += 1;
                }
            } else {
                println!(
                    "FAIL msrv: toolchain {version} is not installed, so rust-version = \
                         \"{version}\" cannot be checked (rustup toolchain list)"
                );
                failures += 1;
            }
        }
    }

    // What users download: the release `scb`, stripped by [profile.release].
    let mut build = cargo_in(
        &ws.root,
        &["build", "--release", "-p", "scb-cli", "--bin", "scb"],
    );
    if runner.run("release build (scb)", &mut build).is_err() {
        failures += 1;
    } else {
        let binary = ws.target_dir.join("release").join("scb");
        match std::fs::metadata(&binary) {
            Ok(meta) => println!(
                "ok   scb release binary: {} kB ({} bytes) at {}",
                meta.len() / 1000,
                meta.len(),
                binary.display()
            ),
            Err(e) => {
                println!("FAIL scb release binary {}: {e}", binary.display());
                failures += 1;
            }
        }
    }

    if failures > 0 {
        return Err(format!("release check: {failures} problem(s) above").into());
    }
    println!("release check: all {} crates ready", order.len());
    if dry_run {
        return Ok(());
    }
    for name in &names {
        runner.run(
            &format!("publish {name}"),
            &mut cargo_in(&ws.root, &["publish", "-p", name]),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn args_split_flags_values_and_positionals() {
        let args = Args::parse(
            &strings(&[
                "single_decode",
                "--seconds",
                "30",
                "--quick",
                "--seconds=5",
                "x",
            ]),
            &["quick"],
            &["seconds"],
        )
        .unwrap();
        assert!(args.has("quick"));
        assert_eq!(args.value("seconds"), Some("5"));
        assert_eq!(args.positional, ["single_decode", "x"]);
    }

    #[test]
    fn args_reject_unknown_flags_and_missing_values() {
        assert!(Args::parse(&strings(&["--nope"]), &["quick"], &[]).is_err());
        assert!(Args::parse(&strings(&["--seconds"]), &[], &["seconds"]).is_err());
        assert!(Args::parse(&strings(&["--quick=1"]), &["quick"], &[]).is_err());
    }

    #[test]
    fn seconds_default_and_validation() {
        let none = Args::parse(&[], &[], &["seconds"]).unwrap();
        assert_eq!(
            none.seconds("seconds", None).unwrap(),
            fuzz::DEFAULT_SECONDS
        );
        let zero = Args::parse(&strings(&["--seconds=0"]), &[], &["seconds"]).unwrap();
        assert!(zero.seconds("seconds", None).is_err());
        let bad = Args::parse(&strings(&["--seconds=ten"]), &[], &["seconds"]).unwrap();
        assert!(bad.seconds("seconds", None).is_err());
    }

    #[test]
    fn bench_names_are_the_bench_targets_of_scb_benches() {
        let metadata = serde_json::from_str::<Value>(
            r#"{"packages":[{"name":"scb-benches","targets":[
                {"name":"scb_benches","kind":["lib"]},
                {"name":"wire","kind":["bench"]},{"name":"sync","kind":["bench"]}]},
                {"name":"other","targets":[{"name":"x","kind":["bench"]}]}]}"#,
        )
        .unwrap();
        assert_eq!(bench_names(&metadata), ["wire", "sync"]);
    }
}
