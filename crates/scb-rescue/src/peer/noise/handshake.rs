//! The handshake's three acts, from both sides.

use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::secp256k1::ecdh::SharedSecret;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use zeroize::Zeroizing;

use super::transport::{CipherState, Transport};
use super::{decrypt_with_ad, encrypt_with_ad, hkdf2, ACT_ONE_LEN, ACT_THREE_LEN, ACT_TWO_LEN};
use crate::peer::error::HandshakeError;

const PROTOCOL_NAME: &[u8] = b"Noise_XK_secp256k1_ChaChaPoly_SHA256";
const PROLOGUE: &[u8] = b"lightning";

/// The running handshake hash and chaining key.
struct SymmetricState {
    ck: Zeroizing<[u8; 32]>,
    h: [u8; 32],
}

impl SymmetricState {
    /// `h = SHA256(protocol name)`, `ck = h`, then the prologue and the
    /// responder's static key are mixed in (both sides know it in XK).
    fn new(responder_static: &PublicKey) -> Self {
        let h = sha256::Hash::hash(PROTOCOL_NAME).to_byte_array();
        let mut s = Self {
            ck: Zeroizing::new(h),
            h,
        };
        s.mix_hash(PROLOGUE);
        s.mix_hash(&responder_static.serialize());
        s
    }

    fn mix_hash(&mut self, data: &[u8]) {
        let mut engine = sha256::Hash::engine();
        engine.input(&self.h);
        engine.input(data);
        self.h = sha256::Hash::from_engine(engine).to_byte_array();
    }

    /// `ck, temp_k = HKDF(ck, ss)`; returns `temp_k`.
    fn mix_key(&mut self, shared: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        let (ck, k) = hkdf2(&self.ck, shared);
        self.ck = ck;
        k
    }

    /// Writes act one or two: our ephemeral key, then a tag under the key
    /// mixed from `ECDH(remote, ephemeral)`. Returns the act and that key.
    fn write_act(
        &mut self,
        ephemeral: &SecretKey,
        remote: &PublicKey,
    ) -> ([u8; ACT_ONE_LEN], Zeroizing<[u8; 32]>) {
        let secp = Secp256k1::signing_only();
        let e_pub = PublicKey::from_secret_key(&secp, ephemeral).serialize();
        self.mix_hash(&e_pub);
        let ss = ecdh(remote, ephemeral);
        let temp_k = self.mix_key(&ss);
        let c = encrypt_with_ad(&temp_k, 0, &self.h, &[]);
        self.mix_hash(&c);
        let mut out = [0u8; ACT_ONE_LEN];
        out[1..34].copy_from_slice(&e_pub);
        out[34..].copy_from_slice(&c);
        (out, temp_k)
    }

    /// Reads act one or two (number `act`): the peer's ephemeral key, then
    /// a tag under the key mixed from `ECDH(its ephemeral, ours)`. Returns
    /// the peer's ephemeral key and that key.
    fn read_act(
        &mut self,
        act: u8,
        bytes: &[u8; ACT_ONE_LEN],
        ours: &SecretKey,
    ) -> Result<(PublicKey, Zeroizing<[u8; 32]>), HandshakeError> {
        if bytes[0] != 0 {
            return Err(HandshakeError::BadVersion {
                act,
                version: bytes[0],
            });
        }
        let re = parse_act_key(&bytes[1..34], act)?;
        let c = &bytes[34..];
        self.mix_hash(&bytes[1..34]);
        let ss = ecdh(&re, ours);
        let temp_k = self.mix_key(&ss);
        decrypt_with_ad(&temp_k, 0, &self.h, c).ok_or(HandshakeError::BadTag { act })?;
        self.mix_hash(c);
        Ok((re, temp_k))
    }

    /// BOLT 8's final split: the initiator sends with the first key and
    /// receives with the second, the responder the other way round.
    fn split(&self, initiator: bool, remote_static: PublicKey) -> Transport {
        let (first, second) = hkdf2(&self.ck, &[]);
        let (send, recv) = if initiator {
            (first, second)
        } else {
            (second, first)
        };
        Transport {
            send: CipherState::new(*send, *self.ck),
            recv: CipherState::new(*recv, *self.ck),
            remote_static,
        }
    }
}

fn ecdh(point: &PublicKey, scalar: &SecretKey) -> Zeroizing<[u8; 32]> {
    // libsecp256k1's default ECDH hash is SHA256 of the compressed point,
    // exactly BOLT 8's ECDH.
    Zeroizing::new(SharedSecret::new(point, scalar).secret_bytes())
}

