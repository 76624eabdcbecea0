//! The referee: Bitcoin Core's consensus script interpreter.

use bitcoin::consensus::encode::serialize;
use bitcoin::{Transaction, TxOut};

/// Checks input `index` of `tx` against the output it spends with Bitcoin
/// Core 26's interpreter (libbitcoinconsensus through the `bitcoinconsensus`
/// crate), every soft fork up to taproot enabled and the spent outputs
/// given so that taproot signatures are checked. `spent` lists the outputs
/// spent by every input of `tx`, in input order.
///
/// Returns the interpreter's error name on failure.
pub fn verify_input(tx: &Transaction, spent: &[TxOut], index: usize) -> Result<(), String> {
    let Some(prev) = spent.get(index) else {
        return Err(format!("no spent output for input {index}"));
    };
    let bytes = serialize(tx);
    let utxos = spent
        .iter()
        .map(|o| {
            Ok(bitcoinconsensus::Utxo {
                script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
                script_pubkey_len: u32::try_from(o.script_pubkey.len())
                    .map_err(|_| "spent output script too long".to_owned())?,
                value: i64::try_from(o.value.to_sat())
                    .map_err(|_| "spent output amount out of range".to_owned())?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    bitcoinconsensus::verify_with_flags(
        prev.script_pubkey.as_bytes(),
        prev.value.to_sat(),
        &bytes,
        Some(&utxos),
        index,
        bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
    )
    .map_err(|e| format!("{e:?}"))
}

/// Checks every input of `tx` as [`verify_input`] does. Returns the lowest
/// failing input's index and the interpreter's error name.
///
/// libbitcoinconsensus re-reads and re-hashes the whole transaction for
/// every input, which makes a large sweep quadratic. So input 0 is checked
/// against the full transaction, and each other input `i` against the same
/// transaction with the other inputs' witnesses left empty: a witness is
/// outside every signature hash (BIP143, BIP341) and is read only by its own
/// input's script, so input `i`'s verdict is the same, and the bytes the
/// interpreter hashes shrink to the non-witness part plus one witness.
/// Inputs are spread over the available cores.
pub(crate) fn verify_all_inputs(tx: &Transaction, spent: &[TxOut]) -> Result<(), (usize, String)> {
    use bitcoin::consensus::Encodable;

    if spent.len() != tx.input.len() {
        return Err((
            0,
            format!(
                "{} spent outputs for {} inputs",
                spent.len(),
                tx.input.len()
            ),
        ));
    }
    let full = serialize(tx);
    // version, segwit marker and flag, inputs, outputs | witnesses | locktime
    let mut prefix = Vec::with_capacity(full.len());
    let encoded = tx
        .version
        .consensus_encode(&mut prefix)
        .and_then(|_| {
            prefix.extend_from_slice(&[0, 1]);
            tx.input.consensus_encode(&mut prefix)
        })
        .and_then(|_| tx.output.consensus_encode(&mut prefix));
    let mut suffix = Vec::with_capacity(4);
    encoded
        .and_then(|_| tx.lock_time.consensus_encode(&mut suffix))
        .map_err(|e| (0, format!("cannot serialise the transaction: {e}")))?;
    let n = tx.input.len();
    let bytes_for = |i: usize| -> Result<Vec<u8>, (usize, String)> {
        if i == 0 {
            return Ok(full.clone());
        }
        let mut bytes = Vec::with_capacity(prefix.len() + n + 256);
        bytes.extend_from_slice(&prefix);
        bytes.resize(bytes.len() + i, 0);
        tx.input[i]
            .witness
            .consensus_encode(&mut bytes)
            .map_err(|e| (i, format!("cannot serialise the witness: {e}")))?;
        bytes.resize(bytes.len() + (n - 1 - i), 0);
        bytes.extend_from_slice(&suffix);
        Ok(bytes)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(n.div_ceil(64))
        .max(1);
    let check = |first: usize, step: usize| -> Result<(), (usize, String)> {
        // `Utxo` holds raw pointers (not `Send`): each thread builds its own.
        let mut utxos = Vec::with_capacity(spent.len());
        for (i, o) in spent.iter().enumerate() {
            utxos.push(bitcoinconsensus::Utxo {
                script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
                script_pubkey_len: u32::try_from(o.script_pubkey.len())
                    .map_err(|_| (i, "spent output script too long".to_owned()))?,
                value: i64::try_from(o.value.to_sat())
                    .map_err(|_| (i, "spent output amount out of range".to_owned()))?,
            });
        }
        for (i, prev) in spent.iter().enumerate().skip(first).step_by(step) {
            bitcoinconsensus::verify_with_flags(
                prev.script_pubkey.as_bytes(),
                prev.value.to_sat(),
                &bytes_for(i)?,
                Some(&utxos),
                i,
                bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
            )
            .map_err(|e| (i, format!("{e:?}")))?;
        }
        Ok(())
    };
    if threads == 1 {
        return check(0, 1);
    }
    let results: Vec<Result<(), (usize, String)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || check(t, threads)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err((0, "interpreter thread panicked".to_owned())))
            })
            .collect()
    });
    match results
        .into_iter()
        .filter_map(Result::err)
        .min_by_key(|(i, _)| *i)
    {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use bitcoin::hashes::Hash;
    use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
    use bitcoin::sighash::SighashCache;
    use bitcoin::{
        Amount, CompressedPublicKey, EcdsaSighashType, OutPoint, ScriptBuf, Sequence, TxIn, Txid,
        Witness,
    };

    use super::*;

    /// A P2WPKH spend of `n` outputs, signed; `spent` its spent outputs.
    fn spend(n: usize) -> (Transaction, Vec<TxOut>) {
        let secp = Secp256k1::new();
        let key = SecretKey::from_slice(&[5u8; 32]).unwrap();
        let pk = CompressedPublicKey(key.public_key(&secp));
        let spk = ScriptBuf::new_p2wpkh(&pk.wpubkey_hash());
        let spent: Vec<TxOut> = (0..n)
            .map(|i| TxOut {
                value: Amount::from_sat(10_000 + i as u64),
                script_pubkey: spk.clone(),
            })
            .collect();
        let mut tx = Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: (0..n)
                .map(|i| TxIn {
                    previous_output: OutPoint::new(Txid::from_byte_array([1; 32]), i as u32),
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: vec![TxOut {
                value: Amount::from_sat(5_000),
                script_pubkey: spk.clone(),
            }],
        };
        let mut witnesses = Vec::new();
        let mut cache = SighashCache::new(&tx);
        for (i, o) in spent.iter().enumerate() {
            let h = cache
                .p2wpkh_signature_hash(i, &spk, o.value, EcdsaSighashType::All)
                .unwrap();
            let sig = secp.sign_ecdsa(&Message::from_digest(h.to_byte_array()), &key);
            witnesses.push(Witness::p2wpkh(
                &bitcoin::ecdsa::Signature::sighash_all(sig),
                &pk.0,
            ));
        }
        for (input, w) in tx.input.iter_mut().zip(witnesses) {
            input.witness = w;
        }
        (tx, spent)
    }

    /// The shortcut gives the full transaction's verdict, input by input,
    /// on one thread and on several.
    #[test]
    fn every_input_checked_and_a_bad_one_named() {
        for n in [1, 3, 200] {
            let (tx, spent) = spend(n);
            assert_eq!(verify_all_inputs(&tx, &spent), Ok(()), "{n}");
            for bad in [0, n / 2, n - 1] {
                // A wrong amount for one input breaks only its signature.
                let mut wrong = spent.clone();
                wrong[bad].value = Amount::from_sat(1);
                assert!(verify_input(&tx, &wrong, bad).is_err());
                let err = verify_all_inputs(&tx, &wrong).unwrap_err();
                assert_eq!(err.0, bad, "{n} {err:?}");
                // A damaged witness.
                let mut damaged = tx.clone();
                let mut items: Vec<Vec<u8>> = damaged.input[bad].witness.to_vec();
                items[0][10] ^= 1;
                damaged.input[bad].witness = Witness::from_slice(&items);
                assert!(verify_input(&damaged, &spent, bad).is_err());
                assert_eq!(verify_all_inputs(&damaged, &spent).unwrap_err().0, bad);
            }
        }
    }
}
