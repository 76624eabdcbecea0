//! scb-rescue: from an lnd static channel backup and its seed to coins,
//! without lnd.
//!
//! [`trigger_close`] connects to each channel's peer as our node and sends
//! the `channel_reestablish` of a channel restored from a backup, which
//! asks the peer to publish its latest commitment (docs/recovery.md).

pub mod peer;
pub mod trigger_close;

pub use trigger_close::{
    trigger_close, trigger_close_with_progress, ChannelKeys, ChannelReport, ChannelTarget, Outcome,
    TriggerCloseError, TriggerCloseOptions,
};
