//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

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
    scb_testkit::hex(s)
}

pub fn name(case: &Value) -> &str {
    case["name"].as_str().unwrap_or("?")
}
