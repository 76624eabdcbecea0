//! Byte-exact encoding of lnd's static channel backups (SCB).
//!
//! `scb-wire` owns the plaintext format only: a [`Single`] (one channel) and a
//! [`Multi`] (the list inside `channel.backup`), exactly as lnd's
//! `chanbackup` package writes and reads them. No I/O, no cryptography
//! (decryption lives in `scb-crypto`).
//! It also holds the workspace's one BOLT 1 BigSize codec ([`bigsize`]),
//! which the Lightning-protocol crates share.
//!
//! ```
//! use scb_wire::{Multi, Single};
//! # let plaintext = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
//! // `plaintext` is one single as lnd's `Single.Serialize` writes it.
//! let single = Single::decode(&plaintext)?;
//! println!("channel {} with {} addresses", single.funding_outpoint, single.addresses.len());
//!
//! // Wrap it in a multi (what `channel.backup` encrypts) and read it back.
//! let multi = Multi { singles: vec![single] };
//! let bytes = multi.to_bytes()?;
//! assert_eq!(Multi::decode(&bytes)?, multi);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Compatibility with lnd
//!
//! Decoding accepts exactly what lnd (commit 90ea05d5a7f9) accepts and gives
//! the same values; every lnd quirk is matched on purpose:
//! - the u16 length after a single's version byte is read and ignored, never
//!   used to frame or skip (docs/format.md#length-prefix-unread); bytes after
//!   the last field of a single or of a multi are ignored;
//! - `is_initiator` is true only for the byte 1 (docs/format.md#initiator-byte);
//!   capacity is signed (docs/format.md#signed-capacity); the funding output
//!   index is a u16 (docs/format.md#u16-output-index);
//! - 33 zero bytes of shachain key mean "no key"; every other key must be a
//!   compressed point (02/03 prefix, x below the field prime, on the curve);
//! - address descriptor 0 is skipped, descriptors 6..=255 swallow the rest of
//!   the list as one [`Address::Opaque`]
//!   (docs/format.md#unknown-address-descriptor), DNS names are not
//!   validated, Tor addresses are raw bytes (no v3 checksum check);
//! - the commit transaction is read with btcd `wire/v2` rules (canonical
//!   varints, segwit marker only with a witness, btcd's count and size caps);
//! - one unknown single version fails the whole multi
//!   (docs/format.md#unknown-version-fails-multi), unless the non-lnd
//!   [`MultiDecodeOptions::skip_unknown_versions`] is set.
//!
//! Decoders never panic and never allocate from a length or count read off
//! the input before the bytes are there; every [`DecodeError`] names the field
//! and the byte offset.
//!
//! # Where encoding deliberately differs from lnd
//!
//! lnd's encoder writes some values it can never read back. This crate
//! refuses them with a typed [`EncodeError`] instead:
//! - an address list over 65,535 bytes (lnd wraps the u16 length);
//! - a DNS host name over 255 bytes (lnd wraps the u8 length;
//!   `enc:dns_hostname_256_bytes`);
//! - a commit signature over 65,535 bytes (lnd wraps the u16,
//!   docs/format.md#signature-length-wraps);
//! - a commit transaction without inputs (lnd writes the legacy form, which
//!   every reader takes for a segwit marker,
//!   docs/format.md#zero-input-commitment; `enc:commit_tx_without_inputs`).
//!
//! Matched on purpose (lnd writes these and reads them back):
//! - an IPv4-mapped IPv6 address is written with descriptor 1
//!   (docs/format.md#address-writer-limits);
//! - an opaque address is written verbatim even when not last
//!   (`enc:opaque_address_not_last`: on reading it swallows what follows);
//! - a tapscript root on a version other than 6, a commit height on a
//!   non-taproot version and a lease expiry on a version other than 4 are
//!   silently not written (`enc:tapscript_root_on_v5`,
//!   `enc:commit_height_and_lease_on_v3`); a missing lease expiry (v4) or
//!   commit height (taproot) is written as 0, lnd's zero value;
//! - a negative capacity is written in two's complement;
//! - a body over 65,535 bytes gets a wrapped length prefix (lnd reads it back).
//!
//! Made unrepresentable by the types (lnd refuses them at run time): an
//! unknown version or one with the 0x80 bit ([`SingleVersion`] is 0..=7 and
//! `TryFrom<u8>` gives [`EncodeError::UnknownVersion`]), an unknown multi
//! version, a missing public key, a TCP address without an IP, an onion host
//! of the wrong length or with upper-case base32 (Tor addresses hold raw
//! bytes; [`Address::parse`] refuses such text), an address of an unknown type.
//! Still checked at encode time, as in lnd: output index over 65,535, short
//! channel id parts of 2^24 or more, version 6 close-tx inputs without a
//! tapscript root.
//!
//! # Features
//! - `std` (default): enables `bitcoin/std`; without it the crate is
//!   `#![no_std]` + `alloc` (`core::net` addresses, `core::error::Error`).
//!   The workspace takes `thiserror` with its default `std` feature, so a
//!   target that has no `std` at all also needs `thiserror` without it.
//! - `serde`: [`Single`] and [`Multi`] serialize to the JSON objects of the
//!   test vectors' README (see the `json` module, present with the feature).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod address;
mod address_text;
pub mod bigsize;
mod error;
mod framing;
/// Fuzz-target bodies (feature `fuzzing`; not a stable API).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "serde")]
pub mod json;
mod keys;
mod multi;
mod reader;
mod single;
mod tx;

pub use address::{decode_address_list, encode_address_list, encoded_address_list_len, Address};
pub use bigsize::BigSizeError;
pub use error::{AddressParseError, DecodeError, EncodeError, PublicKeyError, TxError};
pub use multi::{Multi, MultiDecodeOptions, SkippedSingle, MULTI_VERSION};
pub use single::{
    CloseTxInputs, KeyLocator, LocalChanConfig, RemoteChanConfig, ShaChainRoot, ShortChannelId,
    Single, SingleVersion, CLOSE_TX_FLAG,
};
