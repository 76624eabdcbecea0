//! What `chantools_regtest.rs` and `sweep_regtest.rs` share: opening one of the
//! seven backups a real lnd wrote with the seed or root key recorded beside it.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use scb_crypto::{BackupKey, Network, RootKeyRing};
use scb_testkit::hex;
use scb_wire::Single;
use serde_json::Value;

/// The case's key ring and its singles (decrypted from the packed bytes).
pub fn open_case(case: &Value) -> (RootKeyRing, Vec<Single>) {
    let network: Network = case["network"].as_str().unwrap().parse().unwrap();
    let ring = match case["bip32_seed"].as_str() {
        Some(seed) => RootKeyRing::from_seed(&hex(seed), network).unwrap(),
        None => RootKeyRing::from_xprv_str(case["rootkey"].as_str().unwrap(), network).unwrap(),
    };
    let key = BackupKey::derive(&ring).unwrap();
    let packed = hex(case["packed_hex"].as_str().unwrap());
    let singles = match case["kind"].as_str().unwrap() {
        "packed_multi" => scb_crypto::unpack_multi(&packed, &key).unwrap().singles,
        "packed_single" => vec![scb_crypto::unpack_single(&packed, &key).unwrap()],
        other => panic!("unknown kind {other}"),
    };
    (ring, singles)
}
