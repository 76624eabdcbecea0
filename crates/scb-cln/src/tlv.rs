//! `scb_tlvs`: the TLV stream of a modern channel (BOLT 1 rules).

use bitcoin::secp256k1::PublicKey;

use crate::reader::Reader;
use crate::Error;

/// Most known secrets a shachain holds (Core Lightning's `SHACHAIN_BITS + 1`).
pub const MAX_SHACHAIN_KNOWN: usize = 49;

const TLV_SHACHAIN: u64 = 1;
const TLV_BASEPOINTS: u64 = 3;
const TLV_OPENER: u64 = 5;
const TLV_REMOTE_TO_SELF_DELAY: u64 = 7;

/// The optional records of a modern channel. Each is `None` when absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelTlvs {
    /// Type 1: the peer's revocation secrets received so far.
    pub shachain: Option<Shachain>,
    /// Type 3: the peer's basepoints.
    pub basepoints: Option<Basepoints>,
    /// Type 5: who opened the channel.
    pub opener: Option<Opener>,
    /// Type 7: the delay on our output in the peer's commitment.
    pub remote_to_self_delay: Option<u16>,
    /// Unknown odd records Core Lightning skips, in file order.
    pub unknown: Vec<UnknownTlv>,
}

/// A shachain of revocation secrets (`common/shachain.h`).
#[derive(Clone, PartialEq, Eq)]
pub struct Shachain {
    /// The lowest index received.
    pub min_index: u64,
    /// The secrets kept, at most [`MAX_SHACHAIN_KNOWN`].
    pub known: Vec<ShachainEntry>,
}

/// Counts only: revocation secrets are the peer's, but they are still secrets.
impl core::fmt::Debug for Shachain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shachain")
            .field("min_index", &self.min_index)
            .field("known", &self.known.len())
            .finish()
    }
}

/// One known secret of a shachain.
#[derive(Clone, PartialEq, Eq)]
pub struct ShachainEntry {
    /// Its index.
    pub index: u64,
    /// The 32 secret bytes, as in the file.
    pub hash: [u8; 32],
}

/// The peer's four basepoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basepoints {
    /// Revocation basepoint.
    pub revocation: PublicKey,
    /// Payment basepoint.
    pub payment: PublicKey,
    /// HTLC basepoint.
    pub htlc: PublicKey,
    /// Delayed payment basepoint.
    pub delayed_payment: PublicKey,
}

/// Who opened the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    /// 0: this node.
    Local,
    /// 1: the peer.
    Remote,
}

/// An odd record Core Lightning does not know and skips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTlv {
    /// Its type (odd).
    pub tlv_type: u64,
    /// Its value.
    pub value: Vec<u8>,
}

impl ChannelTlvs {
    /// Reads a whole TLV stream; `base` is its offset in the plaintext.
    pub(crate) fn decode(stream: &[u8], base: usize) -> Result<Self, Error> {
        let mut r = Reader::at(stream, base);
        let mut tlvs = Self::default();
        let mut previous: Option<u64> = None;
        while !r.is_empty() {
            let offset = r.offset();
            let tlv_type = r.bigsize("tlv type")?;
            let length = r.bigsize("tlv length")?;
            if let Some(previous) = previous.filter(|&p| p >= tlv_type) {
                return Err(Error::TlvOutOfOrder {
                    previous,
                    found: tlv_type,
                    offset,
                });
            }
            previous = Some(tlv_type);
            let value_offset = r.offset();
            let len = usize::try_from(length)
                .ok()
                .filter(|&l| l <= r.remaining())
                .ok_or(Error::TlvPastEnd {
                    tlv_type,
                    offset,
                    length,
                })?;
            let value = r.take(len, "tlv value")?;
            match tlv_type {
                TLV_SHACHAIN => tlvs.shachain = Some(Shachain::decode(value, value_offset)?),
                TLV_BASEPOINTS => {
                    tlvs.basepoints = Some(Basepoints::decode(value, value_offset)?);
                }
                TLV_OPENER => {
                    let [byte] = exact::<1>(value, value_offset, "opener")?;
                    tlvs.opener = Some(match byte {
                        0 => Opener::Local,
                        1 => Opener::Remote,
                        value => {
                            return Err(Error::InvalidOpener {
                                value,
                                offset: value_offset,
                            })
                        }
                    });
                }
                TLV_REMOTE_TO_SELF_DELAY => {
                    let bytes = exact::<2>(value, value_offset, "remote_to_self_delay")?;
                    tlvs.remote_to_self_delay = Some(u16::from_be_bytes(bytes));
                }
                t if t % 2 == 0 => {
                    return Err(Error::UnknownEvenTlv {
                        tlv_type: t,
                        offset,
                    })
                }
                t => tlvs.unknown.push(UnknownTlv {
                    tlv_type: t,
                    value: value.to_vec(),
                }),
            }
        }
        Ok(tlvs)
    }

