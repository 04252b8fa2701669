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
//! A field, a status or framing fields that would break the head are refused by the call that
//! gives them, as Node throws from `setHeader` and `writeHead`: [`Response::set_header`],
//! [`Response::append_header`] and [`Response::write_head`] return the [`InvalidHead`] (Node's
//! `err.code` and `err.message`), and the response is as it was before the call. A handler
//! may go on without the field; one that passes the error on with `?` and returns without
//! answering (where an exception would escape a Node handler and end the process) gets the
//! server's `500 Internal Server Error`, an `error` trace line with the message, and the
//! connection closed. Node lets a broken `Content-Length` through (the client's parser then
//! refuses the response); we refuse it, with Node's `ERR_HTTP_INVALID_HEADER_VALUE`, so the
//! server never writes a head its own parser would refuse.
//!
//! Where this differs from Node: `write` blocks until the kernel has taken the bytes (for at
//! most the send timeout) instead of queueing them and returning `false`. A blocking thread
//! has nothing better to do, and a peer that stops reading cannot make us buffer.

use super::message::{
    bodiless_status, check_declared, check_field_line, check_framing, http_date, push_chunk,
    Decimal, FramingFields, HeadWriter, InvalidHead, Persistence, Version, LAST_CHUNK,
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
    /// The field lines a response that keeps the connection adds ([`keep_alive_lines`]).
    keep_alive_lines: &'c [u8],
    send_timeout: Duration,
    status: u16,
    fields: Vec<(String, String)>,
    /// How the body is framed, once the head is fixed (by `write_head`, or by the first
    /// write): from then on the head can change no more.
    out: Option<Out>,
    /// Bytes not sent yet: the head, from when it is fixed until the first write sends it with
    /// the first body bytes. Its memory is kept from write to write, and from the
    /// connection's last response ([`Response::take_buffer`]).
    wire: Vec<u8>,
    head_sent: bool,
    finished: bool,
    destroyed: bool,
    /// The last field, status or framing the head writer refused.
    refused: Option<InvalidHead>,
}

/// The most memory a connection keeps between requests in each of its two buffers, the one
/// its last request head was read into and the one its last response was written into: a
/// head of a few fields, a response head and a small body fit; a larger buffer, made for a
/// large head or body, is given back.
pub(crate) const KEPT_BUFFER: usize = 1024;

/// The room a connection's first response starts with: a head of a few fields and a small
/// body, such as a hello's (a larger one grows the buffer as it is written).
const HEAD_ROOM: usize = 512;

/// The field lines a response that keeps its connection open says so with:
/// `Connection: keep-alive` and, as Node adds, `Keep-Alive: timeout=N` with the seconds the
/// server waits for the next request. The same for every response of a server, so composed
/// once.
pub(crate) fn keep_alive_lines(timeout: Duration) -> Vec<u8> {
    let seconds = Decimal::new(timeout.as_secs());
    let lines = [
        b"Connection: keep-alive\r\nKeep-Alive: timeout=",
        seconds.as_bytes(),
        b"\r\n",
    ];
    lines.concat()
}

