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
