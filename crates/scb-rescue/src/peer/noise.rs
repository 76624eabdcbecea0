//! BOLT 8 transport: the Noise_XK_secp256k1_ChaChaPoly_SHA256 handshake and
//! the message cipher with key rotation every 1,000 messages.
//!
//! Sans-I/O: these types turn bytes into bytes; [`super::connection`] moves
//! them over a socket. The primitives come from maintained crates (ECDH from
//! libsecp256k1, HKDF and SHA-256 from RustCrypto, ChaCha20-Poly1305 from
//! RustCrypto); only the protocol's composition is written here, because
//! LDK keeps its implementation crate-private. It is checked against the
//! BOLT 8 Appendix vectors and against LDK's `PeerManager` in the tests.

use bitcoin::secp256k1::ecdh::SharedSecret;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::error::HandshakeError;

/// Length of act one and act two.
pub const ACT_ONE_LEN: usize = 50;
/// Length of act two.
pub const ACT_TWO_LEN: usize = 50;
/// Length of act three.
pub const ACT_THREE_LEN: usize = 66;
/// Length of an encrypted message-length header (2 bytes and a 16-byte tag).
pub const HEADER_LEN: usize = 18;
/// Length of the Poly1305 tag after every ciphertext.
pub const TAG_LEN: usize = 16;
/// Largest Lightning message body (the length prefix is 16 bits).
pub const MAX_MESSAGE_LEN: usize = u16::MAX as usize;

const PROTOCOL_NAME: &[u8] = b"Noise_XK_secp256k1_ChaChaPoly_SHA256";
const PROLOGUE: &[u8] = b"lightning";
const KEY_ROTATION_INTERVAL: u64 = 1000;

/// The running handshake hash and chaining key.
struct SymmetricState {
    ck: Zeroizing<[u8; 32]>,
    h: [u8; 32],
}

impl SymmetricState {
    /// `h = SHA256(protocol name)`, `ck = h`, then the prologue and the
    /// responder's static key are mixed in (both sides know it in XK).
    fn new(responder_static: &PublicKey) -> Self {
        let h: [u8; 32] = Sha256::digest(PROTOCOL_NAME).into();
        let mut s = Self {
            ck: Zeroizing::new(h),
            h,
        };
        s.mix_hash(PROLOGUE);
        s.mix_hash(&responder_static.serialize());
        s
    }

    fn mix_hash(&mut self, data: &[u8]) {
        let mut hasher = Sha256::new();
        hasher.update(self.h);
        hasher.update(data);
        self.h = hasher.finalize().into();
    }

    /// `ck, temp_k = HKDF(ck, ss)`; returns `temp_k`.
    fn mix_key(&mut self, shared: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        let (ck, k) = hkdf2(&self.ck, shared);
        self.ck = ck;
        k
    }
}

/// BOLT 8's HKDF: salt `ck`, input key material `ikm`, empty info, 64 bytes
/// of output split in two.
fn hkdf2(salt: &[u8; 32], ikm: &[u8]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes is well under HKDF-SHA256's limit of 255 * 32.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], okm.as_mut());
    let mut a = Zeroizing::new([0u8; 32]);
    let mut b = Zeroizing::new([0u8; 32]);
    a.copy_from_slice(&okm[..32]);
    b.copy_from_slice(&okm[32..]);
    (a, b)
}

/// The 96-bit nonce: 32 zero bits, then the counter little-endian.
fn nonce(n: u64) -> Nonce {
    let mut bytes = [0u8; 12];
    bytes[4..].copy_from_slice(&n.to_le_bytes());
    Nonce::from(bytes)
}

fn encrypt_with_ad(key: &[u8; 32], n: u64, ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    // Encryption with ChaCha20-Poly1305 fails only past 2^38 bytes of input;
    // our inputs are at most 65,535 bytes. An empty vector would then make
    // the peer reject the message, never leak anything.
    cipher
        .encrypt(
            &nonce(n),
            Payload {
                msg: plaintext,
                aad: ad,
            },
        )
        .unwrap_or_default()
}

