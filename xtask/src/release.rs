//! Release checks (`release --dry-run`) and the publishing order.

use std::path::{Path, PathBuf};

use crate::cmd::Result;
use serde_json::Value;

/// The publishing order we expect: every crate after the crates it depends on.
pub const PREFERRED_ORDER: [&str; 9] = [
    "scb-wire",
    "scb-crypto",
    "scb-store",
    "scb-sync",
    "scb-seed",
    "scb-replicate",
    "scb-rescue",
    "scb-cln",
    "scb-cli",
];

/// What a release needs to know of one workspace package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub publish: bool,
    pub license: Option<String>,
    pub description: Option<String>,
    pub readme: Option<String>,
    pub repository: Option<String>,
    pub rust_version: Option<String>,
    pub dir: PathBuf,
    /// Normal and build dependencies: (name, version requirement).
    pub deps: Vec<(String, String)>,
}

fn opt_str(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// The workspace members described by `cargo metadata --format-version 1 --no-deps`.
pub fn packages_from_metadata(metadata: &Value) -> Result<Vec<Package>> {
    let packages = metadata
        .get("packages")
        .and_then(Value::as_array)
        .ok_or("cargo metadata has no packages list")?;
    packages
        .iter()
        .map(|p| {
            let name = opt_str(p, "name").ok_or("a package without a name")?;
            let manifest = opt_str(p, "manifest_path")
                .ok_or_else(|| format!("package {name} has no manifest_path"))?;
            let dir = Path::new(&manifest)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            // `publish` is null when unrestricted, a list of registries otherwise
            // (`publish = false` is the empty list).
            let publish = match p.get("publish") {
                None | Some(Value::Null) => true,
                Some(Value::Array(registries)) => !registries.is_empty(),
                Some(_) => false,
            };
            let deps = p
                .get("dependencies")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter(|d| d.get("kind").and_then(Value::as_str) != Some("dev"))
                .filter_map(|d| Some((opt_str(d, "name")?, opt_str(d, "req").unwrap_or_default())))
                .collect();
            Ok(Package {
                version: opt_str(p, "version").unwrap_or_default(),
                publish,
                license: opt_str(p, "license").or_else(|| opt_str(p, "license_file")),
                description: opt_str(p, "description"),
                readme: opt_str(p, "readme"),
                repository: opt_str(p, "repository"),
                rust_version: opt_str(p, "rust_version"),
                dir,
                deps,
                name,
            })
        })
        .collect()
}

/// The publishable packages ordered so that each comes after its workspace dependencies,
/// ties broken by [`PREFERRED_ORDER`] and then by name.
pub fn publish_order(packages: &[Package]) -> Result<Vec<&Package>> {
    let mut pending: Vec<&Package> = packages.iter().filter(|p| p.publish).collect();
    let rank = |p: &Package| {
        PREFERRED_ORDER
            .iter()
            .position(|n| *n == p.name)
            .unwrap_or(PREFERRED_ORDER.len())
    };
    pending.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
    // Unpublishable dependencies cannot be waited for; `problems` reports them.
    let publishable = |name: &str| packages.iter().any(|p| p.name == name && p.publish);
    let mut order: Vec<&Package> = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|p| {
            p.deps.iter().all(|(dep, _)| {
                !publishable(dep) || dep == &p.name || order.iter().any(|done| &done.name == dep)
            })
        });
        let Some(index) = ready else {
            let names: Vec<&str> = pending.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "no publishing order: {} depend on each other",
                names.join(", ")
            )
            .into());
        };
        order.push(pending.remove(index));
    }
    Ok(order)
}

/// The versions that have a `## [x.y.z]` (or `## x.y.z`) heading in a changelog.
pub fn changelog_versions(changelog: &str) -> Vec<String> {
    changelog
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .filter_map(|heading| {
            let heading = heading.trim_start_matches('[');
            let version: String = heading
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            let first = version.chars().next()?;
            (first.is_ascii_digit() && version.contains('.')).then_some(version)
        })
        .collect()
}

