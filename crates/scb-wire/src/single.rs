//! One channel's backup.

use alloc::vec::Vec;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{OutPoint, Transaction, Txid};

use crate::address::{encode_address_list, read_address_list};
use crate::reader::{parse_pubkey, put_u16, put_u32, put_u64, Reader};
use crate::tx::{read_tx, write_tx};
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

fn read_locator(r: &mut Reader<'_>, field: &'static str) -> Result<KeyLocator, DecodeError> {
    Ok(KeyLocator {
        family: r.u32_be(field)?,
        index: r.u32_be(field)?,
    })
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
        // lnd writes the length modulo 65,536 (S2); readers ignore it.
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
        let mut out = Vec::with_capacity(512);
        self.encode(&mut out)?;
        Ok(out)
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
        let keys = framed.parse_keys()?;
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

/// A compressed public key whose 33 bytes are framed but not yet checked on
/// the curve, with the field name and offset its error would carry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawKey {
    bytes: [u8; 33],
    field: &'static str,
    offset: usize,
}

impl RawKey {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, DecodeError> {
        let offset = r.offset();
        Ok(Self {
            bytes: r.array(field)?,
            field,
            offset,
        })
    }

    /// Checks the key as lnd (btcec) does; the error names the field and offset.
    fn parse(&self) -> Result<PublicKey, DecodeError> {
        parse_pubkey(&self.bytes).map_err(|reason| DecodeError::InvalidPublicKey {
            field: self.field,
            offset: self.offset,
            reason,
        })
    }
}

/// The keys framed so far in one single, in input order (at most 7).
#[derive(Debug, Default)]
struct KeyLog {
    keys: [Option<RawKey>; 7],
    len: usize,
}

impl KeyLog {
    /// Reads a key and records it.
    fn read(&mut self, r: &mut Reader<'_>, field: &'static str) -> Result<RawKey, DecodeError> {
        let k = RawKey::read(r, field)?;
        self.record(k);
        Ok(k)
    }

    fn record(&mut self, k: RawKey) {
        // A single has at most 7 keys; a (never seen) 8th would just not be logged.
        if let Some(slot) = self.keys.get_mut(self.len) {
            *slot = Some(k);
            self.len += 1;
        }
    }
}

/// The parsed keys of one [`FramedSingle`], in input order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SingleKeys {
    remote_node_pub: PublicKey,
    remote: [PublicKey; 5],
    shachain: Option<PublicKey>,
}

/// One single with every structural check done (version, lengths, addresses,
/// transaction, ...) and its public keys kept as raw bytes.
///
/// Decoding is split in two so that a multi can check its keys (the costly
/// part: a field square root each) in parallel: [`FramedSingle::read`]
/// frames, [`FramedSingle::parse_keys`] checks the keys, and
/// [`FramedSingle::assemble`] builds the [`Single`]. Every check reads bytes
/// before the point where framing stopped, so whenever framing fails after a
/// bad key the key's error is the first one in input order, and callers
/// report it first.
#[derive(Debug, Clone)]
pub(crate) struct FramedSingle {
    version: SingleVersion,
    is_initiator: bool,
    chain_hash: [u8; 32],
    funding_outpoint: OutPoint,
    short_channel_id: ShortChannelId,
    remote_node_pub: RawKey,
    addresses: Vec<Address>,
    capacity: i64,
    local_chan_cfg: LocalChanConfig,
    remote_csv_delay: u16,
    remote_keys: [RawKey; 5],
    /// `None` for the 33-zero-byte form.
    shachain_key: Option<RawKey>,
    shachain_locator: KeyLocator,
    lease_expiry: Option<u32>,
    close_tx_inputs: Option<CloseTxInputs>,
}

