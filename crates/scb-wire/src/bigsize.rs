//! BOLT 1's BigSize: the variable-length unsigned integer of Lightning's TLV
//! streams (big-endian, unlike Bitcoin's `CompactSize`).
//!
//! One byte below 0xfd holds the value itself; 0xfd, 0xfe and 0xff announce
//! a 2-, 4- or 8-byte big-endian value. BOLT 1 requires the shortest form:
//! [`read()`] refuses any other, [`write()`] only produces it.
//!
//! ```
//! let mut out = Vec::new();
//! scb_wire::bigsize::write(&mut out, 0x1_0000);
//! assert_eq!(out, [0xfe, 0x00, 0x01, 0x00, 0x00]);
//! assert_eq!(scb_wire::bigsize::read(&out), Ok((0x1_0000, 5)));
//! ```

use alloc::vec::Vec;

/// The longest BigSize: a prefix byte and eight value bytes.
pub const MAX_LEN: usize = 9;

/// Why bytes are not a BigSize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BigSizeError {
    /// There is no byte at all (BOLT 1's "EOF").
    #[error("no BigSize: the input is empty")]
    Empty,
    /// The prefix announces more value bytes than the input holds (BOLT 1's
    /// "unexpected EOF"); the missing bytes start one byte into the input.
    #[error("BigSize truncated after its prefix")]
    Truncated,
    /// The value fits a shorter form, which BOLT 1 requires.
    #[error("BigSize not in its shortest form")]
    NonCanonical,
}

/// Reads one BigSize from the start of `bytes`: the value and how many
/// bytes it took (1, 3, 5 or 9). Bytes after it are not looked at.
pub fn read(bytes: &[u8]) -> Result<(u64, usize), BigSizeError> {
    let (&prefix, rest) = bytes.split_first().ok_or(BigSizeError::Empty)?;
    let (width, min) = match prefix {
        0xfd => (2, 0xfd),
        0xfe => (4, 0x1_0000),
        0xff => (8, 0x1_0000_0000),
        small => return Ok((u64::from(small), 1)),
    };
    let value_bytes = rest.get(..width).ok_or(BigSizeError::Truncated)?;
    let value = value_bytes
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if value < min {
        return Err(BigSizeError::NonCanonical);
    }
    Ok((value, 1 + width))
}

/// How many bytes [`write()`] appends for `value` (1, 3, 5 or 9).
pub const fn encoded_len(value: u64) -> usize {
    match value {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => MAX_LEN,
    }
}

/// Appends `value` in its shortest BigSize form.
pub fn write(out: &mut Vec<u8>, value: u64) {
    // Each arm's range proves the narrowing casts lossless.
    match value {
        0..=0xfc => out.push(value as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// BOLT 1 appendix A, "BigSize Decoding Tests", the valid ones (also its
    /// "BigSize Encoding Tests", which list the same pairs).
    const VALID: [(&str, u64, &str); 8] = [
        ("zero", 0, "00"),
        ("one byte high", 252, "fc"),
        ("two byte low", 253, "fd00fd"),
        ("two byte high", 65535, "fdffff"),
        ("four byte low", 65536, "fe00010000"),
        ("four byte high", 4_294_967_295, "feffffffff"),
        ("eight byte low", 4_294_967_296, "ff0000000100000000"),
        ("eight byte high", u64::MAX, "ffffffffffffffffff"),
    ];

    #[test]
    fn bolt1_vectors_decode_and_encode() {
        for (name, value, hex) in VALID {
            let bytes = unhex(hex);
            assert_eq!(read(&bytes), Ok((value, bytes.len())), "{name}");
            let mut out = Vec::new();
            write(&mut out, value);
            assert_eq!(out, bytes, "{name}");
            assert_eq!(encoded_len(value), bytes.len(), "{name}");
        }
    }

    #[test]
    fn bolt1_vectors_refuse_non_canonical_and_short_reads() {
        let cases = [
            (
                "two byte not canonical",
                "fd00fc",
                BigSizeError::NonCanonical,
            ),
            (
                "four byte not canonical",
                "fe0000ffff",
                BigSizeError::NonCanonical,
            ),
            (
                "eight byte not canonical",
                "ff00000000ffffffff",
                BigSizeError::NonCanonical,
            ),
            ("two byte short read", "fd00", BigSizeError::Truncated),
            ("four byte short read", "feffff", BigSizeError::Truncated),
            (
                "eight byte short read",
                "ffffffffff",
                BigSizeError::Truncated,
            ),
            ("one byte no read", "", BigSizeError::Empty),
            ("two byte no read", "fd", BigSizeError::Truncated),
            ("four byte no read", "fe", BigSizeError::Truncated),
            ("eight byte no read", "ff", BigSizeError::Truncated),
        ];
        for (name, hex, error) in cases {
            assert_eq!(read(&unhex(hex)), Err(error), "{name}");
        }
    }

    #[test]
    fn every_value_one_below_a_boundary_in_the_wider_form_is_non_canonical() {
        // The largest value of each narrower form, written one form wider.
        for bytes in [
            vec![0xfd, 0x00, 0xfc],
            vec![0xfe, 0x00, 0x00, 0xff, 0xff],
            vec![0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
            // Also a small value in the widest form.
            vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0x01],
        ] {
            assert_eq!(read(&bytes), Err(BigSizeError::NonCanonical));
        }
    }

    #[test]
    fn bytes_after_the_bigsize_are_not_read() {
        assert_eq!(read(&[0xfd, 0x01, 0x00, 0xaa, 0xbb]), Ok((0x100, 3)));
        assert_eq!(read(&[0x05, 0xff]), Ok((5, 1)));
    }

    proptest! {
        #[test]
        fn write_then_read_round_trips(value in any::<u64>(), tail in proptest::collection::vec(any::<u8>(), 0..4)) {
            let mut out = Vec::new();
            write(&mut out, value);
            prop_assert_eq!(out.len(), encoded_len(value));
            let len = out.len();
            out.extend_from_slice(&tail);
            prop_assert_eq!(read(&out), Ok((value, len)));
            // Every strict prefix is refused, never misread.
            for cut in 0..len {
                prop_assert!(read(&out[..cut]).is_err());
            }
        }

        #[test]
        fn read_accepts_only_what_write_produces(bytes in proptest::collection::vec(any::<u8>(), 0..=MAX_LEN)) {
            if let Ok((value, len)) = read(&bytes) {
                let mut out = Vec::new();
                write(&mut out, value);
                prop_assert_eq!(&out[..], &bytes[..len]);
            }
        }
    }
}
