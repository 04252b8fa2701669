//! HTTP模块 and HTTP服务事件 — the HTTP server and its seven events.
//!
//! `http.createServer(handler)` is a TCP server whose connections carry HTTP messages. Each
//! connection here is a thread (from [`crate::tcp::Server`]) running one loop:
//!
//! ```text
//!   ┌─▶ wait for the first byte ─── keep-alive timeout (between requests) ──▶ close quietly
//!   │        │                       client closed before a byte ───────────▶ close quietly
//!   │        ▼
//!   │   read the head ───────────── bad bytes / too large / headers timeout ─▶ 'clientError':
//!   │        │                                                                 400/431/408, close
//!   │        ▼
//!   │   CONNECT?  ──────────────── 'connect' listener: hand over the socket; none: close
//!   │   Upgrade:? ──────────────── 'upgrade' listener: hand over the socket; none: go on
//!   │   Expect:?  ──────────────── 100-continue: 'checkContinue' (default: 100, then go on)
//!   │        │                      anything else: 417
//!   │        ▼
//!   │   'request' handler(req, res)
//!   │        │
//!   │        ▼
//!   │   read and drop what the handler left of the body ── broken framing ──▶ 400, close
//!   │        │
//!   └─── keep-alive? ── no ─────────────────────────────────────────────────▶ close
//! ```
//!
//! Node's events, and where each happens:
//!
//! | Node event | here |
//! |---|---|
//! | `connection` | `tcp::Server` accepted a connection (traced `[http] connection ...`) |
//! | `request` | a head parsed: [`Handler::request`] |
//! | `checkContinue` | a head with `Expect: 100-continue`: [`Handler::check_continue`] |
//! | `connect` | a `CONNECT` head: [`Handler::connect`] gets the socket |
//! | `upgrade` | a head with `Upgrade`: [`Handler::upgrade`] gets the socket |
//! | `clientError` | bytes that are not HTTP, or too many, or too slow: [`Handler::client_error`] |
//! | `close` | the server stopped and every connection finished (traced `[http] close server`) |
//!
//! `http.createServer(listener)` takes the `request` listener, and so does [`Server::run`]: a
//! closure `|req, res| ...` is a handler. The events a program may answer besides —
//! `checkContinue`, `connect`, `upgrade`, `clientError` — are the other methods of
//! [`Handler`], each an `on('event')` listener whose default body is what Node does when no
//! listener is attached; a type that implements them is served by [`Server::run_handler`].
//! (`connection` and `close` are traced only.)
//!
//! ## Why the events are methods here, and an enum in TCP
//!
//! A TCP socket's events are an enum ([`SocketEvent`](crate::tcp::SocketEvent)) that the
//! program pulls, one at a time: each event owns its bytes, so nothing of the socket stays
//! borrowed between two events. A request cannot be such an event. A [`Request`] borrows its
//! connection — its body is still in the socket, read as the handler asks for it — and when the
//! handler is done the server needs the connection back, to read what was left of the body and
//! to decide whether it stays open. A method call is exactly that borrow: it begins when the
//! server calls the handler and ends when the handler returns.
//!
//! The TCP loop is `while let Some(event) = socket.next_event()`, not
//! `for event in socket.events()`: an iterator would keep the socket borrowed for the whole
//! loop, and the loop's body writes to the socket (`socket.write(b"hello")` answers `data`).

use super::message::{
    parse_request_head, response_head, Expectation, Framing, HeadFinder, InvalidHead, ParseError,
    RequestHead, MAX_HEADERS, MAX_HEADER_BYTES,
};
use super::reader::{self, HeadError};
use super::request::{BodyError, Request};
use super::response::{keep_alive_lines, Response, KEPT_BUFFER};
use crate::error::NodeError;
use crate::tcp::{self, CloseHandle, ExitAfter, Inbox, Socket, READ_SIZE};
use crate::timeout::is_timeout;
use crate::trace::Trace;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest request body accepted: 1 MiB. Node sets no limit at all and leaves it to the
/// handler; a server that reads bodies into memory needs one, so this one has it. `413`.
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Node's `server.headersTimeout`: the whole head must arrive within 60 s of the request's
/// first byte (of the connection, for its first request). `408`, then close.
pub const HEADERS_TIMEOUT: Duration = Duration::from_secs(60);

