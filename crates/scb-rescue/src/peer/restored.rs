//! The `channel_reestablish` a restored channel sends: the form that tells
//! the peer we lost our state, so that it publishes its latest commitment.
//!
//! The values are those lnd's restored channel sends (docs/recovery.md,
//! "Asking peers to close"): lnd restores a channel from a backup with no
//! stored commitments (both heights 0) and, for a restored channel, flips
//! the lowest bit of the first byte of the current per-commitment secret
//! before turning it into a point, and for tweakless channels also sends a
//! next commitment number of 0, which no live channel can have.

use bitcoin::secp256k1::ecdh::SharedSecret;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use scb_wire::{Single, SingleVersion};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::messages::{ChannelId, ChannelReestablish};

/// The highest BOLT 3 shachain index; commitment `n` uses index `2^48 - 1 - n`.
const SHACHAIN_START: u64 = (1 << 48) - 1;

/// BOLT 3 `generate_from_seed`: the per-commitment secret at shachain
/// `index` (48 bits) of the chain seeded by `seed`.
pub fn shachain_element(seed: &[u8; 32], index: u64) -> Zeroizing<[u8; 32]> {
    let mut p = Zeroizing::new(*seed);
    for bit in (0..48).rev() {
        if index >> bit & 1 == 1 {
            p[bit / 8] ^= 1 << (bit % 8);
            *p = Sha256::digest(*p).into();
        }
    }
    p
}

/// The shachain seed of a channel restored from `single`, from the private
/// key at the single's shachain-root locator and our multisig public key.
///
/// Two forms, as lnd restores them: a single that stores the root's public
/// key (the legacy form) seeds the chain with that private key's bytes; the
/// current form seeds it with `SHA256(ECDH(root key, multisig key))`
/// (libsecp256k1's ECDH: SHA-256 of the compressed shared point).
pub fn shachain_seed(
    single: &Single,
    shachain_root_key: &SecretKey,
    multisig_pubkey: &PublicKey,
) -> Zeroizing<[u8; 32]> {
    if single.shachain_root.pubkey.is_some() {
        Zeroizing::new(shachain_root_key.secret_bytes())
    } else {
        Zeroizing::new(SharedSecret::new(multisig_pubkey, shachain_root_key).secret_bytes())
    }
}

/// The `channel_reestablish` lnd's restored channel sends for `single`,
/// given the channel's shachain seed (see [`shachain_seed`]).
///
/// Taproot channels (versions 5 to 7): lnd also attaches a MuSig2 nonce
/// TLV; scb does not, so such a peer may answer with an `error` rather than
/// close (docs/recovery.md says what to do then).
pub fn restored_reestablish(single: &Single, shachain_seed: &[u8; 32]) -> ChannelReestablish {
    // Our local commitment height is 0 in a restored channel; its secret
    // is the first element of the chain.
    let mut secret = shachain_element(shachain_seed, SHACHAIN_START);
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

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hex::FromHex;

    fn hex32(s: &str) -> [u8; 32] {
        Vec::<u8>::from_hex(s).unwrap().try_into().unwrap()
    }

    /// BOLT 3 Appendix D "generate_from_seed" vectors.
    #[test]
    fn shachain_matches_bolt3_generation_vectors() {
        let cases = [
            (
                [0u8; 32],
                SHACHAIN_START,
                "02a40c85b6f28da08dfdbe0926c53fab2de6d28c10301f8f7c4073d5e42e3148",
            ),
            (
                [0xff; 32],
                SHACHAIN_START,
                "7cc854b54e3e0dcdb010d7a3fee464a9687be6e8db3be6854c475621e007a5dc",
            ),
            (
                [0xff; 32],
                0xaaa_aaaa_aaaa,
                "56f4008fb007ca9acf0e15b054d5c9fd12ee06cea347914ddbaed70d1c13a528",
            ),
            (
                [0xff; 32],
                0x5555_5555_5555,
                "9015daaeb06dba4ccc05b91b2f73bd54405f2be9f217fbacd3c5ac2e62327d31",
            ),
            (
                hex32("0101010101010101010101010101010101010101010101010101010101010101"),
                1,
                "915c75942a26bb3a433a8ce2cb0427c29ec6c1775cfc78328b57f6ba7bfeaa9c",
            ),
        ];
        for (seed, index, want) in cases {
            assert_eq!(
                *shachain_element(&seed, index),
                hex32(want),
                "index {index:x}"
            );
        }
    }
}
