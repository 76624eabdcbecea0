//! Criterion benchmarks: sync (stub, filled in with its crate).

fn main() {}
