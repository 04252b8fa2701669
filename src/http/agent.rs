//! HTTP代理, first reading — `http.Agent`: the client's pool of keep-alive connections.
//!
//! In the book, HTTP代理 is the `Agent`: every `http.request` asks it for a connection to the
//! request's `host:port` (its *origin*). The agent lends an idle keep-alive connection if it
//! has one, opens a new one if the origin has fewer than `max_sockets` (the book's default:
//! 5), and otherwise puts the request in that origin's queue until a connection comes back:
//!
//! ```text
//!   Agent (max_sockets = 5)
//!   ┌──────────────────────────────────────────────────────────────────────────────────┐
//!   │ origin "localhost:1337"                                                          │
//!   │   sockets  (lent out, agent.sockets)      ■ ■ ■ ■ ■        5 of 5: the limit     │
//!   │   free     (idle keep-alive, .freeSockets) (none)                                │
//!   │   requests (waiting, agent.requests)      #6 → #7 → #8      served first-come,   │
//!   │                                                             first-served         │
//!   │ origin "example.com:80"                                                          │
//!   │   sockets ■   free □ □   requests (none)                                         │
//!   └──────────────────────────────────────────────────────────────────────────────────┘
//!
//!   request ──▶ acquire(origin) ── a free socket that is still open? ── yes ──▶ reuse it
//!                     │                         │ (closed by the server meanwhile: drop it)
//!                     │                         no
//!                     │                         ▼
//!                     │            fewer than max_sockets lent? ── yes ──▶ connect a new one
//!                     │                         │ no
//!                     │                         ▼
//!                     └──────────────▶ wait in the queue (a ticket; the condvar wakes
//!                                       every waiter, only the front ticket may take)
//!   response body read to its end, keep-alive ──▶ release: back to "free", and the queue's
//!                                                  front ticket is woken (Node's 'free')
//!   anything else (error, Connection: close, body left unread) ──▶ the connection is closed
//! ```
//!
//! Invariants, kept under the one lock (as ureq's `pool.rs` lists its own):
//!
//! - per origin, `active + free.len() <= max_sockets`;
//! - a ticket is in `queue` only while its thread waits; tickets are served in order;
//! - a [`Lease`] counts in `active` from `acquire` until it is released or dropped, so a
//!   connection that fails to open, or a thread that panics, gives its place back.
//!
//! Where this differs from Node 20: Node's global agent has `maxSockets: Infinity` and
//! `keepAlive: true`; the book's Node had 5 and no keep-alive pool. We keep the book's 5 and
//! keep-alive both, so the pool has something to show. Node reuses the most recently freed
//! socket first (`scheduling: 'lifo'`), and so do we.
//!
//! **Is a free connection still open?** A server closes idle keep-alive connections (ours
//! after 5 s); its FIN then sits unread in our socket. Before lending a free connection the
//! agent looks, without waiting: `set_nonblocking(true)`, `peek`, `set_nonblocking(false)`.
//! `WouldBlock` means open and quiet: lend it. `0` (FIN), bytes nobody asked for, or an error
//! mean it is finished: drop it. (std has no zero read timeout, and the shortest one,
//! 1 µs, becomes a whole kernel tick — 1 to 4 ms — on every reuse; non-blocking costs nothing.)
//! A server may still close it between our look and our request; the client then retries an
//! idempotent request once on a fresh connection (see `client`).
//!
//! **What the pool keeps, and for how long.** Looking only when an origin is used again
//! would keep every connection to an origin nobody asks for any more, open on our side for
//! ever (after the server's FIN, in `CLOSE_WAIT`). So a free connection is closed once it
//! has been free for the free-socket timeout (5 s, as Node's global agent since Node 19),
//! by one sweeper thread per agent that runs while anything is free and looks at least once
//! a second (closing what the server closed meanwhile too); an origin with nothing lent,
//! free or waiting leaves the map; and origins are keyed lowercased with the port written
//! ([`Agent::origin`]), so that `LocalHost` and `localhost` are one pool, not two.

use crate::addr;
use crate::error::NodeError;
use crate::tcp::{self, Place, Places, READ_SIZE, SEND_TIMEOUT};
use crate::timeout::kernel_wait;
use crate::trace::Trace;
use crate::wire::{self, Direction, Side, Tap};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread;
use std::time::{Duration, Instant};

