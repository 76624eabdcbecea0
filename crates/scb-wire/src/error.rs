//! Errors of the codec.

use alloc::string::String;
use core::fmt;

/// Why bytes could not be decoded. Every variant names the field and the byte
/// offset (from the start of the buffer handed to the decoder).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended inside or before `field`.
    #[error("unexpected end of input reading {field} at offset {offset}")]
    UnexpectedEof {
        /// The field being read.
        field: &'static str,
        /// Where it started.
        offset: usize,
    },
    /// A single's version byte (without its 0x80 flag) is not 0..=7.
    #[error("unknown single version {version} at offset {offset} (field {field})")]
    UnknownVersion {
        /// Always `"single version"`.
        field: &'static str,
        /// The version, without the close-tx flag (0xff reports 127, as lnd does).
        version: u8,
        /// Where the version byte is.
        offset: usize,
    },
    /// A multi's version byte is not [`MULTI_VERSION`](crate::MULTI_VERSION).
    #[error("unknown multi version {version} at offset {offset} (field {field})")]
    UnknownMultiVersion {
        /// Always `"multi version"`.
        field: &'static str,
        /// The version byte read.
        version: u8,
        /// Where the version byte is.
        offset: usize,
    },
    /// A 33-byte key field does not hold a compressed secp256k1 point.
    #[error("invalid public key in {field} at offset {offset}: {reason}")]
    InvalidPublicKey {
        /// The key field.
        field: &'static str,
        /// Where the 33 bytes start.
        offset: usize,
        /// Why it was refused.
        reason: PublicKeyError,
    },
    /// An entry of the address list runs past the end of the list.
    #[error("unable to read address: {field} truncated at offset {offset}")]
    BadAddress {
        /// The entry kind being read (e.g. `"ipv4 address"`).
        field: &'static str,
        /// Where the entry (its descriptor byte) starts.
        offset: usize,
    },
    /// The embedded commitment transaction breaks btcd's `wire` rules.
    #[error("bad transaction in {field} at offset {offset}: {reason}")]
    BadTransaction {
        /// The transaction field being read (e.g. `"commit tx input count"`).
        field: &'static str,
        /// Where that field starts.
        offset: usize,
        /// What btcd's reader would refuse.
        reason: TxError,
    },
    /// [`MultiDecodeOptions::skip_unknown_versions`](crate::MultiDecodeOptions)
    /// could not skip a single because its length prefix points past the input.
    #[error("cannot skip {field} at offset {offset}: its length {length} runs past the input")]
    SkipPastEnd {
        /// Always `"single of unknown version"`.
        field: &'static str,
        /// Where that single starts.
        offset: usize,
        /// The length prefix read.
        length: u16,
    },
}

impl DecodeError {
    /// The byte offset (from the start of the decoder's input) the error refers to.
    pub fn offset(&self) -> usize {
        match self {
            Self::UnexpectedEof { offset, .. }
            | Self::UnknownVersion { offset, .. }
            | Self::UnknownMultiVersion { offset, .. }
            | Self::InvalidPublicKey { offset, .. }
            | Self::BadAddress { offset, .. }
            | Self::BadTransaction { offset, .. }
            | Self::SkipPastEnd { offset, .. } => *offset,
        }
    }

    /// The name of the field the error refers to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnexpectedEof { field, .. }
            | Self::UnknownVersion { field, .. }
            | Self::UnknownMultiVersion { field, .. }
            | Self::InvalidPublicKey { field, .. }
            | Self::BadAddress { field, .. }
            | Self::BadTransaction { field, .. }
            | Self::SkipPastEnd { field, .. } => field,
        }
    }
}

/// Why 33 bytes are not a compressed public key (the same three cases lnd reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKeyError {
    /// The first byte is not 0x02 or 0x03.
    UnsupportedFormat(u8),
    /// The x coordinate is not below the field prime.
    XNotInField,
    /// x³ + 7 has no square root: no point has this x.
    NotOnCurve,
}

impl fmt::Display for PublicKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedFormat(b) => write!(f, "unsupported format: {b:x}"),
            Self::XNotInField => f.write_str("x >= field prime"),
            Self::NotOnCurve => f.write_str("x coordinate is not on the secp256k1 curve"),
        }
    }
}

