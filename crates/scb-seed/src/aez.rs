//! AEZ v5 (Hoang, Krovetz, Rogaway, "AEZ v5: Authenticated Encryption by
//! Enciphering", 2017): the arbitrary-length tweakable enciphering scheme that
//! lnd's aezeed uses to encrypt a 19-byte seed into 23 bytes.
//!
//! Written from the specification's pseudocode (key extraction, the tweakable
//! blockcipher `E`, AEZ-hash, AEZ-prf, AEZ-core, AEZ-tiny, encrypt/decrypt) on
//! the `aes` crate's single AES round. Checked against vectors produced by the
//! public-domain AEZ v5 reference code (see `tests/aez_vectors.rs`).
//!
//! This implementation favours clarity over speed: every call of `E` recomputes
//! its offset. It is fast enough for aezeed (a handful of blocks) and correct
//! for any length; it is not meant for bulk encryption.
//!
//! ```
//! use scb_seed::aez::Aez;
//!
//! let aez = Aez::new(b"any key length works: it is extracted with BLAKE2b");
//! let ad: &[&[u8]] = &[b"associated data"];
//! let ciphertext = aez.encrypt(b"nonce", ad, 4, b"hello aez");
//! assert_eq!(ciphertext.len(), 9 + 4);
//! let plaintext = aez.decrypt(b"nonce", ad, 4, &ciphertext).unwrap();
//! assert_eq!(&plaintext[..], b"hello aez");
//! ```

use aes::hazmat::cipher_round;
use blake2::digest::{Update, VariableOutput};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::SeedError;

/// One 128-bit block.
type Block = [u8; 16];

/// Size of the extracted key `I || J || L`.
const EXTRACTED_KEY_LEN: usize = 48;

/// An AEZ v5 key, already extracted into its three 128-bit subkeys `I`, `J`
/// and `L`. Zeroized on drop; its `Debug` shows nothing of the key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Aez {
    i: Block,
    j: Block,
    l: Block,
}

impl core::fmt::Debug for Aez {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Aez(<redacted>)")
    }
}

impl Aez {
    /// Makes an AEZ key from key material of any length: a 48-byte key is
    /// used as `I || J || L` directly, any other length goes through
    /// BLAKE2b with a 48-byte digest (the spec's `Extract`). aezeed passes
    /// scrypt's 32 bytes, so it always takes the BLAKE2b path.
    pub fn new(key: &[u8]) -> Self {
        let mut extracted = Zeroizing::new([0u8; EXTRACTED_KEY_LEN]);
        if key.len() == EXTRACTED_KEY_LEN {
            extracted.copy_from_slice(key);
        } else {
            // BLAKE2b accepts any output size from 1 to 64 bytes, so 48 is
            // always valid and the buffer is exactly that long: neither call
            // can fail.
            if let Ok(mut hasher) = blake2::Blake2bVar::new(EXTRACTED_KEY_LEN) {
                hasher.update(key);
                let _ = hasher.finalize_variable(&mut extracted[..]);
            }
        }
        let mut aez = Aez {
            i: [0; 16],
            j: [0; 16],
            l: [0; 16],
        };
        aez.i.copy_from_slice(&extracted[0..16]);
        aez.j.copy_from_slice(&extracted[16..32]);
        aez.l.copy_from_slice(&extracted[32..48]);
        aez
    }

    /// Returns the extracted key `I || J || L` (48 bytes), for test vectors
    /// (feature `test-utils`).
    #[cfg(any(test, feature = "test-utils"))]
    pub fn extracted_key(&self) -> Zeroizing<[u8; 48]> {
        let mut out = Zeroizing::new([0u8; 48]);
        out[0..16].copy_from_slice(&self.i);
        out[16..32].copy_from_slice(&self.j);
        out[32..48].copy_from_slice(&self.l);
        out
    }

    /// AEZ encryption: enciphers `message || 0^tau` (tau in bytes) under the
    /// tweak `(tau, nonce, ad[0], ad[1], ...)`. The ciphertext is
    /// `message.len() + tau` bytes long. An empty message gives `tau` bytes of
    /// AEZ-prf output (a pure MAC).
    pub fn encrypt(&self, nonce: &[u8], ad: &[&[u8]], tau: usize, message: &[u8]) -> Vec<u8> {
        let delta = self.hash(tau, nonce, ad);
        if message.is_empty() {
            return self.prf(&delta, tau);
        }
        let mut padded = Zeroizing::new(Vec::with_capacity(message.len() + tau));
        padded.extend_from_slice(message);
        padded.resize(message.len() + tau, 0);
        self.encipher(&delta, &padded)
    }

