//! The JSON form of a decoded backup (`docs/format.md`, "Core Lightning"),
//! both ways: what `scb dump --json` prints and `create --from-json` reads.

use bitcoin::hashes::Hash;
use bitcoin::hex::{DisplayHex, FromHex};
use bitcoin::secp256k1::PublicKey;
use bitcoin::OutPoint;
use serde_json::{json, Value};

use crate::tlv::{Basepoints, ChannelTlvs, Opener, Shachain, ShachainEntry, UnknownTlv};
use crate::{Address, Backup, Channel, ChannelFormat, Error, MessageType, NodeId};

/// A backup as the JSON object of the format documentation.
pub fn to_json(backup: &Backup) -> Value {
    json!({
        "message_type": backup.message_type.code(),
        "version": backup.version,
        "timestamp": backup.timestamp,
        "channels": backup.channels.iter().map(channel_json).collect::<Vec<_>>(),
    })
}

fn channel_json(c: &Channel) -> Value {
    let mut raw = c.funding_outpoint.txid.to_byte_array().to_vec();
    raw.extend_from_slice(&c.funding_outpoint.vout.to_be_bytes());
    let (legacy_unused, tlvs) = match &c.format {
        ChannelFormat::Legacy { unused } => (json!(unused), Value::Null),
        ChannelFormat::Modern(t) => (Value::Null, tlvs_json(t)),
    };
    json!({
        "id": c.id,
        "channel_id": c.channel_id.to_lower_hex_string(),
        "node_id": c.node_id.to_string(),
        "legacy_unused": legacy_unused,
        "address": {"type": c.address.kind(), "address": c.address.to_string()},
        "funding_outpoint": c.funding_outpoint.to_string(),
        "funding_outpoint_raw": raw.to_lower_hex_string(),
        "funding_sat": c.funding_sat,
        "channel_type": c.channel_type.to_lower_hex_string(),
        "channel_type_bits": c.channel_type_bits(),
        "tlvs": tlvs,
    })
}

fn tlvs_json(t: &ChannelTlvs) -> Value {
    json!({
        "shachain": t.shachain.as_ref().map(|s| json!({
            "min_index": s.min_index,
            "num_valid": s.known.len(),
            "known": s.known.iter().map(|e| json!({
                "index": e.index,
                "hash": e.hash.to_lower_hex_string(),
            })).collect::<Vec<_>>(),
        })),
        "basepoints": t.basepoints.map(|b| json!({
            "revocation": b.revocation.to_string(),
            "payment": b.payment.to_string(),
            "htlc": b.htlc.to_string(),
            "delayed_payment": b.delayed_payment.to_string(),
        })),
        "opener": t.opener.map(|o| match o { Opener::Local => "local", Opener::Remote => "remote" }),
        "remote_to_self_delay": t.remote_to_self_delay,
        "unknown": t.unknown.iter().map(|u| json!({
            "type": u.tlv_type,
            "value": u.value.to_lower_hex_string(),
        })).collect::<Vec<_>>(),
    })
}

fn err(field: &str, reason: impl Into<String>) -> Error {
    Error::Json {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn get<'a>(v: &'a Value, field: &str) -> Result<&'a Value, Error> {
    v.get(field).ok_or_else(|| err(field, "missing"))
}

fn u64_of(v: &Value, field: &str) -> Result<u64, Error> {
    get(v, field)?
        .as_u64()
        .ok_or_else(|| err(field, "not an unsigned integer"))
}

fn str_of<'a>(v: &'a Value, field: &str) -> Result<&'a str, Error> {
    get(v, field)?
        .as_str()
        .ok_or_else(|| err(field, "not a string"))
}

fn hex_of(v: &Value, field: &str) -> Result<Vec<u8>, Error> {
    Vec::from_hex(str_of(v, field)?).map_err(|e| err(field, e.to_string()))
}

fn arr_of<const N: usize>(v: &Value, field: &str) -> Result<[u8; N], Error> {
    hex_of(v, field)?
        .try_into()
        .map_err(|_| err(field, format!("not {N} bytes")))
}

fn int<T: TryFrom<u64>>(v: &Value, field: &str) -> Result<T, Error> {
    T::try_from(u64_of(v, field)?).map_err(|_| err(field, "out of range"))
}