fn parse_act_key(bytes: &[u8], act: u8) -> Result<PublicKey, HandshakeError> {
    PublicKey::from_slice(bytes).map_err(|_| HandshakeError::BadPublicKey { act })
}

/// The initiator's side of the handshake (we always initiate towards peers).
pub struct Initiator {
    state: SymmetricState,
    local_static: SecretKey,
    ephemeral: SecretKey,
    remote_static: PublicKey,
}

impl Initiator {
    /// Starts a handshake with our static key, the peer's node key and a
    /// fresh ephemeral key (injected so the BOLT 8 vectors can be replayed).
    pub fn new(local_static: SecretKey, remote_static: PublicKey, ephemeral: SecretKey) -> Self {
        Self {
            state: SymmetricState::new(&remote_static),
            local_static,
            ephemeral,
            remote_static,
        }
    }

    /// Act one: our ephemeral key and a tag proving we know the peer's key.
    pub fn act_one(&mut self) -> [u8; ACT_ONE_LEN] {
        let (out, _temp_k1) = self.state.write_act(&self.ephemeral, &self.remote_static);
        out
    }

    /// Reads act two and returns act three and the transport cipher.
    pub fn act_two(
        mut self,
        act_two: &[u8; ACT_TWO_LEN],
    ) -> Result<([u8; ACT_THREE_LEN], Transport), HandshakeError> {
        let (re, temp_k2) = self.state.read_act(2, act_two, &self.ephemeral)?;

        let secp = Secp256k1::signing_only();
        let s_pub = PublicKey::from_secret_key(&secp, &self.local_static).serialize();
        let c3 = encrypt_with_ad(&temp_k2, 1, &self.state.h, &s_pub);
        self.state.mix_hash(&c3);
        let ss = ecdh(&re, &self.local_static);
        let temp_k3 = self.state.mix_key(&ss);
        let t = encrypt_with_ad(&temp_k3, 0, &self.state.h, &[]);

        let mut out = [0u8; ACT_THREE_LEN];
        out[1..50].copy_from_slice(&c3);
        out[50..].copy_from_slice(&t);
        Ok((out, self.state.split(true, self.remote_static)))
    }
}

impl Drop for Initiator {
    fn drop(&mut self) {
        self.ephemeral.non_secure_erase();
        self.local_static.non_secure_erase();
    }
}

/// The responder's side of the handshake: used by peers in tests and the
/// benchmark, and kept beside the initiator so both follow one text.
pub struct Responder {
    state: SymmetricState,
    local_static: SecretKey,
    ephemeral: SecretKey,
    re: Option<PublicKey>,
    temp_k2: Zeroizing<[u8; 32]>,
}

impl Responder {
    /// Waits for a handshake to our static key, with a fresh ephemeral key.
    pub fn new(local_static: SecretKey, ephemeral: SecretKey) -> Self {
        let secp = Secp256k1::signing_only();
        let ls_pub = PublicKey::from_secret_key(&secp, &local_static);
        Self {
            state: SymmetricState::new(&ls_pub),
            local_static,
            ephemeral,
            re: None,
            temp_k2: Zeroizing::new([0; 32]),
        }
    }

    /// Reads act one and returns act two.
    pub fn act_one(
        &mut self,
        act_one: &[u8; ACT_ONE_LEN],
    ) -> Result<[u8; ACT_TWO_LEN], HandshakeError> {
        let (re, _temp_k1) = self.state.read_act(1, act_one, &self.local_static)?;
        let (out, temp_k2) = self.state.write_act(&self.ephemeral, &re);
        self.temp_k2 = temp_k2;
        self.re = Some(re);
        Ok(out)
    }

    /// Reads act three; returns the initiator's static key and the cipher.
    pub fn act_three(
        mut self,
        act_three: &[u8; ACT_THREE_LEN],
    ) -> Result<Transport, HandshakeError> {
        if act_three[0] != 0 {
            return Err(HandshakeError::BadVersion {
                act: 3,
                version: act_three[0],
            });
        }
        let c = &act_three[1..50];
        let t = &act_three[50..];
        let rs = decrypt_with_ad(&self.temp_k2, 1, &self.state.h, c)
            .ok_or(HandshakeError::BadTag { act: 3 })?;
        let rs = parse_act_key(&rs, 3)?;
        self.state.mix_hash(c);
        let ss = ecdh(&rs, &self.ephemeral);
        let temp_k3 = self.state.mix_key(&ss);
        decrypt_with_ad(&temp_k3, 0, &self.state.h, t).ok_or(HandshakeError::BadTag { act: 3 })?;
        Ok(self.state.split(false, rs))
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.ephemeral.non_secure_erase();
        self.local_static.non_secure_erase();
    }
}
