//! Building, signing and checking the sweep transaction.

use bitcoin::absolute::LockTime;
use bitcoin::hashes::Hash;
use bitcoin::psbt::Psbt;
use bitcoin::secp256k1::{Keypair, Message, Secp256k1};
use bitcoin::sighash::{Prevouts, SighashCache};
use bitcoin::taproot::{LeafVersion, TapLeafHash};
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, EcdsaSighashType, OutPoint, ScriptBuf, TapSighashType, Transaction, TxIn, TxOut,
    Witness,
};

use super::{
    Candidate, NotSpendable, Spend, SweepError, SweepInput, SweepOptions, HIGH_FEE_PERCENT,
};

/// A signed sweep, accepted input by input by Bitcoin Core's interpreter.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The signed transaction.
    pub tx: Transaction,
    /// The same transaction as a finalized BIP 174 PSBT: every input's
    /// spent output and final witness.
    pub psbt: Psbt,
    /// The fee: the inputs' sum minus the output.
    pub fee_sat: u64,
    /// The signed transaction's virtual size.
    pub vsize: u64,
    /// The outputs spent, in input order.
    pub inputs: Vec<SweepInput>,
    /// The value paid to the destination.
    pub output_value_sat: u64,
    /// Outputs of the given transactions the seed cannot spend, with why.
    pub not_spendable: Vec<NotSpendable>,
}

fn signing_err(outpoint: OutPoint, what: String) -> SweepError {
    SweepError::Signing { outpoint, what }
}

/// Signs every input of `tx` (its witnesses replaced).
fn sign_all(
    secp: &Secp256k1<bitcoin::secp256k1::All>,
    tx: &mut Transaction,
    candidates: &[Candidate],
    spent: &[TxOut],
) -> Result<(), SweepError> {
    let mut witnesses = Vec::with_capacity(candidates.len());
    {
        let mut cache = SighashCache::new(&*tx);
        let prevouts = Prevouts::All(spent);
        for (i, c) in candidates.iter().enumerate() {
            let op = c.input.outpoint;
            let value = c.txout.value;
            let ecdsa = |digest: [u8; 32], key: &bitcoin::secp256k1::SecretKey| {
                let sig = secp.sign_ecdsa_low_r(&Message::from_digest(digest), key);
                bitcoin::ecdsa::Signature {
                    signature: sig,
                    sighash_type: EcdsaSighashType::All,
                }
                .to_vec()
            };
            let witness = match &c.spend {
                Spend::P2wpkh { key } => {
                    let sighash = cache
                        .p2wpkh_signature_hash(
                            i,
                            &c.txout.script_pubkey,
                            value,
                            EcdsaSighashType::All,
                        )
                        .map_err(|e| signing_err(op, format!("sighash: {e}")))?;
                    let pk = bitcoin::secp256k1::PublicKey::from_secret_key(secp, &key.0);
                    let mut w = Witness::new();
                    w.push(ecdsa(sighash.to_byte_array(), &key.0));
                    w.push(pk.serialize());
                    w
                }
                Spend::P2wsh {
                    key,
                    witness_script,
                    extra,
                } => {
                    let sighash = cache
                        .p2wsh_signature_hash(i, witness_script, value, EcdsaSighashType::All)
                        .map_err(|e| signing_err(op, format!("sighash: {e}")))?;
                    let mut w = Witness::new();
                    w.push(ecdsa(sighash.to_byte_array(), &key.0));
                    for e in extra {
                        w.push(e);
                    }
                    w.push(witness_script.as_bytes());
                    w
                }
                Spend::TapScript { key, leaf, control } => {
                    let leaf_hash = TapLeafHash::from_script(leaf, LeafVersion::TapScript);
                    let sighash = cache
                        .taproot_script_spend_signature_hash(
                            i,
                            &prevouts,
                            leaf_hash,
                            TapSighashType::Default,
                        )
                        .map_err(|e| signing_err(op, format!("sighash: {e}")))?;
                    let mut keypair = Keypair::from_secret_key(secp, &key.0);
                    let sig = secp.sign_schnorr_no_aux_rand(
                        &Message::from_digest(sighash.to_byte_array()),
                        &keypair,
                    );
                    keypair.non_secure_erase();
                    let mut w = Witness::new();
                    w.push(sig.as_ref());
                    w.push(leaf.as_bytes());
                    w.push(control);
                    w
                }
                Spend::TapKey { key, merkle_root } => {
                    let sighash = cache
                        .taproot_key_spend_signature_hash(i, &prevouts, TapSighashType::Default)
                        .map_err(|e| signing_err(op, format!("sighash: {e}")))?;
                    let keypair = Keypair::from_secret_key(secp, &key.0);
                    let mut tweaked =
                        bitcoin::key::TapTweak::tap_tweak(keypair, secp, *merkle_root).to_keypair();
                    let sig = secp.sign_schnorr_no_aux_rand(
                        &Message::from_digest(sighash.to_byte_array()),
                        &tweaked,
                    );
                    tweaked.non_secure_erase();
                    let mut w = Witness::new();
                    w.push(sig.as_ref());
                    w
                }
            };
            witnesses.push(witness);
        }
    }
    for (input, w) in tx.input.iter_mut().zip(witnesses) {
        input.witness = w;
    }
    Ok(())
}

