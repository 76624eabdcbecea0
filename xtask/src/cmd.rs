//! Running commands as named, timed steps that fail fast.

use std::ffi::OsStr;
use std::fmt;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What went wrong in an xtask command, in one line.
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error(message.to_owned())
    }
}

/// The result type of every xtask function.
pub type Result<T> = std::result::Result<T, Error>;

/// The repository root: the parent of this crate's manifest directory.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}

/// A `cargo` command for the toolchain running us (`$CARGO`, as cargo sets it for `cargo run`).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A `cargo +<toolchain>` command through the rustup proxy on `PATH`.
pub fn cargo_toolchain(toolchain: &str) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg(format!("+{toolchain}"));
    cmd
}

/// Whether a command runs and exits 0, with its output discarded.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs a command and returns its standard output as text, failing on a non-zero exit.
pub fn output(cmd: &mut Command) -> Result<String> {
    let shown = describe(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`{shown}` failed ({})", out.status).into());
    }
    String::from_utf8(out.stdout).map_err(|_| format!("`{shown}` printed non-utf-8 output").into())
}

/// The command line as a person would type it, with the environment overrides first.
pub fn describe(cmd: &Command) -> String {
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter_map(|(key, value)| value.map(|v| format!("{}={}", key.to_string_lossy(), quote(v))))
        .collect();
    let program = Path::new(cmd.get_program());
    let program = if program.components().count() > 1 {
        // `$CARGO` is an absolute path into the toolchain: show it as plain `cargo`.
        program
            .file_name()
            .map_or_else(|| program.to_string_lossy(), OsStr::to_string_lossy)
    } else {
        program.to_string_lossy()
    };
    parts.push(program.into_owned());
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(arg: &OsStr) -> String {
    let text = arg.to_string_lossy();
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=+./:,@*%".contains(c))
    {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Skipped(String),
    Failed,
}

/// One line of the closing timing table.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub name: String,
    pub elapsed: Duration,
    /// CPU time (user + system) of the step's processes, where the OS tells it.
    pub cpu: Option<Duration>,
    pub outcome: Outcome,
}

/// CPU time (user + system) used so far by this process's waited-for children and their
/// descendants, from `/proc/self/stat`; `None` where that is unavailable.
pub fn children_cpu() -> Option<Duration> {
    parse_children_cpu(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

fn parse_children_cpu(stat: &str) -> Option<Duration> {
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    // Linux reports these in USER_HZ ticks, which is 100 per second for user space.
    Some(Duration::from_millis((cutime + cstime) * 10))
}

/// Totals read from libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TestCounts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    pub suites: u64,
}

impl TestCounts {
    /// Adds one `test result: ok. 3 passed; 0 failed; 1 ignored; ...` line; other lines are ignored.
    pub fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        self.suites += 1;
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            let (Some(count), Some(label)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(count) = count.parse::<u64>() else {
                continue;
            };
            match label {
                "passed" => self.passed += count,
                "failed" => self.failed += count,
                "ignored" => self.ignored += count,
                _ => {}
            }
        }
    }
}

/// Runs steps in order, printing each with its wall time, and remembers them for the summary.
#[derive(Debug, Default)]
pub struct Runner {
    pub records: Vec<StepRecord>,
    pub tests: TestCounts,
}

impl Runner {
    /// Runs `cmd` as step `name`; an exit other than 0 is an error naming the step.
    pub fn run(&mut self, name: &str, cmd: &mut Command) -> Result<()> {
        self.run_inner(name, cmd, None)
    }

    /// Runs `cmd` with stdout and stderr merged into one pipe (so their order is kept),
    /// printing each line and handing it to `on_line`; counts libtest's summary lines.
    pub fn run_lines(
        &mut self,
        name: &str,
        cmd: &mut Command,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<()> {
        self.run_inner(name, cmd, Some(on_line))
    }

    fn run_inner(
        &mut self,
        name: &str,
        cmd: &mut Command,
        on_line: Option<&mut dyn FnMut(&str)>,
    ) -> Result<()> {
        println!("==> {name}: {}", describe(cmd));
        flush();
        let start = Instant::now();
        let cpu_start = children_cpu();
        cmd.stdin(Stdio::null());
        let status = if let Some(on_line) = on_line {
            let (reader, writer) =
                std::io::pipe().map_err(|e| format!("step `{name}`: no pipe: {e}"))?;
            let writer2 = writer
                .try_clone()
                .map_err(|e| format!("step `{name}`: no pipe: {e}"))?;
            cmd.stdout(writer).stderr(writer2);
            let mut child = cmd
                .spawn()
                .map_err(|e| format!("step `{name}` could not start: {e}"))?;
            // The command holds the pipe's write ends: drop ours so the read ends at exit.
            drop(std::mem::replace(cmd, Command::new("true")));
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                self.tests.add_line(&line);
                on_line(&line);
                // cargo's JSON messages are for xtask, not for the log.
                if !line.starts_with("{\"reason\":") {
                    println!("{line}");
                }
            }
            child.wait()
        } else {
            cmd.status()
        }
        .map_err(|e| format!("step `{name}` could not start: {e}"))?;
        let elapsed = start.elapsed();
        let cpu = children_cpu()
            .zip(cpu_start)
            .map(|(end, begin)| end.saturating_sub(begin));
        let outcome = if status.success() {
            Outcome::Passed
        } else {
            Outcome::Failed
        };
        self.records.push(StepRecord {
            name: name.to_owned(),
            elapsed,
            cpu,
            outcome: outcome.clone(),
        });
        let cpu_text = cpu.map_or_else(String::new, |cpu| format!(" (cpu {})", seconds(cpu)));
        if outcome == Outcome::Failed {
            println!("<== {name}: FAILED after {}{cpu_text}", seconds(elapsed));
            return Err(format!("step `{name}` failed ({status})").into());
        }
        println!("<== {name}: ok in {}{cpu_text}", seconds(elapsed));
        flush();
        Ok(())
    }

    /// Records a step that did not run (never a pass), printing a `NOT RUN` line with the reason.
    pub fn skip(&mut self, name: &str, reason: &str) {
        println!("NOT RUN {name}: {reason}");
        self.records.push(StepRecord {
            name: name.to_owned(),
            elapsed: Duration::ZERO,
            cpu: None,
            outcome: Outcome::Skipped(reason.to_owned()),
        });
    }

    /// The closing table: every step, its outcome, wall time and CPU time, and the totals.
    pub fn summary(&self) -> String {
        let width = self
            .records
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .max(5);
        let mut out = String::new();
        let mut line = |name: &str, result: &str, wall: String, cpu: String| {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "{name:<width$}  {result:<7}  {wall:>9}  {cpu:>9}");
        };
        line("step", "result", "wall".to_owned(), "cpu".to_owned());
        let mut total = Duration::ZERO;
        let mut total_cpu = Duration::ZERO;
        for record in &self.records {
            total += record.elapsed;
            total_cpu += record.cpu.unwrap_or_default();
            let result = match &record.outcome {
                Outcome::Passed => "ok",
                Outcome::Skipped(_) => "NOT RUN",
                Outcome::Failed => "FAILED",
            };
            let cpu = record.cpu.map_or_else(|| "-".to_owned(), seconds);
            line(&record.name, result, seconds(record.elapsed), cpu);
        }
        line("total", "", seconds(total), seconds(total_cpu));
        out
    }
}