/// Everything wrong with one publishable package; empty when it is ready.
pub fn problems(package: &Package, all: &[Package], changelog: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (field, value) in [
        ("license", &package.license),
        ("description", &package.description),
        ("repository", &package.repository),
        ("readme", &package.readme),
        ("rust-version", &package.rust_version),
    ] {
        if value.is_none() {
            found.push(format!("manifest declares no {field}"));
        }
    }
    if let Some(url) = &package.repository {
        if is_placeholder_url(url) {
            found.push(format!(
                "repository = \"{url}\" is a placeholder: set the real repository URL"
            ));
        }
    }
    let readme = package
        .dir
        .join(package.readme.as_deref().unwrap_or("README.md"));
    if !readme.is_file() {
        found.push(format!("missing {}", readme.display()));
    }
    if !changelog.contains(&package.version) {
        found.push(format!(
            "version {} has no `## [{}]` section in CHANGELOG.md",
            package.version, package.version
        ));
    }
    for (dep, req) in &package.deps {
        let Some(target) = all.iter().find(|p| &p.name == dep) else {
            continue;
        };
        if !target.publish {
            found.push(format!("depends on {dep}, which is publish = false"));
        } else if req.is_empty() || req == "*" {
            found.push(format!("path dependency {dep} has no version requirement"));
        } else if !requirement_allows(req, &target.version) {
            found.push(format!(
                "requires {dep} {req} but the workspace has {}",
                target.version
            ));
        }
    }
    found
}

