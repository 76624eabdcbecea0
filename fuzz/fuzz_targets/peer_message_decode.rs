//! Fuzz target `peer_message_decode`: what a hostile Lightning peer can send before and
//! after the BOLT 8 handshake (a message body, act two, an encrypted frame); nothing may panic.
//!
//! The check lives in the owning crate (`scb_rescue::fuzzing::check_peer_message`, feature
//! `fuzzing`), so `cargo test` replays `fuzz/regressions/peer_message_decode/` through the
//! same code. With `--cfg fuzzing` (cargo-fuzz, nightly) this is a libFuzzer target; without
//! it, a bounded stable mutation run over the same corpus (see `fuzz/src/lib.rs`).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scb_rescue::fuzzing::check_peer_message(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    scb_fuzz::stable_main(
        "peer_message_decode",
        scb_rescue::fuzzing::check_peer_message,
    )
}
