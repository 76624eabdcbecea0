//! BOLT 3 key derivation of a commitment's keys from the base points and
//! the per-commitment point (lnd `input/script_utils.go` `TweakPubKey`,
//! `DeriveRevocationPubkey`; `lnwallet/commitment.go` `DeriveCommitmentKeys`).

use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::secp256k1::{PublicKey, Scalar, Secp256k1, Verification};

/// `SHA256(a || b)` over the compressed keys, as a scalar.
fn tweak_scalar(a: &PublicKey, b: &PublicKey) -> Option<Scalar> {
    let mut engine = sha256::Hash::engine();
    engine.input(&a.serialize());
    engine.input(&b.serialize());
    Scalar::from_be_bytes(sha256::Hash::from_engine(engine).to_byte_array()).ok()
}

/// `basepoint + SHA256(per_commitment_point || basepoint)·G`.
pub fn tweak_pubkey<C: Verification>(
    secp: &Secp256k1<C>,
    basepoint: &PublicKey,
    per_commitment_point: &PublicKey,
) -> Option<PublicKey> {
    let t = tweak_scalar(per_commitment_point, basepoint)?;
    basepoint.add_exp_tweak(secp, &t).ok()
}

/// `R·SHA256(R || P) + P·SHA256(P || R)` for revocation base point `R` and
/// per-commitment point `P`.
pub fn revocation_pubkey<C: Verification>(
    secp: &Secp256k1<C>,
    revocation_basepoint: &PublicKey,
    per_commitment_point: &PublicKey,
) -> Option<PublicKey> {
    let r = revocation_basepoint
        .mul_tweak(
            secp,
            &tweak_scalar(revocation_basepoint, per_commitment_point)?,
        )
        .ok()?;
    let p = per_commitment_point
        .mul_tweak(
            secp,
            &tweak_scalar(per_commitment_point, revocation_basepoint)?,
        )
        .ok()?;
    r.combine(&p).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pk(s: &str) -> PublicKey {
        s.parse().unwrap()
    }

    // BOLT 3 Appendix E, key derivation test vectors.
    #[test]
    fn bolt3_key_derivation_vectors() {
        let secp = Secp256k1::verification_only();
        let base = pk("036d6caac248af96f6afa7f904f550253a0f3ef3f5aa2fe6838a95b216691468e2");
        let point = pk("025f7117a78150fe2ef97db7cfc83bd57b2e2c0d0dd25eaf467a4a1c2a45ce1486");
        assert_eq!(
            tweak_pubkey(&secp, &base, &point).unwrap(),
            pk("0235f2dbfaa89b57ec7b055afe29849ef7ddfeb1cefdb9ebdc43f5494984db29e5")
        );
        assert_eq!(
            revocation_pubkey(&secp, &base, &point).unwrap(),
            pk("02916e326636d19c33f13e8c0c3a03dd157f332f3e99c317c141dd865eb01f8ff0")
        );
    }
}
