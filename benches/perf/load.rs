//! The load generator: N connections on one thread, each doing one exchange at a time (a
//! request, then its whole reply), for a fixed time, timing every exchange.
//!
//! ```text
//!   connect N (blocking; a WebSocket handshake if asked), then non-blocking, into epoll
//!   ┌▶ epoll_wait ─▶ writable: send the rest of the request
//!   │              ─▶ readable: read; reply complete? → record its latency, send the next
//!   │                           EOF / reset          → count an error, connect again
//!   └── until warm-up + duration; only exchanges that end inside the window are counted
//! ```
//!
//! The same generator drives both servers of a comparison, so whatever it costs, it costs
//! both the same. What it costs is reported beside each result (CPU per exchange, ours and
//! the server's), to show it is the cheaper of the two.

use crate::epoll::{self, Poller};
use crate::procfs::{self, Group};
use crate::stats::percentile;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// What one exchange is.
#[derive(Debug, Clone)]
pub enum Exchange {
    /// `GET /` on keep-alive connections: the reply is parsed to find its end.
    HttpKeepAlive,
    /// `GET /` with `Connection: close`: a new connection for every request, which the
    /// server closes after its reply (so the TIME-WAIT is the server's, not ours). The
    /// latency runs from `connect` to the end of the reply.
    HttpClose,
    /// A fixed request and a reply of known length: TCP ping-pong, WebSocket echo.
    Fixed {
        /// The bytes sent.
        request: Vec<u8>,
        /// How many bytes make the reply.
        reply_len: usize,
        /// Whether a WebSocket handshake comes first, on every connection.
        websocket: bool,
    },
}

/// One run of the generator.
#[derive(Debug, Clone)]
pub struct Plan {
    pub addr: SocketAddr,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub exchange: Exchange,
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Exchanges completed inside the window.
    pub exchanges: u64,
    /// The window, in seconds.
    pub seconds: f64,
    /// Each exchange's latency, µs, sorted.
    pub latencies: Vec<u32>,
    /// Connections that failed (reset, closed early, a reply that was not 200).
    pub errors: u64,
    /// The server's CPU time (user + system) in the window.
    pub server_cpu: Duration,
    /// The part of it the kernel ran for the server (system time).
    pub server_system: Duration,
    /// Interrupts from one CPU to the other in the window, machine-wide
    /// ([`procfs::cross_cpu_interrupts`]).
    pub cross_cpu: u64,
    /// The generator's own CPU time in the window.
    pub generator_cpu: Duration,
}

impl Outcome {
    /// Exchanges per second.
    pub fn rate(&self) -> f64 {
        self.exchanges as f64 / self.seconds
    }

    /// Exchanges per second of the server's CPU time: what one exchange costs the server.
    pub fn per_server_cpu_second(&self) -> f64 {
        self.exchanges as f64 / self.server_cpu.as_secs_f64()
    }

    /// Server CPU per exchange, µs.
    pub fn server_us(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.exchanges as f64
    }

    /// The kernel's part of the server's CPU per exchange, µs.
    pub fn server_system_us(&self) -> f64 {
        self.server_system.as_secs_f64() * 1e6 / self.exchanges as f64
    }

    /// Interrupts from one CPU to the other per 100 exchanges.
    pub fn cross_cpu_per_100(&self) -> f64 {
        self.cross_cpu as f64 * 100.0 / self.exchanges as f64
    }

    /// Generator CPU per exchange, µs.
    pub fn generator_us(&self) -> f64 {
        self.generator_cpu.as_secs_f64() * 1e6 / self.exchanges as f64
    }

    /// The latency percentile `p`, µs.
    pub fn latency(&self, p: f64) -> f64 {
        f64::from(percentile(&self.latencies, p))
    }
}

