//! The wire view of HTTP: what each chunk of bytes on an HTTP connection means — the head line
//! by line, the framing decision, each chunk's size line — found by the very functions the
//! server and client parse with ([`HeadFinder`], [`parse_request_head`],
//! [`RequestHead::framing`](super::message::RequestHead::framing), [`BodyDecoder`], and their
//! response twins), run a second time on the same bytes. The view explains what they decided;
//! it decides nothing itself.
//!
//! ```text
//!   request line: method POST, target /echo, version HTTP/1.1
//!   field: name Host, value 127.0.0.1:1337
//!   field: name Transfer-Encoding, value chunked
//!   end of head
//!   body: chunked
//!   chunk 0x5 = 5 bytes
//!   chunk data: 5 bytes
//!   last chunk
//!   end of body
//! ```
//!
//! One connection has two streams, requests one way and responses the other, and they need
//! each other: a response to `HEAD` has no body. So [`pair`] makes the two dissectors share the
//! queue of request methods.
//!
//! A `101` takes a connection out of HTTP (RFC 9110 §7.8), into a protocol this layer does not
//! know. The module of that protocol hands its [`Upgrade`] to [`pair_with`] (WebSocket's
//! `ws::dissect::pair` does); plain [`pair`] shows the bytes after a `101` as bytes only.

use super::message::{
    parse_request_head, parse_response_head, BodyDecoder, Fields, Found, HeadFinder, ParseError,
    RequestHead, ResponseFraming, MAX_HEADERS, MAX_HEADER_BYTES,
};
use crate::wire::{Dissector, Side};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The two dissectors of an HTTP connection, `(inbound, outbound)` for `side`: a
/// [`wire::Protocol`](crate::wire::Protocol) for `wire::enable`.
pub fn pair(side: Side) -> (Box<dyn Dissector>, Box<dyn Dissector>) {
    pair_for(side, None)
}

/// The two dissectors of an HTTP connection that may switch to `upgrade`'s protocol.
pub fn pair_with(
    side: Side,
    upgrade: &'static dyn Upgrade,
) -> (Box<dyn Dissector>, Box<dyn Dissector>) {
    pair_for(side, Some(upgrade))
}

fn pair_for(
    side: Side,
    upgrade: Option<&'static dyn Upgrade>,
) -> (Box<dyn Dissector>, Box<dyn Dissector>) {
    let methods = Arc::new(Mutex::new(VecDeque::new()));
    let requests = Box::new(Messages::new(Kind::Requests, Arc::clone(&methods), upgrade));
    let responses = Box::new(Messages::new(Kind::Responses, methods, upgrade));
    match side {
        Side::Server => (requests, responses),
        Side::Client => (responses, requests),
    }
}

/// A protocol an HTTP connection can switch to, as the wire view shows it: which requests ask
/// for it, and the dissectors for the bytes after the switch. The protocol's own module
/// provides it, so HTTP never names the protocols above it.
pub trait Upgrade: Sync {
    /// The line for a request that asks for this protocol; `None` if `head` does not. The
    /// client's bytes after such a request are the new protocol's.
    fn asked(&self, head: &RequestHead) -> Option<String>;
    /// The line for the `101` that switches to it.
    fn switched(&self) -> String;
    /// A dissector for what the client sends after the switch.
    fn sent_by_client(&self) -> Box<dyn Dissector>;
    /// A dissector for what the server sends after the switch.
    fn sent_by_server(&self) -> Box<dyn Dissector>;
}

/// Which messages a stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requests,
    Responses,
}

/// Where a stream is.
enum State {
    /// Collecting a head.
    Head { buf: Vec<u8>, finder: HeadFinder },
    /// In a body.
    Body(Box<BodyDecoder>),
    /// The connection left HTTP for the protocol of an [`Upgrade`].
    Switched(Box<dyn Dissector>),
    /// The connection left HTTP for something else (a tunnel), or the bytes stopped making
    /// sense: shown as bytes only.
    Raw,
}

