//! Errors of the codec.

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
}

/// Why a value could not be encoded (what lnd's encoder refuses).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The single's version is not one this crate (and lnd) can write.
    #[error("unable to serialize w/ unknown version: {0}")]
    UnknownVersion(u8),
}
