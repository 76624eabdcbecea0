//! From an lnd static channel backup and its seed to coins, without lnd.
//!
//! The normal path: [`trigger_close()`] connects to each channel's peer as our
//! node (BOLT 8) and sends the `channel_reestablish` of a channel restored
//! from a backup, which asks the peer to publish its latest commitment
//! (docs/recovery.md, "Recovery without lnd").
//!
//! The last resort:
//! lnd 0.19+ stores in every single our latest-known commitment transaction
//! and the peer's signature for it (the close-tx inputs). This crate
//! rebuilds the channel's funding output from the seed's keys, signs that
//! commitment (P2WSH 2-of-2 for versions 0–4, MuSig2 key path with lnd's
//! deterministic verification nonce for the taproot versions 5–7), checks it
//! with Bitcoin Core's consensus interpreter before returning it, and
//! classifies its outputs by rebuilding their scripts. It never broadcasts.
//!
//! [`sweep`] then spends what the seed can sign for in published closing
//! transactions (our `to_remote` in the peer's commitment, our `to_local`
//! after the delay, our anchors) with one transaction to one address,
//! checked input by input by the same interpreter (`docs/recovery.md`,
//! section 7).
//!
//! **Danger:** the stored commitment is usually not the latest. Broadcasting
//! a revoked one lets the peer take the whole channel balance. This is the
//! last resort for a peer that is gone for good (`docs/recovery.md`).
//!
//! # Example
//!
//! ```
//! use scb_crypto::{Network, RootKeyRing};
//!
//! // A channel backup written by a real lnd on regtest (a custom channel
//! // whose funding key is tweaked with a tapscript root), and its root key.
//! let tprv = "tprv8ZgxMBicQKsPf1ujkCE39iYKKmdzD4MgdpKb3EtiJrNCnE2K4GFMtL11adjRsCwA6J1jVKndF6GXpMdSpBGev9cczcjyhrSDVVeEXmwtmCt";
//! let ring = RootKeyRing::from_xprv_str(tprv, Network::Regtest)?;
//! let key = scb_crypto::BackupKey::derive(&ring)?;
//! let packed = include_bytes!("../tests/fixtures/custom_channel.single");
//! let single = scb_crypto::unpack_single(packed, &key)?;
//!
//! let signed = scb_rescue::sign_commitment(&single, &ring)?;
//! // Accepted by Bitcoin Core's interpreter against the rebuilt funding output:
//! scb_rescue::verify_input(&signed.tx, &[signed.funding.txout.clone()], 0)?;
//! assert_eq!(signed.commitment_number, 0);
//! for output in &signed.outputs {
//!     println!("{} {} sat {}", output.index, output.value_sat, output.kind.as_str());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod commit_keys;
mod error;
mod force_close;
mod funding;
/// Fuzz-target bodies (feature `fuzzing`; not a stable API).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod nonce;
mod outputs;
pub mod peer;
mod shachain;
mod sweep;
pub mod trigger_close;
mod verify;

pub use commit_keys::{revocation_pubkey, tweak_pubkey};
pub use error::RescueError;
pub use force_close::{obscured_commitment_number, sign_commitment, SignedCommitment};
pub use funding::{funding_output, multisig_script, FundingOutput, FundingScript};
pub use outputs::{ClassifiedOutput, OutputKind};
pub use shachain::{
    lnd_shachain_at, revocation_root, shachain_element, taproot_nonce_root, SHACHAIN_START_INDEX,
};
pub use sweep::{
    destination, parse_remote_commit_point, sweep, NotSpendable, Sweep, SweepError, SweepInput,
    SweepOptions, HIGH_FEE_PERCENT, MAX_FEE_RATE,
};
pub use trigger_close::{
    trigger_close, trigger_close_with_progress, ChannelReport, ChannelTarget, Outcome,
    TriggerCloseOptions,
};
pub use verify::verify_input;
