//! Core Lightning's `wireaddr`: the peer address stored with each channel.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::reader::Reader;
use crate::Error;

/// One peer address, as `common/wireaddr.c` encodes it: a descriptor byte,
/// the address, a big-endian `u16` port. Port 0 is kept (Core Lightning reads
/// it and ignores its own "ignore" verdict).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// Descriptor 1.
    Ipv4 {
        /// The address.
        ip: Ipv4Addr,
        /// The port.
        port: u16,
    },
    /// Descriptor 2.
    Ipv6 {
        /// The address.
        ip: Ipv6Addr,
        /// The port.
        port: u16,
    },
    /// Descriptor 3: a Tor v2 onion service (Core Lightning still reads it).
    TorV2 {
        /// The 10 address bytes.
        onion: [u8; 10],
        /// The port.
        port: u16,
    },
    /// Descriptor 4: a Tor v3 onion service.
    TorV3 {
        /// The 35 address bytes (key, checksum, version), not checked.
        onion: [u8; 35],
        /// The port.
        port: u16,
    },
    /// Descriptor 5: a DNS host name of at most 255 bytes, not validated.
    Dns {
        /// The name's bytes.
        host: Vec<u8>,
        /// The port.
        port: u16,
    },
}

impl Address {
    /// The descriptor byte.
    pub fn descriptor(&self) -> u8 {
        match self {
            Self::Ipv4 { .. } => 1,
            Self::Ipv6 { .. } => 2,
            Self::TorV2 { .. } => 3,
            Self::TorV3 { .. } => 4,
            Self::Dns { .. } => 5,
        }
    }

    /// The kind's name in the JSON form: `ipv4`, `ipv6`, `torv2`, `torv3`, `dns`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ipv4 { .. } => "ipv4",
            Self::Ipv6 { .. } => "ipv6",
            Self::TorV2 { .. } => "torv2",
            Self::TorV3 { .. } => "torv3",
            Self::Dns { .. } => "dns",
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        match self {
            Self::Ipv4 { port, .. }
            | Self::Ipv6 { port, .. }
            | Self::TorV2 { port, .. }
            | Self::TorV3 { port, .. }
            | Self::Dns { port, .. } => *port,
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let offset = r.offset();
        let address = match r.u8("address descriptor")? {
            1 => {
                let ip = Ipv4Addr::from(r.array::<4>("ipv4 address")?);
                Self::Ipv4 {
                    ip,
                    port: r.u16("address port")?,
                }
            }
            2 => {
                let ip = Ipv6Addr::from(r.array::<16>("ipv6 address")?);
                Self::Ipv6 {
                    ip,
                    port: r.u16("address port")?,
                }
            }
            3 => {
                let onion = r.array("tor v2 address")?;
                Self::TorV2 {
                    onion,
                    port: r.u16("address port")?,
                }
            }
            4 => {
                let onion = r.array("tor v3 address")?;
                Self::TorV3 {
                    onion,
                    port: r.u16("address port")?,
                }
            }
            5 => {
                let len = r.u8("dns host length")?;
                let host = r.take(usize::from(len), "dns host")?.to_vec();
                Self::Dns {
                    host,
                    port: r.u16("address port")?,
                }
            }
            descriptor => return Err(Error::UnknownAddressType { descriptor, offset }),
        };
        Ok(address)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(self.descriptor());
        match self {
            Self::Ipv4 { ip, .. } => out.extend_from_slice(&ip.octets()),
            Self::Ipv6 { ip, .. } => out.extend_from_slice(&ip.octets()),
            Self::TorV2 { onion, .. } => out.extend_from_slice(onion),
            Self::TorV3 { onion, .. } => out.extend_from_slice(onion),
            Self::Dns { host, .. } => {
                let len = u8::try_from(host.len()).map_err(|_| Error::Unencodable {
                    field: "dns host",
                    reason: "longer than 255 bytes",
                })?;
                out.push(len);
                out.extend_from_slice(host);
            }
        }
        out.extend_from_slice(&self.port().to_be_bytes());
        Ok(())
    }

