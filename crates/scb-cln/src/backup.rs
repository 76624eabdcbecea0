//! The plaintext of `emergency.recover`: `static_chan_backup_with_tlvs`
//! (6137) or the legacy `static_chan_backup` (6135).

use crate::reader::Reader;
use crate::{Channel, ChannelFormat, Error};

/// Core Lightning accepts a version `v` iff `v & VERSION_MASK == 1`
/// (`json_emergencyrecover`): odd bits may differ, so 1 and 3 open, 0 and 2 do not.
pub const VERSION_MASK: u64 = 0x5555_5555_5555_5555;

/// The version Core Lightning writes.
pub const VERSION: u64 = 1;

/// The plaintext's message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// 6137, `static_chan_backup_with_tlvs` (v25.05 and later).
    WithTlvs,
    /// 6135, `static_chan_backup` (legacy: no TLVs, so no penalty transactions).
    Legacy,
}

impl MessageType {
    /// The `u16` on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::WithTlvs => 6137,
            Self::Legacy => 6135,
        }
    }

    /// The type for a code, if it is one of the two.
    pub fn from_code(code: u16) -> Option<Self> {
        match code {
            6137 => Some(Self::WithTlvs),
            6135 => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// A decoded `emergency.recover` plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// Modern (with TLVs) or legacy; every channel's [`ChannelFormat`] must match.
    pub message_type: MessageType,
    /// The version (see [`VERSION_MASK`]).
    pub version: u64,
    /// When the plugin wrote the file (Unix seconds).
    pub timestamp: u32,
    /// The channels, in file order.
    pub channels: Vec<Channel>,
}

/// Whether Core Lightning's version check accepts `version`.
pub fn version_accepted(version: u64) -> bool {
    version & VERSION_MASK == 1
}

impl Backup {
    /// Decodes a plaintext as Core Lightning's `emergencyrecover` does;
    /// bytes after the last channel are ignored.
    pub fn decode(plaintext: &[u8]) -> Result<Self, Error> {
        Self::decode_prefix(plaintext).map(|(b, _)| b)
    }

    /// Like [`decode`](Self::decode), also returning how many bytes the
    /// backup used (the rest is what Core Lightning ignores).
    pub fn decode_prefix(plaintext: &[u8]) -> Result<(Self, usize), Error> {
        let mut r = Reader::new(plaintext);
        let code = r.u16("message type")?;
        let message_type =
            MessageType::from_code(code).ok_or(Error::UnknownMessageType { found: code })?;
        let version = r.u64("version")?;
        let timestamp = r.u32("timestamp")?;
        let num = r.u16("channel count")?;
        // No capacity from `num`: each channel is at least 100 bytes, so the
        // vector only grows as channels actually decode.
        let mut channels = Vec::new();
        for _ in 0..num {
            channels.push(Channel::decode(
                &mut r,
                message_type == MessageType::Legacy,
            )?);
        }
        // Core Lightning parses first and checks the version after.
        if !version_accepted(version) {
            return Err(Error::IncompatibleVersion { version });
        }
        let used = r.offset();
        Ok((
            Self {
                message_type,
                version,
                timestamp,
                channels,
            },
            used,
        ))
    }

    /// Encodes the plaintext. Refuses what Core Lightning could not read
    /// back: a version it rejects, more than 65,535 channels, a channel
    /// whose format does not match the message type, over-long fields.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        if !version_accepted(self.version) {
            return Err(Error::Unencodable {
                field: "version",
                reason: "Core Lightning accepts only versions with v & 0x5555555555555555 == 1",
            });
        }
        let num = u16::try_from(self.channels.len()).map_err(|_| Error::Unencodable {
            field: "channel count",
            reason: "more than 65,535 channels",
        })?;
        let mut out = Vec::with_capacity(16 + 256 * self.channels.len());
        out.extend_from_slice(&self.message_type.code().to_be_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&num.to_be_bytes());
        for c in &self.channels {
            let matches = matches!(
                (self.message_type, &c.format),
                (MessageType::Legacy, ChannelFormat::Legacy { .. })
                    | (MessageType::WithTlvs, ChannelFormat::Modern(_))
            );
            if !matches {
                return Err(Error::Unencodable {
                    field: "channel format",
                    reason: "a legacy channel in a 6137 message, or a modern one in a 6135 message",
                });
            }
            c.encode(&mut out)?;
        }
        Ok(out)
    }
}
