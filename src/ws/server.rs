//! WebSocket握手, the server's side: deciding on an upgrade request and answering it.
//!
//! The book's server does this in the HTTP server's `upgrade` event. The request must be:
//!
//! ```text
//!   GET /updates HTTP/1.1                        GET, HTTP/1.1 ............ else 400
//!   Host: 127.0.0.1:12010
//!   Upgrade: websocket                           both tokens, any case .... else 426 +
//!   Connection: Upgrade                                                      Upgrade: websocket
//!   Sec-WebSocket-Version: 13                    exactly 13 ............... else 426 +
//!                                                                            Sec-WebSocket-Version: 13
//!   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==  16 bytes in base64 ....... else 400
//!   Origin: http://127.0.0.1:12010               if an allow-list is set .. else 403
//!   Sec-WebSocket-Protocol: chat, superchat      optional: we pick the first we support
//! ```
//!
//! and the answer, written raw (no `Transfer-Encoding`, no body):
//!
//! ```text
//!   HTTP/1.1 101 Switching Protocols
//!   Upgrade: websocket
//!   Connection: Upgrade
//!   Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=     base64(sha1(key + GUID))
//!   Sec-WebSocket-Protocol: chat                             only if one was chosen
//! ```
//!
//! An offer of `permessage-deflate` (`Sec-WebSocket-Extensions`) is declined by not answering
//! it: this crate has no compressor (std only).

use super::connection::{Options, WebSocket};
use super::frame::Role;
use super::handshake::{accept_key, choose_protocol, key_is_valid};
use crate::http::message::{Decimal, HeadWriter, InvalidHead, RequestHead, Version};
use crate::tcp::Socket;
use std::io;

/// What the server accepts beyond the RFC's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The subprotocols we speak, in no particular order (`--protocol chat`).
    pub protocols: Vec<String>,
    /// If set, the only `Origin` values accepted (`--origin`); others get `403`.
    pub origins: Option<Vec<String>>,
}

/// A handshake we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// `Sec-WebSocket-Accept`.
    pub accept: String,
    /// The subprotocol chosen, if the client offered one we speak.
    pub protocol: Option<String>,
}

/// A handshake we refuse: the status, the field the status calls for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// 400, 403 or 426.
    pub status: u16,
    /// `Upgrade: websocket` or `Sec-WebSocket-Version: 13` with a 426.
    pub field: Option<(&'static str, &'static str)>,
    /// One line for the body and the trace.
    pub why: &'static str,
}

/// Why [`accept`] gives no connection.
#[derive(Debug)]
pub enum AcceptError {
    /// The handshake broke a rule: the refusal was answered and the connection closed.
    Refused(Refused),
    /// The handshake was good, but the `101` could not be written.
    Unsent(io::Error),
}

impl std::fmt::Display for AcceptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AcceptError::Refused(refused) => write!(f, "{} {}", refused.status, refused.why),
            AcceptError::Unsent(e) => write!(f, "the 101 could not be sent: {e}"),
        }
    }
}

impl std::error::Error for AcceptError {}

/// Whether a request asks for a WebSocket: `Upgrade: websocket` and `Connection: Upgrade`.
pub fn is_websocket_request(head: &RequestHead) -> bool {
    head.has_token("upgrade", "websocket") && head.has_token("connection", "upgrade")
}

/// Decides on an upgrade request (see the module docs for the rules and their order).
///
/// ```
/// use netnotes::http::message::parse_request_head;
/// use netnotes::ws::server::{check_handshake, Policy};
/// let head = parse_request_head(b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Version: 13\r\n\r\n", 100).unwrap();
/// assert_eq!(check_handshake(&head, &Policy::default()).unwrap().accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn check_handshake(head: &RequestHead, policy: &Policy) -> Result<Accepted, Refused> {
    let refuse = |status, field, why| Err(Refused { status, field, why });
    if head.method != "GET" {
        return refuse(400, None, "a WebSocket handshake is a GET");
    }
    if head.version != Version::Http11 {
        return refuse(400, None, "a WebSocket handshake needs HTTP/1.1");
    }
    if !is_websocket_request(head) {
        return refuse(
            426,
            Some(("Upgrade", "websocket")),
            "this resource speaks WebSocket: send Upgrade: websocket and Connection: Upgrade",
        );
    }
    if head.value("sec-websocket-version").map(str::trim) != Some("13") {
        return refuse(
            426,
            Some(("Sec-WebSocket-Version", "13")),
            "only WebSocket version 13 is spoken",
        );
    }
    let key = match head.value("sec-websocket-key") {
        Some(key) if key_is_valid(key) => key.trim(),
        _ => return refuse(400, None, "Sec-WebSocket-Key must be 16 bytes in base64"),
    };
    if let Some(origins) = &policy.origins {
        let origin = head.value("origin").unwrap_or("");
        if !origins.iter().any(|allowed| allowed == origin) {
            return refuse(403, None, "this Origin is not allowed");
        }
    }
    let supported: Vec<&str> = policy.protocols.iter().map(String::as_str).collect();
    let protocol = head
        .values("sec-websocket-protocol")
        .find_map(|offered| choose_protocol(offered, &supported))
        .map(str::to_string);
    Ok(Accepted {
        accept: accept_key(key),
        protocol,
    })
}

/// The `101 Switching Protocols` answer, raw, written by the HTTP head writer.
pub fn switching_protocols(accepted: &Accepted) -> Result<Vec<u8>, InvalidHead> {
    let mut head = HeadWriter::response(101, 160)?;
    head.field("Upgrade", "websocket")?
        .field("Connection", "Upgrade")?
        .field("Sec-WebSocket-Accept", &accepted.accept)?;
    if let Some(protocol) = &accepted.protocol {
        head.field("Sec-WebSocket-Protocol", protocol)?;
    }
    Ok(head.finish())
}