impl<'c> Response<'c> {
    pub(crate) fn new(
        socket: &'c Socket,
        head_request: bool,
        version: Version,
        keep_alive: bool,
        keep_alive_lines: &'c [u8],
        send_timeout: Duration,
        buffer: Vec<u8>,
    ) -> Response<'c> {
        Response {
            socket,
            head_request,
            version,
            keep_alive,
            keep_alive_lines,
            send_timeout,
            status: 200,
            fields: Vec::new(),
            out: None,
            wire: buffer,
            head_sent: false,
            finished: false,
            destroyed: false,
            refused: None,
        }
    }

    /// The memory this response kept, empty, to write the connection's next response in.
    pub(crate) fn take_buffer(&mut self) -> Vec<u8> {
        let mut buffer = std::mem::take(&mut self.wire);
        buffer.clear();
        buffer
    }

    /// `res.statusCode`.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// Refuses a change to a head that is fixed already, as Node's `writeHead`, `setHeader`
    /// and `appendHeader` throw `ERR_HTTP_HEADERS_SENT` once `res._header` is set.
    fn head_open(&self, call: &'static str) -> Result<(), InvalidHead> {
        if self.out.is_some() {
            return Err(InvalidHead::HeadersSent(call));
        }
        Ok(())
    }

    /// `res.setHeader(name, value)`: replaces a field of the same name (in any case).
    /// Refused once the head is fixed (`Cannot set headers after they are sent to the
    /// client`), and a field the head writer would refuse is refused here: either way,
    /// nothing changes.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), InvalidHead> {
        self.head_open("set")?;
        let others = self
            .fields
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name));
        check_adding(name, value, others).or_else(|e| self.refuse(e))?;
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.fields.push((name.to_string(), value.to_string()));
        Ok(())
    }

    /// `res.appendHeader(name, value)`: adds a field even if one of that name exists (a
    /// second `Set-Cookie`, say). Refused as `set_header` refuses (`Cannot append headers
    /// after they are sent to the client` once the head is fixed).
    pub fn append_header(&mut self, name: &str, value: &str) -> Result<(), InvalidHead> {
        self.head_open("append")?;
        check_adding(name, value, self.fields.iter()).or_else(|e| self.refuse(e))?;
        self.fields.push((name.to_string(), value.to_string()));
        Ok(())
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
    ///
    /// A status outside 100-999, a field the head writer refuses, framing fields that
    /// contradict each other, or a second head (`Cannot write headers after they are sent to
    /// the client`) are refused, as Node's `writeHead` throws, and the response is left as
    /// it was.
    pub fn write_head(&mut self, status: u16, fields: &[(&str, &str)]) -> Result<(), InvalidHead> {
        self.head_open("write")?;
        if self.fields.is_empty() {
            return self
                .fix_head(status, fields, None)
                .or_else(|e| self.refuse(e));
        }
        let mut merged = self.fields.clone();
        for (name, value) in fields {
            check_field_line(name, value).or_else(|e| self.refuse(e))?;
            merged.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            merged.push((name.to_string(), value.to_string()));
        }
        let before = std::mem::replace(&mut self.fields, merged);
        self.fix_head(status, &[], None).or_else(|e| {
            self.fields = before;
            self.refuse(e)
        })
    }

    /// Keeps `refused` (for [`Response::unanswered_refusal`]) and returns it as the error.
    fn refuse<T>(&mut self, refused: InvalidHead) -> Result<T, InvalidHead> {
        self.refused = Some(refused.clone());
        Err(refused)
    }

    /// A refusal the handler left unanswered: the head writer refused a field, a status or
    /// framing, and the handler returned without fixing a head after it (it passed the error
    /// on, as an exception escapes a Node handler). The server answers it `500`.
    pub(crate) fn unanswered_refusal(&self) -> Option<&InvalidHead> {
        match self.out {
            None => self.refused.as_ref(),
            Some(_) => None,
        }
    }

    /// `res.writeContinue()`: sends `100 Continue` at once, telling a client that sent
    /// `Expect: 100-continue` to go on with its body.
    pub fn write_continue(&mut self) -> io::Result<()> {
        let head = HeadWriter::response(100, 32)?.finish();
        self.socket.write_all(&head, Some(self.send_timeout))
    }

    /// `res.write(chunk)`: sends a piece of the body (the head first, if it has not gone yet),
    /// blocking until the kernel has taken it.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.finished {
            return Err(io::Error::other("write after end"));
        }
        if self.out.is_none() {
            self.fix_head(self.status, &[], None)?;
        }
        self.frame(chunk)?;
        self.send()
    }

    /// `res.end(data)`: sends the last of the body and finishes the response. If nothing was
    /// sent before and `write_head` was not called, `data` is the whole body and goes out with
    /// a `Content-Length` (keep-alive connections only, as in Node).
    pub fn end(&mut self, data: &[u8]) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        if self.out.is_none() {
            self.fix_head(self.status, &[], Some(data.len()))?;
        }
        self.frame(data)?;
        match self.out {
            Some(Out::Chunked) => self.wire.extend_from_slice(LAST_CHUNK),
            // Fewer bytes than promised: the client would wait for the rest, so close.
            Some(Out::Length(owed)) if owed > 0 => self.keep_alive = false,
            Some(Out::UntilClose) => self.keep_alive = false,
            _ => {}
        }
        self.finished = true;
        self.send()
    }

    /// Sends what is waiting in the wire buffer, and keeps its memory for the next write if it
    /// is small.
    fn send(&mut self) -> io::Result<()> {
        self.head_sent = true;
        let sent = match self.wire.is_empty() {
            true => Ok(()),
            false => self.socket.write_all(&self.wire, Some(self.send_timeout)),
        };
        if sent.is_err() {
            self.keep_alive = false;
        }
        match self.wire.capacity() <= KEPT_BUFFER {
            true => self.wire.clear(),
            false => self.wire = Vec::new(),
        }
        sent
    }

    /// Appends `data` to the wire buffer, framed as the body must be.
    fn frame(&mut self, data: &[u8]) -> io::Result<()> {
        let wire = &mut self.wire;
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

    /// Decides the framing and the connection's fate, and writes the head into the wire
    /// buffer with the one head writer; nothing changes if the writer refuses it. `extra`:
    /// fields of `write_head` that are not stored; `whole_body`: the length of the body if
    /// `end(data)` alone makes it.
    fn fix_head(
        &mut self,
        status: u16,
        extra: &[(&str, &str)],
        whole_body: Option<usize>,
    ) -> Result<(), InvalidHead> {
        // The handler's fields, in one pass: each written (or refused), and what HTTP/1.1
        // must know of it noted. The buffer (the last response's, kept) has room for a small
        // body after the head.
        let mut buffer = std::mem::take(&mut self.wire);
        buffer.reserve(HEAD_ROOM);
        let mut head = HeadWriter::response_in(buffer, status)?;
        let mut framing = FramingFields::default();
        let mut persistence = Persistence::default();
        let (mut date, mut connection) = (false, false);
        let stored = self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        for (name, value) in stored.chain(extra.iter().copied()) {
            head.field(name, value)?;
            if framing.note(name, value) {
                continue;
            }
            if name.eq_ignore_ascii_case("connection") {
                connection = true;
                // RFC 9112 §9.6: a server that sends `Connection: close` closes after this
                // response.
                persistence.note(value);
            } else if name.eq_ignore_ascii_case("date") {
                date = true;
            }
        }
        // The handler's own framing fields, each valid and not contradicting another (RFC 9112
        // §6.2-6.3): a broken length is an error, never ignored next to an added chunked.
        let declared = check_declared(&framing)?;
        let mut keep_alive = self.keep_alive && !persistence.closes();

        // The framing, RFC 9112 §6.1-6.3, in the order of §6.3's rules.
        let out = if self.head_request || bodiless_status(status) {
            // Rule 1: a response to HEAD, and 1xx, 204 and 304, end with the head.
            Out::Nothing
        } else if let Some(length) = declared.length {
            // Rule 6: the handler's Content-Length (one valid value, checked above).
            Out::Length(length)
        } else if declared.chunked {
            // Rule 4: the handler's Transfer-Encoding, chunked last.
            Out::Chunked
        } else if declared.transfer_encoding || self.version == Version::Http10 {
            // A coding of the handler's that is not chunked (rule 4), or an HTTP/1.0 client,
            // which knows no chunked coding (§6.1): the body ends with the connection (rule 8).
            Out::UntilClose
        } else if let (Some(length), true) = (whole_body, keep_alive) {
            // A body given whole gets its length (§6.2), as Node gives `end(data)`'s.
            Out::Length(length as u64)
        } else {
            // One written in pieces is chunked (§6.1, §7.1).
            Out::Chunked
        };
        // A body that ends with the connection means closing it (RFC 9112 §6.3 rule 8, §9.6).
        if out == Out::UntilClose {
            keep_alive = false;
        }

        // What HTTP/1.1 needs, composed here from constants and numbers: written as it is.
        if !date {
            with_date_line(|line| head.own_lines(&[line]));
        }
        if !connection {
            head.own_lines(&[match keep_alive {
                true => self.keep_alive_lines,
                false => b"Connection: close\r\n",
            }]);
        }
        match out {
            Out::Length(length) if declared.length.is_none() => {
                let length = Decimal::new(length);
                head.own_lines(&[b"Content-Length: ", length.as_bytes(), b"\r\n"]);
            }
            Out::Chunked if !declared.chunked => {
                head.own_lines(&[b"Transfer-Encoding: chunked\r\n"]);
            }
            _ => {}
        }
        self.status = status;
        self.keep_alive = keep_alive;
        self.out = Some(out);
        self.wire = head.finish();
        Ok(())
    }
}

