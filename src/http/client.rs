//! The HTTP client — `http.request`, and the client's side of HTTP服务事件 (`socket`,
//! `continue`, `response`, `upgrade`, `connect`).
//!
//! The book's client:
//!
//! ```js
//! var req = http.request({ hostname: '127.0.0.1', port: 1337, path: '/', method: 'GET' },
//!   function (res) {
//!     console.log('STATUS: ' + res.statusCode);
//!     console.log('HEADERS: ' + JSON.stringify(res.headers));
//!     res.setEncoding('utf8');
//!     res.on('data', function (chunk) { console.log(chunk); });
//!   });
//! req.end();
//! ```
//!
//! Here a request is a value you write to and end, and its events come out of
//! [`ClientRequest::next_event`], one blocking call each, in the order Node would emit them:
//!
//! ```no_run
//! use netnotes::http::client::{request, ClientRequestEvent, RequestOptions};
//! let mut req = request(RequestOptions::new("127.0.0.1", 1337)).unwrap();
//! req.end(b"").unwrap();
//! loop {
//!     match req.next_event().unwrap() {
//!         ClientRequestEvent::Socket { .. } => {}                  // req.on('socket')
//!         ClientRequestEvent::Response(mut res) => {               // the callback: req.on('response')
//!             println!("STATUS: {}", res.status_code());
//!             while let Some(piece) = res.next_piece().unwrap() { // res.on('data')
//!                 println!("{}", String::from_utf8_lossy(&piece));
//!             }                                              // None: res.on('end')
//!             break;
//!         }
//!         _ => break,
//!     }
//! }
//! ```
//!
//! The life of one request, with an [`Agent`]:
//!
//! ```text
//!   caller                    ClientRequest / IncomingMessage          agent          server
//!     │ request(options) ──────▶ acquire(host:port) ──────────────────▶ │ (may queue)
//!     │                          'socket' (new, or reused)  ◀─────────── │
//!     │ write(..) / end(..) ───▶ head (+ body) ─────────────────────────────────────▶ │
//!     │ next_event() ──────────▶ read until a head ◀──────────── HTTP/1.1 100 ──────── │
//!     │ ◀── Continue             (only after Expect: 100-continue)
//!     │ next_event() ──────────▶ read until a head ◀──────────── HTTP/1.1 200 ──────── │
//!     │ ◀── Response(res)        framing from RFC 9112 §6.3
//!     │ res.next_piece() ──────▶ one read, cut at chunk boundaries ◀──── body ──────── │
//!     │ ◀── Some(bytes) ...      'data'
//!     │ ◀── None                 'end' ─── keep-alive? ── release ──▶ │ free, or next
//!     │                                                                │ in the queue
//! ```
//!
//! A `101` answer is `Upgrade`, any answer to `CONNECT` is `Connect`: both hand over the
//! connection ([`Upgraded`]), which leaves the pool. A response that breaks the protocol is
//! an error worded as Node words it ([`ClientError`]). Nothing hangs: the response's heads
//! (interim `1xx` ones included) must all come within the timeout ([`DEFAULT_TIMEOUT`]), and
//! then each read of the body waits at most as long.

use super::agent::{AcquireError, Agent, Connection, Lease};
use super::message::{
    check_field_line, check_framing, headers_object, parse_response_head, push_chunk, raw_headers,
    request_head, BodyDecoder, DeclaredFraming, Fields, HeadFinder, HeadWriter, HeaderValue,
    InvalidHead, ParseError, ResponseFraming, ResponseHead, LAST_CHUNK, MAX_HEADERS,
    MAX_HEADER_BYTES,
};
use super::reader::{self, HeadError};
use crate::error::NodeError;
use crate::tcp::Inbox;
use crate::timeout::is_timeout;
use crate::trace::Trace;
use std::fmt;
use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long the server has for the response head, and then for each read of the body: 120 s,
/// Node's old default socket timeout (and `server.timeout` before Node 13), which the book's
/// readers met.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The most request bytes kept to resend when a reused connection turns out closed. A
/// request larger than this is not retried.
pub const MAX_REPLAY_BYTES: usize = 64 * 1024;

