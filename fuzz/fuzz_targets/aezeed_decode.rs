//! Fuzz target: arbitrary bytes as aezeed mnemonic text, as the 33
//! enciphered bytes and as an AEZ ciphertext; nothing may panic. The body
//! lives in `scb_seed::fuzz` so `cargo test -p scb-seed` replays
//! `fuzz/regressions/aezeed_decode/` through the same checks.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scb_seed::fuzz::aezeed_decode(data);
});

#[cfg(not(fuzzing))]
fn main() {}
