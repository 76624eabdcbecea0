//! Fuzz target: arbitrary bytes as a Core Lightning `emergency.recover`
//! plaintext, as an encrypted file and as `clnemerg1…` text; nothing may
//! panic and whatever decodes must re-encode to the same bytes. The body
//! lives in `scb_cln::fuzzing` so `cargo test -p scb-cln` replays
//! `fuzz/regressions/cln_decode/` through the same checks.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scb_cln::fuzzing::cln_decode(data);
});

#[cfg(not(fuzzing))]
fn main() {}
