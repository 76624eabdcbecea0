//! One channel of an `emergency.recover`: `modern_scb_chan` and `legacy_scb_chan`.

use core::fmt;

use bitcoin::hashes::Hash;
use bitcoin::{OutPoint, Txid};

use crate::reader::Reader;
use crate::tlv::ChannelTlvs;
use crate::{Address, Error};

/// A peer's node id: 33 bytes starting with 02 or 03. Core Lightning reads
/// it unchecked but asserts on that prefix when it re-encodes the id, so a
/// decoder refuses anything else; the point itself is not checked.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId([u8; 33]);

impl NodeId {
    /// Checks the 02/03 prefix.
    pub fn from_bytes(bytes: [u8; 33]) -> Result<Self, Error> {
        match bytes[0] {
            2 | 3 => Ok(Self(bytes)),
            prefix => Err(Error::InvalidNodeId { prefix, offset: 0 }),
        }
    }

    /// The 33 bytes.
    pub fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({self})")
    }
}

/// What differs between the two channel encodings.
// Modern channels are the common case; boxing their TLVs would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelFormat {
    /// `legacy_scb_chan` (message 6135, before v25.05): an unused byte after
    /// the node id (once an internal address type), no TLVs.
    Legacy {
        /// The unused byte, kept for byte-exact re-encoding.
        unused: u8,
    },
    /// `modern_scb_chan` (message 6137): a TLV stream after the channel type.
    Modern(ChannelTlvs),
}

/// One channel as Core Lightning's `chanbackup` plugin stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Core Lightning's channel database id.
    pub id: u64,
    /// The channel id, as in the file.
    pub channel_id: [u8; 32],
    /// The peer.
    pub node_id: NodeId,
    /// Where the peer was reached.
    pub address: Address,
    /// The funding output.
    pub funding_outpoint: OutPoint,
    /// The channel's capacity in satoshis (Core Lightning's `amount_sat` is a u64).
    pub funding_sat: u64,
    /// The channel type's feature bytes (BOLT 9 order: bit 0 is the last byte's lowest).
    pub channel_type: Vec<u8>,
    /// Legacy or modern, with what each carries.
    pub format: ChannelFormat,
}

impl Channel {
    /// The TLVs of a modern channel; `None` for a legacy one.
    pub fn tlvs(&self) -> Option<&ChannelTlvs> {
        match &self.format {
            ChannelFormat::Modern(t) => Some(t),
            ChannelFormat::Legacy { .. } => None,
        }
    }

    /// The feature bits set in [`channel_type`](Self::channel_type), ascending.
    pub fn channel_type_bits(&self) -> Vec<u32> {
        let n = self.channel_type.len();
        let mut bits = Vec::new();
        for (i, byte) in self.channel_type.iter().enumerate() {
            for bit in 0..8 {
                if byte & (1 << bit) != 0 {
                    bits.push(((n - 1 - i) * 8 + bit) as u32);
                }
            }
        }
        bits.sort_unstable();
        bits
    }

    pub(crate) fn decode(r: &mut Reader<'_>, legacy: bool) -> Result<Self, Error> {
        let id = r.u64("channel id (database)")?;
        let channel_id = r.array("channel_id")?;
        let node_offset = r.offset();
        let node_id = NodeId::from_bytes(r.array("node_id")?).map_err(|e| match e {
            Error::InvalidNodeId { prefix, .. } => Error::InvalidNodeId {
                prefix,
                offset: node_offset,
            },
            other => other,
        })?;
        let unused = if legacy {
            Some(r.u8("legacy unused byte")?)
        } else {
            None
        };
        let address = Address::decode(r)?;
        let txid = r.array::<32>("funding txid")?;
        let vout = r.u32("funding output index")?;
        let funding_outpoint = OutPoint {
            txid: Txid::from_byte_array(txid),
            vout,
        };
        let funding_sat = r.u64("funding amount")?;
        let type_len = r.u16("channel_type length")?;
        let channel_type = r.take(usize::from(type_len), "channel_type")?.to_vec();
        let format = if let Some(unused) = unused {
            ChannelFormat::Legacy { unused }
        } else {
            let offset = r.offset();
            let len_tlv = r.u32("len_tlv")?;
            let left = r.remaining();
            // Core Lightning's generated code reads past its buffer here.
            let stream = usize::try_from(len_tlv)
                .ok()
                .filter(|&l| l <= left)
                .ok_or(Error::TlvStreamPastEnd {
                    len_tlv,
                    offset,
                    left,
                })
                .and_then(|l| r.take(l, "tlv stream"))?;
            ChannelFormat::Modern(ChannelTlvs::decode(stream, offset + 4)?)
        };
        Ok(Self {
            id,
            channel_id,
            node_id,
            address,
            funding_outpoint,
            funding_sat,
            channel_type,
            format,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.channel_id);
        out.extend_from_slice(self.node_id.as_bytes());
        if let ChannelFormat::Legacy { unused } = self.format {
            out.push(unused);
        }
        self.address.encode(out)?;
        out.extend_from_slice(self.funding_outpoint.txid.as_byte_array());
        out.extend_from_slice(&self.funding_outpoint.vout.to_be_bytes());
        out.extend_from_slice(&self.funding_sat.to_be_bytes());
        let type_len = u16::try_from(self.channel_type.len()).map_err(|_| Error::Unencodable {
            field: "channel_type",
            reason: "longer than 65,535 bytes",
        })?;
        out.extend_from_slice(&type_len.to_be_bytes());
        out.extend_from_slice(&self.channel_type);
        if let ChannelFormat::Modern(tlvs) = &self.format {
            let mut stream = Vec::new();
            tlvs.encode(&mut stream)?;
            let len = u32::try_from(stream.len()).map_err(|_| Error::Unencodable {
                field: "tlv stream",
                reason: "longer than 4 GiB",
            })?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&stream);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn channel_type_bits_count_from_the_last_byte() {
        let mut c = sample();
        c.channel_type = vec![0x40, 0x10, 0x00];
        assert_eq!(c.channel_type_bits(), vec![12, 22]);
        c.channel_type = vec![
            0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 1,
        ];
        assert_eq!(c.channel_type_bits(), vec![0, 255]);
    }

    #[test]
    fn node_id_prefix_other_than_02_03_is_rejected_at_its_offset() {
        let mut bytes = Vec::new();
        sample().encode(&mut bytes).unwrap();
        bytes[40] = 4;
        assert_eq!(
            Channel::decode(&mut Reader::at(&bytes, 16), false),
            Err(Error::InvalidNodeId {
                prefix: 4,
                offset: 56
            })
        );
    }

    fn sample() -> Channel {
        let mut node = [2u8; 33];
        node[1] = 9;
        Channel {
            id: 1,
            channel_id: [3; 32],
            node_id: NodeId::from_bytes(node).unwrap(),
            address: Address::Ipv4 {
                ip: [127, 0, 0, 1].into(),
                port: 9735,
            },
            funding_outpoint: OutPoint::null(),
            funding_sat: 10,
            channel_type: vec![],
            format: ChannelFormat::Modern(ChannelTlvs::default()),
        }
    }
}
