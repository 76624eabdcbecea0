//! lnd's key ring: the BIP32 tree `m/1017'/coin'/family'/0/index`, derived the
//! way lnd's wallet derives it.
//!
//! The quirk of lnd's wallet is described on [`DerivationScheme`].

use core::fmt;
use core::str::FromStr;

use bitcoin::bip32::{ChainCode, ChildNumber, Fingerprint, Xpriv, Xpub};
use bitcoin::hashes::hmac::{Hmac, HmacEngine};
use bitcoin::hashes::{hash160, sha512, Hash, HashEngine};
use bitcoin::secp256k1::{self, PublicKey, Scalar, Secp256k1, SecretKey};
use bitcoin::NetworkKind;
use scb_wire::KeyLocator;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{KeyError, Network};

/// lnd's BIP43 purpose: every key-ring key lives under `m/1017'`.
pub const LND_PURPOSE: u32 = 1017;

/// The key family of the backup encryption key (`KeyFamilyBaseEncryption`).
pub const BACKUP_KEY_FAMILY: u32 = 7;

/// The locator of the key whose hash encrypts backups: family 7, index 0.
pub const BACKUP_KEY_LOCATOR: KeyLocator = KeyLocator {
    family: BACKUP_KEY_FAMILY,
    index: 0,
};

const HARDENED: u32 = 0x8000_0000;

/// How hardened children are derived from private keys.
///
/// # lnd's derivation quirk (docs/format.md#derivation-quirk)
///
/// lnd's wallet (btcwallet) derives the purpose and coin-type levels with
/// btcutil's legacy `DeriveNonStandard` (btcutil issue 172). That function
/// keeps a derived private key as a big integer's minimal bytes, i.e. with
/// *every* leading zero byte stripped, and builds the input of a hardened
/// child as `0x00 || key || index` with the short key copied to the left of
/// the 32-byte slot (zeros padded on the right) instead of right-aligned.
///
/// Which keys are short when they meet a hardened step:
/// - the root is always 32 bytes (from the seed or from an xprv string);
/// - `m/1017'` keeps its stripped form, so `m/1017'/coin'` differs from plain
///   BIP32 when the `m/1017'` key starts with `0x00` (about 1 wallet in 256);
/// - btcwallet stores the coin-type key as an extended-key string and reloads
///   it (full 32 bytes) before it creates an account, except for account 0,
///   which it derives straight from the in-memory key: so family 0
///   (multisig) also sees a short coin-type key, other families do not;
/// - the account key is short or not, but only non-hardened steps (which use
///   the public key) follow it.
///
/// [`DerivationScheme::Lnd`] reproduces exactly this (chantools'
/// `lnd.DeriveChildren` implements the same rule) and is the default;
/// [`DerivationScheme::Bip32`] is plain BIP32, for diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DerivationScheme {
    /// What lnd's wallet does (btcutil's legacy non-standard derivation at
    /// the purpose and coin-type levels, see above). The default:
    /// it gives the key lnd encrypted with.
    #[default]
    Lnd,
    /// Plain BIP32. Equal to [`DerivationScheme::Lnd`] for about 255 wallets
    /// in 256; for the others it gives a key lnd never used. For diagnosis.
    Bip32,
}

/// A source of lnd key-ring public keys: the compressed public key at
/// `m/1017'/coin'/family'/0/index` for a [`KeyLocator`].
///
/// The backup key only needs the family-7 public key, so a hardware wallet
/// or a remote signer can implement this without exposing the root secret.
pub trait KeyRing {
    /// Derives the public key of `locator`.
    fn derive_pubkey(&self, locator: KeyLocator) -> Result<PublicKey, KeyError>;
}

impl<K: KeyRing + ?Sized> KeyRing for &K {
    fn derive_pubkey(&self, locator: KeyLocator) -> Result<PublicKey, KeyError> {
        (**self).derive_pubkey(locator)
    }
}

impl<K: KeyRing + ?Sized> KeyRing for Box<K> {
    fn derive_pubkey(&self, locator: KeyLocator) -> Result<PublicKey, KeyError> {
        (**self).derive_pubkey(locator)
    }
}

