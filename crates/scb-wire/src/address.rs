//! Peer addresses as lnwire encodes them (their text form is in
//! `address_text.rs`).

use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{DecodeError, EncodeError};
use crate::reader::{put_u16, Reader};

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
    ///
    /// Written back verbatim, as lnd does: it reads back as one opaque
    /// address only when it is the last entry and starts with a byte of 6 or
    /// more (otherwise its bytes are read as whatever entries they spell).
    Opaque(Vec<u8>),
}

/// Descriptor bytes of lnwire's address types.
const NONE: u8 = 0;
const IPV4: u8 = 1;
const IPV6: u8 = 2;
const TORV2: u8 = 3;
const TORV3: u8 = 4;
const DNS: u8 = 5;

impl Address {
    /// The JSON `type` name of this address (`ipv4`, `ipv6`, `torv2`,
    /// `torv3`, `dns`, `opaque`): the descriptor lnd read.
    ///
    /// ```
    /// use scb_wire::Address;
    /// let a = Address::Ipv4 { ip: [10, 0, 0, 1].into(), port: 9735 };
    /// assert_eq!(a.kind(), "ipv4");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ipv4 { .. } => "ipv4",
            Self::Ipv6 { .. } => "ipv6",
            Self::TorV2 { .. } => "torv2",
            Self::TorV3 { .. } => "torv3",
            Self::Dns { .. } => "dns",
            Self::Opaque(_) => "opaque",
        }
    }

    /// Appends this address's entry (descriptor and payload) as lnd writes it.
    ///
    /// An IPv4-mapped IPv6 address is written with descriptor 1, as lnd does;
    /// an opaque address is written verbatim wherever it stands (on reading it
    /// then swallows the entries after it, as in lnd). A DNS name over 255
    /// bytes is refused: lnd would write a wrapped length byte it cannot read.
    ///
    /// ```
    /// use scb_wire::Address;
    /// let mut out = Vec::new();
    /// Address::Ipv4 { ip: [10, 0, 0, 1].into(), port: 9735 }.encode(&mut out).unwrap();
    /// assert_eq!(out, [1, 10, 0, 0, 1, 0x26, 0x07]);
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Ipv4 { ip, port } => {
                out.push(IPV4);
                out.extend_from_slice(&ip.octets());
                put_u16(out, *port);
            }
            Self::Ipv6 { ip, port } => {
                if let Some(v4) = ip.to_ipv4_mapped() {
                    // lnd writes any IP with a 4-byte form as IPv4
                    // (docs/format.md#address-writer-limits).
                    out.push(IPV4);
                    out.extend_from_slice(&v4.octets());
                } else {
                    out.push(IPV6);
                    out.extend_from_slice(&ip.octets());
                }
                put_u16(out, *port);
            }
            Self::TorV2 { key, port } => {
                out.push(TORV2);
                out.extend_from_slice(key);
                put_u16(out, *port);
            }
            Self::TorV3 { key, port } => {
                out.push(TORV3);
                out.extend_from_slice(key);
                put_u16(out, *port);
            }
            Self::Dns { host, port } => {
                let len = u8::try_from(host.len())
                    .map_err(|_| EncodeError::DnsHostTooLong(host.len()))?;
                out.push(DNS);
                out.push(len);
                out.extend_from_slice(host);
                put_u16(out, *port);
            }
            Self::Opaque(bytes) => out.extend_from_slice(bytes),
        }
        Ok(())
    }

    /// The number of bytes [`Address::encode`] appends (when it succeeds).
    ///
    /// ```
    /// use scb_wire::Address;
    /// let a = Address::Dns { host: b"example.com".to_vec(), port: 9735 };
    /// let mut out = Vec::new();
    /// a.encode(&mut out).unwrap();
    /// assert_eq!(a.encoded_len(), out.len());
    /// ```
    pub fn encoded_len(&self) -> usize {
        // Descriptor byte, payload, u16 port.
        match self {
            Self::Ipv4 { .. } => 1 + 4 + 2,
            Self::Ipv6 { ip, .. } if ip.to_ipv4_mapped().is_some() => 1 + 4 + 2,
            Self::Ipv6 { .. } => 1 + 16 + 2,
            Self::TorV2 { .. } => 1 + 10 + 2,
            Self::TorV3 { .. } => 1 + 35 + 2,
            Self::Dns { host, .. } => 1 + 1 + host.len() + 2,
            Self::Opaque(bytes) => bytes.len(),
        }
    }
}

/// Encodes the entries of an address list (without the u16 list length).
///
/// ```
/// use scb_wire::{decode_address_list, encode_address_list, Address};
/// let list = vec![
///     Address::Ipv4 { ip: [127, 0, 0, 1].into(), port: 9735 },
///     Address::Dns { host: b"example.com".to_vec(), port: 9735 },
/// ];
/// let mut bytes = Vec::new();
/// encode_address_list(&list, &mut bytes).unwrap();
/// assert_eq!(decode_address_list(&bytes).unwrap(), list);
/// ```
pub fn encode_address_list(addresses: &[Address], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for a in addresses {
        a.encode(out)?;
    }
    Ok(())
}

/// The number of bytes [`encode_address_list`] appends (when it succeeds).
pub fn encoded_address_list_len(addresses: &[Address]) -> usize {
    addresses.iter().map(Address::encoded_len).sum()
}

