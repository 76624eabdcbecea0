//! Tells the tests whether lnd's shared vectors (`../shared/vectors` beside
//! the repository) are present, so a test that needs them is reported as
//! ignored, not passed, when they are absent.

use std::path::Path;

fn main() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/chantools-regtest/cases.json");
    println!("cargo::rustc-check-cfg=cfg(shared_vectors)");
    println!("cargo::rerun-if-changed={}", cases.display());
    if cases.is_file() {
        println!("cargo::rustc-cfg=shared_vectors");
    }
}
