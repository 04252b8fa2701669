//! WebSocket握手, the client's side: `new WebSocket('ws://127.0.0.1:12010/updates')`.
//!
//! ```text
//!   client                                                server
//!     │ ── GET /updates HTTP/1.1 ──────────────────────▶   │
//!     │    Host: 127.0.0.1:12010                           │
//!     │    Upgrade: websocket / Connection: Upgrade        │
//!     │    Sec-WebSocket-Key: <16 random bytes, base64>    │  errata 8: the book used Date.now()
//!     │    Sec-WebSocket-Version: 13                       │
//!     │ ◀── HTTP/1.1 101 Switching Protocols ────────────  │
//!     │    Sec-WebSocket-Accept: base64(sha1(key + GUID))  │  checked: proves the server read
//!     │                                                     │  our key and speaks WebSocket
//!     │ ══ frames, every one of ours masked ═════════════  │
//! ```
//!
//! Every failure is a clear error, worded as Node's `ws` words it
//! (`Unexpected server response: 426`, `Invalid Sec-WebSocket-Accept header`).

use super::connection::{Options, WebSocket};
use super::frame::Role;
use super::handshake::{accept_key, new_client_key};
use crate::addr::{self, AuthorityError};
use crate::error::NodeError;
use crate::http::message::{
    has_token, parse_response_head, Fields, HeadFinder, HeadWriter, InvalidHead, MAX_HEADERS,
    MAX_HEADER_BYTES,
};
use crate::http::reader::{self, HeadError};
use crate::tcp::{Inbox, Socket};
use crate::trace::Trace;
use std::fmt;
use std::time::{Duration, Instant};

/// The port of a `ws://` URL that names none: 80, HTTP's (RFC 6455 §3).
pub const DEFAULT_PORT: u16 = 80;

/// How long the server has to answer the handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A `ws://` URL, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host, without brackets.
    pub host: String,
    /// The port (80 if the URL has none).
    pub port: u16,
    /// The path and query (`/` if the URL has none).
    pub path: String,
}

impl Url {
    /// Parses `ws://host[:port][/path]`, the authority as [`addr::parse_authority`] reads it
    /// (an IPv6 host in brackets, the port checked). `wss://` is refused: TLS is not in std.
    ///
    /// ```
    /// use netnotes::ws::client::Url;
    /// let url = Url::parse("ws://[::1]:12010/updates?x=1").unwrap();
    /// assert_eq!((url.host.as_str(), url.port, url.path.as_str()), ("::1", 12010, "/updates?x=1"));
    /// assert_eq!(
    ///     Url::parse("ws://h/a b").unwrap_err().to_string(),
    ///     "Request path contains unescaped characters: ws://h/a b"
    /// );
    /// ```
    pub fn parse(url: &str) -> Result<Url, ClientError> {
        let bad = |why: &str| Err(ClientError::Url(format!("{why}: {url}")));
        let Some(rest) = url.strip_prefix("ws://") else {
            return if url.starts_with("wss://") {
                bad("wss:// needs TLS, which std does not have")
            } else {
                bad("the URL must start with ws://")
            };
        };
        let (authority, path) = addr::split_authority(rest);
        // A path the upgrade request cannot carry (a space, a control byte) is refused here,
        // in the head writer's words, before anything is opened.
        if let Err(e) = HeadWriter::request("GET", &path, 0) {
            return bad(&e.to_string());
        }
        match addr::parse_authority(authority, Some(DEFAULT_PORT)) {
            Ok((host, port)) => Ok(Url { host, port, path }),
            Err(AuthorityError::NoHost) => bad("no host in URL"),
            Err(AuthorityError::BadHost) => bad("invalid URL"),
            Err(AuthorityError::BadPort) => bad("invalid port in URL"),
        }
    }

    /// The `Host` field, by [`addr::authority`]'s rule: IPv6 in brackets, no port if it is
    /// 80, as Node's `ws` and browsers send it.
    fn host_field(&self) -> String {
        addr::authority(&self.host, self.port, DEFAULT_PORT)
    }
}

