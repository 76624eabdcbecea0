//! A bounds-checked cursor over one message body.

use crate::peer::error::PeerError;

/// A cursor over one message body that never reads out of bounds.
pub(super) struct Cursor<'a> {
    /// The bytes not read yet.
    pub(super) bytes: &'a [u8],
    /// The message (or part) named in a [`PeerError::Malformed`].
    pub(super) message: &'static str,
}

impl<'a> Cursor<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], PeerError> {
        if self.bytes.len() < n {
            return Err(PeerError::Malformed {
                message: self.message,
            });
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], PeerError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(super) fn u16(&mut self) -> Result<u16, PeerError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(super) fn u64(&mut self) -> Result<u64, PeerError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A BOLT 1 BigSize (scb-wire's codec), refusing non-minimal encodings
    /// as BOLT 1 requires.
    pub(super) fn big_size(&mut self) -> Result<u64, PeerError> {
        let (value, len) =
            scb_wire::bigsize::read(self.bytes).map_err(|_| PeerError::Malformed {
                message: self.message,
            })?;
        self.take(len)?;
        Ok(value)
    }

    /// A u16 length and that many bytes.
    pub(super) fn var_bytes(&mut self) -> Result<&'a [u8], PeerError> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }
}