/// A private extended key during derivation.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct ExtKey {
    /// The private key, 32 bytes big-endian.
    key: [u8; 32],
    chain_code: [u8; 32],
    /// How many bytes of `key` btcutil would hold: 32, or fewer when the
    /// key's leading zero bytes were stripped (only under the lnd scheme).
    held_len: usize,
}

impl ExtKey {
    pub(crate) fn secret_key(&self, depth: u8, child: u32) -> Result<SecretKey, KeyError> {
        SecretKey::from_slice(&self.key).map_err(|_| invalid_child(depth, child))
    }

    /// One child derivation step (`child` with the hardened bit as BIP32 writes it).
    fn derive_child<C: secp256k1::Signing>(
        &self,
        secp: &Secp256k1<C>,
        scheme: DerivationScheme,
        depth: u8,
        child: u32,
    ) -> Result<ExtKey, KeyError> {
        let mut parent = self.secret_key(depth, child)?;
        let mut data = Zeroizing::new([0u8; 37]);
        if child >= HARDENED {
            match scheme {
                DerivationScheme::Bip32 => data[1..33].copy_from_slice(&self.key),
                DerivationScheme::Lnd => {
                    // btcutil copies only the bytes it holds, left-aligned.
                    let skip = 32 - self.held_len;
                    data[1..=self.held_len].copy_from_slice(&self.key[skip..]);
                }
            }
        } else {
            data[..33].copy_from_slice(&PublicKey::from_secret_key(secp, &parent).serialize());
        }
        data[33..].copy_from_slice(&child.to_be_bytes());

        let mut engine = HmacEngine::<sha512::Hash>::new(&self.chain_code);
        engine.input(&data[..]);
        let mut i = Zeroizing::new(Hmac::from_engine(engine).to_byte_array());
        let mut il = Zeroizing::new([0u8; 32]);
        il.copy_from_slice(&i[..32]);
        let mut chain_code = [0u8; 32];
        chain_code.copy_from_slice(&i[32..]);
        i.zeroize();

        // lnd refuses IL >= n and IL == 0; BIP32 refuses IL >= n. IL == 0
        // has probability 2^-256, so refusing it costs nothing.
        let tweak = Scalar::from_be_bytes(*il).map_err(|_| invalid_child(depth, child))?;
        if il.iter().all(|b| *b == 0) {
            return Err(invalid_child(depth, child));
        }
        let result = parent.add_tweak(&tweak);
        parent.non_secure_erase();
        let mut child_key = result.map_err(|_| invalid_child(depth, child))?;
        let key = child_key.secret_bytes();
        child_key.non_secure_erase();

        let held_len = match scheme {
            DerivationScheme::Bip32 => 32,
            DerivationScheme::Lnd => 32 - key.iter().take_while(|b| **b == 0).count(),
        };
        Ok(ExtKey {
            key,
            chain_code,
            held_len,
        })
    }
}

fn invalid_child(depth: u8, child: u32) -> KeyError {
    KeyError::InvalidChild {
        depth,
        child: if child >= HARDENED {
            format!("{}'", child - HARDENED)
        } else {
            child.to_string()
        },
    }
}

pub(crate) fn check_locator(locator: KeyLocator) -> Result<(), KeyError> {
    if locator.family >= HARDENED || locator.index >= HARDENED {
        return Err(KeyError::LocatorOutOfRange {
            family: locator.family,
            index: locator.index,
        });
    }
    Ok(())
}

/// A key ring holding the wallet's root private key (BIP32 master key).
///
/// Derives every family. Zeroizes its key material on drop; `Debug` shows
/// only the network and the scheme.
pub struct RootKeyRing {
    root: ExtKey,
    network: Network,
    scheme: DerivationScheme,
    pub(crate) secp: Secp256k1<secp256k1::All>,
}

