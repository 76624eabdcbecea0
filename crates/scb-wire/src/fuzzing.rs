//! The round-trip checks the fuzz targets run (and the regression test
//! replays). Not part of the stable API.
//!
//! Each check decodes arbitrary bytes; when they decode, the value must
//! encode, decode back to the same value (after lnd's one normalisation: an
//! IPv4-mapped IPv6 address comes back as IPv4), and re-encode to the same bytes.

use alloc::vec::Vec;

use crate::{decode_address_list, encode_address_list, Address, Multi, Single};

/// lnd writes an IPv4-mapped IPv6 address as IPv4: the one change a
/// decode -> encode -> decode trip makes to a value.
fn normalize(addresses: &mut [Address]) {
    for a in addresses {
        if let Address::Ipv6 { ip, port } = a {
            if let Some(v4) = ip.to_ipv4_mapped() {
                *a = Address::Ipv4 {
                    ip: v4,
                    port: *port,
                };
            }
        }
    }
}

fn normalized(single: &Single) -> Single {
    let mut s = single.clone();
    normalize(&mut s.addresses);
    s
}

/// Fuzz check of [`Single::decode`].
///
/// # Panics
/// When a decoded single does not survive encode -> decode -> encode.
pub fn check_single(data: &[u8]) {
    let Ok(single) = Single::decode(data) else {
        return;
    };
    let Ok(bytes) = single.to_bytes() else {
        panic!("a decoded single must encode: {single:?}");
    };
    let Ok(back) = Single::decode(&bytes) else {
        panic!("an encoded single must decode: {bytes:?}");
    };
    assert_eq!(back, normalized(&single), "decode(encode(x)) != x");
    assert_eq!(back.to_bytes().ok(), Some(bytes), "encoding is not stable");
}

/// Fuzz check of [`Multi::decode`].
///
/// # Panics
/// When a decoded multi does not survive encode -> decode -> encode.
pub fn check_multi(data: &[u8]) {
    let Ok(multi) = Multi::decode(data) else {
        return;
    };
    let Ok(bytes) = multi.to_bytes() else {
        panic!("a decoded multi must encode");
    };
    let Ok(back) = Multi::decode(&bytes) else {
        panic!("an encoded multi must decode");
    };
    let want: Vec<Single> = multi.singles.iter().map(normalized).collect();
    assert_eq!(back.singles, want, "decode(encode(x)) != x");
    assert_eq!(back.to_bytes().ok(), Some(bytes), "encoding is not stable");
}

/// Fuzz check of [`decode_address_list`].
///
/// # Panics
/// When a decoded list does not survive encode -> decode -> encode.
pub fn check_address_list(data: &[u8]) {
    let Ok(mut list) = decode_address_list(data) else {
        return;
    };
    let mut bytes = Vec::new();
    assert!(
        encode_address_list(&list, &mut bytes).is_ok(),
        "a decoded address list must encode"
    );
    assert!(bytes.len() <= data.len(), "re-encoding grew the list");
    let Ok(back) = decode_address_list(&bytes) else {
        panic!("an encoded address list must decode");
    };
    normalize(&mut list);
    assert_eq!(back, list, "decode(encode(x)) != x");
}