/// The messages of one direction of an HTTP connection.
pub struct Messages {
    kind: Kind,
    state: State,
    /// Request methods not yet answered, oldest first.
    methods: Arc<Mutex<VecDeque<&'static str>>>,
    /// The protocol a `101` may switch to, if the wire view knows one.
    upgrade: Option<&'static dyn Upgrade>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("kind", &self.kind)
            .finish()
    }
}

impl Messages {
    fn new(
        kind: Kind,
        methods: Arc<Mutex<VecDeque<&'static str>>>,
        upgrade: Option<&'static dyn Upgrade>,
    ) -> Messages {
        Messages {
            kind,
            state: Messages::next_head(kind),
            methods,
            upgrade,
        }
    }

    /// Waiting for the next head of `kind`.
    fn next_head(kind: Kind) -> State {
        State::Head {
            buf: Vec::new(),
            finder: match kind {
                Kind::Requests => HeadFinder::request(MAX_HEADER_BYTES),
                Kind::Responses => HeadFinder::response(MAX_HEADER_BYTES),
            },
        }
    }

    /// Consumes what it can of `input`; returns how much.
    fn step(&mut self, input: &[u8], lines: &mut Vec<String>) -> usize {
        match &mut self.state {
            State::Head { buf, finder } => {
                // The head reader's rules: empty lines before the start line are dropped (not
                // kept) and count toward the bound.
                let before = buf.len();
                buf.extend_from_slice(input);
                let mut dropped = 0;
                loop {
                    match finder.find(&buf[dropped..]) {
                        Ok(Found::EmptyLines(n)) => dropped += n,
                        Ok(Found::NotYet) => {
                            buf.drain(..dropped);
                            return input.len();
                        }
                        Ok(Found::Head(end)) => {
                            let head = buf[dropped..dropped + end].to_vec();
                            self.state = match self.kind {
                                Kind::Requests => self.request(&head, lines),
                                Kind::Responses => self.response(&head, lines),
                            };
                            return dropped + end - before;
                        }
                        Err(e) => return self.give_up(e, lines, input.len()),
                    }
                }
            }
            State::Body(body) => match body.decode(input, usize::MAX) {
                Ok((used, data)) => {
                    explain(body, data.len(), lines);
                    if body.is_done() {
                        lines.push("end of body".into());
                        self.state = Messages::next_head(self.kind);
                    }
                    used
                }
                Err(e) => self.give_up(e, lines, input.len()),
            },
            State::Switched(dissector) => {
                lines.extend(dissector.feed(input));
                input.len()
            }
            State::Raw => input.len(),
        }
    }

    fn give_up(&mut self, e: ParseError, lines: &mut Vec<String>, used: usize) -> usize {
        lines.push(match self.kind {
            Kind::Requests => format!("not valid HTTP: {e} (answered {})", e.status()),
            Kind::Responses => format!("not valid HTTP: {e}"),
        });
        self.state = State::Raw;
        used
    }

    /// A request head: its lines, then what comes after it.
    fn request(&mut self, head: &[u8], lines: &mut Vec<String>) -> State {
        let head = match parse_request_head(head, MAX_HEADERS) {
            Ok(head) => head,
            Err(e) => {
                self.give_up(e, lines, 0);
                return State::Raw;
            }
        };
        lines.push(format!(
            "request line: method {}, target {}, version HTTP/{}",
            head.method,
            head.target(),
            head.version.as_str()
        ));
        field_lines(head.fields(), lines);
        self.methods_queue().push_back(head.method);
        if head.method == "CONNECT" {
            lines.push("no body: CONNECT; if answered 2xx, a tunnel follows".into());
            return State::Raw;
        }
        let framing = match head.framing() {
            Ok(framing) => framing,
            Err(e) => {
                self.give_up(e, lines, 0);
                return State::Raw;
            }
        };
        if let Some(upgrade) = self.upgrade {
            if let Some(line) = upgrade.asked(&head) {
                lines.push(line);
                return State::Switched(upgrade.sent_by_client());
            }
        }
        body_state(self.kind, framing.into(), lines)
    }

