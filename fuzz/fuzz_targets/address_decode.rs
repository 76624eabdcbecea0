//! Fuzz target (stub: filled in with its decoder).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = data;
});

#[cfg(not(fuzzing))]
fn main() {}
