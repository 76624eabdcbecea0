//! Peer addresses as lnwire encodes them, and their text form (Go's
//! `net.Addr.String()`, as the test vectors print them).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use bitcoin::hex::{DisplayHex, FromHex};

use crate::error::{AddressParseError, DecodeError, EncodeError};
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
                    // lnd writes any IP with a 4-byte form as IPv4 (S13).
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

    /// Parses the JSON form `{"type", "address"}` of the test vectors:
    /// `kind` is the descriptor name (see [`Address::kind`]) and `text` is
    /// what Go's `net.Addr.String()` prints (the inverse of `Display`).
    ///
    /// ```
    /// use scb_wire::Address;
    /// let a = Address::parse("ipv6", "[2001:db8::1]:9735").unwrap();
    /// assert_eq!(a.to_string(), "[2001:db8::1]:9735");
    /// let t = Address::parse("torv2", "3g2upl4pq6kufc4m.onion:9735").unwrap();
    /// assert_eq!(t.kind(), "torv2");
    /// ```
    pub fn parse(kind: &str, text: &str) -> Result<Self, AddressParseError> {
        if kind == "opaque" {
            let bytes = Vec::<u8>::from_hex(text)
                .map_err(|_| AddressParseError::BadHex(text.to_string()))?;
            if bytes.is_empty() {
                return Err(AddressParseError::BadHex(text.to_string()));
            }
            return Ok(Self::Opaque(bytes));
        }
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| AddressParseError::BadPort(text.to_string()))?;
        let port: u16 = port
            .parse()
            .map_err(|_| AddressParseError::BadPort(text.to_string()))?;
        let bad_host = |kind: &'static str| AddressParseError::BadHost {
            kind,
            text: text.to_string(),
        };
        match kind {
            "ipv4" => Ok(Self::Ipv4 {
                ip: host.parse().map_err(|_| bad_host("ipv4"))?,
                port,
            }),
            "ipv6" => {
                let ip =
                    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
                        inner.parse().map_err(|_| bad_host("ipv6"))?
                    } else {
                        // A v4-mapped address read with descriptor 2 prints as IPv4.
                        let v4: Ipv4Addr = host.parse().map_err(|_| bad_host("ipv6"))?;
                        v4.to_ipv6_mapped()
                    };
                Ok(Self::Ipv6 { ip, port })
            }
            "torv2" | "torv3" => {
                let b32 = host
                    .strip_suffix(".onion")
                    .ok_or_else(|| bad_host("onion"))?;
                match (kind, b32.len()) {
                    ("torv2", 16) => Ok(Self::TorV2 {
                        key: base32_decode(b32).ok_or_else(|| onion_b32(text))?,
                        port,
                    }),
                    ("torv3", 56) => Ok(Self::TorV3 {
                        key: base32_decode(b32).ok_or_else(|| onion_b32(text))?,
                        port,
                    }),
                    _ => Err(AddressParseError::OnionLength(text.to_string())),
                }
            }
            "dns" => {
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .filter(|h| h.contains(':'))
                    .unwrap_or(host);
                Ok(Self::Dns {
                    host: host.as_bytes().to_vec(),
                    port,
                })
            }
            other => Err(AddressParseError::UnknownType(other.to_string())),
        }
    }
}

fn onion_b32(text: &str) -> AddressParseError {
    AddressParseError::OnionBase32(text.to_string())
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
                // lnd keeps the descriptor and everything after it (S12).
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

impl fmt::Display for Address {
    /// Go's `net.Addr.String()` form, as in the vectors' `address` text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4 { ip, port } => write!(f, "{ip}:{port}"),
            Self::Ipv6 { ip, port } => {
                if let Some(v4) = ip.to_ipv4_mapped() {
                    write!(f, "{v4}:{port}")
                } else {
                    f.write_str("[")?;
                    fmt_ipv6(ip, f)?;
                    write!(f, "]:{port}")
                }
            }
            Self::TorV2 { key, port } => {
                write!(f, "{}.onion:{port}", base32_encode(key))
            }
            Self::TorV3 { key, port } => {
                write!(f, "{}.onion:{port}", base32_encode(key))
            }
            Self::Dns { host, port } => {
                let host = String::from_utf8_lossy(host);
                if host.contains(':') {
                    write!(f, "[{host}]:{port}")
                } else {
                    write!(f, "{host}:{port}")
                }
            }
            Self::Opaque(bytes) => write!(f, "{}", bytes.as_hex()),
        }
    }
}

