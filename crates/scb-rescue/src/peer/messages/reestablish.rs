//! BOLT 2 `channel_reestablish` and its TLV stream (the MuSig2 nonces of
//! taproot channels), encoded and decoded side by side.

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::PublicKey;
use bitcoin::Txid;
use musig2::{BinaryEncoding, PubNonce};

use super::cursor::Cursor;
use super::{ChannelId, CHANNEL_REESTABLISH};
use crate::peer::error::PeerError;

/// `channel_reestablish` TLV type of `next_local_nonce`: one MuSig2 public
/// nonce (lnd's `LocalNonce`, sent for Single versions 5 and 6).
pub const TLV_NEXT_LOCAL_NONCE: u64 = 4;
/// `channel_reestablish` TLV type of `next_local_nonces`: MuSig2 public
/// nonces keyed by funding txid (lnd's `LocalNonces`, sent for version 7).
pub const TLV_NEXT_LOCAL_NONCES: u64 = 22;
/// Size of a MuSig2 public nonce on the wire: two compressed points.
pub const PUB_NONCE_SIZE: usize = 66;
/// The most `next_local_nonces` entries lnd accepts (one per splice in flight).
pub const MAX_LOCAL_NONCES: usize = 16;

/// BOLT 2 `channel_reestablish` with the TLVs of taproot channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReestablish {
    /// The channel.
    pub channel_id: ChannelId,
    /// `next_commitment_number`.
    pub next_commitment_number: u64,
    /// `next_revocation_number`.
    pub next_revocation_number: u64,
    /// `your_last_per_commitment_secret`.
    pub your_last_per_commitment_secret: [u8; 32],
    /// `my_current_per_commitment_point`.
    pub my_current_per_commitment_point: PublicKey,
    /// TLV 4 ([`TLV_NEXT_LOCAL_NONCE`]): our next MuSig2 verification nonce.
    pub next_local_nonce: Option<PubNonce>,
    /// TLV 22 ([`TLV_NEXT_LOCAL_NONCES`]): our next verification nonces by
    /// funding txid, written in the order given (lnd sorts them by txid
    /// bytes; a restored channel has one).
    pub next_local_nonces: Option<Vec<(Txid, PubNonce)>>,
}

/// Appends one TLV record.
fn put_record(out: &mut Vec<u8>, tlv_type: u64, value: &[u8]) {
    scb_wire::bigsize::write(out, tlv_type);
    scb_wire::bigsize::write(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// A MuSig2 public nonce from its 66 wire bytes: both points must be valid
/// compressed points, as lnd checks (`ValidateMusig2Nonce`).
fn pub_nonce(c: &mut Cursor<'_>) -> Result<PubNonce, PeerError> {
    let bytes = c.take(PUB_NONCE_SIZE)?;
    PubNonce::from_bytes(bytes).map_err(|_| PeerError::Malformed {
        message: "channel_reestablish nonce",
    })
}

impl ChannelReestablish {
    /// Encodes the message with its type; the TLV stream in increasing type
    /// order, each type and length a minimal BigSize (BOLT 1).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + 32 + 8 + 8 + 32 + 33 + 2 + PUB_NONCE_SIZE);
        out.extend_from_slice(&CHANNEL_REESTABLISH.to_be_bytes());
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.next_commitment_number.to_be_bytes());
        out.extend_from_slice(&self.next_revocation_number.to_be_bytes());
        out.extend_from_slice(&self.your_last_per_commitment_secret);
        out.extend_from_slice(&self.my_current_per_commitment_point.serialize());
        if let Some(nonce) = &self.next_local_nonce {
            put_record(&mut out, TLV_NEXT_LOCAL_NONCE, &nonce.to_bytes());
        }
        if let Some(nonces) = &self.next_local_nonces {
            let mut value = Vec::with_capacity(nonces.len() * (32 + PUB_NONCE_SIZE));
            for (txid, nonce) in nonces {
                // chainhash order: the txid's internal bytes, as in the channel id.
                value.extend_from_slice(txid.as_byte_array());
                value.extend_from_slice(&nonce.to_bytes());
            }
            put_record(&mut out, TLV_NEXT_LOCAL_NONCES, &value);
        }
        out
    }

    /// Decodes a whole `channel_reestablish` (type included), TLV stream and
    /// all, by BOLT 1's rules: types strictly increasing, minimal BigSizes,
    /// lengths within the message, an unknown even type refused and an
    /// unknown odd one skipped. The nonce records are checked as lnd checks
    /// them (66-byte valid nonces; at most [`MAX_LOCAL_NONCES`] entries, no
    /// txid twice).
    pub fn decode(bytes: &[u8]) -> Result<Self, PeerError> {
        let mut c = Cursor {
            bytes,
            message: "channel_reestablish",
        };
        if c.u16()? != CHANNEL_REESTABLISH {
            return Err(PeerError::Malformed {
                message: "channel_reestablish type",
            });
        }
        let channel_id = ChannelId(c.array()?);
        let next_commitment_number = c.u64()?;
        let next_revocation_number = c.u64()?;
        let your_last_per_commitment_secret = c.array()?;
        let point: [u8; 33] = c.array()?;
        let my_current_per_commitment_point =
            PublicKey::from_slice(&point).map_err(|_| PeerError::Malformed {
                message: "channel_reestablish point",
            })?;
        let mut msg = Self {
            channel_id,
            next_commitment_number,
            next_revocation_number,
            your_last_per_commitment_secret,
            my_current_per_commitment_point,
            next_local_nonce: None,
            next_local_nonces: None,
        };
        c.message = "channel_reestablish TLV stream";
        let mut last_type: Option<u64> = None;
        while !c.bytes.is_empty() {
            let tlv_type = c.big_size()?;
            if last_type.is_some_and(|last| tlv_type <= last) {
                return Err(PeerError::Malformed { message: c.message });
            }
            last_type = Some(tlv_type);
            let len = c.big_size()?;
            // Bounded by the bytes in hand before anything is read or allocated.
            let len = usize::try_from(len)
                .ok()
                .filter(|&len| len <= c.bytes.len())
                .ok_or(PeerError::Malformed { message: c.message })?;
            let mut value = Cursor {
                bytes: c.take(len)?,
                message: "channel_reestablish nonce",
            };
            match tlv_type {
                TLV_NEXT_LOCAL_NONCE => {
                    if len != PUB_NONCE_SIZE {
                        return Err(PeerError::Malformed {
                            message: value.message,
                        });
                    }
                    msg.next_local_nonce = Some(pub_nonce(&mut value)?);
                }
                TLV_NEXT_LOCAL_NONCES => {
                    const ENTRY: usize = 32 + PUB_NONCE_SIZE;
                    if len % ENTRY != 0 || len / ENTRY > MAX_LOCAL_NONCES {
                        return Err(PeerError::Malformed {
                            message: value.message,
                        });
                    }
                    let mut nonces: Vec<(Txid, PubNonce)> = Vec::with_capacity(len / ENTRY);
                    while !value.bytes.is_empty() {
                        let txid = Txid::from_byte_array(value.array()?);
                        let nonce = pub_nonce(&mut value)?;
                        if nonces.iter().any(|(seen, _)| *seen == txid) {
                            return Err(PeerError::Malformed {
                                message: value.message,
                            });
                        }
                        nonces.push((txid, nonce));
                    }
                    msg.next_local_nonces = Some(nonces);
                }
                even if even % 2 == 0 => return Err(PeerError::Malformed { message: c.message }),
                _odd => {}
            }
        }
        Ok(msg)
    }
}
