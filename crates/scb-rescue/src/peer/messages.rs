//! The few Lightning messages a restored node exchanges (BOLT 1 `init`,
//! `error`, `warning`, `ping`, `pong`; BOLT 2 `channel_reestablish`), each
//! encoded and decoded side by side.
//!
//! Decoding faces an untrusted peer: every read is bounds-checked, nothing
//! is allocated beyond the (at most 65,535-byte) message in hand, and extra
//! bytes after the known fields (TLV streams) are ignored as BOLT 1 allows.

use bitcoin::hashes::Hash;
use bitcoin::OutPoint;

use super::error::PeerError;

mod cursor;
mod reestablish;
#[cfg(test)]
mod tests;

use cursor::Cursor;
pub use reestablish::{
    ChannelReestablish, MAX_LOCAL_NONCES, PUB_NONCE_SIZE, TLV_NEXT_LOCAL_NONCE,
    TLV_NEXT_LOCAL_NONCES,
};

/// Message type of `warning`.
pub const WARNING: u16 = 1;
/// Message type of `init`.
pub const INIT: u16 = 16;
/// Message type of `error`.
pub const ERROR: u16 = 17;
/// Message type of `ping`.
pub const PING: u16 = 18;
/// Message type of `pong`.
pub const PONG: u16 = 19;
/// Message type of `channel_reestablish`.
pub const CHANNEL_REESTABLISH: u16 = 136;

/// The feature bits we announce in `init`, as lnd's restored node needs
/// them: `option_data_loss_protect` (bit 0) and `option_static_remotekey`
/// (bit 12), plus `var_onion_optin` (bit 8) and `payment_secret` (bit 14),
/// which every current implementation expects of a peer. All required
/// (even). Big-endian, minimal: bits 14, 12, 8 in the first byte, bit 0 in
/// the last.
pub const OUR_FEATURES: [u8; 2] = [0b0101_0001, 0b0000_0001];

/// A BOLT 2 channel id: the funding txid in wire order with the output
/// index XORed into its last two bytes (see docs/recovery.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub [u8; 32]);

impl ChannelId {
    /// The id of the channel funded by `outpoint`.
    pub fn from_funding_outpoint(outpoint: &OutPoint) -> Self {
        let mut id = outpoint.txid.to_byte_array();
        // BOLT 2 XORs a 16-bit index; lnd's funding outputs are always below
        // 65,536, and a larger index is truncated the same way lnd does.
        let vout = outpoint.vout as u16;
        id[30] ^= (vout >> 8) as u8;
        id[31] ^= (vout & 0xff) as u8;
        Self(id)
    }

    /// The id in lower-case hex, in wire order.
    pub fn to_hex(&self) -> String {
        use bitcoin::hex::DisplayHex;
        self.0.to_lower_hex_string()
    }
}

/// A message received from the peer, decoded as far as we need it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// `init`: the OR of its global and local feature bits (big-endian).
    Init {
        /// Feature bits.
        features: Vec<u8>,
    },
    /// `error` for a channel (or all zeros: every channel).
    Error {
        /// The channel (all zeros: the whole connection).
        channel_id: ChannelId,
        /// The peer's text, usually ASCII.
        data: Vec<u8>,
    },
    /// `warning` for a channel (or all zeros).
    Warning {
        /// The channel (all zeros: the whole connection).
        channel_id: ChannelId,
        /// The peer's text.
        data: Vec<u8>,
    },
    /// `ping`: we answer with `num_pong_bytes` zero bytes in a `pong`.
    Ping {
        /// How many bytes the pong must carry.
        num_pong_bytes: u16,
    },
    /// `pong`.
    Pong,
    /// The peer's own `channel_reestablish` (its point is not checked: LDK,
    /// for one, answers an unknown channel with a placeholder point; its TLVs,
    /// such as a taproot peer's own nonces, are not read: a restored node
    /// never signs an update, so it has no use for them, and a record it
    /// cannot parse must not hide that the peer answered).
    ChannelReestablish {
        /// The channel.
        channel_id: ChannelId,
        /// `next_commitment_number`.
        next_commitment_number: u64,
        /// `next_revocation_number`.
        next_revocation_number: u64,
    },
    /// Any other message, by type.
    Other {
        /// The message type.
        message_type: u16,
    },
}

