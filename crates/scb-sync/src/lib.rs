//! scb-sync (under construction).
