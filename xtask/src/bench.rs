//! Criterion benchmarks: running them and summarising `target/criterion/**/new/*.json`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cmd::Result;
use serde_json::Value;

/// What one benchmark processes per iteration, as declared with criterion's `Throughput`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throughput {
    Bytes(u64),
    Elements(u64),
}

/// One benchmark's latest result.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    pub id: String,
    /// Mean time per iteration, nanoseconds.
    pub mean_ns: f64,
    /// Half the width of the mean's confidence interval, nanoseconds.
    pub ci_half_ns: f64,
    pub throughput: Option<Throughput>,
}

impl BenchResult {
    /// Reads a result from the text of criterion's `benchmark.json` and `estimates.json`.
    pub fn from_files(benchmark: &str, estimates: &str) -> Result<Self> {
        let benchmark =
            serde_json::from_str::<Value>(benchmark).map_err(|e| format!("benchmark.json: {e}"))?;
        let estimates =
            serde_json::from_str::<Value>(estimates).map_err(|e| format!("estimates.json: {e}"))?;
        let id = benchmark
            .get("full_id")
            .and_then(Value::as_str)
            .ok_or("benchmark.json has no full_id")?
            .to_owned();
        let mean_ns = estimates
            .pointer("/mean/point_estimate")
            .and_then(Value::as_f64)
            .ok_or("estimates.json has no mean.point_estimate")?;
        let lower = estimates
            .pointer("/mean/confidence_interval/lower_bound")
            .and_then(Value::as_f64)
            .unwrap_or(mean_ns);
        let upper = estimates
            .pointer("/mean/confidence_interval/upper_bound")
            .and_then(Value::as_f64)
            .unwrap_or(mean_ns);
        let throughput = benchmark.get("throughput").and_then(|t| {
            if let Some(n) = t.get("Bytes").or_else(|| t.get("BytesDecimal")) {
                n.as_u64().map(Throughput::Bytes)
            } else {
                t.get("Elements")
                    .and_then(Value::as_u64)
                    .map(Throughput::Elements)
            }
        });
        Ok(BenchResult {
            id,
            mean_ns,
            ci_half_ns: (upper - lower) / 2.0,
            throughput,
        })
    }

    /// Throughput per second as text (`123.4 MiB/s`, `5.67 Kelem/s`), when one was declared.
    pub fn throughput_text(&self) -> Option<String> {
        // Per-iteration counts are far below 2^52, so the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let per_second = |n: u64| n as f64 / (self.mean_ns * 1e-9);
        match self.throughput? {
            Throughput::Bytes(n) => Some(scale(
                per_second(n),
                1024.0,
                &["B/s", "KiB/s", "MiB/s", "GiB/s"],
            )),
            Throughput::Elements(n) => Some(scale(
                per_second(n),
                1000.0,
                &["elem/s", "Kelem/s", "Melem/s", "Gelem/s"],
            )),
        }
    }
}

fn scale(mut value: f64, step: f64, units: &[&str]) -> String {
    let mut unit = 0;
    while value >= step && unit + 1 < units.len() {
        value /= step;
        unit += 1;
    }
    format!("{value:.2} {}", units[unit])
}

/// A time in nanoseconds in the most readable unit.
pub fn time_text(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Every `new/benchmark.json` under `criterion_dir`, modified at or after `since` if given.
pub fn collect(criterion_dir: &Path, since: Option<SystemTime>) -> Result<Vec<BenchResult>> {
    let mut dirs = Vec::new();
    find_new_dirs(criterion_dir, &mut dirs);
    let mut results = Vec::new();
    for dir in dirs {
        let estimates_path = dir.join("estimates.json");
        if let Some(since) = since {
            let fresh = fs::metadata(&estimates_path)
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified >= since);
            if !fresh {
                continue;
            }
        }
        let (Ok(benchmark), Ok(estimates)) = (
            fs::read_to_string(dir.join("benchmark.json")),
            fs::read_to_string(&estimates_path),
        ) else {
            continue;
        };
        let result = BenchResult::from_files(&benchmark, &estimates)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        results.push(result);
    }
    results.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    Ok(results)
}

/// Orders ids with their numbers compared as numbers: `multi/2` before `multi/10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, ta), (db, tb)) in ca.iter().zip(&cb) {
        let order = if *da && *db {
            let (na, nb) = (ta.trim_start_matches('0'), tb.trim_start_matches('0'));
            na.len().cmp(&nb.len()).then_with(|| na.cmp(nb))
        } else {
            ta.cmp(tb)
        };
        if order.is_ne() {
            return order;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

fn find_new_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(std::result::Result::ok) {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if entry.file_name() == "new" && path.join("benchmark.json").is_file() {
            out.push(path);
        } else if entry.file_name() != "report" {
            find_new_dirs(&path, out);
        }
    }
}

