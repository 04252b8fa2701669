//! One TCP connection and its events: the notes' 1.2 连接事件 (`data`, `end`, `drain`,
//! `close`, `error`, `timeout`).
//!
//! In Node a socket is an `EventEmitter`: you attach callbacks and the event loop calls them.
//! Here a connection is one thread and one loop:
//!
//! ```no_run
//! use netnotes::tcp::{Socket, SocketEvent};
//! use netnotes::trace::Trace;
//!
//! let mut socket = Socket::connect("localhost", 8124, Trace::off("tcp")).unwrap();
//! socket.write(b"hello");
//! while let Some(event) = socket.next_event() {
//!     match event {
//!         SocketEvent::Data(bytes) => println!("{bytes:?}"), // socket.on('data', ...)
//!         SocketEvent::End => println!("peer sent FIN"),     // socket.on('end', ...)
//!         _ => {}
//!     }
//! }
//! ```
//!
//! Each event is what one blocking call returned:
//!
//! ```text
//!  event                 what happened underneath
//!  Data(bytes)           read() returned n > 0 bytes (one read of up to 64 KiB = one event)
//!  End                   read() returned 0: the peer sent FIN; we end our side too
//!  Timeout               read() gave up after set_timeout's idle time (SO_RCVTIMEO)
//!  Drain                 the bytes write() had to queue have all reached the kernel
//!  Error(e)              a read or write failed (ECONNRESET, EPIPE, ...)
//!  Close { had_error }   both directions are done; the last event
//! ```
//!
//! Two of these need care in a blocking design, and the comments at [`Socket::write`] and
//! [`Socket::next_event`] explain both: `drain` (real backpressure, costing nothing when there
//! is no backlog) and waiting for a read without holding a 64 KiB buffer.

use super::places::Slot;
use crate::addr;
use crate::error::NodeError;
use crate::timeout::{is_timeout, kernel_wait};
use crate::trace::Trace;
use crate::wire::{self, Direction, Side, Tap};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, ErrorKind, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most one read takes: 64 KiB, as libuv reads. Each read is one `Data` event.
pub const READ_SIZE: usize = 64 * 1024;

/// How long one blocking write ([`Socket::write_all`]) may wait for a peer that does not
/// read before the connection is given up: 60 s. Node has no such limit (a stuck peer holds
/// its socket for ever); a thread per connection makes one necessary. The HTTP server and
/// client, the proxy's tunnels and WebSocket connections all write with it.
///
/// It bounds each write, not a whole response or message, as nginx's `send_timeout` does: a
/// peer that takes a few bytes a minute makes every write succeed, and so keeps a large
/// response going, with its thread, its descriptor and the unsent part of the message, for
/// as long as it likes (a 16 MiB message read at 1 KiB a minute lasts eleven days).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Node's `writableHighWaterMark` for sockets, 16 KiB: once this much is queued, `write()`
/// returns `false` and a `Drain` event will follow when the queue is empty.
pub const HIGH_WATER_MARK: usize = 16 * 1024;

/// How long `write()` lets the kernel take bytes before queueing the rest: short, so a slow
/// peer never blocks the caller for long.
const WRITE_ATTEMPT: Duration = Duration::from_millis(1);

/// While a small backlog waits, the loop wakes this often from its read to retry the flush.
const FLUSH_POLL: Duration = Duration::from_millis(5);

/// Pieces given to [`Socket::write_all_parts`] that add up to no more than this are copied
/// together and sent with one `send`; larger ones go out with one `writev`, uncopied.
const JOIN_LIMIT: usize = 256;
const _: () = assert!(
    JOIN_LIMIT <= FIRST_READ,
    "small pieces are joined in the first read's buffer"
);

/// The most [`Socket::shutdown_and_drain`] reads and drops before it closes anyway.
pub const LINGER_BYTES: usize = 1024 * 1024;

/// The first read of each wait goes into a buffer this big that belongs to the thread, not
/// to the connection, so that a connection waiting for data holds no heap buffer (see
/// [`Socket::read_into`]). 1 KiB: a request head or a small message fits.
const FIRST_READ: usize = 1024;

thread_local! {
    /// The thread's [`FIRST_READ`] buffer, where small pieces are also joined to be sent
    /// ([`Socket::write_all_parts`]). It lives beside the thread's stack (a thread's own
    /// statics are laid out with its stack) and costs what 1 KiB of stack would, but it is
    /// zeroed once, when the thread starts: a buffer on the stack would be zeroed for every
    /// read or write, since safe Rust reads only into memory already written.
    static FIRST: RefCell<[u8; FIRST_READ]> = const { RefCell::new([0; FIRST_READ]) };
}