/// A duration as seconds with one decimal, e.g. `12.3s`.
pub fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Flushes stdout so our lines interleave correctly with child processes' output.
pub fn flush() {
    // Nothing useful can be done if stdout is gone.
    let _ = std::io::stdout().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_result_lines_and_ignores_others() {
        let mut counts = TestCounts::default();
        for line in [
            "running 3 tests",
            "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test result: FAILED. 10 passed; 2 failed; 0 ignored; 0 measured; 5 filtered out; finished in 1.20s",
            "test foo ... ok",
        ] {
            counts.add_line(line);
        }
        assert_eq!(
            counts,
            TestCounts {
                passed: 13,
                failed: 2,
                ignored: 1,
                suites: 2
            }
        );
    }

    #[test]
    fn failing_step_is_an_error_naming_the_step() {
        let mut runner = Runner::default();
        let err = runner
            .run("always-fails", Command::new("sh").args(["-c", "exit 3"]))
            .unwrap_err();
        assert!(err.0.contains("always-fails"), "{err}");
        assert_eq!(runner.records[0].outcome, Outcome::Failed);
    }

    #[test]
    fn passing_steps_and_skips_appear_in_summary() {
        let mut runner = Runner::default();
        runner.run("true-step", &mut Command::new("true")).unwrap();
        runner.skip("fuzz", "no nightly");
        let table = runner.summary();
        assert!(table.contains("true-step  ok"), "{table}");
        assert!(table.contains("fuzz       NOT RUN"), "{table}");
        assert!(table.lines().next().unwrap().ends_with("cpu"), "{table}");
        assert!(table.lines().last().unwrap().starts_with("total"));
    }

    #[test]
    fn line_runner_reads_stdout_and_stderr_in_order() {
        let mut runner = Runner::default();
        let mut seen = Vec::new();
        runner
            .run_lines(
                "fake-tests",
                Command::new("sh").args([
                    "-c",
                    "echo '     Running x' >&2; echo 'test result: ok. 7 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out'",
                ]),
                &mut |line| seen.push(line.to_owned()),
            )
            .unwrap();
        assert_eq!(runner.tests.passed, 7);
        assert_eq!(runner.tests.ignored, 2);
        assert_eq!(seen.len(), 2);
        assert!(seen[0].contains("Running"), "{seen:?}");
    }

    #[test]
    fn children_cpu_is_read_after_the_command_name() {
        // Field 2 holds a space and a ')'; cutime and cstime are fields 16 and 17.
        let stat = "42 (odd) name) S 1 2 3 4 5 6 7 8 9 10 11 12 250 50 20 0 1 0 99";
        assert_eq!(parse_children_cpu(stat), Some(Duration::from_secs(3)));
        assert_eq!(parse_children_cpu("42 (x) S 1 2"), None);
    }

    #[test]
    fn describe_shows_env_and_quotes_odd_arguments() {
        let mut cmd = Command::new("/opt/rust/bin/cargo");
        cmd.env("RUSTDOCFLAGS", "-D warnings")
            .args(["doc", "--no-deps", "it's"]);
        assert_eq!(
            describe(&cmd),
            r"RUSTDOCFLAGS='-D warnings' cargo doc --no-deps 'it'\''s'"
        );
    }
}
