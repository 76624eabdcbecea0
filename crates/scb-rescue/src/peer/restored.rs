//! The `channel_reestablish` a restored channel sends: the form that tells
//! the peer we lost our state, so that it publishes its latest commitment.
//!
//! The values are those lnd's restored channel sends (docs/recovery.md,
//! "Asking peers to close"): lnd restores a channel from a backup with no
//! stored commitments (both heights 0) and, for a restored channel, flips
//! the lowest bit of the first byte of the current per-commitment secret
//! before turning it into a point, and for tweakless channels also sends a
//! next commitment number of 0, which no live channel can have.

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use scb_wire::{Single, SingleVersion};
use sha2::{Digest, Sha256};

use super::messages::{ChannelId, ChannelReestablish};
use crate::shachain::lnd_shachain_at;

/// The `channel_reestablish` lnd's restored channel sends for `single`,
/// given the channel's revocation root ([`crate::revocation_root`]).
///
/// Taproot channels (versions 5 to 7): lnd also attaches a MuSig2 nonce
/// TLV; scb does not, so such a peer may answer with an `error` rather than
/// close (docs/recovery.md says so).
pub fn restored_reestablish(single: &Single, revocation_root: &[u8; 32]) -> ChannelReestablish {
    // Our local commitment height is 0 in a restored channel.
    let mut secret = lnd_shachain_at(revocation_root, 0);
    secret[0] ^= 1;
    let secp = Secp256k1::signing_only();
    // A SHA-256 output is a valid secret key except with probability about
    // 2^-128 (zero or above the group order); then hashing again gives a
    // point the peer cannot use either, which is all this point is for.
    let key = loop {
        match SecretKey::from_slice(secret.as_ref()) {
            Ok(key) => break key,
            Err(_) => *secret = Sha256::digest(*secret).into(),
        }
    };
    let point = PublicKey::from_secret_key(&secp, &key);
    // Version 0 is the only non-tweakless channel type: it keeps 1.
    let next_commitment_number = u64::from(single.version == SingleVersion::Default);
    ChannelReestablish {
        channel_id: ChannelId::from_funding_outpoint(&single.funding_outpoint),
        next_commitment_number,
        next_revocation_number: 0,
        your_last_per_commitment_secret: [0; 32],
        my_current_per_commitment_point: point,
    }
}
