//! The one error type of the crate.

/// What Core Lightning says about a file, for the verdicts its own
/// `emergencyrecover` gives (see `docs/format.md`, "Core Lightning").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClnVerdict {
    /// "SCB file is corrupted!": too short, or authentication failed.
    Corrupted,
    /// "Invalid recovery format": the plaintext does not parse.
    InvalidFormat,
    /// "Incompatible emergencyrecover version: …".
    IncompatibleVersion,
    /// Core Lightning's behaviour is undefined (it reads past its buffer or
    /// asserts); this crate rejects.
    Undefined,
}

/// Why an `hsm_secret`, an `emergency.recover` or a value could not be used.
///
/// Decoding errors name the field and the byte offset in the plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An `hsm_secret` file shorter than 32 bytes.
    #[error("hsm_secret is {len} bytes: Core Lightning's are 32 (plain), 73 (encrypted) or 33 and more (mnemonic)")]
    HsmSecretLength {
        /// The file's length.
        len: usize,
    },
    /// The `hsm_secret` is encrypted or has a BIP39 passphrase, and none was given.
    #[error("this {kind} hsm_secret needs its passphrase")]
    PassphraseRequired {
        /// `"encrypted"` or `"mnemonic"`.
        kind: &'static str,
    },
    /// A passphrase was given for an `hsm_secret` that has none.
    #[error("this {kind} hsm_secret has no passphrase, but one was given")]
    PassphraseUnexpected {
        /// `"plain"` or `"mnemonic"`.
        kind: &'static str,
    },
    /// The passphrase does not open the `hsm_secret`. For an encrypted
    /// (73-byte) file a corrupted file gives the same answer: the format
    /// cannot tell them apart.
    #[error("wrong passphrase for this {kind} hsm_secret{}", if *kind == "encrypted" { " (or the file is corrupted: the format cannot tell)" } else { "" })]
    WrongPassphrase {
        /// `"encrypted"` or `"mnemonic"`.
        kind: &'static str,
    },
    /// The mnemonic part of a v25.12+ `hsm_secret` is not a valid BIP39
    /// English mnemonic.
    #[error("hsm_secret mnemonic is not a valid BIP39 English mnemonic: {reason}")]
    InvalidMnemonic {
        /// What the BIP39 check said.
        reason: String,
    },
    /// Argon2id refused its parameters (only with custom costs).
    #[error("argon2id failed: {reason}")]
    PasswordHash {
        /// dryoc's message.
        reason: String,
    },
    /// An `emergency.recover` shorter than the 24-byte header and 17-byte tag.
    #[error(
        "emergency.recover is {len} bytes, shorter than the 41 of an empty secretstream message"
    )]
    FileTooShort {
        /// The file's length.
        len: usize,
    },
    /// The secretstream authentication failed: wrong `hsm_secret` or
    /// corrupted file (the format cannot tell them apart).
    #[error("emergency.recover does not open with this key: wrong hsm_secret, or the file is corrupted (the format cannot tell them apart)")]
    Authentication,
    /// The plaintext ended inside or before `field`.
    #[error("unexpected end of plaintext reading {field} at offset {offset}")]
    UnexpectedEof {
        /// The field being read.
        field: &'static str,
        /// Where it started.
        offset: usize,
    },
    /// The message type is neither 6137 nor 6135.
    #[error("unknown message type {found} at offset 0 (6137 or the legacy 6135 expected)")]
    UnknownMessageType {
        /// The type read.
        found: u16,
    },
    /// A channel's `len_tlv` points past the end of the plaintext (Core
    /// Lightning reads past its buffer there: undefined, rejected).
    #[error("len_tlv {len_tlv} at offset {offset} runs past the end of the plaintext ({left} bytes left)")]
    TlvStreamPastEnd {
        /// The length read.
        len_tlv: u32,
        /// Where the `u32` is.
        offset: usize,
        /// Bytes left after it.
        left: usize,
    },
    /// A BigSize value is not in its shortest form.
    #[error("non-canonical BigSize in {field} at offset {offset}")]
    NonCanonicalBigSize {
        /// `"tlv type"` or `"tlv length"`.
        field: &'static str,
        /// Where it starts.
        offset: usize,
    },
    /// A TLV record's length runs past the end of the TLV stream.
    #[error(
        "tlv type {tlv_type} at offset {offset}: length {length} runs past the end of the stream"
    )]
    TlvPastEnd {
        /// The record's type.
        tlv_type: u64,
        /// Where the record starts.
        offset: usize,
        /// Its length.
        length: u64,
    },
    /// TLV types are not strictly increasing.
    #[error(
        "tlv type {found} at offset {offset} does not follow type {previous} (types must increase)"
    )]
    TlvOutOfOrder {
        /// The type before.
        previous: u64,
        /// The type read.
        found: u64,
        /// Where the record starts.
        offset: usize,
    },
    /// An unknown even TLV type ("it's OK to be odd").
    #[error("unknown even tlv type {tlv_type} at offset {offset}")]
    UnknownEvenTlv {
        /// The type.
        tlv_type: u64,
        /// Where the record starts.
        offset: usize,
    },
    /// A known TLV's value is not exactly its encoding.
    #[error("tlv {field} at offset {offset}: length {length} does not match its {expected}-byte encoding")]
    TlvLength {
        /// The TLV's name.
        field: &'static str,
        /// Where the value starts.
        offset: usize,
        /// The record's length.
        length: u64,
        /// The length its content needs.
        expected: u64,
    },
    /// A shachain with more than 49 known secrets.
    #[error("shachain num_valid {num_valid} at offset {offset} exceeds 49")]
    ShachainTooLong {
        /// The count read.
        num_valid: u32,
        /// Where the `u32` is.
        offset: usize,
    },
    /// A basepoint that is not a valid compressed secp256k1 point.
    #[error("invalid {field} basepoint at offset {offset}")]
    InvalidBasepoint {
        /// Which basepoint.
        field: &'static str,
        /// Where its 33 bytes start.
        offset: usize,
    },
    /// The `opener` TLV is neither 0 (local) nor 1 (remote).
    #[error("opener {value} at offset {offset} is neither 0 (local) nor 1 (remote)")]
    InvalidOpener {
        /// The byte read.
        value: u8,
        /// Where it is.
        offset: usize,
    },
    /// An address descriptor Core Lightning does not know (it reads on with
    /// an uninitialised address: undefined, rejected).
    #[error("unknown address descriptor {descriptor} at offset {offset}")]
    UnknownAddressType {
        /// The byte read.
        descriptor: u8,
        /// Where it is.
        offset: usize,
    },
    /// A node id not starting with 02 or 03 (Core Lightning asserts on it
    /// when it re-encodes the id: undefined, rejected).
    #[error("node id at offset {offset} starts with {prefix:#04x}, not 0x02 or 0x03")]
    InvalidNodeId {
        /// Its first byte.
        prefix: u8,
        /// Where it starts.
        offset: usize,
    },
    /// The version fails Core Lightning's check `version & 0x5555555555555555 == 1`.
    #[error("incompatible emergency.recover version {version} (Core Lightning accepts a version whose even bits are 1: 1, 3, …)")]
    IncompatibleVersion {
        /// The version.
        version: u64,
    },
    /// A value this crate will not encode because Core Lightning could not
    /// read it back.
    #[error("cannot encode {field}: {reason}")]
    Unencodable {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A `clnemerg1…` string that is not bech32 with that prefix.
    #[error("not a clnemerg1… string: {reason}")]
    Bech32 {
        /// What was wrong.
        reason: String,
    },
    /// A JSON value that does not describe a backup (`json` feature).
    #[error("backup JSON: {field}: {reason}")]
    Json {
        /// The field path.
        field: String,
        /// What was wrong.
        reason: String,
    },
}

impl Error {
    /// What Core Lightning's `emergencyrecover` would say about the same
    /// file, where the error is about an `emergency.recover`; `None` for
    /// `hsm_secret`, encoding and input-form errors.
    pub fn cln_verdict(&self) -> Option<ClnVerdict> {
        Some(match self {
            Self::FileTooShort { .. } | Self::Authentication => ClnVerdict::Corrupted,
            Self::UnexpectedEof { .. }
            | Self::UnknownMessageType { .. }
            | Self::NonCanonicalBigSize { .. }
            | Self::TlvPastEnd { .. }
            | Self::TlvOutOfOrder { .. }
            | Self::UnknownEvenTlv { .. }
            | Self::TlvLength { .. }
            | Self::ShachainTooLong { .. }
            | Self::InvalidBasepoint { .. }
            | Self::InvalidOpener { .. } => ClnVerdict::InvalidFormat,
            Self::IncompatibleVersion { .. } => ClnVerdict::IncompatibleVersion,
            Self::TlvStreamPastEnd { .. }
            | Self::UnknownAddressType { .. }
            | Self::InvalidNodeId { .. } => ClnVerdict::Undefined,
            _ => return None,
        })
    }
}
