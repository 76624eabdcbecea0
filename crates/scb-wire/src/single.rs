//! One channel's backup.

use alloc::vec::Vec;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{OutPoint, Transaction};

use crate::address::{encode_address_list, encoded_address_list_len};
use crate::framing::FramedSingle;
use crate::reader::{put_u16, put_u32, put_u64, Reader};
use crate::tx::{encoded_tx_len, write_tx};
use crate::{Address, DecodeError, EncodeError};

/// Bit of the version byte that marks close-tx inputs after the body.
pub const CLOSE_TX_FLAG: u8 = 0x80;

/// The version of a single (the version byte without its 0x80 flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[repr(u8)]
pub enum SingleVersion {
    /// 0: legacy commitment.
    Default = 0,
    /// 1: static remote key.
    Tweakless = 1,
    /// 2: anchor outputs.
    Anchors = 2,
    /// 3: anchors with zero-fee HTLC transactions.
    AnchorsZeroFeeHtlcTx = 3,
    /// 4: script-enforced lease (carries a lease expiry).
    ScriptEnforcedLease = 4,
    /// 5: simple taproot (staging scripts).
    SimpleTaproot = 5,
    /// 6: simple taproot with a tapscript root.
    TapscriptRoot = 6,
    /// 7: simple taproot, final scripts.
    SimpleTaprootFinal = 7,
}

/// A short channel id: block height (u24), transaction index (u24), output index (u16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ShortChannelId {
    /// Block height, must fit in 24 bits to be encoded.
    pub block_height: u32,
    /// Transaction index in the block, must fit in 24 bits to be encoded.
    pub tx_index: u32,
    /// Output index.
    pub output_index: u16,
}

/// A key locator of lnd's key ring: key family and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct KeyLocator {
    /// Key family (BIP32 account, hardened).
    pub family: u32,
    /// Index within the family.
    pub index: u32,
}

/// Our side of the channel: CSV delay and the locators of our five base keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LocalChanConfig {
    /// CSV delay imposed on us.
    pub csv_delay: u16,
    /// Multisig key (family 0).
    pub multisig_key: KeyLocator,
    /// Revocation base point (family 1).
    pub revocation_base_point: KeyLocator,
    /// Payment base point (family 3).
    pub payment_base_point: KeyLocator,
    /// Delay base point (family 4).
    pub delay_base_point: KeyLocator,
    /// HTLC base point (family 2).
    pub htlc_base_point: KeyLocator,
}

/// The peer's side: CSV delay and its five base points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RemoteChanConfig {
    /// CSV delay imposed on the peer.
    pub csv_delay: u16,
    /// Multisig key.
    pub multisig_key: PublicKey,
    /// Revocation base point.
    pub revocation_base_point: PublicKey,
    /// Payment base point.
    pub payment_base_point: PublicKey,
    /// Delay base point.
    pub delay_base_point: PublicKey,
    /// HTLC base point.
    pub htlc_base_point: PublicKey,
}

/// The shachain root descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShaChainRoot {
    /// Legacy form: the public key of the root; `None` is the 33-zero-byte
    /// form (the root is derived by ECDH from `locator`).
    pub pubkey: Option<PublicKey>,
    /// Key locator (family 5).
    pub locator: KeyLocator,
}

/// What a last-resort tool needs to force-close: present when the version
/// byte carries the 0x80 flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTxInputs {
    /// Our latest (usually unsigned) commitment transaction.
    pub commit_tx: Transaction,
    /// The peer's signature for it, opaque bytes.
    pub commit_sig: Vec<u8>,
    /// The commitment number; written for taproot versions (5, 6, 7) only.
    pub commit_height: Option<u64>,
    /// The tapscript root; written for version 6 only, required there.
    pub tapscript_root: Option<[u8; 32]>,
}