    /// Parses the text form [`Display`](fmt::Display) gives, for the kind
    /// named by `kind` (as in the JSON form).
    pub fn parse(kind: &str, text: &str) -> Result<Self, String> {
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("{text:?} has no :port"))?;
        let port: u16 = port.parse().map_err(|_| format!("bad port in {text:?}"))?;
        let onion = |len: usize| -> Result<Vec<u8>, String> {
            let name = host
                .strip_suffix(".onion")
                .ok_or_else(|| format!("{text:?} does not end in .onion"))?;
            let bytes = base32_decode(name).ok_or_else(|| format!("bad base32 in {text:?}"))?;
            if bytes.len() == len {
                Ok(bytes)
            } else {
                Err(format!("{text:?} is not {len} bytes"))
            }
        };
        Ok(match kind {
            "ipv4" => Self::Ipv4 {
                ip: host.parse().map_err(|_| format!("bad ipv4 {text:?}"))?,
                port,
            },
            "ipv6" => Self::Ipv6 {
                ip: host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .ok_or_else(|| format!("ipv6 {text:?} not in brackets"))?
                    .parse()
                    .map_err(|_| format!("bad ipv6 {text:?}"))?,
                port,
            },
            "torv2" => Self::TorV2 {
                onion: onion(10)?.try_into().map_err(|_| "tor v2 length")?,
                port,
            },
            "torv3" => Self::TorV3 {
                onion: onion(35)?.try_into().map_err(|_| "tor v3 length")?,
                port,
            },
            "dns" => Self::Dns {
                host: host.as_bytes().to_vec(),
                port,
            },
            other => return Err(format!("unknown address type {other:?}")),
        })
    }
}

/// `a.b.c.d:port`, `[ipv6]:port` (RFC 5952), `<base32>.onion:port`, `host:port`.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4 { ip, port } => write!(f, "{ip}:{port}"),
            Self::Ipv6 { ip, port } => write!(f, "[{ip}]:{port}"),
            Self::TorV2 { onion, port } => write!(f, "{}.onion:{port}", base32_encode(onion)),
            Self::TorV3 { onion, port } => write!(f, "{}.onion:{port}", base32_encode(onion)),
            Self::Dns { host, port } => write!(f, "{}:{port}", String::from_utf8_lossy(host)),
        }
    }
}

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// RFC 4648 base32, lower case, no padding (onion addresses).
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u16, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u16::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[usize::from((acc >> bits) & 31)]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[usize::from((acc << (5 - bits)) & 31)]));
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u16, 0u32);
    for c in text.bytes() {
        let v = BASE32.iter().position(|&x| x == c.to_ascii_lowercase())?;
        acc = (acc << 5) | v as u16;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero padding.
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn base32_round_trips_onion_lengths() {
        for len in [10, 35] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 5) as u8).collect();
            let text = base32_encode(&bytes);
            assert_eq!(text.len(), if len == 10 { 16 } else { 56 });
            assert_eq!(base32_decode(&text).unwrap(), bytes);
        }
    }

    #[test]
    fn text_form_parses_back() {
        let all = [
            Address::Ipv4 {
                ip: Ipv4Addr::new(10, 0, 0, 1),
                port: 0,
            },
            Address::Ipv6 {
                ip: "2001:db8::1".parse().unwrap(),
                port: 9735,
            },
            Address::TorV2 {
                onion: [7; 10],
                port: 1,
            },
            Address::TorV3 {
                onion: [200; 35],
                port: 65535,
            },
            Address::Dns {
                host: b"node.example.com".to_vec(),
                port: 9736,
            },
        ];
        for a in all {
            assert_eq!(Address::parse(a.kind(), &a.to_string()).unwrap(), a);
        }
    }

    #[test]
    fn unknown_descriptor_is_rejected_with_its_offset() {
        let mut r = Reader::at(&[6, 0, 0], 40);
        assert_eq!(
            Address::decode(&mut r),
            Err(Error::UnknownAddressType {
                descriptor: 6,
                offset: 40
            })
        );
    }
}
