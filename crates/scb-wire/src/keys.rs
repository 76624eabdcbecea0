//! The public-key check of the decoder, kept apart from framing.
//!
//! Checking a compressed key means a field square root in libsecp256k1
//! (4.4–4.9 µs, its floor; a Legendre-symbol test through `crypto-bigint` was
//! measured slower, 8.5 µs), several times the cost of framing the rest of a
//! single. So the decoder frames first, keeping each key's 33 bytes with the
//! field name and offset its error would carry ([`RawKey`]), and the keys are
//! checked afterwards: on the calling thread for one single, on scoped threads
//! for a large multi ([`check_all`]).
//!
//! The seam to the decoder is small: the framing code reads keys through a
//! [`KeyReader`], which hands back the raw keys of one single
//! ([`SingleKeys<RawKey>`]); those are checked into [`SingleKeys<PublicKey>`].
//! Whichever way the work is split, the error reported is the first bad key in
//! input order, and a bad key read before a framing error wins over it
//! ([`KeyReader::first_error_or`]), exactly as a one-pass decode would report.

use alloc::vec::Vec;

use bitcoin::secp256k1::PublicKey;

use crate::error::{DecodeError, PublicKeyError};
use crate::reader::Reader;

/// The secp256k1 field prime, big-endian.
const FIELD_PRIME: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f,
];

/// The most keys one single holds: the peer's node key, five base points and
/// a legacy shachain root key.
const MAX_KEYS: usize = 7;

/// Below this many keys a multi's keys are checked on the calling thread:
/// starting threads costs more than it saves.
#[cfg(feature = "std")]
const PARALLEL_MIN_KEYS: usize = 256;

/// Parses a compressed key, naming the reason of a refusal as btcec does.
pub(crate) fn parse_pubkey(bytes: &[u8; 33]) -> Result<PublicKey, PublicKeyError> {
    if bytes[0] != 0x02 && bytes[0] != 0x03 {
        return Err(PublicKeyError::UnsupportedFormat(bytes[0]));
    }
    // Big-endian byte arrays compare like the numbers they hold.
    if bytes[1..] >= FIELD_PRIME[..] {
        return Err(PublicKeyError::XNotInField);
    }
    PublicKey::from_slice(bytes).map_err(|_| PublicKeyError::NotOnCurve)
}

/// A compressed public key whose 33 bytes are framed but not yet checked,
/// with the field name and offset its error would carry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawKey {
    bytes: [u8; 33],
    field: &'static str,
    offset: usize,
}

impl RawKey {
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, DecodeError> {
        let offset = r.offset();
        Ok(Self {
            bytes: r.array(field)?,
            field,
            offset,
        })
    }

    /// Checks the key as lnd (btcec) does; the error names the field and offset.
    fn check(&self) -> Result<PublicKey, DecodeError> {
        parse_pubkey(&self.bytes).map_err(|reason| DecodeError::InvalidPublicKey {
            field: self.field,
            offset: self.offset,
            reason,
        })
    }
}

/// Reads the keys of one single while it is framed, remembering each one so
/// that a framing error later in the single can yield to a bad key before it.
#[derive(Debug, Default)]
pub(crate) struct KeyReader {
    read: [Option<RawKey>; MAX_KEYS],
    len: usize,
}

impl KeyReader {
    /// Reads a 33-byte key at the reader's position.
    pub(crate) fn key(
        &mut self,
        r: &mut Reader<'_>,
        field: &'static str,
    ) -> Result<RawKey, DecodeError> {
        let key = RawKey::read(r, field)?;
        self.remember(key);
        Ok(key)
    }

    /// Reads a 33-byte key where 33 zero bytes mean "no key" (lnd's shachain
    /// root in its current form).
    pub(crate) fn optional_key(
        &mut self,
        r: &mut Reader<'_>,
        field: &'static str,
    ) -> Result<Option<RawKey>, DecodeError> {
        let key = RawKey::read(r, field)?;
        if key.bytes == [0u8; 33] {
            return Ok(None);
        }
        self.remember(key);
        Ok(Some(key))
    }

    fn remember(&mut self, key: RawKey) {
        // A single has at most MAX_KEYS keys; an extra one would just not be remembered.
        if let Some(slot) = self.read.get_mut(self.len) {
            *slot = Some(key);
            self.len += 1;
        }
    }

    /// The error to report when framing failed with `framing`: the first key
    /// read so far that does not parse (it lies earlier in the input), or else
    /// `framing` itself.
    pub(crate) fn first_error_or(&self, framing: DecodeError) -> DecodeError {
        self.read
            .iter()
            .flatten()
            .find_map(|k| k.check().err())
            .unwrap_or(framing)
    }
}

