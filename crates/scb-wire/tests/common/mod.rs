//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;

/// `<workspace root>/../shared/vectors`, or `None` (after a loud SKIP line).
pub fn vectors_dir(test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP {test}: test vectors not found at {} (only the fixtures were checked)",
            dir.display()
        );
        None
    }
}

/// Parses one vector file.
pub fn load(dir: &std::path::Path, name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Array(v) => v,
        other => vec![other],
    }
}

/// Hex string field of a vector case.
pub fn hex(case: &Value, field: &str) -> Vec<u8> {
    let s = case[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {}", case["name"]));
    bitcoin::hex::FromHex::from_hex(s).unwrap()
}

pub fn name(case: &Value) -> &str {
    case["name"].as_str().unwrap_or("?")
}