    /// AEZ decryption: the inverse of [`Aez::encrypt`] with the same nonce,
    /// associated data and `tau`. Fails when the ciphertext is shorter than
    /// `tau`, or when the `tau` authentication bytes do not decipher to zero
    /// (wrong key, tweak or altered ciphertext: AEZ cannot tell which).
    pub fn decrypt(
        &self,
        nonce: &[u8],
        ad: &[&[u8]],
        tau: usize,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SeedError> {
        if ciphertext.len() < tau {
            return Err(SeedError::AezCiphertextTooShort {
                len: ciphertext.len(),
                tau,
            });
        }
        let delta = self.hash(tau, nonce, ad);
        if ciphertext.len() == tau {
            let expected = Zeroizing::new(self.prf(&delta, tau));
            return if ct_eq(&expected, ciphertext) {
                Ok(Zeroizing::new(Vec::new()))
            } else {
                Err(SeedError::AezAuthentication)
            };
        }
        let mut plain = Zeroizing::new(self.decipher(&delta, ciphertext));
        let message_len = ciphertext.len() - tau;
        let tag_bits = plain[message_len..].iter().fold(0u8, |acc, b| acc | b);
        if tag_bits != 0 {
            return Err(SeedError::AezAuthentication);
        }
        plain.truncate(message_len);
        Ok(plain)
    }

    /// AES4: four AES rounds (each with MixColumns, no initial whitening)
    /// keyed `J, I, L, 0`.
    fn aes4(&self, x: &Block) -> Block {
        let mut state = aes::Block::from(*x);
        for key in [&self.j, &self.i, &self.l, &[0u8; 16]] {
            cipher_round(&mut state, &aes::Block::from(*key));
        }
        state.into()
    }

    /// AES10: ten AES rounds (the last one keeps MixColumns, no initial
    /// whitening) keyed `I, J, L, I, J, L, I, J, L, I`.
    fn aes10(&self, x: &Block) -> Block {
        let mut state = aes::Block::from(*x);
        let keys = [&self.i, &self.j, &self.l];
        for round in 0..10 {
            cipher_round(&mut state, &aes::Block::from(*keys[round % 3]));
        }
        state.into()
    }

    /// The tweakable blockcipher `E_K^{-1,i}`: AES10 of `x ⊕ i·L`.
    fn e10(&self, i: u32, x: &Block) -> Block {
        self.aes10(&xor(x, &mul(i, &self.l)))
    }

    /// The tweakable blockcipher `E_K^{j,i}` for `j ≥ 0`: AES4 of
    /// `x ⊕ j·J ⊕ 2^⌈i/8⌉·I ⊕ (i mod 8)·L`.
    fn e4(&self, j: u32, i: u32, x: &Block) -> Block {
        let mut i_term = self.i;
        for _ in 0..i.div_ceil(8) {
            i_term = dbl(&i_term);
        }
        let delta = xor(&xor(&mul(j, &self.j), &mul(i % 8, &self.l)), &i_term);
        self.aes4(&xor(x, &delta))
    }

    /// AEZ-hash of the tweak `([tau·8]_128, nonce, ad...)`.
    fn hash(&self, tau: usize, nonce: &[u8], ad: &[&[u8]]) -> Block {
        let mut tau_block = [0u8; 16];
        // tau is a byte count that the spec encodes in bits in 128 bits; the
        // reference keeps the low 32 bits, and so do we.
        tau_block[12..16].copy_from_slice(&((tau as u32).wrapping_mul(8)).to_be_bytes());
        let mut sum = self.e4(3, 1, &tau_block);
        self.hash_string(4, nonce, &mut sum);
        for (k, string) in ad.iter().enumerate() {
            // j = 5 + k; more than 2^32 AD strings cannot be passed in practice.
            let j = 5u32.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
            self.hash_string(j, string, &mut sum);
        }
        sum
    }

    /// Hashes one tweak component with tweak index `j`: full blocks with
    /// `i = 1, 2, ...`, then a 10*-padded final block with `i = 0` when the
    /// string is empty or not a multiple of 16 bytes.
    fn hash_string(&self, j: u32, string: &[u8], sum: &mut Block) {
        let mut chunks = string.chunks_exact(16);
        let mut i = 1u32;
        for chunk in &mut chunks {
            *sum = xor(sum, &self.e4(j, i, &to_block(chunk)));
            i = i.wrapping_add(1);
        }
        let rest = chunks.remainder();
        if string.is_empty() || !rest.is_empty() {
            *sum = xor(sum, &self.e4(j, 0, &pad10(rest)));
        }
    }

    /// AEZ-prf: `len` bytes of `E^{-1,3}(delta ⊕ [k]_128)` for k = 0, 1, ...
    fn prf(&self, delta: &Block, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut counter = 0u128;
        while out.len() < len {
            let block = self.e10(3, &xor(delta, &counter.to_be_bytes()));
            let take = (len - out.len()).min(16);
            out.extend_from_slice(&block[..take]);
            counter = counter.wrapping_add(1);
        }
        out
    }

    /// AEZ enciphering of `x` under the hashed tweak `delta`.
    fn encipher(&self, delta: &Block, x: &[u8]) -> Vec<u8> {
        match x.len() {
            0 => Vec::new(),
            1..=31 => self.tiny(delta, x, Direction::Encipher),
            _ => self.core(delta, x, Direction::Encipher),
        }
    }

    /// AEZ deciphering of `y` under the hashed tweak `delta`.
    fn decipher(&self, delta: &Block, y: &[u8]) -> Vec<u8> {
        match y.len() {
            0 => Vec::new(),
            1..=31 => self.tiny(delta, y, Direction::Decipher),
            _ => self.core(delta, y, Direction::Decipher),
        }
    }

    /// AEZ-tiny: a balanced Feistel network over the two halves (which may
    /// end in a half byte) for inputs of 1 to 31 bytes. aezeed's 23-byte
    /// ciphertext takes this path with an odd length.
    fn tiny(&self, delta: &Block, input: &[u8], direction: Direction) -> Vec<u8> {
        let n = input.len();
        debug_assert!((1..32).contains(&n));
        let (rounds, i): (u32, u32) = match n {
            1 => (24, 7),
            2 => (16, 7),
            3..=15 => (10, 7),
            _ => (8, 6),
        };
        // Each half holds ceil(n/2) bytes; with an odd n the middle byte is
        // split and the right half is shifted left by four bits.
        let half = n.div_ceil(2);
        let mut left = Zeroizing::new([0u8; 16]);
        let mut right = Zeroizing::new([0u8; 16]);
        left[..half].copy_from_slice(&input[..half]);
        right[..half].copy_from_slice(&input[n / 2..n / 2 + half]);
        let (mask, pad) = if n % 2 == 1 {
            for k in 0..n / 2 {
                right[k] = (right[k] << 4) | (right[k + 1] >> 4);
            }
            right[n / 2] <<= 4;
            (0xf0u8, 0x08u8)
        } else {
            (0x00u8, 0x80u8)
        };

        // The round counter runs up when enciphering and down when
        // deciphering; deciphering a short input first undoes the final
        // top-bit flip of enciphering.
        let (mut j, step): (i64, i64) = match direction {
            Direction::Encipher => (0, 1),
            Direction::Decipher => {
                if n < 16 {
                    let mut buf = [0u8; 16];
                    buf[..n].copy_from_slice(input);
                    buf[0] |= 0x80;
                    let flip = self.e4(0, 3, &xor(&buf, delta));
                    left[0] ^= flip[0] & 0x80;
                }
                (i64::from(rounds) - 1, -1)
            }
        };

        let round_input = |half_value: &[u8; 16], counter: i64| -> Block {
            let mut buf = [0u8; 16];
            buf[..half].copy_from_slice(&half_value[..half]);
            buf[n / 2] = (buf[n / 2] & mask) | pad;
            let mut buf = xor(&buf, delta);
            // The counter is below 24: its low byte is the whole value.
            buf[15] ^= counter as u8;
            buf
        };
        for _ in 0..rounds / 2 {
            let f = self.e4(0, i, &round_input(&right, j));
            *left = xor(&left, &f);
            let f = self.e4(0, i, &round_input(&left, j + step));
            *right = xor(&right, &f);
            j += 2 * step;
        }

        // Output is R || L, rejoined at the half byte for odd lengths.
        let mut out = Zeroizing::new([0u8; 32]);
        out[..n / 2].copy_from_slice(&right[..n / 2]);
        out[n / 2..n / 2 + half].copy_from_slice(&left[..half]);
        if n % 2 == 1 {
            let mut k = n - 1;
            while k > n / 2 {
                out[k] = (out[k] >> 4) | (out[k - 1] << 4);
                k -= 1;
            }
            out[n / 2] = (left[0] >> 4) | (right[n / 2] & 0xf0);
        }
        if n < 16 && direction == Direction::Encipher {
            let mut buf = [0u8; 16];
            buf[..n].copy_from_slice(&out[..n]);
            buf[0] |= 0x80;
            let flip = self.e4(0, 3, &xor(&buf, delta));
            out[0] ^= flip[0] & 0x80;
        }
        out[..n].to_vec()
    }

    /// AEZ-core: the two-pass enciphering of inputs of at least 32 bytes.
    #[allow(clippy::many_single_char_names)] // the spec's names: n, d, s, w, x
    fn core(&self, delta: &Block, input: &[u8], direction: Direction) -> Vec<u8> {
        let n = input.len();
        debug_assert!(n >= 32);
        let d: u32 = match direction {
            Direction::Encipher => 0,
            Direction::Decipher => 1,
        };
        let mut out = vec![0u8; n];
        // Pairs of blocks before the final fragment and the last two blocks.
        let pairs = (n - 32) / 32;
        let frag_start = pairs * 32;
        let frag_len = n - 32 - frag_start;
        let last = n - 32;

        // Pass 1: X is the xor of the pairs' second halves and the fragment.
        let mut x_sum = [0u8; 16];
        for p in 0..pairs {
            let pos = p * 32;
            let idx = p as u32 + 1;
            let m = block_at(input, pos);
            let m2 = block_at(input, pos + 16);
            let w = xor(&m, &self.e4(1, idx, &m2));
            let x = xor(&m2, &self.e4(0, 0, &w));
            put_block(&mut out, pos, &w);
            put_block(&mut out, pos + 16, &x);
            x_sum = xor(&x_sum, &x);
        }
        let frag = &input[frag_start..frag_start + frag_len];
        if frag_len >= 16 {
            x_sum = xor(&x_sum, &self.e4(0, 4, &to_block(&frag[..16])));
            x_sum = xor(&x_sum, &self.e4(0, 5, &pad10(&frag[16..])));
        } else if frag_len > 0 {
            x_sum = xor(&x_sum, &self.e4(0, 4, &pad10(frag)));
        }

        // The middle: S from the last two blocks.
        let m_x = block_at(input, last);
        let m_y = block_at(input, last + 16);
        let s_x = xor(&xor(&xor(&m_x, &x_sum), delta), &self.e4(0, 1 + d, &m_y));
        let s_y = xor(&m_y, &self.e10(1 + d, &s_x));
        let s = xor(&s_x, &s_y);

        // Pass 2: Y is the xor of the pairs' outputs and the fragment's.
        let mut y_sum = [0u8; 16];
        for p in 0..pairs {
            let pos = p * 32;
            let idx = p as u32 + 1;
            let s_i = self.e4(2, idx, &s);
            let w = xor(&block_at(&out, pos), &s_i);
            let x = xor(&block_at(&out, pos + 16), &s_i);
            y_sum = xor(&y_sum, &w);
            let c2 = xor(&w, &self.e4(0, 0, &x));
            let c1 = xor(&x, &self.e4(1, idx, &c2));
            put_block(&mut out, pos, &c1);
            put_block(&mut out, pos + 16, &c2);
        }
        if frag_len >= 16 {
            let c = xor(&to_block(&frag[..16]), &self.e10(4, &s));
            put_block(&mut out, frag_start, &c);
            y_sum = xor(&y_sum, &self.e4(0, 4, &c));
            let rest = frag_len - 16;
            let pad_key = self.e10(5, &s);
            let mut tail = [0u8; 16];
            for k in 0..rest {
                tail[k] = frag[16 + k] ^ pad_key[k];
            }
            out[frag_start + 16..frag_start + 16 + rest].copy_from_slice(&tail[..rest]);
            tail[rest] = 0x80;
            y_sum = xor(&y_sum, &self.e4(0, 5, &tail));
        } else if frag_len > 0 {
            let pad_key = self.e10(4, &s);
            let mut tail = [0u8; 16];
            for k in 0..frag_len {
                tail[k] = frag[k] ^ pad_key[k];
            }
            out[frag_start..frag_start + frag_len].copy_from_slice(&tail[..frag_len]);
            tail[frag_len] = 0x80;
            y_sum = xor(&y_sum, &self.e4(0, 4, &tail));
        }

        // The last two blocks, swapped.
        let c_y = xor(&s_x, &self.e10(2 - d, &s_y));
        let c_x = xor(&xor(&xor(&s_y, &self.e4(0, 2 - d, &c_y)), delta), &y_sum);
        put_block(&mut out, last, &c_x);
        put_block(&mut out, last + 16, &c_y);
        out
    }
}

/// Which way AEZ-tiny or AEZ-core runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Encipher,
    Decipher,
}

