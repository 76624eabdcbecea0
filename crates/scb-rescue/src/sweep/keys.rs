//! The seed's keys of one channel and the BOLT 3 tweaks that turn them
//! into the keys that sign a sweep's inputs.

use std::cell::OnceCell;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey, Verification};
use scb_crypto::{DerivedPrivateKey, RootKeyRing};
use scb_wire::Single;
use zeroize::Zeroizing;

use crate::commit_keys::tweak_pubkey;
use crate::shachain::revocation_root;
use crate::RescueError;

/// A secret key erased on drop, never printed.
pub(super) struct SigningKey(pub(super) SecretKey);

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.0.non_secure_erase();
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// The keys of one channel, each derived once and only when needed (a
/// derivation is most of the cost of finding a channel's outputs).
pub(super) struct ChannelKeys<'a> {
    single: &'a Single,
    ring: &'a RootKeyRing,
    pub(super) payment: DerivedPrivateKey,
    multisig: OnceCell<DerivedPrivateKey>,
    pub(super) delay: OnceCell<DerivedPrivateKey>,
    /// The revocation root, or why it could not be found.
    rev_root: OnceCell<Result<Zeroizing<[u8; 32]>, String>>,
}

impl<'a> ChannelKeys<'a> {
    pub(super) fn new(single: &'a Single, ring: &'a RootKeyRing) -> Result<Self, RescueError> {
        Ok(ChannelKeys {
            single,
            ring,
            payment: Self::derive(single, ring, single.local_chan_cfg.payment_base_point)?,
            multisig: OnceCell::new(),
            delay: OnceCell::new(),
            rev_root: OnceCell::new(),
        })
    }

    fn derive(
        single: &Single,
        ring: &RootKeyRing,
        loc: scb_wire::KeyLocator,
    ) -> Result<DerivedPrivateKey, RescueError> {
        ring.derive_private_key(loc)
            .map_err(|source| RescueError::Key {
                channel: single.funding_outpoint,
                source,
            })
    }

    fn lazy<'c>(
        &self,
        cell: &'c OnceCell<DerivedPrivateKey>,
        loc: scb_wire::KeyLocator,
    ) -> Result<&'c DerivedPrivateKey, RescueError> {
        if let Some(key) = cell.get() {
            return Ok(key);
        }
        let key = Self::derive(self.single, self.ring, loc)?;
        Ok(cell.get_or_init(|| key))
    }

    pub(super) fn multisig(&self) -> Result<&DerivedPrivateKey, RescueError> {
        self.lazy(&self.multisig, self.single.local_chan_cfg.multisig_key)
    }

    pub(super) fn delay(&self) -> Result<&DerivedPrivateKey, RescueError> {
        self.lazy(&self.delay, self.single.local_chan_cfg.delay_base_point)
    }

    pub(super) fn rev_root(&self) -> Result<&Result<Zeroizing<[u8; 32]>, String>, RescueError> {
        if let Some(root) = self.rev_root.get() {
            return Ok(root);
        }
        let multisig = self.multisig()?.public_key();
        let root = revocation_root(self.single, self.ring, &multisig).map_err(|e| e.to_string());
        Ok(self.rev_root.get_or_init(|| root))
    }
}

/// `secret + SHA256(point || basepoint)`: the private key of a BOLT 3
/// tweaked key (`localpubkey`, `delayedpubkey`).
pub(super) fn tweak_secret<C: bitcoin::secp256k1::Signing + Verification>(
    secp: &Secp256k1<C>,
    secret: &SecretKey,
    per_commitment_point: &PublicKey,
) -> Option<SigningKey> {
    let base = PublicKey::from_secret_key(secp, secret);
    let tweaked = tweak_pubkey(secp, &base, per_commitment_point)?;
    let t = crate::commit_keys::tweak_scalar(per_commitment_point, &base)?;
    let key = secret.add_tweak(&t).ok()?;
    (PublicKey::from_secret_key(secp, &key) == tweaked).then_some(SigningKey(key))
}

pub(super) fn copy_key(k: &DerivedPrivateKey) -> SigningKey {
    SigningKey(*k.secret_key())
}