/// The most connections an agent opens to one origin: 5, the figure the book gives for
/// Node's `http.globalAgent.maxSockets` (Node 20's default is `Infinity`).
pub const DEFAULT_MAX_SOCKETS: usize = 5;

/// The most idle connections kept per origin: 256, Node's `maxFreeSockets` default. A
/// connection released past it is closed.
pub const MAX_FREE_SOCKETS: usize = 256;

/// How long a connection may sit free in the pool before it is closed: 5 s, the `timeout`
/// of Node's global agent since Node 19 (a server's keep-alive timeout is often about as
/// long: ours and Node's are 5 s). Node closes a free socket on its `timeout` event; here
/// one sweeper thread per agent does it (see [`Agent::set_free_socket_timeout`]).
pub const FREE_SOCKET_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the sweeper looks at the free connections at most: once a second, so that
/// one the server closed (its FIN unread, our end in `CLOSE_WAIT`) is closed within about a
/// second too, even when nobody asks the pool for anything.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// One client connection: a `TcpStream` and where it goes.
///
/// The client keeps the stream itself (not a [`crate::tcp::Socket`]) because the pool must
/// look at an idle connection without waiting, and a tunnel ([`super::client::Upgraded`])
/// hands the stream to two threads; both need the `TcpStream`.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    remote: SocketAddr,
    /// The read timeout the kernel has now, to skip needless syscalls.
    read_wait: Option<Duration>,
    /// The wire view of this connection (`--wire`), if it is on.
    tap: Option<Tap>,
}

impl Connection {
    /// `net.connect({ host, port })`, as [`tcp::connect_stream`] does it: each resolved
    /// address in order, each attempt waiting at most `timeout` (`None`: the kernel's), the
    /// first that accepts wins. `resolved`, when given, is what `host` resolves to, already
    /// looked up by the caller (Node's `lookup` option): those addresses are tried and the
    /// name is not looked up again. Writes then wait at most [`SEND_TIMEOUT`].
    ///
    /// Fails as Node words it: `getaddrinfo ENOTFOUND host`, or the last address's
    /// `connect ECONNREFUSED 127.0.0.1:1337`.
    pub fn connect(
        host: &str,
        port: u16,
        resolved: Option<&[SocketAddr]>,
        timeout: Option<Duration>,
    ) -> Result<Connection, NodeError> {
        let (stream, remote) = match resolved {
            Some(addrs) => tcp::first_to_accept(host, addrs, timeout)?,
            None => tcp::connect_stream(host, port, timeout)?,
        };
        stream
            .set_write_timeout(Some(SEND_TIMEOUT))
            .map_err(|e| NodeError::syscall("connect", &e))?;
        Ok(Connection {
            stream,
            remote,
            read_wait: None,
            tap: wire::tap(remote, Side::Client),
        })
    }

    /// The server's address (`socket.remoteAddress`).
    pub fn remote_address(&self) -> SocketAddr {
        self.remote
    }

    /// Our end (`socket.localPort` tells connections apart).
    pub fn local_address(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// One read of up to [`READ_SIZE`] bytes, appended to `buf`, waiting at most `wait`.
    /// `Ok(0)`: the server closed. A wait that runs out is `WouldBlock` or `TimedOut` (a zero
    /// one at once, see [`crate::timeout`]).
    pub fn read_into(&mut self, buf: &mut Vec<u8>, wait: Option<Duration>) -> io::Result<usize> {
        let wait = kernel_wait(wait)?;
        if wait != self.read_wait {
            self.stream.set_read_timeout(wait)?;
            self.read_wait = wait;
        }
        let old_len = buf.len();
        buf.resize(old_len + READ_SIZE, 0);
        let result = loop {
            match self.stream.read(&mut buf[old_len..]) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let n = *result.as_ref().unwrap_or(&0);
        buf.truncate(old_len + n);
        if let (Some(tap), Ok(n)) = (&mut self.tap, &result) {
            match n {
                0 => tap.fin(Direction::In),
                _ => tap.read(&buf[old_len..]),
            }
        }
        result
    }

    /// Writes all of `data` (each `write` waits at most [`SEND_TIMEOUT`]).
    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data)?;
        if let Some(tap) = &mut self.tap {
            tap.wrote(data);
        }
        Ok(())
    }

