//! scb-replicate (under construction).