/// A request that failed, with Node's `err.message` as its `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The connection could not be opened: `connect ECONNREFUSED 127.0.0.1:1337`,
    /// `getaddrinfo ENOTFOUND host`.
    Connect(NodeError),
    /// The connection failed: `read ECONNRESET`, `write EPIPE`.
    Io(NodeError),
    /// The server closed the connection before a whole response head: `socket hang up`.
    HangUp,
    /// The response head did not come within the timeout, or the agent had no connection
    /// for the request within it (Node: the `timeout` event, then `req.destroy()`): also
    /// `socket hang up`.
    Timeout,
    /// The response was cut short — closed, reset or silent in the middle of the body:
    /// `aborted`.
    Aborted,
    /// The bytes are not an acceptable HTTP response: `Parse Error: Expected HTTP/, RTSP/ or
    /// ICE/`.
    Parse(ParseError),
    /// The request's own head cannot be written (a method, path or field the head writer
    /// refuses), found before anything is sent, as Node's `http.request` throws:
    /// `Method must be a valid HTTP token ["G T"]`.
    Head(InvalidHead),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect(e) | ClientError::Io(e) => write!(f, "{e}"),
            ClientError::HangUp | ClientError::Timeout => f.write_str("socket hang up"),
            ClientError::Aborted => f.write_str("aborted"),
            ClientError::Parse(e) => write!(f, "Parse Error: {}", node_parse_reason(*e)),
            ClientError::Head(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// The reason Node's parser (llhttp) gives for each broken rule, as Node 20 prints it after
/// `Parse Error: ` (checked against Node 20.20 with a server sending each case). Bytes that
/// are not HTTP get llhttp's full words, though this client speaks neither RTSP nor ICE.
pub fn node_parse_reason(error: ParseError) -> &'static str {
    match error {
        ParseError::ExpectedHttp => "Expected HTTP/, RTSP/ or ICE/",
        ParseError::BadStatus => "Invalid status code",
        ParseError::BadVersion => "Invalid HTTP version",
        ParseError::HeadTooLarge | ParseError::TooManyFields => "Header overflow",
        ParseError::BareLineFeed => "Missing expected CR after header value",
        ParseError::MissingColon | ParseError::BadFieldName => "Invalid header token",
        ParseError::ObsFold => "Unexpected whitespace after header value",
        ParseError::BadFieldValue => "Invalid header value char",
        ParseError::BadContentLength => "Invalid character in Content-Length",
        ParseError::DuplicateContentLength => "Duplicate Content-Length",
        ParseError::ContentLengthWithTransferEncoding => {
            "Transfer-Encoding can't be present with Content-Length"
        }
        ParseError::BadChunkSize => "Invalid character in chunk size",
        ParseError::ChunkSizeOverflow => "Chunk size overflow",
        ParseError::MissingChunkTerminator => "Missing expected CR after chunk data",
        // Request-side rules: a response cannot break them.
        ParseError::BadRequestLine
        | ParseError::UnknownMethod
        | ParseError::BadTarget
        | ParseError::MissingHost
        | ParseError::BadTransferEncoding
        | ParseError::BodyTooLarge => "Invalid response",
    }
}

/// What `http.request(options)` takes.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// `hostname`: a name or an address (an IPv6 literal with or without brackets).
    pub host: String,
    /// `port`.
    pub port: u16,
    /// `method`, `GET` by default.
    pub method: String,
    /// `path`, `/` by default: the request-target as sent.
    pub path: String,
    /// `headers`, sent in this order, before `Host`.
    pub headers: Vec<(String, String)>,
    /// `agent`: the pool to take the connection from; `None` is Node's `agent: false`, a
    /// connection of its own, closed after the response (and `Connection: close` sent).
    pub agent: Option<Agent>,
    /// How long the response head may take, interim `1xx` heads included, and then each read
    /// of the body (Node's `timeout` option, then `destroy()`).
    pub timeout: Duration,
    /// How long opening a connection may take (`None`: the kernel's limit, about 2 min).
    pub connect_timeout: Option<Duration>,
    /// What `host` resolves to, when the caller has looked it up already (Node's `lookup`
    /// option, answering with these): a new connection goes to one of these and the name is
    /// not looked up again, so what the caller checked is what is connected to. `None`: looked
    /// up when connecting.
    pub resolved: Option<Vec<SocketAddr>>,
    /// Where the client's events are traced (module `http`).
    pub trace: Trace,
}

