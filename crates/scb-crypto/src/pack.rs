//! Packed (encrypted) singles and multis, byte for byte as lnd's
//! `Single.PackToWriter` and `Multi.PackToWriter` write them.

use core::fmt;

use rand_core::{CryptoRng, OsRng, RngCore};
use scb_wire::{Multi, MultiDecodeOptions, Single};
use zeroize::Zeroizing;

use crate::cipher::{NONCE_LEN, OVERHEAD, TAG_LEN};
use crate::{BackupKey, PackError, UnpackError};

/// The size of a packed empty multi: nonce, version, count, tag (lnd's
/// `NilMultiSizePacked`).
pub const EMPTY_MULTI_PACKED_LEN: usize = NONCE_LEN + 5 + TAG_LEN;

/// One encrypted single, as lnd's `ExportChannelBackup` RPC returns it.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct PackedSingle(pub Vec<u8>);

/// An encrypted multi: the content of `channel.backup`, and what lnd's
/// `ExportAllChannelBackups` returns as `multi_chan_backup`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct PackedMulti(pub Vec<u8>);

macro_rules! packed_common {
    ($ty:ident) => {
        impl $ty {
            /// The packed bytes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// Consumes the wrapper, returning the packed bytes.
            pub fn into_bytes(self) -> Vec<u8> {
                self.0
            }

            /// The length in bytes.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether there are no bytes at all (never the case for a packed value).
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl From<Vec<u8>> for $ty {
            fn from(bytes: Vec<u8>) -> Self {
                $ty(bytes)
            }
        }

        impl From<$ty> for Vec<u8> {
            fn from(packed: $ty) -> Self {
                packed.0
            }
        }

        impl AsRef<[u8]> for $ty {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        /// Shows the length and the nonce (both public), not the whole blob.
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    concat!(stringify!($ty), "({} bytes, nonce "),
                    self.0.len()
                )?;
                for b in self.0.iter().take(NONCE_LEN) {
                    write!(f, "{b:02x}")?;
                }
                f.write_str(")")
            }
        }
    };
}

packed_common!(PackedSingle);
packed_common!(PackedMulti);

impl PackedSingle {
    /// Packs `single` with a nonce from the operating system's CSPRNG.
    pub fn pack(single: &Single, key: &BackupKey) -> Result<Self, PackError> {
        pack_single(single, key, &mut OsRng)
    }

    /// Decrypts and decodes.
    pub fn unpack(&self, key: &BackupKey) -> Result<Single, UnpackError> {
        unpack_single(&self.0, key)
    }
}

impl PackedMulti {
    /// Packs `multi` with a nonce from the operating system's CSPRNG.
    pub fn pack(multi: &Multi, key: &BackupKey) -> Result<Self, PackError> {
        pack_multi(multi, key, &mut OsRng)
    }

    /// Decrypts and decodes as lnd does.
    pub fn unpack(&self, key: &BackupKey) -> Result<Multi, UnpackError> {
        unpack_multi(&self.0, key)
    }
}

/// Encodes into one buffer sized exactly (`plaintext_len` is the wire
/// crate's encoded length, so no reallocation ever leaves a copy of the
/// plaintext behind) and encrypts it in place.
fn seal<R, F>(
    key: &BackupKey,
    plaintext_len: usize,
    rng: &mut R,
    encode: F,
) -> Result<Vec<u8>, PackError>
where
    R: CryptoRng + RngCore + ?Sized,
    F: FnOnce(&mut Vec<u8>) -> Result<(), scb_wire::EncodeError>,
{
    // Plaintext is wiped if encoding fails half-way; on success the same
    // buffer holds the ciphertext and is moved out.
    let mut buf = Zeroizing::new(Vec::with_capacity(plaintext_len + OVERHEAD));
    buf.resize(NONCE_LEN, 0);
    encode(&mut buf)?;
    buf.reserve_exact(TAG_LEN);
    key.seal_in_place(&mut buf, rng);
    Ok(core::mem::take(&mut *buf))
}

/// Encrypts one single (`Single.PackToWriter`).
pub fn pack_single<R: CryptoRng + RngCore + ?Sized>(
    single: &Single,
    key: &BackupKey,
    rng: &mut R,
) -> Result<PackedSingle, PackError> {
    seal(key, single.encoded_len(), rng, |buf| single.encode(buf)).map(PackedSingle)
}

/// Encrypts a multi (`Multi.PackToWriter`): the bytes of `channel.backup`.
/// The one way a multi is packed: every crate that writes a backup calls it.
pub fn pack_multi<R: CryptoRng + RngCore + ?Sized>(
    multi: &Multi,
    key: &BackupKey,
    rng: &mut R,
) -> Result<PackedMulti, PackError> {
    seal(key, multi.encoded_len(), rng, |buf| multi.encode(buf)).map(PackedMulti)
}

