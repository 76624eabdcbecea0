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

mod error;
mod sign;

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey, Verification};
use bitcoin::taproot::{LeafVersion, TapNodeHash};
use bitcoin::{Address, OutPoint, ScriptBuf, Sequence, Transaction, TxOut};
use scb_crypto::{DerivedPrivateKey, RootKeyRing};
use scb_wire::{Single, SingleVersion};
use zeroize::Zeroizing;

pub use error::SweepError;
pub use sign::Sweep;

use crate::commit_keys::tweak_pubkey;
use crate::force_close::obscured_commitment_number_with;
use crate::outputs::ExpectedScripts;
use crate::outputs::{
    anchor_leaf, anchor_witness_script, expected_scripts, has_p2wsh_anchors, taproot_nums,
    taproot_to_local_leaves, taproot_to_remote_leaf, taproot_tree, to_local_witness_script,
    to_remote_witness_script,
};
use crate::shachain::{lnd_shachain_at, revocation_root};
use crate::{OutputKind, RescueError};

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

/// A secret key erased on drop, never printed.
struct SigningKey(SecretKey);

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

/// How an input is signed.
#[derive(Debug)]
enum Spend {
    /// BIP143 P2WPKH.
    P2wpkh { key: SigningKey },
    /// BIP143 P2WSH: witness `[sig, extra..., witness_script]`.
    P2wsh {
        key: SigningKey,
        witness_script: ScriptBuf,
        extra: Vec<Vec<u8>>,
    },
    /// BIP341 script path: witness `[sig, leaf, control block]`.
    TapScript {
        key: SigningKey,
        leaf: ScriptBuf,
        control: Vec<u8>,
    },
    /// BIP341 key path of an output whose internal key is `key`, tweaked
    /// with `merkle_root`.
    TapKey {
        key: SigningKey,
        merkle_root: Option<TapNodeHash>,
    },
}

/// An output found spendable.
#[derive(Debug)]
struct Candidate {
    input: SweepInput,
    txout: TxOut,
    sequence: Sequence,
    spend: Spend,
}

/// The keys of one channel, each derived once and only when needed (a
/// derivation is most of the cost of finding a channel's outputs).
struct ChannelKeys<'a> {
    single: &'a Single,
    ring: &'a RootKeyRing,
    payment: DerivedPrivateKey,
    multisig: OnceCell<DerivedPrivateKey>,
    delay: OnceCell<DerivedPrivateKey>,
    /// The revocation root, or why it could not be found.
    rev_root: OnceCell<Result<Zeroizing<[u8; 32]>, String>>,
}

