//! Signing our stored commitment from the backup's close-tx inputs: the
//! last-resort force close (see `docs/recovery.md`, "Last resort").
//!
//! DANGER: lnd refreshes the close-tx inputs only when a channel opens or
//! closes and at shutdown, so the stored commitment is usually revoked.
//! Broadcasting a revoked commitment lets the peer take the whole channel
//! balance. This module signs; it never broadcasts.

use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1};
use bitcoin::sighash::{Prevouts, SighashCache};
use bitcoin::{Amount, EcdsaSighashType, OutPoint, TapSighashType, Transaction, Witness};
use musig2::{AggNonce, PartialSignature, PubNonce};
use scb_crypto::{KeyRing, RootKeyRing};
use scb_wire::{CloseTxInputs, Single, SingleVersion};

use crate::funding::{funding_output, taproot_key_agg, FundingOutput, FundingScript};
use crate::nonce::lnd_verification_nonce;
use crate::outputs::{classify, expected_scripts, ClassifiedOutput};
use crate::shachain::{lnd_shachain_at, revocation_root, taproot_nonce_root};
use crate::RescueError;

/// Our commitment transaction, signed and accepted by Bitcoin Core's
/// interpreter against the rebuilt funding output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCommitment {
    /// The channel's funding outpoint.
    pub channel: OutPoint,
    /// The single's version.
    pub version: SingleVersion,
    /// The signed transaction (witness filled).
    pub tx: Transaction,
    /// The state number of this commitment.
    pub commitment_number: u64,
    /// The funding output it spends.
    pub funding: FundingOutput,
    /// Capacity minus the outputs' sum.
    pub fee_sat: u64,
    /// Every output, classified.
    pub outputs: Vec<ClassifiedOutput>,
}

/// The close-tx inputs, or why there are none.
fn inputs(single: &Single) -> Result<&CloseTxInputs, RescueError> {
    single
        .close_tx_inputs
        .as_ref()
        .ok_or(RescueError::NoCloseTxInputs {
            channel: single.funding_outpoint,
        })
}