impl FramedSingle {
    /// Frames one single at the reader's position, as lnd's `Deserialize`
    /// reads it, without checking the public keys on the curve.
    ///
    /// When framing fails after a key that does not parse, the key's error is
    /// returned: it comes first in input order, as in a one-pass decode.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut log = KeyLog::default();
        Self::read_logged(r, &mut log).map_err(|framing| {
            log.keys
                .iter()
                .flatten()
                .find_map(|k| k.parse().err())
                .unwrap_or(framing)
        })
    }

    /// The body of [`FramedSingle::read`]; every key read is recorded in `log`.
    fn read_logged(r: &mut Reader<'_>, log: &mut KeyLog) -> Result<Self, DecodeError> {
        let version_offset = r.offset();
        let byte = r.u8("single version")?;
        let version = SingleVersion::try_from(byte & !CLOSE_TX_FLAG).map_err(|_| {
            DecodeError::UnknownVersion {
                field: "single version",
                version: byte & !CLOSE_TX_FLAG,
                offset: version_offset,
            }
        })?;
        let _length = r.u16_be("single length")?; // never used by lnd (S2)
                                                  // lnd: is_initiator is (byte == 1) (S3).
        let is_initiator = r.u8("is_initiator")? == 1;
        let chain_hash = r.array("chain hash")?;
        let txid = r.array("funding txid")?;
        let vout = r.u16_be("funding output index")?;
        let short_channel_id = ShortChannelId {
            block_height: r.u24_be("short channel id block height")?,
            tx_index: r.u24_be("short channel id tx index")?,
            output_index: r.u16_be("short channel id output index")?,
        };
        let remote_node_pub = log.read(r, "remote node key")?;
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
        let remote_keys = [
            log.read(r, "remote multisig key")?,
            log.read(r, "remote revocation base point")?,
            log.read(r, "remote payment base point")?,
            log.read(r, "remote delay base point")?,
            log.read(r, "remote htlc base point")?,
        ];
        let sc = RawKey::read(r, "shachain root key")?;
        let shachain_key = (sc.bytes != [0u8; 33]).then_some(sc);
        if let Some(k) = shachain_key {
            log.record(k);
        }
        let shachain_locator = read_locator(r, "shachain root key locator")?;
        let lease_expiry = if version == SingleVersion::ScriptEnforcedLease {
            Some(r.u32_be("lease expiry")?)
        } else {
            None
        };
        let close_tx_inputs = if byte & CLOSE_TX_FLAG != 0 {
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
            Some(CloseTxInputs {
                commit_tx,
                commit_sig,
                commit_height,
                tapscript_root,
            })
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
            remote_node_pub,
            addresses,
            capacity,
            local_chan_cfg,
            remote_csv_delay,
            remote_keys,
            shachain_key,
            shachain_locator,
            lease_expiry,
            close_tx_inputs,
        })
    }

    /// How many keys [`FramedSingle::parse_keys`] checks (6, or 7 with a legacy shachain key).
    #[cfg(feature = "std")]
    pub(crate) fn key_count(&self) -> usize {
        6 + usize::from(self.shachain_key.is_some())
    }

    /// Checks the keys in input order; the first bad one is the error.
    pub(crate) fn parse_keys(&self) -> Result<SingleKeys, DecodeError> {
        let remote_node_pub = self.remote_node_pub.parse()?;
        let mut remote = [remote_node_pub; 5];
        for (out, raw) in remote.iter_mut().zip(&self.remote_keys) {
            *out = raw.parse()?;
        }
        let shachain = self.shachain_key.as_ref().map(RawKey::parse).transpose()?;
        Ok(SingleKeys {
            remote_node_pub,
            remote,
            shachain,
        })
    }

    /// Builds the single from its framing and the keys [`FramedSingle::parse_keys`] returned.
    pub(crate) fn assemble(self, keys: &SingleKeys) -> Single {
        let [multisig_key, revocation_base_point, payment_base_point, delay_base_point, htlc_base_point] =
            keys.remote;
        Single {
            version: self.version,
            is_initiator: self.is_initiator,
            chain_hash: self.chain_hash,
            funding_outpoint: self.funding_outpoint,
            short_channel_id: self.short_channel_id,
            remote_node_pub: keys.remote_node_pub,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PublicKeyError;
    use alloc::vec;

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