impl<'a> ChannelKeys<'a> {
    fn new(single: &'a Single, ring: &'a RootKeyRing) -> Result<Self, RescueError> {
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

    fn multisig(&self) -> Result<&DerivedPrivateKey, RescueError> {
        self.lazy(&self.multisig, self.single.local_chan_cfg.multisig_key)
    }

    fn delay(&self) -> Result<&DerivedPrivateKey, RescueError> {
        self.lazy(&self.delay, self.single.local_chan_cfg.delay_base_point)
    }

    fn rev_root(&self) -> Result<&Result<Zeroizing<[u8; 32]>, String>, RescueError> {
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
fn tweak_secret<C: bitcoin::secp256k1::Signing + Verification>(
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

fn copy_key(k: &DerivedPrivateKey) -> SigningKey {
    SigningKey(*k.secret_key())
}

fn p2wsh(script: &ScriptBuf) -> ScriptBuf {
    ScriptBuf::new_p2wsh(&script.wscript_hash())
}

fn p2wpkh(key: &PublicKey) -> Option<ScriptBuf> {
    bitcoin::PublicKey::new(*key)
        .wpubkey_hash()
        .ok()
        .map(|h| ScriptBuf::new_p2wpkh(&h))
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

/// What was found in the closing transactions.
struct Found {
    candidates: Vec<Candidate>,
    not_spendable: Vec<NotSpendable>,
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

fn find(
    singles: &[Single],
    ring: &RootKeyRing,
    close_txs: &[Transaction],
    options: &SweepOptions,
) -> Result<Found, SweepError> {
    if close_txs.is_empty() {
        return Err(SweepError::NoCloseTx);
    }
    let by_funding: HashMap<OutPoint, &Single> =
        singles.iter().map(|s| (s.funding_outpoint, s)).collect();
    let secp = Secp256k1::new();
    let mut seen_txids = HashSet::new();
    let mut seen_channels = HashMap::new();
    let mut found = Found {
        candidates: Vec::new(),
        not_spendable: Vec::new(),
    };
    for tx in close_txs {
        let txid = tx.compute_txid();
        if !seen_txids.insert(txid) {
            return Err(SweepError::NamedTwice {
                what: format!("transaction {txid} is given twice"),
            });
        }
        let single = match tx.input.as_slice() {
            [input] => by_funding.get(&input.previous_output).copied(),
            _ => None,
        }
        .ok_or_else(|| SweepError::NotACommitment {
            txid,
            spends: match tx.input.as_slice() {
                [input] => input.previous_output.to_string(),
                inputs => format!(
                    "{} inputs (a closing transaction has exactly one)",
                    inputs.len()
                ),
            },
        })?;
        if let Some(other) = seen_channels.insert(single.funding_outpoint, txid) {
            return Err(SweepError::NamedTwice {
                what: format!(
                    "transactions {other} and {txid} both close channel {}: only one of them can confirm",
                    single.funding_outpoint
                ),
            });
        }
        let keys = ChannelKeys::new(single, ring)?;
        find_in(&secp, single, &keys, tx, options, &mut found)?;
    }
    Ok(found)
}

/// The outputs of one closing transaction.
fn find_in(
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
                let (Some(point), Some(delayed)) = (
                    our_point,
                    our_point.and_then(|p| {
                        keys.delay
                            .get()
                            .and_then(|d| tweak_secret(secp, d.secret_key(), &p))
                    }),
                ) else {
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
                if !options.include_anchors {
                    not(&mut found.not_spendable, "our anchor (330 sat): add --include-anchors to sweep it (it costs about as much fee as it holds)");
                    break 'output;
                }
                input.kind = OutputKind::LocalAnchor;
                let spend = if taproot {
                    let Some(delayed) = our_point.and_then(|p| {
                        keys.delay
                            .get()
                            .and_then(|d| tweak_secret(secp, d.secret_key(), &p))
                    }) else {
                        break 'output;
                    };
                    let internal = PublicKey::from_secret_key(secp, &delayed.0);
                    let Some(tree) = taproot_tree(secp, &internal, &[anchor_leaf()]) else {
                        break 'output;
                    };
                    Spend::TapKey {
                        key: delayed,
                        merkle_root: tree.merkle_root(),
                    }
                } else {
                    let Some((key, public)) = anchor_key else {
                        break 'output;
                    };
                    Spend::P2wsh {
                        key: copy_key(key),
                        witness_script: anchor_witness_script(&public),
                        extra: Vec::new(),
                    }
                };
                candidate(input, 0, spend);
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
                    if !options.include_anchors {
                        not(&mut found.not_spendable, "our anchor (330 sat): add --include-anchors to sweep it (it costs about as much fee as it holds)");
                        break 'output;
                    }
                    input.kind = OutputKind::RemoteAnchor;
                    let spend = if taproot {
                        Spend::TapKey {
                            key: copy_key(&keys.payment),
                            merkle_root,
                        }
                    } else {
                        let Some((key, public)) = anchor_key else {
                            break 'output;
                        };
                        Spend::P2wsh {
                            key: copy_key(key),
                            witness_script: anchor_witness_script(&public),
                            extra: Vec::new(),
                        }
                    };
                    candidate(input, 0, spend);
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

#[cfg(test)]
mod tests {
    use bitcoin::consensus::encode::deserialize_hex;

    use super::*;

    fn pk(s: &str) -> PublicKey {
        s.parse().unwrap()
    }

    fn sk(s: &str) -> SecretKey {
        s.parse().unwrap()
    }

    /// BOLT 3 Appendix F (anchors), "simple commitment tx with no HTLCs",
    /// with the keys of Appendix C.
    const ANCHOR_TX: &str = "02000000000101bef67e4e2fb9ddeeb3461973cd4c62abb35050b1add772995b820b584a488489000000000038b02b80044a010000000000002200202b1b5854183c12d3316565972c4668929d314d81c5dcdbb21cb45fe8a9a8114f4a01000000000000220020e9e86e4823faa62e222ebc858a226636856158f07e69898da3b0d1af0ddb3994c0c62d0000000000220020f3394e1e619b0eca1f91be2fb5ab4dfc59ba5b84ebe014ad1d43a564d012994a508b6a00000000002200204adb4e2f00643db396dd120d4e7dc17625f5f2c11a40d857accc862d6b7dd80e04004830450221008266ac6db5ea71aac3c95d97b0e172ff596844851a3216eb88382a8dddfd33d2022050e240974cfd5d708708b4365574517c18e7ae535ef732a3484d43d0d82be9f701483045022100f89034eba16b2be0e5581f750a0a6309192b75cce0f202f0ee2b4ec0cc394850022076c65dc507fe42276152b7a3d90e961e678adbe966e916ecfe85e64d430e75f301475221023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb21030e9f7b623d2ccc7c9bd44d66d5ce21ce504c0acf6385a132cec6d3c39fa711c152ae3e195220";
    const PER_COMMITMENT_POINT: &str =
        "025f7117a78150fe2ef97db7cfc83bd57b2e2c0d0dd25eaf467a4a1c2a45ce1486";
    const DELAYED_BASE_SECRET: &str =
        "3333333333333333333333333333333333333333333333333333333333333333";
    const LOCAL_FUNDING_SECRET: &str =
        "30ff4956bbdd3222d44cc5e8a1261dab1e07957bdac5ae88fe3261ef321f3749";

    /// BOLT 3 Appendix E, "derivation of private key from basepoint secret
    /// and per_commitment_secret".
    #[test]
    fn bolt3_appendix_e_private_key_derivation() {
        let secp = Secp256k1::new();
        let base = sk("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        let per_commitment = sk("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100");
        let point = PublicKey::from_secret_key(&secp, &per_commitment);
        assert_eq!(point, pk(PER_COMMITMENT_POINT));
        let key = tweak_secret(&secp, &base, &point).unwrap();
        assert_eq!(
            key.0,
            sk("cbced912d3b21bf196a766651e436aff192362621ce317704ea2f75d87e7be0f")
        );
        assert_eq!(
            PublicKey::from_secret_key(&secp, &key.0),
            pk("0235f2dbfaa89b57ec7b055afe29849ef7ddfeb1cefdb9ebdc43f5494984db29e5")
        );
    }

    #[test]
    fn bolt3_delayed_private_key_is_the_tweaked_secret() {
        let secp = Secp256k1::new();
        let key = tweak_secret(&secp, &sk(DELAYED_BASE_SECRET), &pk(PER_COMMITMENT_POINT)).unwrap();
        assert_eq!(
            key.0,
            sk("adf3464ce9c2f230fd2582fda4c6965e4993ca5524e8c9580e3df0cf226981ad")
        );
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }

    /// The anchor commitment's four outputs are the scripts rebuilt from the
    /// vector's keys, and its to_local (after 144 blocks) and local anchor
    /// are spent by a sweep Bitcoin Core's interpreter accepts.
    #[test]
    fn bolt3_anchor_commitment_outputs_rebuilt_and_swept() {
        let secp = Secp256k1::new();
        let tx: Transaction = deserialize_hex(ANCHOR_TX).unwrap();
        let point = pk(PER_COMMITMENT_POINT);
        let revoke = crate::revocation_pubkey(
            &secp,
            &pk("02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27"),
            &point,
        )
        .unwrap();
        assert_eq!(
            revoke,
            pk("0212a140cd0c6539d07cd08dfe09984dec3251ea808b892efeac3ede9402bf2b19")
        );
        let delayed_pub = PublicKey::from_secret_key(
            &secp,
            &tweak_secret(&secp, &sk(DELAYED_BASE_SECRET), &point)
                .unwrap()
                .0,
        );
        assert_eq!(
            delayed_pub,
            pk("03fd5960528dc152014952efdb702a88f71e3c1653b2314431701ec77e57fde83c")
        );
        let to_local = to_local_witness_script(&revoke, &delayed_pub, 144, None);
        let to_remote = to_remote_witness_script(
            &pk("032c0b7cf95324a07d05398b240174dc0c2be444d96b159aa6c7f7b1e668680991"),
            None,
        );
        let funding = sk(LOCAL_FUNDING_SECRET);
        let local_anchor = anchor_witness_script(&PublicKey::from_secret_key(&secp, &funding));
        let remote_anchor = anchor_witness_script(&pk(
            "030e9f7b623d2ccc7c9bd44d66d5ce21ce504c0acf6385a132cec6d3c39fa711c1",
        ));
        let spks: Vec<&ScriptBuf> = tx.output.iter().map(|o| &o.script_pubkey).collect();
        for script in [&to_local, &to_remote, &local_anchor, &remote_anchor] {
            assert!(spks.contains(&&p2wsh(script)), "{script}");
        }

        let txid = tx.compute_txid();
        let candidate = |script: &ScriptBuf, kind, csv: u16, spend| {
            let i = spks.iter().position(|s| **s == p2wsh(script)).unwrap();
            Candidate {
                input: SweepInput {
                    outpoint: OutPoint::new(txid, i as u32),
                    channel: tx.input[0].previous_output,
                    kind,
                    value_sat: tx.output[i].value.to_sat(),
                    script_pubkey: tx.output[i].script_pubkey.clone(),
                    csv_delay: (csv > 0).then_some(csv),
                    cltv_expiry: None,
                    earliest_height: None,
                },
                txout: tx.output[i].clone(),
                sequence: if csv == 0 {
                    Sequence::ENABLE_RBF_NO_LOCKTIME
                } else {
                    Sequence::from_height(csv)
                },
                spend,
            }
        };
        let candidates = |to_local_sequence: u16| {
            let mut to_local_input = candidate(
                &to_local,
                OutputKind::ToLocal,
                144,
                Spend::P2wsh {
                    key: tweak_secret(&secp, &sk(DELAYED_BASE_SECRET), &point).unwrap(),
                    witness_script: to_local.clone(),
                    extra: vec![Vec::new()],
                },
            );
            to_local_input.sequence = Sequence::from_height(to_local_sequence);
            vec![
                to_local_input,
                candidate(
                    &local_anchor,
                    OutputKind::LocalAnchor,
                    0,
                    Spend::P2wsh {
                        key: SigningKey(funding),
                        witness_script: local_anchor.clone(),
                        extra: Vec::new(),
                    },
                ),
            ]
        };
        let to = p2wsh(&to_remote);
        let options = SweepOptions {
            to,
            fee_rate_sat_per_vb: 4,
            include_anchors: true,
            allow_high_fee: false,
            remote_commit_points: Vec::new(),
            close_height: None,
        };
        let swept = sign::build(candidates(144), Vec::new(), &options).unwrap();
        assert_eq!(swept.fee_sat, 4 * swept.vsize);
        assert_eq!(swept.output_value_sat + swept.fee_sat, 6_982_480 + 330);
        assert_eq!(swept.tx.input[0].sequence, Sequence::from_height(144));
        let spent: Vec<TxOut> = swept
            .inputs
            .iter()
            .map(|i| tx.output[i.outpoint.vout as usize].clone())
            .collect();
        for i in 0..2 {
            crate::verify_input(&swept.tx, &spent, i).unwrap();
        }
        // One block short of the delay: the interpreter refuses, nothing
        // is returned.
        let err = sign::build(candidates(143), Vec::new(), &options).unwrap_err();
        assert!(matches!(err, SweepError::Consensus { .. }), "{err}");
    }
}
