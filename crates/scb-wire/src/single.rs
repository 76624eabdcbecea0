//! One channel's backup.

use bitcoin::secp256k1::PublicKey;
use bitcoin::{OutPoint, Transaction};

use crate::{Address, DecodeError, EncodeError};

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

impl Single {
    /// Appends the plaintext encoding (version byte, u16 length, body) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let _ = out;
        Err(EncodeError::UnknownVersion(self.version as u8))
    }

    /// Decodes one single from the start of `bytes`; returns it and the number
    /// of bytes consumed (trailing bytes are not read, as in lnd).
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let _ = bytes;
        Err(DecodeError::UnexpectedEof { field: "version", offset: 0 })
    }

    /// Decodes a standalone single; trailing bytes are ignored, as in lnd.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_prefix(bytes).map(|(s, _)| s)
    }
}