/// One channel's static backup, field for field what lnd writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Single {
    /// Format version.
    pub version: SingleVersion,
    /// Whether we opened the channel.
    pub is_initiator: bool,
    /// Genesis hash of the chain, in wire (internal) byte order.
    pub chain_hash: [u8; 32],
    /// Funding outpoint; the output index must fit in u16 to be encoded.
    pub funding_outpoint: OutPoint,
    /// Short channel id.
    pub short_channel_id: ShortChannelId,
    /// The peer's node key.
    pub remote_node_pub: PublicKey,
    /// Known addresses of the peer.
    pub addresses: Vec<Address>,
    /// Capacity in satoshis (signed, as lnd reads it).
    pub capacity: i64,
    /// Our configuration.
    pub local_chan_cfg: LocalChanConfig,
    /// The peer's configuration.
    pub remote_chan_cfg: RemoteChanConfig,
    /// Shachain root.
    pub shachain_root: ShaChainRoot,
    /// Lease expiry; written for version 4 only (0 when `None`).
    pub lease_expiry: Option<u32>,
    /// Close-tx inputs (the 0x80 flag).
    pub close_tx_inputs: Option<CloseTxInputs>,
}

impl SingleVersion {
    /// Every version lnd knows, in order.
    pub const ALL: [SingleVersion; 8] = [
        Self::Default,
        Self::Tweakless,
        Self::Anchors,
        Self::AnchorsZeroFeeHtlcTx,
        Self::ScriptEnforcedLease,
        Self::SimpleTaproot,
        Self::TapscriptRoot,
        Self::SimpleTaprootFinal,
    ];

    /// Whether this is a taproot version (5, 6, 7): close-tx inputs carry a commit height.
    pub fn is_taproot(self) -> bool {
        matches!(
            self,
            Self::SimpleTaproot | Self::TapscriptRoot | Self::SimpleTaprootFinal
        )
    }
}

impl TryFrom<u8> for SingleVersion {
    type Error = EncodeError;

    /// Converts 0..=7; anything else (including a value carrying the 0x80
    /// close-tx flag) is [`EncodeError::UnknownVersion`], as lnd's encoder says.
    ///
    /// ```
    /// use scb_wire::SingleVersion;
    /// assert_eq!(SingleVersion::try_from(4).unwrap(), SingleVersion::ScriptEnforcedLease);
    /// assert!(SingleVersion::try_from(0x83).is_err());
    /// ```
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::ALL
            .get(usize::from(v))
            .copied()
            .ok_or(EncodeError::UnknownVersion(v))
    }
}

impl From<SingleVersion> for u8 {
    fn from(v: SingleVersion) -> u8 {
        v as u8
    }
}

impl ShortChannelId {
    /// The id as one integer: `block << 40 | tx << 16 | output` (lnd's `ToUint64`).
    /// Parts too large to encode are masked to 24 bits.
    ///
    /// ```
    /// use scb_wire::ShortChannelId;
    /// let s = ShortChannelId { block_height: 1, tx_index: 2, output_index: 3 };
    /// assert_eq!(s.to_u64(), (1 << 40) | (2 << 16) | 3);
    /// assert_eq!(ShortChannelId::from_u64(s.to_u64()), s);
    /// ```
    pub fn to_u64(self) -> u64 {
        (u64::from(self.block_height & 0xff_ffff) << 40)
            | (u64::from(self.tx_index & 0xff_ffff) << 16)
            | u64::from(self.output_index)
    }

    /// The inverse of [`ShortChannelId::to_u64`].
    pub fn from_u64(v: u64) -> Self {
        Self {
            block_height: (v >> 40) as u32 & 0xff_ffff,
            tx_index: (v >> 16) as u32 & 0xff_ffff,
            output_index: v as u16,
        }
    }
}

impl core::fmt::Display for ShortChannelId {
    /// `block:tx:output`, as lnd prints it.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.block_height, self.tx_index, self.output_index
        )
    }
}

fn put_locator(out: &mut Vec<u8>, k: KeyLocator) {
    put_u32(out, k.family);
    put_u32(out, k.index);
}

