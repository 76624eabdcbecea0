//! The prerequisites a test can require, and how each is probed.
//!
//! Compiled into both `scb-testkit-macros` (which decides at compile time whether a test
//! is marked `#[ignore = "requires ..."]`) and `scb-testkit` (which checks the same thing
//! again when the test runs), through `#[path]`, so the two can never disagree.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Environment variable that points at lnd's vectors when they are not at
/// `<workspace>/../shared/vectors`.
pub const VECTORS_ENV: &str = "SCB_SHARED_VECTORS";

/// Set in the child process that [`mount_namespace_command`] starts.
pub const IN_MOUNT_NAMESPACE_ENV: &str = "SCB_TESTKIT_IN_MOUNT_NAMESPACE";

/// One prerequisite of a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// lnd's vectors folder (`../shared/vectors` beside the repository).
    Vectors,
    /// An executable of this name on `PATH`.
    Tool(String),
    /// A private mount namespace (`unshare --mount`), where a test may mount file systems
    /// that vanish with it.
    MountNamespace,
    /// The ability to run a program as an unprivileged user: either we are not root, or
    /// `setpriv` can drop to `nobody`.
    Unprivileged,
}

impl Requirement {
    /// Parses `vectors`, `tool = "name"`, `mount_namespace` or `unprivileged`.
    pub fn parse(name: &str, value: Option<&str>) -> Result<Self, String> {
        match (name, value) {
            ("vectors", None) => Ok(Self::Vectors),
            ("tool", Some(tool)) if !tool.is_empty() => Ok(Self::Tool(tool.to_owned())),
            ("mount_namespace", None) => Ok(Self::MountNamespace),
            ("unprivileged", None) => Ok(Self::Unprivileged),
            _ => Err(format!(
                "unknown requirement `{name}`: expected vectors, tool = \"name\", \
                 mount_namespace or unprivileged"
            )),
        }
    }

    /// `Ok(())` when the requirement holds here, otherwise why not (one line).
    pub fn check(&self, manifest_dir: &Path) -> Result<(), String> {
        match self {
            Self::Vectors => vectors_dir_from(manifest_dir).map(|_| ()),
            Self::Tool(tool) => find_tool(tool)
                .map(|_| ())
                .ok_or_else(|| format!("`{tool}` not found on PATH")),
            Self::MountNamespace => {
                if mount_namespace_command().is_some() {
                    Ok(())
                } else {
                    Err("cannot create a private mount namespace (unshare --mount)".to_owned())
                }
            }
            Self::Unprivileged => {
                if !is_root() || find_tool("setpriv").is_some() {
                    Ok(())
                } else {
                    Err(
                        "running as root and no `setpriv` to drop to an unprivileged user"
                            .to_owned(),
                    )
                }
            }
        }
    }

    /// Short label used in the ignore reason: `requires <label>: <why>`.
    pub fn label(&self) -> String {
        match self {
            Self::Vectors => "vectors".to_owned(),
            Self::Tool(tool) => format!("tool {tool}"),
            Self::MountNamespace => "mount namespace".to_owned(),
            Self::Unprivileged => "unprivileged user".to_owned(),
        }
    }
}

/// lnd's vectors: `$SCB_SHARED_VECTORS`, or `shared/vectors` beside the workspace that
/// holds `manifest_dir` (the first ancestor with such a sibling).
pub fn vectors_dir_from(manifest_dir: &Path) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(VECTORS_ENV) {
        let dir = PathBuf::from(dir);
        return if dir.is_dir() {
            Ok(dir)
        } else {
            Err(format!(
                "{VECTORS_ENV}={} is not a directory",
                dir.display()
            ))
        };
    }
    manifest_dir
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared").join("vectors"))
        .find(|d| d.is_dir())
        .ok_or_else(|| {
            format!(
                "lnd vectors not found: no shared/vectors beside any parent of {} \
                 (set {VECTORS_ENV})",
                manifest_dir.display()
            )
        })
}

/// The first executable file called `name` on `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Whether this process runs with effective user id 0 (Linux: from `/proc/self/status`).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

/// The `unshare` arguments that give a private mount namespace here, or `None`:
/// as root `--mount --propagation private`; otherwise a user namespace mapped to root
/// (`--map-root-user --mount`), where the kernel allows that. Probed by running `true`.
pub fn mount_namespace_command() -> Option<Vec<&'static str>> {
    find_tool("unshare")?;
    let candidates: [&[&'static str]; 2] = [
        &["--mount", "--propagation", "private"],
        &["--map-root-user", "--mount", "--propagation", "private"],
    ];
    candidates
        .into_iter()
        .filter(|args| is_root() || args.contains(&"--map-root-user"))
        .find(|args| {
            Command::new("unshare")
                .args(*args)
                .arg("true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(<[&str]>::to_vec)
}
