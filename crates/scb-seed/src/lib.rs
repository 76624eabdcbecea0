//! scb-seed (under construction).