/// The public keys of one single, in input order: raw ([`RawKey`]) after
/// framing, checked ([`PublicKey`]) after [`SingleKeys::check`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct SingleKeys<K> {
    /// The peer's node key.
    pub(crate) node: K,
    /// The peer's multisig key and base points, as the single orders them.
    pub(crate) remote: [K; 5],
    /// The legacy shachain root key; `None` for the 33-zero-byte form.
    pub(crate) shachain: Option<K>,
}

impl SingleKeys<RawKey> {
    /// How many keys [`SingleKeys::check`] checks (6, or 7 with a shachain key).
    #[cfg(feature = "std")]
    fn count(&self) -> usize {
        6 + usize::from(self.shachain.is_some())
    }

    /// Checks the keys in input order; the first bad one is the error.
    pub(crate) fn check(&self) -> Result<SingleKeys<PublicKey>, DecodeError> {
        let node = self.node.check()?;
        let mut remote = [node; 5];
        for (out, raw) in remote.iter_mut().zip(&self.remote) {
            *out = raw.check()?;
        }
        let shachain = self.shachain.as_ref().map(RawKey::check).transpose()?;
        Ok(SingleKeys {
            node,
            remote,
            shachain,
        })
    }
}

/// Checks the keys of every item (`keys_of` finds them), in input order: the
/// error is the first bad key of the first item holding one. With `std`, a
/// list of at least [`PARALLEL_MIN_KEYS`] keys is split over scoped threads
/// (one per available CPU).
pub(crate) fn check_all<T, F>(
    items: &[T],
    keys_of: F,
) -> Result<Vec<SingleKeys<PublicKey>>, DecodeError>
where
    T: Sync,
    F: Fn(&T) -> &SingleKeys<RawKey> + Sync,
{
    #[cfg(feature = "std")]
    {
        let keys: usize = items.iter().map(|i| keys_of(i).count()).sum();
        let threads = std::thread::available_parallelism().map_or(1, core::num::NonZeroUsize::get);
        if keys >= PARALLEL_MIN_KEYS && threads > 1 {
            return check_parallel(items, &keys_of, threads);
        }
    }
    check_seq(items, &keys_of)
}

fn check_seq<T, F>(items: &[T], keys_of: &F) -> Result<Vec<SingleKeys<PublicKey>>, DecodeError>
where
    F: Fn(&T) -> &SingleKeys<RawKey>,
{
    items.iter().map(|i| keys_of(i).check()).collect()
}

