//! The TCP server's count of open connections, behind two of the notes' 1.1 服务器事件:
//! Node's `server.maxConnections` (past it a new connection is closed at once, the `drop`
//! event) and `server.close()`, whose `close` event waits for every connection to finish.
//!
//! Each accepted connection holds a `Slot`, which its [`super::Socket`] gives back as it
//! traces its `close`; each connection a handler opens for itself (a proxy's upstreams and
//! tunnels) holds a [`Place`]; `--exit-after` is counted here too ([`ExitAfter`]). The
//! server's accept loop asks the count for a slot before it starts a connection, and waits
//! on it when it closes. Kept apart from the server so that a socket can hold its slot
//! without knowing the server.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// `--exit-after N`: counts what a server has finished — connections, requests, WebSocket
/// sessions — across its threads, and says which one is the N-th, after which the server
/// closes.
///
/// Without a limit it counts nothing: every connection thread adding to one counter would
/// move that counter's cache line between the cores for every request.
///
/// ```
/// use netnotes::tcp::ExitAfter;
/// let exit_after = ExitAfter::new(Some(2));
/// assert_eq!([exit_after.count(), exit_after.count(), exit_after.count()], [false, true, true]);
/// assert!(!ExitAfter::new(None).count());
/// ```
#[derive(Debug)]
pub struct ExitAfter {
    limit: Option<u64>,
    counted: AtomicU64,
}

impl ExitAfter {
    /// Counts up to `limit`; `None`: the server never closes by itself.
    pub fn new(limit: Option<u64>) -> ExitAfter {
        ExitAfter {
            limit,
            counted: AtomicU64::new(0),
        }
    }

    /// Counts one more; `true` if that one reached the limit (the N-th, or any after it:
    /// they finish while the server closes).
    pub fn count(&self) -> bool {
        self.limit
            .is_some_and(|n| self.counted.fetch_add(1, Ordering::SeqCst) + 1 >= n)
    }
}

/// A connection on the server's idle list.
#[derive(Debug)]
struct Listed {
    /// Its stream, to shut it down.
    stream: Arc<TcpStream>,
    /// Whether it is idle now.
    idle: Arc<AtomicBool>,
}

/// A server's count of open connections and what closing it takes, shared by the accept
/// loop, the connections' slots and the places its handlers take.
#[derive(Debug)]
pub(super) struct Count {
    closing: AtomicBool,
    /// Where `close()` connects to wake a blocked `accept()`.
    wake: SocketAddr,
    /// Connections open now; the condvar is signalled when one finishes.
    open: Mutex<usize>,
    finished_one: Condvar,
    /// Places held by connections the server did not accept ([`Places`]): they count
    /// against the limit, but a closing server does not wait for them. Only raised while
    /// `open` is locked, so that the limit check sees both at once.
    extra: AtomicUsize,
    max_connections: usize,
    /// Finished connections, under `--exit-after`.
    exit_after: ExitAfter,
    /// Connections that have been idle at least once (`Socket::set_idle`), by slot number,
    /// each with a flag saying whether it is idle now: `close()` shuts those down at once.
    idle: Mutex<HashMap<u64, Listed>>,
    next_slot: AtomicU64,
}

impl Count {
    /// No connection yet; `wake` is where `close()` connects to wake the accept loop.
    pub(super) fn new(wake: SocketAddr, max_connections: usize, exit_after: Option<u64>) -> Count {
        Count {
            closing: AtomicBool::new(false),
            wake,
            open: Mutex::new(0),
            finished_one: Condvar::new(),
            extra: AtomicUsize::new(0),
            max_connections,
            exit_after: ExitAfter::new(exit_after),
            idle: Mutex::new(HashMap::new()),
            next_slot: AtomicU64::new(0),
        }
    }

    /// A place for a connection just accepted, or `None` if the server is at its limit.
    pub(super) fn admit(self: &Arc<Count>) -> Option<Slot> {
        let mut open = self.open();
        if *open + self.extra.load(Ordering::SeqCst) >= self.max_connections {
            return None;
        }
        *open += 1;
        drop(open);
        Some(Slot {
            shared: Arc::clone(self),
            id: self.next_slot.fetch_add(1, Ordering::Relaxed),
            idle: OnceCell::new(),
        })
    }

