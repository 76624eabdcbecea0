//! The list of singles inside `channel.backup`.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;

use crate::framing::FramedSingle;
use crate::keys::check_all;
use crate::reader::{put_u32, Reader};
use crate::single::CLOSE_TX_FLAG;
use crate::{DecodeError, EncodeError, Single, SingleVersion};

/// The only multi version lnd knows.
pub const MULTI_VERSION: u8 = 0;

/// A multi-channel backup: version 0, u32 count, singles back to back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Multi {
    /// The channels.
    pub singles: Vec<Single>,
}

/// Decoder options for [`Multi`]; the default is exactly lnd's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MultiDecodeOptions {
    /// Skip a single whose version is unknown (8..=127) by its u16 length
    /// prefix instead of failing the whole multi. Off by default.
    ///
    /// **Not lnd behaviour**: lnd never uses the length prefix
    /// (docs/format.md#length-prefix-unread) and fails the whole multi. Skipping lets a newer
    /// backup be partly read (every channel of a known version is recovered), which is the
    /// purpose the prefix was added for. It is only as safe as the prefix: lnd writes it modulo
    /// 65,536, so a future single over 65,535 bytes would be skipped to the wrong place; the
    /// bytes found there are then decoded as the next single and almost always fail (version,
    /// keys and transaction are all checked), but a misframed read that happens to parse cannot
    /// be ruled out. Use it for recovery tools, after the default decode failed, and report
    /// what was skipped ([`Multi::decode_with_skipped`]).
    pub skip_unknown_versions: bool,
}

impl MultiDecodeOptions {
    /// lnd's behaviour (the default).
    pub const LND: Self = Self {
        skip_unknown_versions: false,
    };

    /// Sets [`MultiDecodeOptions::skip_unknown_versions`].
    ///
    /// ```
    /// let o = scb_wire::MultiDecodeOptions::default().skip_unknown_versions(true);
    /// assert!(o.skip_unknown_versions);
    /// ```
    #[must_use]
    pub fn skip_unknown_versions(mut self, skip: bool) -> Self {
        self.skip_unknown_versions = skip;
        self
    }
}

/// A single left out by [`MultiDecodeOptions::skip_unknown_versions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedSingle {
    /// Its position in the multi (0-based, counting skipped ones).
    pub index: u32,
    /// Where its version byte is in the input.
    pub offset: usize,
    /// Its version (without the 0x80 flag).
    pub version: u8,
    /// Its length prefix (bytes skipped after the 3-byte header).
    pub length: u16,
}