/// Splits `items` into `threads` contiguous chunks checked on scoped threads;
/// results are joined in chunk order, so the first chunk with an error holds
/// the first bad key in input order. A chunk whose thread cannot be started is
/// checked on the calling thread.
#[cfg(feature = "std")]
fn check_parallel<T, F>(
    items: &[T],
    keys_of: &F,
    threads: usize,
) -> Result<Vec<SingleKeys<PublicKey>>, DecodeError>
where
    T: Sync,
    F: Fn(&T) -> &SingleKeys<RawKey> + Sync,
{
    let per = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let mut chunks = items.chunks(per);
        // The first chunk runs here, the others on their own threads.
        let first = chunks.next().unwrap_or(&[]);
        let handles: Vec<_> = chunks
            .map(|chunk| {
                let handle = std::thread::Builder::new()
                    .name("scb-wire-keys".into())
                    .spawn_scoped(s, move || check_seq(chunk, keys_of));
                (chunk, handle)
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        out.extend(check_seq(first, keys_of)?);
        for (chunk, handle) in handles {
            let part = match handle {
                Ok(h) => match h.join() {
                    Ok(part) => part,
                    // `check_seq` does not panic; if it ever did, pass it on.
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(_) => check_seq(chunk, keys_of),
            };
            out.extend(part?);
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// The generator point, compressed: a valid key.
    const G: [u8; 33] = [
        0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87,
        0x0b, 0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16,
        0xf8, 0x17, 0x98,
    ];

    /// x = 5 is not on the curve: only the costly check refuses it.
    fn off_curve() -> [u8; 33] {
        let mut k = [0u8; 33];
        k[0] = 0x02;
        k[32] = 5;
        k
    }

    fn raw(bytes: [u8; 33], offset: usize) -> RawKey {
        RawKey {
            bytes,
            field: "test key",
            offset,
        }
    }

    /// The keys of a single starting at `base`, 33 bytes apart; `bad` marks
    /// which of the 7 are off the curve.
    fn single_keys(base: usize, bad: &[usize]) -> SingleKeys<RawKey> {
        let key = |i: usize| {
            raw(
                if bad.contains(&i) { off_curve() } else { G },
                base + 33 * i,
            )
        };
        SingleKeys {
            node: key(0),
            remote: [key(1), key(2), key(3), key(4), key(5)],
            shachain: Some(key(6)),
        }
    }

    #[test]
    fn parse_pubkey_names_each_refusal() {
        let mut k = [0u8; 33];
        k[0] = 0x04;
        assert_eq!(parse_pubkey(&k), Err(PublicKeyError::UnsupportedFormat(4)));
        k[0] = 0x02;
        k[1..].copy_from_slice(&FIELD_PRIME);
        assert_eq!(parse_pubkey(&k), Err(PublicKeyError::XNotInField));
        k[1..].fill(0);
        k[32] = 5;
        assert_eq!(parse_pubkey(&k), Err(PublicKeyError::NotOnCurve));
        k[32] = 1; // x = 1 is on the curve (1 + 7 = 8 is a square mod p)
        assert!(parse_pubkey(&k).is_ok());
        assert!(parse_pubkey(&G).is_ok());
    }

    #[test]
    fn key_reader_treats_zeros_as_no_key_and_reports_offsets() {
        let mut input = vec![0xee];
        input.extend_from_slice(&G);
        input.extend_from_slice(&[0u8; 33]);
        let mut r = Reader::with_base(&input, 100);
        r.u8("pad").unwrap();
        let mut keys = KeyReader::default();
        let k = keys.key(&mut r, "first").unwrap();
        assert_eq!((k.field, k.offset), ("first", 101));
        assert!(keys.optional_key(&mut r, "second").unwrap().is_none());
        assert_eq!(keys.len, 1, "no key is not remembered");
        assert_eq!(
            keys.key(&mut r, "third").unwrap_err(),
            DecodeError::UnexpectedEof {
                field: "third",
                offset: 167
            }
        );
    }

    #[test]
    fn a_bad_key_read_earlier_wins_over_the_framing_error() {
        let framing = DecodeError::UnexpectedEof {
            field: "later",
            offset: 500,
        };
        let mut input = G.to_vec();
        input.extend_from_slice(&off_curve());
        let mut r = Reader::new(&input);
        let mut keys = KeyReader::default();
        keys.key(&mut r, "good").unwrap();
        assert_eq!(keys.first_error_or(framing.clone()), framing);
        keys.key(&mut r, "bad").unwrap();
        assert_eq!(
            keys.first_error_or(framing),
            DecodeError::InvalidPublicKey {
                field: "bad",
                offset: 33,
                reason: PublicKeyError::NotOnCurve
            }
        );
    }

    #[test]
    fn check_reports_the_first_bad_key_of_a_single() {
        let ok = single_keys(0, &[]).check().unwrap();
        assert_eq!(ok.node, PublicKey::from_slice(&G).unwrap());
        assert!(ok.shachain.is_some());
        for (bad, want) in [(&[0usize, 3][..], 0), (&[2, 6], 2 * 33), (&[6], 6 * 33)] {
            let err = single_keys(0, bad).check().unwrap_err();
            assert_eq!(err.offset(), want, "bad keys {bad:?}");
        }
    }

    #[test]
    fn every_split_reports_the_first_bad_key_in_input_order() {
        let n = 120; // 840 keys: over the parallel threshold
        let all: Vec<SingleKeys<RawKey>> = (0..n).map(|i| single_keys(i * 1000, &[])).collect();
        let ok = check_all(&all, |k| k).unwrap();
        assert_eq!(ok.len(), n);
        for (first, second) in [(0, 119), (59, 60), (61, 118), (119, 119)] {
            let mut items = all.clone();
            items[first] = single_keys(first * 1000, &[3]);
            items[second] = single_keys(second * 1000, &[1]);
            let want = first * 1000 + if first == second { 33 } else { 3 * 33 };
            assert_eq!(
                check_all(&items, |k| k).unwrap_err().offset(),
                want,
                "bad keys in singles {first} and {second}"
            );
            assert_eq!(check_seq(&items, &|k| k).unwrap_err().offset(), want);
            #[cfg(feature = "std")]
            for threads in [2, 3, 7, 200] {
                let err = check_parallel(&items, &|k: &SingleKeys<RawKey>| k, threads);
                assert_eq!(err.unwrap_err().offset(), want, "{threads} threads");
                let ok = check_parallel(&items[..first], &|k: &SingleKeys<RawKey>| k, threads);
                assert_eq!(ok.unwrap().len(), first);
            }
        }
    }
}
