//! The JSON form of singles and multis (feature `serde`): exactly the
//! "single object" of the test vectors' README, so that
//! `serde_json::to_value(Single::decode(bytes)?)` equals the vector's value.
//!
//! Bytes and keys are hex; `chain_hash` is in wire order; `funding_outpoint`
//! is `"txid:index"` with the txid in display order; `funding_outpoint_raw`
//! and `short_channel_id_u64` are written on output and, on input, optional
//! but checked against the other fields when present; absent optional parts
//! are `null`; addresses are `{"type", "address"}` (see [`Address::parse`]).
//! A multi is `{"version": 0, "singles": [...]}`.
//!
//! ```
//! # let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3.bin")).unwrap();
//! let single = scb_wire::Single::decode(&bytes)?;
//! let json = serde_json::to_string(&single)?;
//! let back: scb_wire::Single = serde_json::from_str(&json)?;
//! assert_eq!(back, single);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::str::FromStr;

use bitcoin::hashes::Hash;
use bitcoin::hex::{DisplayHex, FromHex};
use bitcoin::secp256k1::PublicKey;
use bitcoin::{OutPoint, Transaction};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::keys::parse_pubkey;
use crate::reader::Reader;
use crate::tx::{read_tx, write_tx};
use crate::{
    Address, CloseTxInputs, KeyLocator, LocalChanConfig, Multi, RemoteChanConfig, ShaChainRoot,
    ShortChannelId, Single, SingleVersion, MULTI_VERSION,
};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatorJson {
    family: u32,
    index: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalJson {
    csv_delay: u16,
    multisig_key: LocatorJson,
    revocation_base_point: LocatorJson,
    payment_base_point: LocatorJson,
    delay_base_point: LocatorJson,
    htlc_base_point: LocatorJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoteJson {
    csv_delay: u16,
    multisig_key: String,
    revocation_base_point: String,
    payment_base_point: String,
    delay_base_point: String,
    htlc_base_point: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShaChainJson {
    pubkey: Option<String>,
    family: u32,
    index: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressJson {
    #[serde(rename = "type")]
    kind: String,
    address: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseTxJson {
    commit_tx: String,
    commit_sig: String,
    commit_height: Option<u64>,
    tapscript_root: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SingleJson {
    version: u8,
    is_initiator: bool,
    chain_hash: String,
    funding_outpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    funding_outpoint_raw: Option<String>,
    short_channel_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    short_channel_id_u64: Option<u64>,
    remote_node_pub: String,
    addresses: Vec<AddressJson>,
    capacity_sat: i64,
    local_chan_cfg: LocalJson,
    remote_chan_cfg: RemoteJson,
    shachain_root: ShaChainJson,
    lease_expiry: Option<u32>,
    close_tx_inputs: Option<CloseTxJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MultiJson {
    version: u8,
    singles: Vec<Single>,
}

fn loc(k: KeyLocator) -> LocatorJson {
    LocatorJson {
        family: k.family,
        index: k.index,
    }
}

fn unloc(k: &LocatorJson) -> KeyLocator {
    KeyLocator {
        family: k.family,
        index: k.index,
    }
}

fn key_hex(k: &PublicKey) -> String {
    k.serialize().to_lower_hex_string()
}

fn tx_hex(tx: &Transaction) -> String {
    let mut out = Vec::new();
    // A zero-input transaction cannot be written the lnd way (see tx.rs);
    // fall back to rust-bitcoin's form so that printing never fails.
    if write_tx(tx, &mut out).is_err() {
        out = bitcoin::consensus::serialize(tx);
    }
    out.to_lower_hex_string()
}

impl From<&Single> for SingleJson {
    fn from(s: &Single) -> Self {
        // The wire forms exist only for encodable values; omitted otherwise.
        let raw = u16::try_from(s.funding_outpoint.vout).ok().map(|vout| {
            let mut raw = s.funding_outpoint.txid.to_byte_array().to_vec();
            raw.extend_from_slice(&vout.to_be_bytes());
            raw.to_lower_hex_string()
        });
        let scid = s.short_channel_id;
        let scid_u64 =
            (scid.block_height <= 0xff_ffff && scid.tx_index <= 0xff_ffff).then(|| scid.to_u64());
        let l = &s.local_chan_cfg;
        let r = &s.remote_chan_cfg;
        SingleJson {
            version: s.version as u8,
            is_initiator: s.is_initiator,
            chain_hash: s.chain_hash.to_lower_hex_string(),
            funding_outpoint: s.funding_outpoint.to_string(),
            funding_outpoint_raw: raw,
            short_channel_id: s.short_channel_id.to_string(),
            short_channel_id_u64: scid_u64,
            remote_node_pub: key_hex(&s.remote_node_pub),
            addresses: s
                .addresses
                .iter()
                .map(|a| AddressJson {
                    kind: a.kind().into(),
                    address: a.to_string(),
                })
                .collect(),
            capacity_sat: s.capacity,
            local_chan_cfg: LocalJson {
                csv_delay: l.csv_delay,
                multisig_key: loc(l.multisig_key),
                revocation_base_point: loc(l.revocation_base_point),
                payment_base_point: loc(l.payment_base_point),
                delay_base_point: loc(l.delay_base_point),
                htlc_base_point: loc(l.htlc_base_point),
            },
            remote_chan_cfg: RemoteJson {
                csv_delay: r.csv_delay,
                multisig_key: key_hex(&r.multisig_key),
                revocation_base_point: key_hex(&r.revocation_base_point),
                payment_base_point: key_hex(&r.payment_base_point),
                delay_base_point: key_hex(&r.delay_base_point),
                htlc_base_point: key_hex(&r.htlc_base_point),
            },
            shachain_root: ShaChainJson {
                pubkey: s.shachain_root.pubkey.as_ref().map(key_hex),
                family: s.shachain_root.locator.family,
                index: s.shachain_root.locator.index,
            },
            lease_expiry: s.lease_expiry,
            close_tx_inputs: s.close_tx_inputs.as_ref().map(|c| CloseTxJson {
                commit_tx: tx_hex(&c.commit_tx),
                commit_sig: c.commit_sig.to_lower_hex_string(),
                commit_height: c.commit_height,
                tapscript_root: c.tapscript_root.map(|r| r.to_lower_hex_string()),
            }),
        }
    }
}

fn hex_array<const N: usize>(field: &str, s: &str) -> Result<[u8; N], String> {
    <[u8; N]>::from_hex(s).map_err(|e| format!("{field}: {e}"))
}

fn pubkey(field: &str, s: &str) -> Result<PublicKey, String> {
    let bytes: [u8; 33] = hex_array(field, s)?;
    parse_pubkey(&bytes).map_err(|e| format!("{field}: invalid public key: {e}"))
}

impl TryFrom<SingleJson> for Single {
    type Error = String;

    fn try_from(json: SingleJson) -> Result<Self, String> {
        let version = SingleVersion::try_from(json.version).map_err(|e| e.to_string())?;
        let funding_outpoint = OutPoint::from_str(&json.funding_outpoint)
            .map_err(|e| format!("funding_outpoint: {e}"))?;
        if let Some(raw) = &json.funding_outpoint_raw {
            let bytes: [u8; 34] = hex_array("funding_outpoint_raw", raw)?;
            let txid_ok = bytes[..32] == funding_outpoint.txid.to_byte_array();
            let vout_ok =
                u32::from(u16::from_be_bytes([bytes[32], bytes[33]])) == funding_outpoint.vout;
            if !txid_ok || !vout_ok {
                return Err("funding_outpoint_raw does not match funding_outpoint".into());
            }
        }
        let mut parts = json.short_channel_id.split(':');
        let mut part = |name: &str| -> Result<u64, String> {
            parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| {
                format!(
                    "short_channel_id: bad {name} in {:?}",
                    json.short_channel_id
                )
            })
        };
        let (block, tx, out) = (
            part("block height")?,
            part("tx index")?,
            part("output index")?,
        );
        if parts.next().is_some() {
            return Err(format!(
                "short_channel_id: too many parts in {:?}",
                json.short_channel_id
            ));
        }
        let short_channel_id = ShortChannelId {
            block_height: u32::try_from(block)
                .map_err(|_| "short_channel_id: block height too large")?,
            tx_index: u32::try_from(tx).map_err(|_| "short_channel_id: tx index too large")?,
            output_index: u16::try_from(out)
                .map_err(|_| "short_channel_id: output index too large")?,
        };
        if let Some(v) = json.short_channel_id_u64 {
            if v != short_channel_id.to_u64() {
                return Err("short_channel_id_u64 does not match short_channel_id".into());
            }
        }
        let addresses = json
            .addresses
            .iter()
            .map(|a| Address::parse(&a.kind, &a.address).map_err(|e| format!("addresses: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let local = &json.local_chan_cfg;
        let remote = &json.remote_chan_cfg;
        let close_tx_inputs = match &json.close_tx_inputs {
            None => None,
            Some(c) => {
                let tx_bytes = Vec::<u8>::from_hex(&c.commit_tx)
                    .map_err(|e| format!("close_tx_inputs.commit_tx: {e}"))?;
                let mut rd = Reader::new(&tx_bytes);
                let commit_tx =
                    read_tx(&mut rd).map_err(|e| format!("close_tx_inputs.commit_tx: {e}"))?;
                if !rd.is_empty() {
                    return Err("close_tx_inputs.commit_tx: trailing bytes".into());
                }
                Some(CloseTxInputs {
                    commit_tx,
                    commit_sig: Vec::<u8>::from_hex(&c.commit_sig)
                        .map_err(|e| format!("close_tx_inputs.commit_sig: {e}"))?,
                    commit_height: c.commit_height,
                    tapscript_root: c
                        .tapscript_root
                        .as_deref()
                        .map(|h| hex_array("close_tx_inputs.tapscript_root", h))
                        .transpose()?,
                })
            }
        };
        Ok(Single {
            version,
            is_initiator: json.is_initiator,
            chain_hash: hex_array("chain_hash", &json.chain_hash)?,
            funding_outpoint,
            short_channel_id,
            remote_node_pub: pubkey("remote_node_pub", &json.remote_node_pub)?,
            addresses,
            capacity: json.capacity_sat,
            local_chan_cfg: LocalChanConfig {
                csv_delay: local.csv_delay,
                multisig_key: unloc(&local.multisig_key),
                revocation_base_point: unloc(&local.revocation_base_point),
                payment_base_point: unloc(&local.payment_base_point),
                delay_base_point: unloc(&local.delay_base_point),
                htlc_base_point: unloc(&local.htlc_base_point),
            },
            remote_chan_cfg: RemoteChanConfig {
                csv_delay: remote.csv_delay,
                multisig_key: pubkey("remote_chan_cfg.multisig_key", &remote.multisig_key)?,
                revocation_base_point: pubkey(
                    "remote_chan_cfg.revocation_base_point",
                    &remote.revocation_base_point,
                )?,
                payment_base_point: pubkey(
                    "remote_chan_cfg.payment_base_point",
                    &remote.payment_base_point,
                )?,
                delay_base_point: pubkey(
                    "remote_chan_cfg.delay_base_point",
                    &remote.delay_base_point,
                )?,
                htlc_base_point: pubkey(
                    "remote_chan_cfg.htlc_base_point",
                    &remote.htlc_base_point,
                )?,
            },
            shachain_root: ShaChainRoot {
                pubkey: json
                    .shachain_root
                    .pubkey
                    .as_deref()
                    .map(|k| pubkey("shachain_root.pubkey", k))
                    .transpose()?,
                locator: KeyLocator {
                    family: json.shachain_root.family,
                    index: json.shachain_root.index,
                },
            },
            lease_expiry: json.lease_expiry,
            close_tx_inputs,
        })
    }
}

impl Serialize for Single {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SingleJson::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Single {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Single::try_from(SingleJson::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

impl Serialize for Multi {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = serializer.serialize_struct("Multi", 2)?;
        st.serialize_field("version", &MULTI_VERSION)?;
        st.serialize_field("singles", &self.singles)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Multi {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = MultiJson::deserialize(deserializer)?;
        if j.version != MULTI_VERSION {
            return Err(de::Error::custom(format!(
                "unknown multi version {}",
                j.version
            )));
        }
        Ok(Multi { singles: j.singles })
    }
}

/// An address alone serializes as in a single's `addresses` list:
/// `{"type": "ipv4", "address": "10.0.0.1:9735"}`.
///
/// ```
/// use scb_wire::Address;
/// let a = Address::Ipv4 { ip: [10, 0, 0, 1].into(), port: 9735 };
/// let v = serde_json::to_value(&a)?;
/// assert_eq!(v, serde_json::json!({"type": "ipv4", "address": "10.0.0.1:9735"}));
/// assert_eq!(serde_json::from_value::<Address>(v)?, a);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AddressJson {
            kind: self.kind().into(),
            address: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = AddressJson::deserialize(deserializer)?;
        Address::parse(&j.kind, &j.address).map_err(de::Error::custom)
    }
}
