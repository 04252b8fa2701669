//! WebSocket: the notes' section 构建WebSocket服务 (being written).
//!
//! - [`sha1`] and [`base64`]: the two transforms of the handshake's accept key;
//! - [`handshake`]: the accept key, key checks, token lists, the subprotocol choice;
//! - [`frame`]: RFC 6455 §5: headers parsed and encoded, masking, close payloads and codes;
//! - [`utf8`]: text messages checked as their bytes arrive, failing at the first bad byte.

pub mod base64;
pub mod frame;
pub mod handshake;
pub mod sha1;
pub mod utf8;

/// A seeded, std-only pseudo-random generator for the tests: reproducible, no crates.
#[cfg(test)]
pub(crate) mod test_rng {
    /// Marsaglia's xorshift64 (13, 7, 17): plenty for generating test inputs.
    pub struct XorShift(u64);

    impl XorShift {
        pub fn new(seed: u64) -> XorShift {
            XorShift(seed | 1) // the state must never be 0
        }

        pub fn next_u64(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        /// A number in `0..n`; `n` must not be 0.
        pub fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
    }
}
