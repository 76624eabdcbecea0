//! scb-crypto (under construction).
