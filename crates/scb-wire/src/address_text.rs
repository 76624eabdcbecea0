//! The text form of peer addresses: Go's `net.Addr.String()`, as lnd's test
//! vectors print them, and its inverse ([`Address::parse`]).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use bitcoin::hex::{DisplayHex, FromHex};

use crate::error::AddressParseError;
use crate::Address;

impl Address {
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
    use alloc::vec;

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
