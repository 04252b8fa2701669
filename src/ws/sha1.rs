//! SHA-1, for the one place WebSocket needs it: the handshake's `Sec-WebSocket-Accept`
//! (the notes' WebSocket握手, `base64(sha1(key + GUID))`).
//!
//! SHA-1 is broken as a cryptographic hash: collisions can be manufactured (SHAttered, 2017).
//! That does not matter here. RFC 6455 §1.3 uses it only as a fixed, well-known transform,
//! so that a server proves it read the client's key and understood WebSocket; nothing secret
//! or signed depends on it. Written out here (rather than taken from a crate) because the
//! crate is std only, and because it is short enough to read in one sitting.
//!
//! The algorithm is RFC 3174 §6.1 ("method 1"): pad the message to a multiple of 64 bytes,
//! then stir each 64-byte block into five 32-bit words.
//!
//! ```text
//!  message | 0x80 | 0x00 ... 0x00 | length in bits, u64 big-endian      (RFC 3174 §4)
//!  └──────────────── a multiple of 64 bytes ─────────────────────┘
//!
//!  each block:  W[0..16]  = the block as 16 big-endian u32
//!               W[16..80] = (W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]) <<< 1
//!               80 rounds over A B C D E, four groups of 20, each with its own f and K
//!               H[i] += A, B, C, D, E
//! ```
//!
//! A fast implementation would unroll the 80 rounds and use the CPU's SHA extensions; this one
//! is a loop, and hashing a 24-byte key plus a 36-byte GUID is one block anyway.

/// The digest length: 160 bits.
pub const DIGEST_LEN: usize = 20;

/// SHA-1 works on 512-bit (64-byte) blocks (RFC 3174 §2).
const BLOCK_LEN: usize = 64;

/// RFC 3174 §6.1: the initial H0..H4.
const INITIAL_STATE: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// The SHA-1 of `data`.
///
/// ```
/// use netnotes::ws::sha1::sha1;
/// let digest = sha1(b"abc");
/// assert_eq!(digest[..4], [0xA9, 0x99, 0x3E, 0x36]); // RFC 3174 §7.3, test 1
/// ```
pub fn sha1(data: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha1::new();
    hasher.update(data);
    hasher.finish()
}

/// A SHA-1 computation fed in pieces: `update` as often as needed, then `finish`.
///
/// ```
/// use netnotes::ws::sha1::{sha1, Sha1};
/// let mut hasher = Sha1::new();
/// hasher.update(b"dGhlIHNhbXBsZSBub25jZQ==");
/// hasher.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
/// assert_eq!(
///     hasher.finish(),
///     sha1(b"dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Sha1 {
    /// H0..H4, the running digest.
    state: [u32; 5],
    /// A partial block waiting for more bytes; `buffered` of it are filled.
    block: [u8; BLOCK_LEN],
    buffered: usize,
    /// How many bytes went in, for the length at the end of the padding.
    total: u64,
}

impl Default for Sha1 {
    fn default() -> Self {
        Sha1::new()
    }
}

impl Sha1 {
    /// A hasher that has seen nothing yet.
    pub fn new() -> Sha1 {
        Sha1 {
            state: INITIAL_STATE,
            block: [0; BLOCK_LEN],
            buffered: 0,
            total: 0,
        }
    }

    /// Adds `data` to the message.
    pub fn update(&mut self, mut data: &[u8]) {
        // RFC 3174 §1 limits a message to under 2^64 bits; we count bytes and let the bit
        // count wrap, as every implementation does, rather than panic on an absurd input.
        self.total = self.total.wrapping_add(data.len() as u64);
        // Top up a partial block first, then take whole blocks straight from `data`.
        if self.buffered > 0 {
            let take = (BLOCK_LEN - self.buffered).min(data.len());
            self.block[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < BLOCK_LEN {
                return;
            }
            let block = self.block;
            self.compress(&block);
            self.buffered = 0;
        }
        let mut blocks = data.chunks_exact(BLOCK_LEN);
        for block in &mut blocks {
            self.compress(block);
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    /// Pads the message (RFC 3174 §4) and returns the digest.
    pub fn finish(mut self) -> [u8; DIGEST_LEN] {
        let bit_len = self.total.wrapping_mul(8);
        // A 1 bit, then zeros until 8 bytes short of a block boundary, then the length. If the
        // 0x80 leaves no room for the length in this block, the padding spills into another.
        let mut padding = [0u8; BLOCK_LEN + 8];
        padding[0] = 0x80;
        let zeros = (BLOCK_LEN + BLOCK_LEN - 8 - 1 - self.buffered) % BLOCK_LEN;
        let pad_len = 1 + zeros;
        padding[pad_len..pad_len + 8].copy_from_slice(&bit_len.to_be_bytes());
        // `update` would add the padding to `total`; the length is already captured.
        self.update(&padding[..pad_len + 8]);
        debug_assert_eq!(self.buffered, 0, "the padding ends on a block boundary");

        let mut digest = [0u8; DIGEST_LEN];
        for (out, word) in digest.chunks_exact_mut(4).zip(self.state) {
            out.copy_from_slice(&word.to_be_bytes());
        }
        digest
    }

    /// RFC 3174 §6.1 steps a-e: one 64-byte block into the state.
    fn compress(&mut self, block: &[u8]) {
        let mut w = [0u32; 80];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }

        let [mut a, mut b, mut c, mut d, mut e] = self.state;
        for (t, &word) in w.iter().enumerate() {
            // RFC 3174 §5: the function f(t; B, C, D) and the constant K(t) of each 20 rounds.
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(word)
                .wrapping_add(k);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
        }
        for (h, v) in self.state.iter_mut().zip([a, b, c, d, e]) {
            *h = h.wrapping_add(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(digest: [u8; DIGEST_LEN]) -> String {
        digest.iter().map(|b| format!("{b:02X}")).collect()
    }

    // RFC 3174 §7.3: TEST1..TEST4, with their expected digests.
    #[test]
    fn rfc_3174_test_1_abc() {
        assert_eq!(
            hex(sha1(b"abc")),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
    }

    #[test]
    fn rfc_3174_test_2_448_bits() {
        let msg = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(msg.len() * 8, 448); // the padding needs a second block
        assert_eq!(hex(sha1(msg)), "84983E441C3BD26EBAAE4AA1F95129E5E54670F1");
    }

    #[test]
    fn rfc_3174_test_3_a_million_a() {
        assert_eq!(
            hex(sha1(&vec![b'a'; 1_000_000])),
            "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F"
        );
    }

    #[test]
    fn rfc_3174_test_4_eighty_times_0123456701234567() {
        let msg = b"0123456701234567".repeat(40);
        assert_eq!(hex(sha1(&msg)), "DEA356A2CDDD90C7A7ECEDC5EBB563934F460452");
    }

    #[test]
    fn the_empty_message() {
        assert_eq!(hex(sha1(b"")), "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    }

    #[test]
    fn feeding_in_pieces_gives_the_same_digest_at_every_split() {
        // Lengths around the block and padding boundaries (55, 56, 63, 64, 65 ...).
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let whole = sha1(&data[..len]);
            for split in 0..=len {
                let mut hasher = Sha1::new();
                hasher.update(&data[..split]);
                hasher.update(&data[split..len]);
                assert_eq!(hasher.finish(), whole, "len {len}, split {split}");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time_matches_the_million_a_vector() {
        let mut hasher = Sha1::new();
        for _ in 0..1_000_000 {
            hasher.update(b"a");
        }
        assert_eq!(
            hex(hasher.finish()),
            "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F"
        );
    }
}
