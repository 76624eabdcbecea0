//! Fuzz target `aezeed_decode`: arbitrary bytes as aezeed mnemonic text, as the 33 enciphered bytes and as an AEZ ciphertext; nothing may panic.
//!
//! The check lives in the owning crate (`scb_seed::fuzzing::check_aezeed`, feature `fuzzing`),
//! so `cargo test` replays `fuzz/regressions/aezeed_decode/` through the same code.
//! With `--cfg fuzzing` (cargo-fuzz, nightly) this is a libFuzzer target; without it, a
//! bounded stable mutation run over the same corpus (see `fuzz/src/lib.rs`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scb_seed::fuzzing::check_aezeed(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    scb_fuzz::stable_main("aezeed_decode", scb_seed::fuzzing::check_aezeed)
}
