//! Byte-exact encoding of lnd's static channel backups (SCB).
//!
//! `scb-wire` owns the plaintext format only: a [`Single`] (one channel) and a
//! [`Multi`] (the list inside `channel.backup`), exactly as lnd's
//! `chanbackup` package writes and reads them. No I/O, no cryptography.
//! (Skeleton: the codec bodies are filled in by the issue that builds them.)

mod address;
mod error;
mod multi;
mod single;

pub use address::Address;
pub use error::{DecodeError, EncodeError};
pub use multi::{Multi, MultiDecodeOptions, MULTI_VERSION};
pub use single::{
    CloseTxInputs, KeyLocator, LocalChanConfig, RemoteChanConfig, ShaChainRoot, ShortChannelId,
    Single, SingleVersion,
};
