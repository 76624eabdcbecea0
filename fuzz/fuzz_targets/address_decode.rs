//! Fuzz target: decode the entries of an address list; whatever decodes must survive
//! encode -> decode -> encode unchanged (`scb_wire::fuzzing::check_address_list`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scb_wire::fuzzing::check_address_list(data);
});

#[cfg(not(fuzzing))]
fn main() {}