    /// A response head: its lines, then what comes after it.
    fn response(&mut self, head: &[u8], lines: &mut Vec<String>) -> State {
        let head = match parse_response_head(head, MAX_HEADERS) {
            Ok(head) => head,
            Err(e) => {
                self.give_up(e, lines, 0);
                return State::Raw;
            }
        };
        lines.push(format!(
            "status line: version HTTP/{}, status {}, reason {}",
            head.version.as_str(),
            head.status,
            head.reason
        ));
        field_lines(&head.fields, lines);
        if head.status == 101 {
            self.methods_queue().pop_front();
            return match self.upgrade {
                Some(upgrade) => {
                    lines.push(upgrade.switched());
                    State::Switched(upgrade.sent_by_server())
                }
                None => {
                    lines.push("switching protocols: what follows is not HTTP".into());
                    State::Raw
                }
            };
        }
        if (100..200).contains(&head.status) {
            lines.push("no body: an interim answer; the final one follows".into());
            return Messages::next_head(self.kind);
        }
        let method = self.methods_queue().pop_front().unwrap_or("GET");
        match head.framing(method) {
            Ok(ResponseFraming::None) if method == "CONNECT" => {
                lines.push("no body: the tunnel is open; what follows is its bytes".into());
                State::Raw
            }
            Ok(ResponseFraming::None) if method == "HEAD" => {
                lines.push("no body: HEAD".into());
                Messages::next_head(self.kind)
            }
            Ok(framing) => body_state(self.kind, framing, lines),
            Err(e) => {
                self.give_up(e, lines, 0);
                State::Raw
            }
        }
    }