/// Checks a field about to join those `kept`, as the head writer will: the field itself, and
/// the framing fields all together.
fn check_adding<'a>(
    name: &str,
    value: &str,
    kept: impl Iterator<Item = &'a (String, String)>,
) -> Result<(), InvalidHead> {
    check_field_line(name, value)?;
    let kept = kept.map(|(n, v)| (n.as_str(), v.as_str()));
    check_framing(kept.chain([(name, value)])).map(drop)
}

/// A `Date` field line and the second it is good for, `from` up to (not including) `until`.
struct DateLine {
    from: SystemTime,
    until: SystemTime,
    line: Vec<u8>,
}

thread_local! {
    /// This thread's last `Date` field line: the calendar arithmetic and formatting of
    /// `http_date` run once a second per thread, not once per response, and a response in the
    /// same second only compares the time with the second's bounds.
    static DATE: RefCell<DateLine> = const {
        RefCell::new(DateLine { from: UNIX_EPOCH, until: UNIX_EPOCH, line: Vec::new() })
    };
}

/// Calls `f` with the `Date` field line for now, `Date: ...\r\n` (RFC 9110 §6.6.1: the time
/// the response was generated, to the second).
fn with_date_line<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    let now = SystemTime::now();
    DATE.with(|date| {
        let mut date = date.borrow_mut();
        if !(date.from..date.until).contains(&now) {
            let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let from = UNIX_EPOCH + Duration::from_secs(second);
            *date = DateLine {
                from,
                until: from + Duration::from_secs(1),
                line: format!("Date: {}\r\n", http_date(now)).into_bytes(),
            };
        }
        f(&date.line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::message::{
        find_response_head, parse_response_head, BodyDecoder, HeadScan, ResponseHead, MAX_HEADERS,
        MAX_HEADER_BYTES,
    };
    use crate::trace::Trace;
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    /// A loopback connection: the client's end, and the server's as a `Socket`.
    fn connected() -> (TcpStream, Socket) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, peer) = listener.accept().unwrap();
        (
            client,
            Socket::new(stream, peer, Trace::off("http"), true, None),
        )
    }

    /// What a response keeps for the connection's next one, after `respond`, given `buffer`.
    fn kept(buffer: Vec<u8>, respond: impl FnOnce(&mut Response<'_>)) -> Vec<u8> {
        let (_client, socket) = connected();
        let lines = keep_alive_lines(Duration::from_secs(5));
        let send = Duration::from_secs(1);
        let mut res = Response::new(&socket, false, Version::Http11, true, &lines, send, buffer);
        respond(&mut res);
        res.take_buffer()
    }

    #[test]
    fn the_date_line_is_the_second_the_response_is_written_in() {
        let written_now = || {
            let before = SystemTime::now();
            let line = with_date_line(|line| line.to_vec());
            let after = SystemTime::now();
            let of = |time| format!("Date: {}\r\n", http_date(time)).into_bytes();
            assert!(line == of(before) || line == of(after), "{line:?}");
        };
        for _ in 0..3 {
            written_now();
        }
        // A clock set back is a new second too: the line kept (for an hour ahead, here) is
        // not used.
        DATE.with(|date| {
            let mut date = date.borrow_mut();
            date.from += Duration::from_secs(3600);
            date.until += Duration::from_secs(3600);
            date.line = b"Date: an hour ahead\r\n".to_vec();
        });
        written_now();
    }

    #[test]
    fn a_small_buffer_is_kept_for_the_next_response_and_a_large_one_given_back() {
        let small = kept(Vec::new(), |res| res.end(b"hello").unwrap());
        assert!(small.is_empty() && small.capacity() > 0);
        let memory = small.as_ptr();
        let again = kept(small, |res| res.end(b"again").unwrap());
        assert_eq!(
            again.as_ptr(),
            memory,
            "the same memory, not a new allocation"
        );
        let large = kept(again, |res| res.end(&[b'x'; 4 * KEPT_BUFFER]).unwrap());
        assert_eq!(large.capacity(), 0);
    }

    /// Runs `respond` on the server side of a loopback connection and returns what the
    /// client received, up to the server's close.
    fn sent(head_request: bool, respond: impl FnOnce(&mut Response<'_>)) -> String {
        let (mut client, socket) = connected();
        let lines = keep_alive_lines(Duration::from_secs(5));
        let mut res = Response::new(
            &socket,
            head_request,
            Version::Http11,
            true,
            &lines,
            Duration::from_secs(1),
            Vec::new(),
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
            res.write_head(200, &[("Content-Type", "text/plain")])
                .unwrap();
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
            res.set_header("X-A", "1").unwrap();
            res.set_header("content-type", "text/html").unwrap();
            res.write_head(
                201,
                &[("Content-Type", "text/plain"), ("Content-Length", "2")],
            )
            .unwrap();
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
            res.write_head(200, &[("Content-Length", "3"), ("Connection", "close")])
                .unwrap();
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
            res.write_head(200, &[("Transfer-Encoding", "xchunked")])
                .unwrap();
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
            res.write_head(200, &[("Transfer-Encoding", "gzip, Chunked")])
                .unwrap();
            res.end(b"hi").unwrap();
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nDate: D\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        );
        // `close` anywhere in Connection's list ends the connection.
        sent(false, |res| {
            res.write_head(200, &[("Connection", "keep-alive, Close")])
                .unwrap();
            res.end(b"").unwrap();
            assert!(!res.keep_alive());
        });
    }

    #[test]
    fn a_head_request_gets_the_head_and_no_body() {
        let wire = sent(true, |res| {
            res.write_head(200, &[("Content-Type", "text/plain")])
                .unwrap();
            res.end(b"Hello World\n").unwrap();
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: D\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"
        );
    }

    /// Reads what the client received with the client's own parser: the head, and the body as
    /// its framing delimits it, to the connection's close. Panics if the parser refuses it.
    fn read_back(wire: &str, method: &str) -> (ResponseHead, Vec<u8>) {
        let bytes = wire.as_bytes();
        let Ok(HeadScan::Complete { start, end }) = find_response_head(bytes, 0, MAX_HEADER_BYTES)
        else {
            panic!("no whole head in {wire:?}");
        };
        let head = parse_response_head(&bytes[start..end], MAX_HEADERS).expect(wire);
        let mut decoder = BodyDecoder::new(head.framing(method).expect(wire));
        let (mut rest, mut body) = (&bytes[end..], Vec::new());
        loop {
            let (used, data) = decoder.decode(rest, usize::MAX).expect(wire);
            body.extend_from_slice(&rest[data]);
            rest = &rest[used..];
            if used == 0 {
                break;
            }
        }
        assert!(rest.is_empty() && decoder.closed(), "{wire:?}");
        (head, body)
    }

    #[test]
    fn write_head_refuses_what_would_break_the_head_and_changes_nothing() {
        // Fields given to write_head, and its error's words (None: accepted). Whatever
        // happens, what goes out is a response our own parser reads, with the body sent.
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: [Case; 13] = [
            (&[("Content-Length", "2")], None),
            (&[("Transfer-Encoding", "chunked")], None),
            // Another coding: the body ends with the connection (RFC 9112 §6.1, §6.3).
            (&[("Transfer-Encoding", "gzip")], None),
            // Not `chunked`, though it holds the word: as another coding.
            (&[("Transfer-Encoding", "xchunked")], None),
            (
                &[("Content-Length", "abc")],
                Some(r#"Invalid value "abc" for header "Content-Length""#),
            ),
            (
                &[("Content-Length", "-2")],
                Some(r#"Invalid value "-2" for header "Content-Length""#),
            ),
            (
                &[("Content-Length", "")],
                Some(r#"Invalid value "" for header "Content-Length""#),
            ),
            (
                &[("Content-Length", "2"), ("Transfer-Encoding", "chunked")],
                Some("Content-Length with Transfer-Encoding"),
            ),
            (
                &[("Transfer-Encoding", "chunked, gzip")],
                Some("chunked is not the last transfer coding"),
            ),
            (
                &[("X", "a\r\nContent-Length: 0")],
                Some(r#"Invalid character in header content ["X"]"#),
            ),
            (
                &[("X", "a\0")],
                Some(r#"Invalid character in header content ["X"]"#),
            ),
            (
                &[("X Y", "1")],
                Some(r#"Header name must be a valid HTTP token ["X Y"]"#),
            ),
            (
                &[("", "1")],
                Some(r#"Header name must be a valid HTTP token [""]"#),
            ),
        ];
        for (fields, refused) in cases {
            for stored in [false, true] {
                let wire = sent(false, |res| {
                    if stored {
                        res.set_header("X-Kept", "1").unwrap();
                    }
                    let said = res.write_head(201, fields).err().map(|e| e.to_string());
                    assert_eq!(said.as_deref(), refused, "{fields:?}");
                    // Refused: as before the call (the stored field kept, status 200).
                    let kept = res.header("x-kept").is_some();
                    assert_eq!(
                        (res.status_code(), kept),
                        (if refused.is_some() { 200 } else { 201 }, stored)
                    );
                    res.end(b"hi").unwrap();
                });
                let (head, body) = read_back(&wire, "GET");
                assert_eq!(body, b"hi", "{wire:?}");
                assert_eq!(head.status, if refused.is_some() { 200 } else { 201 });
            }
        }
        // Given to write_head alone, fields go to the head as they are, so two lengths are
        // two; merged into set_header's, the second replaces the first.
        let twice = [("Content-Length", "2"), ("Content-Length", "2")];
        let wire = sent(false, |res| {
            let said = res.write_head(200, &twice).unwrap_err();
            assert_eq!(said.to_string(), "Content-Length given twice");
            res.end(b"hi").unwrap();
        });
        assert_eq!(read_back(&wire, "GET").1, b"hi");
    }

    #[test]
    fn set_header_and_append_header_refuse_as_write_head_does() {
        let wire = sent(false, |res| {
            let said = |r: Result<(), InvalidHead>| r.err().map(|e| e.to_string());
            assert_eq!(
                said(res.set_header("Content-Length", "1.5")),
                Some(r#"Invalid value "1.5" for header "Content-Length""#.into())
            );
            assert_eq!(
                said(res.set_header("X", "a\nb")),
                Some(r#"Invalid character in header content ["X"]"#.into())
            );
            assert_eq!(
                said(res.append_header("X:", "1")),
                Some(r#"Header name must be a valid HTTP token ["X:"]"#.into())
            );
            res.set_header("Content-Length", "3").unwrap();
            res.set_header("content-length", "2").unwrap(); // replaces it
            assert_eq!(
                said(res.append_header("Content-Length", "2")),
                Some("Content-Length given twice".into())
            );
            assert_eq!(
                said(res.set_header("Transfer-Encoding", "chunked")),
                Some("Content-Length with Transfer-Encoding".into())
            );
            assert_eq!(
                said(res.write_head(1000, &[])),
                Some("Invalid status code: 1000".into())
            );
            assert_eq!(
                said(res.write_head(99, &[])),
                Some("Invalid status code: 99".into())
            );
            res.end(b"hi").unwrap();
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nDate: D\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhi"
        );
        read_back(&wire, "GET");
    }

    #[test]
    fn a_head_fixed_already_cannot_change_in_node_s_words() {
        let sent_twice = |r: Result<(), InvalidHead>| {
            let e = r.expect_err("the head is fixed");
            assert_eq!(e.code(), Some("ERR_HTTP_HEADERS_SENT"));
            e.to_string()
        };
        // Fixed by write_head, not sent yet; then sent with the first body bytes.
        for written in [false, true] {
            let wire = sent(false, |res| {
                res.write_head(201, &[("Content-Length", "2")]).unwrap();
                if written {
                    res.write(b"h").unwrap();
                }
                assert_eq!(
                    sent_twice(res.write_head(500, &[("X", "1")])),
                    "Cannot write headers after they are sent to the client"
                );
                assert_eq!(
                    sent_twice(res.set_header("X", "1")),
                    "Cannot set headers after they are sent to the client"
                );
                assert_eq!(
                    sent_twice(res.append_header("X", "1")),
                    "Cannot append headers after they are sent to the client"
                );
                res.end(if written { b"i" } else { b"hi" }).unwrap();
            });
            let (head, body) = read_back(&wire, "GET");
            assert_eq!((head.status, &body[..]), (201, &b"hi"[..]), "{wire:?}");
            assert!(!wire.contains("X: 1"), "{wire:?}");
        }
    }

    #[test]
    fn every_framing_the_server_chooses_is_one_its_parser_reads() {
        // A handler's ways of ending a response, each on a GET, a HEAD, and with a bodiless
        // status: the client's parser reads every one, and finds the body that was sent.
        type Respond = fn(&mut Response<'_>, u16);
        let ways: [(&str, Respond); 5] = [
            ("end(data)", |res, status| {
                res.write_head(status, &[]).unwrap();
                res.end(b"hi").unwrap();
            }),
            ("implicit head", |res, status| {
                res.set_header("X", "1").unwrap();
                res.write_head(status, &[]).unwrap();
                res.write(b"h").unwrap();
                res.end(b"i").unwrap();
            }),
            ("Content-Length", |res, status| {
                res.write_head(status, &[("Content-Length", "2")]).unwrap();
                res.write(b"hi").unwrap();
                res.end(b"").unwrap();
            }),
            ("chunked", |res, status| {
                res.write_head(status, &[("Transfer-Encoding", "chunked")])
                    .unwrap();
                res.end(b"hi").unwrap();
            }),
            ("Connection: close", |res, status| {
                res.write_head(status, &[("Connection", "close")]).unwrap();
                res.end(b"hi").unwrap();
            }),
        ];
        for (way, respond) in ways {
            for (head_request, status) in [(false, 200), (true, 200), (false, 204), (false, 304)] {
                let wire = sent(head_request, |res| respond(res, status));
                let method = if head_request { "HEAD" } else { "GET" };
                let (_, body) = read_back(&wire, method);
                let expected: &[u8] = if head_request || status != 200 {
                    b""
                } else {
                    b"hi"
                };
                assert_eq!(body, expected, "{way} {method} {status}: {wire:?}");
            }
        }
    }
}
