//! One closing transaction: whose commitment it is, and which of its
//! outputs the seed can spend, with the input that spends each.

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::taproot::LeafVersion;
use bitcoin::{OutPoint, ScriptBuf, Sequence, Transaction};
use scb_wire::{Single, SingleVersion};

use super::channel::Found;
use super::keys::{copy_key, tweak_secret, ChannelKeys};
use super::spend::{Candidate, Spend};
use super::{NotSpendable, SweepError, SweepInput, SweepOptions};
use crate::commit_keys::tweak_pubkey;
use crate::force_close::obscured_commitment_number_with;
use crate::outputs::ExpectedScripts;
use crate::outputs::{
    anchor_leaf, anchor_witness_script, expected_scripts, has_p2wsh_anchors, taproot_nums,
    taproot_to_local_leaves, taproot_to_remote_leaf, taproot_tree, to_local_witness_script,
    to_remote_witness_script,
};
use crate::shachain::lnd_shachain_at;
use crate::OutputKind;

pub(super) fn p2wsh(script: &ScriptBuf) -> ScriptBuf {
    ScriptBuf::new_p2wsh(&script.wscript_hash())
}

fn p2wpkh(key: &PublicKey) -> Option<ScriptBuf> {
    bitcoin::PublicKey::new(*key)
        .wpubkey_hash()
        .ok()
        .map(|h| ScriptBuf::new_p2wpkh(&h))
}

/// Why our anchor is not swept unless asked.
const ANCHOR_NOT_INCLUDED: &str = "our anchor (330 sat): add --include-anchors to sweep it (it costs about as much fee as it holds)";

