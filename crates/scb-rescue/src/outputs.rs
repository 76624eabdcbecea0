//! Classification of a commitment's outputs by rebuilding their scripts
//! from derived keys (lnd `lnwallet/commitment.go` `CreateCommitTx`,
//! `CommitScriptToSelf`, `CommitScriptToRemote`, `CommitScriptAnchors`;
//! scripts from `input/script_utils.go`). Nothing is guessed from amounts.

use bitcoin::opcodes::all::{
    OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CLTV, OP_CSV, OP_DROP, OP_ELSE, OP_ENDIF, OP_IF, OP_IFDUP,
    OP_NOTIF, OP_PUSHNUM_1, OP_PUSHNUM_16,
};
use bitcoin::script::Builder;
use bitcoin::secp256k1::{PublicKey, Secp256k1, Verification, XOnlyPublicKey};
use bitcoin::taproot::{TaprootBuilder, TaprootSpendInfo};
use bitcoin::{ScriptBuf, Transaction};
use scb_wire::{Single, SingleVersion};

use crate::commit_keys::{revocation_pubkey, tweak_pubkey};

/// What an output of our commitment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputKind {
    /// Our balance, spendable by us after `csv_delay` blocks (or by the peer
    /// at once with the revocation key if this commitment was revoked).
    ToLocal,
    /// The peer's balance.
    ToRemote,
    /// Our anchor (330 sat).
    LocalAnchor,
    /// The peer's anchor (330 sat).
    RemoteAnchor,
    /// No script rebuilt from the backup matches: HTLCs, and the balance
    /// outputs of custom channels whose extra tapscript leaves the backup
    /// does not carry.
    Other,
}

impl OutputKind {
    /// The name used in reports (`to_local`, `to_remote`, `local_anchor`,
    /// `remote_anchor`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::ToLocal => "to_local",
            OutputKind::ToRemote => "to_remote",
            OutputKind::LocalAnchor => "local_anchor",
            OutputKind::RemoteAnchor => "remote_anchor",
            OutputKind::Other => "other",
        }
    }
}

/// One classified output of the commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifiedOutput {
    /// Its index in the commitment.
    pub index: u32,
    /// Its value in satoshis.
    pub value_sat: u64,
    /// Its output script.
    pub script_pubkey: ScriptBuf,
    /// What it is.
    pub kind: OutputKind,
    /// The relative lock of a `to_local` output, or 1 for an anchor-type
    /// `to_remote`; `None` otherwise.
    pub csv_delay: Option<u16>,
}

/// The output scripts our commitment can hold, rebuilt from keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExpectedScripts {
    pub to_local: Option<ScriptBuf>,
    pub to_remote: Option<ScriptBuf>,
    pub to_remote_csv: Option<u16>,
    pub local_anchor: Option<ScriptBuf>,
    pub remote_anchor: Option<ScriptBuf>,
}

/// lnd's NUMS point, the internal key of taproot balance outputs
/// (`input.TaprootNUMSKey`).
const TAPROOT_NUMS: &str = "02dca094751109d0bd055d03565874e8276dd53e926b44e3bd1bb6bf4bc130a279";

fn xonly(pk: &PublicKey) -> XOnlyPublicKey {
    pk.x_only_public_key().0
}

/// The taproot tree of a balance or anchor output: one leaf at depth 0, or
/// two at depth 1.
pub(crate) fn taproot_tree<C: Verification>(
    secp: &Secp256k1<C>,
    internal: &PublicKey,
    leaves: &[ScriptBuf],
) -> Option<TaprootSpendInfo> {
    let depth = u8::from(leaves.len() > 1);
    let mut builder = TaprootBuilder::new();
    for leaf in leaves {
        builder = builder.add_leaf(depth, leaf.clone()).ok()?;
    }
    builder.finalize(secp, xonly(internal)).ok()
}

fn p2tr<C: Verification>(
    secp: &Secp256k1<C>,
    internal: &PublicKey,
    leaves: &[ScriptBuf],
) -> Option<ScriptBuf> {
    taproot_tree(secp, internal, leaves).map(|info| ScriptBuf::new_p2tr_tweaked(info.output_key()))
}

/// lnd's NUMS point as a key.
pub(crate) fn taproot_nums() -> Option<PublicKey> {
    TAPROOT_NUMS.parse().ok()
}