/// Whether `url` is a placeholder that must never be published (RFC 2606/6761 names).
pub fn is_placeholder_url(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    host.is_empty()
        || ["invalid", "example", "test", "localhost"]
            .iter()
            .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")))
        || ["example.com", "example.org", "example.net"]
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// Whether a caret requirement such as `^0.1.0` (cargo's default) allows `version`.
///
/// Only the shapes cargo metadata prints for our path dependencies are understood
/// (`^x.y.z`, `=x.y.z`, `x.y.z`); anything else is assumed to allow it.
pub fn requirement_allows(req: &str, version: &str) -> bool {
    let parse = |s: &str| -> Option<(u64, u64, u64)> {
        let core = s.split(['-', '+']).next()?;
        let mut it = core.split('.').map(|n| n.parse::<u64>().ok());
        Some((
            it.next()??,
            it.next().flatten().unwrap_or(0),
            it.next().flatten().unwrap_or(0),
        ))
    };
    let req = req.trim();
    let Some(have) = parse(version) else {
        return false;
    };
    if let Some(exact) = req.strip_prefix('=') {
        return parse(exact.trim()) == Some(have);
    }
    let caret = req.strip_prefix('^').unwrap_or(req);
    let Some(want) = parse(caret) else {
        return true;
    };
    if have < want {
        return false;
    }
    match want {
        (0, 0, patch) => have == (0, 0, patch),
        (0, minor, _) => have.0 == 0 && have.1 == minor,
        (major, _, _) => have.0 == major,
    }
}

#[cfg(test)]
mod placeholder_tests {
    use super::is_placeholder_url;

    #[test]
    fn placeholder_repository_urls_are_recognised() {
        assert!(is_placeholder_url("https://example.invalid/scb"));
        assert!(is_placeholder_url("https://github.com.example.com/x"));
        assert!(is_placeholder_url("http://localhost:8080/x"));
        assert!(is_placeholder_url(""));
        assert!(!is_placeholder_url("https://github.com/scb/scb"));
        assert!(!is_placeholder_url("https://invalid-but-real.org/scb"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> Value {
        serde_json::from_str::<Value>(
            r#"{"packages":[
              {"name":"scb-cli","version":"0.1.0","publish":null,"license":"MIT OR Apache-2.0",
               "description":"cli","readme":"README.md","repository":"https://x","rust_version":"1.89",
               "manifest_path":"/w/crates/scb-cli/Cargo.toml",
               "dependencies":[{"name":"scb-store","req":"^0.1.0","kind":null},
                               {"name":"scb-wire","req":"^0.1.0","kind":null},
                               {"name":"tempfile","req":"^3","kind":"dev"}]},
              {"name":"scb-wire","version":"0.1.0","publish":null,"license":null,"license_file":"LICENSE",
               "description":"wire","readme":null,"repository":"https://x","rust_version":"1.89",
               "manifest_path":"/w/crates/scb-wire/Cargo.toml","dependencies":[]},
              {"name":"scb-store","version":"0.1.0","publish":null,"license":"MIT",
               "description":"","readme":"README.md","repository":null,"rust_version":"1.89",
               "manifest_path":"/w/crates/scb-store/Cargo.toml",
               "dependencies":[{"name":"scb-wire","req":"*","kind":null},
                               {"name":"xtask","req":"^0.0.0","kind":"build"}]},
              {"name":"xtask","version":"0.0.0","publish":[],"manifest_path":"/w/xtask/Cargo.toml",
               "dependencies":[]}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn reads_packages_and_publish_flags_from_metadata() {
        let packages = packages_from_metadata(&metadata()).unwrap();
        assert_eq!(packages.len(), 4);
        let wire = &packages[1];
        assert_eq!(wire.license.as_deref(), Some("LICENSE"));
        assert_eq!(wire.dir, Path::new("/w/crates/scb-wire"));
        assert!(!packages[3].publish);
        // dev-dependencies are left out: they are not needed to publish.
        assert_eq!(packages[0].deps.len(), 2);
    }

    #[test]
    fn order_puts_dependencies_first() {
        let packages = packages_from_metadata(&metadata()).unwrap();
        let order: Vec<&str> = publish_order(&packages)
            .unwrap()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(order, ["scb-wire", "scb-store", "scb-cli"]);
    }

    #[test]
    fn order_reports_a_cycle() {
        let mut packages = packages_from_metadata(&metadata()).unwrap();
        packages[1]
            .deps
            .push(("scb-cli".to_owned(), "^0.1.0".to_owned()));
        let err = publish_order(&packages).unwrap_err();
        assert!(err.0.contains("scb-wire"), "{err}");
    }

    #[test]
    fn problems_name_each_missing_field_and_bad_dependency() {
        let packages = packages_from_metadata(&metadata()).unwrap();
        let store = &packages[2];
        let found = problems(store, &packages, &["0.1.0".to_owned()]);
        assert!(
            found
                .iter()
                .any(|p| p == "manifest declares no description"),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p == "manifest declares no repository"),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("scb-wire has no version requirement")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("xtask, which is publish = false")),
            "{found:?}"
        );
        assert!(found.iter().any(|p| p.starts_with("missing ")), "{found:?}");
        let found = problems(&packages[0], &packages, &[]);
        assert!(
            found.iter().any(|p| p.contains("CHANGELOG.md")),
            "{found:?}"
        );
    }

    #[test]
    fn changelog_headings_give_versions() {
        let text = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n## 0.1.0\n### 1.0.0 is not a release heading\n";
        assert_eq!(changelog_versions(text), ["0.2.0", "0.1.0"]);
    }

    #[test]
    fn caret_and_exact_requirements() {
        assert!(requirement_allows("^0.1.0", "0.1.3"));
        assert!(!requirement_allows("^0.1.0", "0.2.0"));
        assert!(!requirement_allows("^0.1.2", "0.1.1"));
        assert!(requirement_allows("^1.2", "1.9.0"));
        assert!(!requirement_allows("^1.2", "2.0.0"));
        assert!(requirement_allows("=0.1.0", "0.1.0"));
        assert!(!requirement_allows("=0.1.0", "0.1.1"));
        assert!(!requirement_allows("^0.0.3", "0.0.4"));
    }
}