impl RequestOptions {
    /// `GET /` to `host:port`, without an agent, with the default timeout, tracing nothing.
    pub fn new(host: &str, port: u16) -> RequestOptions {
        RequestOptions {
            host: crate::addr::unbracket(host).to_string(),
            port,
            method: "GET".to_string(),
            path: "/".to_string(),
            headers: Vec::new(),
            agent: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: None,
            resolved: None,
            trace: Trace::off("http"),
        }
    }

    /// Whether the request line and the fields can be written, checked as `http.request`
    /// checks them before it connects: the method a token, the path without spaces or control
    /// bytes, each field valid, and the framing fields one way to frame the body (a
    /// `Transfer-Encoding` must end in `chunked`, RFC 9112 §6.1).
    ///
    /// ```
    /// use netnotes::http::client::RequestOptions;
    /// let mut options = RequestOptions::new("127.0.0.1", 1337);
    /// options.path = "/a b".to_string();
    /// assert_eq!(options.check().unwrap_err().to_string(), "Request path contains unescaped characters");
    /// ```
    pub fn check(&self) -> Result<(), InvalidHead> {
        HeadWriter::request(&self.method, &self.path, 0)?;
        for (name, value) in &self.headers {
            check_field_line(name, value)?;
        }
        request_framing(&self.headers).map(drop)
    }

    /// The `Host` field Node sends, by [`crate::addr::authority`]'s rule: `host:port`, IPv6
    /// in brackets, no port if it is 80 (`http://`'s default).
    pub fn host_field(&self) -> String {
        crate::addr::authority(&self.host, self.port, 80)
    }
}

/// A request's framing fields, checked: one valid `Content-Length`, or a `Transfer-Encoding`
/// ending in `chunked` (RFC 9112 §6.1-6.3; a server answers any other request `400`).
fn request_framing(fields: &[(String, String)]) -> Result<DeclaredFraming, InvalidHead> {
    let pairs = fields.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let declared = check_framing(pairs)?;
    if declared.transfer_encoding && !declared.chunked {
        return Err(InvalidHead::Framing(ParseError::BadTransferEncoding));
    }
    Ok(declared)
}

/// RFC 9110 §9.2.2: methods whose repetition has the effect of one request. Only these are
/// retried after a reused connection fails.
pub fn idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE"
    )
}

/// One event of a client request, named as Node names it.
#[derive(Debug)]
pub enum ClientRequestEvent {
    /// `socket`: the request has its connection — `reused` from the pool, or new.
    Socket {
        /// The server's address.
        remote: SocketAddr,
        /// Whether the connection carried a request before (`req.reusedSocket`).
        reused: bool,
    },
    /// `continue`: the server answered `100 Continue` (the request sent
    /// `Expect: 100-continue` and waits to send its body).
    Continue,
    /// `information`: another 1xx (`102 Processing`, `103 Early Hints`).
    Information(ResponseHead),
    /// `response`: the final response head; its body is read from the message (boxed: it
    /// carries the connection and its buffer, much more than the other events).
    Response(Box<IncomingMessage>),
    /// `upgrade`: `101 Switching Protocols`; the connection is the caller's now.
    Upgrade(Upgraded),
    /// `connect`: the answer to a `CONNECT`; on a 2xx the connection is a tunnel.
    Connect(Upgraded),
}

impl ClientRequestEvent {
    /// Node's name for the event.
    pub fn name(&self) -> &'static str {
        match self {
            ClientRequestEvent::Socket { .. } => "socket",
            ClientRequestEvent::Continue => "continue",
            ClientRequestEvent::Information(_) => "information",
            ClientRequestEvent::Response(_) => "response",
            ClientRequestEvent::Upgrade(_) => "upgrade",
            ClientRequestEvent::Connect(_) => "connect",
        }
    }
}