/// What btcd's transaction reader refuses (besides running out of bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxError {
    /// A varint used more bytes than its value needs.
    NonCanonicalVarInt {
        /// The value read.
        value: u64,
        /// The discriminant byte (0xfd, 0xfe or 0xff).
        discriminant: u8,
    },
    /// The segwit marker 0x00 was followed by a flag byte other than 0x01.
    BadWitnessFlag(u8),
    /// More inputs than fit in a 32 MiB message (btcd's bound, 818,401).
    TooManyInputs(u64),
    /// More outputs than fit in a 32 MiB message (btcd's bound, 3,728,271).
    TooManyOutputs(u64),
    /// More than 4,000,000 witness items in one input.
    TooManyWitnessItems(u64),
    /// A script or witness item longer than 4,000,000 bytes.
    ScriptTooLarge(u64),
    /// All scripts and witness items together exceed 4 MiB (btcd's decode slab).
    ScriptsTooLarge {
        /// The length of the item that did not fit.
        count: u64,
        /// Bytes of the 4 MiB budget left.
        remaining: u64,
    },
    /// The segwit marker was present but every witness is empty.
    SuperfluousWitness,
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonCanonicalVarInt { value, discriminant } => {
                write!(f, "non-canonical varint {value} - discriminant {discriminant:x}")
            }
            Self::BadWitnessFlag(b) => write!(f, "witness tx but flag byte is {b:02x}"),
            Self::TooManyInputs(n) => write!(f, "too many input transactions: {n}"),
            Self::TooManyOutputs(n) => write!(f, "too many output transactions: {n}"),
            Self::TooManyWitnessItems(n) => write!(f, "too many witness items: {n}"),
            Self::ScriptTooLarge(n) => write!(f, "script of {n} bytes is larger than allowed"),
            Self::ScriptsTooLarge { count, remaining } => write!(
                f,
                "script of {count} bytes exceeds the remaining {remaining} bytes of the 4 MiB budget"
            ),
            Self::SuperfluousWitness => f.write_str("witness flag set but tx has no witnesses"),
        }
    }
}

/// Why a value could not be encoded: what lnd's encoder refuses, plus the
/// cases where lnd would write bytes that no reader (lnd included) can read
/// back, which this crate refuses instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The single's version is not one this crate (and lnd) can write.
    #[error("unable to serialize w/ unknown version: {0}")]
    UnknownVersion(u8),
    /// The funding output index does not fit the u16 lnd writes.
    #[error("index for outpoint ({0}) is greater than max index of 65535")]
    OutputIndexTooLarge(u32),
    /// The short channel id's block height does not fit in 3 bytes.
    #[error("short channel id block height {0} does not fit in 3 bytes")]
    ScidBlockHeightTooLarge(u32),
    /// The short channel id's transaction index does not fit in 3 bytes.
    #[error("short channel id tx index {0} does not fit in 3 bytes")]
    ScidTxIndexTooLarge(u32),
    /// The encoded address list is longer than its u16 length can say
    /// (lnd writes a wrapped length: corrupt output).
    #[error("address list of {0} bytes exceeds 65535")]
    AddressListTooLong(usize),
    /// A DNS host name is longer than its u8 length can say (lnd writes a
    /// wrapped length: corrupt output).
    #[error("dns host name of {0} bytes exceeds 255")]
    DnsHostTooLong(usize),
    /// The commit signature is longer than its u16 length can say (lnd writes
    /// a wrapped length: corrupt output).
    #[error("commit signature of {0} bytes exceeds 65535")]
    SignatureTooLong(usize),
    /// Version 6 with close-tx inputs needs a tapscript root (lnd refuses too).
    #[error("failed to encode close tx inputs: field tapscript root is not filled")]
    MissingTapscriptRoot,
    /// A commit transaction with no inputs is written by lnd in the legacy
    /// form, which every reader takes for a segwit marker: lnd cannot read it back.
    #[error("commit tx without inputs cannot be read back")]
    CommitTxWithoutInputs,
    /// A multi with more singles than its u32 count can say.
    #[error("multi of {0} singles exceeds the u32 count")]
    TooManySingles(usize),
    /// One single of a multi failed to encode.
    #[error("unable to serialize backup for {outpoint}")]
    InMulti {
        /// The funding outpoint of the failing single (`txid:vout`).
        outpoint: String,
        /// Why it failed.
        #[source]
        source: alloc::boxed::Box<EncodeError>,
    },
}

