//! Framing one single as lnd's `Single.Deserialize` reads it, with its public
//! keys left for [`crate::keys`] to check.
//!
//! Decoding is split in two so that a multi can check its keys (the costly
//! part) in parallel: [`FramedSingle::read`] does every structural check
//! (version, lengths, addresses, transaction, ...) and keeps the keys as raw
//! bytes; [`FramedSingle::keys`] hands them to the key check, and
//! [`FramedSingle::assemble`] builds the [`Single`] from the checked keys.

use alloc::vec::Vec;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{OutPoint, Txid};

use crate::address::read_address_list;
use crate::keys::{KeyReader, RawKey, SingleKeys};
use crate::reader::Reader;
use crate::single::CLOSE_TX_FLAG;
use crate::tx::read_tx;
use crate::{
    Address, CloseTxInputs, DecodeError, KeyLocator, LocalChanConfig, RemoteChanConfig,
    ShaChainRoot, ShortChannelId, Single, SingleVersion,
};

/// One single with every structural check done and its public keys kept as
/// raw bytes.
#[derive(Debug, Clone)]
pub(crate) struct FramedSingle {
    version: SingleVersion,
    is_initiator: bool,
    chain_hash: [u8; 32],
    funding_outpoint: OutPoint,
    short_channel_id: ShortChannelId,
    addresses: Vec<Address>,
    capacity: i64,
    local_chan_cfg: LocalChanConfig,
    remote_csv_delay: u16,
    keys: SingleKeys<RawKey>,
    shachain_locator: KeyLocator,
    lease_expiry: Option<u32>,
    close_tx_inputs: Option<CloseTxInputs>,
}

fn read_locator(r: &mut Reader<'_>, field: &'static str) -> Result<KeyLocator, DecodeError> {
    Ok(KeyLocator {
        family: r.u32_be(field)?,
        index: r.u32_be(field)?,
    })
}

impl FramedSingle {
    /// Frames one single at the reader's position, as lnd's `Deserialize`
    /// reads it, without checking the public keys on the curve.
    ///
    /// When framing fails after a key that does not parse, the key's error is
    /// returned: it comes first in input order, as in a one-pass decode.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut keys = KeyReader::default();
        Self::read_keys_with(r, &mut keys).map_err(|framing| keys.first_error_or(framing))
    }

    /// The body of [`FramedSingle::read`]; keys are read through `keys`.
    fn read_keys_with(r: &mut Reader<'_>, keys: &mut KeyReader) -> Result<Self, DecodeError> {
        let version_offset = r.offset();
        let byte = r.u8("single version")?;
        let version = SingleVersion::try_from(byte & !CLOSE_TX_FLAG).map_err(|_| {
            DecodeError::UnknownVersion {
                field: "single version",
                version: byte & !CLOSE_TX_FLAG,
                offset: version_offset,
            }
        })?;
        // lnd reads and ignores the length; is_initiator is (byte == 1), as in lnd.
        let _length = r.u16_be("single length")?;
        let is_initiator = r.u8("is_initiator")? == 1;
        let chain_hash = r.array("chain hash")?;
        let txid = r.array("funding txid")?;
        let vout = r.u16_be("funding output index")?;
        let short_channel_id = ShortChannelId {
            block_height: r.u24_be("short channel id block height")?,
            tx_index: r.u24_be("short channel id tx index")?,
            output_index: r.u16_be("short channel id output index")?,
        };
        let node = keys.key(r, "remote node key")?;
        let list_len = r.u16_be("address list length")?;
        let list_offset = r.offset();
        let list = r.take(list_len.into(), "address list")?;
        let addresses = read_address_list(&mut Reader::with_base(list, list_offset))?;
        let capacity = i64::from_be_bytes(r.array("capacity")?);
        let local_chan_cfg = LocalChanConfig {
            csv_delay: r.u16_be("local csv delay")?,
            multisig_key: read_locator(r, "local multisig key locator")?,
            revocation_base_point: read_locator(r, "local revocation base point locator")?,
            payment_base_point: read_locator(r, "local payment base point locator")?,
            delay_base_point: read_locator(r, "local delay base point locator")?,
            htlc_base_point: read_locator(r, "local htlc base point locator")?,
        };
        let remote_csv_delay = r.u16_be("remote csv delay")?;
        let remote = [
            keys.key(r, "remote multisig key")?,
            keys.key(r, "remote revocation base point")?,
            keys.key(r, "remote payment base point")?,
            keys.key(r, "remote delay base point")?,
            keys.key(r, "remote htlc base point")?,
        ];
        let shachain = keys.optional_key(r, "shachain root key")?;
        let shachain_locator = read_locator(r, "shachain root key locator")?;
        let lease_expiry = if version == SingleVersion::ScriptEnforcedLease {
            Some(r.u32_be("lease expiry")?)
        } else {
            None
        };
        let close_tx_inputs = if byte & CLOSE_TX_FLAG != 0 {
            Some(read_close_tx_inputs(r, version)?)
        } else {
            None
        };
        Ok(Self {
            version,
            is_initiator,
            chain_hash,
            funding_outpoint: OutPoint {
                txid: Txid::from_byte_array(txid),
                vout: vout.into(),
            },
            short_channel_id,
            addresses,
            capacity,
            local_chan_cfg,
            remote_csv_delay,
            keys: SingleKeys {
                node,
                remote,
                shachain,
            },
            shachain_locator,
            lease_expiry,
            close_tx_inputs,
        })
    }

    /// The raw public keys, for [`SingleKeys::check`] or [`crate::keys::check_all`].
    pub(crate) fn keys(&self) -> &SingleKeys<RawKey> {
        &self.keys
    }

    /// Builds the single from its framing and its checked keys.
    pub(crate) fn assemble(self, keys: &SingleKeys<PublicKey>) -> Single {
        let [multisig_key, revocation_base_point, payment_base_point, delay_base_point, htlc_base_point] =
            keys.remote;
        Single {
            version: self.version,
            is_initiator: self.is_initiator,
            chain_hash: self.chain_hash,
            funding_outpoint: self.funding_outpoint,
            short_channel_id: self.short_channel_id,
            remote_node_pub: keys.node,
            addresses: self.addresses,
            capacity: self.capacity,
            local_chan_cfg: self.local_chan_cfg,
            remote_chan_cfg: RemoteChanConfig {
                csv_delay: self.remote_csv_delay,
                multisig_key,
                revocation_base_point,
                payment_base_point,
                delay_base_point,
                htlc_base_point,
            },
            shachain_root: ShaChainRoot {
                pubkey: keys.shachain,
                locator: self.shachain_locator,
            },
            lease_expiry: self.lease_expiry,
            close_tx_inputs: self.close_tx_inputs,
        }
    }
}