/// One event of a TCP socket, named as Node names it.
#[derive(Debug)]
pub enum SocketEvent {
    /// `data`: the bytes of one read.
    Data(Vec<u8>),
    /// `end`: the peer sent FIN; it will send nothing more. Our side is ended in turn (Node's
    /// default `allowHalfOpen: false`) once everything we queued has gone out.
    End,
    /// `drain`: `write()` returned `false` earlier, and its queue has now all reached the kernel.
    Drain,
    /// `timeout`: nothing arrived for the time given to [`Socket::set_timeout`]. Only a notice:
    /// the socket stays open (errata 6).
    Timeout,
    /// `error`: a read or write failed; `Close { had_error: true }` follows.
    Error(NodeError),
    /// `close`: the socket is fully closed. Always the last event.
    Close {
        /// Whether an `Error` came before.
        had_error: bool,
    },
}

impl SocketEvent {
    /// Node's name for the event: `"data"`, `"end"`, ...
    pub fn name(&self) -> &'static str {
        match self {
            SocketEvent::Data(_) => "data",
            SocketEvent::End => "end",
            SocketEvent::Drain => "drain",
            SocketEvent::Timeout => "timeout",
            SocketEvent::Error(_) => "error",
            SocketEvent::Close { .. } => "close",
        }
    }
}

/// A TCP connection whose events come out of [`Socket::next_event`], one at a time.
///
/// It owns exactly one file descriptor, and holds no read buffer while it waits.
#[derive(Debug)]
pub struct Socket {
    /// Shared only with the server's list of idle connections (see [`Socket::set_idle`]):
    /// still one descriptor.
    stream: Arc<TcpStream>,
    peer: SocketAddr,
    trace: Trace,
    /// Server-side sockets put the peer's address in every trace line, and trace their own
    /// errors (a failed connection is not fatal to a server).
    server_side: bool,
    /// Bytes `write()` accepted that the kernel has not taken yet.
    backlog: VecDeque<u8>,
    /// `write()` returned `false`; a `Drain` is owed once the backlog is empty.
    need_drain: bool,
    /// `end()` was called (or the peer ended): send FIN once the backlog is out.
    ending: bool,
    fin_sent: bool,
    fin_received: bool,
    /// An error waiting to be reported by the next `next_event()`.
    pending_error: Option<NodeError>,
    had_error: bool,
    destroyed: bool,
    closed: bool,
    /// The idle time after which `Timeout` is reported, if any.
    timeout: Option<Duration>,
    /// The read and write timeouts the kernel has for this socket now, to skip needless
    /// syscalls. Cells, so that a reader and a writer can share `&Socket` (see `read_into`).
    read_wait: Cell<Option<Duration>>,
    write_wait: Cell<Option<Duration>>,
    /// When data last moved, for `Timeout` while the loop is polling a backlog (kept only
    /// while a timeout is set).
    last_activity: Instant,
    /// Held for the server: released as the `close` is traced, it tells the server this
    /// connection is finished.
    slot: Option<Slot>,
    /// The wire view of this connection (`--wire`), if it is on.
    tap: Option<Box<RefCell<Tap>>>,
}

impl Socket {
    /// `net.connect({ host, port })`: resolves `host` and tries each address in order, as Node
    /// does; the first that accepts wins. Traces `connect` on success.
    ///
    /// Fails with `getaddrinfo ENOTFOUND host` if the name does not resolve, or with the last
    /// address's `connect ...` error if none accepted (`connect ECONNREFUSED 127.0.0.1:8124`).
    pub fn connect(host: &str, port: u16, trace: Trace) -> Result<Socket, NodeError> {
        let (stream, addr) = connect_stream(host, port, None)?;
        trace.emit("connect", Some(addr), format_args!(""));
        Ok(Socket::new(stream, addr, trace, false, None))
    }

