//! Core Lightning's static channel backup, `emergency.recover`.
//!
//! Core Lightning's `chanbackup` plugin keeps one encrypted file per node
//! with, for every channel, the peer, its address, the funding output and
//! (since v25.05) what a penalty transaction needs. This crate reads and
//! writes that file without a running node:
//! - [`HsmSecret`]: the node's `hsm_secret` in each of its forms (32 bytes
//!   plain; 73 bytes encrypted with a passphrase; v25.12+ BIP39 mnemonic with
//!   or without passphrase) to the [`SecretData`] hsmd uses;
//! - [`SecretData::scb_key`]: the HKDF key schedule to the file's [`ScbKey`];
//! - [`open`] / [`seal`]: libsodium's `crypto_secretstream_xchacha20poly1305`
//!   (through `dryoc`) framed as Core Lightning frames it;
//! - [`Backup`]: the plaintext codec of both message types (6137 with TLVs,
//!   the legacy 6135), accepting exactly what `emergencyrecover` accepts;
//! - [`bech32`]: the `clnemerg1…` form `lightning-hsmtool` prints.
//!
//! Pure: no I/O. Writing the file (mode 0400, crash-safe) is the caller's.
//! The format and every acceptance rule are in `docs/format.md`, "Core
//! Lightning".
//!
//! ```
//! use scb_cln::{Backup, HsmSecret, MessageType};
//! # use rand_core::OsRng;
//! let hsm = HsmSecret::from_bytes(&[7u8; 32])?;
//! let key = hsm.secret_data(None)?.scb_key();
//! let backup = Backup { message_type: MessageType::WithTlvs, version: 1, timestamp: 1_700_000_000, channels: vec![] };
//! let file = scb_cln::seal(&backup, &key, &mut OsRng)?;
//! assert_eq!(scb_cln::open(&file, &key)?, backup);
//! # Ok::<(), scb_cln::Error>(())
//! ```
//!
//! # Where Core Lightning is lenient or undefined
//!
//! Matched on purpose: the secretstream tag is not checked; bytes after the
//! last channel are ignored; a version `v` opens iff `v & 0x5555555555555555
//! == 1`; port 0 is kept. Where Core Lightning reads past its buffer or
//! asserts (a `len_tlv` past the end, an unknown address descriptor, a node
//! id not starting with 02/03) this crate rejects. A wrong `hsm_secret` and
//! a corrupted file both fail authentication: the format cannot tell them
//! apart, and [`Error::Authentication`] says so.

mod address;
mod backup;
pub mod bech32;
mod channel;
mod error;
mod file;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "json")]
pub mod json;
mod key;
mod reader;
mod stream;
mod tlv;

pub use address::Address;
pub use backup::{version_accepted, Backup, MessageType, VERSION, VERSION_MASK};
pub use channel::{Channel, ChannelFormat, NodeId};
pub use error::{ClnVerdict, Error};
pub use file::{decrypt, open, seal, seal_plaintext, MAX_FILE_LEN};
pub use key::{HsmSecret, HsmSecretKind, ScbKey, SecretData, ENCRYPTED_LEN, PLAIN_LEN};
pub use stream::{Tag, HEADER_LEN, MIN_FILE_LEN, OVERHEAD};
pub use tlv::{
    Basepoints, ChannelTlvs, Opener, Shachain, ShachainEntry, UnknownTlv, MAX_SHACHAIN_KNOWN,
};