/// The taproot `to_local` leaves: the delay leaf and the revocation leaf
/// (lnd `TaprootLocalCommitDelayScript`, `TaprootLocalCommitRevokeScript`;
/// `prod` selects the final-taproot `OP_CHECKSIGVERIFY` form of version 7).
pub(crate) fn taproot_to_local_leaves(
    prod: bool,
    local: &PublicKey,
    revoke: &PublicKey,
    csv: u16,
) -> [ScriptBuf; 2] {
    let delay = if prod {
        Builder::new()
            .push_x_only_key(&xonly(local))
            .push_opcode(OP_CHECKSIGVERIFY)
            .push_int(i64::from(csv))
            .push_opcode(OP_CSV)
    } else {
        Builder::new()
            .push_x_only_key(&xonly(local))
            .push_opcode(OP_CHECKSIG)
            .push_int(i64::from(csv))
            .push_opcode(OP_CSV)
            .push_opcode(OP_DROP)
    }
    .into_script();
    let revoke_leaf = Builder::new()
        .push_x_only_key(&xonly(local))
        .push_opcode(OP_DROP)
        .push_x_only_key(&xonly(revoke))
        .push_opcode(OP_CHECKSIG)
        .into_script();
    [delay, revoke_leaf]
}

/// The taproot `to_remote` leaf (lnd `TaprootRemoteCommitScript`).
pub(crate) fn taproot_to_remote_leaf(prod: bool, key: &PublicKey) -> ScriptBuf {
    if prod {
        Builder::new()
            .push_x_only_key(&xonly(key))
            .push_opcode(OP_CHECKSIGVERIFY)
            .push_opcode(OP_PUSHNUM_1)
            .push_opcode(OP_CSV)
    } else {
        Builder::new()
            .push_x_only_key(&xonly(key))
            .push_opcode(OP_CHECKSIG)
            .push_opcode(OP_PUSHNUM_1)
            .push_opcode(OP_CSV)
            .push_opcode(OP_DROP)
    }
    .into_script()
}

/// The P2WSH `to_local` witness script (lnd `CommitScriptToSelf`, or
/// `LeaseCommitScriptToSelf` when `lease` is given).
pub(crate) fn to_local_witness_script(
    revoke: &PublicKey,
    local: &PublicKey,
    csv: u16,
    lease: Option<u32>,
) -> ScriptBuf {
    let b = Builder::new()
        .push_opcode(OP_IF)
        .push_key(&bitcoin::PublicKey::new(*revoke))
        .push_opcode(OP_ELSE);
    let b = push_lease(b, lease);
    b.push_int(i64::from(csv))
        .push_opcode(OP_CSV)
        .push_opcode(OP_DROP)
        .push_key(&bitcoin::PublicKey::new(*local))
        .push_opcode(OP_ENDIF)
        .push_opcode(OP_CHECKSIG)
        .into_script()
}

/// `<lease> OP_CHECKLOCKTIMEVERIFY OP_DROP` when the channel carries a
/// script-enforced lease, nothing otherwise.
fn push_lease(b: Builder, lease: Option<u32>) -> Builder {
    match lease {
        Some(lease) => b
            .push_int(i64::from(lease))
            .push_opcode(OP_CLTV)
            .push_opcode(OP_DROP),
        None => b,
    }
}

/// The anchor-type P2WSH `to_remote` witness script (lnd
/// `CommitScriptToRemoteConfirmed`, or `LeaseCommitScriptToRemoteConfirmed`
/// when `lease` is given).
pub(crate) fn to_remote_witness_script(key: &PublicKey, lease: Option<u32>) -> ScriptBuf {
    let b = Builder::new()
        .push_key(&bitcoin::PublicKey::new(*key))
        .push_opcode(OP_CHECKSIGVERIFY);
    let b = push_lease(b, lease);
    b.push_opcode(OP_PUSHNUM_1)
        .push_opcode(OP_CSV)
        .into_script()
}

/// The P2WSH anchor witness script (lnd `CommitScriptAnchor`).
pub(crate) fn anchor_witness_script(key: &PublicKey) -> ScriptBuf {
    Builder::new()
        .push_key(&bitcoin::PublicKey::new(*key))
        .push_opcode(OP_CHECKSIG)
        .push_opcode(OP_IFDUP)
        .push_opcode(OP_NOTIF)
        .push_opcode(OP_PUSHNUM_16)
        .push_opcode(OP_CSV)
        .push_opcode(OP_ENDIF)
        .into_script()
}

/// Whether the single's version has anchor outputs of the P2WSH kind.
pub(crate) fn has_p2wsh_anchors(version: SingleVersion) -> bool {
    matches!(
        version,
        SingleVersion::Anchors
            | SingleVersion::AnchorsZeroFeeHtlcTx
            | SingleVersion::ScriptEnforcedLease
    )
}

