//! Where to dial a peer: an address from the backup or from the command
//! line, in the form the dialler needs.

use std::fmt;
use std::net::SocketAddr;

use scb_wire::Address;

use super::error::PeerError;

/// A dialable peer address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerAddress {
    /// An IPv4 or IPv6 socket address.
    Ip(SocketAddr),
    /// A DNS host name and port.
    Host {
        /// The host name.
        host: String,
        /// The TCP port.
        port: u16,
    },
    /// A Tor v3 onion service (reachable only through `--tor-proxy`).
    Onion {
        /// The `….onion` host name.
        host: String,
        /// The port.
        port: u16,
    },
}

impl PeerAddress {
    /// The address of a backup's address descriptor, or why it cannot be
    /// dialled: Tor v2 services no longer exist (lnd drops them too), and
    /// an opaque descriptor says nothing dialable.
    pub fn from_wire(address: &Address) -> Result<Self, &'static str> {
        match address {
            Address::Ipv4 { ip, port } => Ok(Self::Ip(SocketAddr::from((*ip, *port)))),
            Address::Ipv6 { ip, port } => Ok(Self::Ip(SocketAddr::from((*ip, *port)))),
            Address::TorV3 { port, .. } => {
                // scb-wire prints a v3 address as `<base32>.onion:<port>`.
                let text = address.to_string();
                let host = text
                    .rsplit_once(':')
                    .map_or(text.as_str(), |(host, _)| host)
                    .to_string();
                Ok(Self::Onion { host, port: *port })
            }
            Address::Dns { host, port } => match String::from_utf8(host.clone()) {
                Ok(host) if !host.is_empty() => Ok(Self::Host { host, port: *port }),
                _ => Err("the host name is not UTF-8 text"),
            },
            Address::TorV2 { .. } => Err("Tor v2 onion services no longer exist"),
            _ => Err("unknown address descriptor"),
        }
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` for IPv6, a name ending in `.onion`
    /// for Tor).
    pub fn parse(text: &str) -> Result<Self, PeerError> {
        if let Ok(socket) = text.parse::<SocketAddr>() {
            return Ok(Self::Ip(socket));
        }
        let bad = |reason| PeerError::Undialable {
            address: text.to_string(),
            reason,
        };
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| bad("expected HOST:PORT"))?;
        let port = port.parse::<u16>().map_err(|_| bad("bad port"))?;
        if host.is_empty() || host.contains(':') || host.contains('[') {
            return Err(bad("bad host"));
        }
        if host.to_ascii_lowercase().ends_with(".onion") {
            Ok(Self::Onion {
                host: host.to_string(),
                port,
            })
        } else {
            Ok(Self::Host {
                host: host.to_string(),
                port,
            })
        }
    }

    /// The host text and port, as a SOCKS5 proxy is asked for them.
    pub fn host_port(&self) -> (String, u16) {
        match self {
            Self::Ip(socket) => (socket.ip().to_string(), socket.port()),
            Self::Host { host, port } | Self::Onion { host, port } => (host.clone(), *port),
        }
    }
}

impl fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(socket) => write!(f, "{socket}"),
            Self::Host { host, port } | Self::Onion { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_host_and_onion_addresses() {
        assert_eq!(
            PeerAddress::parse("127.0.0.1:9735").unwrap(),
            PeerAddress::Ip("127.0.0.1:9735".parse().unwrap())
        );
        assert_eq!(
            PeerAddress::parse("[::1]:9735").unwrap().to_string(),
            "[::1]:9735"
        );
        assert_eq!(
            PeerAddress::parse("node.example:9735").unwrap(),
            PeerAddress::Host {
                host: "node.example".into(),
                port: 9735
            }
        );
        assert!(matches!(
            PeerAddress::parse("abc.onion:9735").unwrap(),
            PeerAddress::Onion { .. }
        ));
        for bad in ["", "host", "host:", "host:99999", ":9735", "::1:9735x"] {
            assert!(PeerAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wire_addresses_map_to_dialable_ones_and_tor_v2_is_refused() {
        let v4 = Address::Ipv4 {
            ip: [10, 0, 0, 1].into(),
            port: 9735,
        };
        assert_eq!(
            PeerAddress::from_wire(&v4).unwrap().to_string(),
            "10.0.0.1:9735"
        );
        let dns = Address::Dns {
            host: b"node.example".to_vec(),
            port: 9736,
        };
        assert_eq!(
            PeerAddress::from_wire(&dns).unwrap().to_string(),
            "node.example:9736"
        );
        let v3 = Address::TorV3 {
            key: [1; 35],
            port: 9735,
        };
        let PeerAddress::Onion { host, port } = PeerAddress::from_wire(&v3).unwrap() else {
            panic!("not onion")
        };
        assert!(host.len() == 56 + 6 && &host[56..] == ".onion", "{host}");
        assert_eq!(port, 9735);
        let v2 = Address::TorV2 {
            key: [1; 10],
            port: 9735,
        };
        assert!(PeerAddress::from_wire(&v2).is_err());
    }
}