/// The refusal, as a complete response that closes the connection.
pub fn refusal(refused: &Refused) -> Result<Vec<u8>, InvalidHead> {
    let body = format!("{}\n", refused.why);
    let length = Decimal::new(body.len() as u64);
    let mut head = HeadWriter::response(refused.status, 160 + body.len())?;
    head.field("Connection", "close")?
        .field("Content-Type", "text/plain")?
        .field("Content-Length", length.as_str())?;
    if let Some((name, value)) = refused.field {
        head.field(name, value)?;
    }
    let mut answer = head.finish();
    answer.extend_from_slice(body.as_bytes());
    Ok(answer)
}

/// Completes the handshake on a socket the HTTP server handed over (its `upgrade` event):
/// answers `101` and returns the connection, or answers the refusal and closes.
pub fn accept(
    head: &RequestHead,
    socket: Socket,
    early: Vec<u8>,
    policy: &Policy,
    options: Options,
) -> Result<WebSocket, AcceptError> {
    match check_handshake(head, policy) {
        Ok(accepted) => {
            // As the book's server does: small frames should leave at once (Nagle again).
            let mut socket = socket;
            socket.set_nodelay(true);
            let sent = switching_protocols(&accepted)
                .map_err(io::Error::from)
                .and_then(|answer| socket.write_all(&answer, Some(options.send_timeout)));
            match sent {
                Ok(()) => Ok(WebSocket::new(socket, Role::Server, early, options)),
                Err(e) => Err(AcceptError::Unsent(e)),
            }
        }
        Err(refused) => {
            // The connection closes after the refusal whether or not the client reads it.
            if let Ok(answer) = refusal(&refused) {
                let _ = socket.write_all(&answer, Some(options.send_timeout));
            }
            socket.shutdown_and_drain(std::time::Duration::from_secs(1));
            Err(AcceptError::Refused(refused))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::message::parse_request_head;

    const GOOD: &str = "GET /updates HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
        Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\n";

    fn head(request: &str) -> RequestHead {
        parse_request_head(format!("{request}\r\n").as_bytes(), 100).unwrap()
    }

    fn status(request: &str, policy: &Policy) -> Result<Option<String>, u16> {
        check_handshake(&head(request), policy)
            .map(|a| a.protocol)
            .map_err(|r| r.status)
    }

    #[test]
    fn a_good_handshake_is_accepted_with_rfc_6455_s_key() {
        let accepted = check_handshake(&head(GOOD), &Policy::default()).unwrap();
        assert_eq!(accepted.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(
            switching_protocols(&accepted).unwrap(),
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        );
        let upper = GOOD
            .replace("websocket", "WebSocket")
            .replace("Upgrade\r\nSec", "UPGRADE\r\nSec");
        assert!(check_handshake(&head(&upper), &Policy::default()).is_ok());
    }

    #[test]
    fn each_refusal_has_its_status() {
        let p = Policy::default();
        assert_eq!(status(&GOOD.replace("GET", "POST"), &p), Err(400));
        assert_eq!(status(&GOOD.replace("HTTP/1.1", "HTTP/1.0"), &p), Err(400));
        assert_eq!(
            status(&GOOD.replace("Upgrade: websocket\r\n", ""), &p),
            Err(426)
        );
        assert_eq!(
            status(&GOOD.replace("Upgrade: websocket", "Upgrade: h2c"), &p),
            Err(426)
        );
        assert_eq!(
            status(&GOOD.replace("keep-alive, Upgrade", "keep-alive"), &p),
            Err(426)
        );
        assert_eq!(
            status(&GOOD.replace("Version: 13", "Version: 8"), &p),
            Err(426)
        );
        assert_eq!(
            status(&GOOD.replace("Sec-WebSocket-Version: 13\r\n", ""), &p),
            Err(426)
        );
        assert_eq!(
            status(&GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "short"), &p),
            Err(400)
        );
        assert_eq!(
            status(
                &GOOD.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
                &p
            ),
            Err(400)
        );
        let refused =
            check_handshake(&head(&GOOD.replace("Version: 13", "Version: 8")), &p).unwrap_err();
        assert_eq!(refused.field, Some(("Sec-WebSocket-Version", "13")));
        let answer = String::from_utf8(refusal(&refused).unwrap()).unwrap();
        assert!(answer.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(answer.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }

    #[test]
    fn origins_and_protocols() {
        let policy = Policy {
            protocols: vec!["chat".into(), "superchat".into()],
            origins: Some(vec!["http://ok.example".into()]),
        };
        let with = |extra: &str| format!("{GOOD}{extra}");
        assert_eq!(
            status(&with("Origin: http://evil.example\r\n"), &policy),
            Err(403)
        );
        assert_eq!(status(GOOD, &policy), Err(403));
        let ok = "Origin: http://ok.example\r\n";
        assert_eq!(status(&with(ok), &policy), Ok(None));
        assert_eq!(
            status(
                &with(&format!(
                    "{ok}Sec-WebSocket-Protocol: x, superchat, chat\r\n"
                )),
                &policy
            ),
            Ok(Some("superchat".to_string()))
        );
        assert_eq!(
            status(
                &with(&format!("{ok}Sec-WebSocket-Protocol: x\r\n")),
                &policy
            ),
            Ok(None)
        );
    }
}
