//! Criterion benchmarks: crypto (stub, filled in with its crate).

fn main() {}
