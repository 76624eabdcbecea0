//! The `hsm_secret` forms and the key schedule to the `emergency.recover` key.

use core::fmt;

use dryoc::classic::crypto_pwhash::{crypto_pwhash, PasswordHashAlgorithm};
use dryoc::constants::{CRYPTO_PWHASH_MEMLIMIT_MODERATE, CRYPTO_PWHASH_OPSLIMIT_MODERATE};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// Length of a plain `hsm_secret`.
pub const PLAIN_LEN: usize = 32;
/// Length of an `hsm_secret` encrypted by `lightning-hsmtool` (before v25.12).
pub const ENCRYPTED_LEN: usize = 73;

/// Argon2id salt of an encrypted `hsm_secret`: "c-lightning" padded to 16 bytes.
const PWHASH_SALT: &[u8; 16] = b"c-lightning\0\0\0\0\0";

/// Which form an `hsm_secret` file has, by its length (`common/hsm_secret.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HsmSecretKind {
    /// 32 bytes: the secret itself.
    Plain,
    /// 73 bytes: the secret under a passphrase (Argon2id + secretstream).
    Encrypted,
    /// 33 bytes or more (v25.12+): a BIP39 mnemonic without passphrase.
    Mnemonic,
    /// The same with a BIP39 passphrase (the first 32 bytes are its check).
    MnemonicWithPassphrase,
}

impl HsmSecretKind {
    /// Whether the form needs a passphrase to give its secret.
    pub fn needs_passphrase(self) -> bool {
        matches!(self, Self::Encrypted | Self::MnemonicWithPassphrase)
    }

    /// A short name: `plain`, `encrypted`, `mnemonic`, `mnemonic with passphrase`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Encrypted => "encrypted",
            Self::Mnemonic => "mnemonic",
            Self::MnemonicWithPassphrase => "mnemonic with passphrase",
        }
    }
}

/// The bytes of an `hsm_secret` file, zeroized on drop, never printed.
pub struct HsmSecret {
    bytes: Zeroizing<Vec<u8>>,
    kind: HsmSecretKind,
}

impl fmt::Debug for HsmSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsmSecret({}, redacted)", self.kind.name())
    }
}

impl HsmSecret {
    /// Recognises the form of an `hsm_secret` file's bytes. A mnemonic is
    /// only checked when the secret is derived.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let kind = match bytes.len() {
            PLAIN_LEN => HsmSecretKind::Plain,
            ENCRYPTED_LEN => HsmSecretKind::Encrypted,
            n if n > PLAIN_LEN => {
                if bytes[..PLAIN_LEN].iter().all(|&b| b == 0) {
                    HsmSecretKind::Mnemonic
                } else {
                    HsmSecretKind::MnemonicWithPassphrase
                }
            }
            len => return Err(Error::HsmSecretLength { len }),
        };
        Ok(Self {
            bytes: Zeroizing::new(bytes.to_vec()),
            kind,
        })
    }

    /// The form.
    pub fn kind(&self) -> HsmSecretKind {
        self.kind
    }

    /// What Core Lightning's hsmd is given: 32 bytes, or the 64-byte BIP39
    /// seed of a mnemonic. An encrypted form runs Argon2id with libsodium's
    /// MODERATE cost (256 MiB, about a second).
    pub fn secret_data(&self, passphrase: Option<&str>) -> Result<SecretData, Error> {
        let kind_name = match self.kind {
            HsmSecretKind::Encrypted => "encrypted",
            HsmSecretKind::Plain => "plain",
            _ => "mnemonic",
        };
        match (self.kind.needs_passphrase(), passphrase) {
            (true, None) => return Err(Error::PassphraseRequired { kind: kind_name }),
            (false, Some(_)) => return Err(Error::PassphraseUnexpected { kind: kind_name }),
            _ => {}
        }
        match self.kind {
            HsmSecretKind::Plain => Ok(SecretData(self.bytes.clone())),
            HsmSecretKind::Encrypted => self.decrypt(passphrase.unwrap_or_default()),
            HsmSecretKind::Mnemonic | HsmSecretKind::MnemonicWithPassphrase => {
                self.mnemonic_seed(passphrase.unwrap_or_default())
            }
        }
    }

    fn decrypt(&self, passphrase: &str) -> Result<SecretData, Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        crypto_pwhash(
            &mut key[..],
            passphrase.as_bytes(),
            PWHASH_SALT,
            CRYPTO_PWHASH_OPSLIMIT_MODERATE,
            CRYPTO_PWHASH_MEMLIMIT_MODERATE,
            PasswordHashAlgorithm::Argon2id13,
        )
        .map_err(|e| Error::PasswordHash {
            reason: e.to_string(),
        })?;
        let secret = crate::stream::open(&key, &self.bytes)
            .map_err(|_| Error::WrongPassphrase { kind: "encrypted" })?;
        Ok(SecretData(Zeroizing::new(secret.to_vec())))
    }

    fn mnemonic_seed(&self, passphrase: &str) -> Result<SecretData, Error> {
        let (check, words) = self.bytes.split_at(PLAIN_LEN);
        let words = core::str::from_utf8(words).map_err(|_| Error::InvalidMnemonic {
            reason: "not UTF-8".into(),
        })?;
        let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, words).map_err(|e| {
            Error::InvalidMnemonic {
                reason: e.to_string(),
            }
        })?;
        let mut seed = mnemonic.to_seed(passphrase);
        let data = SecretData(Zeroizing::new(seed.to_vec()));
        seed.zeroize();
        if self.kind == HsmSecretKind::MnemonicWithPassphrase {
            let digest = Sha256::digest(&data.0[..]);
            if digest.as_slice() != check {
                return Err(Error::WrongPassphrase { kind: "mnemonic" });
            }
        }
        Ok(data)
    }
}