/// The results as a Markdown table: benchmark, mean ± half confidence interval, throughput.
pub fn table(results: &[BenchResult]) -> String {
    let mut out =
        String::from("| benchmark | mean | ± (95% CI) | throughput |\n|---|---:|---:|---:|\n");
    for r in results {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.id,
            time_text(r.mean_ns),
            time_text(r.ci_half_ns),
            r.throughput_text().unwrap_or_else(|| "-".to_owned())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BENCHMARK: &str = r#"{"group_id":"wire","function_id":"multi_decode","value_str":"1000",
        "throughput":{"Bytes":1048576},"full_id":"wire/multi_decode/1000",
        "directory_name":"wire/multi_decode/1000","title":"wire/multi_decode/1000"}"#;
    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,
        "lower_bound":990000.0,"upper_bound":1010000.0},"point_estimate":1000000.0,
        "standard_error":5000.0},"median":{"confidence_interval":{"confidence_level":0.95,
        "lower_bound":1.0,"upper_bound":2.0},"point_estimate":1.5,"standard_error":0.1},
        "median_abs_dev":null,"slope":null,"std_dev":null}"#;

    #[test]
    fn parses_mean_interval_and_byte_throughput() {
        let r = BenchResult::from_files(BENCHMARK, ESTIMATES).unwrap();
        assert_eq!(r.id, "wire/multi_decode/1000");
        assert!((r.mean_ns - 1_000_000.0).abs() < 1e-6);
        assert!((r.ci_half_ns - 10_000.0).abs() < 1e-6);
        assert_eq!(r.throughput, Some(Throughput::Bytes(1_048_576)));
        // 1 MiB per millisecond is 1000 MiB/s.
        assert_eq!(r.throughput_text().as_deref(), Some("1000.00 MiB/s"));
    }

    #[test]
    fn element_throughput_and_missing_throughput() {
        let elements = BENCHMARK.replace(r#"{"Bytes":1048576}"#, r#"{"Elements":10000}"#);
        let r = BenchResult::from_files(&elements, ESTIMATES).unwrap();
        assert_eq!(r.throughput_text().as_deref(), Some("10.00 Melem/s"));
        let none = BENCHMARK.replace(r#"{"Bytes":1048576}"#, "null");
        let r = BenchResult::from_files(&none, ESTIMATES).unwrap();
        assert_eq!(r.throughput_text(), None);
    }

    #[test]
    fn missing_mean_is_an_error() {
        let err = BenchResult::from_files(BENCHMARK, r#"{"median":{}}"#).unwrap_err();
        assert!(err.0.contains("mean.point_estimate"), "{err}");
    }

    #[test]
    fn natural_order_compares_numbers_as_numbers() {
        let mut ids = vec![
            "multi/10000",
            "multi/2",
            "multi/10",
            "multi",
            "a/1",
            "multi/100",
        ];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            [
                "a/1",
                "multi",
                "multi/2",
                "multi/10",
                "multi/100",
                "multi/10000"
            ]
        );
    }

    #[test]
    fn time_text_picks_a_readable_unit() {
        assert_eq!(time_text(12.34), "12.3 ns");
        assert_eq!(time_text(1_500.0), "1.50 µs");
        assert_eq!(time_text(2_500_000.0), "2.50 ms");
        assert_eq!(time_text(3_000_000_000.0), "3.00 s");
    }

    #[test]
    fn collects_results_from_a_criterion_tree_and_skips_base_and_report() {
        let root = std::env::temp_dir().join(format!("xtask-criterion-{}", std::process::id()));
        for (dir, id) in [
            ("wire/decode/new", "wire/decode"),
            ("wire/decode/base", "old"),
        ] {
            let d = root.join(dir);
            fs::create_dir_all(&d).unwrap();
            fs::write(
                d.join("benchmark.json"),
                BENCHMARK.replace(
                    "wire/multi_decode/1000\",\n        \"directory",
                    &format!("{id}\",\n        \"directory"),
                ),
            )
            .unwrap();
            fs::write(d.join("estimates.json"), ESTIMATES).unwrap();
        }
        fs::create_dir_all(root.join("report")).unwrap();
        let results = collect(&root, None).unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].id, "wire/decode");
        let table = table(&results);
        assert!(
            table.contains("| wire/decode | 1.00 ms | 10.00 µs | "),
            "{table}"
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
