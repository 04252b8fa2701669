//! HTTP响应 — the response a handler writes: Node's `http.ServerResponse` (`res`).
//!
//! ```text
//!   Node                             here
//!   res.setHeader(name, value)       res.set_header(name, value)
//!   res.writeHead(200, {...})        res.write_head(200, &[(name, value), ...])
//!   res.write(chunk)                 res.write(chunk)?
//!   res.end(data)                    res.end(data)?
//!   res.writeContinue()              res.write_continue()?
//! ```
//!
//! The head goes out once, before the first body byte, and holds what the handler set plus
//! what HTTP/1.1 needs, in Node's order: the handler's fields, `Date`, `Connection` (and
//! `Keep-Alive`), then the framing — `Content-Length` when `end(data)` alone makes the whole
//! response, else `Transfer-Encoding: chunked` on HTTP/1.1, else (HTTP/1.0) the body ends when
//! the connection closes. `HEAD`, 1xx, 204 and 304 get no body at all.
//!
//! Nothing is sent until the first `write` or `end`, so `write_head` + `end(data)` — the hello
//! server — is one `write` on the socket: head, one chunk, last chunk.
//!
//! Where this differs from Node: `write` blocks until the kernel has taken the bytes (for at
//! most the send timeout) instead of queueing them and returning `false`. A blocking thread
//! has nothing better to do, and a peer that stops reading cannot make us buffer.

use super::message::{
    bodiless_status, has_token, http_date, push_chunk, reason_phrase, Version, LAST_CHUNK,
};
use crate::tcp::Socket;
use std::cell::RefCell;
use std::io::{self, ErrorKind};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// No body may be sent (HEAD, 1xx, 204, 304).
    Nothing,
    /// `Content-Length`: this many bytes are still owed.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// No length: the body ends when we close the connection (HTTP/1.0).
    UntilClose,
}

/// A response being written.
#[derive(Debug)]
pub struct Response<'c> {
    socket: &'c Socket,
    /// The request is a `HEAD`: the head says what a body would be, and none is sent.
    head_request: bool,
    version: Version,
    keep_alive: bool,
    keep_alive_timeout: Duration,
    send_timeout: Duration,
    status: u16,
    fields: Vec<(String, String)>,
    /// The head once it is fixed (by `write_head`, or by the first write), not yet sent.
    head: Option<Vec<u8>>,
    out: Option<Out>,
    head_sent: bool,
    finished: bool,
    destroyed: bool,
}