/// What `upgrade` and `connect` hand over: Node's `(res, socket, head)`.
#[derive(Debug)]
pub struct Upgraded {
    /// The response head.
    pub head: ResponseHead,
    /// The connection, out of any pool.
    pub stream: TcpStream,
    /// Bytes that came after the head (the other protocol's first bytes).
    pub rest: Vec<u8>,
}

/// How the request body goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// No body.
    Nothing,
    /// `Content-Length`.
    Length,
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// `http.ClientRequest`: a request being written. Its events come from
/// [`ClientRequest::next_event`].
#[derive(Debug)]
pub struct ClientRequest {
    options: RequestOptions,
    lease: Option<Lease>,
    /// `socket` not yet returned by `next_event`.
    socket_event: Option<ClientRequestEvent>,
    fields: Vec<(String, String)>,
    out: Option<Out>,
    head_sent: bool,
    ended: bool,
    /// What was sent, kept while the request may still be retried on a fresh connection.
    replay: Option<Vec<u8>>,
    retried: bool,
    inbox: Inbox,
    /// Whether any response byte has arrived: after one, no retry.
    answered: bool,
    /// When the response head (interim 1xx heads included) must have come: set by the first
    /// wait for it after the request last sent something.
    head_deadline: Option<Instant>,
}

/// `http.request(options)`: takes a connection (from the agent, which may make the request
/// wait its turn; or a new one) and returns the request, ready to be written.
pub fn request(options: RequestOptions) -> Result<ClientRequest, ClientError> {
    options.check().map_err(ClientError::Head)?;
    let (host, port) = (&options.host, options.port);
    let lease = match &options.agent {
        // The wait for the agent's turn counts against the timeout. Node starts its `timeout`
        // only once the request has a socket, so a request queued behind busy ones waits for
        // ever; here it ends as a timeout does, in Node's words: `socket hang up`.
        Some(agent) => agent
            .acquire_with(
                host,
                port,
                options.resolved.as_deref(),
                options.connect_timeout,
                Some(options.timeout),
            )
            .map_err(|e| match e {
                AcquireError::Connect(e) => ClientError::Connect(e),
                AcquireError::Timeout => {
                    let ms = options.timeout.as_millis();
                    let origin = Agent::origin(host, port);
                    options.trace.emit(
                        "timeout",
                        None,
                        format_args!("no free socket to {origin} within {ms} ms"),
                    );
                    ClientError::Timeout
                }
            })?,
        None => Connection::connect(
            host,
            port,
            options.resolved.as_deref(),
            options.connect_timeout,
        )
        .map(Lease::unpooled)
        .map_err(ClientError::Connect)?,
    };
    let mut fields = options.headers.clone();
    if !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        fields.push(("Host".to_string(), options.host_field()));
    }
    if options.agent.is_none()
        && !fields
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("connection"))
    {
        fields.push(("Connection".to_string(), "close".to_string()));
    }
    let mut req = ClientRequest {
        replay: None,
        options,
        lease: Some(lease),
        socket_event: None,
        fields,
        out: None,
        head_sent: false,
        ended: false,
        retried: false,
        inbox: Inbox::default(),
        answered: false,
        head_deadline: None,
    };
    req.announce_socket();
    Ok(req)
}

impl ClientRequest {
    fn lease(&mut self) -> Result<&mut Lease, ClientError> {
        self.lease.as_mut().ok_or(ClientError::HangUp)
    }

    /// Traces `socket` and queues the event; starts keeping a replay copy if the connection
    /// is reused and the request may be retried.
    fn announce_socket(&mut self) {
        let Some(lease) = self.lease.as_mut() else {
            return;
        };
        let reused = lease.reused();
        let remote = lease.connection().remote_address();
        let how = if reused { "reused" } else { "new" };
        self.options
            .trace
            .emit("socket", Some(remote), format_args!("{how}"));
        self.socket_event = Some(ClientRequestEvent::Socket { remote, reused });
        if reused && !self.retried && idempotent(&self.options.method) {
            self.replay.get_or_insert_with(Vec::new);
        }
    }

