//! Sweeping what the seed can spend from published closing transactions
//! (see `docs/recovery.md`, "Peer force-closed: sweep my to_remote" and
//! "I force-closed: sweep my to_local after the delay").
//!
//! Each closing transaction is matched to its channel by the funding
//! outpoint it spends, its state number is read from its locktime and
//! sequence (BOLT 3), and every output is compared with the scripts rebuilt
//! from the seed's keys for both commitments of that state: ours (its
//! `to_local` after `csv_delay`, our anchor) and the peer's (its `to_remote`
//! paying us, our anchor). What matches is spent by one transaction to one
//! address, its fee computed on the exact signed weight and every input
//! checked by Bitcoin Core's interpreter; what does not is reported with
//! the reason. Nothing is guessed from amounts and nothing is broadcast.

mod channel;
mod commitment;
mod error;
mod keys;
mod sign;
mod spend;
#[cfg(test)]
mod tests;

use bitcoin::secp256k1::PublicKey;
use bitcoin::{Address, OutPoint, ScriptBuf, Transaction};
use scb_crypto::RootKeyRing;
use scb_wire::Single;

pub use error::SweepError;
pub use sign::Sweep;

use crate::OutputKind;
use channel::find;
use spend::{Candidate, Spend};

/// The highest fee rate accepted, in sat/vB.
pub const MAX_FEE_RATE: u64 = 10_000;

/// A fee above this share of the swept value (in percent) is refused
/// unless allowed.
pub const HIGH_FEE_PERCENT: u64 = 5;

/// What to sweep to, and how.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The destination's output script.
    pub to: ScriptBuf,
    /// Fee rate in sat/vB (1 to [`MAX_FEE_RATE`]).
    pub fee_rate_sat_per_vb: u64,
    /// Also spend our 330-sat anchor outputs.
    pub include_anchors: bool,
    /// Allow a fee above [`HIGH_FEE_PERCENT`] % of the swept value.
    pub allow_high_fee: bool,
    /// The peer's per-commitment points of version-0 channels' commitments
    /// (their `to_remote` key is tweaked with it); each is tried.
    pub remote_commit_points: Vec<PublicKey>,
    /// The block height at which the closing transactions confirmed, to
    /// state the earliest block each input can be spent in.
    pub close_height: Option<u32>,
}

/// One output the sweep spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepInput {
    /// The output spent.
    pub outpoint: OutPoint,
    /// The channel (funding outpoint) whose commitment holds it.
    pub channel: OutPoint,
    /// What it is, named from the commitment owner's view: `to_local` or
    /// `local_anchor` of our commitment, `to_remote` or `remote_anchor` of
    /// the peer's.
    pub kind: OutputKind,
    /// Its value.
    pub value_sat: u64,
    /// Its output script.
    pub script_pubkey: ScriptBuf,
    /// The relative lock in blocks (the input's nSequence): `csv_delay` of
    /// a `to_local`, 1 for an anchor-type or taproot `to_remote`.
    pub csv_delay: Option<u16>,
    /// The absolute lock (a script-enforced lease's expiry height) the
    /// output carries, if any.
    pub cltv_expiry: Option<u32>,
    /// The first block the sweep can be mined in for this input, when the
    /// closing transaction's height was given.
    pub earliest_height: Option<u32>,
}

/// An output of a given closing transaction the seed cannot spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSpendable {
    /// The output.
    pub outpoint: OutPoint,
    /// Why, in one line.
    pub reason: String,
}

/// A destination address checked against the network.
pub fn destination(address: &str, network: scb_crypto::Network) -> Result<Address, SweepError> {
    let err = |reason: String| SweepError::Address {
        address: address.to_owned(),
        reason,
    };
    let net = match network {
        scb_crypto::Network::Mainnet => bitcoin::Network::Bitcoin,
        scb_crypto::Network::Testnet => bitcoin::Network::Testnet,
        scb_crypto::Network::Testnet4 => bitcoin::Network::Testnet4,
        scb_crypto::Network::Signet => bitcoin::Network::Signet,
        scb_crypto::Network::Regtest => bitcoin::Network::Regtest,
        scb_crypto::Network::Simnet => {
            return Err(err("simnet addresses are not supported".into()))
        }
    };
    address
        .trim()
        .parse::<Address<bitcoin::address::NetworkUnchecked>>()
        .map_err(|e| err(format!("not a bitcoin address: {e}")))?
        .require_network(net)
        .map_err(|_| err(format!("not an address of {network}")))
}

/// Parses a `--remote-commit-point` (a compressed public key in hex).
pub fn parse_remote_commit_point(given: &str) -> Result<PublicKey, SweepError> {
    given
        .trim()
        .parse()
        .map_err(|_| SweepError::RemoteCommitPoint {
            given: given.to_owned(),
        })
}

/// Builds, signs and checks the sweep of every output of `close_txs` the
/// seed behind `ring` can spend, for channels of `singles`.
///
/// Refuses (with nothing signed) a fee rate out of range, a transaction
/// that is not a closing transaction of a channel in `singles`, the same
/// transaction or channel twice, nothing spendable, a dust output and
/// (unless allowed) a fee above 5 % of the swept value. Every input is
/// accepted by Bitcoin Core's interpreter before the sweep is returned.
pub fn sweep(
    singles: &[Single],
    ring: &RootKeyRing,
    close_txs: &[Transaction],
    options: &SweepOptions,
) -> Result<Sweep, SweepError> {
    if options.fee_rate_sat_per_vb == 0 || options.fee_rate_sat_per_vb > MAX_FEE_RATE {
        return Err(SweepError::FeeRate {
            rate: options.fee_rate_sat_per_vb,
        });
    }
    let found = find(singles, ring, close_txs, options)?;
    if found.candidates.is_empty() {
        return Err(SweepError::NothingSpendable {
            not_spendable: found.not_spendable,
        });
    }
    sign::build(found.candidates, found.not_spendable, options)
}