impl Single {
    /// Appends the plaintext encoding (version byte, u16 length, body) to `out`.
    ///
    /// Matches lnd's `Single.Serialize` byte for byte, including what it does
    /// silently: a lease expiry on a version other than 4, a commit height on
    /// a non-taproot version and a tapscript root on a version other than 6
    /// are not written; a missing lease expiry (version 4) or commit height
    /// (taproot) is written as 0; a body over 65,535 bytes gets a wrapped
    /// length (lnd ignores it on reading). Where lnd would write bytes it
    /// cannot read back (address list over 65,535 bytes, DNS name over 255,
    /// signature over 65,535, commit tx without inputs) this returns an error
    /// instead, and `out` is left as it was.
    ///
    /// ```
    /// # let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
    /// use scb_wire::Single;
    /// let single = Single::decode(&bytes)?;
    /// let mut out = Vec::new();
    /// single.encode(&mut out)?;
    /// assert_eq!(out, bytes);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        self.write(out).inspect_err(|_| out.truncate(start))
    }

    /// The body of [`Single::encode`], appending from `out.len()`.
    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let flag = if self.close_tx_inputs.is_some() {
            CLOSE_TX_FLAG
        } else {
            0
        };
        out.push(self.version as u8 | flag);
        put_u16(out, 0); // patched below
        out.push(u8::from(self.is_initiator));
        out.extend_from_slice(&self.chain_hash);
        out.extend_from_slice(self.funding_outpoint.txid.as_byte_array());
        let vout = self.funding_outpoint.vout;
        put_u16(
            out,
            u16::try_from(vout).map_err(|_| EncodeError::OutputIndexTooLarge(vout))?,
        );
        let scid = self.short_channel_id;
        if scid.block_height > 0xff_ffff {
            return Err(EncodeError::ScidBlockHeightTooLarge(scid.block_height));
        }
        if scid.tx_index > 0xff_ffff {
            return Err(EncodeError::ScidTxIndexTooLarge(scid.tx_index));
        }
        out.extend_from_slice(&scid.block_height.to_be_bytes()[1..]);
        out.extend_from_slice(&scid.tx_index.to_be_bytes()[1..]);
        put_u16(out, scid.output_index);
        out.extend_from_slice(&self.remote_node_pub.serialize());

        let list_start = out.len();
        put_u16(out, 0); // patched below
        encode_address_list(&self.addresses, out)?;
        let list_len = out.len() - list_start - 2;
        let list_len16 =
            u16::try_from(list_len).map_err(|_| EncodeError::AddressListTooLong(list_len))?;
        out[list_start..list_start + 2].copy_from_slice(&list_len16.to_be_bytes());

        out.extend_from_slice(&self.capacity.to_be_bytes());
        let l = &self.local_chan_cfg;
        put_u16(out, l.csv_delay);
        for k in [
            l.multisig_key,
            l.revocation_base_point,
            l.payment_base_point,
            l.delay_base_point,
            l.htlc_base_point,
        ] {
            put_locator(out, k);
        }
        let rc = &self.remote_chan_cfg;
        put_u16(out, rc.csv_delay);
        for k in [
            rc.multisig_key,
            rc.revocation_base_point,
            rc.payment_base_point,
            rc.delay_base_point,
            rc.htlc_base_point,
        ] {
            out.extend_from_slice(&k.serialize());
        }
        match self.shachain_root.pubkey {
            Some(k) => out.extend_from_slice(&k.serialize()),
            None => out.extend_from_slice(&[0u8; 33]),
        }
        put_locator(out, self.shachain_root.locator);
        if self.version == SingleVersion::ScriptEnforcedLease {
            put_u32(out, self.lease_expiry.unwrap_or(0));
        }
        if let Some(c) = &self.close_tx_inputs {
            write_tx(&c.commit_tx, out)?;
            let n = c.commit_sig.len();
            put_u16(
                out,
                u16::try_from(n).map_err(|_| EncodeError::SignatureTooLong(n))?,
            );
            out.extend_from_slice(&c.commit_sig);
            if self.version.is_taproot() {
                put_u64(out, c.commit_height.unwrap_or(0));
            }
            if self.version == SingleVersion::TapscriptRoot {
                out.extend_from_slice(&c.tapscript_root.ok_or(EncodeError::MissingTapscriptRoot)?);
            }
        }
        // lnd writes the length modulo 65,536; readers ignore it.
        let body_len = (out.len() - start - 3) as u16;
        out[start + 1..start + 3].copy_from_slice(&body_len.to_be_bytes());
        Ok(())
    }

    /// Encodes into a new vector.
    ///
    /// ```
    /// # let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
    /// let single = scb_wire::Single::decode(&bytes)?;
    /// assert_eq!(single.to_bytes()?, bytes);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The number of bytes [`Single::encode`] appends (when it succeeds), without
    /// encoding: size a buffer once, as LDK's `serialized_length` does.
    ///
    /// ```
    /// # let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
    /// let single = scb_wire::Single::decode(&bytes)?;
    /// assert_eq!(single.encoded_len(), bytes.len());
    /// # Ok::<(), scb_wire::DecodeError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        // Header (3), initiator, chain hash, funding outpoint (32 + 2), short
        // channel id (8), node key, address list length (2), capacity (8),
        // local config (2 + 5 locators of 8), remote config (2 + 5 keys of
        // 33), shachain root key and locator (33 + 8).
        const FIXED: usize = 3 + 1 + 32 + 34 + 8 + 33 + 2 + 8 + 42 + 167 + 41;
        let lease = if self.version == SingleVersion::ScriptEnforcedLease {
            4
        } else {
            0
        };
        let close = self.close_tx_inputs.as_ref().map_or(0, |c| {
            let height = if self.version.is_taproot() { 8 } else { 0 };
            let root = if self.version == SingleVersion::TapscriptRoot {
                32
            } else {
                0
            };
            encoded_tx_len(&c.commit_tx) + 2 + c.commit_sig.len() + height + root
        });
        FIXED + encoded_address_list_len(&self.addresses) + lease + close
    }

    /// Decodes one single from the start of `bytes`; returns it and the number
    /// of bytes consumed (trailing bytes are not read, as in lnd). The u16
    /// length prefix is read and ignored, as lnd does.
    ///
    /// ```
    /// # let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
    /// use scb_wire::Single;
    /// let mut with_junk = bytes.clone();
    /// with_junk.extend_from_slice(b"junk");
    /// let (single, used) = Single::decode_prefix(&with_junk)?;
    /// assert_eq!(used, bytes.len());
    /// # Ok::<(), scb_wire::DecodeError>(())
    /// ```
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes);
        let framed = FramedSingle::read(&mut r)?;
        let keys = framed.keys().check()?;
        Ok((framed.assemble(&keys), r.position()))
    }

    /// Decodes a standalone single; trailing bytes are ignored, as in lnd.
    ///
    /// ```
    /// # let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
    /// let single = scb_wire::Single::decode(&bytes)?;
    /// assert_eq!(single.version, scb_wire::SingleVersion::AnchorsZeroFeeHtlcTx);
    /// // Every error names the field and the offset:
    /// let err = scb_wire::Single::decode(&bytes[..100]).unwrap_err();
    /// assert_eq!((err.field(), err.offset()), ("remote node key", 78));
    /// # Ok::<(), scb_wire::DecodeError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_prefix(bytes).map(|(s, _)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A v3 single of lnd's vectors (tests/fixtures/v3.bin), 378 bytes.
    const V3: &[u8] = include_bytes!("../tests/fixtures/v3.bin");

    #[test]
    fn encoded_len_is_what_encode_writes() {
        for bytes in [
            V3,
            &include_bytes!("../tests/fixtures/close_tx_with_witness.bin")[..],
            &include_bytes!("../tests/fixtures/v6_close_tx.bin")[..],
        ] {
            let mut s = Single::decode(bytes).unwrap();
            assert_eq!(s.encoded_len(), bytes.len());
            for version in SingleVersion::ALL {
                s.version = version;
                if version == SingleVersion::TapscriptRoot {
                    if let Some(c) = s.close_tx_inputs.as_mut() {
                        c.tapscript_root.get_or_insert([7; 32]);
                    }
                }
                assert_eq!(s.encoded_len(), s.to_bytes().unwrap().len(), "{version:?}");
            }
        }
    }

    #[test]
    fn encode_checks_every_limit() {
        let base = Single::decode(V3).unwrap();
        let mut s = base.clone();
        s.funding_outpoint.vout = 65_535;
        assert!(s.to_bytes().is_ok());
        s.funding_outpoint.vout = 65_536;
        assert_eq!(s.to_bytes(), Err(EncodeError::OutputIndexTooLarge(65_536)));
        let mut out = vec![1, 2, 3];
        assert!(s.encode(&mut out).is_err());
        assert_eq!(out, [1, 2, 3], "nothing appended on failure");
        let mut s = base.clone();
        s.short_channel_id.block_height = 0xff_ffff;
        s.short_channel_id.tx_index = 0xff_ffff;
        assert!(s.to_bytes().is_ok());
        s.short_channel_id.block_height = 0x100_0000;
        assert_eq!(
            s.to_bytes(),
            Err(EncodeError::ScidBlockHeightTooLarge(0x100_0000))
        );
        s.short_channel_id.block_height = 0;
        s.short_channel_id.tx_index = 0x100_0000;
        assert_eq!(
            s.to_bytes(),
            Err(EncodeError::ScidTxIndexTooLarge(0x100_0000))
        );
        let mut s = base.clone();
        // 9,363 IPv4 entries = 65,541 bytes: one entry too many.
        s.addresses = vec![
            Address::Ipv4 {
                ip: [1, 2, 3, 4].into(),
                port: 1
            };
            9_363
        ];
        assert_eq!(s.to_bytes(), Err(EncodeError::AddressListTooLong(65_541)));
        s.addresses.truncate(9_362);
        assert!(s.to_bytes().is_ok());
    }

    #[test]
    fn encode_refuses_oversized_signature_and_wraps_body_length() {
        let bytes = include_bytes!("../tests/fixtures/close_tx_with_witness.bin");
        let mut s = Single::decode(bytes).unwrap();
        let c = s.close_tx_inputs.as_mut().unwrap();
        c.commit_sig = vec![0xaa; 65_536];
        assert_eq!(s.to_bytes(), Err(EncodeError::SignatureTooLong(65_536)));
        let c = s.close_tx_inputs.as_mut().unwrap();
        c.commit_sig = vec![0xaa; 65_535];
        let out = s.to_bytes().unwrap();
        // Body over 65,535 bytes: lnd's length wraps, and it still reads back.
        let body = out.len() - 3;
        assert!(body > 65_535);
        assert_eq!(
            usize::from(u16::from_be_bytes([out[1], out[2]])),
            body % 65_536
        );
        assert_eq!(Single::decode(&out).unwrap(), s);
    }

    #[test]
    fn encode_writes_lnd_zero_values_for_missing_version_fields() {
        let mut s = Single::decode(V3).unwrap();
        s.version = SingleVersion::ScriptEnforcedLease;
        s.lease_expiry = None;
        let back = Single::decode(&s.to_bytes().unwrap()).unwrap();
        assert_eq!(back.lease_expiry, Some(0));
        let mut s = Single::decode(include_bytes!("../tests/fixtures/v6_close_tx.bin")).unwrap();
        s.close_tx_inputs.as_mut().unwrap().commit_height = None;
        let back = Single::decode(&s.to_bytes().unwrap()).unwrap();
        assert_eq!(back.close_tx_inputs.unwrap().commit_height, Some(0));
    }

    #[test]
    fn encode_refuses_v6_close_tx_without_tapscript_root_and_drops_extra_fields() {
        let v6 = Single::decode(include_bytes!("../tests/fixtures/v6_close_tx.bin")).unwrap();
        let mut s = v6.clone();
        s.close_tx_inputs.as_mut().unwrap().tapscript_root = None;
        assert_eq!(s.to_bytes(), Err(EncodeError::MissingTapscriptRoot));
        // Without close-tx inputs a v6 single has v5's layout: nothing to miss.
        s.close_tx_inputs = None;
        assert!(s.to_bytes().is_ok());
        // The same inputs on v5: the root is silently not written (as lnd).
        let mut s = v6.clone();
        s.version = SingleVersion::SimpleTaproot;
        let back = Single::decode(&s.to_bytes().unwrap()).unwrap();
        assert_eq!(back.close_tx_inputs.unwrap().tapscript_root, None);
        assert_eq!(
            s.to_bytes().unwrap().len() + 32,
            v6.to_bytes().unwrap().len()
        );
    }

    #[test]
    fn short_channel_id_u64_packs_like_lnd() {
        let s = ShortChannelId {
            block_height: 1_054_425,
            tx_index: 2540,
            output_index: 0,
        };
        assert_eq!(s.to_u64(), 1_159_352_548_284_170_240);
        assert_eq!(ShortChannelId::from_u64(s.to_u64()), s);
        assert_eq!(s.to_string(), "1054425:2540:0");
    }
}
