//! The `scb` command-line tool (under construction).

fn main() {}
