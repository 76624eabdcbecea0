//! The few Lightning messages a restored node exchanges (BOLT 1 `init`,
//! `error`, `warning`, `ping`, `pong`; BOLT 2 `channel_reestablish`), each
//! encoded and decoded side by side.
//!
//! Decoding faces an untrusted peer: every read is bounds-checked, nothing
//! is allocated beyond the (at most 65,535-byte) message in hand, and extra
//! bytes after the known fields (TLV streams) are ignored as BOLT 1 allows.

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{OutPoint, Txid};
use musig2::{BinaryEncoding, PubNonce};

use super::error::PeerError;

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

/// A cursor over one message body that never reads out of bounds.
struct Cursor<'a> {
    bytes: &'a [u8],
    message: &'static str,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PeerError> {
        if self.bytes.len() < n {
            return Err(PeerError::Malformed {
                message: self.message,
            });
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PeerError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, PeerError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, PeerError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A BOLT 1 BigSize (scb-wire's codec), refusing non-minimal encodings
    /// as BOLT 1 requires.
    fn big_size(&mut self) -> Result<u64, PeerError> {
        let (value, len) =
            scb_wire::bigsize::read(self.bytes).map_err(|_| PeerError::Malformed {
                message: self.message,
            })?;
        self.take(len)?;
        Ok(value)
    }

    /// A u16 length and that many bytes.
    fn var_bytes(&mut self) -> Result<&'a [u8], PeerError> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::Txid;

    #[test]
    fn channel_id_xors_the_output_index_into_the_wire_order_txid() {
        let mut raw = [0u8; 32];
        raw[0] = 0xaa;
        raw[31] = 0x0f;
        let op = OutPoint {
            txid: Txid::from_byte_array(raw),
            vout: 0x0102,
        };
        let id = ChannelId::from_funding_outpoint(&op);
        assert_eq!(id.0[0], 0xaa);
        assert_eq!(id.0[30], 0x01);
        assert_eq!(id.0[31], 0x0f ^ 0x02);
    }

    #[test]
    fn our_features_set_data_loss_protect_and_static_remotekey_as_required() {
        for bit in [0, 8, 12, 14] {
            assert!(has_feature(&OUR_FEATURES, bit), "bit {bit}");
        }
        for bit in [1, 9, 13, 15, 16] {
            assert!(!has_feature(&OUR_FEATURES, bit), "bit {bit}");
        }
    }

    #[test]
    fn init_round_trips_and_ors_global_and_local_features() {
        let Message::Init { features } = decode(&encode_init()).unwrap() else {
            panic!("not init")
        };
        assert_eq!(features, OUR_FEATURES);
        let mixed = [0, 16, 0, 1, 0x02, 0, 3, 0x80, 0, 0];
        let Message::Init { features } = decode(&mixed).unwrap() else {
            panic!("not init")
        };
        assert_eq!(features, [0x80, 0, 0x02]);
    }

    #[test]
    fn channel_reestablish_round_trips() {
        let point = PublicKey::from_slice(&[
            2, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87,
            0x0b, 0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b,
            0x16, 0xf8, 0x17, 0x98,
        ])
        .unwrap();
        let msg = ChannelReestablish {
            channel_id: ChannelId([7; 32]),
            next_commitment_number: 1,
            next_revocation_number: 0,
            your_last_per_commitment_secret: [0; 32],
            my_current_per_commitment_point: point,
            next_local_nonce: None,
            next_local_nonces: None,
        };
        let bytes = msg.encode();
        assert_eq!(bytes.len(), 2 + 32 + 8 + 8 + 32 + 33);
        assert_eq!(
            decode(&bytes).unwrap(),
            Message::ChannelReestablish {
                channel_id: ChannelId([7; 32]),
                next_commitment_number: 1,
                next_revocation_number: 0,
            }
        );
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    }

    const G: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    const G2: &str = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The nonce (G, 2G).
    fn nonce_g_2g() -> PubNonce {
        PubNonce::from_bytes(&unhex(&format!("{G}{G2}"))).unwrap()
    }

    fn restored_taproot(version_final: bool) -> ChannelReestablish {
        let nonce = nonce_g_2g();
        ChannelReestablish {
            channel_id: ChannelId([7; 32]),
            next_commitment_number: 0,
            next_revocation_number: 0,
            your_last_per_commitment_secret: [0; 32],
            my_current_per_commitment_point: PublicKey::from_slice(&unhex(G)).unwrap(),
            next_local_nonce: (!version_final).then(|| nonce.clone()),
            next_local_nonces: version_final
                .then(|| vec![(Txid::from_byte_array([0xab; 32]), nonce)]),
        }
    }

    #[test]
    fn taproot_nonce_tlvs_have_lnds_exact_bytes() {
        let fixed = format!(
            "0088{}{}{}{}{G}",
            "07".repeat(32),
            "00".repeat(8),
            "00".repeat(8),
            "00".repeat(32)
        );
        // TLV 4, length 66, R1 || R2 compressed.
        assert_eq!(
            restored_taproot(false).encode(),
            unhex(&format!("{fixed}0442{G}{G2}"))
        );
        // TLV 22, length 98: the funding txid's internal bytes, then the nonce.
        assert_eq!(
            restored_taproot(true).encode(),
            unhex(&format!("{fixed}1662{}{G}{G2}", "ab".repeat(32)))
        );
    }

    #[test]
    fn big_size_is_minimal_and_non_minimal_forms_are_refused() {
        let cases: [(u64, &str); 7] = [
            (0, "00"),
            (0xfc, "fc"),
            (0xfd, "fd00fd"),
            (0xffff, "fdffff"),
            (0x1_0000, "fe00010000"),
            (0xffff_ffff, "feffffffff"),
            (0x1_0000_0000, "ff0000000100000000"),
        ];
        for (value, hex) in cases {
            let mut out = Vec::new();
            scb_wire::bigsize::write(&mut out, value);
            assert_eq!(out, unhex(hex), "{value}");
            let mut c = Cursor {
                bytes: &out,
                message: "t",
            };
            assert_eq!(c.big_size().unwrap(), value);
            assert!(c.bytes.is_empty());
        }
        for bad in [
            "fd00fc",
            "fe0000ffff",
            "ff00000000ffffffff",
            "fd00",
            "fe",
            "",
        ] {
            let bytes = unhex(bad);
            let mut c = Cursor {
                bytes: &bytes,
                message: "t",
            };
            assert!(c.big_size().is_err(), "{bad}");
        }
    }

    #[test]
    fn reestablish_tlv_stream_follows_bolt1_and_lnds_nonce_checks() {
        let base = restored_taproot(false).encode();
        let fixed = &base[..base.len() - 68];
        let nonce = format!("{G}{G2}");
        let with = |tail: &str| [fixed, &unhex(tail)[..]].concat();
        // An unknown odd record is skipped, an unknown even one refused.
        let odd = ChannelReestablish::decode(&with(&format!("0442{nonce}0501ff"))).unwrap();
        assert_eq!(odd, restored_taproot(false));
        assert!(ChannelReestablish::decode(&with(&format!("0442{nonce}0601ff"))).is_err());
        // Types must strictly increase.
        let two = format!("1662{}{nonce}", "ab".repeat(32));
        assert!(ChannelReestablish::decode(&with(&format!("{two}0442{nonce}"))).is_err());
        assert!(ChannelReestablish::decode(&with(&format!("0442{nonce}0442{nonce}"))).is_err());
        // Both nonce records at once decode (lnd reads both).
        let both = ChannelReestablish::decode(&with(&format!("0442{nonce}{two}"))).unwrap();
        assert!(both.next_local_nonce.is_some() && both.next_local_nonces.is_some());
        // A nonce of the wrong length, an invalid point, a length beyond the
        // message, a non-minimal length.
        assert!(ChannelReestablish::decode(&with(&format!("0441{}", &nonce[..130]))).is_err());
        let bad_point = format!("0442{}{G2}", "05".repeat(33));
        assert!(ChannelReestablish::decode(&with(&bad_point)).is_err());
        assert!(ChannelReestablish::decode(&with("04ff")).is_err());
        assert!(ChannelReestablish::decode(&with(&format!("04fd0042{nonce}"))).is_err());
        // next_local_nonces: whole entries, no txid twice, at most 16.
        let entry = |b: u8| format!("{}{nonce}", format!("{b:02x}").repeat(32));
        assert!(ChannelReestablish::decode(&with(&format!("1661{}", &entry(1)[..194]))).is_err());
        let dup = format!("16c4{}{}", entry(1), entry(1));
        assert!(ChannelReestablish::decode(&with(&dup)).is_err());
        let pair = format!("16c4{}{}", entry(2), entry(1));
        let decoded = ChannelReestablish::decode(&with(&pair)).unwrap();
        assert_eq!(decoded.next_local_nonces.as_ref().unwrap().len(), 2);
        assert_eq!(
            ChannelReestablish::decode(&decoded.encode()).unwrap(),
            decoded
        );
        let sixteen: String = (0..16).map(entry).collect();
        let seventeen: String = (0..17).map(entry).collect();
        assert!(ChannelReestablish::decode(&with(&format!("16fd0620{sixteen}"))).is_ok());
        assert!(ChannelReestablish::decode(&with(&format!("16fd0682{seventeen}"))).is_err());
        // An empty map is a record of length 0.
        let empty = ChannelReestablish::decode(&with("1600")).unwrap();
        assert_eq!(empty.next_local_nonces, Some(vec![]));
        // Every truncation inside the stream is an error or a shorter valid
        // stream, never a panic.
        let full = restored_taproot(true).encode();
        for cut in fixed.len() + 1..full.len() {
            assert!(
                ChannelReestablish::decode(&full[..cut]).is_err(),
                "cut {cut}"
            );
        }
    }

    mod round_trip {
        use super::*;
        use musig2::SecNonceBuilder;
        use proptest::collection::btree_map;
        use proptest::prelude::*;

        fn nonce() -> impl Strategy<Value = PubNonce> {
            (any::<[u8; 32]>(), point()).prop_map(|(seed, key)| {
                SecNonceBuilder::from_pubkey(seed, key)
                    .build()
                    .public_nonce()
            })
        }

        fn point() -> impl Strategy<Value = PublicKey> {
            any::<[u8; 32]>().prop_filter_map("not a key", |b| {
                let key = bitcoin::secp256k1::SecretKey::from_slice(&b).ok()?;
                Some(PublicKey::from_secret_key(
                    &bitcoin::secp256k1::Secp256k1::new(),
                    &key,
                ))
            })
        }

        fn message() -> impl Strategy<Value = ChannelReestablish> {
            (
                any::<[u8; 32]>(),
                any::<u64>(),
                any::<u64>(),
                any::<[u8; 32]>(),
                point(),
                proptest::option::of(nonce()),
                proptest::option::of(btree_map(any::<[u8; 32]>(), nonce(), 0..=MAX_LOCAL_NONCES)),
            )
                .prop_map(|(id, next, rev, secret, point, one, many)| {
                    ChannelReestablish {
                        channel_id: ChannelId(id),
                        next_commitment_number: next,
                        next_revocation_number: rev,
                        your_last_per_commitment_secret: secret,
                        my_current_per_commitment_point: point,
                        next_local_nonce: one,
                        next_local_nonces: many.map(|m| {
                            m.into_iter()
                                .map(|(txid, n)| (Txid::from_byte_array(txid), n))
                                .collect()
                        }),
                    }
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn channel_reestablish_encode_decode_round_trips(m in message()) {
                let bytes = m.encode();
                prop_assert_eq!(ChannelReestablish::decode(&bytes).unwrap(), m.clone());
                // The peer-answer decoder reads the same fixed fields.
                prop_assert_eq!(
                    decode(&bytes).unwrap(),
                    Message::ChannelReestablish {
                        channel_id: m.channel_id,
                        next_commitment_number: m.next_commitment_number,
                        next_revocation_number: m.next_revocation_number,
                    }
                );
            }
        }
    }

    #[test]
    fn every_truncation_of_every_message_is_an_error_not_a_panic() {
        let msgs = [
            encode_init(),
            encode_error(ChannelId([1; 32]), "boom", false),
            encode_error(ChannelId([1; 32]), "careful", true),
            encode_ping(10),
            encode_pong(3),
        ];
        for m in msgs {
            assert!(decode(&m).is_ok());
            for cut in 0..m.len() {
                assert!(decode(&m[..cut]).is_err(), "{m:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn unknown_types_decode_as_other() {
        assert_eq!(
            decode(&[0xff, 0xff, 1, 2]).unwrap(),
            Message::Other {
                message_type: 0xffff
            }
        );
    }

    #[test]
    fn printable_escapes_control_characters_and_caps_length() {
        assert_eq!(printable(b"bad\nthing\x07"), "bad\\nthing\\u{7}");
        assert_eq!(printable(&[b'a'; 1000]).len(), 400);
    }
}
