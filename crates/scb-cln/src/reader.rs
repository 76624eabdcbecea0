//! A bounds-checked big-endian cursor over untrusted bytes, and BigSize.

use crate::Error;

/// Reads fields off a byte slice; every read checks the bytes are there.
/// Offsets are reported relative to `base` (the start of the plaintext).
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self::at(bytes, 0)
    }

    /// A reader over `bytes` that starts at offset `base` of the plaintext.
    pub(crate) fn at(bytes: &'a [u8], base: usize) -> Self {
        Self {
            bytes,
            pos: 0,
            base,
        }
    }

    /// The plaintext offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], Error> {
        let offset = self.offset();
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(Error::UnexpectedEof { field, offset })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, Error> {
        Ok(self.array::<1>(field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    /// BOLT 1 BigSize, refusing non-minimal encodings.
    pub(crate) fn bigsize(&mut self, field: &'static str) -> Result<u64, Error> {
        let offset = self.offset();
        let (value, min) = match self.u8(field)? {
            0xff => (self.u64(field)?, 0x1_0000_0000),
            0xfe => (u64::from(self.u32(field)?), 0x1_0000),
            0xfd => (u64::from(self.u16(field)?), 0xfd),
            small => return Ok(u64::from(small)),
        };
        if value < min {
            return Err(Error::NonCanonicalBigSize { field, offset });
        }
        Ok(value)
    }
}

/// Appends `value` as a BOLT 1 BigSize (shortest form).
pub(crate) fn write_bigsize(out: &mut Vec<u8>, value: u64) {
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

    #[test]
    fn bigsize_round_trips_at_every_boundary() {
        for v in [
            0,
            0xfc,
            0xfd,
            0xffff,
            0x1_0000,
            0xffff_ffff,
            0x1_0000_0000,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            write_bigsize(&mut out, v);
            let mut r = Reader::new(&out);
            assert_eq!(r.bigsize("t").unwrap(), v);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn bigsize_rejects_non_minimal_forms() {
        for bytes in [
            &[0xfd, 0x00, 0xfc][..],
            &[0xfe, 0x00, 0x00, 0xff, 0xff],
            &[0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(matches!(
                Reader::new(bytes).bigsize("t"),
                Err(Error::NonCanonicalBigSize { .. })
            ));
        }
    }

    #[test]
    fn take_past_the_end_names_field_and_offset() {
        let mut r = Reader::at(&[1, 2, 3], 10);
        r.u8("a").unwrap();
        assert_eq!(
            r.u32("b"),
            Err(Error::UnexpectedEof {
                field: "b",
                offset: 11
            })
        );
        assert_eq!(
            r.take(usize::MAX, "c"),
            Err(Error::UnexpectedEof {
                field: "c",
                offset: 11
            })
        );
    }
}
