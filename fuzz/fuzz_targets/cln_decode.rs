//! Fuzz target `cln_decode`: arbitrary bytes as a Core Lightning `emergency.recover`
//! plaintext, as an encrypted file and as `clnemerg1…` text; nothing may panic and
//! whatever decodes must re-encode to the same bytes.
//!
//! The check lives in the owning crate (`scb_cln::fuzzing::cln_decode`, feature `fuzzing`),
//! so `cargo test` replays `fuzz/regressions/cln_decode/` through the same code.
//! With `--cfg fuzzing` (cargo-fuzz, nightly) this is a libFuzzer target; without it, a
//! bounded stable mutation run over the same corpus (see `fuzz/src/lib.rs`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scb_cln::fuzzing::cln_decode(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    scb_fuzz::stable_main("cln_decode", scb_cln::fuzzing::cln_decode)
}