/// Node's `server.requestTimeout`: the whole request, body included, within 300 s. `408`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// Node's `server.keepAliveTimeout`: an idle connection between requests is closed after 5 s.
pub const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's limits; the defaults are the constants above and [`tcp::SEND_TIMEOUT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest head, request line through the empty line.
    pub max_header_bytes: usize,
    /// The most header fields.
    pub max_headers: usize,
    /// The longest body.
    pub max_body_bytes: u64,
    /// Time for the head to arrive.
    pub headers_timeout: Duration,
    /// Time for the whole request to arrive.
    pub request_timeout: Duration,
    /// Time a connection may sit idle between requests.
    pub keep_alive_timeout: Duration,
    /// Time one write may wait for the client to read.
    pub send_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_header_bytes: MAX_HEADER_BYTES,
            max_headers: MAX_HEADERS,
            max_body_bytes: MAX_BODY_BYTES,
            headers_timeout: HEADERS_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            keep_alive_timeout: KEEP_ALIVE_TIMEOUT,
            send_timeout: tcp::SEND_TIMEOUT,
        }
    }
}

/// What a server does with each event: one method per Node event. Implement `request`; the
/// other methods' default bodies are what Node does when no listener is attached.
pub trait Handler: Send + Sync + 'static {
    /// `request`: answer `req` through `res`. Whatever the handler leaves unread of the body
    /// is read and dropped afterwards; a response left unfinished is ended.
    fn request(&self, req: &mut Request<'_>, res: &mut Response<'_>);

    /// `checkContinue`: the client sent `Expect: 100-continue` and waits before sending its
    /// body. Default, as in Node without a listener: answer `100 Continue`, then handle the
    /// request as usual.
    fn check_continue(&self, req: &mut Request<'_>, res: &mut Response<'_>) {
        if res.write_continue().is_ok() {
            self.request(req, res);
        }
    }

    /// Whether [`Handler::connect`] takes this `CONNECT` request (Node checks
    /// `server.listenerCount('connect')`). Default: no.
    fn wants_connect(&self, head: &RequestHead) -> bool {
        let _ = head;
        false
    }

    /// `connect`: a `CONNECT host:port` request. The handler gets the head, the socket, and
    /// any bytes that came after the head; the connection is its own from now on. Without a
    /// listener the connection is closed without an answer, as Node does.
    fn connect(&self, head: RequestHead, socket: Socket, rest: Vec<u8>) {
        let _ = (head, socket, rest);
    }

    /// Whether [`Handler::upgrade`] takes this request with `Upgrade`. Node only asks whether
    /// anyone listens (`server.listenerCount('upgrade')`); here the listener may also decline
    /// one request (an `Upgrade: h2c`, say), which is then answered as a normal request.
    /// Default: no.
    fn wants_upgrade(&self, head: &RequestHead) -> bool {
        let _ = head;
        false
    }

    /// `upgrade`: a request with an `Upgrade` field (a WebSocket handshake, say). The handler
    /// gets the head, the socket, and the bytes after the head. Without a listener the
    /// request is answered as a normal one and the connection kept.
    fn upgrade(&self, head: RequestHead, socket: Socket, rest: Vec<u8>) {
        let _ = (head, socket, rest);
    }

    /// `clientError`: the client sent something that is not acceptable HTTP, or sent it too
    /// slowly, and no response has started (after one, the server closes the connection with
    /// nothing more: one response per request). Default, as Node's: answer
    /// `HTTP/1.1 {status} {reason}` with `Connection: close`; the server then closes the
    /// connection.
    fn client_error(&self, status: u16, socket: &Socket) {
        if let Ok(answer) = response_head(status, &[("Connection", "close")]) {
            let _ = socket.write_all(&answer, Some(Duration::from_secs(1)));
        }
    }
}

/// A closure is a handler: it answers `request`, and the other events keep Node's defaults,
/// as with `http.createServer((req, res) => ...)`.
impl<F> Handler for F
where
    F: Fn(&mut Request<'_>, &mut Response<'_>) + Send + Sync + 'static,
{
    fn request(&self, req: &mut Request<'_>, res: &mut Response<'_>) {
        self(req, res);
    }
}