fn decrypt_with_ad(key: &[u8; 32], n: u64, ad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(
            &nonce(n),
            Payload {
                msg: ciphertext,
                aad: ad,
            },
        )
        .ok()
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
        let secp = Secp256k1::signing_only();
        let e_pub = PublicKey::from_secret_key(&secp, &self.ephemeral).serialize();
        self.state.mix_hash(&e_pub);
        let ss = ecdh(&self.remote_static, &self.ephemeral);
        let temp_k1 = self.state.mix_key(&ss);
        let c = encrypt_with_ad(&temp_k1, 0, &self.state.h, &[]);
        self.state.mix_hash(&c);
        let mut out = [0u8; ACT_ONE_LEN];
        out[1..34].copy_from_slice(&e_pub);
        out[34..].copy_from_slice(&c);
        out
    }

    /// Reads act two and returns act three and the transport cipher.
    pub fn act_two(
        mut self,
        act_two: &[u8; ACT_TWO_LEN],
    ) -> Result<([u8; ACT_THREE_LEN], Transport), HandshakeError> {
        if act_two[0] != 0 {
            return Err(HandshakeError::BadVersion {
                act: 2,
                version: act_two[0],
            });
        }
        let re = parse_act_key(&act_two[1..34], 2)?;
        let c = &act_two[34..];
        self.state.mix_hash(&act_two[1..34]);
        let ss = ecdh(&re, &self.ephemeral);
        let temp_k2 = self.state.mix_key(&ss);
        decrypt_with_ad(&temp_k2, 0, &self.state.h, c).ok_or(HandshakeError::BadTag { act: 2 })?;
        self.state.mix_hash(c);

        let secp = Secp256k1::signing_only();
        let s_pub = PublicKey::from_secret_key(&secp, &self.local_static).serialize();
        let c3 = encrypt_with_ad(&temp_k2, 1, &self.state.h, &s_pub);
        self.state.mix_hash(&c3);
        let ss = ecdh(&re, &self.local_static);
        let temp_k3 = self.state.mix_key(&ss);
        let t = encrypt_with_ad(&temp_k3, 0, &self.state.h, &[]);
        let (sk, rk) = hkdf2(&self.state.ck, &[]);

        let mut out = [0u8; ACT_THREE_LEN];
        out[1..50].copy_from_slice(&c3);
        out[50..].copy_from_slice(&t);
        let transport = Transport {
            send: CipherState::new(*sk, *self.state.ck),
            recv: CipherState::new(*rk, *self.state.ck),
            remote_static: self.remote_static,
        };
        Ok((out, transport))
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
        if act_one[0] != 0 {
            return Err(HandshakeError::BadVersion {
                act: 1,
                version: act_one[0],
            });
        }
        let re = parse_act_key(&act_one[1..34], 1)?;
        let c = &act_one[34..];
        self.state.mix_hash(&act_one[1..34]);
        let ss = ecdh(&re, &self.local_static);
        let temp_k1 = self.state.mix_key(&ss);
        decrypt_with_ad(&temp_k1, 0, &self.state.h, c).ok_or(HandshakeError::BadTag { act: 1 })?;
        self.state.mix_hash(c);

        let secp = Secp256k1::signing_only();
        let e_pub = PublicKey::from_secret_key(&secp, &self.ephemeral).serialize();
        self.state.mix_hash(&e_pub);
        let ss = ecdh(&re, &self.ephemeral);
        self.temp_k2 = self.state.mix_key(&ss);
        let c = encrypt_with_ad(&self.temp_k2, 0, &self.state.h, &[]);
        self.state.mix_hash(&c);
        self.re = Some(re);
        let mut out = [0u8; ACT_TWO_LEN];
        out[1..34].copy_from_slice(&e_pub);
        out[34..].copy_from_slice(&c);
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
        let (rk, sk) = hkdf2(&self.state.ck, &[]);
        Ok(Transport {
            send: CipherState::new(*sk, *self.state.ck),
            recv: CipherState::new(*rk, *self.state.ck),
            remote_static: rs,
        })
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.ephemeral.non_secure_erase();
        self.local_static.non_secure_erase();
    }
}

/// One direction's key, nonce and chaining key.
struct CipherState {
    key: [u8; 32],
    ck: [u8; 32],
    n: u64,
}

impl CipherState {
    fn new(key: [u8; 32], ck: [u8; 32]) -> Self {
        Self { key, ck, n: 0 }
    }

    /// Uses the current nonce, then rotates the key after nonce 999.
    fn step(&mut self) -> u64 {
        let n = self.n;
        self.n += 1;
        n
    }

    fn rotate_if_due(&mut self) {
        if self.n == KEY_ROTATION_INTERVAL {
            let (ck, k) = hkdf2(&self.ck, &self.key);
            self.ck = *ck;
            self.key = *k;
            self.n = 0;
        }
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let n = self.step();
        let out = encrypt_with_ad(&self.key, n, &[], plaintext);
        self.rotate_if_due();
        out
    }

    fn decrypt(&mut self, ciphertext: &[u8]) -> Option<Vec<u8>> {
        let n = self.step();
        let out = decrypt_with_ad(&self.key, n, &[], ciphertext);
        self.rotate_if_due();
        out
    }
}

impl Drop for CipherState {
    fn drop(&mut self) {
        self.key.zeroize();
        self.ck.zeroize();
    }
}

