//! Why a sweep was refused.

use bitcoin::{OutPoint, Txid};

use crate::RescueError;

use super::NotSpendable;

/// Why no sweep transaction was produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// No closing transaction was given.
    #[error("no closing transaction given")]
    NoCloseTx,
    /// The fee rate is 0 or above the ceiling.
    #[error("fee rate {rate} sat/vB is out of range: give 1 to {max}", max = super::MAX_FEE_RATE)]
    FeeRate {
        /// The rate given.
        rate: u64,
    },
    /// The destination is not an address, or is one of another network.
    #[error("destination {address:?}: {reason}")]
    Address {
        /// What was given.
        address: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A remote per-commitment point is not a public key.
    #[error(
        "remote commitment point {given:?} is not a compressed public key (66 hex characters)"
    )]
    RemoteCommitPoint {
        /// What was given.
        given: String,
    },
    /// A transaction does not spend the funding output of any channel in the
    /// backup.
    #[error("transaction {txid} is not a closing transaction of any channel in the backup (it spends {spends})")]
    NotACommitment {
        /// The transaction.
        txid: Txid,
        /// What it spends.
        spends: String,
    },
    /// The same transaction was given twice, or two closing transactions of
    /// one channel were given (only one of them can confirm).
    #[error("{what}")]
    NamedTwice {
        /// Which transaction or channel, said in full.
        what: String,
    },
    /// Nothing in the given transactions is ours to spend.
    #[error("nothing in the given transactions can be spent with this seed ({} output(s) not spendable)", not_spendable.len())]
    NothingSpendable {
        /// Every output and why it cannot be spent.
        not_spendable: Vec<NotSpendable>,
    },
    /// The output after the fee would be dust (or nothing).
    #[error("the sweep's output would be {value_sat} sat after a fee of {fee_sat} sat, below the dust limit {dust_sat} sat of the destination: nothing worth sweeping at this fee rate")]
    Dust {
        /// The output value (0 when the fee exceeds the inputs).
        value_sat: u64,
        /// The fee.
        fee_sat: u64,
        /// The destination's dust limit.
        dust_sat: u64,
    },
    /// The fee is more than 5 % of the swept value.
    #[error("a fee of {fee_sat} sat is more than 5 % of the {swept_sat} sat swept: lower the fee rate or pass --allow-high-fee")]
    HighFee {
        /// The fee.
        fee_sat: u64,
        /// The sum of the inputs.
        swept_sat: u64,
    },
    /// A key could not be derived or a channel's data is malformed.
    #[error(transparent)]
    Rescue(#[from] RescueError),
    /// Building a signature hash or a key tweak failed.
    #[error("input {outpoint}: {what}")]
    Signing {
        /// The input.
        outpoint: OutPoint,
        /// What failed.
        what: String,
    },
    /// Bitcoin Core's interpreter rejected an input of the sweep: nothing is
    /// output.
    #[error("bitcoin core's script interpreter rejects the sweep's input {outpoint} ({reason}); nothing is output")]
    Consensus {
        /// The input.
        outpoint: OutPoint,
        /// The interpreter's error code.
        reason: String,
    },
}