/// One client connection and where its exchange stands.
struct Conn {
    stream: TcpStream,
    /// Bytes of the request sent so far.
    sent: usize,
    /// Whether epoll is also watching for room to write.
    want_out: bool,
    /// HTTP: the reply so far. Fixed: unused.
    reply: Vec<u8>,
    /// Fixed: bytes of the reply so far.
    received: usize,
    /// When this exchange began.
    started: Instant,
    /// `HttpClose`: the reply is in; waiting for the server to close.
    awaiting_close: bool,
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
const GET_CLOSE: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

/// Runs `plan` against the server `server` (whose CPU time is read at the window's edges).
pub fn run(plan: &Plan, server: &Group) -> io::Result<Outcome> {
    Generator::new(plan)?.run(server)
}

struct Generator<'p> {
    plan: &'p Plan,
    request: &'p [u8],
    poller: Poller,
    conns: Vec<Option<Conn>>,
    scratch: Vec<u8>,
    counting: bool,
    /// The time is up: no new exchanges; the ones in flight are waited for.
    stopping: bool,
    /// Exchanges begun and not yet answered.
    in_flight: usize,
    outcome: Outcome,
    ready: Vec<(u64, bool, bool)>,
}

impl<'p> Generator<'p> {
    fn new(plan: &'p Plan) -> io::Result<Generator<'p>> {
        let request: &[u8] = match &plan.exchange {
            Exchange::HttpKeepAlive => GET,
            Exchange::HttpClose => GET_CLOSE,
            Exchange::Fixed { request, .. } => request,
        };
        Ok(Generator {
            plan,
            request,
            poller: Poller::new()?,
            conns: (0..plan.connections).map(|_| None).collect(),
            scratch: vec![0; 256 * 1024],
            counting: false,
            stopping: false,
            in_flight: 0,
            outcome: Outcome::default(),
            ready: Vec::new(),
        })
    }

    fn run(mut self, server: &Group) -> io::Result<Outcome> {
        for token in 0..self.conns.len() {
            self.connect(token)?;
        }
        let start = Instant::now();
        let window = start + self.plan.warmup;
        let end = window + self.plan.duration;
        let (mut server_at_start, mut own_cpu) =
            (server.user_and_system(), procfs::this_thread_cpu());
        let mut cross_cpu = procfs::cross_cpu_interrupts();
        let mut events = Vec::new();
        let mut window_began = start;
        loop {
            let now = Instant::now();
            if !self.counting && now >= window {
                self.counting = true;
                window_began = now;
                server_at_start = server.user_and_system();
                cross_cpu = procfs::cross_cpu_interrupts();
                own_cpu = procfs::this_thread_cpu();
            }
            if now >= end && !self.stopping {
                // Measured; now let the exchanges in flight finish, so that every connection
                // closes with nothing unread. (Closing a socket with unread bytes sends a
                // reset, and the notes' Node server dies of an unhandled ECONNRESET.)
                self.stopping = true;
                self.outcome.seconds = (now - window_began).as_secs_f64();
                self.outcome.cross_cpu = procfs::cross_cpu_interrupts().saturating_sub(cross_cpu);
                let (user, system) = server.user_and_system();
                self.outcome.server_system = system.saturating_sub(server_at_start.1);
                self.outcome.server_cpu =
                    (user + system).saturating_sub(server_at_start.0 + server_at_start.1);
                self.outcome.generator_cpu = procfs::this_thread_cpu().saturating_sub(own_cpu);
            }
            if self.stopping && (self.in_flight == 0 || now >= end + Duration::from_secs(2)) {
                break;
            }
            let wait = end
                .saturating_duration_since(now)
                .clamp(Duration::from_millis(1), Duration::from_millis(10));
            // Copied out of `events`, which the poller borrows, so that handling them may
            // use `self` mutably; the vector is reused from one wait to the next.
            let mut ready = std::mem::take(&mut self.ready);
            ready.clear();
            let batch = self.poller.wait(&mut events, wait)?;
            ready.extend(
                batch
                    .iter()
                    .map(|e| (e.token(), e.readable(), e.writable())),
            );
            for &(token, readable, writable) in &ready {
                let token = token as usize;
                if writable {
                    self.send(token)?;
                }
                if readable {
                    self.receive(token)?;
                }
            }
            self.ready = ready;
        }
        self.conns.clear(); // every connection closes here
        self.outcome.latencies.sort_unstable();
        Ok(self.outcome)
    }

    /// Opens connection `token` (again) and begins an exchange on it.
    fn connect(&mut self, token: usize) -> io::Result<()> {
        self.conns[token] = None; // closing a socket also takes it out of epoll
        if self.stopping {
            return Ok(());
        }
        let started = Instant::now();
        let mut stream = loop {
            match TcpStream::connect_timeout(&self.plan.addr, Duration::from_secs(2)) {
                Ok(stream) => break stream,
                // Out of ephemeral ports or a full backlog, briefly: count it, try again.
                Err(e) if started.elapsed() < Duration::from_secs(10) => {
                    self.outcome.errors += 1;
                    if e.kind() == ErrorKind::ConnectionRefused {
                        return Err(e); // the server is gone
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e),
            }
        };
        stream.set_nodelay(true)?;
        if let Exchange::Fixed {
            websocket: true, ..
        } = self.plan.exchange
        {
            websocket_handshake(&mut stream)?;
        }
        stream.set_nonblocking(true)?;
        self.poller
            .add(stream.as_raw_fd(), token as u64, epoll::IN)?;
        self.conns[token] = Some(Conn {
            stream,
            sent: 0,
            want_out: false,
            reply: Vec::new(),
            received: 0,
            started,
            awaiting_close: false,
        });
        self.begin(token, Some(started))
    }

    /// Begins an exchange: sends the request (as much as the socket takes now).
    fn begin(&mut self, token: usize, started: Option<Instant>) -> io::Result<()> {
        if self.stopping {
            return Ok(());
        }
        self.in_flight += 1;
        if let Some(conn) = &mut self.conns[token] {
            conn.sent = 0;
            conn.received = 0;
            conn.reply.clear();
            conn.started = started.unwrap_or_else(Instant::now);
        }
        self.send(token)
    }

    fn send(&mut self, token: usize) -> io::Result<()> {
        let Some(conn) = &mut self.conns[token] else {
            return Ok(());
        };
        while conn.sent < self.request.len() {
            match conn.stream.write(&self.request[conn.sent..]) {
                Ok(n) => conn.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return self.failed(token),
            }
        }
        let want_out = conn.sent < self.request.len();
        if want_out != conn.want_out {
            conn.want_out = want_out;
            let interest = if want_out {
                epoll::IN | epoll::OUT
            } else {
                epoll::IN
            };
            self.poller
                .modify(conn.stream.as_raw_fd(), token as u64, interest)?;
        }
        Ok(())
    }

    fn receive(&mut self, token: usize) -> io::Result<()> {
        loop {
            let Some(conn) = &mut self.conns[token] else {
                return Ok(());
            };
            let n = match conn.stream.read(&mut self.scratch) {
                Ok(0) if conn.awaiting_close => return self.connect(token),
                Ok(0) => return self.failed(token),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return self.failed(token),
            };
            let done = match &self.plan.exchange {
                Exchange::Fixed { reply_len, .. } => {
                    conn.received += n;
                    match conn.received.cmp(reply_len) {
                        std::cmp::Ordering::Less => None,
                        std::cmp::Ordering::Equal => Some(true),
                        std::cmp::Ordering::Greater => Some(false), // more than asked for
                    }
                }
                Exchange::HttpKeepAlive | Exchange::HttpClose => {
                    if conn.awaiting_close {
                        Some(false) // bytes after a `Connection: close` reply
                    } else {
                        conn.reply.extend_from_slice(&self.scratch[..n]);
                        match http_reply(&conn.reply) {
                            None => None,
                            Some(Ok(len)) => Some(len == conn.reply.len()),
                            Some(Err(())) => Some(false),
                        }
                    }
                }
            };
            match done {
                None => {}
                Some(false) => return self.failed(token),
                Some(true) => {
                    self.in_flight -= 1;
                    if self.counting && !self.stopping {
                        let us = conn.started.elapsed().as_micros();
                        self.outcome
                            .latencies
                            .push(u32::try_from(us).unwrap_or(u32::MAX));
                        self.outcome.exchanges += 1;
                    }
                    if let Exchange::HttpClose = self.plan.exchange {
                        conn.awaiting_close = true;
                    } else {
                        return self.begin(token, None);
                    }
                }
            }
            if n < self.scratch.len() {
                return Ok(());
            }
        }
    }

    /// A connection that broke: counted, and replaced.
    fn failed(&mut self, token: usize) -> io::Result<()> {
        let in_flight = self.conns[token]
            .as_ref()
            .is_some_and(|c| !c.awaiting_close);
        self.in_flight -= usize::from(in_flight);
        if !self.stopping {
            self.outcome.errors += 1;
        }
        self.connect(token)
    }
}

/// The length of the HTTP response at the start of `buf`: `None` until it is all there,
/// `Err` if it is not a `200` with a length or chunked body.
pub fn http_reply(buf: &[u8]) -> Option<Result<usize, ()>> {
    let head_end = find(buf, b"\r\n\r\n", 0)? + 4;
    let head = &buf[..head_end];
    if !head.starts_with(b"HTTP/1.1 200 ") && !head.starts_with(b"HTTP/1.0 200 ") {
        return Some(Err(()));
    }
    let mut length = None;
    let mut chunked = false;
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<usize>().ok());
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value.eq_ignore_ascii_case(b"chunked");
        }
    }
    if chunked {
        return chunked_end(buf, head_end).map(Ok);
    }
    match length {
        Some(n) if buf.len() >= head_end + n => Some(Ok(head_end + n)),
        Some(_) => None,
        None => Some(Err(())),
    }
}