/// Signs our commitment stored in `single` with keys from `ring`, verifies
/// it with Bitcoin Core's interpreter against the funding output rebuilt
/// from the keys, and classifies its outputs.
///
/// Fails, returning no transaction, when the single has no close-tx inputs,
/// when the commitment does not spend the funding outpoint, when the peer's
/// signature does not verify with our derived multisig key (wrong seed), or
/// when the interpreter rejects the result.
pub fn sign_commitment(
    single: &Single,
    ring: &RootKeyRing,
) -> Result<SignedCommitment, RescueError> {
    let channel = single.funding_outpoint;
    let close = inputs(single)?;
    let key_err = |source| RescueError::Key { channel, source };
    if single.version.is_taproot() && single.shachain_root.pubkey.is_some() {
        return Err(RescueError::TaprootLegacyShachain { channel });
    }
    check_spends_funding(single, &close.commit_tx)?;

    let multisig_loc = single.local_chan_cfg.multisig_key;
    let multisig = ring.derive_private_key(multisig_loc).map_err(key_err)?;
    let ours = multisig.public_key();
    let funding = funding_output(single, &ours)?;
    let secp = Secp256k1::new();
    let wrong_key = || RescueError::WrongKey {
        channel,
        our_key: ours,
        family: multisig_loc.family,
        index: multisig_loc.index,
    };

    let mut tx = close.commit_tx.clone();
    // Taproot signing needs the revocation root (its nonce); other versions
    // need it only to classify `to_local`, which stays `other` without it.
    let rev_root = match revocation_root(single, ring, &ours) {
        Ok(root) => Some(root),
        Err(e) if single.version.is_taproot() => return Err(e),
        Err(_) => None,
    };
    match &funding.script {
        FundingScript::P2wsh { witness_script } => {
            let sighash = SighashCache::new(&tx)
                .p2wsh_signature_hash(
                    0,
                    witness_script,
                    funding.txout.value,
                    EcdsaSighashType::All,
                )
                .map_err(|e| malformed(channel, format!("sighash: {e}")))?;
            let msg = Message::from_digest(sighash.to_byte_array());
            let theirs = ecdsa::Signature::from_der(&close.commit_sig).map_err(|e| {
                malformed(
                    channel,
                    format!("peer's commitment signature is not DER: {e}"),
                )
            })?;
            // A high-S signature is valid by consensus but not relayed:
            // use (and check) its low-S twin.
            let mut theirs = theirs;
            theirs.normalize_s();
            secp.verify_ecdsa(&msg, &theirs, &single.remote_chan_cfg.multisig_key)
                .map_err(|_| wrong_key())?;
            let mine = secp.sign_ecdsa(&msg, multisig.secret_key());
            let sig_of = |pk: &PublicKey| {
                let sig = if *pk == ours { mine } else { theirs };
                bitcoin::ecdsa::Signature {
                    signature: sig,
                    sighash_type: EcdsaSighashType::All,
                }
                .to_vec()
            };
            let [k1, k2] = crate::funding::sorted_keys(&ours, &single.remote_chan_cfg.multisig_key);
            let mut witness = Witness::new();
            witness.push([]);
            witness.push(sig_of(&k1));
            witness.push(sig_of(&k2));
            witness.push(witness_script.as_bytes());
            tx.input[0].witness = witness;
        }
        FundingScript::Taproot { tapscript_root } => {
            let m2 = |step, e: &dyn std::fmt::Display| RescueError::Musig2 {
                channel,
                step,
                reason: e.to_string(),
            };
            let height = close.commit_height.ok_or_else(|| {
                malformed(
                    channel,
                    "taproot close-tx inputs without a commit height".into(),
                )
            })?;
            if height > crate::SHACHAIN_START_INDEX {
                return Err(malformed(
                    channel,
                    format!("commit height {height} is beyond the 2^48 states a channel can have"),
                ));
            }
            if close.commit_sig.len() != 98 {
                return Err(malformed(
                    channel,
                    format!(
                        "taproot commitment signature is {} bytes, expected 98 (partial signature and nonce)",
                        close.commit_sig.len()
                    ),
                ));
            }
            let (s, nonce) = close.commit_sig.split_at(32);
            let their_partial = PartialSignature::from_slice(s)
                .map_err(|e| m2("partial signature decoding", &e))?;
            let their_nonce = PubNonce::from_bytes(nonce).map_err(|e| m2("nonce decoding", &e))?;
            let ctx = taproot_key_agg(single, &ours, *tapscript_root)?;
            let prevouts = [funding.txout.clone()];
            let sighash = SighashCache::new(&tx)
                .taproot_key_spend_signature_hash(
                    0,
                    &Prevouts::All(&prevouts),
                    TapSighashType::Default,
                )
                .map_err(|e| malformed(channel, format!("sighash: {e}")))?;
            let msg = sighash.to_byte_array();

            let Some(rev_root) = rev_root.as_ref() else {
                return Err(malformed(channel, "no revocation root".into()));
            };
            let nonce_root = taproot_nonce_root(rev_root);
            let sec_nonce = lnd_verification_nonce(&nonce_root, height, &ours);
            let our_nonce = sec_nonce.public_nonce();
            let agg_nonce = AggNonce::sum([&our_nonce, &their_nonce]);
            musig2::verify_partial(
                &ctx,
                their_partial,
                &agg_nonce,
                single.remote_chan_cfg.multisig_key,
                &their_nonce,
                msg,
            )
            .map_err(|_| wrong_key())?;
            let our_partial: PartialSignature =
                musig2::sign_partial(&ctx, *multisig.secret_key(), sec_nonce, &agg_nonce, msg)
                    .map_err(|e| m2("signing", &e))?;
            let sig: bitcoin::secp256k1::schnorr::Signature = musig2::aggregate_partial_signatures(
                &ctx,
                &agg_nonce,
                [our_partial, their_partial],
                msg,
            )
            .map_err(|e| m2("signature aggregation", &e))?;
            let mut witness = Witness::new();
            witness.push(sig.as_ref());
            tx.input[0].witness = witness;
        }
    }

    crate::verify::verify_input(&tx, core::slice::from_ref(&funding.txout), 0)
        .map_err(|reason| RescueError::Consensus { channel, reason })?;

    let commitment_number = match close.commit_height {
        Some(h) => h,
        None => obscured_commitment_number(single, ring, &tx)?,
    };
    let delay_base = ring
        .derive_pubkey(single.local_chan_cfg.delay_base_point)
        .map_err(key_err)?;
    let point = rev_root.as_ref().and_then(|root| {
        let secret = lnd_shachain_at(root, commitment_number);
        bitcoin::secp256k1::SecretKey::from_slice(&secret[..])
            .ok()
            .map(|sk| PublicKey::from_secret_key(&secp, &sk))
    });
    let expected = expected_scripts(&secp, single, &ours, &delay_base, point.as_ref());
    let outputs = classify(&tx, &expected, single.local_chan_cfg.csv_delay);
    let paid: Amount = tx.output.iter().map(|o| o.value).sum();
    let fee_sat = funding.txout.value.to_sat().saturating_sub(paid.to_sat());
    Ok(SignedCommitment {
        channel,
        version: single.version,
        tx,
        commitment_number,
        funding,
        fee_sat,
        outputs,
    })
}

