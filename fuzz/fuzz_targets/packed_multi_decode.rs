//! Fuzz target `packed_multi_decode`: unpack arbitrary bytes as a packed multi under the vectors' testnet key; the error class follows from the length alone, never a panic.
//!
//! The check lives in the owning crate (`scb_crypto::fuzzing::check_packed_multi`, feature `fuzzing`),
//! so `cargo test` replays `fuzz/regressions/packed_multi_decode/` through the same code.
//! With `--cfg fuzzing` (cargo-fuzz, nightly) this is a libFuzzer target; without it, a
//! bounded stable mutation run over the same corpus (see `fuzz/src/lib.rs`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scb_crypto::fuzzing::check_packed_multi(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    scb_fuzz::stable_main(
        "packed_multi_decode",
        scb_crypto::fuzzing::check_packed_multi,
    )
}
