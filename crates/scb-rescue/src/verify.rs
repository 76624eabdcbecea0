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

/// Checks every input of `tx` as [`verify_input`] does, serialising the
/// transaction and its spent outputs once. Returns the first failing
/// input's index and the interpreter's error name.
pub(crate) fn verify_all_inputs(tx: &Transaction, spent: &[TxOut]) -> Result<(), (usize, String)> {
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
    let bytes = serialize(tx);
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
    for (i, prev) in spent.iter().enumerate() {
        bitcoinconsensus::verify_with_flags(
            prev.script_pubkey.as_bytes(),
            prev.value.to_sat(),
            &bytes,
            Some(&utxos),
            i,
            bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
        )
        .map_err(|e| (i, format!("{e:?}")))?;
    }
    Ok(())
}
