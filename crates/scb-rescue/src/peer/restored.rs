//! The `channel_reestablish` a restored channel sends: the form that tells
//! the peer we lost our state, so that it publishes its latest commitment.
//!
//! The values are those lnd's restored channel sends (docs/recovery.md,
//! "Asking peers to close"): lnd restores a channel from a backup with no
//! stored commitments (both heights 0) and, for a restored channel, flips
//! the lowest bit of the first byte of the current per-commitment secret
//! before turning it into a point, and for tweakless channels also sends a
//! next commitment number of 0, which no live channel can have. Taproot
//! channels add our next MuSig2 verification nonce, without which an lnd
//! peer stops at "remote verification nonce not sent" and does not close.

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use scb_wire::{Single, SingleVersion};

use super::messages::{ChannelId, ChannelReestablish};
use crate::nonce::lnd_verification_nonce;
use crate::shachain::{lnd_shachain_at, taproot_nonce_root};

/// The `channel_reestablish` lnd's restored channel sends for `single`,
/// given the channel's revocation root ([`crate::revocation_root`]) and our
/// multisig public key.
///
/// Taproot channels (versions 5 to 7) carry lnd's deterministic
/// verification nonce for the commitment number sent (0): TLV 4 for
/// versions 5 and 6, TLV 22 keyed by the funding txid for version 7, as
/// lnd's `ChanSyncMsg` does for a restored channel shell.
pub fn restored_reestablish(
    single: &Single,
    revocation_root: &[u8; 32],
    our_multisig: &PublicKey,
) -> ChannelReestablish {
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
            Err(_) => *secret = sha256::Hash::hash(&secret[..]).to_byte_array(),
        }
    };
    let point = PublicKey::from_secret_key(&secp, &key);
    // Version 0 is the only non-tweakless channel type: it keeps 1.
    let next_commitment_number = u64::from(single.version == SingleVersion::Default);
    // lnd derives the nonce after the restored tweak, at the height it sends
    // (0 for every taproot channel, all being tweakless).
    let nonce = single.version.is_taproot().then(|| {
        lnd_verification_nonce(
            &taproot_nonce_root(revocation_root),
            next_commitment_number,
            our_multisig,
        )
        .public_nonce()
    });
    let (next_local_nonce, next_local_nonces) = match (single.version, nonce) {
        (SingleVersion::SimpleTaprootFinal, Some(nonce)) => {
            (None, Some(vec![(single.funding_outpoint.txid, nonce)]))
        }
        (_, nonce) => (nonce, None),
    };
    ChannelReestablish {
        channel_id: ChannelId::from_funding_outpoint(&single.funding_outpoint),
        next_commitment_number,
        next_revocation_number: 0,
        your_last_per_commitment_secret: [0; 32],
        my_current_per_commitment_point: point,
        next_local_nonce,
        next_local_nonces,
    }
}