impl Multi {
    /// Appends the plaintext encoding to `out`: version 0, u32 count, then
    /// each single's encoding. A single that fails to encode fails the whole
    /// multi ([`EncodeError::InMulti`] names its funding outpoint), as in lnd;
    /// `out` is then left as it was.
    ///
    /// ```
    /// let mut out = Vec::new();
    /// scb_wire::Multi::default().encode(&mut out)?;
    /// assert_eq!(out, [0, 0, 0, 0, 0]);
    /// # Ok::<(), scb_wire::EncodeError>(())
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let count = u32::try_from(self.singles.len())
            .map_err(|_| EncodeError::TooManySingles(self.singles.len()))?;
        let start = out.len();
        out.push(MULTI_VERSION);
        put_u32(out, count);
        for s in &self.singles {
            if let Err(e) = s.encode(out) {
                out.truncate(start);
                return Err(EncodeError::InMulti {
                    outpoint: format!("{}", s.funding_outpoint),
                    source: Box::new(e),
                });
            }
        }
        Ok(())
    }

    /// Encodes into a new vector.
    ///
    /// ```
    /// assert_eq!(scb_wire::Multi::default().to_bytes()?.len(), 5);
    /// # Ok::<(), scb_wire::EncodeError>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The number of bytes [`Multi::encode`] appends (when it succeeds), without
    /// encoding: size a buffer once, as LDK's `serialized_length` does.
    ///
    /// ```
    /// assert_eq!(scb_wire::Multi::default().encoded_len(), 5);
    /// ```
    pub fn encoded_len(&self) -> usize {
        5 + self.singles.iter().map(Single::encoded_len).sum::<usize>()
    }

    /// Decodes a multi as lnd does: the count is never used to allocate,
    /// singles are read back to back ignoring their length prefixes, bytes
    /// after the last single are ignored, and any bad single fails the whole.
    ///
    /// With the `std` feature, a multi of at least 256 public keys has its
    /// keys checked on scoped threads (one per available CPU); the error
    /// reported is still the first one in input order.
    ///
    /// ```
    /// let m = scb_wire::Multi::decode(&[0, 0, 0, 0, 0, 0xde, 0xad])?;
    /// assert!(m.singles.is_empty());
    /// let err = scb_wire::Multi::decode(&[1, 0, 0, 0, 0]).unwrap_err();
    /// assert_eq!(err.field(), "multi version");
    /// # Ok::<(), scb_wire::DecodeError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, MultiDecodeOptions::default())
    }

    /// Decodes a multi with explicit options.
    ///
    /// ```
    /// use scb_wire::{Multi, MultiDecodeOptions};
    /// // count 1, then a single of unknown version 9 with a 2-byte body
    /// let bytes = [0, 0, 0, 0, 1, 9, 0, 2, 0xaa, 0xbb];
    /// assert!(Multi::decode(&bytes).is_err());
    /// let skip = MultiDecodeOptions::default().skip_unknown_versions(true);
    /// assert!(Multi::decode_with(&bytes, skip)?.singles.is_empty());
    /// # Ok::<(), scb_wire::DecodeError>(())
    /// ```
    pub fn decode_with(bytes: &[u8], options: MultiDecodeOptions) -> Result<Self, DecodeError> {
        Self::decode_with_skipped(bytes, options).map(|(m, _)| m)
    }

    /// Like [`Multi::decode_with`], also listing the singles that
    /// [`MultiDecodeOptions::skip_unknown_versions`] left out.
    ///
    /// ```
    /// use scb_wire::{Multi, MultiDecodeOptions};
    /// let bytes = [0, 0, 0, 0, 1, 0x89, 0, 0];
    /// let skip = MultiDecodeOptions::default().skip_unknown_versions(true);
    /// let (_, skipped) = Multi::decode_with_skipped(&bytes, skip)?;
    /// assert_eq!((skipped[0].version, skipped[0].offset), (9, 5));
    /// # Ok::<(), scb_wire::DecodeError>(())
    /// ```
    pub fn decode_with_skipped(
        bytes: &[u8],
        options: MultiDecodeOptions,
    ) -> Result<(Self, Vec<SkippedSingle>), DecodeError> {
        let mut r = Reader::new(bytes);
        // Pass 1 frames every single (all structural checks) and keeps the
        // key bytes; pass 2 checks the keys. A key error always lies before
        // the point where framing stopped, so it wins over a framing error:
        // the error reported is the first one in input order, as if the
        // singles had been decoded one by one.
        let mut framed = Vec::new();
        let mut skipped = Vec::new();
        let framing = frame_all(&mut r, options, &mut framed, &mut skipped);
        let keys = check_all(&framed, FramedSingle::keys)?;
        framing?;
        debug_assert_eq!(keys.len(), framed.len());
        let singles = framed
            .into_iter()
            .zip(keys)
            .map(|(f, k)| f.assemble(&k))
            .collect();
        Ok((Multi { singles }, skipped))
    }
}

