//! The list of singles inside `channel.backup`.

use crate::{DecodeError, EncodeError, Single};

/// The only multi version lnd knows.
pub const MULTI_VERSION: u8 = 0;

/// A multi-channel backup: version 0, u32 count, singles back to back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Multi {
    /// The channels.
    pub singles: Vec<Single>,
}

/// Decoder options for [`Multi`]; the default is exactly lnd's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MultiDecodeOptions {}

impl Multi {
    /// Appends the plaintext encoding to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let _ = out;
        Err(EncodeError::UnknownVersion(0))
    }

    /// Decodes a multi as lnd does.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, MultiDecodeOptions::default())
    }

    /// Decodes a multi with explicit options.
    pub fn decode_with(bytes: &[u8], options: MultiDecodeOptions) -> Result<Self, DecodeError> {
        let _ = (bytes, options);
        Err(DecodeError::UnexpectedEof { field: "multi version", offset: 0 })
    }
}
