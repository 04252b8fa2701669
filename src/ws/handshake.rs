//! The pure pieces of the opening handshake, RFC 6455 §4: the notes' WebSocket握手.
//!
//! The client sends an HTTP `GET` that asks to switch protocols; the server answers `101`:
//!
//! ```text
//!  GET /updates HTTP/1.1                        HTTP/1.1 101 Switching Protocols
//!  Host: 127.0.0.1:12010                        Upgrade: websocket
//!  Upgrade: websocket                           Connection: Upgrade
//!  Connection: Upgrade                          Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
//!  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==  Sec-WebSocket-Protocol: chat
//!  Sec-WebSocket-Version: 13
//!  Sec-WebSocket-Protocol: chat, superchat
//!
//!  Sec-WebSocket-Accept = base64( sha1( Sec-WebSocket-Key + GUID ) )        (§1.3, §4.2.2)
//! ```
//!
//! The accept value proves that the server read this request and speaks WebSocket (a plain
//! HTTP server or a cache would not compute it); it is not security. The key is 16 random
//! bytes, base64-encoded (§4.1); the book's client derived it from `Date.now()` (errata 8),
//! which [`new_client_key`] replaces with bytes from `/dev/urandom`.
//!
//! This module holds only the computations. The server's checks of the request — method,
//! version, fields, answered 400, 403 or 426 when wrong — are
//! [`server::check_handshake`](super::server::check_handshake); the client's checks of the
//! answer are in [`client`](super::client).

use super::{base64, sha1};
use crate::http::message::{list_elements, trim_ows};
use std::io::{self, Read};

/// RFC 6455 §1.3: the fixed string appended to the client's key, "unlikely to be used by
/// network endpoints that do not understand the WebSocket Protocol".
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// RFC 6455 §4.1: the key is "a randomly selected 16-byte value".
pub const KEY_BYTES: usize = 16;

/// The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key` (§4.2.2 step 5.4):
/// base64 of the SHA-1 of the key, *as sent* (not decoded), followed by [`GUID`]. Spaces and
/// tabs around the key are not part of the header's value and are ignored.
///
/// ```
/// use netnotes::ws::handshake::accept_key;
/// // RFC 6455 §1.3's example.
/// assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(client_key: &str) -> String {
    let mut hasher = sha1::Sha1::new();
    hasher.update(trim_ows(client_key).as_bytes());
    hasher.update(GUID.as_bytes());
    base64::encode(&hasher.finish())
}

/// Whether a `Sec-WebSocket-Key` value is what §4.2.1 item 5 asks for: base64 that "when
/// decoded, is 16 bytes in length" (spaces and tabs around it ignored). Strict base64, so
/// exactly 22 characters and `==` (see [`base64`] for why non-zero padding bits are refused).
///
/// ```
/// use netnotes::ws::handshake::key_is_valid;
/// assert!(key_is_valid("dGhlIHNhbXBsZSBub25jZQ=="));
/// assert!(!key_is_valid("1712345678901"));        // the book's Date.now() key (errata 8)
/// assert!(!key_is_valid("dGhlIHNhbXBsZSBub25jZQ")); // padding is not optional
/// ```
pub fn key_is_valid(key: &str) -> bool {
    let key = trim_ows(key);
    // 16 bytes encode to exactly 24 characters; checking that first also bounds the decode.
    key.len() == KEY_BYTES.div_ceil(3) * 4
        && base64::decode(key).is_ok_and(|b| b.len() == KEY_BYTES)
}

/// The subprotocol to answer with (§4.2.2 step 5.4, `/subprotocol/`): the first one in the
/// client's `Sec-WebSocket-Protocol` list, in the client's order of preference, that we
/// support; `None` if there is none, and then the answer carries no `Sec-WebSocket-Protocol`.
///
/// Names are compared exactly: a client checks that the answer is one of the names it
/// offered (§4.1), and browsers compare them case-sensitively.
///
/// ```
/// use netnotes::ws::handshake::choose_protocol;
/// assert_eq!(choose_protocol("chat, superchat", &["superchat", "chat"]), Some("chat"));
/// assert_eq!(choose_protocol("chat", &["mqtt"]), None);
/// ```
pub fn choose_protocol<'a>(offered: &str, supported: &[&'a str]) -> Option<&'a str> {
    list_elements(offered).find_map(|name| supported.iter().copied().find(|s| *s == name))
}