/// Where a chunked body that starts at `pos` ends, once it is all in `buf`.
fn chunked_end(buf: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let line_end = find(buf, b"\r\n", pos)?;
        let size_text = buf[pos..line_end].split(|&b| b == b';').next()?;
        let size = usize::from_str_radix(std::str::from_utf8(size_text).ok()?.trim(), 16).ok()?;
        pos = line_end + 2;
        if size == 0 {
            // Trailer fields (none expected), then an empty line.
            loop {
                let end = find(buf, b"\r\n", pos)?;
                if end == pos {
                    return Some(pos + 2);
                }
                pos = end + 2;
            }
        }
        pos += size + 2;
        if pos > buf.len() {
            return None;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The client's side of the WebSocket handshake (RFC 6455 §4.1), blocking, with RFC 6455's
/// sample key (a load generator needs no fresh one).
pub fn websocket_handshake(stream: &mut TcpStream) -> io::Result<()> {
    stream.write_all(
        b"GET /updates HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
          Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
          Sec-WebSocket-Version: 13\r\n\r\n",
    )?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte, so that nothing after the head is taken (the server sends nothing more
    // until we do, but a generator should not rely on it).
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    stream.set_read_timeout(None)?;
    if head.starts_with(b"HTTP/1.1 101 ") {
        Ok(())
    } else {
        Err(io::Error::other("the WebSocket handshake was refused"))
    }
}

/// A masked binary frame of `size` bytes (what a client sends) and the length of the
/// unmasked frame a server echoes back (RFC 6455 §5.2).
pub fn websocket_echo(size: usize) -> Exchange {
    let mut frame = vec![0x82u8]; // FIN, opcode 2: binary
    let length_field = |frame: &mut Vec<u8>, mask: u8| {
        if size < 126 {
            frame.push(mask | size as u8);
        } else if size <= 0xFFFF {
            frame.push(mask | 126);
            frame.extend_from_slice(&(size as u16).to_be_bytes());
        } else {
            frame.push(mask | 127);
            frame.extend_from_slice(&(size as u64).to_be_bytes());
        }
    };
    length_field(&mut frame, 0x80);
    let key = [0x37, 0xfa, 0x21, 0x3d];
    frame.extend_from_slice(&key);
    frame.extend((0..size).map(|i| (i as u8) ^ key[i % 4]));
    let mut reply_head = vec![0x82u8];
    length_field(&mut reply_head, 0);
    Exchange::Fixed {
        request: frame,
        reply_len: reply_head.len() + size,
        websocket: true,
    }
}
