//! Fuzz target `address_decode`: decode the entries of an address list; whatever decodes must survive encode, decode, encode unchanged.
//!
//! The check lives in the owning crate (`scb_wire::fuzzing::check_address_list`, feature `fuzzing`),
//! so `cargo test` replays `fuzz/regressions/address_decode/` through the same code.
//! With `--cfg fuzzing` (cargo-fuzz, nightly) this is a libFuzzer target; without it, a
//! bounded stable mutation run over the same corpus (see `fuzz/src/lib.rs`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scb_wire::fuzzing::check_address_list(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    scb_fuzz::stable_main("address_decode", scb_wire::fuzzing::check_address_list)
}