/// `a ⊕ b`.
fn xor(a: &Block, b: &Block) -> Block {
    let mut out = [0u8; 16];
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b.iter())) {
        *o = x ^ y;
    }
    out
}

/// Doubling in GF(2^128) with the block read big-endian (the spec's `2·X`).
fn dbl(a: &Block) -> Block {
    let mut out = [0u8; 16];
    for k in 0..15 {
        out[k] = (a[k] << 1) | (a[k + 1] >> 7);
    }
    // Reduce by x^128 + x^7 + x^2 + x + 1 when the top bit falls off,
    // without branching on it.
    out[15] = (a[15] << 1) ^ (0u8.wrapping_sub(a[0] >> 7) & 0x87);
    out
}

/// `x·a` in GF(2^128) for a small integer `x`, by double-and-add.
fn mul(mut x: u32, a: &Block) -> Block {
    let mut acc = [0u8; 16];
    let mut power = *a;
    while x != 0 {
        if x & 1 == 1 {
            acc = xor(&acc, &power);
        }
        power = dbl(&power);
        x >>= 1;
    }
    acc
}

/// A block from a slice of exactly 16 bytes (shorter slices are zero-filled).
fn to_block(bytes: &[u8]) -> Block {
    let mut block = [0u8; 16];
    let len = bytes.len().min(16);
    block[..len].copy_from_slice(&bytes[..len]);
    block
}

