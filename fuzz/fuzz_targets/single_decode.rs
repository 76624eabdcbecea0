//! Fuzz target: decode a single's plaintext; whatever decodes must survive
//! encode -> decode -> encode unchanged (`scb_wire::fuzzing::check_single`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scb_wire::fuzzing::check_single(data);
});

#[cfg(not(fuzzing))]
fn main() {}