impl fmt::Debug for RootKeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootKeyRing")
            .field("network", &self.network)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl RootKeyRing {
    /// From a root extended private key (depth 0). The key's own version
    /// bytes (xprv or tprv) do not matter: `network` picks the coin type.
    pub fn from_xpriv(xpriv: &Xpriv, network: Network) -> Result<Self, KeyError> {
        if xpriv.depth != 0 {
            return Err(KeyError::NotRootKey { depth: xpriv.depth });
        }
        Ok(Self::from_parts(
            xpriv.private_key.secret_bytes(),
            xpriv.chain_code.to_bytes(),
            network,
        ))
    }

    /// From a root extended private key string (`xprv…` or `tprv…`).
    /// Surrounding whitespace is ignored.
    pub fn from_xprv_str(xprv: &str, network: Network) -> Result<Self, KeyError> {
        let mut xpriv = Xpriv::from_str(xprv.trim()).map_err(KeyError::ExtendedKey)?;
        let ring = Self::from_xpriv(&xpriv, network);
        xpriv.private_key.non_secure_erase();
        ring
    }

    /// From the wallet's raw BIP32 seed (lnd: the aezeed's 16-byte entropy),
    /// 16 to 64 bytes, as BIP32's master key generation defines it.
    pub fn from_seed(seed: &[u8], network: Network) -> Result<Self, KeyError> {
        if !(16..=64).contains(&seed.len()) {
            return Err(KeyError::SeedLength { len: seed.len() });
        }
        let mut engine = HmacEngine::<sha512::Hash>::new(b"Bitcoin seed");
        engine.input(seed);
        let i = Zeroizing::new(Hmac::from_engine(engine).to_byte_array());
        let mut key = [0u8; 32];
        key.copy_from_slice(&i[..32]);
        let mut chain_code = [0u8; 32];
        chain_code.copy_from_slice(&i[32..]);
        let ring = Self::from_parts(key, chain_code, network);
        key.zeroize();
        if SecretKey::from_slice(&ring.root.key).is_err() {
            return Err(KeyError::InvalidChild {
                depth: 0,
                child: "m".to_owned(),
            });
        }
        Ok(ring)
    }

    fn from_parts(key: [u8; 32], chain_code: [u8; 32], network: Network) -> Self {
        RootKeyRing {
            root: ExtKey {
                key,
                chain_code,
                held_len: 32,
            },
            network,
            scheme: DerivationScheme::default(),
            secp: Secp256k1::new(),
        }
    }

    /// Switches the derivation scheme (the default is [`DerivationScheme::Lnd`]).
    #[must_use]
    pub fn with_scheme(mut self, scheme: DerivationScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The network whose coin type this key ring uses.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The derivation scheme in use.
    pub fn scheme(&self) -> DerivationScheme {
        self.scheme
    }

    /// Derives the private extended key at `m/1017'/coin'/family'` and,
    /// with `index`, further down at `0/index`. Returns the key and its parent.
    pub(crate) fn derive(
        &self,
        family: u32,
        index: Option<u32>,
    ) -> Result<(ExtKey, ExtKey), KeyError> {
        let coin = self.network.coin_type();
        // (child number, whether btcwallet reloads the key as 32 bytes after it):
        // the coin-type key is reloaded before any account but account 0 is
        // made, the account key is reloaded too (no effect: the steps below
        // it are not hardened).
        let mut steps = vec![
            (LND_PURPOSE | HARDENED, false),
            (coin | HARDENED, family != 0),
            (family | HARDENED, true),
        ];
        if let Some(index) = index {
            steps.push((0, false));
            steps.push((index, false));
        }
        let mut parent = self.root.clone();
        let mut key = self.root.clone();
        for (depth, (child, reload)) in (1u8..).zip(steps) {
            let next = key.derive_child(&self.secp, self.scheme, depth, child)?;
            parent = core::mem::replace(&mut key, next);
            if reload {
                key.held_len = 32;
            }
        }
        Ok((key, parent))
    }

    /// The account extended public key `m/1017'/coin'/family'` (what lnd's
    /// `WalletKit.ListAccounts` shows), to build an [`AccountXpubKeyRing`].
    /// Its version bytes are xpub on mainnet, tpub elsewhere.
    pub fn account_xpub(&self, family: u32) -> Result<Xpub, KeyError> {
        check_locator(KeyLocator { family, index: 0 })?;
        let (account, coin_key) = self.derive(family, None)?;
        let mut account_sk = account.secret_key(3, family | HARDENED)?;
        let mut coin_sk = coin_key.secret_key(2, self.network.coin_type() | HARDENED)?;
        let parent_pub = PublicKey::from_secret_key(&self.secp, &coin_sk);
        let public_key = PublicKey::from_secret_key(&self.secp, &account_sk);
        account_sk.non_secure_erase();
        coin_sk.non_secure_erase();
        let id = hash160::Hash::hash(&parent_pub.serialize()).to_byte_array();
        Ok(Xpub {
            network: if self.network == Network::Mainnet {
                NetworkKind::Main
            } else {
                NetworkKind::Test
            },
            depth: 3,
            parent_fingerprint: Fingerprint::from([id[0], id[1], id[2], id[3]]),
            child_number: ChildNumber::from_hardened_idx(family).map_err(KeyError::ExtendedKey)?,
            public_key,
            chain_code: ChainCode::from(account.chain_code),
        })
    }
}

impl KeyRing for RootKeyRing {
    fn derive_pubkey(&self, locator: KeyLocator) -> Result<PublicKey, KeyError> {
        check_locator(locator)?;
        let (key, _) = self.derive(locator.family, Some(locator.index))?;
        let mut sk = key.secret_key(5, locator.index)?;
        let pk = PublicKey::from_secret_key(&self.secp, &sk);
        sk.non_secure_erase();
        Ok(pk)
    }
}

/// A key ring holding one account extended public key `m/1017'/coin'/family'`
/// (as lnd's `WalletKit.ListAccounts` / `lncli wallet accounts list` shows
/// it), deriving `0/index` below it by public derivation.
///
/// For backups, the family-7 account xpub suffices (docs/format.md#key-from-public-key); it is
/// also enough to decrypt every backup of the node, so guard it like a secret. Any quirk of
/// lnd's wallet is already inside the xpub: public derivation is plain BIP32.
#[derive(Debug, Clone)]
pub struct AccountXpubKeyRing {
    xpub: Xpub,
    family: u32,
    secp: Secp256k1<secp256k1::VerifyOnly>,
}

impl AccountXpubKeyRing {
    /// From the account xpub of `family`; the xpub must be at depth 3 with
    /// child number `family'`.
    pub fn new(xpub: Xpub, family: u32) -> Result<Self, KeyError> {
        let expected = ChildNumber::from_hardened_idx(family).map_err(KeyError::ExtendedKey)?;
        if xpub.depth != 3 || xpub.child_number != expected {
            return Err(KeyError::NotAccountKey {
                depth: xpub.depth,
                child: xpub.child_number.to_string(),
                family,
            });
        }
        Ok(AccountXpubKeyRing {
            xpub,
            family,
            secp: Secp256k1::verification_only(),
        })
    }

    /// From an xpub/tpub string of the account `family`.
    pub fn from_xpub_str(xpub: &str, family: u32) -> Result<Self, KeyError> {
        let xpub = Xpub::from_str(xpub.trim()).map_err(KeyError::ExtendedKey)?;
        Self::new(xpub, family)
    }

    /// The family this key ring serves.
    pub fn family(&self) -> u32 {
        self.family
    }
}

impl KeyRing for AccountXpubKeyRing {
    fn derive_pubkey(&self, locator: KeyLocator) -> Result<PublicKey, KeyError> {
        check_locator(locator)?;
        if locator.family != self.family {
            return Err(KeyError::FamilyUnavailable {
                requested: locator.family,
                available: self.family,
            });
        }
        let branch = self
            .xpub
            .ckd_pub(&self.secp, ChildNumber::Normal { index: 0 })
            .map_err(KeyError::ExtendedKey)?;
        let child = branch
            .ckd_pub(
                &self.secp,
                ChildNumber::Normal {
                    index: locator.index,
                },
            )
            .map_err(KeyError::ExtendedKey)?;
        Ok(child.public_key)
    }
}