    /// Whether an idle connection can carry another request: nothing arrived on it, not even
    /// the server's FIN. Looks without waiting (see the module docs).
    pub fn still_open(&self) -> bool {
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut byte = [0u8; 1];
        let open =
            matches!(self.stream.peek(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock);
        open && self.stream.set_nonblocking(false).is_ok()
    }

    /// The stream itself, for a connection that has left HTTP (`upgrade`, `connect`).
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }
}

/// Why an [`Agent`] lent no connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcquireError {
    /// A new connection could not be opened: `connect ECONNREFUSED 127.0.0.1:1337`, or
    /// `connect EMFILE` past the server's connection limit ([`Agent::count_against`]).
    Connect(NodeError),
    /// The request's turn in the queue did not come within its wait.
    Timeout,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireError::Connect(e) => write!(f, "{e}"),
            AcquireError::Timeout => f.write_str("no free socket within the timeout"),
        }
    }
}

impl std::error::Error for AcquireError {}

/// What the agent has counted since it was made: the pool made visible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Connections opened.
    pub opened: u64,
    /// Requests that got a free connection instead of a new one.
    pub reused: u64,
    /// Free connections found closed by the server, and dropped unused.
    pub stale: u64,
    /// The most requests that waited at once in one origin's queue.
    pub longest_queue: usize,
}

/// `http.Agent`: a pool of keep-alive connections per origin, at most `max_sockets` each,
/// with a first-come, first-served queue. Cheap to clone: clones share one pool.
///
/// ```no_run
/// use netnotes::http::agent::Agent;
/// let agent = Agent::new(5);
/// let lease = agent.acquire("localhost", 1337).unwrap(); // may wait in the queue
/// assert_eq!(agent.sockets(), [("localhost:1337".to_string(), 1)]);
/// drop(lease); // not released: the connection is closed and its place freed
/// ```
#[derive(Debug, Clone)]
pub struct Agent {
    pool: Arc<Pool>,
}

#[derive(Debug)]
struct Pool {
    max_sockets: usize,
    trace: Trace,
    state: Mutex<State>,
    /// Signalled whenever a place frees up (a release, a drop, a failed connect) or the
    /// queue's front moves: every waiter wakes and checks whether it is its turn.
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    origins: BTreeMap<String, Origin>,
    next_ticket: u64,
    stats: AgentStats,
    /// The server's count every connection of this agent takes a place in, if any.
    places: Option<Places>,
    /// How long a connection may stay free ([`FREE_SOCKET_TIMEOUT`]).
    free_timeout: Duration,
    /// Whether the sweeper thread runs (it does while any connection is free).
    sweeping: bool,
}

#[derive(Debug, Default)]
struct Origin {
    /// Connections lent out now (Node's `agent.sockets[name].length`).
    active: usize,
    /// Idle keep-alive connections, most recently freed last (`agent.freeSockets[name]`).
    free: Vec<Free>,
    /// Tickets of the requests waiting, oldest first (`agent.requests[name]`).
    queue: VecDeque<u64>,
}

/// An idle connection in the pool, with its place in the server's count and since when it
/// is free.
#[derive(Debug)]
struct Free {
    connection: Connection,
    place: Option<Place>,
    since: Instant,
}

/// How [`Agent::take`] served a request.
enum Grant {
    Free(Free),
    Open,
}

impl Agent {
    /// An agent that opens at most `max_sockets` connections per origin (at least 1).
    pub fn new(max_sockets: usize) -> Agent {
        Agent::with_trace(max_sockets, Trace::off("http"))
    }

    /// As [`Agent::new`], tracing the pool's own event, `free` (a connection back in the
    /// pool), and dropped stale connections.
    pub fn with_trace(max_sockets: usize, trace: Trace) -> Agent {
        Agent {
            pool: Arc::new(Pool {
                max_sockets: max_sockets.max(1),
                trace,
                state: Mutex::new(State {
                    free_timeout: FREE_SOCKET_TIMEOUT,
                    ..State::default()
                }),
                changed: Condvar::new(),
            }),
        }
    }

    /// `agent.maxSockets`.
    pub fn max_sockets(&self) -> usize {
        self.pool.max_sockets
    }