fn malformed(channel: OutPoint, what: String) -> RescueError {
    RescueError::Malformed { channel, what }
}

fn check_spends_funding(single: &Single, tx: &Transaction) -> Result<(), RescueError> {
    let channel = single.funding_outpoint;
    match tx.input.as_slice() {
        [input] if input.previous_output == channel => Ok(()),
        [input] => Err(RescueError::WrongFundingInput {
            channel,
            spends: input.previous_output.to_string(),
        }),
        inputs => Err(RescueError::WrongFundingInput {
            channel,
            spends: format!("{} inputs (a commitment has exactly one)", inputs.len()),
        }),
    }
}

/// The commitment number a commitment transaction carries in its locktime
/// and sequence (BOLT 3): the number XORed with the lower 48 bits of
/// `SHA256(opener payment basepoint || accepter payment basepoint)`, upper
/// 24 bits in the sequence (under 0x80), lower 24 in the locktime (under 0x20).
/// `tx` is a commitment of `single`'s channel; our payment base point comes
/// from `ring`.
pub fn obscured_commitment_number(
    single: &Single,
    ring: &RootKeyRing,
    tx: &Transaction,
) -> Result<u64, RescueError> {
    let channel = single.funding_outpoint;
    let ours = ring
        .derive_pubkey(single.local_chan_cfg.payment_base_point)
        .map_err(|source| RescueError::Key { channel, source })?;
    let theirs = single.remote_chan_cfg.payment_base_point;
    let (opener, accepter) = if single.is_initiator {
        (ours, theirs)
    } else {
        (theirs, ours)
    };
    let mut engine = sha256::Hash::engine();
    engine.input(&opener.serialize());
    engine.input(&accepter.serialize());
    let hash = sha256::Hash::from_engine(engine).to_byte_array();
    let mut factor = [0u8; 8];
    factor[2..].copy_from_slice(&hash[26..]);
    let factor = u64::from_be_bytes(factor);
    let lock = tx.lock_time.to_consensus_u32();
    let seq = tx.input[0].sequence.0;
    if lock >> 24 != 0x20 || seq >> 24 != 0x80 {
        return Err(malformed(
            channel,
            format!("commitment locktime {lock:#x} / sequence {seq:#x} carry no obscured commitment number"),
        ));
    }
    let obscured = (u64::from(seq & 0x00ff_ffff) << 24) | u64::from(lock & 0x00ff_ffff);
    Ok(obscured ^ factor)
}