/// Encrypts each single on its own, as lnd's `ExportAllChannelBackups`
/// returns them (`single_chan_backups`). One unencodable single fails all.
pub fn pack_singles<R: CryptoRng + RngCore + ?Sized>(
    singles: &[Single],
    key: &BackupKey,
    rng: &mut R,
) -> Result<Vec<PackedSingle>, PackError> {
    singles
        .iter()
        .enumerate()
        .map(|(index, s)| {
            pack_single(s, key, rng).map_err(|e| PackError::InList {
                index,
                source: Box::new(e),
            })
        })
        .collect()
}

/// Decrypts and decodes one packed single (`Single.UnpackFromReader`).
/// Bytes after the single's last field inside the plaintext are ignored,
/// as in lnd.
pub fn unpack_single(packed: &[u8], key: &BackupKey) -> Result<Single, UnpackError> {
    let plaintext = key.decrypt(packed)?;
    Ok(Single::decode(&plaintext)?)
}

/// Decrypts and decodes a list of packed singles. Like lnd's restore, one
/// bad single fails the whole list ([`UnpackError::InList`] names it); to
/// keep the others, call [`unpack_single`] on each.
pub fn unpack_singles<P: AsRef<[u8]>>(
    packed: &[P],
    key: &BackupKey,
) -> Result<Vec<Single>, UnpackError> {
    let mut plaintext = Zeroizing::new(Vec::new());
    packed
        .iter()
        .enumerate()
        .map(|(index, p)| {
            key.decrypt_into(p.as_ref(), &mut plaintext)
                .and_then(|()| Single::decode(&plaintext).map_err(UnpackError::Decode))
                .map_err(|e| UnpackError::InList {
                    index,
                    source: Box::new(e),
                })
        })
        .collect()
}

/// Decrypts and decodes a packed multi (`Multi.UnpackFromReader`), e.g. the
/// whole content of `channel.backup`.
pub fn unpack_multi(packed: &[u8], key: &BackupKey) -> Result<Multi, UnpackError> {
    unpack_multi_with(packed, key, MultiDecodeOptions::default())
}

/// [`unpack_multi`] with explicit decoder options.
pub fn unpack_multi_with(
    packed: &[u8],
    key: &BackupKey,
    options: MultiDecodeOptions,
) -> Result<Multi, UnpackError> {
    let plaintext = key.decrypt(packed)?;
    Ok(Multi::decode_with(&plaintext, options)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Network;

    const TPRV: &str = "tprv8ZgxMBicQKsPd14zvYbb8EfSTCv57Bj4mppgAGgrSKuKiDQ1DRnv7BwJhQNWLRyPGZBWQuRNsH5LpDyyaK5iLrRgz9VhXu3mvjRtAFPfX4q";

    #[test]
    fn packing_allocates_exactly_once() {
        let key = BackupKey::from_xprv_str(TPRV, Network::Testnet).unwrap();
        let file = include_bytes!("../tests/fixtures/channel.backup");
        let multi = unpack_multi(file, &key).unwrap();
        let packed = pack_multi(&multi, &key, &mut OsRng).unwrap();
        assert_eq!(packed.len(), file.len());
        assert_eq!(packed.len(), multi.encoded_len() + OVERHEAD);
        // The buffer was sized up front from the exact encoded length: no
        // spare capacity, i.e. no reallocation copied the plaintext.
        assert_eq!(packed.0.capacity(), packed.len());
        for s in &multi.singles {
            let packed = pack_single(s, &key, &mut OsRng).unwrap();
            assert_eq!(packed.0.capacity(), packed.len());
        }
    }

    #[test]
    fn pack_errors_say_what_failed_once() {
        let key = BackupKey::from_bytes([7; 32]);
        let file = include_bytes!("../tests/fixtures/channel.backup");
        let mut multi = unpack_multi(
            file,
            &BackupKey::from_xprv_str(TPRV, Network::Testnet).unwrap(),
        )
        .unwrap();
        multi.singles[1].funding_outpoint.vout = 70_000;
        let err = pack_singles(&multi.singles, &key, &mut OsRng).unwrap_err();
        assert_eq!(err.to_string(), "single 1 of the list cannot be packed");
        let encode = std::error::Error::source(&err).unwrap();
        assert_eq!(encode.to_string(), "backup cannot be encoded");
        let cause = encode.source().unwrap();
        assert!(cause.to_string().contains("70000"), "{cause}");
        assert!(matches!(
            pack_multi(&multi, &key, &mut OsRng),
            Err(PackError::Encode(scb_wire::EncodeError::InMulti { .. }))
        ));
    }

    #[test]
    fn debug_shows_length_and_nonce_only() {
        let p = PackedSingle(vec![0xab; 50]);
        assert_eq!(
            format!("{p:?}"),
            format!("PackedSingle(50 bytes, nonce {})", "ab".repeat(24))
        );
    }
}