/// The cipher of an established BOLT 8 connection.
pub struct Transport {
    send: CipherState,
    recv: CipherState,
    remote_static: PublicKey,
}

impl core::fmt::Debug for Transport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transport")
            .field("remote_static", &self.remote_static)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// The peer's node key as proven by the handshake.
    pub fn remote_static(&self) -> PublicKey {
        self.remote_static
    }

    /// Encrypts one message: the encrypted length header, then the body.
    ///
    /// A body longer than 65,535 bytes cannot be framed; the caller never
    /// builds one (our messages are a few hundred bytes at most).
    pub fn encrypt_message(&mut self, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        let body = &body[..usize::from(len)];
        let mut out = self.send.encrypt(&len.to_be_bytes());
        out.extend_from_slice(&self.send.encrypt(body));
        out
    }

    /// Decrypts an 18-byte header into the length of the body that follows
    /// (the body's ciphertext is that plus [`TAG_LEN`] bytes).
    pub fn decrypt_header(&mut self, header: &[u8; HEADER_LEN]) -> Result<usize, HandshakeError> {
        let plain = self
            .recv
            .decrypt(header)
            .ok_or(HandshakeError::BadMessageTag)?;
        let mut len = [0u8; 2];
        len.copy_from_slice(plain.get(..2).ok_or(HandshakeError::BadMessageTag)?);
        Ok(usize::from(u16::from_be_bytes(len)))
    }

    /// Decrypts a body whose length [`Self::decrypt_header`] announced.
    pub fn decrypt_body(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, HandshakeError> {
        self.recv
            .decrypt(ciphertext)
            .ok_or(HandshakeError::BadMessageTag)
    }
}

#[cfg(test)]
mod tests {
    //! The BOLT 8 Appendix vectors (lightning/bolts 08-transport.md).
    use super::*;
    use bitcoin::hex::FromHex;

    fn key(hex: &str) -> SecretKey {
        SecretKey::from_slice(&Vec::<u8>::from_hex(hex).unwrap()).unwrap()
    }
    fn bytes(hex: &str) -> Vec<u8> {
        Vec::<u8>::from_hex(hex.trim_start_matches("0x")).unwrap()
    }

    const RS_PUB: &str = "028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7";
    const LS_PRIV: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const E_PRIV: &str = "1212121212121212121212121212121212121212121212121212121212121212";
    const RESP_LS_PRIV: &str = "2121212121212121212121212121212121212121212121212121212121212121";
    const RESP_E_PRIV: &str = "2222222222222222222222222222222222222222222222222222222222222222";
    const ACT_ONE: &str = "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a";
    const ACT_TWO: &str = "0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae";
    const ACT_THREE: &str = "00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba";

    fn initiator() -> Initiator {
        let rs = PublicKey::from_slice(&bytes(RS_PUB)).unwrap();
        Initiator::new(key(LS_PRIV), rs, key(E_PRIV))
    }

    fn act<const N: usize>(hex: &str) -> [u8; N] {
        bytes(hex).try_into().unwrap()
    }

    #[test]
    fn initiator_successful_handshake_matches_bolt8_vector() {
        let mut i = initiator();
        assert_eq!(i.act_one().to_vec(), bytes(ACT_ONE));
        let (three, t) = i.act_two(&act(ACT_TWO)).unwrap();
        assert_eq!(three.to_vec(), bytes(ACT_THREE));
        assert_eq!(
            t.send.key.to_vec(),
            bytes("969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9")
        );
        assert_eq!(
            t.recv.key.to_vec(),
            bytes("bb9020b8965f4df047e07f955f3c4b88418984aadc5cdb35096b9ea8fa5c3442")
        );
        assert_eq!(
            t.send.ck.to_vec(),
            bytes("919219dbb2920afa8db80f9a51787a840bcf111ed8d588caf9ab4be716e42b01")
        );
    }

    #[test]
    fn initiator_rejects_bad_act_two_per_bolt8_vectors() {
        let cases = [
            (
                "0102466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae",
                HandshakeError::BadVersion { act: 2, version: 1 },
            ),
            (
                "0004466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae",
                HandshakeError::BadPublicKey { act: 2 },
            ),
            (
                "0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730af",
                HandshakeError::BadTag { act: 2 },
            ),
        ];
        for (input, want) in cases {
            let mut i = initiator();
            i.act_one();
            assert_eq!(i.act_two(&act(input)).unwrap_err(), want, "{input}");
        }
    }

    fn responder() -> Responder {
        Responder::new(key(RESP_LS_PRIV), key(RESP_E_PRIV))
    }

