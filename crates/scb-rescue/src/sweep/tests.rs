use bitcoin::consensus::encode::deserialize_hex;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{OutPoint, ScriptBuf, Sequence, Transaction, TxOut};

use super::commitment::p2wsh;
use super::keys::{tweak_secret, SigningKey};
use super::*;
use crate::outputs::{anchor_witness_script, to_local_witness_script, to_remote_witness_script};

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