    /// Whether the connection carried a request before (Node's `req.reusedSocket`).
    pub fn reused_socket(&self) -> bool {
        self.lease.as_ref().is_some_and(Lease::reused)
    }

    /// `req.method`.
    pub fn method(&self) -> &str {
        &self.options.method
    }

    /// `req.setHeader(name, value)`: replaces a field of that name. Refused, as Node throws,
    /// once the head has gone (`Cannot set headers after they are sent to the client`) or if
    /// the head writer would refuse it.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), InvalidHead> {
        if self.head_sent {
            return Err(InvalidHead::HeadersSent("set"));
        }
        check_field_line(name, value)?;
        let mut fields = self.fields.clone();
        let at = fields
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name));
        fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        let at = at.unwrap_or(fields.len()).min(fields.len());
        fields.insert(at, (name.to_string(), value.to_string()));
        request_framing(&fields)?;
        self.fields = fields;
        Ok(())
    }

    /// `req.flushHeaders()`: sends the head now (a request with `Expect: 100-continue` does,
    /// then waits for `Continue`). Without `Content-Length` the body will be chunked.
    pub fn flush_headers(&mut self) -> Result<(), ClientError> {
        if self.head_sent {
            return Ok(());
        }
        let head = self.fix_head(None)?;
        self.send(head)
    }

    /// `req.write(chunk)`: sends a piece of the body (the head first, if it has not gone);
    /// without `Content-Length`, the body is chunked.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ClientError> {
        let mut wire = Vec::new();
        if !self.head_sent {
            wire = self.fix_head(None)?;
        }
        if !chunk.is_empty() {
            match self.out {
                Some(Out::Chunked) => push_chunk(&mut wire, chunk),
                Some(Out::Length) => wire.extend_from_slice(chunk),
                _ => {}
            }
        }
        self.send(wire)
    }

    /// `req.end(data)`: sends the last of the body. If nothing went before, `data` is the
    /// whole body and goes with a `Content-Length` (none at all for an empty body), as
    /// `http-client` sends it (docs/src/command-line.md).
    pub fn end(&mut self, data: &[u8]) -> Result<(), ClientError> {
        if self.ended {
            return Ok(());
        }
        let mut wire = Vec::new();
        if !self.head_sent {
            wire = self.fix_head(Some(data.len()))?;
        }
        match self.out {
            Some(Out::Chunked) => {
                push_chunk(&mut wire, data);
                wire.extend_from_slice(LAST_CHUNK);
            }
            Some(Out::Length) => wire.extend_from_slice(data),
            _ => {}
        }
        self.ended = true;
        self.send(wire)
    }

    /// Decides the framing of the body, adds its field, and writes the head. `whole`: the
    /// body's length when `end(data)` alone makes it.
    fn fix_head(&mut self, whole: Option<usize>) -> Result<Vec<u8>, ClientError> {
        let declared = request_framing(&self.fields).map_err(ClientError::Head)?;
        let out = if declared.length.is_some() {
            Out::Length
        } else if declared.chunked {
            Out::Chunked
        } else {
            match whole {
                Some(0) => Out::Nothing,
                Some(len) => {
                    self.fields
                        .push(("Content-Length".to_string(), len.to_string()));
                    Out::Length
                }
                None => {
                    self.fields
                        .push(("Transfer-Encoding".to_string(), "chunked".to_string()));
                    Out::Chunked
                }
            }
        };
        let head = request_head(&self.options.method, &self.options.path, &self.fields)
            .map_err(ClientError::Head)?;
        self.out = Some(out);
        self.head_sent = true;
        Ok(head)
    }

    /// Writes `wire`, keeping a copy while a retry is possible. A write that fails on a
    /// reused connection is retried on a fresh one.
    fn send(&mut self, wire: Vec<u8>) -> Result<(), ClientError> {
        if wire.is_empty() {
            return Ok(());
        }
        // The server's answer is awaited anew from here (after `100 Continue`, say).
        self.head_deadline = None;
        if let Some(replay) = &mut self.replay {
            if replay.len() + wire.len() <= MAX_REPLAY_BYTES {
                replay.extend_from_slice(&wire);
            } else {
                self.replay = None;
            }
        }
        match self.lease()?.connection().write_all(&wire) {
            Ok(()) => Ok(()),
            // The server closed the reused connection before our bytes arrived.
            Err(_) if self.can_retry() => self.retry(),
            Err(e) => {
                self.lease = None;
                Err(ClientError::Io(NodeError::syscall("write", &e)))
            }
        }
    }

    fn can_retry(&self) -> bool {
        self.replay.is_some() && !self.retried && !self.answered && self.reused_socket()
    }

    /// The one retry: a fresh connection in the same place, and everything sent so far
    /// sent again.
    fn retry(&mut self) -> Result<(), ClientError> {
        self.retried = true;
        let replay = self.replay.take().unwrap_or_default();
        let lease = self.lease.take().ok_or(ClientError::HangUp)?;
        let o = &self.options;
        o.trace.emit(
            "retry",
            None,
            format_args!(
                "{} {} on a fresh socket: the reused one was closed",
                o.method, o.path
            ),
        );
        let lease = lease
            .reconnect(&o.host, o.port, o.resolved.as_deref(), o.connect_timeout)
            .map_err(ClientError::Connect)?;
        self.lease = Some(lease);
        self.inbox = Inbox::default();
        self.head_deadline = None;
        self.announce_socket();
        self.socket_event = None; // the caller already had its 'socket'; the trace shows this one
        self.lease()?
            .connection()
            .write_all(&replay)
            .map_err(|e| ClientError::Io(NodeError::syscall("write", &e)))
    }

    /// Waits for the next event: `Socket` first, then — once the head has been sent (this
    /// sends it if need be) — `Continue` or `Information` for each 1xx, and finally one of
    /// `Response`, `Upgrade` or `Connect`, which take the connection along.
    pub fn next_event(&mut self) -> Result<ClientRequestEvent, ClientError> {
        if let Some(event) = self.socket_event.take() {
            return Ok(event);
        }
        if !self.head_sent {
            self.flush_headers()?;
        }
        let head = self.read_head()?;
        let trace = self.options.trace;
        let method = self.options.method.clone();
        if head.status == 101 || method == "CONNECT" {
            let event = if head.status == 101 {
                "upgrade"
            } else {
                "connect"
            };
            trace.emit(event, None, format_args!("{}", head.status));
            let lease = self.lease.take().ok_or(ClientError::HangUp)?;
            let upgraded = Upgraded {
                head,
                stream: lease.detach().into_stream(),
                rest: self.inbox.take(),
            };
            return Ok(if event == "upgrade" {
                ClientRequestEvent::Upgrade(upgraded)
            } else {
                ClientRequestEvent::Connect(upgraded)
            });
        }
        if head.status == 100 {
            trace.emit("continue", None, format_args!(""));
            return Ok(ClientRequestEvent::Continue);
        }
        if head.status < 200 {
            trace.emit("information", None, format_args!("{}", head.status));
            return Ok(ClientRequestEvent::Information(head));
        }
        let framing = head.framing(&method).map_err(ClientError::Parse)?;
        trace.emit("response", None, format_args!("{}", head.status));
        let lease = self.lease.take().ok_or(ClientError::HangUp)?;
        let mut res = IncomingMessage {
            keep_alive: head.keep_alive() && framing != ResponseFraming::UntilClose,
            head,
            body: BodyDecoder::new(framing),
            lease: Some(lease),
            inbox: std::mem::take(&mut self.inbox),
            timeout: self.options.timeout,
            trace,
        };
        if res.body.is_done() {
            res.finish();
        }
        Ok(ClientRequestEvent::Response(Box::new(res)))
    }

    /// Reads the next response head, interim or final, and parses it. The timeout is for
    /// the whole of the answer's heads, however they come (a byte at a time, or an endless
    /// series of `102 Processing`), not for each read.
    fn read_head(&mut self) -> Result<ResponseHead, ClientError> {
        loop {
            let timeout = self.options.timeout;
            let deadline = *self
                .head_deadline
                .get_or_insert_with(|| Instant::now() + timeout);
            let Some(lease) = self.lease.as_mut() else {
                return Err(ClientError::HangUp);
            };
            let answered = &mut self.answered;
            let read = |buf: &mut Vec<u8>, wait| {
                let n = lease.connection().read_into(buf, Some(wait))?;
                *answered |= n > 0;
                Ok(n)
            };
            let finder = HeadFinder::response(MAX_HEADER_BYTES);
            let parse = |head: Vec<u8>| parse_response_head(head, MAX_HEADERS);
            let error = match reader::read_head(&mut self.inbox, finder, deadline, read, parse) {
                Ok(head) => return Ok(head),
                Err(error) => error,
            };
            match error {
                HeadError::Parse(e) => return Err(self.fail(ClientError::Parse(e))),
                HeadError::Io(e) if is_timeout(&e) => {
                    self.options.trace.emit("timeout", None, format_args!(""));
                    return Err(self.fail(ClientError::Timeout));
                }
                // The reused connection was closed by the server before it read the request.
                HeadError::Closed | HeadError::Io(_)
                    if self.inbox.available().is_empty() && self.can_retry() =>
                {
                    self.retry()?
                }
                HeadError::Closed => return Err(self.fail(ClientError::HangUp)),
                HeadError::Io(e) => {
                    return Err(self.fail(ClientError::Io(NodeError::syscall("read", &e))))
                }
            }
        }
    }

    /// Closes the connection (Node's `destroy`) and passes the error on.
    fn fail(&mut self, error: ClientError) -> ClientError {
        self.lease = None;
        error
    }
}

