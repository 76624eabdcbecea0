//! Why a channel could not be rescued.

use bitcoin::OutPoint;

/// Why a commitment could not be signed, classified or checked.
///
/// Every variant names the channel by its funding outpoint, so a report of
/// many channels says which one failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RescueError {
    /// The single carries no close-tx inputs (lnd before 0.19 did not write
    /// them): there is no commitment to sign.
    #[error("channel {channel}: the backup carries no close-tx inputs (written by lnd before 0.19), so there is no commitment to sign")]
    NoCloseTxInputs {
        /// The channel's funding outpoint.
        channel: OutPoint,
    },
    /// A taproot single whose shachain root carries a public key (the legacy
    /// scheme): taproot channels always derive their nonces by ECDH.
    #[error("channel {channel}: taproot channel with a legacy shachain root (a stored public key): lnd derives taproot nonces only from an ECDH root, refusing to sign")]
    TaprootLegacyShachain {
        /// The channel's funding outpoint.
        channel: OutPoint,
    },
    /// The stored commitment does not spend the channel's funding outpoint.
    #[error(
        "channel {channel}: the stored commitment spends {spends} instead of the funding outpoint"
    )]
    WrongFundingInput {
        /// The channel's funding outpoint.
        channel: OutPoint,
        /// What the commitment's input spends, or a description when it
        /// does not have exactly one input.
        spends: String,
    },
    /// The peer's signature does not verify for a funding output holding
    /// our derived multisig key: the seed (or network) is not this
    /// channel's, or the backup is damaged.
    #[error("channel {channel}: our derived multisig key {our_key} (key family {family}, index {index}) is not in the funding script the peer signed: wrong seed or network, or a damaged backup")]
    WrongKey {
        /// The channel's funding outpoint.
        channel: OutPoint,
        /// The multisig public key derived from the seed.
        our_key: bitcoin::secp256k1::PublicKey,
        /// Its key family.
        family: u32,
        /// Its index.
        index: u32,
    },
    /// The close-tx inputs are malformed (a signature of the wrong size, a
    /// missing commit height, a capacity out of range).
    #[error("channel {channel}: {what}")]
    Malformed {
        /// The channel's funding outpoint.
        channel: OutPoint,
        /// What is wrong.
        what: String,
    },
    /// A key could not be derived.
    #[error("channel {channel}: key derivation failed")]
    Key {
        /// The channel's funding outpoint.
        channel: OutPoint,
        /// The key ring's error.
        #[source]
        source: scb_crypto::KeyError,
    },
    /// MuSig2 key aggregation, nonce handling or signing failed.
    #[error("channel {channel}: musig2 {step} failed: {reason}")]
    Musig2 {
        /// The channel's funding outpoint.
        channel: OutPoint,
        /// Which step.
        step: &'static str,
        /// The library's reason.
        reason: String,
    },
    /// Bitcoin Core's interpreter rejected the signed commitment: it is not
    /// returned.
    #[error("channel {channel}: bitcoin core's script interpreter rejects the signed commitment against the funding output ({reason}); nothing is output")]
    Consensus {
        /// The channel's funding outpoint.
        channel: OutPoint,
        /// The interpreter's error code.
        reason: String,
    },
}