/// The close-tx inputs after the body (version byte with the 0x80 flag).
fn read_close_tx_inputs(
    r: &mut Reader<'_>,
    version: SingleVersion,
) -> Result<CloseTxInputs, DecodeError> {
    let commit_tx = read_tx(r)?;
    let sig_len = r.u16_be("commit sig length")?;
    let commit_sig = r.take(sig_len.into(), "commit sig")?.to_vec();
    let commit_height = if version.is_taproot() {
        Some(r.u64_be("commit height")?)
    } else {
        None
    };
    let tapscript_root = if version == SingleVersion::TapscriptRoot {
        Some(r.array("tapscript root")?)
    } else {
        None
    };
    Ok(CloseTxInputs {
        commit_tx,
        commit_sig,
        commit_height,
        tapscript_root,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PublicKeyError;

    /// A v3 single of lnd's vectors (tests/fixtures/v3.bin), 378 bytes.
    const V3: &[u8] = include_bytes!("../tests/fixtures/v3.bin");

    fn eof_at(bytes: &[u8]) -> (&'static str, usize) {
        match Single::decode(bytes).unwrap_err() {
            DecodeError::UnexpectedEof { field, offset } => (field, offset),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn decode_rejects_truncation_naming_each_field() {
        let list_len = usize::from(u16::from_be_bytes([V3[111], V3[112]]));
        let l = list_len;
        for (cut, field, offset) in [
            (0, "single version", 0),
            (1, "single length", 1),
            (2, "single length", 1),
            (3, "is_initiator", 3),
            (4, "chain hash", 4),
            (20, "chain hash", 4),
            (36, "funding txid", 36),
            (69, "funding output index", 68),
            (70, "short channel id block height", 70),
            (73, "short channel id tx index", 73),
            (76, "short channel id output index", 76),
            (78, "remote node key", 78),
            (111, "address list length", 111),
            (113, "address list", 113),
            (113 + l, "capacity", 113 + l),
            (121 + l, "local csv delay", 121 + l),
            (123 + l, "local multisig key locator", 123 + l),
            (131 + l, "local revocation base point locator", 131 + l),
            (155 + l, "local htlc base point locator", 155 + l),
            (163 + l, "remote csv delay", 163 + l),
            (165 + l, "remote multisig key", 165 + l),
            (297 + l, "remote htlc base point", 297 + l),
            (330 + l, "shachain root key", 330 + l),
            (363 + l, "shachain root key locator", 363 + l),
            (370 + l, "shachain root key locator", 367 + l),
        ] {
            assert_eq!(eof_at(&V3[..cut]), (field, offset), "cut at {cut}");
        }
        assert!(Single::decode(&V3[..371 + l]).is_ok());
        assert_eq!(V3.len(), 371 + l);
    }

    #[test]
    fn decode_rejects_unknown_versions_reporting_them_without_the_flag() {
        for (byte, version) in [(8u8, 8u8), (9, 9), (0x7f, 127), (0x88, 8), (0xff, 127)] {
            let mut b = V3.to_vec();
            b[0] = byte;
            assert_eq!(
                Single::decode(&b),
                Err(DecodeError::UnknownVersion {
                    field: "single version",
                    version,
                    offset: 0
                })
            );
        }
    }

    #[test]
    fn decode_ignores_length_prefix_and_trailing_bytes() {
        for len in [[0u8, 0], [0, 5], [0xff, 0xff]] {
            let mut b = V3.to_vec();
            b[1..3].copy_from_slice(&len);
            b.extend_from_slice(&[1, 2, 3]);
            let (s, used) = Single::decode_prefix(&b).unwrap();
            assert_eq!(used, V3.len());
            assert_eq!(s, Single::decode(V3).unwrap());
        }
    }

    #[test]
    fn initiator_is_true_only_for_byte_one() {
        for (byte, want) in [(0u8, false), (1, true), (2, false), (0xff, false)] {
            let mut b = V3.to_vec();
            b[3] = byte;
            assert_eq!(
                Single::decode(&b).unwrap().is_initiator,
                want,
                "byte {byte}"
            );
        }
    }

    fn key_error(bytes: &[u8]) -> (&'static str, usize, PublicKeyError) {
        match Single::decode(bytes).unwrap_err() {
            DecodeError::InvalidPublicKey {
                field,
                offset,
                reason,
            } => (field, offset, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn decode_rejects_bad_keys_naming_field_offset_and_reason() {
        let l = usize::from(u16::from_be_bytes([V3[111], V3[112]]));
        let mut b = V3.to_vec();
        b[78] = 4;
        assert_eq!(
            key_error(&b),
            ("remote node key", 78, PublicKeyError::UnsupportedFormat(4))
        );
        let mut b = V3.to_vec();
        b[79..111].fill(0xff);
        assert_eq!(
            key_error(&b),
            ("remote node key", 78, PublicKeyError::XNotInField)
        );
        let mut b = V3.to_vec();
        b[79..111].fill(0);
        b[110] = 5;
        assert_eq!(
            key_error(&b),
            ("remote node key", 78, PublicKeyError::NotOnCurve)
        );
        for (i, field) in [
            "remote multisig key",
            "remote revocation base point",
            "remote payment base point",
            "remote delay base point",
            "remote htlc base point",
        ]
        .into_iter()
        .enumerate()
        {
            let at = 165 + l + 33 * i;
            let mut b = V3.to_vec();
            b[at] = 7;
            assert_eq!(
                key_error(&b),
                (field, at, PublicKeyError::UnsupportedFormat(7))
            );
        }
        // A shachain key of zeros but one byte is parsed (and refused).
        let at = 330 + l;
        let mut b = V3.to_vec();
        b[at..at + 33].fill(0);
        b[at + 32] = 1;
        assert_eq!(
            key_error(&b),
            (
                "shachain root key",
                at,
                PublicKeyError::UnsupportedFormat(0)
            )
        );
        // All zeros: no key.
        b[at + 32] = 0;
        assert_eq!(Single::decode(&b).unwrap().shachain_root.pubkey, None);
    }

    #[test]
    fn decode_rejects_address_list_past_the_end() {
        let mut b = V3[..371].to_vec();
        b[111..113].copy_from_slice(&500u16.to_be_bytes());
        assert_eq!(eof_at(&b), ("address list", 113));
    }

    #[test]
    fn decode_reports_bad_address_at_its_absolute_offset() {
        let mut b = V3.to_vec();
        // Replace the list with one truncated IPv4 entry of 3 bytes.
        let l = usize::from(u16::from_be_bytes([V3[111], V3[112]]));
        b.splice(111..113 + l, [0, 3, 1, 10, 0]);
        assert_eq!(
            Single::decode(&b),
            Err(DecodeError::BadAddress {
                field: "ipv4 address",
                offset: 113
            })
        );
    }

    #[test]
    fn version_specific_fields_are_read_only_for_their_versions() {
        let base = Single::decode(V3).unwrap();
        // v4: lease expiry after the shachain root.
        let mut b = V3.to_vec();
        b[0] = 4;
        b.extend_from_slice(&7u32.to_be_bytes());
        assert_eq!(Single::decode(&b).unwrap().lease_expiry, Some(7));
        b.truncate(b.len() - 1);
        assert_eq!(eof_at(&b), ("lease expiry", V3.len()));
        // v3 never reads it: the same bytes as v3 leave 4 trailing bytes.
        b[0] = 3;
        assert_eq!(Single::decode(&b).unwrap(), base);
    }

    #[test]
    fn close_tx_flag_without_inputs_is_eof_in_the_transaction() {
        let mut b = V3.to_vec();
        b[0] |= CLOSE_TX_FLAG;
        assert_eq!(eof_at(&b), ("commit tx version", V3.len()));
    }
}
