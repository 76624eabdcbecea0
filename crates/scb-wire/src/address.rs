//! Peer addresses as lnwire encodes them.

use std::net::{Ipv4Addr, Ipv6Addr};

/// One peer address of a single, as lnwire's address descriptors encode it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// Descriptor 1: IPv4 and port.
    Ipv4 {
        /// The address.
        ip: Ipv4Addr,
        /// TCP port.
        port: u16,
    },
    /// Descriptor 2: IPv6 and port. An IPv4-mapped address is written back
    /// with descriptor 1, as lnd does.
    Ipv6 {
        /// The address.
        ip: Ipv6Addr,
        /// TCP port.
        port: u16,
    },
    /// Descriptor 3: Tor v2 onion service, 10 raw bytes.
    TorV2 {
        /// The 10 bytes whose base32 is the host name.
        key: [u8; 10],
        /// Port.
        port: u16,
    },
    /// Descriptor 4: Tor v3 onion service, 35 raw bytes.
    TorV3 {
        /// The 35 bytes whose base32 is the host name.
        key: [u8; 35],
        /// Port.
        port: u16,
    },
    /// Descriptor 5: DNS host name, not validated (lnd accepts any bytes).
    Dns {
        /// The host name bytes (at most 255 to be readable by lnd).
        host: Vec<u8>,
        /// Port.
        port: u16,
    },
    /// Any other descriptor: the descriptor byte and every byte left in the
    /// address list, kept verbatim.
    Opaque(Vec<u8>),
}