/// Reads the JSON object [`to_json`] writes. Derived fields
/// (`funding_outpoint_raw`, `channel_type_bits`, `num_valid`) are not read.
pub fn from_json(v: &Value) -> Result<Backup, Error> {
    let code: u16 = int(v, "message_type")?;
    let message_type =
        MessageType::from_code(code).ok_or_else(|| err("message_type", "not 6137 or 6135"))?;
    let channels = get(v, "channels")?
        .as_array()
        .ok_or_else(|| err("channels", "not an array"))?
        .iter()
        .map(|c| channel_from(c, message_type))
        .collect::<Result<_, _>>()?;
    Ok(Backup {
        message_type,
        version: u64_of(v, "version")?,
        timestamp: int(v, "timestamp")?,
        channels,
    })
}

fn channel_from(v: &Value, message_type: MessageType) -> Result<Channel, Error> {
    let node_id =
        NodeId::from_bytes(arr_of(v, "node_id")?).map_err(|e| err("node_id", e.to_string()))?;
    let addr = get(v, "address")?;
    let address = Address::parse(str_of(addr, "type")?, str_of(addr, "address")?)
        .map_err(|e| err("address", e))?;
    let funding_outpoint: OutPoint = str_of(v, "funding_outpoint")?.parse().map_err(
        |e: bitcoin::blockdata::transaction::ParseOutPointError| {
            err("funding_outpoint", e.to_string())
        },
    )?;
    let format = match message_type {
        MessageType::Legacy => ChannelFormat::Legacy {
            unused: int(v, "legacy_unused")?,
        },
        MessageType::WithTlvs => ChannelFormat::Modern(tlvs_from(get(v, "tlvs")?)?),
    };
    Ok(Channel {
        id: u64_of(v, "id")?,
        channel_id: arr_of(v, "channel_id")?,
        node_id,
        address,
        funding_outpoint,
        funding_sat: u64_of(v, "funding_sat")?,
        channel_type: hex_of(v, "channel_type")?,
        format,
    })
}

fn opt<'a>(v: &'a Value, field: &str) -> Option<&'a Value> {
    v.get(field).filter(|x| !x.is_null())
}

fn point(v: &Value, field: &str) -> Result<PublicKey, Error> {
    PublicKey::from_slice(&hex_of(v, field)?).map_err(|e| err(field, e.to_string()))
}

fn tlvs_from(v: &Value) -> Result<ChannelTlvs, Error> {
    if !v.is_object() {
        return Err(err(
            "tlvs",
            "not an object (6137 channels carry a tlvs object)",
        ));
    }
    let shachain = opt(v, "shachain")
        .map(|s| -> Result<Shachain, Error> {
            let known = get(s, "known")?
                .as_array()
                .ok_or_else(|| err("shachain.known", "not an array"))?
                .iter()
                .map(|e| {
                    Ok(ShachainEntry {
                        index: u64_of(e, "index")?,
                        hash: arr_of(e, "hash")?,
                    })
                })
                .collect::<Result<_, Error>>()?;
            Ok(Shachain {
                min_index: u64_of(s, "min_index")?,
                known,
            })
        })
        .transpose()?;
    let basepoints = opt(v, "basepoints")
        .map(|b| -> Result<Basepoints, Error> {
            Ok(Basepoints {
                revocation: point(b, "revocation")?,
                payment: point(b, "payment")?,
                htlc: point(b, "htlc")?,
                delayed_payment: point(b, "delayed_payment")?,
            })
        })
        .transpose()?;
    let opener = match opt(v, "opener").map(Value::as_str) {
        None => None,
        Some(Some("local")) => Some(Opener::Local),
        Some(Some("remote")) => Some(Opener::Remote),
        Some(_) => return Err(err("opener", "not \"local\" or \"remote\"")),
    };
    let remote_to_self_delay = opt(v, "remote_to_self_delay")
        .map(|_| int::<u16>(v, "remote_to_self_delay"))
        .transpose()?;
    let unknown = match opt(v, "unknown") {
        None => Vec::new(),
        Some(list) => list
            .as_array()
            .ok_or_else(|| err("unknown", "not an array"))?
            .iter()
            .map(|u| {
                Ok(UnknownTlv {
                    tlv_type: u64_of(u, "type")?,
                    value: hex_of(u, "value")?,
                })
            })
            .collect::<Result<_, Error>>()?,
    };
    Ok(ChannelTlvs {
        shachain,
        basepoints,
        opener,
        remote_to_self_delay,
        unknown,
    })
}