/// What hsmd derives its secrets from (32 or 64 bytes); zeroized, never printed.
pub struct SecretData(Zeroizing<Vec<u8>>);

impl fmt::Debug for SecretData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretData({} bytes, redacted)", self.0.len())
    }
}

impl SecretData {
    /// Wraps raw secret data (32 or 64 bytes, as hsmd is given).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The `emergency.recover` key: `HKDF-SHA256(IKM = secret data, info =
    /// "derived secrets")` (hsmd_init), then `HKDF-SHA256(IKM = that, info =
    /// "scb secret")` (`makesecret`); both with an empty salt.
    pub fn scb_key(&self) -> ScbKey {
        let derived = hkdf_sha256(&self.0, b"derived secrets");
        ScbKey(hkdf_sha256(&derived[..], b"scb secret"))
    }
}

fn hkdf_sha256(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit of 255 * 32.
    if Hkdf::<Sha256>::new(None, ikm)
        .expand(info, &mut out[..])
        .is_err()
    {
        unreachable!("32-byte HKDF output is always valid");
    }
    out
}

/// The 32-byte secretstream key of `emergency.recover`; zeroized, never printed.
#[derive(Clone)]
pub struct ScbKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for ScbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScbKey(redacted)")
    }
}

impl ScbKey {
    /// A key from its bytes (e.g. `makesecret "scb secret"` output).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lengths_pick_the_form() {
        assert_eq!(
            HsmSecret::from_bytes(&[1; 32]).unwrap().kind(),
            HsmSecretKind::Plain
        );
        assert_eq!(
            HsmSecret::from_bytes(&[1; 73]).unwrap().kind(),
            HsmSecretKind::Encrypted
        );
        assert_eq!(
            HsmSecret::from_bytes(&[0; 40]).unwrap().kind(),
            HsmSecretKind::Mnemonic
        );
        assert_eq!(
            HsmSecret::from_bytes(&[1; 40]).unwrap().kind(),
            HsmSecretKind::MnemonicWithPassphrase
        );
        assert_eq!(
            HsmSecret::from_bytes(&[1; 31]).unwrap_err(),
            Error::HsmSecretLength { len: 31 }
        );
    }

    #[test]
    fn debug_never_shows_secret_bytes() {
        let s = HsmSecret::from_bytes(&[0xab; 32]).unwrap();
        let data = s.secret_data(None).unwrap();
        let key = data.scb_key();
        for text in [format!("{s:?}"), format!("{data:?}"), format!("{key:?}")] {
            assert!(!text.contains("ab") && !text.contains("171"), "{text}");
        }
    }

    #[test]
    fn passphrase_presence_is_checked_before_any_work() {
        let enc = HsmSecret::from_bytes(&[1; 73]).unwrap();
        assert_eq!(
            enc.secret_data(None).unwrap_err(),
            Error::PassphraseRequired { kind: "encrypted" }
        );
        let plain = HsmSecret::from_bytes(&[1; 32]).unwrap();
        assert_eq!(
            plain.secret_data(Some("x")).unwrap_err(),
            Error::PassphraseUnexpected { kind: "plain" }
        );
    }
}
