//! The TCP server: the notes' 1.1 服务器事件 (`listening`, `connection`, `close`, `error`,
//! plus Node's `drop`).
//!
//! `net.createServer(handler).listen(8124)` becomes:
//!
//! ```no_run
//! use netnotes::tcp::{Server, ServerOptions, SocketEvent};
//! use netnotes::trace::Trace;
//!
//! let options = ServerOptions::new(Trace::new("tcp", true));
//! let server = Server::listen("127.0.0.1:8124".parse().unwrap(), options).unwrap(); // 'listening'
//! server.run(|mut socket| {                                   // 'connection', on its own thread
//!     while let Some(event) = socket.next_event() {
//!         if let SocketEvent::Data(_) = event {
//!             socket.write(b"hello");
//!         }
//!     }
//! });
//! ```
//!
//! The accept loop and the threads:
//!
//! ```text
//!   main thread                         one thread per connection ("tcp worker 7")
//!   ───────────                         ───────────────────────────────────────────────────
//!   listen()            → listening
//!   loop accept()       → connection
//!     over the limit?   → drop (closed at once)
//!     a thread waiting? → hand it over ───────▶ handler(socket): while let Some(ev) = next_event()
//!     else              → spawn one ──────────▶ ... then wait up to PARK_TIME for the next one
//!     accept failed?    → error, back off, go on
//!   close() requested   → stop accepting, wait for the handlers to return → close
//!
//!   with an idle timeout (ServerOptions::idle_timeout), one more thread, "idle reaper":
//!   ends the connections marked idle (Socket::set_idle) for that long
//! ```
//!
//! Where Node and this differ: Node runs every connection on one thread and one event loop;
//! here each connection is a thread with a small stack ([`STACK_SIZE`]). The cost of that is
//! memory per connection and a hard limit, so there is a limit: [`ServerOptions::max_connections`].
//!
//! **Waking a blocked `accept`.** `server.close()` must stop a thread that sits in `accept()`,
//! which std cannot interrupt. Two ways: accept in non-blocking mode and check a flag every few
//! milliseconds, or set the flag and then connect to our own listening address, so that
//! `accept()` returns and the loop sees the flag. We do the second: it costs nothing while the
//! server runs (no polling, no wake-ups), and only one short-lived connection at the end.

use super::places::{Count, Places};
use super::socket::Socket;
use crate::error::NodeError;
use crate::trace::Trace;
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// The stack each connection thread gets. A handler needs little: reads go to the heap, and
/// the first read of each wait goes into 1 KiB the thread has beside its stack. (Much smaller
/// stacks do not save memory: the pages a thread touches are what cost, and glibc touches a
/// few whatever the size.)
pub const STACK_SIZE: usize = 64 * 1024;

/// The default limit on open connections, `--max-connections` (docs/src/command-line.md):
/// 15,000. Node sets none, but each of our connections is a thread and a descriptor, and
/// 15,000 leaves room under a `ulimit -n` of 20,000.
pub const DEFAULT_MAX_CONNECTIONS: usize = 15_000;

/// How long the accept loop waits after running out of descriptors (`EMFILE`) or memory
/// before it tries again, so that it does not spin while nothing can be accepted.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long a thread that has finished its connection waits for another before it exits.
/// Long enough to carry a steady stream of short connections from one to the next; short
/// enough that the threads of a burst that has passed are soon gone.
pub const PARK_TIME: Duration = Duration::from_secs(2);

/// At most this many finished threads wait for a next connection at once; the others exit.
/// Each waiting thread keeps its stack's touched pages (8 KiB or so): 1 MiB for all of them.
pub const MAX_PARKED: usize = 128;

/// Threads that have finished a connection and wait for the next one, and the connections
/// handed to them.
///
/// Starting a thread costs tens of microseconds (an `mmap` for the stack, `clone`, the
/// thread's own set-up, then the same again in reverse when it ends); handing a socket to a
/// thread that is already waiting costs a lock and one wake-up. A client that opens a
/// connection per request pays the first on every request. It is the Rust book's
/// `ThreadPool` (ch. 21) with two changes: the pool grows as connections need threads, never
/// queueing one behind another, and a thread that waits too long leaves.
///
/// ```text
///   accept loop                         threads
///   hand_over(socket):                  after a connection: next()
///     waiting > queue.len()?              waiting += 1
///       yes: queue.push(socket) ─────▶    wait (up to PARK_TIME) for queue.pop()
///       no:  spawn a new thread           got one: serve it, then next() again
///                                         timed out or closed: waiting -= 1, exit
/// ```
///
/// The rule `waiting > queue.len()` keeps every queued connection matched to a waiting
/// thread, and a thread leaves only when the queue is empty, so nothing handed over is lost.
#[derive(Debug, Default)]
struct Parked {
    state: Mutex<ParkedState>,
    handed: Condvar,
}

