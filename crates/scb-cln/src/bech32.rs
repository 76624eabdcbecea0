//! The `clnemerg1…` text form `lightning-hsmtool getemergencyrecover` prints:
//! the file's bytes in bech32 (not bech32m), with no length limit.

use bitcoin::bech32::primitives::checksum::Checksum;
use bitcoin::bech32::primitives::decode::CheckedHrpstring;
use bitcoin::bech32::Hrp;

use crate::Error;

/// The human-readable part.
pub const HRP: &str = "clnemerg";

/// Bech32's checksum without its 90/1023-character limit, as Core Lightning
/// calls `bech32_encode`/`bech32_decode` with a maximum length of `(size_t)-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bech32Unlimited {}

impl Checksum for Bech32Unlimited {
    type MidstateRepr = u32;
    const CODE_LENGTH: usize = usize::MAX;
    const CHECKSUM_LENGTH: usize = 6;
    const GENERATOR_SH: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    const TARGET_RESIDUE: u32 = 1;
}

/// Whether `text` looks like the bech32 form (its prefix, any case).
pub fn is_bech32_form(text: &str) -> bool {
    text.trim()
        .get(..HRP.len() + 1)
        .is_some_and(|p| p.eq_ignore_ascii_case("clnemerg1"))
}

/// The file's bytes from a `clnemerg1…` string (surrounding whitespace ignored).
pub fn decode(text: &str) -> Result<Vec<u8>, Error> {
    let checked =
        CheckedHrpstring::new::<Bech32Unlimited>(text.trim()).map_err(|e| Error::Bech32 {
            reason: e.to_string(),
        })?;
    if checked.hrp().to_lowercase() != HRP {
        return Err(Error::Bech32 {
            reason: format!("prefix {} is not {HRP}", checked.hrp()),
        });
    }
    Ok(checked.byte_iter().collect())
}

/// The `clnemerg1…` string of a file's bytes.
pub fn encode(file: &[u8]) -> Result<String, Error> {
    let hrp = Hrp::parse_unchecked(HRP);
    bitcoin::bech32::encode::<Bech32Unlimited>(hrp, file).map_err(|e| Error::Bech32 {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn long_files_round_trip_past_the_bip173_limit() {
        let bytes: Vec<u8> = (0..2000u32).map(|i| (i * 7) as u8).collect();
        let text = encode(&bytes).unwrap();
        assert!(text.starts_with("clnemerg1") && text.len() > 1023);
        assert!(is_bech32_form(&text));
        assert_eq!(decode(&format!("  {text}\n")).unwrap(), bytes);
        assert_eq!(decode(&text.to_uppercase()).unwrap(), bytes);
    }

    #[test]
    fn bad_checksum_and_wrong_prefix_are_refused() {
        let mut text = encode(b"abc").unwrap();
        let last = text.pop().unwrap();
        text.push(if last == 'q' { 'p' } else { 'q' });
        assert!(matches!(decode(&text), Err(Error::Bech32 { .. })));
        let other =
            bitcoin::bech32::encode::<Bech32Unlimited>(Hrp::parse_unchecked("lnbc"), b"abc")
                .unwrap();
        assert!(matches!(decode(&other), Err(Error::Bech32 { .. })));
    }
}
