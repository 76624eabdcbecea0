//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use bitcoin::secp256k1::PublicKey;
use bitcoin::OutPoint;

/// The error type node-side and store-side trait implementations return.
///
/// Any error type converts into it with `?` or `.into()`, so an implementer
/// never has to wrap its own errors in ours.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A shared, cloneable error cause kept inside [`SyncError`].
///
/// Shared so that one failed swap can be reported to every caller waiting on
/// it and to the status channel at once.
pub type SharedError = Arc<dyn StdError + Send + Sync + 'static>;

/// Everything that can go wrong in `scb-sync`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The backup store could not load the current channel set.
    #[error("unable to load the channel set from the backup store")]
    StoreLoad {
        /// What the store reported.
        #[source]
        source: SharedError,
    },
    /// The backup store could not persist a channel set durably.
    #[error("unable to persist {channels} channels to the backup store (attempt {attempt})")]
    StorePersist {
        /// How many channels the refused set held.
        channels: usize,
        /// 1 for the first try of this set, then counting retries.
        attempt: u32,
        /// What the store reported.
        #[source]
        source: SharedError,
    },
    /// A rewrite would have dropped channels that were never seen closed
    /// ("no silent shrinking", docs/durability.md#guards); nothing was written.
    #[error("refusing to shrink the backup from {previous} to {next} channels: {} dropped without a close event ({})", .dropped.len(), ShowOutPoints(.dropped))]
    ShrinkRefused {
        /// Channel count of the last durable set.
        previous: usize,
        /// Channel count of the set that was refused.
        next: usize,
        /// The channels that would have disappeared without a close event.
        dropped: Vec<OutPoint>,
    },
    /// The node's channel source failed.
    #[error("the channel source failed")]
    ChannelSource {
        /// What the node reported.
        #[source]
        source: SharedError,
    },
    /// The node's channel source does not know this channel as open.
    #[error("unable to find target channel {outpoint}")]
    ChannelNotFound {
        /// The funding outpoint asked for.
        outpoint: OutPoint,
    },
    /// The node's address source failed for a peer.
    #[error("the address source failed for peer {peer} of channel {outpoint}")]
    AddressSource {
        /// The peer's node key.
        peer: PublicKey,
        /// The channel being backed up.
        outpoint: OutPoint,
        /// What the node reported.
        #[source]
        source: SharedError,
    },
    /// The address source does not know the channel's peer.
    #[error("unable to create chan backup for {outpoint}: node {peer} unknown by address source")]
    PeerUnknown {
        /// The peer's node key.
        peer: PublicKey,
        /// The channel being backed up.
        outpoint: OutPoint,
    },
    /// Subscribing to the node's channel events failed.
    #[error("unable to subscribe to channel events")]
    Subscribe {
        /// What the node reported.
        #[source]
        source: SharedError,
    },
    /// The sub-swapper is not running (never started, shut down, or its task ended).
    #[error("swapper is not running")]
    NotRunning,
    /// Shutdown did not finish within the configured timeout; the task was aborted.
    #[error("swapper shutdown did not finish within {millis} ms; task aborted")]
    ShutdownTimeout {
        /// The timeout that elapsed, in milliseconds.
        millis: u128,
    },
    /// A packed single or multi could not be decrypted or decoded.
    #[error("unable to unpack backup {what}")]
    Unpack {
        /// Which input (e.g. `"multi"` or `"single 3"`).
        what: String,
        /// What scb-crypto reported.
        #[source]
        source: SharedError,
    },
}

/// Displays a list of outpoints compactly, at most eight then a count.
struct ShowOutPoints<'a>(&'a [OutPoint]);

impl fmt::Display for ShowOutPoints<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        for (i, op) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{op}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, " and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// Turns a boxed error into the shared form stored in [`SyncError`].
pub(crate) fn share(err: BoxError) -> SharedError {
    Arc::from(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use bitcoin::Txid;

    fn op(i: u8) -> OutPoint {
        OutPoint {
            txid: Txid::from_byte_array([i; 32]),
            vout: u32::from(i),
        }
    }

    #[test]
    fn shrink_refused_display_is_one_lower_case_line_listing_channels() {
        let err = SyncError::ShrinkRefused {
            previous: 2,
            next: 0,
            dropped: vec![op(1), op(2)],
        };
        let text = err.to_string();
        assert!(!text.contains('\n'));
        assert!(text.starts_with("refusing to shrink the backup from 2 to 0 channels"));
        assert!(text.contains(&op(1).to_string()));
        assert!(text.contains(&op(2).to_string()));
    }

    #[test]
    fn shrink_refused_display_truncates_long_lists() {
        let dropped: Vec<OutPoint> = (0..20).map(op).collect();
        let err = SyncError::ShrinkRefused {
            previous: 20,
            next: 0,
            dropped,
        };
        let text = err.to_string();
        assert!(text.ends_with("and 12 more)"), "{text}");
    }

    #[test]
    fn store_errors_keep_their_source() {
        let source: BoxError = "disk full".into();
        let err = SyncError::StorePersist {
            channels: 3,
            attempt: 2,
            source: share(source),
        };
        // The cause is said once, as the source, not repeated in the message.
        assert_eq!(
            err.to_string(),
            "unable to persist 3 channels to the backup store (attempt 2)"
        );
        assert_eq!(
            StdError::source(&err).map(ToString::to_string).as_deref(),
            Some("disk full")
        );
    }
}
