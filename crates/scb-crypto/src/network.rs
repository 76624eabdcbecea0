//! The Bitcoin networks lnd runs on, and the BIP32 coin type each one uses.

use core::fmt;
use core::str::FromStr;

use crate::KeyError;

/// A network lnd can run on. It only matters for the coin type of the key
/// path: every test network shares coin type 1, so one backup key serves
/// them all (spec S17).
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
}
