//! Core Lightning's `emergency.recover`, opened with `--hsm-secret-file`:
//! `dump`, `verify`, `restore-plan`, `diff` and `create` (`docs/format.md`,
//! "Core Lightning"; `docs/recovery.md`, "Recovering a Core Lightning node").
//!
//! The logic lives in `scb-cln`; these modules read files, ask for the
//! passphrase and render, one command per file.

mod create;
mod diff;
mod dump;
mod input;
mod key;
mod plan;
mod verify;

pub use create::create;
pub use diff::diff;
pub use dump::dump;
pub use plan::restore_plan;
pub use verify::verify;