/// `bytes || 1 || 0*` padded to one block; `bytes` is shorter than 16.
fn pad10(bytes: &[u8]) -> Block {
    let mut block = to_block(bytes);
    if bytes.len() < 16 {
        block[bytes.len()] = 0x80;
    }
    block
}

/// The block at `pos` of `bytes` (the caller keeps `pos + 16 <= len`).
fn block_at(bytes: &[u8], pos: usize) -> Block {
    to_block(bytes.get(pos..pos + 16).unwrap_or(&[]))
}

/// Writes `block` at `pos` of `bytes` (the caller keeps `pos + 16 <= len`).
fn put_block(bytes: &mut [u8], pos: usize, block: &Block) {
    if let Some(dst) = bytes.get_mut(pos..pos + 16) {
        dst.copy_from_slice(block);
    }
}

/// Constant-time equality of two byte strings of public length.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_reduces_when_the_top_bit_is_set() {
        let mut a = [0u8; 16];
        a[0] = 0x80;
        let mut expected = [0u8; 16];
        expected[15] = 0x87;
        assert_eq!(dbl(&a), expected);
        a[0] = 0x40;
        let mut expected = [0u8; 16];
        expected[0] = 0x80;
        assert_eq!(dbl(&a), expected);
    }

    #[test]
    fn mul_is_repeated_doubling_and_xor() {
        let a: Block = core::array::from_fn(|k| (k as u8).wrapping_mul(37) ^ 0xa5);
        assert_eq!(mul(0, &a), [0u8; 16]);
        assert_eq!(mul(1, &a), a);
        assert_eq!(mul(2, &a), dbl(&a));
        assert_eq!(mul(3, &a), xor(&dbl(&a), &a));
        assert_eq!(mul(8, &a), dbl(&dbl(&dbl(&a))));
    }

    #[test]
    fn pad10_marks_the_end_of_a_short_string() {
        let block = pad10(&[1, 2, 3]);
        assert_eq!(&block[..4], &[1, 2, 3, 0x80]);
        assert!(block[4..].iter().all(|b| *b == 0));
        assert_eq!(pad10(&[])[0], 0x80);
    }

    #[test]
    fn tiny_and_core_decipher_what_they_encipher_for_every_short_length() {
        let aez = Aez::new(b"unit test key");
        let delta: Block = core::array::from_fn(|k| k as u8);
        for n in 1..=100usize {
            let x: Vec<u8> = (0..n).map(|k| (k * 7 + n) as u8).collect();
            let y = aez.encipher(&delta, &x);
            assert_eq!(y.len(), n);
            assert_ne!(y, x, "length {n} left unchanged");
            assert_eq!(aez.decipher(&delta, &y), x, "length {n}");
        }
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let aez = Aez::new(&[0x42; 48]);
        assert_eq!(format!("{aez:?}"), "Aez(<redacted>)");
    }
}