/// The scripts of our commitment's outputs for the given keys.
///
/// `per_commitment_point` is ours for this commitment (from the revocation
/// shachain); without it only the outputs that do not depend on it (the
/// `to_remote` of tweakless channels, non-taproot anchors) are rebuilt.
pub(crate) fn expected_scripts<C: Verification>(
    secp: &Secp256k1<C>,
    single: &Single,
    our_multisig: &PublicKey,
    our_delay_base: &PublicKey,
    per_commitment_point: Option<&PublicKey>,
) -> ExpectedScripts {
    let remote = &single.remote_chan_cfg;
    let csv = single.local_chan_cfg.csv_delay;
    let version = single.version;
    let lease = single.lease_expiry.unwrap_or(0);
    let mut out = ExpectedScripts::default();

    let to_local_key = per_commitment_point.and_then(|p| tweak_pubkey(secp, our_delay_base, p));
    let revocation_key = per_commitment_point
        .and_then(|p| revocation_pubkey(secp, &remote.revocation_base_point, p));
    let to_remote_key = if version == SingleVersion::Default {
        per_commitment_point.and_then(|p| tweak_pubkey(secp, &remote.payment_base_point, p))
    } else {
        Some(remote.payment_base_point)
    };

    if version.is_taproot() {
        let prod = version == SingleVersion::SimpleTaprootFinal;
        let Some(nums) = taproot_nums() else {
            return out;
        };
        if let (Some(local), Some(revoke)) = (to_local_key, revocation_key) {
            out.to_local = p2tr(
                secp,
                &nums,
                &taproot_to_local_leaves(prod, &local, &revoke, csv),
            );
            out.local_anchor = p2tr(secp, &local, &[anchor_leaf()]);
        }
        if let Some(key) = to_remote_key {
            out.to_remote = p2tr(secp, &nums, &[taproot_to_remote_leaf(prod, &key)]);
            out.to_remote_csv = Some(1);
            out.remote_anchor = p2tr(secp, &key, &[anchor_leaf()]);
        }
        return out;
    }

    // lnd puts the lease's CLTV on the channel initiator's balance outputs.
    let lease_of = |initiator: bool| {
        (version == SingleVersion::ScriptEnforcedLease && initiator).then_some(lease)
    };
    if let (Some(local), Some(revoke)) = (to_local_key, revocation_key) {
        let script = to_local_witness_script(&revoke, &local, csv, lease_of(single.is_initiator));
        out.to_local = Some(ScriptBuf::new_p2wsh(&script.wscript_hash()));
    }
    let anchors = has_p2wsh_anchors(version);
    if let Some(key) = to_remote_key {
        if anchors {
            let script = to_remote_witness_script(&key, lease_of(!single.is_initiator));
            out.to_remote = Some(ScriptBuf::new_p2wsh(&script.wscript_hash()));
            out.to_remote_csv = Some(1);
        } else if let Ok(wpkh) = bitcoin::PublicKey::new(key).wpubkey_hash() {
            out.to_remote = Some(ScriptBuf::new_p2wpkh(&wpkh));
        }
    }
    if anchors {
        let anchor = |k: &PublicKey| ScriptBuf::new_p2wsh(&anchor_witness_script(k).wscript_hash());
        out.local_anchor = Some(anchor(our_multisig));
        out.remote_anchor = Some(anchor(&remote.multisig_key));
    }
    out
}

/// The anchor leaf of taproot anchors (lnd `TaprootAnchorScript` sweep leaf).
pub(crate) fn anchor_leaf() -> ScriptBuf {
    Builder::new()
        .push_opcode(OP_PUSHNUM_16)
        .push_opcode(OP_CSV)
        .into_script()
}

/// Classifies every output of `tx` against the expected scripts.
pub(crate) fn classify(
    tx: &Transaction,
    expected: &ExpectedScripts,
    csv: u16,
) -> Vec<ClassifiedOutput> {
    let is = |s: &Option<ScriptBuf>, spk: &ScriptBuf| s.as_ref() == Some(spk);
    tx.output
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let spk = &o.script_pubkey;
            let (kind, csv_delay) = if is(&expected.to_local, spk) {
                (OutputKind::ToLocal, Some(csv))
            } else if is(&expected.to_remote, spk) {
                (OutputKind::ToRemote, expected.to_remote_csv)
            } else if is(&expected.local_anchor, spk) {
                (OutputKind::LocalAnchor, None)
            } else if is(&expected.remote_anchor, spk) {
                (OutputKind::RemoteAnchor, None)
            } else {
                (OutputKind::Other, None)
            };
            ClassifiedOutput {
                index: i as u32,
                value_sat: o.value.to_sat(),
                script_pubkey: spk.clone(),
                kind,
                csv_delay,
            }
        })
        .collect()
}
