//! A channel's funding output rebuilt from its backup and our multisig key.

use bitcoin::opcodes::all::{OP_CHECKMULTISIG, OP_PUSHNUM_2};
use bitcoin::script::Builder;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{Amount, ScriptBuf, TxOut};
use musig2::KeyAggContext;
use scb_wire::Single;

use crate::RescueError;

/// How the funding output is locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FundingScript {
    /// Versions 0–4: P2WSH of `OP_2 <k1> <k2> OP_2 OP_CHECKMULTISIG`, keys
    /// sorted bytewise.
    P2wsh {
        /// The 2-of-2 witness script.
        witness_script: ScriptBuf,
    },
    /// Versions 5–7: P2TR whose output key is the MuSig2 aggregate of the
    /// sorted keys, tweaked per BIP86 or with the tapscript root (version 6).
    Taproot {
        /// The tapscript root of a custom channel, `None` for the BIP86 tweak.
        tapscript_root: Option<[u8; 32]>,
    },
}

/// A channel's funding output as rebuilt from the backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingOutput {
    /// The output (script and the channel's capacity).
    pub txout: TxOut,
    /// How it is locked.
    pub script: FundingScript,
}

/// The two multisig keys in the order lnd uses them: sorted by their
/// compressed encoding (BIP-327 KeySort; lnd's `GenMultiSigScript` sorts the
/// same way).
pub(crate) fn sorted_keys(a: &PublicKey, b: &PublicKey) -> [PublicKey; 2] {
    if a.serialize() <= b.serialize() {
        [*a, *b]
    } else {
        [*b, *a]
    }
}

/// The 2-of-2 witness script of versions 0–4.
pub fn multisig_script(a: &PublicKey, b: &PublicKey) -> ScriptBuf {
    let [k1, k2] = sorted_keys(a, b);
    Builder::new()
        .push_opcode(OP_PUSHNUM_2)
        .push_slice(k1.serialize())
        .push_slice(k2.serialize())
        .push_opcode(OP_PUSHNUM_2)
        .push_opcode(OP_CHECKMULTISIG)
        .into_script()
}

/// The MuSig2 key aggregation context of a taproot channel, tweak applied.
pub(crate) fn taproot_key_agg(
    single: &Single,
    ours: &PublicKey,
    tapscript_root: Option<[u8; 32]>,
) -> Result<KeyAggContext, RescueError> {
    let err = |step, reason: String| RescueError::Musig2 {
        channel: single.funding_outpoint,
        step,
        reason,
    };
    let keys = sorted_keys(ours, &single.remote_chan_cfg.multisig_key);
    let ctx = KeyAggContext::new(keys).map_err(|e| err("key aggregation", e.to_string()))?;
    match tapscript_root {
        None => ctx.with_unspendable_taproot_tweak(),
        Some(root) => ctx.with_taproot_tweak(&root),
    }
    .map_err(|e| err("taproot tweak", e.to_string()))
}

/// The tapscript root that tweaks a taproot funding key: version 6 only
/// (lnd ignores a root stored with another version).
pub(crate) fn tapscript_root(single: &Single) -> Option<[u8; 32]> {
    if single.version == scb_wire::SingleVersion::TapscriptRoot {
        single
            .close_tx_inputs
            .as_ref()
            .and_then(|c| c.tapscript_root)
    } else {
        None
    }
}

/// The channel's capacity as an amount (refusing a negative one).
pub(crate) fn capacity(single: &Single) -> Result<Amount, RescueError> {
    u64::try_from(single.capacity)
        .map(Amount::from_sat)
        .map_err(|_| RescueError::Malformed {
            channel: single.funding_outpoint,
            what: format!("negative capacity {}", single.capacity),
        })
}

/// Rebuilds the funding output of `single` from our multisig public key
/// (the key at `local_chan_cfg.multisig_key`).
pub fn funding_output(single: &Single, ours: &PublicKey) -> Result<FundingOutput, RescueError> {
    let value = capacity(single)?;
    if single.version.is_taproot() {
        let root = tapscript_root(single);
        let ctx = taproot_key_agg(single, ours, root)?;
        let output_key: PublicKey = ctx.aggregated_pubkey();
        let (xonly, _) = output_key.x_only_public_key();
        let script_pubkey = ScriptBuf::new_p2tr_tweaked(
            bitcoin::key::TweakedPublicKey::dangerous_assume_tweaked(xonly),
        );
        Ok(FundingOutput {
            txout: TxOut {
                value,
                script_pubkey,
            },
            script: FundingScript::Taproot {
                tapscript_root: root,
            },
        })
    } else {
        let witness_script = multisig_script(ours, &single.remote_chan_cfg.multisig_key);
        Ok(FundingOutput {
            txout: TxOut {
                value,
                script_pubkey: ScriptBuf::new_p2wsh(&witness_script.wscript_hash()),
            },
            script: FundingScript::P2wsh { witness_script },
        })
    }
}
