//! WebSocket: the notes' section 构建WebSocket服务, in its three parts — 什么是WebSocket
//! (what it is), WebSocket握手 (the handshake) and WebSocket数据传输 (data transfer, framing).
//!
//! WebSocket gives both ends of one TCP connection a way to send *messages* whenever they like
//! (full duplex), where HTTP lets only the client ask and the server answer. It starts as an
//! ordinary HTTP request that asks to *upgrade*; once the server agrees with `101 Switching
//! Protocols`, the same connection stops carrying HTTP and carries frames, both ways. The book's
//! browser client is `new WebSocket('ws://127.0.0.1:12010/updates')`; its server does the
//! upgrade in the HTTP server's `upgrade` event, after `socket.setNoDelay(true)` (Nagle again:
//! small frames should not wait).
//!
//! ```text
//!  client                                                    server
//!    |  TCP connect (the three-way handshake of 构建TCP服务)     |
//!    |--------------------------------------------------------->|
//!    |  GET /updates HTTP/1.1                                   |
//!    |  Upgrade: websocket            Connection: Upgrade       |  message::has_token
//!    |  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==             |  handshake::key_is_valid
//!    |  Sec-WebSocket-Version: 13                               |
//!    |  Sec-WebSocket-Protocol: chat, superchat                 |  handshake::choose_protocol
//!    |--------------------------------------------------------->|
//!    |  HTTP/1.1 101 Switching Protocols                        |
//!    |  Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=      |  handshake::accept_key
//!    |  Sec-WebSocket-Protocol: chat                            |    = base64(sha1(key + GUID))
//!    |<---------------------------------------------------------|
//!    |          no more HTTP on this connection: frames         |
//!    |  [text "Hello", masked: clients always mask]             |  frame::parse_header
//!    |--------------------------------------------------------->|  frame::apply_mask
//!    |  [text "Hello", unmasked: servers never do]              |  utf8::Utf8Validator
//!    |<---------------------------------------------------------|  frame::encode_header
//!    |  [ping] ... [pong]    either side, at any time           |
//!    |  [close 1000 "bye"]                                      |  frame::close_payload
//!    |--------------------------------------------------------->|  frame::parse_close
//!    |<------------------------------------- [close 1000 "bye"] |
//!    |  TCP FIN, the server's first (RFC 6455 §7.1.1)           |
//! ```
//!
//! The protocol pieces are pure functions over bytes or strings, with no sockets, so they are
//! tested exhaustively (RFC test vectors, every split point, a fuzz test) without a network:
//!
//! - [`sha1`] and [`base64`]: the two transforms of the accept key, written here because the
//!   crate is std only;
//! - [`handshake`]: the accept key, key checks, the subprotocol choice, and a random client
//!   key (errata 8: not `Date.now()`); the `Connection`/`Upgrade` token lists are HTTP's
//!   ([`crate::http::message::has_token`]);
//! - [`frame`]: RFC 6455 §5: headers parsed and encoded, masking, close payloads and codes;
//! - [`utf8`]: text messages checked as their bytes arrive, failing at the first bad byte.
//!
//! On top of them, the parts that touch a socket:
//!
//! - [`server`]: the handshake's server side, in the HTTP server's `upgrade` event;
//! - [`client`]: the handshake's client side;
//! - [`connection`]: a connection after the handshake — messages out of frames, the rules
//!   with their close codes, the close handshake — as `Open`/`Message`/`Ping`/`Pong`/`Error`/
//!   `Close` events.
//!
//! `docs/src/websocket.md` tells the story with the pictures.

pub mod base64;
pub mod client;
pub mod connection;
pub mod dissect;
pub mod frame;
pub mod handshake;
pub mod server;
pub mod sha1;
pub mod utf8;

pub use connection::{Message, Options, Violation, WebSocket, WebSocketEvent};

use std::fs::File;
use std::io;

/// The operating system's random bytes, for what RFC 6455 asks to be unpredictable: the
/// client's handshake key (§4.1) and the masking key of each of its frames (§5.3). std has
/// no public random-bytes API; the kernel's generator, read as a file, is the std-only way
/// on Linux and the BSDs.
pub(crate) fn random_source() -> io::Result<File> {
    File::open("/dev/urandom")
}

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

        /// Random bytes, fewer than `n` of them.
        pub fn bytes_below(&mut self, n: usize) -> Vec<u8> {
            let len = self.below(n);
            (0..len).map(|_| self.next_u64() as u8).collect()
        }
    }
}

/// A deterministic fuzz test of the three parsers a peer can reach: random and mutated
/// inputs (truncations, bit flips, huge lengths), checking that nothing panics and that the
/// answers are consistent with each other and with std.
#[cfg(test)]
mod fuzz {
    use super::frame::{self, Opcode, Role};
    use super::test_rng::XorShift;
    use super::utf8::Utf8Validator;
    use std::mem::discriminant;

    const ROLES: [Role; 2] = [Role::Server, Role::Client];
    const LIMITS: [u64; 5] = [
        0,
        125,
        1000,
        super::connection::MAX_MESSAGE_BYTES as u64,
        u64::MAX,
    ];