/// Decodes the entries of an address list (the `L` bytes after the u16 list
/// length) exactly as lnd does: descriptor 0 is skipped, an unknown
/// descriptor swallows the rest of the list as one [`Address::Opaque`], and
/// an entry running past the end is an error.
///
/// ```
/// use scb_wire::{decode_address_list, Address};
/// // descriptor 0 (skipped), then an unknown descriptor 9 eating the rest
/// let list = decode_address_list(&[0, 9, 1, 2]).unwrap();
/// assert_eq!(list, vec![Address::Opaque(vec![9, 1, 2])]);
/// ```
pub fn decode_address_list(bytes: &[u8]) -> Result<Vec<Address>, DecodeError> {
    read_address_list(&mut Reader::new(bytes))
}

/// Reads entries until the reader is exhausted.
pub(crate) fn read_address_list(r: &mut Reader<'_>) -> Result<Vec<Address>, DecodeError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let start = r.offset();
        let descriptor = r.u8("address descriptor")?;
        let bad = |field: &'static str| {
            move |_| DecodeError::BadAddress {
                field,
                offset: start,
            }
        };
        let addr = match descriptor {
            NONE => continue,
            IPV4 => {
                let ip: [u8; 4] = r.array("ipv4 address").map_err(bad("ipv4 address"))?;
                let port = r.u16_be("ipv4 address").map_err(bad("ipv4 address"))?;
                Address::Ipv4 {
                    ip: ip.into(),
                    port,
                }
            }
            IPV6 => {
                let ip: [u8; 16] = r.array("ipv6 address").map_err(bad("ipv6 address"))?;
                let port = r.u16_be("ipv6 address").map_err(bad("ipv6 address"))?;
                Address::Ipv6 {
                    ip: ip.into(),
                    port,
                }
            }
            TORV2 => {
                let key = r.array("tor v2 address").map_err(bad("tor v2 address"))?;
                let port = r.u16_be("tor v2 address").map_err(bad("tor v2 address"))?;
                Address::TorV2 { key, port }
            }
            TORV3 => {
                let key = r.array("tor v3 address").map_err(bad("tor v3 address"))?;
                let port = r.u16_be("tor v3 address").map_err(bad("tor v3 address"))?;
                Address::TorV3 { key, port }
            }
            DNS => {
                let len = r.u8("dns address").map_err(bad("dns address"))?;
                let host = r
                    .take(len.into(), "dns address")
                    .map_err(bad("dns address"))?;
                let port = r.u16_be("dns address").map_err(bad("dns address"))?;
                Address::Dns {
                    host: host.to_vec(),
                    port,
                }
            }
            _ => {
                // lnd keeps the descriptor and everything after it
                // (docs/format.md#unknown-address-descriptor).
                let rest = r.take(r.remaining(), "opaque address")?;
                let mut bytes = Vec::with_capacity(rest.len() + 1);
                bytes.push(descriptor);
                bytes.extend_from_slice(rest);
                Address::Opaque(bytes)
            }
        };
        out.push(addr);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn bad_address(bytes: &[u8]) -> (&'static str, usize) {
        match decode_address_list(bytes).unwrap_err() {
            DecodeError::BadAddress { field, offset } => (field, offset),
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn decode_rejects_truncated_entries_naming_kind_and_offset() {
        assert_eq!(bad_address(&[1, 1, 2, 3, 4, 0]), ("ipv4 address", 0));
        assert_eq!(bad_address(&[0, 2, 0]), ("ipv6 address", 1));
        assert_eq!(bad_address(&[3; 12]), ("tor v2 address", 0));
        assert_eq!(bad_address(&[4; 37]), ("tor v3 address", 0));
        assert_eq!(bad_address(&[5, 3, b'a', b'b']), ("dns address", 0));
        assert_eq!(bad_address(&[5, 1, b'a', 0]), ("dns address", 0));
        assert_eq!(bad_address(&[5]), ("dns address", 0));
    }

    #[test]
    fn descriptor_zero_is_skipped() {
        assert_eq!(decode_address_list(&[0, 0, 0]).unwrap(), vec![]);
    }

    #[test]
    fn unknown_descriptor_swallows_valid_entries_after_it() {
        let list = decode_address_list(&[1, 1, 2, 3, 4, 0, 1, 6, 1, 9, 9, 9, 9, 0, 1]).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1], Address::Opaque(vec![6, 1, 9, 9, 9, 9, 0, 1]));
    }

    #[test]
    fn v4_mapped_ipv6_is_written_as_ipv4_and_printed_as_ipv4() {
        let a = Address::Ipv6 {
            ip: Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped(),
            port: 9735,
        };
        assert_eq!(a.to_string(), "192.0.2.7:9735");
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, [1, 192, 0, 2, 7, 0x26, 0x07]);
        assert_eq!(Address::parse("ipv6", "192.0.2.7:9735").unwrap(), a);
    }

    #[test]
    fn encode_refuses_dns_host_over_255_bytes() {
        let a = Address::Dns {
            host: vec![b'x'; 256],
            port: 1,
        };
        assert_eq!(
            a.encode(&mut Vec::new()),
            Err(EncodeError::DnsHostTooLong(256))
        );
        let ok = Address::Dns {
            host: vec![b'x'; 255],
            port: 1,
        };
        assert!(ok.encode(&mut Vec::new()).is_ok());
    }
}