/// The outputs of one closing transaction.
pub(super) fn find_in(
    secp: &Secp256k1<bitcoin::secp256k1::All>,
    single: &Single,
    keys: &ChannelKeys<'_>,
    tx: &Transaction,
    options: &SweepOptions,
    found: &mut Found,
) -> Result<(), SweepError> {
    let txid = tx.compute_txid();
    let outpoint = |i: usize| OutPoint::new(txid, i as u32);
    let all_not_spendable = |found: &mut Found, reason: &str| {
        for i in 0..tx.output.len() {
            found.not_spendable.push(NotSpendable {
                outpoint: outpoint(i),
                reason: reason.to_owned(),
            });
        }
    };
    let payment_pub = keys.payment.public_key();
    let Ok(number) = obscured_commitment_number_with(single, &payment_pub, tx) else {
        all_not_spendable(
            found,
            "a cooperative close (no commitment number in locktime and sequence): it pays the \
             addresses of lnd's on-chain wallet, which the seed's wallet accounts control, not \
             the channel keys",
        );
        return Ok(());
    };

    let version = single.version;
    let taproot = version.is_taproot();
    let prod = version == SingleVersion::SimpleTaprootFinal;
    let csv = single.local_chan_cfg.csv_delay;
    let lease =
        (version == SingleVersion::ScriptEnforcedLease).then(|| single.lease_expiry.unwrap_or(0));
    let is = |s: &Option<ScriptBuf>, spk: &ScriptBuf| s.as_ref() == Some(spk);

    // The peer's commitment: the keys it pays us at.
    let remote_keys: Vec<(PublicKey, Option<PublicKey>)> = if version == SingleVersion::Default {
        options
            .remote_commit_points
            .iter()
            .filter_map(|p| tweak_pubkey(secp, &payment_pub, p).map(|k| (k, Some(*p))))
            .collect()
    } else {
        vec![(payment_pub, None)]
    };
    // Our to_remote carries the lease's CLTV when we opened the channel.
    let remote_lease = lease.filter(|_| single.is_initiator);
    let local_lease = lease.filter(|_| single.is_initiator);
    let nums = taproot_nums();

    // The script of our to_remote in the peer's commitment, for a key.
    let peer_to_remote = |key: &PublicKey| -> Option<ScriptBuf> {
        if taproot {
            let leaf = taproot_to_remote_leaf(prod, key);
            taproot_tree(secp, &nums?, core::slice::from_ref(&leaf))
                .map(|t| ScriptBuf::new_p2tr_tweaked(t.output_key()))
        } else if has_p2wsh_anchors(version) {
            Some(p2wsh(&to_remote_witness_script(key, remote_lease)))
        } else {
            p2wpkh(key)
        }
    };
    // Whose commitment: ours when it holds our to_local, the peer's when it
    // pays our to_remote (only our key can be in it), else ours when it holds
    // the peer's to_remote. An anchor does not decide: a P2WSH anchor on our
    // multisig key is the same script in both commitments.
    let holds = |s: &Option<ScriptBuf>| tx.output.iter().any(|o| is(s, &o.script_pubkey));
    let pays_our_to_remote = remote_keys.iter().any(|(k, _)| holds(&peer_to_remote(k)));

    // Our commitment at this state (only looked for when the transaction
    // does not pay our to_remote): our per-commitment point and scripts.
    let (ours, our_point, rev_root_err) = if pays_our_to_remote {
        (ExpectedScripts::default(), None, None)
    } else {
        let multisig_pub = keys.multisig()?.public_key();
        let delay_pub = keys.delay()?.public_key();
        let (our_point, err) = match keys.rev_root()? {
            Ok(root) => {
                let secret = lnd_shachain_at(root, number);
                let point = SecretKey::from_slice(&secret[..])
                    .ok()
                    .map(|sk| PublicKey::from_secret_key(secp, &sk));
                (point, None)
            }
            Err(e) => (None, Some(e.clone())),
        };
        let ours = expected_scripts(secp, single, &multisig_pub, &delay_pub, our_point.as_ref());
        (ours, our_point, err)
    };
    let our_commitment = holds(&ours.to_local) || (!pays_our_to_remote && holds(&ours.to_remote));
    // Our P2WSH anchor's key (the same script in both commitments).
    let anchor_key = if !taproot && has_p2wsh_anchors(version) {
        let key = keys.multisig()?;
        Some((key, key.public_key()))
    } else {
        None
    };
    // Our P2WSH anchor's spend, in either commitment.
    let p2wsh_anchor_spend = || {
        anchor_key.map(|(key, public)| Spend::P2wsh {
            key: copy_key(key),
            witness_script: anchor_witness_script(&public),
            extra: Vec::new(),
        })
    };
    // Our anchor, once its script matched: left with the reason unless
    // anchors are included, else spent by its taproot key path or as our
    // P2WSH anchor (`None`: its key could not be rebuilt).
    let anchor_spend = |tap_key_spend: &dyn Fn() -> Option<Spend>| {
        if !options.include_anchors {
            return Err(ANCHOR_NOT_INCLUDED);
        }
        Ok(if taproot {
            tap_key_spend()
        } else {
            p2wsh_anchor_spend()
        })
    };
    // Our delayed key at this state: it spends our to_local and is the
    // internal key of our taproot anchor in our commitment.
    let our_delayed = || {
        our_point.and_then(|p| {
            keys.delay
                .get()
                .and_then(|d| tweak_secret(secp, d.secret_key(), &p))
        })
    };

    let mut matched_any = false;
    for (i, out) in tx.output.iter().enumerate() {
        let before = found.candidates.len() + found.not_spendable.len();
        'output: {
            let spk = &out.script_pubkey;
            let mut input = SweepInput {
                outpoint: outpoint(i),
                channel: single.funding_outpoint,
                kind: OutputKind::Other,
                value_sat: out.value.to_sat(),
                script_pubkey: spk.clone(),
                csv_delay: None,
                cltv_expiry: None,
                earliest_height: None,
            };
            let mut candidate = |input: SweepInput, sequence: u16, spend: Spend| {
                let mut input = input;
                input.earliest_height = options
                    .close_height
                    .map(|h| h.saturating_add(u32::from(sequence)));
                // A locktime L is final from block L + 1 on.
                if let (Some(e), Some(c)) = (input.earliest_height, input.cltv_expiry) {
                    input.earliest_height = Some(e.max(c.saturating_add(1)));
                }
                found.candidates.push(Candidate {
                    input,
                    txout: out.clone(),
                    sequence: if sequence == 0 {
                        Sequence::ENABLE_RBF_NO_LOCKTIME
                    } else {
                        Sequence::from_height(sequence)
                    },
                    spend,
                });
            };
            let not = |found_ns: &mut Vec<NotSpendable>, reason: &str| {
                found_ns.push(NotSpendable {
                    outpoint: outpoint(i),
                    reason: reason.to_owned(),
                });
            };

            // Our to_local, after the delay.
            if is(&ours.to_local, spk) {
                matched_any = true;
                let (Some(point), Some(delayed)) = (our_point, our_delayed()) else {
                    break 'output;
                };
                input.kind = OutputKind::ToLocal;
                input.csv_delay = Some(csv);
                let delayed_pub = PublicKey::from_secret_key(secp, &delayed.0);
                let revoke = crate::revocation_pubkey(
                    secp,
                    &single.remote_chan_cfg.revocation_base_point,
                    &point,
                );
                let spend = if taproot {
                    let (Some(nums), Some(revoke)) = (nums, revoke) else {
                        break 'output;
                    };
                    let leaves = taproot_to_local_leaves(prod, &delayed_pub, &revoke, csv);
                    let Some(control) = taproot_tree(secp, &nums, &leaves).and_then(|t| {
                        t.control_block(&(leaves[0].clone(), LeafVersion::TapScript))
                    }) else {
                        break 'output;
                    };
                    Spend::TapScript {
                        key: delayed,
                        leaf: leaves[0].clone(),
                        control: control.serialize(),
                    }
                } else {
                    let Some(revoke) = revoke else { break 'output };
                    input.cltv_expiry = local_lease;
                    Spend::P2wsh {
                        key: delayed,
                        witness_script: to_local_witness_script(
                            &revoke,
                            &delayed_pub,
                            csv,
                            local_lease,
                        ),
                        // An empty element takes the OP_ELSE (delayed) branch.
                        extra: vec![Vec::new()],
                    }
                };
                candidate(input, csv, spend);
                break 'output;
            }

            // Our anchor in our commitment.
            if our_commitment && is(&ours.local_anchor, spk) {
                matched_any = true;
                input.kind = OutputKind::LocalAnchor;
                match anchor_spend(&|| {
                    let delayed = our_delayed()?;
                    let internal = PublicKey::from_secret_key(secp, &delayed.0);
                    let tree = taproot_tree(secp, &internal, &[anchor_leaf()])?;
                    Some(Spend::TapKey {
                        key: delayed,
                        merkle_root: tree.merkle_root(),
                    })
                }) {
                    Ok(Some(spend)) => candidate(input, 0, spend),
                    Ok(None) => {}
                    Err(reason) => not(&mut found.not_spendable, reason),
                }
                break 'output;
            }
            if our_commitment {
                let reason = if is(&ours.to_remote, spk) {
                    "the peer's balance (to_remote of our commitment)"
                } else if is(&ours.remote_anchor, spk) {
                    "the peer's anchor"
                } else {
                    "an HTLC output or a custom channel's output of our commitment: the backup holds no script for it"
                };
                not(&mut found.not_spendable, reason);
                break 'output;
            }

            // The peer's commitment: our to_remote.
            let mut done = false;
            for (key, point) in &remote_keys {
                if peer_to_remote(key).as_ref() != Some(spk) {
                    continue;
                }
                let secret = match point {
                    None => Some(copy_key(&keys.payment)),
                    Some(p) => tweak_secret(secp, keys.payment.secret_key(), p),
                };
                let Some(secret) = secret else { continue };
                if taproot {
                    let Some(nums) = nums else { continue };
                    let leaf = taproot_to_remote_leaf(prod, key);
                    let Some(tree) = taproot_tree(secp, &nums, core::slice::from_ref(&leaf)) else {
                        continue;
                    };
                    let Some(control) = tree.control_block(&(leaf.clone(), LeafVersion::TapScript))
                    else {
                        continue;
                    };
                    input.kind = OutputKind::ToRemote;
                    input.csv_delay = Some(1);
                    let spend = Spend::TapScript {
                        key: secret,
                        leaf,
                        control: control.serialize(),
                    };
                    candidate(input.clone(), 1, spend);
                } else if has_p2wsh_anchors(version) {
                    let script = to_remote_witness_script(key, remote_lease);
                    input.kind = OutputKind::ToRemote;
                    input.csv_delay = Some(1);
                    input.cltv_expiry = remote_lease;
                    let spend = Spend::P2wsh {
                        key: secret,
                        witness_script: script,
                        extra: Vec::new(),
                    };
                    candidate(input.clone(), 1, spend);
                } else {
                    input.kind = OutputKind::ToRemote;
                    candidate(input.clone(), 0, Spend::P2wpkh { key: secret });
                }
                done = true;
                break;
            }
            if done {
                matched_any = true;
                break 'output;
            }

            // Our anchor in the peer's commitment.
            let anchor = if taproot {
                taproot_tree(secp, &payment_pub, &[anchor_leaf()])
                    .map(|t| (ScriptBuf::new_p2tr_tweaked(t.output_key()), t.merkle_root()))
            } else if let Some((_, public)) = anchor_key {
                Some((p2wsh(&anchor_witness_script(&public)), None))
            } else {
                None
            };
            if let Some((anchor_spk, merkle_root)) = anchor {
                if anchor_spk == *spk {
                    matched_any = true;
                    input.kind = OutputKind::RemoteAnchor;
                    match anchor_spend(&|| {
                        Some(Spend::TapKey {
                            key: copy_key(&keys.payment),
                            merkle_root,
                        })
                    }) {
                        Ok(Some(spend)) => candidate(input, 0, spend),
                        Ok(None) => {}
                        Err(reason) => not(&mut found.not_spendable, reason),
                    }
                    break 'output;
                }
            }
            not(&mut found.not_spendable, "");
        }
        // Matched by script but not rebuildable to spend (a key tweak
        // or control block that fails: probability ~2^-128).
        if found.candidates.len() + found.not_spendable.len() == before {
            found.not_spendable.push(NotSpendable {
                outpoint: outpoint(i),
                reason:
                    "its script is ours, but its spending key or control block could not be rebuilt"
                        .into(),
            });
        }
    }

    // Reasons for the outputs left unexplained, now that we know whose
    // commitment this is.
    let reason = if let (true, Some(e)) = (our_commitment, &rev_root_err) {
        format!(
            "the peer's balance, an HTLC, a custom channel's output, or our to_local, whose key needs the revocation root that cannot be derived ({e})"
        )
    } else if our_commitment || matched_any {
        "the peer's balance, an HTLC output or a custom channel's output: the seed cannot spend it"
            .to_owned()
    } else if version == SingleVersion::Default && options.remote_commit_points.is_empty() {
        "a version-0 (legacy) channel: the peer's commitment pays us at a key tweaked with the \
         peer's per-commitment point; give it with --remote-commit-point HEX"
            .to_owned()
    } else if let Some(e) = &rev_root_err {
        format!("no output matches a script rebuilt from the backup, and our revocation root cannot be derived ({e})")
    } else {
        "no output of this commitment matches a script rebuilt from the seed's keys: a commitment \
         of a custom channel (extra tapscript leaves), an HTLC, or an output of another node"
            .to_owned()
    };
    for ns in &mut found.not_spendable {
        if ns.reason.is_empty() {
            ns.reason.clone_from(&reason);
        }
    }
    Ok(())
}
