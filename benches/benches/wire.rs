//! Criterion benchmarks: wire (stub, filled in with its crate).

fn main() {}
