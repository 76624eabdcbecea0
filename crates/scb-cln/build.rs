//! Tells the tests whether the shared vector folder is there, so that the
//! test reading it shows as ignored (not as a silent pass) when it is not.

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/cln/cases.json");
    println!("cargo::rustc-check-cfg=cfg(shared_cln_vectors)");
    println!("cargo::rerun-if-changed={}", dir.display());
    if dir.is_file() {
        println!("cargo::rustc-cfg=shared_cln_vectors");
    }
}