    /// Writes the stream, records in increasing type order. Refuses unknown
    /// records of even or known types, or of the same type twice: Core
    /// Lightning could not read them back.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let mut records: Vec<(u64, Vec<u8>)> = Vec::new();
        if let Some(s) = &self.shachain {
            records.push((TLV_SHACHAIN, s.to_bytes()?));
        }
        if let Some(b) = &self.basepoints {
            let mut v = Vec::with_capacity(132);
            for p in [b.revocation, b.payment, b.htlc, b.delayed_payment] {
                v.extend_from_slice(&p.serialize());
            }
            records.push((TLV_BASEPOINTS, v));
        }
        if let Some(o) = self.opener {
            records.push((TLV_OPENER, vec![u8::from(o == Opener::Remote)]));
        }
        if let Some(d) = self.remote_to_self_delay {
            records.push((TLV_REMOTE_TO_SELF_DELAY, d.to_be_bytes().to_vec()));
        }
        for u in &self.unknown {
            if u.tlv_type % 2 == 0 || u.tlv_type <= TLV_REMOTE_TO_SELF_DELAY {
                return Err(Error::Unencodable {
                    field: "unknown tlv",
                    reason: "its type is even or a known type",
                });
            }
            records.push((u.tlv_type, u.value.clone()));
        }
        records.sort_by_key(|(t, _)| *t);
        if records.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(Error::Unencodable {
                field: "unknown tlv",
                reason: "two records of the same type",
            });
        }
        for (t, v) in records {
            scb_wire::bigsize::write(out, t);
            scb_wire::bigsize::write(out, v.len() as u64);
            out.extend_from_slice(&v);
        }
        Ok(())
    }
}

/// A known record's value, which must be exactly `N` bytes.
fn exact<const N: usize>(
    value: &[u8],
    offset: usize,
    field: &'static str,
) -> Result<[u8; N], Error> {
    value.try_into().map_err(|_| Error::TlvLength {
        field,
        offset,
        length: value.len() as u64,
        expected: N as u64,
    })
}

impl Shachain {
    fn decode(value: &[u8], offset: usize) -> Result<Self, Error> {
        let length = value.len() as u64;
        let too_short = |expected| Error::TlvLength {
            field: "shachain",
            offset,
            length,
            expected,
        };
        let mut r = Reader::at(value, offset);
        let (Ok(min_index), Ok(num_valid)) =
            (r.u64("shachain min_index"), r.u32("shachain num_valid"))
        else {
            return Err(too_short(12));
        };
        if num_valid as usize > MAX_SHACHAIN_KNOWN {
            return Err(Error::ShachainTooLong {
                num_valid,
                offset: offset + 8,
            });
        }
        let expected = 12 + 40 * u64::from(num_valid);
        if length != expected {
            return Err(too_short(expected));
        }
        let mut known = Vec::with_capacity(num_valid as usize);
        for _ in 0..num_valid {
            let index = r.u64("shachain index")?;
            let hash = r.array("shachain hash")?;
            known.push(ShachainEntry { index, hash });
        }
        Ok(Self { min_index, known })
    }

    fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        if self.known.len() > MAX_SHACHAIN_KNOWN {
            return Err(Error::Unencodable {
                field: "shachain",
                reason: "more than 49 known secrets",
            });
        }
        let mut v = Vec::with_capacity(12 + 40 * self.known.len());
        v.extend_from_slice(&self.min_index.to_be_bytes());
        v.extend_from_slice(&(self.known.len() as u32).to_be_bytes());
        for e in &self.known {
            v.extend_from_slice(&e.index.to_be_bytes());
            v.extend_from_slice(&e.hash);
        }
        Ok(v)
    }
}

impl Basepoints {
    fn decode(value: &[u8], offset: usize) -> Result<Self, Error> {
        let bytes = exact::<132>(value, offset, "basepoints")?;
        let names = ["revocation", "payment", "htlc", "delayed_payment"];
        let mut points = [None; 4];
        for (i, (chunk, field)) in bytes.chunks_exact(33).zip(names).enumerate() {
            let p = PublicKey::from_slice(chunk).map_err(|_| Error::InvalidBasepoint {
                field,
                offset: offset + 33 * i,
            })?;
            points[i] = Some(p);
        }
        match points {
            [Some(revocation), Some(payment), Some(htlc), Some(delayed_payment)] => Ok(Self {
                revocation,
                payment,
                htlc,
                delayed_payment,
            }),
            // chunks_exact(33) of 132 bytes gives exactly four chunks.
            _ => Err(Error::UnexpectedEof {
                field: "basepoints",
                offset,
            }),
        }
    }
}