#[derive(Debug, Default)]
struct ParkedState {
    /// Threads waiting now.
    waiting: usize,
    /// Connections handed over and not yet picked up (never more than `waiting`).
    queue: VecDeque<Socket>,
    /// The server has closed: waiting threads leave.
    closed: bool,
}

impl Parked {
    fn state(&self) -> MutexGuard<'_, ParkedState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives `socket` to a waiting thread; gives it back if no thread is free.
    fn hand_over(&self, socket: Socket) -> Option<Socket> {
        let mut state = self.state();
        if state.waiting > state.queue.len() {
            state.queue.push_back(socket);
            drop(state);
            self.handed.notify_one();
            None
        } else {
            Some(socket)
        }
    }

    /// Waits up to [`PARK_TIME`] for a connection; `None`: the thread should exit.
    fn next(&self) -> Option<Socket> {
        let mut state = self.state();
        if state.closed || state.waiting >= MAX_PARKED {
            return None;
        }
        state.waiting += 1;
        let deadline = Instant::now() + PARK_TIME;
        loop {
            if let Some(socket) = state.queue.pop_front() {
                state.waiting -= 1;
                return Some(socket);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || state.closed {
                state.waiting -= 1;
                return None;
            }
            state = match self.handed.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// The server has closed: waiting threads leave now.
    fn close(&self) {
        self.state().closed = true;
        self.handed.notify_all();
    }
}

/// One event of a TCP server, named as Node names it.
///
/// `listening` is not here: it is [`Server::listen`] returning `Ok`.
#[derive(Debug)]
pub enum ServerEvent {
    /// `connection`: a client connected; its socket.
    Connection(Socket),
    /// `drop`: a client connected past the limit and was closed at once.
    Drop(SocketAddr),
    /// `error`: `accept()` failed (out of descriptors, say). The server goes on.
    Error(NodeError),
    /// `close`: the server stopped accepting and every connection has finished.
    Close,
}

/// How a server runs: its trace, its connection limit, when to stop.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// Where events are traced.
    pub trace: Trace,
    /// Past this many open connections a new one is closed at once (`drop`).
    pub max_connections: usize,
    /// Close the server once this many connections have finished (`--exit-after`).
    pub exit_after: Option<u64>,
    /// End a connection that has been idle this long ([`Socket::set_idle`]); `None`: never.
    /// Zero: as soon as it becomes idle.
    pub idle_timeout: Option<Duration>,
}

impl ServerOptions {
    /// Default options with the given trace.
    pub fn new(trace: Trace) -> ServerOptions {
        ServerOptions {
            trace,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            exit_after: None,
            idle_timeout: None,
        }
    }
}
/// A handle that closes the server from any thread: `server.close()`.
#[derive(Debug, Clone)]
pub struct CloseHandle {
    count: Arc<Count>,
}

impl CloseHandle {
    /// Stops accepting and ends idle connections (see `Socket::set_idle`); busy ones go on
    /// until they finish, then `Close` is emitted.
    pub fn close(&self) {
        self.count.close();
    }
}
/// A listening TCP server: `net.createServer()` after `listen()`.
#[derive(Debug)]
pub struct Server {
    listener: Option<TcpListener>,
    local: SocketAddr,
    options: ServerOptions,
    count: Arc<Count>,
    /// Threads waiting for their next connection (`run` only).
    parked: Arc<Parked>,
}

impl Server {
    /// `server.listen(port, host)`: binds and listens; `Ok` is Node's `listening` event, and is
    /// traced as such. Port 0 asks the kernel for a free port: see [`Server::local_address`].
    ///
    /// Fails with Node's words: `listen EADDRINUSE: address already in use 127.0.0.1:8124`.
    pub fn listen(addr: SocketAddr, options: ServerOptions) -> Result<Server, NodeError> {
        let listener =
            TcpListener::bind(addr).map_err(|e| NodeError::described_at("listen", &e, addr))?;
        let local = listener
            .local_addr()
            .map_err(|e| NodeError::described_at("listen", &e, addr))?;
        let count = Arc::new(Count::new(
            wake_address(local),
            options.max_connections,
            options.exit_after,
            options.idle_timeout,
        ));
        if let Some(timeout) = options.idle_timeout.filter(|timeout| !timeout.is_zero()) {
            let count = Arc::downgrade(&count);
            // Without this thread the connections are still served; only the idle timeout
            // is not kept, as if it were longer than the server's life.
            let _ = thread::Builder::new()
                .name("idle reaper".into())
                .stack_size(STACK_SIZE)
                .spawn(move || Count::reap_idle(&count, timeout));
        }
        options
            .trace
            .emit("listening", Some(local), format_args!(""));
        Ok(Server {
            listener: Some(listener),
            local,
            options,
            count,
            parked: Arc::default(),
        })
    }

    /// `server.address()`: where the server listens, with the real port.
    pub fn local_address(&self) -> SocketAddr {
        self.local
    }

    /// A handle for `server.close()` from another thread.
    pub fn close_handle(&self) -> CloseHandle {
        CloseHandle {
            count: Arc::clone(&self.count),
        }
    }

    /// Places in this server's connection count, for connections its handlers open.
    pub fn places(&self) -> Places {
        Places {
            shared: Arc::clone(&self.count),
        }
    }

    /// Waits for the next server event; `None` after `Close`.
    pub fn next_event(&mut self) -> Option<ServerEvent> {
        loop {
            let listener = self.listener.as_ref()?;
            if self.count.closing() {
                return Some(self.finish_close());
            }
            let (stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Interrupted | ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue
                }
                Err(e) => {
                    let err = NodeError::syscall("accept", &e);
                    self.options
                        .trace
                        .emit("error", None, format_args!("{err}"));
                    if matches!(err.code(), "EMFILE" | "ENFILE" | "ENOBUFS" | "ENOMEM") {
                        thread::sleep(ACCEPT_BACKOFF);
                    }
                    return Some(ServerEvent::Error(err));
                }
            };
            if self.count.closing() {
                continue; // the wake-up connection, or one that raced it: not served
            }
            let Some(slot) = self.count.admit() else {
                drop(stream);
                return Some(self.refuse(peer));
            };
            let socket = Socket::new(stream, peer, self.options.trace, true, Some(slot));
            self.options
                .trace
                .emit("connection", Some(peer), format_args!(""));
            return Some(ServerEvent::Connection(socket));
        }
    }

    /// Runs the accept loop until the server closes, calling `handler` with each connection's
    /// socket on a thread of its own. A thread that cannot be started refuses that one
    /// connection (traced as `drop`); the server goes on.
    ///
    /// A thread whose connection has finished does not exit at once: it waits up to
    /// [`PARK_TIME`] for the next connection, and the accept loop hands new connections to
    /// such waiting threads before it starts new ones (`Parked`, in the source). Still one
    /// thread per open connection; only the starting and ending of threads is saved.
    pub fn run<F>(mut self, handler: F)
    where
        F: Fn(Socket) + Send + Sync + 'static,
    {
        let handler = Arc::new(handler);
        let mut started = 0u64;
        while let Some(event) = self.next_event() {
            if let ServerEvent::Connection(socket) = event {
                let Some(socket) = self.parked.hand_over(socket) else {
                    continue; // a waiting thread has it
                };
                let peer = socket.remote_address();
                let handler = Arc::clone(&handler);
                let parked = Arc::clone(&self.parked);
                started += 1;
                // Named for ps -L and panic messages. A thread may serve several connections
                // one after another, so the name is a number, not a peer: the trace lines
                // carry each connection's peer.
                let spawned = thread::Builder::new()
                    .name(format!("tcp worker {started}"))
                    .stack_size(STACK_SIZE)
                    .spawn(move || {
                        handler(socket);
                        while let Some(socket) = parked.next() {
                            handler(socket);
                        }
                    });
                if spawned.is_err() {
                    // The closure, and the socket in it, are dropped: the connection closes.
                    self.refuse(peer);
                }
            }
        }
    }

    fn refuse(&self, peer: SocketAddr) -> ServerEvent {
        self.options
            .trace
            .emit("drop", Some(peer), format_args!(""));
        ServerEvent::Drop(peer)
    }

    /// Stops listening (new clients are refused by the kernel from now on), waits until every
    /// connection has finished, and reports `close`.
    fn finish_close(&mut self) -> ServerEvent {
        self.listener = None;
        self.parked.close();
        self.count.wait_until_finished();
        self.options
            .trace
            .emit("close", None, format_args!("server"));
        ServerEvent::Close
    }
}

/// Where to connect to reach our own listener: the address itself, or loopback of the same
/// family when we listen on every interface (`0.0.0.0`, `::`).
fn wake_address(local: SocketAddr) -> SocketAddr {
    match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), local.port())
        }
        _ => local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::SocketEvent;
    use std::net::TcpStream;

    #[test]
    fn a_connection_that_has_traced_its_close_no_longer_counts() {
        let mut options = ServerOptions::new(Trace::off("tcp"));
        options.max_connections = 1;
        let mut server = Server::listen("127.0.0.1:0".parse().unwrap(), options).unwrap();
        let at = server.local_address();
        let first = TcpStream::connect(at).unwrap();
        let Some(ServerEvent::Connection(mut socket)) = server.next_event() else {
            panic!("the first connection was not accepted");
        };
        drop(first);
        while !matches!(socket.next_event(), Some(SocketEvent::Close { .. }) | None) {}
        // The socket is still alive (its handler has not returned), but it has reported its
        // close: its place is free.
        let _second = TcpStream::connect(at).unwrap();
        let event = server.next_event();
        assert!(
            matches!(event, Some(ServerEvent::Connection(_))),
            "the newcomer after a traced close: {event:?}"
        );
        drop(socket);
    }
}