    /// A header-shaped input: a valid encoding, then perhaps broken.
    fn header_input(rng: &mut XorShift) -> Vec<u8> {
        let opcodes = [
            Opcode::Continuation,
            Opcode::Text,
            Opcode::Binary,
            Opcode::Close,
            Opcode::Ping,
            Opcode::Pong,
        ];
        let opcode = opcodes[rng.below(opcodes.len())];
        let len = match rng.below(5) {
            0 => rng.below(126) as u64,
            1 => 126 + rng.below(0xFFFF - 125) as u64,
            2 => 0x1_0000 + (rng.next_u64() >> 20),
            3 => rng.next_u64() >> 1, // huge, but a valid 63-bit length
            _ => rng.next_u64() | 1 << 63, // top bit set: invalid, and encoded as such
        };
        let mask = (rng.below(2) == 0).then(|| (rng.next_u64() as u32).to_be_bytes());
        let mut bytes = frame::encode_header(rng.below(4) != 0, opcode, mask, len);
        bytes.extend(rng.bytes_below(4));
        match rng.below(4) {
            0 => {
                // Flip a few bits anywhere (RSV, opcode, MASK, length bytes ...).
                for _ in 0..=rng.below(3) {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
            }
            1 => bytes.truncate(rng.below(bytes.len() + 1)),
            2 => bytes = rng.bytes_below(16), // noise
            _ => {}
        }
        bytes
    }

    #[test]
    fn parse_header_never_panics_and_answers_consistently() {
        let mut rng = XorShift::new(0xF5A3_E001);
        // Which answers came up, to show the inputs reach every rule.
        let mut seen = Vec::new();
        for _ in 0..5000 {
            let bytes = header_input(&mut rng);
            for role in ROLES {
                for max in LIMITS {
                    let whole = frame::parse_header(&bytes, role, max);
                    // Every prefix answers "need more" or exactly what the whole does.
                    for cut in 0..bytes.len() {
                        let part = frame::parse_header(&bytes[..cut], role, max);
                        assert!(part == Ok(None) || part == whole, "{bytes:02X?} cut {cut}");
                    }
                    match whole {
                        Ok(Some(h)) => {
                            assert!(h.header_len <= bytes.len());
                            assert!(h.header_len <= frame::MAX_HEADER_LEN);
                            assert!(h.payload_len <= max);
                            assert_eq!(bytes[0] & 0x70, 0, "RSV bits accepted");
                            assert_eq!(h.mask.is_some(), role == Role::Server);
                            if h.opcode.is_control() {
                                assert!(h.fin && h.payload_len <= frame::MAX_CONTROL_PAYLOAD);
                            }
                            // What is accepted is exactly our (canonical) encoding.
                            let encoded =
                                frame::encode_header(h.fin, h.opcode, h.mask, h.payload_len);
                            assert_eq!(encoded, bytes[..h.header_len]);
                        }
                        Ok(None) => assert!(bytes.len() < frame::MAX_HEADER_LEN),
                        Err(e) => assert!(matches!(e.close_code(), 1002 | 1009)),
                    }
                    let answer = whole.map(|h| h.map(|_| ())).map_err(|e| discriminant(&e));
                    if !seen.contains(&answer) {
                        seen.push(answer);
                    }
                }
            }
        }
        // Need more, a header, and each of the 9 header rules.
        assert_eq!(seen.len(), 2 + 9, "{seen:?}");
    }

    #[test]
    fn parse_close_never_panics_and_round_trips() {
        let mut rng = XorShift::new(0xC105_E002);
        let reasons = ["", "bye", "héllo", "€€€", "\u{10FFFF}"];
        for _ in 0..5000 {
            let mut payload = match rng.below(3) {
                0 => rng.bytes_below(130),
                _ => {
                    let code = rng.below(5200) as u16;
                    frame::close_payload(code, reasons[rng.below(reasons.len())])
                }
            };
            if rng.below(2) == 0 && !payload.is_empty() {
                let i = rng.below(payload.len());
                payload[i] ^= 1 << rng.below(8);
            }
            if rng.below(4) == 0 {
                payload.truncate(rng.below(payload.len() + 1));
            }
            match frame::parse_close(&payload) {
                Ok(close) => match close.code {
                    None => assert!(payload.is_empty() && close.reason.is_empty()),
                    Some(code) => {
                        assert!(frame::close_code_is_valid(code));
                        if payload.len() <= 125 {
                            assert_eq!(frame::close_payload(code, close.reason), payload);
                        }
                    }
                },
                Err(e) => {
                    assert!(!payload.is_empty());
                    assert!(matches!(e.close_code(), 1002 | 1007));
                }
            }
        }
    }

    #[test]
    fn utf8_validator_never_panics_and_agrees_with_std_in_random_pieces() {
        let mut rng = XorShift::new(0x07F8_E003);
        for _ in 0..5000 {
            // Bytes biased towards the interesting high half, or valid text mutated.
            let mut bytes = match rng.below(2) {
                0 => (0..rng.below(20))
                    .map(|_| rng.next_u64() as u8 | 0x80)
                    .collect(),
                _ => "a€𝄞é\u{FFFD}\u{10FFFF}".repeat(rng.below(3)).into_bytes(),
            };
            if !bytes.is_empty() && rng.below(2) == 0 {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            let mut v = Utf8Validator::new();
            let mut start = 0;
            let mut failed = None;
            while start < bytes.len() {
                let end = start + 1 + rng.below(bytes.len() - start);
                if let Err(e) = v.feed(&bytes[start..end]) {
                    failed = Some(e);
                    break;
                }
                start = end;
            }
            let std_result = std::str::from_utf8(&bytes);
            match (failed, v.finish()) {
                (Some(e), _) => {
                    let std_err = std_result.expect_err("validator failed on valid UTF-8");
                    assert_eq!(e.valid_up_to(), std_err.valid_up_to());
                    assert_eq!(e.error_len(), std_err.error_len());
                }
                (None, Ok(())) => assert!(std_result.is_ok(), "{bytes:02X?}"),
                (None, Err(e)) => {
                    let std_err = std_result.expect_err("validator refused valid UTF-8");
                    assert_eq!(std_err.error_len(), None);
                    assert_eq!(e.valid_up_to(), std_err.valid_up_to());
                }
            }
        }
    }
}