/// How an HTTP server runs.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// Where events are traced (module `http`).
    pub trace: Trace,
    /// Limits and timeouts.
    pub limits: Limits,
    /// Past this many open connections, new ones are dropped.
    pub max_connections: usize,
    /// Close the server after this many responses (`--exit-after`).
    pub exit_after: Option<u64>,
}

impl ServerOptions {
    /// Default options with the given trace.
    pub fn new(trace: Trace) -> ServerOptions {
        ServerOptions {
            trace,
            limits: Limits::default(),
            max_connections: tcp::server::DEFAULT_MAX_CONNECTIONS,
            exit_after: None,
        }
    }
}

/// A listening HTTP server: `http.createServer()` after `listen()`.
#[derive(Debug)]
pub struct Server {
    tcp: tcp::Server,
    options: ServerOptions,
}

/// What every connection of one server shares.
struct Shared<H> {
    handler: H,
    options: ServerOptions,
    close: CloseHandle,
    /// Requests begun, to know which one is the last under `--exit-after`.
    begun: ExitAfter,
    /// `Connection: keep-alive` and `Keep-Alive: timeout=N`, for every response that keeps
    /// its connection.
    keep_alive_lines: Vec<u8>,
}

impl Server {
    /// `server.listen(port, host)`: `Ok` is Node's `listening` event (traced).
    pub fn listen(addr: SocketAddr, options: ServerOptions) -> Result<Server, NodeError> {
        let tcp_options = tcp::ServerOptions {
            trace: options.trace,
            max_connections: options.max_connections,
            exit_after: None, // counted in requests, here
            // The wait between requests (`set_idle` below): kept by the TCP server's idle
            // reaper, not by a read timeout that the kernel would arm for every request.
            idle_timeout: Some(options.limits.keep_alive_timeout),
        };
        Ok(Server {
            tcp: tcp::Server::listen(addr, tcp_options)?,
            options,
        })
    }

    /// `server.address()`.
    pub fn local_address(&self) -> SocketAddr {
        self.tcp.local_address()
    }

    /// A handle for `server.close()` from another thread.
    pub fn close_handle(&self) -> CloseHandle {
        self.tcp.close_handle()
    }

    /// Places in this server's connection count, for connections its handlers open (a
    /// proxy's upstreams): see [`tcp::Places`].
    pub fn places(&self) -> tcp::Places {
        self.tcp.places()
    }

    /// `http.createServer((req, res) => ...)`: serves connections until the server closes,
    /// each on its own thread, and answers every request with `on_request`.
    ///
    /// ```no_run
    /// use netnotes::http::{Server, ServerOptions};
    /// use netnotes::trace::Trace;
    ///
    /// let addr = "127.0.0.1:1337".parse().unwrap();
    /// let server = Server::listen(addr, ServerOptions::new(Trace::off("http"))).unwrap();
    /// println!("Server running at http://127.0.0.1:1337/");
    /// server.run(|_req, res| {
    ///     // A head the writer refuses is left unanswered, and the server answers it 500.
    ///     if res.write_head(200, &[("Content-Type", "text/plain")]).is_ok() {
    ///         let _ = res.end(b"Hello World\n");
    ///     }
    /// });
    /// ```
    pub fn run<F>(self, on_request: F)
    where
        F: Fn(&mut Request<'_>, &mut Response<'_>) + Send + Sync + 'static,
    {
        self.run_handler(on_request);
    }

    /// Serves connections like [`Server::run`], with a [`Handler`] that may listen to the
    /// other events too (`connect`, `upgrade`, `clientError`, ...).
    pub fn run_handler<H: Handler>(self, handler: H) {
        let shared = Arc::new(Shared {
            handler,
            options: self.options,
            close: self.tcp.close_handle(),
            begun: ExitAfter::new(self.options.exit_after),
            keep_alive_lines: keep_alive_lines(self.options.limits.keep_alive_timeout),
        });
        self.tcp.run(move |socket| serve(&shared, socket));
    }
}