/// Encodes our `init`: no global features, [`OUR_FEATURES`], no TLVs.
pub fn encode_init() -> Vec<u8> {
    let mut out = Vec::with_capacity(8);
    out.extend_from_slice(&INIT.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(OUR_FEATURES.len() as u16).to_be_bytes());
    out.extend_from_slice(&OUR_FEATURES);
    out
}

/// Encodes `pong` with `len` zero bytes.
pub fn encode_pong(len: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + usize::from(len));
    out.extend_from_slice(&PONG.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.resize(4 + usize::from(len), 0);
    out
}

/// Encodes `ping` asking for `num_pong_bytes`, with no padding.
pub fn encode_ping(num_pong_bytes: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(6);
    out.extend_from_slice(&PING.to_be_bytes());
    out.extend_from_slice(&num_pong_bytes.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out
}

/// Encodes `error` (or, with `warning`, a `warning`) for a channel.
pub fn encode_error(channel_id: ChannelId, text: &str, warning: bool) -> Vec<u8> {
    let data = &text.as_bytes()[..text.len().min(60_000)];
    let mut out = Vec::with_capacity(36 + data.len());
    out.extend_from_slice(&(if warning { WARNING } else { ERROR }).to_be_bytes());
    out.extend_from_slice(&channel_id.0);
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// Decodes one message (type and body) received from the peer.
pub fn decode(bytes: &[u8]) -> Result<Message, PeerError> {
    let mut c = Cursor {
        bytes,
        message: "message type",
    };
    let message_type = c.u16()?;
    let message = match message_type {
        INIT => {
            c.message = "init";
            let global = c.var_bytes()?;
            let local = c.var_bytes()?;
            Message::Init {
                features: or_features(global, local),
            }
        }
        ERROR | WARNING => {
            c.message = if message_type == ERROR {
                "error"
            } else {
                "warning"
            };
            let channel_id = ChannelId(c.array()?);
            let data = c.var_bytes()?.to_vec();
            if message_type == ERROR {
                Message::Error { channel_id, data }
            } else {
                Message::Warning { channel_id, data }
            }
        }
        PING => {
            c.message = "ping";
            let num_pong_bytes = c.u16()?;
            c.var_bytes()?;
            Message::Ping { num_pong_bytes }
        }
        PONG => {
            c.message = "pong";
            c.var_bytes()?;
            Message::Pong
        }
        CHANNEL_REESTABLISH => {
            c.message = "channel_reestablish";
            let channel_id = ChannelId(c.array()?);
            let next_commitment_number = c.u64()?;
            let next_revocation_number = c.u64()?;
            // The secret and the point must be there, valid or not.
            c.take(32 + 33)?;
            Message::ChannelReestablish {
                channel_id,
                next_commitment_number,
                next_revocation_number,
            }
        }
        other => Message::Other {
            message_type: other,
        },
    };
    Ok(message)
}

/// The OR of two big-endian bit fields of any lengths.
fn or_features(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = a.len().max(b.len());
    let mut out = vec![0u8; len];
    for (src, pad) in [(a, len - a.len()), (b, len - b.len())] {
        for (o, s) in out[pad..].iter_mut().zip(src) {
            *o |= s;
        }
    }
    out
}

/// Whether a big-endian feature field sets `bit`.
pub fn has_feature(features: &[u8], bit: usize) -> bool {
    let byte = bit / 8;
    if byte >= features.len() {
        return false;
    }
    features[features.len() - 1 - byte] & (1 << (bit % 8)) != 0
}

/// A printable form of an `error`/`warning` text: valid UTF-8 printable
/// characters kept, anything else escaped, at most 400 characters.
pub fn printable(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let mut out = String::new();
    for ch in text.chars().take(400) {
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}