    /// Whether `close()` has been called.
    pub(super) fn closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Waits until every accepted connection has given its place back.
    pub(super) fn wait_until_finished(&self) {
        let mut open = self.open();
        while *open > 0 {
            open = self
                .finished_one
                .wait(open)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn open(&self) -> MutexGuard<'_, usize> {
        // A thread that panicked while holding the lock leaves a count that is still right.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `server.close()`: stops the accept loop and ends idle connections.
    pub(super) fn close(&self) {
        if !self.closing.swap(true, Ordering::SeqCst) {
            // Wake the accept loop; if this fails, the listener is already gone.
            let _ = TcpStream::connect_timeout(&self.wake, Duration::from_secs(1));
        }
        self.close_idle();
    }

    fn idle(&self) -> MutexGuard<'_, HashMap<u64, Listed>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Shuts down every idle connection: its thread's read returns 0 and it finishes.
    fn close_idle(&self) {
        for listed in self.idle().values() {
            if listed.idle.load(Ordering::SeqCst) {
                // Fails only if the peer is already gone, which is the same outcome.
                let _ = listed.stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// A connection's place in the server's count. The socket holds it and gives it back as
/// it traces its `close` ([`Slot::release`]) — at its `Close` event, or when it is dropped
/// before that (a handler that returned early, or panicked) — so a slot is only ever given
/// back through `release`.
#[derive(Debug)]
pub(crate) struct Slot {
    shared: Arc<Count>,
    id: u64,
    /// Whether the connection is idle now; shared with the server's idle list once the
    /// connection has been idle (unset before).
    idle: OnceCell<Arc<AtomicBool>>,
}

impl Slot {
    /// Marks the connection idle or busy. If the server is already closing, an idle
    /// connection is shut down at once.
    ///
    /// An HTTP connection calls this twice per request, so the common case takes no lock:
    /// the connection joins the server's list the first time it is idle (one lock) and only
    /// flips its flag after that. `close()` sets `closing`, then shuts down every listed
    /// connection whose flag is up; a connection sets its flag, then checks `closing`. With
    /// both in sequentially consistent order, one of the two always sees the other, so an
    /// idle connection is never missed.
    pub(crate) fn set_idle(&self, stream: &Arc<TcpStream>, idle: bool) {
        let flag = match self.idle.get() {
            Some(flag) => flag,
            None if !idle => return, // never listed: nothing to take back
            None => self.idle.get_or_init(|| {
                let flag = Arc::new(AtomicBool::new(false));
                let listed = Listed {
                    stream: Arc::clone(stream),
                    idle: Arc::clone(&flag),
                };
                self.shared.idle().insert(self.id, listed);
                flag
            }),
        };
        flag.store(idle, Ordering::SeqCst);
        if idle && self.shared.closing.load(Ordering::SeqCst) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Gives the place back while `closed` runs (the socket's `close` trace), under the
    /// count's lock, as Node counts a socket out before it emits `close`: the accept loop
    /// sees the place free and the close traced as one step, so a newcomer accepted after
    /// the trace line is counted without this connection, and a closing server traces its
    /// own `close` after this one.
    pub(crate) fn release(self, closed: impl FnOnce()) {
        if self.idle.get().is_some() {
            self.shared.idle().remove(&self.id);
        }
        let mut open = self.shared.open();
        *open -= 1;
        closed();
        // Only a closing server waits for connections to finish, and it sets `closing`
        // before it first looks at the count: a connection that finishes sooner is counted
        // by that look, one that finishes later sees `closing`. (A notify is a system call
        // even with nobody waiting, so this saves one per connection.)
        let closing = self.shared.closing.load(Ordering::SeqCst);
        drop(open);
        if closing {
            self.shared.finished_one.notify_all();
        }
        if self.shared.exit_after.count() {
            self.shared.close();
        }
    }
}

/// Places in a server's count of open connections for the connections its handlers open
/// themselves — a proxy's upstreams and tunnels — so that each costs a place as an accepted
/// connection does, and one client cannot make the server open more than the limit allows
/// (`--max-connections`). Cheap to clone.
///
/// A closing server does not wait for these: a pool may keep them after the last request.
#[derive(Debug, Clone)]
pub struct Places {
    pub(super) shared: Arc<Count>,
}

impl Places {
    /// One place, or `None` if the server is at its limit.
    pub fn take(&self) -> Option<Place> {
        let open = self.shared.open();
        let extra = self.shared.extra.load(Ordering::SeqCst);
        if *open + extra >= self.shared.max_connections {
            return None;
        }
        self.shared.extra.fetch_add(1, Ordering::SeqCst);
        drop(open);
        Some(Place {
            shared: Arc::clone(&self.shared),
        })
    }
}

/// One place taken from [`Places`]; given back when dropped.
#[derive(Debug)]
pub struct Place {
    shared: Arc<Count>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.shared.extra.fetch_sub(1, Ordering::SeqCst);
    }
}