/// `http.IncomingMessage` on the client side: the response, `res`. Its body is read piece
/// by piece ([`IncomingMessage::next_piece`], Node's `data` events) or as a
/// [`std::io::Read`]. Read to its end on a keep-alive connection, it gives the connection
/// back to the agent (Node's `free`); dropped earlier, it closes it.
#[derive(Debug)]
pub struct IncomingMessage {
    head: ResponseHead,
    body: BodyDecoder,
    keep_alive: bool,
    lease: Option<Lease>,
    inbox: Inbox,
    timeout: Duration,
    trace: Trace,
}

impl IncomingMessage {
    /// `res.statusCode`.
    pub fn status_code(&self) -> u16 {
        self.head.status
    }

    /// `res.statusMessage`: the reason phrase as sent.
    pub fn status_message(&self) -> &str {
        &self.head.reason
    }

    /// `res.httpVersion`: `"1.0"` or `"1.1"`.
    pub fn http_version(&self) -> &'static str {
        self.head.version.as_str()
    }

    /// `res.headers`: names lowercased, in arrival order, repeats merged by Node's rules.
    pub fn headers(&self) -> Vec<(String, HeaderValue)> {
        headers_object(&self.head.fields)
    }

    /// `res.rawHeaders`: names and values as sent, alternating.
    pub fn raw_headers(&self) -> Vec<&str> {
        raw_headers(&self.head.fields)
    }

    /// The parsed head.
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }

    /// `res.complete`: the whole body has been read.
    pub fn complete(&self) -> bool {
        self.body.is_done()
    }

    /// `res.trailers`: the fields after a chunked body, once it has been read.
    pub fn trailers(&self) -> &Fields {
        self.body.trailers()
    }

    /// The next piece of the body — Node's `data` event: the body bytes of one socket read,
    /// cut at every chunk boundary — or `None` at the end (Node's `end`).
    pub fn next_piece(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        self.piece(usize::MAX)
    }

    /// As [`IncomingMessage::next_piece`], at most `max` bytes (the rest stays for the next
    /// call).
    fn piece(&mut self, max: usize) -> Result<Option<Vec<u8>>, ClientError> {
        while !self.body.is_done() {
            if self.inbox.available().is_empty() {
                if self.read()? == 0 {
                    // The server closed: the end of a close-delimited body, else a cut one.
                    if !self.body.closed() {
                        return Err(self.abort());
                    }
                    self.finish();
                }
                continue;
            }
            let available = self.inbox.available();
            let (used, data) = self
                .body
                .decode(available, max)
                .map_err(ClientError::Parse)?;
            let piece = available[data].to_vec();
            self.inbox.consume(used);
            if self.body.is_done() {
                self.finish();
            }
            if !piece.is_empty() {
                return Ok(Some(piece));
            }
        }
        Ok(None)
    }

    /// Reads the rest of the body and throws it away (so the connection can be reused).
    pub fn discard(&mut self) -> Result<(), ClientError> {
        while self.next_piece()?.is_some() {}
        Ok(())
    }

    fn read(&mut self) -> Result<usize, ClientError> {
        let timeout = self.timeout;
        let Some(lease) = self.lease.as_mut() else {
            return Err(ClientError::Aborted);
        };
        let read = |buf: &mut Vec<u8>| lease.connection().read_into(buf, Some(timeout));
        match self.inbox.fill_with(read) {
            Ok(n) => Ok(n),
            Err(e) => {
                if is_timeout(&e) {
                    self.trace.emit("timeout", None, format_args!(""));
                }
                Err(self.abort())
            }
        }
    }

    fn abort(&mut self) -> ClientError {
        self.trace.emit("aborted", None, format_args!(""));
        self.lease = None;
        ClientError::Aborted
    }

    /// The body is complete: the connection goes back to the pool if it can carry another
    /// request — keep-alive, and nothing after the body (bytes there would be a broken
    /// server's, and would be read as the next response).
    fn finish(&mut self) {
        let clean = self.inbox.available().is_empty();
        if let Some(lease) = self.lease.take() {
            if self.keep_alive && clean {
                lease.release();
            }
        }
        self.inbox = Inbox::default();
    }
}