/// One connection's life: requests until it closes.
fn serve<H: Handler>(shared: &Shared<H>, socket: Socket) {
    let limits = shared.options.limits;
    let trace = shared.options.trace;
    let peer = socket.remote_address();
    // The memory of the last request's head and of the last response, kept for the next
    // (a few hundred bytes: more is given back), so that a request allocates nothing.
    let mut inbox = Inbox::default();
    let mut out = Vec::new();
    let mut first = true;
    loop {
        // 1. Wait for a request to begin: the head's first byte.
        if inbox.available().is_empty() {
            inbox.release_if_empty_over(KEPT_BUFFER);
            // The first request's first byte is waited for as a part of its head, one wait
            // bounded by the kernel (a deadline is for a head that comes in pieces). Between
            // requests the connection is idle, and the TCP server ends it after the
            // keep-alive timeout (or at its `close()`): the read returns 0.
            let wait = first.then_some(limits.headers_timeout);
            socket.set_idle(!first);
            let read = inbox.fill_at_most(&socket, READ_SIZE, wait);
            if !socket.set_idle(false) {
                return; // ended while idle, whatever came meanwhile: quietly
            }
            match read {
                Ok(0) => return, // closed before a byte, or between requests: quietly
                Ok(_) => {}
                Err(e) if first && is_timeout(&e) => {
                    return reject(shared, &socket, Rejection::Timeout, false);
                }
                Err(_) => return,
            }
        }
        let started = Instant::now();

        // 2. Read the head.
        let head = match read_head(
            &socket,
            &mut inbox,
            started + limits.headers_timeout,
            &limits,
        ) {
            Ok(Some(head)) => head,
            Ok(None) => return, // the client closed in the middle of a head
            Err(error) => return reject(shared, &socket, error, false),
        };

        // 3. How the body is delimited (RFC 9112 §6.3), checked for every request, before any
        // hand-over: an upgrade or a tunnel must not start on a message that could be read
        // two ways (its body bytes would become the other protocol's).
        let framing = match head.framing() {
            Ok(framing) => framing,
            Err(e) => return reject(shared, &socket, Rejection::Parse(e), false),
        };

        // 4. The events that take the connection away from HTTP.
        if head.method == "CONNECT" {
            if shared.handler.wants_connect(&head) {
                trace.emit("connect", Some(peer), format_args!("{}", head.target()));
                let rest = inbox.take();
                return shared.handler.connect(head, socket, rest);
            }
            return; // no listener: closed without an answer, as in Node
        }
        if let Some(protocol) = head
            .upgrade()
            .filter(|_| shared.handler.wants_upgrade(&head))
        {
            trace.emit("upgrade", Some(peer), format_args!("{protocol}"));
            let rest = inbox.take();
            return shared.handler.upgrade(head, socket, rest);
        }
        if matches!(framing, Framing::Length(n) if n > limits.max_body_bytes) {
            let too_large = Rejection::Parse(ParseError::BodyTooLarge);
            return reject(shared, &socket, too_large, false);
        }

        // 5. 'request' (or 'checkContinue'), then whatever the handler left of the body.
        let last = shared.begun.count();
        let expectation = head.expectation();
        let keep_alive = head.keep_alive() && !last;
        let head_request = head.method == "HEAD";
        let version = head.version;
        let mut req = Request::new(
            &head,
            framing,
            &socket,
            &mut inbox,
            started + limits.request_timeout,
            limits.max_body_bytes,
        );
        let mut res = Response::new(
            &socket,
            head_request,
            version,
            keep_alive,
            &shared.keep_alive_lines,
            limits.send_timeout,
            out,
        );
        let event = match expectation {
            Expectation::None => "request",
            Expectation::Continue => "checkContinue",
            Expectation::Unknown => "checkExpectation",
        };
        if trace.is_on() {
            trace.emit(
                event,
                Some(peer),
                format_args!("{} {}", req.method(), req.url()),
            );
        }
        match expectation {
            Expectation::None => shared.handler.request(&mut req, &mut res),
            Expectation::Continue => shared.handler.check_continue(&mut req, &mut res),
            // Node's default for 'checkExpectation': 417, and the connection stays. (A valid
            // status and no fields: nothing the head writer could refuse.)
            Expectation::Unknown => drop(res.write_head(417, &[])),
        }
        let after = finish(&mut req, &mut res);
        out = res.take_buffer();
        drop(req);
        inbox.reuse(head.into_buffer());
        if last {
            shared.close.close();
        }
        match after {
            After::Next => first = false,
            After::Close => return,
            After::Reject(error) => return reject(shared, &socket, error, res.headers_sent()),
            After::Fail(refused) => return fail(shared, &socket, &refused),
        }
    }
}

