//! The "no silent shrinking" guard: a rewrite may drop a stored channel only
//! when the node said it closed (or it was pruned on explicit request).

use std::collections::{BTreeMap, HashSet};

use bitcoin::OutPoint;
use scb_wire::Single;

use crate::{ShrinkPolicy, SyncError};

/// Checks the "no silent shrinking" guard (docs/durability.md#guards).
///
/// A channel of `previous` missing from `next` is fine if it was seen closed
/// through an event, or (when pruned at start-up on explicit request) listed
/// in `allowed`, except that pruning down to zero channels is refused too.
/// [`ShrinkPolicy::Allow`] disables the guard.
pub(crate) fn check_shrink(
    previous: &HashSet<OutPoint>,
    next: &BTreeMap<OutPoint, Single>,
    closed_seen: &HashSet<OutPoint>,
    allowed: &HashSet<OutPoint>,
    policy: ShrinkPolicy,
) -> Result<(), SyncError> {
    if policy == ShrinkPolicy::Allow {
        return Ok(());
    }
    let mut dropped: Vec<OutPoint> = previous
        .iter()
        .filter(|op| !next.contains_key(op) && !closed_seen.contains(op))
        .copied()
        .collect();
    let to_zero = next.is_empty() && !dropped.is_empty();
    if !to_zero {
        dropped.retain(|op| !allowed.contains(op));
    }
    if dropped.is_empty() {
        return Ok(());
    }
    dropped.sort_unstable();
    Err(SyncError::ShrinkRefused {
        previous: previous.len(),
        next: next.len(),
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use bitcoin::Txid;

    fn op(i: u8) -> OutPoint {
        OutPoint {
            txid: Txid::from_byte_array([i; 32]),
            vout: 0,
        }
    }

    fn set(ops: &[u8]) -> HashSet<OutPoint> {
        ops.iter().map(|&i| op(i)).collect()
    }

    fn next(ops: &[u8]) -> BTreeMap<OutPoint, Single> {
        // The guard only looks at keys; the values are never read, so any
        // single will do. Build one from the test helper below.
        ops.iter().map(|&i| (op(i), dummy_single(op(i)))).collect()
    }

    fn dummy_single(outpoint: OutPoint) -> Single {
        use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
        use scb_wire::{LocalChanConfig, RemoteChanConfig, ShaChainRoot, ShortChannelId};
        let secp = Secp256k1::signing_only();
        let key = PublicKey::from_secret_key(
            &secp,
            &SecretKey::from_slice(&[7; 32]).expect("valid secret key"),
        );
        Single {
            version: scb_wire::SingleVersion::Tweakless,
            is_initiator: true,
            chain_hash: [0; 32],
            funding_outpoint: outpoint,
            short_channel_id: ShortChannelId::default(),
            remote_node_pub: key,
            addresses: Vec::new(),
            capacity: 1,
            local_chan_cfg: LocalChanConfig::default(),
            remote_chan_cfg: RemoteChanConfig {
                csv_delay: 1,
                multisig_key: key,
                revocation_base_point: key,
                payment_base_point: key,
                delay_base_point: key,
                htlc_base_point: key,
            },
            shachain_root: ShaChainRoot {
                pubkey: None,
                locator: scb_wire::KeyLocator::default(),
            },
            lease_expiry: None,
            close_tx_inputs: None,
        }
    }

    #[test]
    fn guard_accepts_growth_and_seen_closes() {
        let none = HashSet::new();
        check_shrink(
            &set(&[1, 2]),
            &next(&[1, 2, 3]),
            &none,
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect("growth is fine");
        check_shrink(
            &set(&[1, 2]),
            &next(&[1]),
            &set(&[2]),
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect("a seen close is fine");
        check_shrink(
            &set(&[1, 2]),
            &next(&[]),
            &set(&[1, 2]),
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect("closing every channel through events is fine");
    }

    #[test]
    fn guard_refuses_unseen_drop_and_lists_it() {
        let none = HashSet::new();
        let err = check_shrink(
            &set(&[1, 2, 3]),
            &next(&[1]),
            &set(&[2]),
            &none,
            ShrinkPolicy::Refuse,
        )
        .expect_err("channel 3 vanished");
        match err {
            SyncError::ShrinkRefused {
                previous,
                next,
                dropped,
            } => {
                assert_eq!((previous, next), (3, 1));
                assert_eq!(dropped, vec![op(3)]);
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn guard_accepts_explicit_prune_but_not_down_to_zero() {
        let none = HashSet::new();
        check_shrink(
            &set(&[1, 2]),
            &next(&[1]),
            &none,
            &set(&[2]),
            ShrinkPolicy::Refuse,
        )
        .expect("pruning one of two is allowed");
        let err = check_shrink(
            &set(&[1, 2]),
            &next(&[]),
            &none,
            &set(&[1, 2]),
            ShrinkPolicy::Refuse,
        )
        .expect_err("pruning to zero is refused");
        assert!(
            matches!(err, SyncError::ShrinkRefused { next: 0, ref dropped, .. } if dropped.len() == 2)
        );
    }

    #[test]
    fn guard_allow_policy_permits_anything() {
        let none = HashSet::new();
        check_shrink(&set(&[1, 2]), &next(&[]), &none, &none, ShrinkPolicy::Allow)
            .expect("allowed explicitly");
    }
}