impl Read for IncomingMessage {
    /// Reads body bytes (framing removed); `Ok(0)` is the end. Errors are `InvalidData`
    /// (parse), `UnexpectedEof` (aborted) or the socket's own.
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        match self.piece(out.len()) {
            Ok(None) => Ok(0),
            Ok(Some(piece)) => {
                out[..piece.len()].copy_from_slice(&piece);
                Ok(piece.len())
            }
            Err(ClientError::Parse(e)) => Err(io::Error::new(ErrorKind::InvalidData, e)),
            Err(ClientError::Aborted) => Err(io::Error::new(ErrorKind::UnexpectedEof, "aborted")),
            Err(e) => Err(io::Error::other(e)),
        }
    }
}

/// Node's `StringDecoder` for UTF-8, which `res.setEncoding('utf8')` puts between the
/// socket and the `data` events: each piece is decoded as far as it holds whole characters;
/// a character split across pieces is carried over to the next; bytes that can never be
/// UTF-8 become U+FFFD (one per maximal invalid run, as V8 and Rust both count them).
///
/// ```
/// use netnotes::http::client::Utf8Decoder;
/// let mut decoder = Utf8Decoder::default();
/// assert_eq!(decoder.write(b"caf\xc3"), "caf");
/// assert_eq!(decoder.write(b"\xa9!"), "é!");
/// assert_eq!(decoder.write(b"\xc3"), "");
/// assert_eq!(decoder.end(), "\u{FFFD}");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Utf8Decoder {
    carry: Vec<u8>,
}

impl Utf8Decoder {
    /// `decoder.write(buffer)`: the text of the whole characters so far.
    pub fn write(&mut self, bytes: &[u8]) -> String {
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(bytes);
        let mut text = String::new();
        let mut rest = &input[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(valid) => {
                    text.push_str(valid);
                    return text;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match e.error_len() {
                        Some(bad) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            rest = &after[bad..];
                        }
                        None => {
                            // The start of a character whose other bytes have not come yet.
                            self.carry = after.to_vec();
                            return text;
                        }
                    }
                }
            }
        }
    }

    /// `decoder.end()`: a character left unfinished at the end is one U+FFFD.
    pub fn end(&mut self) -> String {
        if std::mem::take(&mut self.carry).is_empty() {
            String::new()
        } else {
            char::REPLACEMENT_CHARACTER.to_string()
        }
    }
}

#[cfg(test)]
mod tests;
