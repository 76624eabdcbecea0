//! Test helpers shared by several of scb-cli's integration tests.

pub mod regtest;