/// Pass 1 of [`Multi::decode_with_skipped`]: frames singles into `framed`
/// until the count is reached or framing fails.
fn frame_all(
    r: &mut Reader<'_>,
    options: MultiDecodeOptions,
    framed: &mut Vec<FramedSingle>,
    skipped: &mut Vec<SkippedSingle>,
) -> Result<(), DecodeError> {
    let version = r.u8("multi version")?;
    if version != MULTI_VERSION {
        return Err(DecodeError::UnknownMultiVersion {
            field: "multi version",
            version,
            offset: 0,
        });
    }
    let count = r.u32_be("multi count")?;
    // Never trust the count: grow only as singles actually frame.
    for index in 0..count {
        if options.skip_unknown_versions {
            let offset = r.offset();
            let byte = r.clone().u8("single version")?;
            let v = byte & !CLOSE_TX_FLAG;
            if SingleVersion::try_from(v).is_err() {
                r.u8("single version")?;
                let length = r.u16_be("single length")?;
                r.take(length.into(), "single of unknown version")
                    .map_err(|_| DecodeError::SkipPastEnd {
                        field: "single of unknown version",
                        offset,
                        length,
                    })?;
                skipped.push(SkippedSingle {
                    index,
                    offset,
                    version: v,
                    length,
                });
                continue;
            }
        }
        framed.push(FramedSingle::read(r)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const V3: &[u8] = include_bytes!("../tests/fixtures/v3.bin");

    fn multi_of(count: u32, singles: &[&[u8]]) -> Vec<u8> {
        let mut b = vec![0];
        b.extend_from_slice(&count.to_be_bytes());
        for s in singles {
            b.extend_from_slice(s);
        }
        b
    }

    #[test]
    fn decode_rejects_short_headers() {
        assert_eq!(
            Multi::decode(&[]),
            Err(DecodeError::UnexpectedEof {
                field: "multi version",
                offset: 0
            })
        );
        assert_eq!(
            Multi::decode(&[0, 0, 0]),
            Err(DecodeError::UnexpectedEof {
                field: "multi count",
                offset: 1
            })
        );
        assert_eq!(
            Multi::decode(&[7]),
            Err(DecodeError::UnknownMultiVersion {
                field: "multi version",
                version: 7,
                offset: 0
            })
        );
    }

    #[test]
    fn decode_does_not_trust_the_count() {
        let b = multi_of(u32::MAX, &[V3]);
        assert_eq!(
            Multi::decode(&b),
            Err(DecodeError::UnexpectedEof {
                field: "single version",
                offset: 5 + V3.len()
            })
        );
        let m = Multi::decode(&multi_of(0, &[V3])).unwrap();
        assert!(m.singles.is_empty());
    }

    #[test]
    fn errors_inside_a_single_carry_offsets_within_the_multi() {
        let mut second = V3.to_vec();
        second[78] = 9;
        let b = multi_of(2, &[V3, &second]);
        let err = Multi::decode(&b).unwrap_err();
        assert_eq!(
            (err.field(), err.offset()),
            ("remote node key", 5 + V3.len() + 78)
        );
    }

    #[test]
    fn singles_are_read_back_to_back_ignoring_trailing_bytes() {
        let mut b = multi_of(2, &[V3, V3]);
        b.extend_from_slice(b"junk");
        let m = Multi::decode(&b).unwrap();
        assert_eq!(m.singles.len(), 2);
        assert_eq!(m.to_bytes().unwrap(), multi_of(2, &[V3, V3]));
    }

    #[test]
    fn skip_option_skips_by_length_prefix_and_reports() {
        let unknown = [0x8a, 0, 3, 1, 2, 3];
        let b = multi_of(3, &[V3, &unknown, V3]);
        assert_eq!(
            Multi::decode(&b),
            Err(DecodeError::UnknownVersion {
                field: "single version",
                version: 10,
                offset: 5 + V3.len()
            })
        );
        let skip = MultiDecodeOptions::default().skip_unknown_versions(true);
        let (m, skipped) = Multi::decode_with_skipped(&b, skip).unwrap();
        assert_eq!(m.singles.len(), 2);
        assert_eq!(
            skipped,
            vec![SkippedSingle {
                index: 1,
                offset: 5 + V3.len(),
                version: 10,
                length: 3
            }]
        );
    }

    #[test]
    fn skip_option_refuses_a_length_past_the_end() {
        let b = multi_of(1, &[&[0x0c, 0, 9, 1]]);
        let skip = MultiDecodeOptions::default().skip_unknown_versions(true);
        assert_eq!(
            Multi::decode_with(&b, skip),
            Err(DecodeError::SkipPastEnd {
                field: "single of unknown version",
                offset: 5,
                length: 9
            })
        );
        // A header cut inside the length prefix is a plain EOF.
        let b = multi_of(1, &[&[0x0c, 0]]);
        assert!(matches!(
            Multi::decode_with(&b, skip),
            Err(DecodeError::UnexpectedEof {
                field: "single length",
                offset: 6
            })
        ));
    }

    /// Offset of the remote multisig key inside V3 (after its address list).
    fn v3_remote_multisig_at() -> usize {
        165 + usize::from(u16::from_be_bytes([V3[111], V3[112]]))
    }

    /// Replaces the key at `at` with x = 5, which is not on the curve: only
    /// the costly (deferred) check can refuse it.
    fn put_off_curve_key(b: &mut [u8], at: usize) {
        b[at] = 0x02;
        b[at + 1..at + 33].fill(0);
        b[at + 32] = 5;
    }

    fn key_error_at(err: &DecodeError) -> (&'static str, usize) {
        match err {
            DecodeError::InvalidPublicKey {
                field,
                offset,
                reason: crate::PublicKeyError::NotOnCurve,
            } => (field, *offset),
            other => panic!("expected an off-curve key error, got {other:?}"),
        }
    }

    #[test]
    fn bad_key_before_a_truncation_in_the_same_single_is_reported_first() {
        let at = v3_remote_multisig_at();
        let mut bad = V3.to_vec();
        put_off_curve_key(&mut bad, at);
        // Cut inside the shachain locator, well after the bad key.
        let cut = &bad[..at + 5 * 33 + 33 + 4];
        let err = Single::decode(cut).unwrap_err();
        assert_eq!(key_error_at(&err), ("remote multisig key", at));
        let err = Multi::decode(&multi_of(1, &[cut])).unwrap_err();
        assert_eq!(key_error_at(&err), ("remote multisig key", 5 + at));
        // Without the bad key the truncation itself is reported.
        let err = Single::decode(&V3[..cut.len()]).unwrap_err();
        assert_eq!(err.field(), "shachain root key locator");
    }

    #[test]
    fn bad_key_in_an_earlier_single_wins_over_later_framing_errors() {
        let at = v3_remote_multisig_at();
        let mut bad = V3.to_vec();
        put_off_curve_key(&mut bad, at);
        // Single 1 has the bad key, single 2 is cut short, the count lies.
        let b = multi_of(5, &[V3, &bad, &V3[..200]]);
        let err = Multi::decode(&b).unwrap_err();
        assert_eq!(
            key_error_at(&err),
            ("remote multisig key", 5 + V3.len() + at)
        );
        // A framing error before the bad key is reported instead.
        let mut early = V3.to_vec();
        early[0] = 0x0b;
        let b = multi_of(3, &[&early, &bad]);
        assert_eq!(
            Multi::decode(&b),
            Err(DecodeError::UnknownVersion {
                field: "single version",
                version: 11,
                offset: 5
            })
        );
    }

    #[test]
    fn large_multis_report_the_first_bad_key_in_input_order() {
        let at = v3_remote_multisig_at();
        let n = 120; // 720 keys: over the parallel threshold
        let singles: Vec<Vec<u8>> = vec![V3.to_vec(); n];
        let good = Multi::decode(&multi_of(
            n as u32,
            &singles.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        ))
        .unwrap();
        assert_eq!(good.singles.len(), n);
        assert!(good.singles.iter().all(|s| *s == good.singles[0]));
        for (first, second) in [(0, 119), (59, 60), (61, 118), (119, 119)] {
            let mut s = singles.clone();
            put_off_curve_key(&mut s[first], at);
            put_off_curve_key(&mut s[second], at);
            let refs: Vec<&[u8]> = s.iter().map(Vec::as_slice).collect();
            let err = Multi::decode(&multi_of(n as u32, &refs)).unwrap_err();
            assert_eq!(
                key_error_at(&err),
                ("remote multisig key", 5 + first * V3.len() + at),
                "bad keys in singles {first} and {second}"
            );
        }
        // How the key check splits the work is tested in `keys`.
    }

    /// One-pass reference: each single framed and its keys checked before
    /// the next single is read, as the decoder worked before the split.
    fn decode_one_pass(bytes: &[u8]) -> Result<usize, DecodeError> {
        let mut r = Reader::new(bytes);
        r.u8("multi version")?;
        let count = r.u32_be("multi count")?;
        for _ in 0..count {
            FramedSingle::read(&mut r)?.keys().check()?;
        }
        Ok(count as usize)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn two_pass_decode_reports_what_a_one_pass_decode_reports(
            flips in proptest::collection::vec((0usize..50 * 378, 1u8..=255), 0..4),
            cut in 5usize..2 * (5 + 50 * 378),
        ) {
            // 50 singles, 300 keys: the parallel path (with std).
            let mut b = multi_of(50, &[V3; 50]);
            for (at, x) in flips {
                b[5 + at] ^= x;
            }
            b.truncate(cut);
            let two = Multi::decode(&b).map(|m| m.singles.len());
            proptest::prop_assert_eq!(two, decode_one_pass(&b));
        }
    }

    #[test]
    fn encode_fails_whole_multi_on_one_bad_single() {
        let mut bad = Single::decode(V3).unwrap();
        bad.funding_outpoint.vout = 70_000;
        let m = Multi {
            singles: vec![Single::decode(V3).unwrap(), bad],
        };
        let mut out = vec![0xee];
        assert!(m.encode(&mut out).is_err());
        assert_eq!(out, [0xee], "nothing appended on failure");
        match m.to_bytes() {
            Err(EncodeError::InMulti { source, .. }) => {
                assert_eq!(*source, EncodeError::OutputIndexTooLarge(70_000));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