/// Builds the sweep of `candidates` to `options.to`, signs it with the fee
/// on its exact signed weight, and checks every input with the interpreter.
pub(super) fn build(
    candidates: Vec<Candidate>,
    not_spendable: Vec<NotSpendable>,
    options: &SweepOptions,
) -> Result<Sweep, SweepError> {
    let secp = Secp256k1::new();
    let spent: Vec<TxOut> = candidates.iter().map(|c| c.txout.clone()).collect();
    // A sum beyond the 21 million bitcoin can only come from a made-up
    // transaction: refused, never wrapped.
    let total = spent
        .iter()
        .try_fold(Amount::ZERO, |sum, o| sum.checked_add(o.value))
        .filter(|sum| *sum <= Amount::MAX_MONEY)
        .ok_or_else(|| SweepError::Signing {
            outpoint: candidates[0].input.outpoint,
            what: "the spent outputs add up to more than 21 million bitcoin".into(),
        })?
        .to_sat();
    // A lease's CLTV needs the locktime at (or past) its expiry height.
    let lock = candidates
        .iter()
        .filter_map(|c| c.input.cltv_expiry)
        .max()
        .unwrap_or(0);
    let lock_time = LockTime::from_height(lock).map_err(|e| SweepError::Signing {
        outpoint: candidates[0].input.outpoint,
        what: format!("lease expiry {lock} is not a block height: {e}"),
    })?;
    let mut tx = Transaction {
        version: Version::TWO,
        lock_time,
        input: candidates
            .iter()
            .map(|c| TxIn {
                previous_output: c.input.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: c.sequence,
                witness: Witness::new(),
            })
            .collect(),
        output: vec![TxOut {
            value: Amount::from_sat(total),
            script_pubkey: options.to.clone(),
        }],
    };
    let dust = options.to.minimal_non_dust().to_sat();
    let rate = options.fee_rate_sat_per_vb;
    // The fee is the rate times the signed transaction's vsize. Signatures
    // are low-R, so the size hardly depends on the output value (an `s` with
    // a leading zero byte is one byte shorter): sign, size, repeat until the
    // fee covers the rate on the transaction as signed (two rounds, rarely
    // three; a vbyte's overpayment at most).
    let mut fee = 0u64;
    let mut settled = false;
    for _ in 0..16 {
        let value = total.checked_sub(fee).ok_or(SweepError::Dust {
            value_sat: 0,
            fee_sat: fee,
            dust_sat: dust,
        })?;
        tx.output[0].value = Amount::from_sat(value);
        sign_all(&secp, &mut tx, &candidates, &spent)?;
        let needed = (tx.vsize() as u64).saturating_mul(rate);
        if needed <= fee {
            settled = true;
            break;
        }
        fee = needed;
    }
    if !settled {
        return Err(SweepError::Signing {
            outpoint: candidates[0].input.outpoint,
            what: "the fee did not settle on the signed size".into(),
        });
    }
    let value = total.saturating_sub(fee);
    if total < fee || value < dust {
        return Err(SweepError::Dust {
            value_sat: value,
            fee_sat: fee,
            dust_sat: dust,
        });
    }
    if !options.allow_high_fee && fee.saturating_mul(100) > total.saturating_mul(HIGH_FEE_PERCENT) {
        return Err(SweepError::HighFee {
            fee_sat: fee,
            swept_sat: total,
        });
    }
    // The referee: every input against the output it spends.
    crate::verify::verify_all_inputs(&tx, &spent).map_err(|(index, reason)| {
        SweepError::Consensus {
            outpoint: tx
                .input
                .get(index)
                .map_or(OutPoint::null(), |i| i.previous_output),
            reason,
        }
    })?;

    let mut unsigned = tx.clone();
    for input in &mut unsigned.input {
        input.witness = Witness::new();
    }
    let mut psbt = Psbt::from_unsigned_tx(unsigned).map_err(|e| SweepError::Signing {
        outpoint: tx.input[0].previous_output,
        what: format!("psbt: {e}"),
    })?;
    // A finalized PSBT (BIP 174's Finalizer role): each input keeps only
    // the output it spends and its final witness, so any wallet can inspect
    // the amounts and extract the transaction.
    for ((pin, c), signed) in psbt.inputs.iter_mut().zip(&candidates).zip(&tx.input) {
        pin.witness_utxo = Some(c.txout.clone());
        pin.final_script_witness = Some(signed.witness.clone());
    }

    Ok(Sweep {
        vsize: tx.vsize() as u64,
        tx,
        psbt,
        fee_sat: fee,
        inputs: candidates.into_iter().map(|c| c.input.clone()).collect(),
        output_value_sat: value,
        not_spendable,
    })
}
