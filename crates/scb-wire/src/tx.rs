//! The embedded commitment transaction, read and written with btcd `wire/v2`
//! rules (lnd stores it with `MsgTx.Serialize` and reads it with
//! `MsgTx.Deserialize`).
//!
//! Differences from rust-bitcoin's consensus codec that matter here:
//! - btcd writes the segwit marker only when some input has a witness, even
//!   for a transaction with no inputs (rust-bitcoin always marks those); such
//!   a transaction cannot be read back (docs/format.md#zero-input-commitment),
//!   so [`write_tx`] refuses it.
//! - btcd rejects a segwit marker when every witness is empty, and caps input,
//!   output and witness counts and script sizes before reading them.

use alloc::vec::Vec;

use bitcoin::absolute::LockTime;
use bitcoin::hashes::Hash;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};

use crate::error::{DecodeError, EncodeError, TxError};
use crate::reader::Reader;

/// btcd's `MaxMessagePayload` (32 MiB).
const MAX_MESSAGE_PAYLOAD: u64 = 32 * 1024 * 1024;
/// btcd's `maxTxInPerMessage`: payload / minimum input size (41) + 1.
pub(crate) const MAX_TX_IN: u64 = MAX_MESSAGE_PAYLOAD / 41 + 1;
/// btcd's `maxTxOutPerMessage`: payload / minimum output size (9) + 1.
pub(crate) const MAX_TX_OUT: u64 = MAX_MESSAGE_PAYLOAD / 9 + 1;
/// btcd's `maxWitnessItemsPerInput`.
pub(crate) const MAX_WITNESS_ITEMS: u64 = 4_000_000;
/// btcd's `maxWitnessItemSize`, applied to every script and witness item.
pub(crate) const MAX_SCRIPT_SIZE: u64 = 4_000_000;
/// btcd's script slab: all scripts and witness items of one transaction together.
pub(crate) const SCRIPT_BUDGET: u64 = 1 << 22;

fn bad(field: &'static str, offset: usize, reason: TxError) -> DecodeError {
    DecodeError::BadTransaction {
        field,
        offset,
        reason,
    }
}

/// Reads a canonical Bitcoin varint.
fn read_varint(r: &mut Reader<'_>, field: &'static str) -> Result<u64, DecodeError> {
    let offset = r.offset();
    let d = r.u8(field)?;
    let (value, min) = match d {
        0xfd => (u64::from(u16::from_le_bytes(r.array(field)?)), 0xfd),
        0xfe => (u64::from(r.u32_le(field)?), 0x1_0000),
        0xff => (r.u64_le(field)?, 0x1_0000_0000),
        _ => return Ok(u64::from(d)),
    };
    if value < min {
        return Err(bad(
            field,
            offset,
            TxError::NonCanonicalVarInt {
                value,
                discriminant: d,
            },
        ));
    }
    Ok(value)
}

/// Reads a script or witness item, enforcing btcd's size limits.
fn read_script<'a>(
    r: &mut Reader<'a>,
    field: &'static str,
    budget: &mut u64,
) -> Result<&'a [u8], DecodeError> {
    let offset = r.offset();
    let count = read_varint(r, field)?;
    if count > MAX_SCRIPT_SIZE {
        return Err(bad(field, offset, TxError::ScriptTooLarge(count)));
    }
    if count > *budget {
        return Err(bad(
            field,
            offset,
            TxError::ScriptsTooLarge {
                count,
                remaining: *budget,
            },
        ));
    }
    *budget -= count;
    // count <= 4_000_000, so it fits in usize on every supported target.
    r.take(count as usize, field)
}