/// What becomes of a connection once its handler has returned.
enum After {
    /// Keep it for the next request.
    Next,
    /// Close it.
    Close,
    /// The body broke a rule or a limit: `clientError`, then close it.
    Reject(Rejection),
    /// The handler gave up on a head the head writer refused: `500`, then close it.
    Fail(InvalidHead),
}

/// Ends the response and reads what the handler left of the body.
///
/// A body that fails, while the handler reads it or after, ends the connection as a
/// `clientError`: answered with its status if no response has started; else with nothing
/// more (one response per request: a second status line would be read as the answer to the
/// client's next request), the response cut short if it was not finished, so the client can
/// tell it is incomplete.
fn finish(req: &mut Request<'_>, res: &mut Response<'_>) -> After {
    let error = match req.body_error() {
        Some(error) => error,
        None if res.destroyed() => return After::Close,
        None => {
            if let Some(refused) = res.unanswered_refusal() {
                return After::Fail(refused.clone());
            }
            let answered = res.end(b"").is_ok();
            match req.discard() {
                Ok(()) if answered && res.keep_alive() => return After::Next,
                Ok(()) => return After::Close,
                Err(error) => error,
            }
        }
    };
    match error {
        BodyError::Parse(e) => After::Reject(Rejection::Parse(e)),
        BodyError::Timeout => After::Reject(Rejection::Timeout),
        BodyError::Aborted | BodyError::Io(_) => After::Close,
    }
}

/// A handler that gave up on a head the head writer refused (Node's process would end on the
/// exception): traced as `error`, answered `500` if the connection takes it, and closed; the
/// request's body is left unread.
fn fail<H: Handler>(shared: &Shared<H>, socket: &Socket, refused: &InvalidHead) {
    let peer = Some(socket.remote_address());
    shared
        .options
        .trace
        .emit("error", peer, format_args!("{refused}"));
    if let Ok(answer) = response_head(500, &[("Connection", "close"), ("Content-Length", "0")]) {
        let _ = socket.write_all(&answer, Some(LINGER));
    }
    socket.shutdown_and_drain(LINGER);
}

/// Why the server refuses what a client sent: the connection is answered with an error (if
/// no response has started) and closed.
#[derive(Debug, Clone, Copy)]
enum Rejection {
    /// The bytes broke a rule of HTTP, or a limit.
    Parse(ParseError),
    /// They came too slowly (`408`).
    Timeout,
}

/// Node's `clientError`: traced, answered by the handler unless a response has started
/// (`responded`), and the connection closed.
fn reject<H: Handler>(shared: &Shared<H>, socket: &Socket, rejection: Rejection, responded: bool) {
    let (status, why) = match rejection {
        Rejection::Parse(e) => (e.status(), e.to_string()),
        Rejection::Timeout => (408, "request timeout".to_string()),
    };
    shared.options.trace.emit(
        "clientError",
        Some(socket.remote_address()),
        format_args!("{status} {why}"),
    );
    if !responded {
        shared.handler.client_error(status, socket);
    }
    socket.shutdown_and_drain(LINGER);
}

/// How long a connection closed after an error answer keeps reading what the client is still
/// sending, so that the client gets to read the answer (see `Socket::shutdown_and_drain`).
const LINGER: Duration = Duration::from_secs(2);

/// Reads the request head (within the head bound, whole by `deadline`), and parses it.
/// `Ok(None)`: the client closed, or its connection failed.
fn read_head(
    socket: &Socket,
    inbox: &mut Inbox,
    deadline: Instant,
    limits: &Limits,
) -> Result<Option<RequestHead>, Rejection> {
    let finder = HeadFinder::request(limits.max_header_bytes);
    let read = |buf: &mut Vec<u8>, wait| socket.read_into(buf, Some(wait));
    let parse = |head: Vec<u8>| parse_request_head(head, limits.max_headers);
    match reader::read_head(inbox, finder, deadline, read, parse) {
        Ok(head) => Ok(Some(head)),
        Err(HeadError::Parse(e)) => Err(Rejection::Parse(e)),
        Err(HeadError::Io(e)) if is_timeout(&e) => Err(Rejection::Timeout),
        Err(HeadError::Closed | HeadError::Io(_)) => Ok(None),
    }
}