    fn methods_queue(&self) -> std::sync::MutexGuard<'_, VecDeque<&'static str>> {
        self.methods
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn field_lines(fields: &Fields, lines: &mut Vec<String>) {
    for (name, value) in fields {
        lines.push(format!("field: name {name}, value {value}"));
    }
    lines.push("end of head".into());
}

/// Says what the body decoder made of the bytes it was just given: `data` bytes of body.
fn explain(body: &mut BodyDecoder, data: usize, lines: &mut Vec<String>) {
    match body {
        BodyDecoder::Length(left) => lines.push(format!("body: {data} bytes, {left} to come")),
        BodyDecoder::Chunked(chunked) => {
            if let Some(size) = chunked.take_size_line() {
                lines.push(if size == 0 {
                    "last chunk".to_string()
                } else {
                    format!("chunk 0x{size:x} = {size} bytes")
                });
            }
            if data > 0 {
                lines.push(format!("chunk data: {data} bytes"));
            }
            if chunked.is_done() {
                for (name, value) in chunked.trailers() {
                    lines.push(format!("trailer field: name {name}, value {value}"));
                }
            }
        }
        BodyDecoder::UntilClose => lines.push(format!(
            "body: {data} bytes (it ends when the connection closes)"
        )),
        BodyDecoder::Done => {}
    }
}

/// Says how the body is framed, and the state to read it in.
fn body_state(kind: Kind, framing: ResponseFraming, lines: &mut Vec<String>) -> State {
    lines.push(match framing {
        ResponseFraming::None | ResponseFraming::Length(0) => "no body".into(),
        ResponseFraming::Length(n) => format!("body: Content-Length {n}"),
        ResponseFraming::Chunked => "body: chunked".into(),
        ResponseFraming::UntilClose => "body: until the connection closes (no length given)".into(),
    });
    let body = BodyDecoder::new(framing);
    if body.is_done() {
        Messages::next_head(kind)
    } else {
        State::Body(Box::new(body))
    }
}

impl Dissector for Messages {
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let used = self.step(&bytes[at..], &mut lines);
            if used == 0 && matches!(self.state, State::Raw) {
                break;
            }
            at += used;
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_a_chunked_body_line_by_line() {
        let (mut requests, _) = pair(Side::Server);
        let wire = b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
                     1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(
            requests.feed(wire),
            [
                "request line: method POST, target /echo, version HTTP/1.1",
                "field: name Host, value a",
                "field: name Transfer-Encoding, value chunked",
                "end of head",
                "body: chunked",
                "chunk 0x1a = 26 bytes",
                "chunk data: 26 bytes",
                "last chunk",
                "trailer field: name X-T, value 1",
                "end of body",
            ]
        );
    }

    #[test]
    fn the_same_bytes_in_pieces_say_the_same() {
        let wire = b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
        let (mut whole, _) = pair(Side::Server);
        let once = whole.feed(wire);
        assert!(once.contains(&"body: Content-Length 3".to_string()));
        assert!(once.contains(&"request line: method GET, target /2, version HTTP/1.1".to_string()));
        let (mut pieces, _) = pair(Side::Server);
        let mut lines = Vec::new();
        for byte in wire.chunks(1) {
            lines.extend(pieces.feed(byte));
        }
        let without_progress = |l: &Vec<String>| {
            l.iter()
                .filter(|s| !s.starts_with("body: 1 bytes") && !s.starts_with("body: 3 bytes"))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(without_progress(&lines), without_progress(&once));
    }

    #[test]
    fn a_response_to_head_has_no_body_and_one_to_get_has() {
        let (mut requests, mut responses) = pair(Side::Server);
        requests.feed(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let lines = responses.feed(
            b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        );
        assert_eq!(
            lines,
            [
                "status line: version HTTP/1.1, status 200, reason OK",
                "field: name Content-Length, value 12",
                "end of head",
                "no body: HEAD",
                "status line: version HTTP/1.1, status 200, reason OK",
                "field: name Content-Length, value 2",
                "end of head",
                "body: Content-Length 2",
                "body: 2 bytes, 0 to come",
                "end of body",
            ]
        );
    }

    #[test]
    fn without_an_upgrade_a_101_leaves_bytes_only() {
        let (mut responses, _) = pair(Side::Client);
        let lines = responses.feed(b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x02hi");
        assert_eq!(
            lines.last().map(String::as_str),
            Some("switching protocols: what follows is not HTTP")
        );
        assert!(responses.feed(b"GET").is_empty());
    }

    #[test]
    fn bytes_that_are_not_http_are_said_so_once() {
        let (mut responses, _) = pair(Side::Client);
        assert_eq!(
            responses.feed(b"SSH-2.0-x\r\n"),
            ["not valid HTTP: response does not begin with HTTP/"]
        );
        let (mut requests, _) = pair(Side::Server);
        assert_eq!(
            requests.feed(b"\x16\x03"),
            ["not valid HTTP: unknown method (answered 400)"]
        );
        assert!(responses.feed(b"more").is_empty());
    }

    #[test]
    fn empty_lines_before_a_head_are_not_kept_and_count_toward_the_bound() {
        let methods = Arc::new(Mutex::new(VecDeque::new()));
        let mut requests = Messages::new(Kind::Requests, methods, None);
        let mut lines = Vec::new();
        for _ in 0..8 {
            lines.extend(requests.feed(&b"\r\n".repeat(1000)));
            let State::Head { buf, .. } = &requests.state else {
                panic!("left the head: {lines:?}")
            };
            assert!(buf.is_empty(), "kept {} bytes of empty lines", buf.len());
        }
        assert!(lines.is_empty(), "{lines:?}");
        lines.extend(requests.feed(&b"\r\n".repeat(1000)));
        assert_eq!(lines, ["not valid HTTP: head too large (answered 431)"]);
        let (mut requests, _) = pair(Side::Server);
        let lines = requests.feed(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(
            lines[0],
            "request line: method GET, target /, version HTTP/1.1"
        );
    }
}