/// Why an address could not be parsed from its text form (see
/// [`Address::parse`](crate::Address::parse)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressParseError {
    /// The `type` is none of `ipv4`, `ipv6`, `torv2`, `torv3`, `dns`, `opaque`.
    #[error("unknown address type {0:?}")]
    UnknownType(String),
    /// No `:port` suffix, or a port that is not a u16.
    #[error("bad or missing port in {0:?}")]
    BadPort(String),
    /// The host part is not an address of the stated type.
    #[error("bad {kind} host in {text:?}")]
    BadHost {
        /// The address type.
        kind: &'static str,
        /// The text given.
        text: String,
    },
    /// An onion host whose base32 part is neither 16 (v2) nor 56 (v3) characters.
    #[error("unknown onion service length in {0:?}")]
    OnionLength(String),
    /// An onion host that is not lower-case RFC 4648 base32.
    #[error("illegal base32 data in {0:?}")]
    OnionBase32(String),
    /// Opaque bytes that are not hex, or empty.
    #[error("bad opaque address hex {0:?}")]
    BadHex(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn one_lower_case_line(s: &str) {
        assert!(!s.contains('\n'), "{s:?}");
        assert!(!s.ends_with('.'), "{s:?}");
        assert!(s.chars().next().is_some_and(|c| !c.is_uppercase()), "{s:?}");
    }

    #[test]
    fn every_error_displays_as_one_lower_case_line_with_field_and_offset() {
        let decode = vec![
            DecodeError::UnexpectedEof {
                field: "capacity",
                offset: 120,
            },
            DecodeError::UnknownVersion {
                field: "single version",
                version: 9,
                offset: 0,
            },
            DecodeError::UnknownMultiVersion {
                field: "multi version",
                version: 1,
                offset: 0,
            },
            DecodeError::InvalidPublicKey {
                field: "remote node key",
                offset: 78,
                reason: PublicKeyError::UnsupportedFormat(0x88),
            },
            DecodeError::BadAddress {
                field: "ipv4 address",
                offset: 113,
            },
            DecodeError::BadTransaction {
                field: "commit tx witness",
                offset: 400,
                reason: TxError::SuperfluousWitness,
            },
            DecodeError::SkipPastEnd {
                field: "single of unknown version",
                offset: 5,
                length: 9,
            },
        ];
        for e in &decode {
            let s = e.to_string();
            one_lower_case_line(&s);
            assert!(s.contains(&e.offset().to_string()), "{s:?}");
            assert!(s.contains(e.field()), "{s:?}");
        }
        assert!(decode[3].to_string().ends_with("unsupported format: 88"));
        for r in [
            TxError::NonCanonicalVarInt {
                value: 1,
                discriminant: 0xfd,
            },
            TxError::BadWitnessFlag(2),
            TxError::TooManyInputs(1),
            TxError::TooManyOutputs(1),
            TxError::TooManyWitnessItems(1),
            TxError::ScriptTooLarge(1),
            TxError::ScriptsTooLarge {
                count: 1,
                remaining: 0,
            },
            TxError::SuperfluousWitness,
        ] {
            one_lower_case_line(&r.to_string());
        }
        for e in [
            EncodeError::UnknownVersion(8),
            EncodeError::OutputIndexTooLarge(65_536),
            EncodeError::ScidBlockHeightTooLarge(1 << 24),
            EncodeError::ScidTxIndexTooLarge(1 << 24),
            EncodeError::AddressListTooLong(65_536),
            EncodeError::DnsHostTooLong(256),
            EncodeError::SignatureTooLong(65_536),
            EncodeError::MissingTapscriptRoot,
            EncodeError::CommitTxWithoutInputs,
            EncodeError::TooManySingles(usize::MAX),
            EncodeError::InMulti {
                outpoint: "00:1".into(),
                source: alloc::boxed::Box::new(EncodeError::MissingTapscriptRoot),
            },
        ] {
            one_lower_case_line(&e.to_string());
        }
        one_lower_case_line(&AddressParseError::OnionLength("abc.onion:1".into()).to_string());
    }
}
