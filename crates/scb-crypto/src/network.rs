//! The Bitcoin networks lnd runs on, and the BIP32 coin type each one uses.

use core::fmt;
use core::str::FromStr;

use bitcoin::constants::ChainHash;

use crate::KeyError;

/// btcd's simnet genesis block hash, in wire (internal) byte order
/// (`683e86bd…d77af6` as block explorers print it). rust-bitcoin has no simnet.
const SIMNET_GENESIS: [u8; 32] = [
    0xf6, 0x7a, 0xd7, 0x69, 0x5d, 0x9b, 0x66, 0x2a, 0x72, 0xff, 0x3d, 0x8e, 0xdb, 0xbb, 0x2d, 0xe0,
    0xbf, 0xa6, 0x7b, 0x13, 0x97, 0x4b, 0xb9, 0x91, 0x0d, 0x11, 0x6d, 0x5c, 0xbd, 0x86, 0x3e, 0x68,
];

/// A network lnd can run on. It only matters for the coin type of the key
/// path: every test network shares coin type 1, so one backup key serves
/// them all (docs/format.md#key-from-public-key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Network {
    /// Bitcoin mainnet (coin type 0).
    #[default]
    Mainnet,
    /// testnet3 (coin type 1).
    Testnet,
    /// testnet4 (coin type 1).
    Testnet4,
    /// signet (coin type 1).
    Signet,
    /// regtest (coin type 1).
    Regtest,
    /// btcd's simnet (coin type 1).
    Simnet,
}

impl Network {
    /// Every network, mainnet first.
    pub const ALL: [Network; 6] = [
        Network::Mainnet,
        Network::Testnet,
        Network::Testnet4,
        Network::Signet,
        Network::Regtest,
        Network::Simnet,
    ];

    /// The BIP32 coin type lnd's chain parameters give this network:
    /// 0 on mainnet, 1 on every other network.
    pub const fn coin_type(self) -> u32 {
        match self {
            Network::Mainnet => 0,
            Network::Testnet
            | Network::Testnet4
            | Network::Signet
            | Network::Regtest
            | Network::Simnet => 1,
        }
    }

    /// The lower-case name used by [`FromStr`] and [`Display`](fmt::Display).
    pub const fn as_str(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Testnet4 => "testnet4",
            Network::Signet => "signet",
            Network::Regtest => "regtest",
            Network::Simnet => "simnet",
        }
    }

    /// The network's name in btcd's chain parameters (what lnd logs):
    /// [`as_str`](Self::as_str), except `testnet3` for testnet.
    pub const fn chain_name(self) -> &'static str {
        match self {
            Network::Testnet => "testnet3",
            other => other.as_str(),
        }
    }

    /// The genesis block hash in wire (internal) byte order: the `chain_hash`
    /// a single of this network carries.
    pub fn chain_hash(self) -> [u8; 32] {
        let network = match self {
            Network::Mainnet => bitcoin::Network::Bitcoin,
            Network::Testnet => bitcoin::Network::Testnet,
            Network::Testnet4 => bitcoin::Network::Testnet4,
            Network::Signet => bitcoin::Network::Signet,
            Network::Regtest => bitcoin::Network::Regtest,
            Network::Simnet => return SIMNET_GENESIS,
        };
        ChainHash::using_genesis_block_const(network).to_bytes()
    }

    /// The network whose genesis block hash is `chain_hash` (wire order), if any.
    ///
    /// ```
    /// use scb_crypto::Network;
    /// assert_eq!(Network::from_chain_hash(&Network::Signet.chain_hash()), Some(Network::Signet));
    /// assert_eq!(Network::from_chain_hash(&[0; 32]), None);
    /// ```
    pub fn from_chain_hash(chain_hash: &[u8; 32]) -> Option<Network> {
        Network::ALL
            .into_iter()
            .find(|n| n.chain_hash() == *chain_hash)
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = KeyError;

    /// Parses one of the lower-case names `mainnet`, `testnet` (testnet3),
    /// `testnet4`, `signet`, `regtest`, `simnet`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Network::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| KeyError::UnknownNetwork(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coin_type_is_zero_only_on_mainnet() {
        for n in Network::ALL {
            assert_eq!(n.coin_type(), u32::from(n != Network::Mainnet), "{n}");
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for n in Network::ALL {
            assert_eq!(n.to_string().parse::<Network>().ok(), Some(n));
        }
        assert!(matches!(
            "Mainnet".parse::<Network>(),
            Err(KeyError::UnknownNetwork(s)) if s == "Mainnet"
        ));
        assert!("testnet3".parse::<Network>().is_err());
    }

    #[test]
    fn chain_hashes_are_the_genesis_block_hashes() {
        use bitcoin::hashes::Hash;
        for (net, ours) in [
            (bitcoin::Network::Bitcoin, Network::Mainnet),
            (bitcoin::Network::Testnet, Network::Testnet),
            (bitcoin::Network::Testnet4, Network::Testnet4),
            (bitcoin::Network::Signet, Network::Signet),
            (bitcoin::Network::Regtest, Network::Regtest),
        ] {
            let hash = bitcoin::constants::genesis_block(net).block_hash();
            assert_eq!(ours.chain_hash(), hash.to_byte_array(), "{ours}");
            assert_eq!(Network::from_chain_hash(&hash.to_byte_array()), Some(ours));
        }
        let mut simnet = Network::Simnet.chain_hash();
        simnet.reverse();
        assert_eq!(
            bitcoin::hex::DisplayHex::to_lower_hex_string(&simnet[..]),
            "683e86bd5c6d110d91b94b97137ba6bfe02dbbdb8e3dff722a669b5d69d77af6"
        );
        let names: Vec<_> = Network::ALL.iter().map(|n| n.chain_name()).collect();
        assert_eq!(
            names,
            ["mainnet", "testnet3", "testnet4", "signet", "regtest", "simnet"]
        );
    }
}
