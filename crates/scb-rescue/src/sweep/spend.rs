//! An output found spendable and how its input is signed.

use bitcoin::taproot::TapNodeHash;
use bitcoin::{ScriptBuf, Sequence, TxOut};

use super::keys::SigningKey;
use super::SweepInput;

/// How an input is signed.
#[derive(Debug)]
pub(super) enum Spend {
    /// BIP143 P2WPKH.
    P2wpkh { key: SigningKey },
    /// BIP143 P2WSH: witness `[sig, extra..., witness_script]`.
    P2wsh {
        key: SigningKey,
        witness_script: ScriptBuf,
        extra: Vec<Vec<u8>>,
    },
    /// BIP341 script path: witness `[sig, leaf, control block]`.
    TapScript {
        key: SigningKey,
        leaf: ScriptBuf,
        control: Vec<u8>,
    },
    /// BIP341 key path of an output whose internal key is `key`, tweaked
    /// with `merkle_root`.
    TapKey {
        key: SigningKey,
        merkle_root: Option<TapNodeHash>,
    },
}

/// An output found spendable.
#[derive(Debug)]
pub(super) struct Candidate {
    pub(super) input: SweepInput,
    pub(super) txout: TxOut,
    pub(super) sequence: Sequence,
    pub(super) spend: Spend,
}
