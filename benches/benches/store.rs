//! Criterion benchmarks: store (stub, filled in with its crate).

fn main() {}
