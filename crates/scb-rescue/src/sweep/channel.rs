//! Matching each closing transaction to the channel whose funding outpoint
//! it spends.

use std::collections::{HashMap, HashSet};

use bitcoin::secp256k1::Secp256k1;
use bitcoin::{OutPoint, Transaction};
use scb_crypto::RootKeyRing;
use scb_wire::Single;

use super::commitment::find_in;
use super::keys::ChannelKeys;
use super::spend::Candidate;
use super::{NotSpendable, SweepError, SweepOptions};

/// What was found in the closing transactions.
pub(super) struct Found {
    pub(super) candidates: Vec<Candidate>,
    pub(super) not_spendable: Vec<NotSpendable>,
}

pub(super) fn find(
    singles: &[Single],
    ring: &RootKeyRing,
    close_txs: &[Transaction],
    options: &SweepOptions,
) -> Result<Found, SweepError> {
    if close_txs.is_empty() {
        return Err(SweepError::NoCloseTx);
    }
    let by_funding: HashMap<OutPoint, &Single> =
        singles.iter().map(|s| (s.funding_outpoint, s)).collect();
    let secp = Secp256k1::new();
    let mut seen_txids = HashSet::new();
    let mut seen_channels = HashMap::new();
    let mut found = Found {
        candidates: Vec::new(),
        not_spendable: Vec::new(),
    };
    for tx in close_txs {
        let txid = tx.compute_txid();
        if !seen_txids.insert(txid) {
            return Err(SweepError::NamedTwice {
                what: format!("transaction {txid} is given twice"),
            });
        }
        let single = match tx.input.as_slice() {
            [input] => by_funding.get(&input.previous_output).copied(),
            _ => None,
        }
        .ok_or_else(|| SweepError::NotACommitment {
            txid,
            spends: match tx.input.as_slice() {
                [input] => input.previous_output.to_string(),
                inputs => format!(
                    "{} inputs (a closing transaction has exactly one)",
                    inputs.len()
                ),
            },
        })?;
        if let Some(other) = seen_channels.insert(single.funding_outpoint, txid) {
            return Err(SweepError::NamedTwice {
                what: format!(
                    "transactions {other} and {txid} both close channel {}: only one of them can confirm",
                    single.funding_outpoint
                ),
            });
        }
        let keys = ChannelKeys::new(single, ring)?;
        find_in(&secp, single, &keys, tx, options, &mut found)?;
    }
    Ok(found)
}