/// Reads one transaction as btcd's `MsgTx.Deserialize` does.
pub(crate) fn read_tx(r: &mut Reader<'_>) -> Result<Transaction, DecodeError> {
    let version = i32::from_le_bytes(r.array("commit tx version")?);
    let count_offset = r.offset();
    let mut count = read_varint(r, "commit tx input count")?;
    let mut segwit = false;
    if count == 0 {
        // btcd takes a zero input count as the segwit marker, always.
        let flag_offset = r.offset();
        let flag = r.u8("commit tx segwit flag")?;
        if flag != 0x01 {
            return Err(bad(
                "commit tx segwit flag",
                flag_offset,
                TxError::BadWitnessFlag(flag),
            ));
        }
        segwit = true;
        count = read_varint(r, "commit tx input count")?;
    }
    if count > MAX_TX_IN {
        return Err(bad(
            "commit tx input count",
            count_offset,
            TxError::TooManyInputs(count),
        ));
    }
    let mut budget = SCRIPT_BUDGET;
    // Never allocate from the count: each input takes at least 41 bytes.
    let mut input = Vec::with_capacity((count as usize).min(r.remaining() / 41));
    for _ in 0..count {
        let txid: [u8; 32] = r.array("commit tx input outpoint")?;
        let vout = r.u32_le("commit tx input outpoint")?;
        let script = read_script(r, "commit tx input script", &mut budget)?;
        let sequence = r.u32_le("commit tx input sequence")?;
        input.push(TxIn {
            previous_output: OutPoint {
                txid: Txid::from_byte_array(txid),
                vout,
            },
            script_sig: ScriptBuf::from_bytes(script.to_vec()),
            sequence: Sequence(sequence),
            witness: Witness::new(),
        });
    }
    let out_offset = r.offset();
    let count = read_varint(r, "commit tx output count")?;
    if count > MAX_TX_OUT {
        return Err(bad(
            "commit tx output count",
            out_offset,
            TxError::TooManyOutputs(count),
        ));
    }
    let mut output = Vec::with_capacity((count as usize).min(r.remaining() / 9));
    for _ in 0..count {
        // btcd's value is an int64; rust-bitcoin's Amount keeps the same 64 bits.
        let value = r.u64_le("commit tx output value")?;
        let script = read_script(r, "commit tx output script", &mut budget)?;
        output.push(TxOut {
            value: Amount::from_sat(value),
            script_pubkey: ScriptBuf::from_bytes(script.to_vec()),
        });
    }
    if segwit {
        let witness_offset = r.offset();
        let mut any = false;
        for txin in &mut input {
            let items_offset = r.offset();
            let items = read_varint(r, "commit tx witness item count")?;
            if items > MAX_WITNESS_ITEMS {
                return Err(bad(
                    "commit tx witness item count",
                    items_offset,
                    TxError::TooManyWitnessItems(items),
                ));
            }
            let mut stack = Vec::with_capacity((items as usize).min(r.remaining()));
            for _ in 0..items {
                stack.push(read_script(r, "commit tx witness item", &mut budget)?);
            }
            any |= !stack.is_empty();
            txin.witness = Witness::from_slice(&stack);
        }
        if !any {
            return Err(bad(
                "commit tx witness",
                witness_offset,
                TxError::SuperfluousWitness,
            ));
        }
    }
    let lock_time = r.u32_le("commit tx lock time")?;
    Ok(Transaction {
        version: Version(version),
        lock_time: LockTime::from_consensus(lock_time),
        input,
        output,
    })
}