/// A fresh `Sec-WebSocket-Key`: 16 bytes from `/dev/urandom`, base64-encoded (§4.1: "MUST be
/// a nonce consisting of a randomly selected 16-byte value ... randomly selected for each
/// connection"). The book used `Date.now()` (errata 8), which a proxy could predict.
///
/// ```
/// use netnotes::ws::handshake::{key_is_valid, new_client_key};
/// let key = new_client_key().unwrap();
/// assert!(key_is_valid(&key));
/// assert_ne!(key, new_client_key().unwrap());
/// ```
pub fn new_client_key() -> io::Result<String> {
    let mut bytes = [0u8; KEY_BYTES];
    super::random_source()?.read_exact(&mut bytes)?;
    Ok(base64::encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_section_1_3_accept_key() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        // Whitespace around the value is not part of it.
        assert_eq!(
            accept_key(" \tdGhlIHNhbXBsZSBub25jZQ== "),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn accept_key_is_sha1_then_base64_of_key_and_guid() {
        let key = "x3JJHMbDL1EzLkh9GBhXDw==";
        let expected = base64::encode(&sha1::sha1(format!("{key}{GUID}").as_bytes()));
        assert_eq!(accept_key(key), expected);
        // The answer in Wikipedia's WebSocket article, computed independently.
        assert_eq!(accept_key(key), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    }

    #[test]
    fn keys_must_decode_to_16_bytes() {
        assert!(key_is_valid("dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(key_is_valid("\t dGhlIHNhbXBsZSBub25jZQ== "));
        assert!(key_is_valid("AAAAAAAAAAAAAAAAAAAAAA=="));
        assert!(key_is_valid("/////////////////////w=="));
        for bad in [
            "",
            "1712345678901",                // Date.now(), errata 8
            "dGhlIHNhbXBsZSBub25jZQ",       // no padding
            "dGhlIHNhbXBsZSBub25jZQ==AAAA", // 19 bytes
            "dGhlIHNhbXBsZSBub25j",         // 15 bytes
            "dGhlIHNhbXBsZSBub25jZR==",     // non-zero padding bits
            "dGhlIHNhbXBsZSBub25jZ===",     // 3 pads
            "dGhlIHNhbXBsZSBub25jZQ====",   // 4 pads
            "dGhlIHNhbXBs ZSBub25jZQ=",     // space inside
            "dGhlIHNhbXBsZSBub25jZQ==\r",   // CR is not OWS
            "dGhlIHNhbXBsZSBub25jZQ-_",     // URL-safe alphabet
        ] {
            assert!(!key_is_valid(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_clients_order_decides_the_protocol() {
        let ours = ["superchat", "chat"];
        assert_eq!(choose_protocol("chat, superchat", &ours), Some("chat"));
        assert_eq!(choose_protocol("superchat, chat", &ours), Some("superchat"));
        assert_eq!(choose_protocol("mqtt,\tchat", &ours), Some("chat"));
        assert_eq!(choose_protocol("Chat", &ours), None); // exact names
        assert_eq!(choose_protocol("", &ours), None);
        assert_eq!(choose_protocol(" , ", &ours), None);
        assert_eq!(choose_protocol("chat", &[]), None);
        assert_eq!(choose_protocol("", &[""]), None); // an empty name is never offered
    }

    #[test]
    fn new_keys_are_valid_and_different() {
        let keys: Vec<String> = (0..8).map(|_| new_client_key().unwrap()).collect();
        for (i, key) in keys.iter().enumerate() {
            assert!(key_is_valid(key), "{key}");
            assert!(!keys[..i].contains(key), "a repeated key: {key}");
        }
    }
}