    /// Counts every connection this agent opens against a server's connection limit (a
    /// proxy's `--max-connections`), from its opening to its close, free in the pool or
    /// lent. Past the limit a new connection is not opened: `connect EMFILE`, as if the
    /// process had run out of descriptors, which is what the limit stands for.
    pub fn count_against(&self, places: Places) {
        self.pool.lock().places = Some(places);
    }

    /// How long a connection may stay free in the pool before it is closed
    /// ([`FREE_SOCKET_TIMEOUT`]; Node's `new Agent({ keepAlive: true, timeout })`).
    pub fn set_free_socket_timeout(&self, timeout: Duration) {
        self.pool.lock().free_timeout = timeout;
    }

    /// The name of an origin, as the pool keys it: `host:port`, the host lowercased and
    /// unbracketed, the port always written (RFC 3986 §6.2.2.1: the host is case-insensitive;
    /// §6.2.3: a default port is the same origin as no port), so that `LocalHost`,
    /// `localhost` and `LOCALHOST` share one pool. (Node's key also ends with the local
    /// address, `localhost:1337:`, empty here; Node does not lowercase.)
    ///
    /// ```
    /// use netnotes::http::agent::Agent;
    /// assert_eq!(Agent::origin("LocalHost", 80), "localhost:80");
    /// assert_eq!(Agent::origin("[::1]", 1337), "::1:1337");
    /// ```
    pub fn origin(host: &str, port: u16) -> String {
        format!("{}:{port}", addr::unbracket(host).to_ascii_lowercase())
    }

    /// Lends a connection to `host:port`: a free one that is still open, else a new one if
    /// the origin has room, else waits in the origin's queue for its turn, as long as it
    /// takes. Fails only if a new connection cannot be opened.
    pub fn acquire(&self, host: &str, port: u16) -> Result<Lease, AcquireError> {
        self.acquire_with(host, port, None, None, None)
    }

    /// As [`Agent::acquire`], with a time limit on each connection attempt and one on the
    /// wait in the queue: past `wait`, the request leaves the queue with
    /// [`AcquireError::Timeout`]. (Node starts a request's `timeout` only once it has a
    /// socket, so a request queued behind `maxSockets` busy ones waits for ever; here the
    /// wait counts against the request's timeout.) A new connection goes to `resolved` when
    /// given, as [`Connection::connect`] says.
    pub fn acquire_with(
        &self,
        host: &str,
        port: u16,
        resolved: Option<&[SocketAddr]>,
        connect_timeout: Option<Duration>,
        wait: Option<Duration>,
    ) -> Result<Lease, AcquireError> {
        let key = Agent::origin(host, port);
        let deadline = wait.map(|wait| Instant::now() + wait);
        let Some(grant) = self.take(&key, deadline) else {
            return Err(AcquireError::Timeout);
        };
        let lease = |connection, place, reused| Lease {
            pool: Some(Arc::clone(&self.pool)),
            key: key.clone(),
            connection: Some(connection),
            place,
            reused,
        };
        if let Grant::Free(free) = grant {
            return Ok(lease(free.connection, free.place, true));
        }
        let places = self.pool.lock().places.clone();
        let place = match places.map(|places| places.take()) {
            None => None,
            Some(Some(place)) => Some(place),
            Some(None) => {
                self.pool.give_back(&key);
                let emfile = io::Error::from_raw_os_error(24);
                return Err(AcquireError::Connect(NodeError::syscall(
                    "connect", &emfile,
                )));
            }
        };
        match Connection::connect(host, port, resolved, connect_timeout) {
            Ok(connection) => {
                self.pool.lock().stats.opened += 1;
                Ok(lease(connection, place, false))
            }
            Err(err) => {
                self.pool.give_back(&key);
                Err(AcquireError::Connect(err))
            }
        }
    }

