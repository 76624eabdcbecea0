//! `cargo xtask`: the project's CI and release pipeline (under construction).

fn main() {}