impl<'c> Response<'c> {
    pub(crate) fn new(
        socket: &'c Socket,
        head_request: bool,
        version: Version,
        keep_alive: bool,
        keep_alive_timeout: Duration,
        send_timeout: Duration,
    ) -> Response<'c> {
        Response {
            socket,
            head_request,
            version,
            keep_alive,
            keep_alive_timeout,
            send_timeout,
            status: 200,
            fields: Vec::new(),
            head: None,
            out: None,
            head_sent: false,
            finished: false,
            destroyed: false,
        }
    }

    /// `res.statusCode`.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// `res.setHeader(name, value)`: replaces a field of the same name (in any case). Ignored
    /// once the head is fixed (Node throws `ERR_HTTP_HEADERS_SENT`).
    pub fn set_header(&mut self, name: &str, value: &str) {
        if self.head.is_some() || self.head_sent {
            return;
        }
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.fields.push((name.to_string(), value.to_string()));
    }

    /// `res.appendHeader(name, value)`: adds a field even if one of that name exists (a
    /// second `Set-Cookie`, say). Ignored once the head is fixed.
    pub fn append_header(&mut self, name: &str, value: &str) {
        if self.head.is_some() || self.head_sent {
            return;
        }
        self.fields.push((name.to_string(), value.to_string()));
    }

    /// `res.destroy()`: gives the response up without finishing it. No last chunk is sent,
    /// so the client sees the body cut short; the connection closes.
    pub fn destroy(&mut self) {
        self.destroyed = true;
        self.keep_alive = false;
    }

    /// Whether [`Response::destroy`] was called.
    pub fn destroyed(&self) -> bool {
        self.destroyed
    }

    /// `res.getHeader(name)`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `res.headersSent`.
    pub fn headers_sent(&self) -> bool {
        self.head_sent
    }

    /// `res.writableEnded`: `end` was called.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Whether the connection stays open after this response.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// `res.writeHead(status, headers)`: sets the status and more fields, and fixes the head
    /// (framing included: without `Content-Length` the body will be chunked). It is sent with
    /// the first body bytes.
    ///
    /// As in Node, `fields` are merged into those of `set_header` if there are any (a field of
    /// the same name replaced); if there are none, they go straight into the head and are
    /// not kept (`getHeader` does not see them), which saves copying them.
    pub fn write_head(&mut self, status: u16, fields: &[(&str, &str)]) {
        if self.head.is_some() || self.head_sent {
            return;
        }
        self.status = status;
        if self.fields.is_empty() {
            return self.fix_head(fields, None);
        }
        for (name, value) in fields {
            self.set_header(name, value);
        }
        self.fix_head(&[], None);
    }

    /// `res.writeContinue()`: sends `100 Continue` at once, telling a client that sent
    /// `Expect: 100-continue` to go on with its body.
    pub fn write_continue(&mut self) -> io::Result<()> {
        self.socket
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n", Some(self.send_timeout))
    }

    /// `res.write(chunk)`: sends a piece of the body (the head first, if it has not gone yet),
    /// blocking until the kernel has taken it.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.finished {
            return Err(io::Error::other("write after end"));
        }
        if self.head.is_none() && !self.head_sent {
            self.fix_head(&[], None);
        }
        let mut wire = self.head.take().unwrap_or_default();
        self.frame(chunk, &mut wire)?;
        self.send(&wire)
    }

    /// `res.end(data)`: sends the last of the body and finishes the response. If nothing was
    /// sent before and `write_head` was not called, `data` is the whole body and goes out with
    /// a `Content-Length` (keep-alive connections only, as in Node).
    pub fn end(&mut self, data: &[u8]) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        if self.head.is_none() && !self.head_sent {
            self.fix_head(&[], Some(data.len()));
        }
        let mut wire = self.head.take().unwrap_or_default();
        self.frame(data, &mut wire)?;
        match self.out {
            Some(Out::Chunked) => wire.extend_from_slice(LAST_CHUNK),
            // Fewer bytes than promised: the client would wait for the rest, so close.
            Some(Out::Length(owed)) if owed > 0 => self.keep_alive = false,
            Some(Out::UntilClose) => self.keep_alive = false,
            _ => {}
        }
        self.finished = true;
        self.send(&wire)
    }

    fn send(&mut self, wire: &[u8]) -> io::Result<()> {
        self.head_sent = true;
        if wire.is_empty() {
            return Ok(());
        }
        let sent = self.socket.write_all(wire, Some(self.send_timeout));
        if sent.is_err() {
            self.keep_alive = false;
        }
        sent
    }

    /// Appends `data` to `wire`, framed as the body must be.
    fn frame(&mut self, data: &[u8], wire: &mut Vec<u8>) -> io::Result<()> {
        match self.out {
            None | Some(Out::Nothing) => {}
            Some(Out::Chunked) => push_chunk(wire, data),
            Some(Out::Length(owed)) => {
                if data.len() as u64 > owed {
                    // Node: ERR_HTTP_CONTENT_LENGTH_MISMATCH. Nothing of it is sent.
                    self.keep_alive = false;
                    return Err(io::Error::new(
                        ErrorKind::InvalidInput,
                        "body longer than Content-Length",
                    ));
                }
                wire.extend_from_slice(data);
                self.out = Some(Out::Length(owed - data.len() as u64));
            }
            Some(Out::UntilClose) => wire.extend_from_slice(data),
        }
        Ok(())
    }

    /// Decides the framing and the connection's fate and renders the head.
    /// `extra`: fields of `write_head` that were not stored; `whole_body`: the length of the
    /// body if `end(data)` alone makes it.
    fn fix_head(&mut self, extra: &[(&str, &str)], whole_body: Option<usize>) {
        let stored = std::mem::take(&mut self.fields);
        let fields = || {
            stored
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .chain(extra.iter().copied())
        };
        let has = |name: &str| fields().any(|(n, _)| n.eq_ignore_ascii_case(name));
        let user_length = fields()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<u64>().ok());
        // Transfer codings and connection options are token lists (RFC 9110 §5.6.1):
        // `xchunked` is not `chunked`, and `keep-alive, close` closes.
        let user_codings = fields().filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
        let user_coded = user_codings.clone().next().is_some();
        let user_chunked = user_codings.clone().any(|(_, v)| has_token(v, "chunked"));
        // RFC 9112 §9.6: a server that sends `Connection: close` closes after this response.
        if fields().any(|(n, v)| n.eq_ignore_ascii_case("connection") && has_token(v, "close")) {
            self.keep_alive = false;
        }

        // The framing, RFC 9112 §6.1-6.3: no body after a HEAD or with a 1xx, 204 or 304
        // (§6.3 rule 1); the handler's own Content-Length (§6.2) or chunked coding (§6.1); a
        // coding of the handler's that is not chunked, or an HTTP/1.0 client, which knows no
        // chunked coding: the body ends with the connection (§6.3 rules 4 and 8); otherwise a
        // body given whole gets its length and one written in pieces is chunked.
        let out = if self.head_request || bodiless_status(self.status) {
            Out::Nothing
        } else if let Some(length) = user_length {
            Out::Length(length)
        } else if user_chunked {
            Out::Chunked
        } else if user_coded || self.version == Version::Http10 {
            Out::UntilClose
        } else if let (Some(length), true) = (whole_body, self.keep_alive) {
            Out::Length(length as u64)
        } else {
            Out::Chunked
        };
        // A body that ends with the connection means closing it (RFC 9112 §6.3 rule 8, §9.6).
        if out == Out::UntilClose {
            self.keep_alive = false;
        }

        // The head, written straight into the bytes that go out: the handler's fields, then
        // what HTTP/1.1 needs, in Node's order. It is mostly copying, into one buffer with
        // room for a small body after the head.
        let mut head =
            Vec::with_capacity(256 + fields().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>());
        head.extend_from_slice(b"HTTP/1.1 ");
        push_decimal(&mut head, u64::from(self.status));
        head.push(b' ');
        head.extend_from_slice(reason_phrase(self.status).as_bytes());
        head.extend_from_slice(b"\r\n");
        for (name, value) in fields() {
            push_field(&mut head, name.as_bytes(), value.as_bytes());
        }
        if !has("date") {
            head.extend_from_slice(b"Date: ");
            push_date(&mut head);
            head.extend_from_slice(b"\r\n");
        }
        if !has("connection") {
            if self.keep_alive {
                head.extend_from_slice(b"Connection: keep-alive\r\nKeep-Alive: timeout=");
                push_decimal(&mut head, self.keep_alive_timeout.as_secs());
                head.extend_from_slice(b"\r\n");
            } else {
                head.extend_from_slice(b"Connection: close\r\n");
            }
        }
        match out {
            Out::Length(length) if user_length.is_none() => {
                head.extend_from_slice(b"Content-Length: ");
                push_decimal(&mut head, length);
                head.extend_from_slice(b"\r\n");
            }
            Out::Chunked if !user_chunked && !self.head_request => {
                head.extend_from_slice(b"Transfer-Encoding: chunked\r\n")
            }
            _ => {}
        }
        head.extend_from_slice(b"\r\n");
        self.out = Some(out);
        self.head = Some(head);
        // As in Node, `getHeader` shows what the handler set, not what was added for it.
        self.fields = stored;
    }
}