/// Why a client could not open a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The URL cannot be used.
    Url(String),
    /// Connecting or talking failed (`connect ECONNREFUSED 127.0.0.1:12010`).
    Net(NodeError),
    /// The server's answer is not a WebSocket handshake.
    Handshake(String),
    /// The upgrade request cannot be written (a path or a protocol the HTTP head writer
    /// refuses): `Request path contains unescaped characters`.
    Head(InvalidHead),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Url(why) | ClientError::Handshake(why) => f.write_str(why),
            ClientError::Net(err) => write!(f, "{err}"),
            ClientError::Head(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// Opens a WebSocket to `url`, offering `protocols` (none: no `Sec-WebSocket-Protocol`).
/// Returns the connection and the protocol the server chose.
pub fn connect(
    url: &Url,
    protocols: &[&str],
    options: Options,
) -> Result<(WebSocket, Option<String>), ClientError> {
    // The request is written before connecting: one the head writer refuses costs nothing.
    let key = new_client_key().map_err(|e| ClientError::Net(NodeError::syscall("open", &e)))?;
    let request = upgrade_request(url, &key, protocols).map_err(ClientError::Head)?;
    let mut socket =
        Socket::connect(&url.host, url.port, Trace::off("tcp")).map_err(ClientError::Net)?;
    socket.set_nodelay(true);
    socket
        .write_all(&request, Some(options.send_timeout))
        .map_err(|e| ClientError::Net(NodeError::syscall("write", &e)))?;

    let mut inbox = Inbox::default();
    let (status, fields) = read_answer(&socket, &mut inbox)?;
    let protocol = check_answer(status, &fields, &key, protocols)?;
    let early = inbox.take();
    Ok((
        WebSocket::new(socket, Role::Client, early, options),
        protocol,
    ))
}

/// The upgrade request, written by the HTTP head writer, which refuses a path or a protocol
/// that would break it. RFC 6455 §4.1, the client's requirements: a GET in HTTP/1.1 (2),
/// `Host` (4), `Upgrade: websocket` (5), `Connection: Upgrade` (6), a key of 16 fresh random
/// bytes in base64 (7) and version 13 (9); the subprotocols offered, if any (10).
fn upgrade_request(url: &Url, key: &str, protocols: &[&str]) -> Result<Vec<u8>, InvalidHead> {
    let mut head = HeadWriter::request("GET", &url.path, 256)?;
    head.field("Host", &url.host_field())?
        .field("Upgrade", "websocket")?
        .field("Connection", "Upgrade")?
        .field("Sec-WebSocket-Key", key)?
        .field("Sec-WebSocket-Version", "13")?;
    if !protocols.is_empty() {
        head.field("Sec-WebSocket-Protocol", &protocols.join(", "))?;
    }
    Ok(head.finish())
}

/// Reads the server's answer head (with the head reader and parser the HTTP client uses),
/// all of it within [`HANDSHAKE_TIMEOUT`]: its status and fields.
fn read_answer(socket: &Socket, inbox: &mut Inbox) -> Result<(u16, Fields), ClientError> {
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let read = |buf: &mut Vec<u8>, wait| socket.read_into(buf, Some(wait));
    let finder = HeadFinder::response(MAX_HEADER_BYTES);
    let parse = |head: Vec<u8>| parse_response_head(head, MAX_HEADERS);
    match reader::read_head(inbox, finder, deadline, read, parse) {
        Ok(head) => Ok((head.status, head.fields)),
        Err(HeadError::Parse(e)) => Err(ClientError::Handshake(format!("Parse Error: {e}"))),
        Err(HeadError::Closed) => Err(ClientError::Handshake("socket hang up".into())),
        Err(HeadError::Io(e)) => Err(ClientError::Net(NodeError::syscall("read", &e))),
    }
}

/// RFC 6455 §4.1: the checks a client makes on the server's answer, numbered as there; each
/// failure MUST _Fail the WebSocket Connection_.
fn check_answer(
    status: u16,
    fields: &Fields,
    key: &str,
    offered: &[&str],
) -> Result<Option<String>, ClientError> {
    let field = |name: &str| fields.value(name);
    let fail = |why: &str| Err(ClientError::Handshake(why.to_string()));
    // 1: anything but 101 is answered per HTTP; a client that only wants the upgrade stops.
    if status != 101 {
        return fail(&format!("Unexpected server response: {status}"));
    }
    // 2: `Upgrade: websocket`, any case.
    if !field("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return fail("Invalid Upgrade header");
    }
    // 3: `Connection` holds the token `Upgrade`, any case.
    if !field("connection").is_some_and(|v| has_token(v, "upgrade")) {
        return fail("Invalid Connection header");
    }
    // 4: `Sec-WebSocket-Accept` is base64(SHA-1(key + GUID)) of our key.
    if field("sec-websocket-accept") != Some(accept_key(key).as_str()) {
        return fail("Invalid Sec-WebSocket-Accept header");
    }
    // 5: no extension we did not ask for (we ask for none); 6: no subprotocol we did not offer.
    if field("sec-websocket-extensions").is_some() {
        return fail(
            "Server sent a Sec-WebSocket-Extensions header but no extension was requested",
        );
    }
    match field("sec-websocket-protocol") {
        None => Ok(None),
        Some(_) if offered.is_empty() => fail("Server sent a subprotocol but none was requested"),
        Some(chosen) if offered.contains(&chosen) => Ok(Some(chosen.to_string())),
        Some(_) => fail("Server sent an invalid subprotocol"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let url = Url::parse("ws://127.0.0.1:12010/updates").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("127.0.0.1", 12010, "/updates")
        );
        assert_eq!(url.host_field(), "127.0.0.1:12010");
        let url = Url::parse("ws://example.com").unwrap();
        assert_eq!((url.port, url.path.as_str()), (80, "/"));
        let url = Url::parse("ws://h:1?q").unwrap();
        assert_eq!(url.path, "/?q");
        assert_eq!(Url::parse("ws://[::1]:9/").unwrap().host_field(), "[::1]:9");
        // Port 80 is the default: left out of Host, as Node's ws and browsers leave it.
        assert_eq!(Url::parse("ws://h:80/").unwrap().host_field(), "h");
        assert_eq!(Url::parse("ws://[::1]/").unwrap().host_field(), "[::1]");
        for bad in [
            "http://h/",
            "wss://h/",
            "ws://",
            "ws://h:x/",
            "ws://h:70000/",
            "ws://h:0/",
            "ws://[::1/",
            // An IPv6 address without brackets: refused, as the proxy refuses it.
            "ws://::1/",
            "ws://::1:9/",
            "ws://user@h/",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    fn answer(extra: &[(&str, &str)]) -> Fields {
        let accept = accept_key("dGhlIHNhbXBsZSBub25jZQ==");
        let fields = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", accept.as_str()),
        ];
        Fields::from_pairs(fields.into_iter().chain(extra.iter().copied()))
    }

    #[test]
    fn the_answer_is_checked() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        assert_eq!(check_answer(101, &answer(&[]), key, &[]), Ok(None));
        let err = |status, fields: &Fields, offered: &[&str]| {
            check_answer(status, fields, key, offered)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(426, &answer(&[]), &[]),
            "Unexpected server response: 426"
        );
        let wrong = Fields::from_pairs([
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", "x"),
        ]);
        assert_eq!(err(101, &wrong, &[]), "Invalid Sec-WebSocket-Accept header");
        assert_eq!(
            err(101, &answer(&[("Sec-WebSocket-Protocol", "chat")]), &[]),
            "Server sent a subprotocol but none was requested"
        );
        assert_eq!(
            err(101, &answer(&[("Sec-WebSocket-Protocol", "x")]), &["chat"]),
            "Server sent an invalid subprotocol"
        );
        assert_eq!(
            check_answer(
                101,
                &answer(&[("Sec-WebSocket-Protocol", "chat")]),
                key,
                &["a", "chat"]
            ),
            Ok(Some("chat".to_string()))
        );
        assert!(err(
            101,
            &answer(&[("Sec-WebSocket-Extensions", "permessage-deflate")]),
            &[]
        )
        .contains("Extensions"));
    }
}
