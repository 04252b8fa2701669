//! HTTP请求 — the request a handler receives: Node's `http.IncomingMessage` (`req`).
//!
//! ```text
//!   Node                          here
//!   req.method                    req.method()        "GET"
//!   req.url                       req.url()           "/headers?x=1"
//!   req.httpVersion               req.http_version()  "1.1"
//!   req.headers                   req.headers()       names lowercased, repeats merged
//!   req.rawHeaders                req.raw_headers()   [name, value, name, value, ...] as sent
//!   req.on('data') / ('end')      req.read(&mut buf)  std::io::Read: Ok(0) is 'end'
//! ```
//!
//! The body is read as a stream, straight from the connection: nothing is buffered ahead of
//! the handler beyond what one socket read brought. Framing (`Content-Length` or chunked) is
//! undone here, so the handler sees only the body's bytes. A body that breaks its framing,
//! passes the server's maximum, or does not arrive in time makes `read` fail; the server then
//! answers (if it still can) and closes the connection.

use super::message::{
    headers_object, raw_headers, BodyDecoder, Fields, Framing, HeaderValue, ParseError, RequestHead,
};
use crate::tcp::{Inbox, Socket};
use crate::timeout::is_timeout;
use std::io::{self, ErrorKind, Read};
use std::time::Instant;

/// Why a body could not be read: kept so the server can answer after the handler returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// The bytes broke the framing (`400`) or passed the maximum (`413`).
    Parse(ParseError),
    /// The request did not arrive within the request timeout (`408`).
    Timeout,
    /// The client closed the connection in the middle of the body (Node's `aborted`).
    Aborted,
    /// The socket failed.
    Io(ErrorKind),
}

/// A request, as a handler sees it: the parsed head and a body to read.
#[derive(Debug)]
pub struct Request<'c> {
    head: &'c RequestHead,
    body: BodyDecoder,
    socket: &'c Socket,
    inbox: &'c mut Inbox,
    deadline: Instant,
    max_body: u64,
    received: u64,
    error: Option<BodyError>,
}

impl<'c> Request<'c> {
    pub(crate) fn new(
        head: &'c RequestHead,
        framing: Framing,
        socket: &'c Socket,
        inbox: &'c mut Inbox,
        deadline: Instant,
        max_body: u64,
    ) -> Request<'c> {
        Request {
            head,
            body: BodyDecoder::new(framing.into()),
            socket,
            inbox,
            deadline,
            max_body,
            received: 0,
            error: None,
        }
    }

    /// `req.method`: `GET`, `POST`, ...
    pub fn method(&self) -> &str {
        self.head.method
    }

    /// `req.url`: the request-target as sent.
    pub fn url(&self) -> &str {
        self.head.target()
    }

    /// `req.httpVersion`: `"1.0"` or `"1.1"`.
    pub fn http_version(&self) -> &'static str {
        self.head.version.as_str()
    }

    /// `req.headers`: names lowercased, repeated fields merged by Node's rules.
    pub fn headers(&self) -> Vec<(String, HeaderValue)> {
        headers_object(self.head.fields())
    }

    /// `req.rawHeaders`: names and values as sent, alternating, in order.
    pub fn raw_headers(&self) -> Vec<&str> {
        raw_headers(self.head.fields())
    }

    /// The parsed head, fields in arrival order.
    pub fn head(&self) -> &RequestHead {
        self.head
    }

    /// `req.trailers`: fields sent after a chunked body, once it has been read to the end.
    pub fn trailers(&self) -> &Fields {
        self.body.trailers()
    }

    /// Whether the whole body has been read.
    pub fn complete(&self) -> bool {
        self.body.is_done()
    }

    /// What went wrong reading the body, if anything did.
    pub fn body_error(&self) -> Option<BodyError> {
        self.error
    }

    /// Reads what is left of the body and throws it away, so the next request on the
    /// connection can be read. Bounded by the body maximum and the request timeout. The
    /// bytes are dropped where they lie in the inbox: nothing is copied, and a request
    /// without a body costs nothing here.
    pub(crate) fn discard(&mut self) -> Result<(), BodyError> {
        loop {
            match self.next_piece(usize::MAX, |_| {}) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(_) => return Err(self.error.unwrap_or(BodyError::Io(ErrorKind::Other))),
            }
        }
    }

    fn fail(&mut self, error: BodyError) -> io::Error {
        self.error = Some(error);
        match error {
            BodyError::Parse(e) => io::Error::new(ErrorKind::InvalidData, e),
            BodyError::Timeout => ErrorKind::TimedOut.into(),
            BodyError::Aborted => io::Error::new(ErrorKind::UnexpectedEof, "aborted"),
            BodyError::Io(kind) => kind.into(),
        }
    }

    /// Makes sure some bytes are waiting, reading from the socket if none are.
    fn fill_if_empty(&mut self) -> io::Result<()> {
        if !self.inbox.available().is_empty() {
            return Ok(());
        }
        match self.inbox.fill(self.socket, self.deadline) {
            Ok(0) => Err(self.fail(BodyError::Aborted)),
            Ok(_) => Ok(()),
            Err(e) if is_timeout(&e) => Err(self.fail(BodyError::Timeout)),
            Err(e) => Err(self.fail(BodyError::Io(e.kind()))),
        }
    }

    fn count(&mut self, n: usize) -> io::Result<()> {
        self.received += n as u64;
        if self.received > self.max_body {
            return Err(self.fail(BodyError::Parse(ParseError::BodyTooLarge)));
        }
        Ok(())
    }
}

impl Request<'_> {
    /// Finds the next body bytes waiting in the inbox (reading the socket if none are),
    /// at most `max` of them, framing removed; hands them to `take`, then consumes them.
    /// Returns how many there were: 0 is the end of the body.
    fn next_piece(&mut self, max: usize, take: impl FnOnce(&[u8])) -> io::Result<usize> {
        if let Some(error) = self.error {
            return Err(self.fail(error));
        }
        while !self.body.is_done() {
            self.fill_if_empty()?;
            let available = self.inbox.available();
            let (used, data) = match self.body.decode(available, max) {
                Ok(decoded) => decoded,
                Err(e) => return Err(self.fail(BodyError::Parse(e))),
            };
            let n = data.len();
            if n > 0 {
                take(&available[data]);
                self.inbox.consume(used);
                self.count(n)?;
                return Ok(n);
            }
            // Only framing bytes so far: go round for more.
            self.inbox.consume(used);
        }
        Ok(0)
    }
}

impl Read for Request<'_> {
    /// Reads body bytes (framing removed). `Ok(0)` is the end of the body: Node's `end`.
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return match self.error {
                Some(error) => Err(self.fail(error)),
                None => Ok(0),
            };
        }
        self.next_piece(out.len(), |piece| out[..piece.len()].copy_from_slice(piece))
    }
}
