//! A bounds-checked big-endian cursor over untrusted bytes.

use scb_wire::BigSizeError;

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

    /// BOLT 1 BigSize, refusing non-minimal encodings (scb-wire's codec).
    /// A truncated value is reported at the byte after its prefix.
    pub(crate) fn bigsize(&mut self, field: &'static str) -> Result<u64, Error> {
        let offset = self.offset();
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        match scb_wire::bigsize::read(rest) {
            Ok((value, len)) => {
                self.pos += len;
                Ok(value)
            }
            Err(BigSizeError::NonCanonical) => Err(Error::NonCanonicalBigSize { field, offset }),
            Err(BigSizeError::Empty) => Err(Error::UnexpectedEof { field, offset }),
            // Truncated (and any future kind): the value bytes after the prefix are missing.
            Err(_) => Err(Error::UnexpectedEof {
                field,
                offset: offset + 1,
            }),
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
            scb_wire::bigsize::write(&mut out, v);
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
    fn bigsize_eof_is_reported_at_the_prefix_or_at_the_value() {
        assert_eq!(
            Reader::at(&[], 10).bigsize("t"),
            Err(Error::UnexpectedEof {
                field: "t",
                offset: 10
            })
        );
        for bytes in [&[0xfd, 0x00][..], &[0xfe], &[0xff, 1, 2, 3]] {
            assert_eq!(
                Reader::at(bytes, 10).bigsize("t"),
                Err(Error::UnexpectedEof {
                    field: "t",
                    offset: 11
                })
            );
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