    #[test]
    fn responder_successful_handshake_matches_bolt8_vector() {
        let mut r = responder();
        assert_eq!(r.act_one(&act(ACT_ONE)).unwrap().to_vec(), bytes(ACT_TWO));
        let t = r.act_three(&act(ACT_THREE)).unwrap();
        assert_eq!(
            t.remote_static().serialize().to_vec(),
            bytes("034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa")
        );
        assert_eq!(
            t.recv.key.to_vec(),
            bytes("969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9")
        );
        assert_eq!(
            t.send.key.to_vec(),
            bytes("bb9020b8965f4df047e07f955f3c4b88418984aadc5cdb35096b9ea8fa5c3442")
        );
    }

    #[test]
    fn responder_rejects_bad_acts_per_bolt8_vectors() {
        let act_one_cases = [
            (
                "01036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a",
                HandshakeError::BadVersion { act: 1, version: 1 },
            ),
            (
                "00046360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a",
                HandshakeError::BadPublicKey { act: 1 },
            ),
            (
                "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6b",
                HandshakeError::BadTag { act: 1 },
            ),
        ];
        for (input, want) in act_one_cases {
            assert_eq!(
                responder().act_one(&act(input)).unwrap_err(),
                want,
                "{input}"
            );
        }
        let act_three_cases = [
            (
                "01b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba",
                HandshakeError::BadVersion { act: 3, version: 1 },
            ),
            (
                "00c9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba",
                HandshakeError::BadTag { act: 3 },
            ),
            (
                "00bfe3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa2235536ad09a8ee351870c2bb7f78b754a26c6cef79a98d25139c856d7efd252c2ae73c",
                HandshakeError::BadPublicKey { act: 3 },
            ),
            (
                "00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139bb",
                HandshakeError::BadTag { act: 3 },
            ),
        ];
        for (input, want) in act_three_cases {
            let mut r = responder();
            r.act_one(&act(ACT_ONE)).unwrap();
            assert_eq!(r.act_three(&act(input)).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn message_encryption_matches_bolt8_vector_across_two_key_rotations() {
        let (_, mut t) = {
            let mut i = initiator();
            i.act_one();
            i.act_two(&act(ACT_TWO)).unwrap()
        };
        let mut r = {
            let mut r = responder();
            r.act_one(&act(ACT_ONE)).unwrap();
            r.act_three(&act(ACT_THREE)).unwrap()
        };
        let want = [
            (
                0,
                "cf2b30ddf0cf3f80e7c35a6e6730b59fe802473180f396d88a8fb0db8cbcf25d2f214cf9ea1d95",
            ),
            (
                1,
                "72887022101f0b6753e0c7de21657d35a4cb2a1f5cde2650528bbc8f837d0f0d7ad833b1a256a1",
            ),
            (
                500,
                "178cb9d7387190fa34db9c2d50027d21793c9bc2d40b1e14dcf30ebeeeb220f48364f7a4c68bf8",
            ),
            (
                501,
                "1b186c57d44eb6de4c057c49940d79bb838a145cb528d6e8fd26dbe50a60ca2c104b56b60e45bd",
            ),
            (
                1000,
                "4a2f3cc3b5e78ddb83dcb426d9863d9d9a723b0337c89dd0b005d89f8d3c05c52b76b29b740f09",
            ),
            (
                1001,
                "2ecd8c8a5629d0d02ab457a0fdd0f7b90a192cd46be5ecb6ca570bfc5e268338b1a16cf4ef2d36",
            ),
        ];
        let mut checked = 0;
        for i in 0..=1001 {
            let out = t.encrypt_message(b"hello");
            if let Some((_, hex)) = want.iter().find(|(n, _)| *n == i) {
                assert_eq!(out, bytes(hex), "output {i}");
                checked += 1;
            }
            // The responder reads every message back.
            let header: [u8; HEADER_LEN] = out[..HEADER_LEN].try_into().unwrap();
            assert_eq!(r.decrypt_header(&header).unwrap(), 5);
            assert_eq!(r.decrypt_body(&out[HEADER_LEN..]).unwrap(), b"hello");
        }
        assert_eq!(checked, want.len());
    }

    #[test]
    fn tampered_header_is_rejected() {
        let (_, mut t) = {
            let mut i = initiator();
            i.act_one();
            i.act_two(&act(ACT_TWO)).unwrap()
        };
        let mut r = {
            let mut r = responder();
            r.act_one(&act(ACT_ONE)).unwrap();
            r.act_three(&act(ACT_THREE)).unwrap()
        };
        let mut out = t.encrypt_message(b"hello");
        out[0] ^= 1;
        let header: [u8; HEADER_LEN] = out[..HEADER_LEN].try_into().unwrap();
        assert_eq!(
            r.decrypt_header(&header),
            Err(HandshakeError::BadMessageTag)
        );
    }
}