fn push_field(head: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    head.extend_from_slice(name);
    head.extend_from_slice(b": ");
    head.extend_from_slice(value);
    head.extend_from_slice(b"\r\n");
}

/// Appends `n` in decimal, without the formatting machinery (`format!` costs a few hundred
/// instructions and an allocation for what is a handful of digits).
fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

thread_local! {
    /// This thread's last `Date` value and the second it is for: the calendar arithmetic and
    /// formatting of `http_date` run once a second per thread, not once per response.
    static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Appends the `Date` field's value for now (RFC 9110 §6.6.1: the time the response was
/// generated, to the second).
fn push_date(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with(|date| {
        let mut date = date.borrow_mut();
        if date.0 != second {
            *date = (second, http_date(now));
        }
        out.extend_from_slice(date.1.as_bytes());
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Trace;
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    /// Runs `respond` on the server side of a loopback connection and returns what the
    /// client received, up to the server's close.
    fn sent(head_request: bool, respond: impl FnOnce(&mut Response<'_>)) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, peer) = listener.accept().unwrap();
        let socket = Socket::new(stream, peer, Trace::off("http"), true, None);
        let mut res = Response::new(
            &socket,
            head_request,
            Version::Http11,
            true,
            Duration::from_secs(5),
            Duration::from_secs(1),
        );
        respond(&mut res);
        drop(socket);
        let mut bytes = Vec::new();
        client.read_to_end(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        // The date changes; its place and shape do not.
        let start = text.find("\r\nDate: ").expect("a Date field") + 8;
        let end = start + text[start..].find("\r\n").unwrap();
        assert!(text[start..end].ends_with(" GMT"), "{text}");
        format!("{}D{}", &text[..start], &text[end..])
    }

    #[test]
    fn write_head_alone_puts_its_fields_in_the_head_without_keeping_them() {
        let mut seen = None;
        let wire = sent(false, |res| {
            res.write_head(200, &[("Content-Type", "text/plain")]);
            seen = Some(res.header("content-type").map(str::to_string));
            res.end(b"hi").unwrap();
        });
        // Node's writeHead fast path: getHeader does not see fields set only by writeHead.
        assert_eq!(seen, Some(None));
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: D\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\
             Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn write_head_after_set_header_merges_replacing_names() {
        let mut seen = None;
        let wire = sent(false, |res| {
            res.set_header("X-A", "1");
            res.set_header("content-type", "text/html");
            res.write_head(
                201,
                &[("Content-Type", "text/plain"), ("Content-Length", "2")],
            );
            seen = Some((
                res.header("x-a").map(str::to_string),
                res.header("Content-Type").map(str::to_string),
            ));
            res.end(b"hi").unwrap();
        });
        assert_eq!(seen, Some((Some("1".into()), Some("text/plain".into()))));
        assert_eq!(
            wire,
            "HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\
             Date: D\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhi"
        );
    }

    #[test]
    fn fields_given_to_write_head_decide_framing_and_connection() {
        let wire = sent(false, |res| {
            res.write_head(200, &[("Content-Length", "3"), ("Connection", "close")]);
            res.end(b"abc").unwrap();
            assert!(!res.keep_alive());
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\nDate: D\r\n\r\nabc"
        );
    }

    #[test]
    fn transfer_encoding_and_connection_are_token_lists() {
        // `xchunked` is not `chunked`: the body is the handler's, ended by the close, and
        // no Content-Length or chunked framing of ours goes beside that coding.
        let wire = sent(false, |res| {
            res.write_head(200, &[("Transfer-Encoding", "xchunked")]);
            res.end(b"hi").unwrap();
            assert!(!res.keep_alive());
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\nDate: D\r\n\
             Connection: close\r\n\r\nhi"
        );
        // `chunked` as the last of a list is chunked: framed by us, no second field.
        let wire = sent(false, |res| {
            res.write_head(200, &[("Transfer-Encoding", "gzip, Chunked")]);
            res.end(b"hi").unwrap();
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nDate: D\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        );
        // `close` anywhere in Connection's list ends the connection.
        sent(false, |res| {
            res.write_head(200, &[("Connection", "keep-alive, Close")]);
            res.end(b"").unwrap();
            assert!(!res.keep_alive());
        });
    }

    #[test]
    fn a_head_request_gets_the_head_and_no_body() {
        let wire = sent(true, |res| {
            res.write_head(200, &[("Content-Type", "text/plain")]);
            res.end(b"Hello World\n").unwrap();
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: D\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"
        );
    }
}
