//! Fuzz target: decode a multi's plaintext; whatever decodes must survive
//! encode -> decode -> encode unchanged (`scb_wire::fuzzing::check_multi`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scb_wire::fuzzing::check_multi(data);
});

#[cfg(not(fuzzing))]
fn main() {}