    /// Takes a place for `key`: at once if nobody waits and there is a free connection or
    /// room, else after waiting in the queue — until `deadline` at most (`None` once it has
    /// passed: the ticket leaves the queue).
    fn take(&self, key: &str, deadline: Option<Instant>) -> Option<Grant> {
        let pool = &self.pool;
        let mut state = pool.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let mut queued = false;
        loop {
            let State { origins, stats, .. } = &mut *state;
            let origin = origins.entry(key.to_string()).or_default();
            let my_turn = origin.queue.front().is_none_or(|&t| t == ticket);
            if my_turn {
                if let Some(grant) = pool.serve(origin, stats) {
                    if queued {
                        origin.queue.pop_front();
                        // The next in line may be served too (two places freed at once).
                        pool.changed.notify_all();
                    }
                    return Some(grant);
                }
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|left| left.is_zero()) {
                // Out of time: out of the queue, and the one behind may now be at the front.
                origin.queue.retain(|&t| t != ticket);
                state.forget_if_unused(key);
                pool.changed.notify_all();
                return None;
            }
            if !queued {
                origin.queue.push_back(ticket);
                queued = true;
                stats.longest_queue = stats.longest_queue.max(origin.queue.len());
            }
            state = match left {
                None => pool
                    .changed
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
                Some(left) => match pool.changed.wait_timeout(state, left) {
                    Ok((state, _)) => state,
                    Err(poisoned) => poisoned.into_inner().0,
                },
            };
        }
    }

    /// `agent.sockets`: connections lent out now, per origin (origins with none left out).
    pub fn sockets(&self) -> Vec<(String, usize)> {
        self.count(|o| o.active)
    }

    /// `agent.freeSockets`: idle keep-alive connections, per origin.
    pub fn free_sockets(&self) -> Vec<(String, usize)> {
        self.count(|o| o.free.len())
    }

    /// `agent.requests`: requests waiting for a connection, per origin.
    pub fn requests(&self) -> Vec<(String, usize)> {
        self.count(|o| o.queue.len())
    }

