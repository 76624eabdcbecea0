//! scb-store (under construction).
