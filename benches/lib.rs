//! Shared helpers of the criterion benchmarks: deterministic sample channels.
//!
//! ```
//! let m = scb_benches::sample_multi(3);
//! assert_eq!(m.singles[2], scb_benches::sample_single(2));
//! let bytes = m.to_bytes().unwrap();
//! assert_eq!(scb_wire::Multi::decode(&bytes).unwrap(), m);
//! ```

use std::sync::OnceLock;

use bitcoin::absolute::LockTime;
use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use scb_wire::{
    Address, CloseTxInputs, KeyLocator, LocalChanConfig, Multi, RemoteChanConfig, ShaChainRoot,
    ShortChannelId, Single, SingleVersion,
};

/// testnet3's genesis hash in wire order.
const TESTNET_GENESIS: [u8; 32] = [
    0x43, 0x49, 0x7f, 0xd7, 0xf8, 0x26, 0x95, 0x71, 0x08, 0xf4, 0xa3, 0x0f, 0xd9, 0xce, 0xc3, 0xae,
    0xba, 0x79, 0x97, 0x20, 0x84, 0xe9, 0x0e, 0xad, 0x01, 0xea, 0x33, 0x09, 0x00, 0x00, 0x00, 0x00,
];

/// splitmix64: a deterministic stream of numbers from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
        out
    }

    fn u32(&mut self) -> u32 {
        self.next() as u32
    }

    fn key(&mut self) -> PublicKey {
        let pool = keys();
        pool[(self.next() % pool.len() as u64) as usize]
    }
}

/// 64 valid public keys, computed once (key derivation would dominate otherwise).
fn keys() -> &'static [PublicKey] {
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let secp = Secp256k1::signing_only();
        (1..=64u8)
            .map(|i| {
                let mut sk = [i; 32];
                sk[0] = 0x11;
                // 0x11.. is a valid scalar (non-zero, below the group order).
                #[allow(clippy::expect_used)]
                PublicKey::from_secret_key(
                    &secp,
                    &SecretKey::from_slice(&sk).expect("valid scalar"),
                )
            })
            .collect()
    })
}

fn locator(family: u32, rng: &mut Rng) -> KeyLocator {
    KeyLocator {
        family,
        index: rng.u32() % 10_000,
    }
}

/// A deterministic single (the same `i` always gives the same value): version
/// `i % 8`, close-tx inputs (an unsigned commitment with 3 outputs and a
/// 71-byte signature) for odd `i`, one to three addresses, distinct funding
/// outpoints. Typical size: about 400 bytes, 650 with close-tx inputs.
pub fn sample_single(i: u32) -> Single {
    let mut rng = Rng(u64::from(i).wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5cb);
    let version = SingleVersion::ALL[(i % 8) as usize];
    let mut addresses = vec![Address::Ipv4 {
        ip: rng.bytes::<4>().into(),
        port: 9735,
    }];
    if i.is_multiple_of(3) {
        addresses.push(Address::TorV3 {
            key: rng.bytes(),
            port: 9735,
        });
    }
    if i.is_multiple_of(5) {
        addresses.push(Address::Dns {
            host: format!("node{i}.example.com").into_bytes(),
            port: 9735,
        });
    }
    let close_tx_inputs = (i % 2 == 1).then(|| {
        let p2wsh = |rng: &mut Rng| {
            let mut s = vec![0x00, 0x20];
            s.extend_from_slice(&rng.bytes::<32>());
            ScriptBuf::from_bytes(s)
        };
        CloseTxInputs {
            commit_tx: Transaction {
                version: Version(2),
                lock_time: LockTime::from_consensus(0x2000_0000 | (rng.u32() & 0xff_ffff)),
                input: vec![TxIn {
                    previous_output: OutPoint {
                        txid: Txid::from_byte_array(rng.bytes()),
                        vout: 0,
                    },
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence(0x8000_0000 | (rng.u32() & 0xff_ffff)),
                    witness: Witness::new(),
                }],
                output: (0..3)
                    .map(|_| TxOut {
                        value: Amount::from_sat(rng.next() % 100_000_000),
                        script_pubkey: p2wsh(&mut rng),
                    })
                    .collect(),
            },
            commit_sig: {
                let mut sig = vec![0x30, 0x45];
                sig.extend_from_slice(&rng.bytes::<69>());
                sig
            },
            commit_height: version.is_taproot().then(|| rng.next() % 1_000_000),
            tapscript_root: (version == SingleVersion::TapscriptRoot).then(|| rng.bytes()),
        }
    });
    Single {
        version,
        is_initiator: i.is_multiple_of(2),
        chain_hash: TESTNET_GENESIS,
        funding_outpoint: OutPoint {
            txid: Txid::from_byte_array(rng.bytes()),
            vout: i % 4,
        },
        short_channel_id: ShortChannelId {
            block_height: 800_000 + i % 100_000,
            tx_index: rng.u32() % 4_000,
            output_index: (i % 4) as u16,
        },
        remote_node_pub: rng.key(),
        addresses,
        capacity: i64::from(rng.u32()),
        local_chan_cfg: LocalChanConfig {
            csv_delay: 144,
            multisig_key: locator(0, &mut rng),
            revocation_base_point: locator(1, &mut rng),
            payment_base_point: locator(3, &mut rng),
            delay_base_point: locator(4, &mut rng),
            htlc_base_point: locator(2, &mut rng),
        },
        remote_chan_cfg: RemoteChanConfig {
            csv_delay: 144,
            multisig_key: rng.key(),
            revocation_base_point: rng.key(),
            payment_base_point: rng.key(),
            delay_base_point: rng.key(),
            htlc_base_point: rng.key(),
        },
        shachain_root: ShaChainRoot {
            pubkey: None,
            locator: locator(5, &mut rng),
        },
        lease_expiry: (version == SingleVersion::ScriptEnforcedLease).then(|| 800_000 + i),
        close_tx_inputs,
    }
}

/// A multi of `n` deterministic singles: `sample_single(0..n)`.
pub fn sample_multi(n: u32) -> Multi {
    Multi {
        singles: (0..n).map(sample_single).collect(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_deterministic_and_encodable() {
        assert_eq!(sample_single(5), sample_single(5));
        assert_ne!(sample_single(5), sample_single(6));
        let m = sample_multi(16);
        let bytes = m.to_bytes().unwrap();
        assert_eq!(Multi::decode(&bytes).unwrap(), m);
    }
}