fn put_varint(out: &mut Vec<u8>, v: u64) {
    match v {
        0..=0xfc => out.push(v as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(v as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn varint_len(v: usize) -> usize {
    match v {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

fn bytes_len(b: &[u8]) -> usize {
    varint_len(b.len()) + b.len()
}

/// The number of bytes [`write_tx`] appends (when it succeeds).
pub(crate) fn encoded_tx_len(tx: &Transaction) -> usize {
    let segwit = tx.input.iter().any(|i| !i.witness.is_empty());
    let inputs: usize = tx
        .input
        .iter()
        .map(|i| 32 + 4 + bytes_len(i.script_sig.as_bytes()) + 4)
        .sum();
    let outputs: usize = tx
        .output
        .iter()
        .map(|o| 8 + bytes_len(o.script_pubkey.as_bytes()))
        .sum();
    let witnesses: usize = if segwit {
        tx.input
            .iter()
            .map(|i| varint_len(i.witness.len()) + i.witness.iter().map(bytes_len).sum::<usize>())
            .sum()
    } else {
        0
    };
    let marker = if segwit { 2 } else { 0 };
    4 + marker
        + varint_len(tx.input.len())
        + inputs
        + varint_len(tx.output.len())
        + outputs
        + witnesses
        + 4
}

/// Writes a transaction as btcd's `MsgTx.Serialize` does (segwit form only
/// when some input has a witness). A transaction with no inputs is refused:
/// lnd writes it, but no btcd-rules reader can read it back (docs/format.md#zero-input-commitment).
pub(crate) fn write_tx(tx: &Transaction, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if tx.input.is_empty() {
        return Err(EncodeError::CommitTxWithoutInputs);
    }
    out.extend_from_slice(&tx.version.0.to_le_bytes());
    let segwit = tx.input.iter().any(|i| !i.witness.is_empty());
    if segwit {
        out.extend_from_slice(&[0x00, 0x01]);
    }
    put_varint(out, tx.input.len() as u64);
    for i in &tx.input {
        out.extend_from_slice(i.previous_output.txid.as_byte_array());
        out.extend_from_slice(&i.previous_output.vout.to_le_bytes());
        put_bytes(out, i.script_sig.as_bytes());
        out.extend_from_slice(&i.sequence.0.to_le_bytes());
    }
    put_varint(out, tx.output.len() as u64);
    for o in &tx.output {
        out.extend_from_slice(&o.value.to_sat().to_le_bytes());
        put_bytes(out, o.script_pubkey.as_bytes());
    }
    if segwit {
        for i in &tx.input {
            put_varint(out, i.witness.len() as u64);
            for item in &i.witness {
                put_bytes(out, item);
            }
        }
    }
    out.extend_from_slice(&tx.lock_time.to_consensus_u32().to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<Transaction, DecodeError> {
        read_tx(&mut Reader::new(bytes))
    }

    fn reason(e: DecodeError) -> TxError {
        match e {
            DecodeError::BadTransaction { reason, .. } => reason,
            other => panic!("not a transaction error: {other:?}"),
        }
    }

    /// version 2, one input with empty script, one output with a 1-byte script.
    fn plain_tx() -> Vec<u8> {
        let mut v = vec![2, 0, 0, 0, 1];
        v.extend_from_slice(&[0xaa; 32]);
        v.extend_from_slice(&[1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1]);
        v.extend_from_slice(&[0xe8, 3, 0, 0, 0, 0, 0, 0, 1, 0x51]);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    #[test]
    fn plain_tx_round_trips() {
        let bytes = plain_tx();
        let tx = read(&bytes).unwrap();
        assert_eq!(tx.input.len(), 1);
        assert_eq!(tx.output[0].value.to_sat(), 1000);
        let mut out = Vec::new();
        write_tx(&tx, &mut out).unwrap();
        assert_eq!(out, bytes);
        assert_eq!(encoded_tx_len(&tx), bytes.len());
    }

    #[test]
    fn encoded_len_counts_multi_byte_varints() {
        let mut tx = read(&plain_tx()).unwrap();
        for (script, items) in [(0xfc, 1), (0xfd, 0xfc), (0x1_0000, 0xfd)] {
            tx.output[0].script_pubkey = bitcoin::ScriptBuf::from(vec![0x51; script]);
            tx.input[0].witness = bitcoin::Witness::from_slice(&vec![vec![1u8]; items]);
            let mut out = Vec::new();
            write_tx(&tx, &mut out).unwrap();
            assert_eq!(
                encoded_tx_len(&tx),
                out.len(),
                "script {script}, {items} items"
            );
        }
    }

    #[test]
    fn read_rejects_non_canonical_varint() {
        let mut bytes = plain_tx();
        bytes.splice(4..5, [0xfd, 1, 0]);
        let e = read(&bytes).unwrap_err();
        assert_eq!(e.offset(), 4);
        assert_eq!(
            reason(e),
            TxError::NonCanonicalVarInt {
                value: 1,
                discriminant: 0xfd
            }
        );
        for (d, extra) in [(0xfeu8, 4usize), (0xff, 8)] {
            let mut b = vec![2, 0, 0, 0, d];
            b.resize(b.len() + extra, 0);
            b[5] = 1;
            assert!(matches!(
                reason(read(&b).unwrap_err()),
                TxError::NonCanonicalVarInt { value: 1, .. }
            ));
        }
    }

    #[test]
    fn read_rejects_segwit_marker_with_bad_flag() {
        let e = read(&[2, 0, 0, 0, 0, 2, 1]).unwrap_err();
        assert_eq!(reason(e), TxError::BadWitnessFlag(2));
    }

    #[test]
    fn read_rejects_witness_flag_without_witness() {
        let mut bytes = plain_tx();
        bytes.splice(4..4, [0, 1]);
        let lock = bytes.len() - 4;
        bytes.insert(lock, 0); // empty witness stack for the one input
        assert_eq!(
            reason(read(&bytes).unwrap_err()),
            TxError::SuperfluousWitness
        );
    }

    #[test]
    fn witness_tx_round_trips() {
        let mut bytes = plain_tx();
        bytes.splice(4..4, [0, 1]);
        let lock = bytes.len() - 4;
        bytes.splice(lock..lock, [2, 1, 0xab, 0]);
        let tx = read(&bytes).unwrap();
        assert_eq!(tx.input[0].witness.len(), 2);
        let mut out = Vec::new();
        write_tx(&tx, &mut out).unwrap();
        assert_eq!(out, bytes);
        assert_eq!(encoded_tx_len(&tx), bytes.len());
    }

    #[test]
    fn read_rejects_counts_above_btcd_limits_before_allocating() {
        let mut b = vec![2, 0, 0, 0, 0xfe];
        b.extend_from_slice(&((MAX_TX_IN + 1) as u32).to_le_bytes());
        assert_eq!(
            reason(read(&b).unwrap_err()),
            TxError::TooManyInputs(MAX_TX_IN + 1)
        );
        // Exactly at the limit: not refused for the count, only for lack of bytes.
        let mut b = vec![2, 0, 0, 0, 0xfe];
        b.extend_from_slice(&(MAX_TX_IN as u32).to_le_bytes());
        assert!(matches!(
            read(&b).unwrap_err(),
            DecodeError::UnexpectedEof { .. }
        ));
        let mut b = vec![2, 0, 0, 0, 0, 1, 0, 0xfe]; // marker, flag, 0 inputs
        b.extend_from_slice(&((MAX_TX_OUT + 1) as u32).to_le_bytes());
        assert_eq!(
            reason(read(&b).unwrap_err()),
            TxError::TooManyOutputs(MAX_TX_OUT + 1)
        );
        assert_eq!(MAX_TX_IN, 818_401);
        assert_eq!(MAX_TX_OUT, 3_728_271);
    }

    #[test]
    fn read_rejects_too_many_witness_items() {
        let mut bytes = plain_tx();
        bytes.splice(4..4, [0, 1]);
        let lock = bytes.len() - 4;
        bytes.truncate(lock);
        bytes.push(0xfe);
        bytes.extend_from_slice(&4_000_001u32.to_le_bytes());
        assert_eq!(
            reason(read(&bytes).unwrap_err()),
            TxError::TooManyWitnessItems(4_000_001)
        );
    }

    #[test]
    fn read_rejects_oversized_scripts() {
        let mut b = vec![2, 0, 0, 0, 1];
        b.extend_from_slice(&[0; 36]);
        b.push(0xfe);
        b.extend_from_slice(&4_000_001u32.to_le_bytes());
        assert_eq!(
            reason(read(&b).unwrap_err()),
            TxError::ScriptTooLarge(4_000_001)
        );
    }

    #[test]
    fn read_rejects_scripts_beyond_the_4_mib_budget() {
        // Two inputs with 3,000,000-byte scripts: each fits alone, not together.
        let mut b = vec![2, 0, 0, 0, 2];
        for _ in 0..2 {
            b.extend_from_slice(&[0; 36]);
            b.push(0xfe);
            b.extend_from_slice(&3_000_000u32.to_le_bytes());
            b.resize(b.len() + 3_000_000, 0);
            b.extend_from_slice(&[0; 4]);
        }
        assert!(matches!(
            reason(read(&b).unwrap_err()),
            TxError::ScriptsTooLarge {
                count: 3_000_000,
                ..
            }
        ));
    }

    #[test]
    fn write_refuses_tx_without_inputs() {
        let tx = Transaction {
            version: Version(2),
            lock_time: LockTime::ZERO,
            input: vec![],
            output: vec![],
        };
        assert_eq!(
            write_tx(&tx, &mut Vec::new()),
            Err(EncodeError::CommitTxWithoutInputs)
        );
    }
}