/// RFC 5952 text of an IPv6 address, as Go prints it: lower-case hex, the
/// first longest run of two or more zero groups as `::`, no embedded IPv4.
fn fmt_ipv6(ip: &Ipv6Addr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let g = ip.segments();
    // `best` = 8 means no run: the checks below never match then.
    let (mut best, mut best_len) = (8usize, 0usize);
    let mut i = 0;
    while i < 8 {
        if g[i] == 0 {
            let start = i;
            while i < 8 && g[i] == 0 {
                i += 1;
            }
            if i - start >= 2 && i - start > best_len {
                best = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            f.write_str("::")?;
            i += best_len;
            continue;
        }
        if i != 0 && i != best + best_len {
            f.write_str(":")?;
        }
        write!(f, "{:x}", g[i])?;
        i += 1;
    }
    Ok(())
}

const B32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Lower-case RFC 4648 base32 without padding.
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes lower-case base32 into exactly `N` bytes (the lengths used here,
/// 16 and 56 characters, carry no padding bits).
fn base32_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() * 5 != N * 8 {
        return None;
    }
    let mut out = [0u8; N];
    let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
    for c in text.bytes() {
        let v = B32.iter().position(|&x| x == c)? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    Some(out)
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
    fn ipv6_text_follows_rfc_5952_like_go() {
        for (text, ip) in [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8::1:0:0:1", "2001:db8:0:0:1:0:0:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("fe80::1:0:0:2", "fe80:0:0:0:1:0:0:2"),
            ("::102:304", "::1.2.3.4"),
        ] {
            let ip: Ipv6Addr = ip.parse().unwrap();
            let a = Address::Ipv6 { ip, port: 1 };
            assert_eq!(a.to_string(), alloc::format!("[{text}]:1"));
        }
    }

    #[test]
    fn dns_with_colon_is_bracketed_and_parses_back() {
        let a = Address::Dns {
            host: b"a:b".to_vec(),
            port: 7,
        };
        assert_eq!(a.to_string(), "[a:b]:7");
        assert_eq!(Address::parse("dns", "[a:b]:7").unwrap(), a);
        let e = Address::Dns {
            host: vec![],
            port: 0,
        };
        assert_eq!(e.to_string(), ":0");
        assert_eq!(Address::parse("dns", ":0").unwrap(), e);
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

    #[test]
    fn onion_text_round_trips_and_bad_forms_are_refused() {
        let a = Address::parse("torv2", "3g2upl4pq6kufc4m.onion:9735").unwrap();
        assert_eq!(a.to_string(), "3g2upl4pq6kufc4m.onion:9735");
        assert_eq!(
            Address::parse("torv2", "abc.onion:1"),
            Err(AddressParseError::OnionLength("abc.onion:1".into()))
        );
        assert_eq!(
            Address::parse("torv2", "3G2UPL4PQ6KUFC4M.onion:1"),
            Err(AddressParseError::OnionBase32(
                "3G2UPL4PQ6KUFC4M.onion:1".into()
            ))
        );
        let v3 = Address::TorV3 {
            key: [0xa5; 35],
            port: 80,
        };
        assert_eq!(Address::parse("torv3", &v3.to_string()).unwrap(), v3);
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(matches!(
            Address::parse("ipv4", "1.2.3.4"),
            Err(AddressParseError::BadPort(_))
        ));
        assert!(matches!(
            Address::parse("ipv4", "1.2.3.4:70000"),
            Err(AddressParseError::BadPort(_))
        ));
        assert!(matches!(
            Address::parse("ipv4", "x:1"),
            Err(AddressParseError::BadHost { .. })
        ));
        assert!(matches!(
            Address::parse("ipv6", "[zz]:1"),
            Err(AddressParseError::BadHost { .. })
        ));
        assert!(matches!(
            Address::parse("udp", "x:1"),
            Err(AddressParseError::UnknownType(_))
        ));
        assert!(matches!(
            Address::parse("opaque", "0g"),
            Err(AddressParseError::BadHex(_))
        ));
        assert!(matches!(
            Address::parse("opaque", ""),
            Err(AddressParseError::BadHex(_))
        ));
    }
}
