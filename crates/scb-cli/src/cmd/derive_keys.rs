//! `scb dump --derive-keys`: our public key at every key locator of each
//! channel, and the funding output rebuilt from them, so a person can find
//! the channel on a block explorer.

use std::fmt::Write as _;

use bitcoin::hex::DisplayHex;
use scb_crypto::{KeyRing, Network, RootKeyRing};
use scb_wire::{KeyLocator, Single};
use serde::Serialize;

use crate::cli::DumpFormat;
use crate::error::{CliError, CliResult};
use crate::key::ResolvedKey;

/// One derived key.
#[derive(Debug, Serialize)]
pub struct DerivedKey {
    /// What the key is for (`multisig_key`, `revocation_base_point`, ...).
    pub name: &'static str,
    /// Its key family.
    pub family: u32,
    /// Its index.
    pub index: u32,
    /// The compressed public key, hex.
    pub pubkey: String,
}

/// The derived keys and funding output of one channel.
#[derive(Debug, Serialize)]
pub struct DerivedChannel {
    /// `txid:vout`.
    pub funding_outpoint: String,
    /// Our keys at the single's locators.
    pub keys: Vec<DerivedKey>,
    /// The funding output script rebuilt from our multisig key and the peer's, hex.
    pub funding_script_pubkey: String,
    /// Its address (`null` on simnet, which has no address format here).
    pub funding_address: Option<String>,
    /// The 2-of-2 witness script (versions 0–4), hex.
    pub funding_witness_script: Option<String>,
}

fn bitcoin_network(n: Network) -> Option<bitcoin::Network> {
    match n {
        Network::Mainnet => Some(bitcoin::Network::Bitcoin),
        Network::Testnet => Some(bitcoin::Network::Testnet),
        Network::Testnet4 => Some(bitcoin::Network::Testnet4),
        Network::Signet => Some(bitcoin::Network::Signet),
        Network::Regtest => Some(bitcoin::Network::Regtest),
        Network::Simnet => None,
    }
}

fn channel(s: &Single, ring: &RootKeyRing) -> CliResult<DerivedChannel> {
    let outpoint = s.funding_outpoint.to_string();
    let fail = |e: &dyn std::error::Error| CliError::failed(format!("channel {outpoint}"), e);
    let l = &s.local_chan_cfg;
    let mut locators: Vec<(&'static str, KeyLocator)> = vec![
        ("multisig_key", l.multisig_key),
        ("revocation_base_point", l.revocation_base_point),
        ("payment_base_point", l.payment_base_point),
        ("delay_base_point", l.delay_base_point),
        ("htlc_base_point", l.htlc_base_point),
    ];
    if s.shachain_root.pubkey.is_none() {
        locators.push(("shachain_root", s.shachain_root.locator));
    }
    let mut keys = Vec::with_capacity(locators.len());
    for (name, loc) in locators {
        let pk = ring.derive_pubkey(loc).map_err(|e| fail(&e))?;
        keys.push(DerivedKey {
            name,
            family: loc.family,
            index: loc.index,
            pubkey: pk.to_string(),
        });
    }
    let ours = ring.derive_pubkey(l.multisig_key).map_err(|e| fail(&e))?;
    let funding = scb_rescue::funding_output(s, &ours).map_err(|e| fail(&e))?;
    let spk = &funding.txout.script_pubkey;
    let funding_address = bitcoin_network(ring.network())
        .and_then(|n| bitcoin::Address::from_script(spk, n).ok())
        .map(|a| a.to_string());
    let funding_witness_script = match &funding.script {
        scb_rescue::FundingScript::P2wsh { witness_script } => {
            Some(witness_script.as_bytes().to_lower_hex_string())
        }
        scb_rescue::FundingScript::Taproot { .. } => None,
    };
    Ok(DerivedChannel {
        funding_outpoint: outpoint,
        keys,
        funding_script_pubkey: spk.as_bytes().to_lower_hex_string(),
        funding_address,
        funding_witness_script,
    })
}

/// Adds the derived keys of `singles` to a `dump` output already rendered
/// in `format`: a section per channel for text, a `derived_keys` array
/// beside the backup's fields for JSON.
pub fn extend(
    text: String,
    format: DumpFormat,
    singles: &[Single],
    key: &ResolvedKey,
) -> CliResult<String> {
    let ring = key.root_key_ring()?;
    let derived = singles
        .iter()
        .map(|s| channel(s, &ring))
        .collect::<CliResult<Vec<_>>>()?;
    match format {
        DumpFormat::Json => {
            let mut value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| CliError::Failed(format!("cannot extend json: {e}")))?;
            let derived = serde_json::to_value(&derived)
                .map_err(|e| CliError::Failed(format!("cannot produce json: {e}")))?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("derived_keys".into(), derived);
            }
            crate::util::to_json(&value)
        }
        DumpFormat::Text => {
            let mut out = text;
            let _ = writeln!(out, "\nderived keys ({} network)", ring.network());
            for d in &derived {
                let _ = writeln!(out, "channel  {}", d.funding_outpoint);
                for k in &d.keys {
                    let _ = writeln!(
                        out,
                        "  {:<22}{}/{}  {}",
                        k.name, k.family, k.index, k.pubkey
                    );
                }
                let _ = writeln!(out, "  {:<22}{}", "funding script", d.funding_script_pubkey);
                if let Some(a) = &d.funding_address {
                    let _ = writeln!(out, "  {:<22}{a}", "funding address");
                }
            }
            Ok(out)
        }
        DumpFormat::Hex => Err(CliError::usage(
            "--derive-keys cannot be combined with --format hex",
        )),
    }
}