    /// Wraps an accepted stream (see `tcp::Server`).
    pub(crate) fn new(
        stream: TcpStream,
        peer: SocketAddr,
        trace: Trace,
        server_side: bool,
        slot: Option<Slot>,
    ) -> Socket {
        // No timeout is set here: each way of writing sets the one it needs when it first
        // writes (`write()` a short one, `write_all` the caller's), so a connection pays for
        // one `setsockopt`, not two.
        let side = if server_side {
            Side::Server
        } else {
            Side::Client
        };
        Socket {
            tap: wire::tap(peer, side).map(|tap| Box::new(RefCell::new(tap))),
            stream: Arc::new(stream),
            peer,
            trace,
            server_side,
            backlog: VecDeque::new(),
            need_drain: false,
            ending: false,
            fin_sent: false,
            fin_received: false,
            pending_error: None,
            had_error: false,
            destroyed: false,
            closed: false,
            timeout: None,
            read_wait: Cell::new(None),
            write_wait: Cell::new(None), // the kernel's default: no send timeout
            last_activity: Instant::now(),
            slot,
        }
    }

    /// `socket.remoteAddress` / `remotePort`: the peer.
    pub fn remote_address(&self) -> SocketAddr {
        self.peer
    }

    /// `socket.address()`: our end of the connection.
    pub fn local_address(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// `socket.setNoDelay(on)`: `true` turns Nagle's algorithm off (`TCP_NODELAY`), so small
    /// writes go out at once. Node's default, like the kernel's, is Nagle on.
    pub fn set_nodelay(&mut self, nodelay: bool) {
        // Fails only on a socket that is already dead; the next read or write will say so.
        let _ = self.stream.set_nodelay(nodelay);
    }

    /// `socket.setTimeout(ms)`: report `Timeout` after this long without data; `None` turns
    /// it off (Node's `setTimeout(0)`). A zero `Duration` is a time already up: every wait
    /// ends in `Timeout` at once (see [`crate::timeout`]). Only a notice: nothing is closed
    /// (errata 6).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
        self.last_activity = Instant::now();
    }

    /// How many bytes `write()` has queued that the kernel has not taken yet
    /// (Node's `socket.writableLength`).
    pub fn buffered(&self) -> usize {
        self.backlog.len()
    }