    /// Per live origin, one figure; an origin with nothing lent, free or waiting has left the
    /// map, and one whose figure is 0 is left out, as Node deletes an empty list's key.
    fn count(&self, what: impl Fn(&Origin) -> usize) -> Vec<(String, usize)> {
        self.pool
            .lock()
            .origins
            .iter()
            .map(|(key, origin)| (key.clone(), what(origin)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// What the agent has counted so far.
    pub fn stats(&self) -> AgentStats {
        self.pool.lock().stats
    }
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update under this lock is a few integer and Vec operations that cannot
        // panic half-way, so a poisoned lock still guards a consistent state.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A free connection that is still open, or room for a new one; counts it as lent.
    fn serve(&self, origin: &mut Origin, stats: &mut AgentStats) -> Option<Grant> {
        while let Some(free) = origin.free.pop() {
            if free.connection.still_open() {
                origin.active += 1;
                stats.reused += 1;
                return Some(Grant::Free(free));
            }
            stats.stale += 1;
            self.trace.emit(
                "stale",
                Some(free.connection.remote_address()),
                format_args!("closed by the server while free"),
            );
        }
        if origin.active + origin.free.len() < self.max_sockets {
            origin.active += 1;
            return Some(Grant::Open);
        }
        None
    }

    /// A lent place comes back without a connection (closed, or never opened).
    fn give_back(&self, key: &str) {
        let mut state = self.lock();
        if let Some(origin) = state.origins.get_mut(key) {
            origin.active = origin.active.saturating_sub(1);
        }
        state.forget_if_unused(key);
        drop(state);
        self.changed.notify_all();
    }

    /// A lent connection comes back for reuse (Node's agent `free` event).
    fn put_back(self: &Arc<Self>, key: &str, free: Free) {
        let mut state = self.lock();
        let origin = state.origins.entry(key.to_string()).or_default();
        origin.active = origin.active.saturating_sub(1);
        if origin.free.len() < MAX_FREE_SOCKETS {
            self.trace.emit(
                "free",
                Some(free.connection.remote_address()),
                format_args!("{key}"),
            );
            origin.free.push(free);
        }
        state.forget_if_unused(key);
        if !state.sweeping {
            state.sweeping = self.start_sweeper();
        }
        drop(state);
        self.changed.notify_all();
    }

    /// Starts the thread that closes connections free for too long; `false` if it could not
    /// be started (then the next `put_back` tries again, and until then a free connection is
    /// checked only when its origin is used).
    fn start_sweeper(self: &Arc<Self>) -> bool {
        let pool = Arc::downgrade(self);
        thread::Builder::new()
            .name("agent sweeper".into())
            .stack_size(crate::tcp::server::STACK_SIZE)
            .spawn(move || sweep(&pool))
            .is_ok()
    }

    /// Closes the free connections that have been free too long, or that the server closed;
    /// returns how long to wait before the next look, or `None` once nothing is free (the
    /// sweeper then ends; the next `put_back` starts another).
    fn sweep_once(&self) -> Option<Duration> {
        let mut state = self.lock();
        let timeout = state.free_timeout;
        let now = Instant::now();
        let mut closed = Vec::new();
        for origin in state.origins.values_mut() {
            origin.free.retain_mut(|free| {
                let expired = now.duration_since(free.since) >= timeout;
                let keep = !expired && free.connection.still_open();
                if !keep {
                    closed.push((free.connection.remote_address(), expired));
                }
                keep
            });
        }
        state.stats.stale += closed.iter().filter(|(_, expired)| !expired).count() as u64;
        state.origins.retain(|_, origin| !origin.unused());
        let next = state
            .origins
            .values()
            .flat_map(|origin| &origin.free)
            .map(|free| (free.since + timeout).saturating_duration_since(now))
            .min();
        if next.is_none() {
            state.sweeping = false;
        }
        drop(state);
        for (remote, expired) in closed {
            let ms = timeout.as_millis();
            match expired {
                true => self.trace.emit(
                    "timeout",
                    Some(remote),
                    format_args!("free for {ms} ms: closed"),
                ),
                false => self.trace.emit(
                    "stale",
                    Some(remote),
                    format_args!("closed by the server while free"),
                ),
            }
        }
        next.map(|next| next.min(SWEEP_EVERY))
    }
}

/// The sweeper's loop: looks at the free connections when the first may expire, and at least
/// every [`SWEEP_EVERY`], until none is left or the agent is gone.
fn sweep(pool: &Weak<Pool>) {
    loop {
        let Some(wait) = pool.upgrade().and_then(|pool| pool.sweep_once()) else {
            return;
        };
        thread::sleep(wait.max(Duration::from_millis(1)));
    }
}

impl State {
    /// Drops `key` from the map once it has nothing lent, free or waiting: a pool that
    /// served a million origins keeps none of them.
    fn forget_if_unused(&mut self, key: &str) {
        if self.origins.get(key).is_some_and(Origin::unused) {
            self.origins.remove(key);
        }
    }
}

impl Origin {
    fn unused(&self) -> bool {
        self.active == 0 && self.free.is_empty() && self.queue.is_empty()
    }
}

/// A connection lent by an [`Agent`] (or opened alone, without one). Released with
/// [`Lease::release`] once its response has been read to the end, it goes back to the pool;
/// dropped, it is closed and its place freed — the safe default, as in ureq's pool, for a
/// connection whose state is unknown.
#[derive(Debug)]
pub struct Lease {
    pool: Option<Arc<Pool>>,
    key: String,
    connection: Option<Connection>,
    /// The connection's place in the server's count ([`Agent::count_against`]).
    place: Option<Place>,
    reused: bool,
}

impl Lease {
    /// A connection of its own, outside any pool (Node's `agent: false`).
    pub fn unpooled(connection: Connection) -> Lease {
        Lease {
            pool: None,
            key: String::new(),
            connection: Some(connection),
            place: None,
            reused: false,
        }
    }

    /// Whether this connection carried a request before (Node's `req.reusedSocket`).
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// The connection.
    pub fn connection(&mut self) -> &mut Connection {
        self.connection
            .as_mut()
            .expect("a Lease holds its connection until release or drop")
    }

    /// Replaces the connection with a fresh one to the same origin, keeping the place in
    /// the pool: for the one retry of a request whose reused connection turned out closed.
    /// On failure the lease is gone (its place given back) and the error says why.
    pub fn reconnect(
        mut self,
        host: &str,
        port: u16,
        resolved: Option<&[SocketAddr]>,
        timeout: Option<Duration>,
    ) -> Result<Lease, NodeError> {
        self.connection = None; // the dead one is closed first
        let fresh = Connection::connect(host, port, resolved, timeout)?;
        if let Some(pool) = &self.pool {
            pool.lock().stats.opened += 1;
        }
        self.connection = Some(fresh);
        self.reused = false;
        Ok(self)
    }

    /// Gives the connection back for reuse (keep-alive); without a pool it is closed.
    pub fn release(mut self) {
        if let (Some(pool), Some(connection)) = (self.pool.take(), self.connection.take()) {
            let place = self.place.take();
            let since = Instant::now();
            pool.put_back(
                &self.key,
                Free {
                    connection,
                    place,
                    since,
                },
            );
        }
    }

    /// Takes the connection out of the pool for good (an upgrade, a tunnel): its place is
    /// freed, the connection is the caller's.
    pub fn detach(mut self) -> Connection {
        let connection = self
            .connection
            .take()
            .expect("a Lease holds its connection until release or drop");
        if let Some(pool) = self.pool.take() {
            pool.give_back(&self.key);
        }
        connection
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            self.connection = None;
            pool.give_back(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    /// A listener that accepts every connection and keeps it (in a channel) until the test
    /// ends; counts what it accepted.
    fn listener() -> (u16, mpsc::Receiver<TcpStream>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if tx.send(stream).is_err() {
                    break;
                }
            }
        });
        (port, rx)
    }

    fn until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_released_connection_is_lent_again_and_a_dropped_one_is_not() {
        let (port, accepted) = listener();
        let agent = Agent::new(5);
        let first = agent.acquire("127.0.0.1", port).unwrap();
        assert!(!first.reused());
        let origin = format!("127.0.0.1:{port}");
        assert_eq!(agent.sockets(), [(origin.clone(), 1)]);
        first.release();
        assert_eq!(agent.sockets(), []);
        assert_eq!(agent.free_sockets(), [(origin.clone(), 1)]);
        let again = agent.acquire("127.0.0.1", port).unwrap();
        assert!(again.reused());
        drop(again);
        assert_eq!(agent.free_sockets(), []);
        let fresh = agent.acquire("127.0.0.1", port).unwrap();
        assert!(!fresh.reused());
        assert_eq!(
            agent.stats(),
            AgentStats {
                opened: 2,
                reused: 1,
                stale: 0,
                longest_queue: 0
            }
        );
        drop(fresh);
        for _ in 0..2 {
            assert!(accepted.recv_timeout(Duration::from_secs(10)).is_ok());
        }
    }

    #[test]
    fn a_free_connection_the_server_closed_is_dropped_not_lent() {
        let (port, accepted) = listener();
        let agent = Agent::new(5);
        let lease = agent.acquire("127.0.0.1", port).unwrap();
        let server_side = accepted.recv().unwrap();
        lease.release();
        drop(server_side); // the server closes the idle connection: FIN
        let probe = Connection::connect("127.0.0.1", port, None, None).unwrap();
        let _probe_server = accepted.recv().unwrap();
        assert!(probe.still_open(), "an open, quiet connection is reusable");
        // Wait (bounded) until our end has seen the FIN, as a later request would (or the
        // sweeper has, and closed the connection already).
        until("the FIN", || {
            let state = agent.pool.lock();
            state
                .origins
                .get(&format!("127.0.0.1:{port}"))
                .and_then(|origin| origin.free.first())
                .is_none_or(|free| !free.connection.still_open())
        });
        let next = agent.acquire("127.0.0.1", port).unwrap();
        assert!(!next.reused(), "the closed connection was lent");
        assert_eq!(agent.stats().stale, 1);
        assert_eq!(agent.stats().opened, 2);
    }

    #[test]
    fn spellings_of_one_host_share_one_pool_and_an_unused_origin_leaves_the_map() {
        let (port, _accepted) = listener();
        let agent = Agent::new(5);
        let first = agent.acquire("LocalHost", port).unwrap();
        first.release();
        let again = agent.acquire("LOCALHOST", port).unwrap();
        assert!(again.reused(), "LOCALHOST is localhost's pool");
        assert_eq!(agent.sockets(), [(format!("localhost:{port}"), 1)]);
        drop(again); // closed: nothing lent, free or waiting
        assert!(agent.pool.lock().origins.is_empty());
        assert_eq!(agent.sockets(), []);
        assert_eq!(agent.free_sockets(), []);
    }

    #[test]
    fn a_free_connection_is_closed_after_the_free_socket_timeout_with_no_other_traffic() {
        let (port, accepted) = listener();
        let agent = Agent::new(5);
        let timeout = Duration::from_millis(200);
        agent.set_free_socket_timeout(timeout);
        let lease = agent.acquire("127.0.0.1", port).unwrap();
        let mut server_side = accepted.recv().unwrap();
        let freed = Instant::now();
        lease.release();
        // The server sees our FIN: the connection was closed on our side, unasked.
        server_side
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(server_side.read(&mut [0u8; 1]).unwrap(), 0);
        let after = freed.elapsed();
        assert!(
            after >= timeout && after < timeout + SWEEP_EVERY + Duration::from_secs(2),
            "closed {after:?} after it was freed; the timeout is {timeout:?}"
        );
        until("the origin to leave the map", || {
            agent.pool.lock().origins.is_empty()
        });
        assert_eq!(agent.free_sockets(), []);
    }

    #[test]
    fn past_max_sockets_requests_wait_and_are_served_in_order() {
        let (port, _accepted) = listener();
        let agent = Agent::new(2);
        let a = agent.acquire("127.0.0.1", port).unwrap();
        let b = agent.acquire("127.0.0.1", port).unwrap();
        let origin = format!("127.0.0.1:{port}");
        let (served_tx, served) = mpsc::channel();
        let mut waiters = Vec::new();
        for i in 0..4 {
            let waiter = agent.clone();
            let served_tx = served_tx.clone();
            waiters.push(thread::spawn(move || {
                let lease = waiter.acquire("127.0.0.1", port).unwrap();
                served_tx.send(i).unwrap();
                lease
            }));
            // Each waiter is in the queue before the next one starts: the order is known.
            until("the queue to grow", || {
                agent.requests() == [(origin.clone(), i + 1)]
            });
        }
        assert_eq!(agent.sockets(), [(origin.clone(), 2)]);
        // One place at a time: each goes to the front of the queue.
        a.release();
        assert_eq!(served.recv().unwrap(), 0);
        drop(b);
        assert_eq!(served.recv().unwrap(), 1);
        let mut leases: Vec<Lease> = Vec::new();
        for (i, waiter) in waiters.into_iter().enumerate().take(2) {
            let lease = waiter.join().unwrap();
            assert_eq!(lease.reused(), i == 0);
            leases.push(lease);
        }
        leases.pop().unwrap().release();
        assert_eq!(served.recv().unwrap(), 2);
        leases.pop().unwrap().release();
        assert_eq!(served.recv().unwrap(), 3);
        assert_eq!(agent.stats().longest_queue, 4);
        assert_eq!(agent.requests(), []);
    }

    #[test]
    fn a_zero_read_wait_is_up_at_once_not_for_ever() {
        let (port, accepted) = listener();
        let mut connection = Connection::connect("127.0.0.1", port, None, None).unwrap();
        let _server_side = accepted.recv().unwrap();
        let mut buf = Vec::new();
        let err = connection
            .read_into(&mut buf, Some(Duration::ZERO))
            .unwrap_err();
        assert!(crate::timeout::is_timeout(&err), "{err:?}");
    }

    #[test]
    fn a_wait_in_the_queue_ends_at_its_deadline_and_leaves_the_queue() {
        let (port, _accepted) = listener();
        let agent = Agent::new(1);
        let busy = agent.acquire("127.0.0.1", port).unwrap();
        let wait = Duration::from_millis(150);
        let started = Instant::now();
        let err = agent
            .acquire_with("127.0.0.1", port, None, None, Some(wait))
            .unwrap_err();
        let waited = started.elapsed();
        assert_eq!(err, AcquireError::Timeout);
        assert!(
            waited >= wait && waited < wait + Duration::from_secs(2),
            "gave up after {waited:?}; the wait was {wait:?}"
        );
        assert_eq!(agent.requests(), [], "the ticket left the queue");
        // The queue is not stuck behind the ticket that left: the next one is served.
        busy.release();
        let next = agent
            .acquire_with("127.0.0.1", port, None, None, Some(wait))
            .unwrap();
        assert!(next.reused());
    }

    #[test]
    fn a_failed_connect_gives_its_place_back() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let agent = Agent::new(1);
        let err = agent.acquire("127.0.0.1", port).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("connect ECONNREFUSED 127.0.0.1:{port}")
        );
        assert_eq!(agent.sockets(), []);
        assert!(agent.acquire("127.0.0.1", port).is_err(), "no deadlock");
    }
}