    /// `socket.write(data)`: hands the kernel what it will take now and queues the rest.
    /// Returns `false` once the queue has reached [`HIGH_WATER_MARK`]: the caller should wait
    /// for `Drain` before writing more, as in Node. Writing after `end()` is ignored and
    /// returns `false`.
    ///
    /// Why this costs nothing when there is no backlog: the socket has a 1 ms write timeout
    /// (`SO_SNDTIMEO`), so a write to a socket with room is an ordinary `write()`, and a write
    /// to a full one gives up after 1 ms with what it could hand over. Only the rest is copied
    /// into the queue, which `next_event` then flushes.
    pub fn write(&mut self, data: &[u8]) -> bool {
        if self.ending || self.closed || self.had_error || self.pending_error.is_some() {
            return false;
        }
        if let Err(e) = self.set_write_wait(Some(WRITE_ATTEMPT)) {
            self.pending_error = Some(NodeError::syscall("write", &e));
            return false;
        }
        let mut rest = data;
        // Bytes must leave in order: only write directly when nothing is queued before them.
        while self.backlog.is_empty() && !rest.is_empty() {
            match (&*self.stream).write(rest) {
                Ok(n) => {
                    self.show(|tap| tap.wrote(&rest[..n]));
                    rest = &rest[n..];
                    self.data_moved();
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => break,
                Err(e) => {
                    self.pending_error = Some(NodeError::syscall("write", &e));
                    return false;
                }
            }
        }
        if !rest.is_empty() {
            self.backlog.extend(rest);
        }
        if self.backlog.len() >= HIGH_WATER_MARK {
            self.need_drain = true;
            false
        } else {
            true
        }
    }

    /// `socket.end()`: half-closes the connection. Our FIN goes out once everything queued has
    /// been handed to the kernel; reading goes on until the peer's own FIN (`End`).
    pub fn end(&mut self) {
        self.ending = true;
        self.send_fin_if_flushed();
    }

    /// `socket.destroy()`: closes at once, dropping anything still queued. `Close` follows.
    pub fn destroy(&mut self) {
        self.destroyed = true;
        self.backlog.clear();
        // Wakes nothing and fails only if already closed; the close itself is the drop.
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Waits for the next event and returns it (tracing it first); `None` after `Close`.
    ///
    /// The loop, in order: report a pending error; close if both directions are done; hand the
    /// kernel queued bytes (and report `Drain` when the queue empties); send our FIN if it is
    /// due; then wait for the peer. With a backlog, that wait is a read with a 5 ms timeout so
    /// the flush is retried between reads; without one it is a plain blocking read (or one
    /// that times out after `set_timeout`'s idle time). With a large backlog (at the high-water
    /// mark), or after the peer's FIN, reading pauses and the loop blocks in the write instead,
    /// as Node's `pipe()` pauses a source: a peer that never reads cannot make us queue without
    /// bound.
    pub fn next_event(&mut self) -> Option<SocketEvent> {
        let event = self.poll()?;
        match &event {
            SocketEvent::Close { .. } => self.emit_close(),
            _ if self.trace.is_on() => self.trace_event(&event),
            _ => {}
        }
        Some(event)
    }

    /// The trace line of an event other than `Close` (the trace being on): out of the way of
    /// the event loop.
    #[cold]
    fn trace_event(&self, event: &SocketEvent) {
        match event {
            SocketEvent::Data(bytes) => self.emit("data", format_args!("{} bytes", bytes.len())),
            SocketEvent::Error(err) if self.server_side => {
                self.emit("error", format_args!("{err}"))
            }
            SocketEvent::Error(_) => {} // a client's owner reports it: `cli::fatal`
            other => self.emit(other.name(), format_args!("")),
        }
    }

    fn poll(&mut self) -> Option<SocketEvent> {
        if self.closed {
            return None;
        }
        loop {
            if let Some(err) = self.pending_error.take() {
                self.had_error = true;
                return Some(SocketEvent::Error(err));
            }
            if self.had_error || self.destroyed || (self.fin_received && self.fin_sent) {
                self.closed = true;
                // The descriptor itself closes when the Socket is dropped.
                let _ = self.stream.shutdown(Shutdown::Both);
                return Some(SocketEvent::Close {
                    had_error: self.had_error,
                });
            }
            if !self.backlog.is_empty() {
                let paused = self.backlog.len() >= HIGH_WATER_MARK || self.fin_received;
                if let Err(err) = self.flush(paused) {
                    self.pending_error = Some(NodeError::syscall("write", &err));
                    continue;
                }
                if self.backlog.is_empty() && self.need_drain {
                    self.need_drain = false;
                    self.send_fin_if_flushed();
                    return Some(SocketEvent::Drain);
                }
                if paused && !self.backlog.is_empty() {
                    // The blocking flush gave up: the idle time is over, or it was only a slice.
                    if self.idle_timeout_passed() {
                        self.last_activity = Instant::now();
                        return Some(SocketEvent::Timeout);
                    }
                    continue;
                }
            }
            self.send_fin_if_flushed();
            if self.fin_received {
                continue; // nothing left to read; the loop above closes or flushes
            }
            match self.read_chunk() {
                Ok(bytes) if bytes.is_empty() => {
                    self.fin_received = true;
                    self.ending = true; // allowHalfOpen: false
                    return Some(SocketEvent::End);
                }
                Ok(bytes) => {
                    self.data_moved();
                    return Some(SocketEvent::Data(bytes));
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    if self.backlog.is_empty() || self.idle_timeout_passed() {
                        self.last_activity = Instant::now();
                        return Some(SocketEvent::Timeout);
                    }
                }
                Err(e) => self.pending_error = Some(NodeError::syscall("read", &e)),
            }
        }
    }

    /// One read for the event loop: a `Data` buffer, empty at the peer's FIN.
    fn read_chunk(&mut self) -> io::Result<Vec<u8>> {
        let wait = match (self.backlog.is_empty(), self.timeout) {
            (true, timeout) => timeout,
            (false, Some(timeout)) => Some(timeout.min(FLUSH_POLL)),
            (false, None) => Some(FLUSH_POLL),
        };
        let mut buf = Vec::new();
        self.read_into(&mut buf, wait)?;
        Ok(buf)
    }

    /// Waits up to `wait` (`None`: for ever) for bytes, then appends one read of them, up to
    /// [`READ_SIZE`], to `buf`. Returns how many came; 0 means the peer sent FIN. A wait that
    /// runs out is an error of kind `WouldBlock` (or `TimedOut`: a zero wait is up at once).
    ///
    /// This is the plain blocking way to use a socket, for protocols that keep their own
    /// buffer (HTTP does); it takes `&self`, so one part of a program can read while another
    /// holds the same `&Socket` to write. Don't mix it with `next_event` on one socket.
    ///
    /// A blocking read needs its buffer while it waits, and 64 KiB for each idle connection
    /// would be most of what a connection costs. So the wait is a read into a small buffer of
    /// the thread's own (1 KiB) — our `epoll_wait`: it returns once bytes or FIN are there —
    /// and only then does `buf` grow, by just what came. A request head, a ping, a small
    /// frame: one system call. Only when those 1 KiB fill up is more likely waiting: it is
    /// taken at once, with one non-blocking read of up to 63 KiB more, so that one call still
    /// returns all that has arrived, up to 64 KiB, as libuv's read does.
    pub fn read_into(&self, buf: &mut Vec<u8>, wait: Option<Duration>) -> io::Result<usize> {
        self.read_at_most(buf, READ_SIZE, wait)
    }

    /// [`Socket::read_into`], taking at most `max` bytes (at least one): a caller that knows
    /// where the bytes after those should go leaves them in the kernel, to be read straight
    /// there ([`Socket::read_straight_into`]). A WebSocket connection reads frame headers
    /// this way, a kilobyte at most, and a long payload straight into its message.
    pub fn read_at_most(
        &self,
        buf: &mut Vec<u8>,
        max: usize,
        wait: Option<Duration>,
    ) -> io::Result<usize> {
        self.set_read_wait(wait)?;
        let start = buf.len();
        let n = FIRST.with_borrow_mut(|first| {
            let first = &mut first[..max.clamp(1, FIRST_READ)];
            let n = (&*self.stream).read(first)?;
            if buf.capacity() == 0 {
                *buf = first[..n].to_vec(); // one allocation of just what came, nothing to grow
            } else {
                buf.extend_from_slice(&first[..n]);
            }
            io::Result::Ok(n)
        })?;
        let total = if n < FIRST_READ || max <= n {
            n // all that was there (0: the peer's FIN), or all that was wanted
        } else {
            // The first buffer filled: take what else is waiting, without waiting for more.
            // (std has no MSG_DONTWAIT, so O_NONBLOCK goes on for this one read and off again.)
            if self.stream.set_nonblocking(true).is_err() {
                return Ok(n);
            }
            let old_len = buf.len();
            buf.resize(old_len + max.min(READ_SIZE) - n, 0);
            let more = (&*self.stream).read(&mut buf[old_len..]);
            let restored = self.stream.set_nonblocking(false);
            // Nothing more (WouldBlock), the FIN or an error: the next read reports those.
            let m = more.unwrap_or(0);
            buf.truncate(old_len + m);
            restored?;
            n + m
        };
        self.show_read(&buf[start..]);
        Ok(total)
    }

    /// Waits up to `wait` for bytes, then reads what has come, at most `buf.len()`, straight
    /// into `buf`, in one read; how many came, 0 at the peer's FIN. For a caller that holds the
    /// memory the bytes go to already (a WebSocket message being filled): no buffer of the
    /// socket's and no copy. That memory must have been written before (safe Rust reads only
    /// into initialised bytes), so a caller that reads into the same buffer again and again
    /// zeroes it once, not for every read.
    pub fn read_straight_into(&self, buf: &mut [u8], wait: Option<Duration>) -> io::Result<usize> {
        self.set_read_wait(wait)?;
        let n = (&*self.stream).read(buf)?;
        self.show_read(&buf[..n]);
        Ok(n)
    }

    /// [`Socket::read_straight_into`] for memory in two places, `first` filled before
    /// `second`, in one read (`readv`): a WebSocket frame's header into a few bytes of its own
    /// and its payload into the message it belongs to.
    pub fn read_straight_into_two(
        &self,
        first: &mut [u8],
        second: &mut [u8],
        wait: Option<Duration>,
    ) -> io::Result<usize> {
        self.set_read_wait(wait)?;
        let parts = &mut [IoSliceMut::new(first), IoSliceMut::new(second)];
        let n = (&*self.stream).read_vectored(parts)?;
        if self.tap.is_some() {
            let (in_first, in_second) = (n.min(first.len()), n.saturating_sub(first.len()));
            self.show_read(&[&first[..in_first], &second[..in_second]].concat());
        }
        Ok(n)
    }

    /// Shows bytes read in the wire view (none: the peer's FIN), if it is on.
    fn show_read(&self, bytes: &[u8]) {
        match bytes.len() {
            0 => self.show(|tap| tap.fin(Direction::In)),
            _ => self.show(|tap| tap.read(bytes)),
        }
    }

    /// Gives reads at most `wait`; a zero one fails at once (see [`crate::timeout`]).
    fn set_read_wait(&self, wait: Option<Duration>) -> io::Result<()> {
        set_timeout(&self.read_wait, wait, |wait| {
            self.stream.set_read_timeout(wait)
        })
    }

    /// Writes all of `data`, blocking until the kernel has taken it; each `write` may wait up
    /// to `timeout` for room (`None`: for ever; zero: fails at once), so a peer that stops
    /// reading cannot hold the thread longer than that. Anything `write()` queued goes first.
    /// Takes `&self`, like [`Socket::read_into`].
    pub fn write_all(&self, data: &[u8], timeout: Option<Duration>) -> io::Result<()> {
        self.write_all_parts([data], timeout)
    }

    /// [`Socket::write_all`] for bytes in pieces, sent as if they were one (a WebSocket
    /// frame's header and its payload): one `writev` hands the kernel all of them, so they
    /// need not be copied together first; pieces of 256 bytes or less in all are copied together
    /// and sent with one `send`, which costs the kernel less.
    pub fn write_all_parts<const N: usize>(
        &self,
        parts: [&[u8]; N],
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        debug_assert!(self.backlog.is_empty(), "write_all after a queued write()");
        self.set_write_wait(timeout)?;
        if let [data] = parts[..] {
            return self.send_all(data);
        }
        let total: usize = parts.iter().map(|part| part.len()).sum();
        if total <= JOIN_LIMIT {
            // Small pieces (a small WebSocket frame) are copied together and sent with one
            // `send`: copying them costs less than what `writev` does beyond `send` in the
            // kernel (reading the array of pieces, the file-write checks and notifications).
            // They are joined in the memory the last read went into: the thread's, already
            // written, and where it was just working.
            return FIRST.with_borrow_mut(|joined| {
                let mut len = 0;
                for part in parts {
                    joined[len..len + part.len()].copy_from_slice(part);
                    len += part.len();
                }
                self.send_all(&joined[..len])
            });
        }
        // (`writev` has no MSG_NOSIGNAL: a peer that reset makes it raise SIGPIPE, which
        // Rust's runtime ignores in every Rust program, so it fails with EPIPE instead.)
        let mut slices = parts.map(IoSlice::new);
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match (&*self.stream).write_vectored(rest) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.show(|tap| tap.wrote(&parts.concat()));
        Ok(())
    }

    /// One piece: a plain `send` (std's, with MSG_NOSIGNAL) does it.
    fn send_all(&self, data: &[u8]) -> io::Result<()> {
        (&*self.stream).write_all(data)?;
        self.show(|tap| tap.wrote(data));
        Ok(())
    }

    /// Shows bytes or a FIN in the wire view, if it is on.
    fn show(&self, what: impl FnOnce(&mut Tap)) {
        if let Some(tap) = &self.tap {
            what(&mut tap.borrow_mut());
        }
    }

    /// Gives writes at most `wait`; a zero one fails at once (see [`crate::timeout`]).
    fn set_write_wait(&self, wait: Option<Duration>) -> io::Result<()> {
        set_timeout(&self.write_wait, wait, |wait| {
            self.stream.set_write_timeout(wait)
        })
    }

    /// Closes gracefully after a last answer (an HTTP `400`, a WebSocket close frame): sends
    /// FIN, then reads and drops what the peer is still sending, until its FIN, for at most
    /// `wait` and [`LINGER_BYTES`].
    ///
    /// Why not just close: closing a socket whose receive buffer still holds unread bytes
    /// makes the kernel send a reset (RFC 9293 §3.6.1), and a reset can reach the peer before
    /// it has read our answer, which it then never sees. Apache calls this "lingering close".
    pub fn shutdown_and_drain(&self, wait: Duration) {
        if self.stream.shutdown(Shutdown::Write).is_err() {
            return;
        }
        self.show(|tap| tap.fin(Direction::Out));
        let deadline = Instant::now() + wait;
        let mut drained = 0;
        let mut sink = Vec::new();
        while drained < LINGER_BYTES {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            sink.clear();
            match self.read_into(&mut sink, Some(left)) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }

    /// The connection itself, for blocking I/O from two threads at once (a proxy tunnel
    /// copying each direction): `&TcpStream` can be shared between threads, a `Socket`
    /// cannot. Don't mix it with `next_event` and `write` on the same socket.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Marks the connection idle (between requests, say) or busy again. A server's
    /// `close()` ends idle connections at once instead of waiting for them, as Node's does
    /// since version 19 (`server.closeIdleConnections()`), and its idle timeout
    /// ([`super::ServerOptions::idle_timeout`]) ends those idle that long: shut down, so
    /// that a read waiting on the connection returns 0. Returns `false` if either happened
    /// while the connection was idle: what it read meanwhile is not to be served. No effect
    /// on a client socket.
    pub fn set_idle(&self, idle: bool) -> bool {
        match &self.slot {
            Some(slot) => slot.set_idle(&self.stream, idle),
            None => true,
        }
    }

    /// Hands queued bytes to the kernel. Not `paused`: one short attempt (the 1 ms write
    /// timeout). `paused`: block until the queue is out, or until the idle timeout if one is
    /// set, so that `Timeout` can still be reported.
    fn flush(&mut self, paused: bool) -> io::Result<()> {
        let wait = if paused {
            self.timeout
        } else {
            Some(WRITE_ATTEMPT)
        };
        match self.set_write_wait(wait) {
            Err(e) if is_timeout(&e) => return Ok(()), // a zero idle time: up already
            other => other?,
        }
        self.write_backlog(paused)
    }

    fn write_backlog(&mut self, keep_going: bool) -> io::Result<()> {
        while !self.backlog.is_empty() {
            let (front, _) = self.backlog.as_slices();
            match (&*self.stream).write(front) {
                Ok(n) => {
                    self.show(|tap| tap.wrote(&front[..n]));
                    self.backlog.drain(..n);
                    self.data_moved();
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
            if !keep_going {
                break;
            }
        }
        Ok(())
    }

    fn send_fin_if_flushed(&mut self) {
        if self.ending && !self.fin_sent && self.backlog.is_empty() && !self.destroyed {
            self.fin_sent = true;
            // Fails only if the peer already reset; the next read reports that.
            if self.stream.shutdown(Shutdown::Write).is_ok() {
                self.show(|tap| tap.fin(Direction::Out));
            }
        }
    }

    /// Bytes went in or out: the idle time starts again. Only a socket with a timeout reads
    /// the clock (`set_timeout` starts it).
    fn data_moved(&mut self) {
        if self.timeout.is_some() {
            self.last_activity = Instant::now();
        }
    }

    fn idle_timeout_passed(&self) -> bool {
        self.timeout
            .is_some_and(|timeout| self.last_activity.elapsed() >= timeout)
    }

    /// Traces `close`; a server's connection gives its place back as it does (see
    /// `Slot::release`).
    fn emit_close(&mut self) {
        let details = if self.had_error { "had_error" } else { "" };
        let slot = self.slot.take();
        let trace = || self.emit("close", format_args!("{details}"));
        match slot {
            Some(slot) => slot.release(trace),
            None => trace(),
        }
    }

    fn emit(&self, event: &str, details: std::fmt::Arguments<'_>) {
        let peer = self.server_side.then_some(self.peer);
        self.trace.emit(event, peer, details);
    }
}

impl Drop for Socket {
    /// A socket dropped before its `Close` event still closes, and the trace says so (a
    /// server's connection gives its place back as it does).
    fn drop(&mut self) {
        if !self.closed {
            self.emit_close();
        }
    }
}

/// `net.connect`'s way to a name, for every client that connects (a [`Socket`], the HTTP
/// agent's connections, the proxy's tunnels): resolves `host`, then tries each address in
/// the resolver's order, each attempt waiting at most `timeout` (`None`: the kernel's limit,
/// about two minutes). The first address that accepts wins: the stream and that address.
///
/// Fails as Node words it: `getaddrinfo ENOTFOUND host` if the name does not resolve;
/// otherwise the error of the last address tried (`connect ECONNREFUSED 127.0.0.1:8124`).
pub fn connect_stream(
    host: &str,
    port: u16,
    timeout: Option<Duration>,
) -> Result<(TcpStream, SocketAddr), NodeError> {
    first_to_accept(host, &addr::resolve(host, port)?, timeout)
}

/// Tries each of `host`'s addresses (`addrs`, already resolved) in order; the first that
/// accepts wins, else the last one's error. For a caller that must look at the addresses
/// before connecting (the proxy refuses its own).
pub fn first_to_accept(
    host: &str,
    addrs: &[SocketAddr],
    timeout: Option<Duration>,
) -> Result<(TcpStream, SocketAddr), NodeError> {
    // Only an empty list leaves this: it reads as a name that did not resolve.
    let mut failure = NodeError::lookup(host);
    for &addr in addrs {
        let attempt = match kernel_wait(timeout) {
            Ok(Some(t)) => TcpStream::connect_timeout(&addr, t),
            Ok(None) => TcpStream::connect(addr),
            Err(up) => Err(up),
        };
        match attempt {
            Ok(stream) => return Ok((stream, addr)),
            Err(err) => failure = NodeError::at("connect", &err, addr),
        }
    }
    Err(failure)
}

/// Sets one of a socket's timeouts with `set`, unless the one it holds (`current`, kept in
/// step) is [`close_enough`]; a zero `wait` fails at once ([`kernel_wait`]). The one rule for
/// both directions.
fn set_timeout(
    current: &Cell<Option<Duration>>,
    wait: Option<Duration>,
    set: impl FnOnce(Option<Duration>) -> io::Result<()>,
) -> io::Result<()> {
    let wait = kernel_wait(wait)?;
    if !close_enough(wait, current.get()) {
        set(wait)?;
        current.set(wait);
    }
    Ok(())
}

/// Whether a socket timeout already set is as good as the one wanted: the same, or within a
/// millisecond. Linux keeps `SO_RCVTIMEO` and `SO_SNDTIMEO` in clock ticks (1 to 10 ms), so a
/// smaller change would change nothing but cost a system call — and an HTTP server that
/// waits "5 s from now" before each request would pay one per request.
fn close_enough(wanted: Option<Duration>, set: Option<Duration>) -> bool {
    wanted == set
        || matches!((wanted, set),
            (Some(wanted), Some(set)) if wanted.abs_diff(set) <= Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A port on 127.0.0.1 where nothing listens (bound, then closed).
    fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[test]
    fn a_timeout_within_a_millisecond_of_the_one_set_is_not_set_again() {
        let ms = Duration::from_millis;
        assert!(close_enough(None, None));
        assert!(close_enough(Some(ms(5000)), Some(ms(5000))));
        assert!(close_enough(Some(ms(4999)), Some(ms(5000))));
        assert!(!close_enough(Some(ms(4998)), Some(ms(5000))));
        assert!(!close_enough(None, Some(ms(5000))));
        assert!(!close_enough(Some(ms(5000)), None));
    }

    #[test]
    fn the_first_address_that_accepts_wins() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap();
        let refused = SocketAddr::from(([127, 0, 0, 1], closed_port()));
        let (_stream, addr) = first_to_accept("h", &[refused, open], None).unwrap();
        assert_eq!(addr, open);
    }

    #[test]
    fn when_every_address_refuses_the_last_one_tried_is_named() {
        let port = closed_port();
        // The whole of 127.0.0.0/8 is loopback on Linux: two addresses, both refusing.
        let addrs = [([127, 0, 0, 1], port).into(), ([127, 0, 0, 2], port).into()];
        let err = first_to_accept("h", &addrs, Some(Duration::from_secs(5))).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("connect ECONNREFUSED 127.0.0.2:{port}")
        );
        let err = connect_stream("127.0.0.1", port, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("connect ECONNREFUSED 127.0.0.1:{port}")
        );
    }

    /// A connected pair: our `Socket` (client side) and the peer's stream.
    fn pair() -> (Socket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let socket = Socket::connect("127.0.0.1", port, Trace::off("tcp")).unwrap();
        let (peer, _) = listener.accept().unwrap();
        (socket, peer)
    }

    #[test]
    fn a_zero_time_limit_is_up_at_once() {
        let (mut socket, mut peer) = pair();
        peer.write_all(b"waiting").unwrap();
        // Whatever is waiting, a zero wait reads nothing and does not block.
        let mut buf = Vec::new();
        let err = socket
            .read_into(&mut buf, Some(Duration::ZERO))
            .unwrap_err();
        assert!(is_timeout(&err) && buf.is_empty(), "{err:?}");
        let err = socket.write_all(b"x", Some(Duration::ZERO)).unwrap_err();
        assert!(is_timeout(&err), "{err:?}");
        // An idle time of zero (Node's setTimeout(0) is None here) is over at once, again.
        socket.set_timeout(Some(Duration::ZERO));
        assert!(matches!(socket.next_event(), Some(SocketEvent::Timeout)));
        assert!(matches!(socket.next_event(), Some(SocketEvent::Timeout)));
        // A connection attempt with no time at all fails as one that timed out.
        let port = closed_port();
        let err = connect_stream("127.0.0.1", port, Some(Duration::ZERO)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("connect ETIMEDOUT 127.0.0.1:{port}")
        );
        // None is no limit: the bytes are read.
        socket.set_timeout(None);
        assert!(matches!(socket.next_event(), Some(SocketEvent::Data(d)) if d == b"waiting"));
    }

    #[test]
    fn a_name_that_does_not_resolve_is_enotfound() {
        let err = connect_stream("no-such-host.invalid", 80, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "getaddrinfo ENOTFOUND no-such-host.invalid"
        );
    }
}
