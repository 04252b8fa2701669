//! The TCP server's count of open connections, behind two of the notes' 1.1 服务器事件:
//! Node's `server.maxConnections` (past it a new connection is closed at once, the `drop`
//! event) and `server.close()`, whose `close` event waits for every connection to finish;
//! and its list of idle connections, which `close()` ends at once and the server's idle
//! timeout ends when they have been idle too long (an HTTP server's `keepAliveTimeout`).
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
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

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
    /// Whether it is idle now, and since when: [`BUSY`], [`ENDED`], or the idle reaper's
    /// tick ([`Count::tick`]) at the moment it became idle.
    idle: Arc<AtomicU64>,
}

/// [`Listed::idle`]: the connection is busy.
const BUSY: u64 = 0;
/// [`Listed::idle`]: the server ended the connection while it was idle.
const ENDED: u64 = u64::MAX;

/// Ends a connection, whose mark ([`Listed::idle`]) is `mark`, if it is still idle since
/// `since` (any idle moment, if `None`): marks it [`ENDED`], then shuts it down, so that its
/// thread's read returns 0. The mark and the connection's own return to work
/// ([`Slot::set_idle`]) are one atomic step each, so exactly one of them happens: a request
/// read in the same instant is either served or never looked at, and a connection that went
/// back to work is not cut.
fn end_if_idle(mark: &AtomicU64, stream: &TcpStream, since: Option<u64>) {
    let now = mark.load(Ordering::SeqCst);
    if now == BUSY || now == ENDED || since.is_some_and(|since| since != now) {
        return;
    }
    if mark
        .compare_exchange(now, ENDED, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        // Fails only if the peer is already gone, which is the same outcome.
        let _ = stream.shutdown(Shutdown::Both);
    }
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
    /// each saying whether it is idle now and since when: `close()` shuts those down at once.
    idle: Mutex<HashMap<u64, Listed>>,
    /// How long a connection may stay idle before the server ends it (`None`: for ever).
    idle_timeout: Option<Duration>,
    /// Signalled for the idle reaper ([`Count::reap_idle`]) when the server closes, and
    /// when the idle list stops being empty.
    reaper: Condvar,
    /// The idle reaper's clock: counts its ticks, from 1.
    tick: AtomicU64,
    next_slot: AtomicU64,
}

impl Count {
    /// No connection yet; `wake` is where `close()` connects to wake the accept loop. With
    /// a nonzero `idle_timeout`, the server runs [`Count::reap_idle`] on a thread of its
    /// own; a zero one ends connections as soon as they become idle.
    pub(super) fn new(
        wake: SocketAddr,
        max_connections: usize,
        exit_after: Option<u64>,
        idle_timeout: Option<Duration>,
    ) -> Count {
        Count {
            closing: AtomicBool::new(false),
            wake,
            open: Mutex::new(0),
            finished_one: Condvar::new(),
            extra: AtomicUsize::new(0),
            max_connections,
            exit_after: ExitAfter::new(exit_after),
            idle: Mutex::new(HashMap::new()),
            idle_timeout,
            reaper: Condvar::new(),
            tick: AtomicU64::new(1),
            next_slot: AtomicU64::new(0),
        }
    }

    /// The idle reaper: ends each connection idle for `timeout`, until the server closes or
    /// is gone.
    ///
    /// Why a thread rather than a read timeout (`SO_RCVTIMEO`): a blocking read with a
    /// timeout makes the kernel start a timer and cancel it for every wait, and an HTTP
    /// connection waits once per request. Here a connection that becomes idle only notes
    /// the reaper's tick, a number it reads from memory: no clock, no system call. Node
    /// keeps its timeouts in user space too, in lists, not in the kernel.
    ///
    /// ```text
    ///   tick (every eighth of the timeout, while a connection is listed)
    ///    5    6    7    8    9   10   11   12   13   14
    ///    |----|----|----|----|----|----|----|----|----|
    ///      ^ idle, notes 5                           ^ tick 14: 14 - 5 > 8, ended
    /// ```
    ///
    /// A connection that noted tick `t` became idle before tick `t + 1`, and ticks are a
    /// tick's length apart or more, so at tick `t + 1 + n` it has been idle for `n` ticks at
    /// least: with eight ticks to the timeout, it is ended at the ninth tick after the one
    /// it noted, between 1 and 1⅛ times the timeout after it went quiet (later, never
    /// sooner). A tick is a millisecond at least, for a timeout that short.
    pub(super) fn reap_idle(count: &Weak<Count>, timeout: Duration) {
        let (tick, ticks) = ticks_for(timeout);
        let mut next_tick = Instant::now();
        while let Some(count) = count.upgrade() {
            let idle = count.idle();
            if count.closing() {
                return;
            }
            let now = Instant::now();
            // With nobody listed, the ticks stop (a connection's first time idle wakes this
            // thread); the wait still ends, to see whether the server is gone.
            let wait = if idle.is_empty() {
                timeout
            } else if now < next_tick {
                next_tick - now // woken early
            } else {
                let at = count.tick.fetch_add(1, Ordering::SeqCst) + 1;
                for listed in idle.values() {
                    let since = listed.idle.load(Ordering::SeqCst);
                    if since != BUSY && since != ENDED && at - since > ticks {
                        end_if_idle(&listed.idle, &listed.stream, Some(since));
                    }
                }
                next_tick = now + tick;
                tick
            };
            drop(count.reaper.wait_timeout(idle, wait));
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

    /// Shuts down every idle connection: its thread's read returns 0 and it finishes. The
    /// idle reaper, if there is one, leaves.
    fn close_idle(&self) {
        let idle = self.idle();
        for listed in idle.values() {
            end_if_idle(&listed.idle, &listed.stream, None);
        }
        self.reaper.notify_all();
    }
}

/// The idle reaper's tick for `timeout`, an eighth of it and a millisecond at least, and how
/// many ticks make the timeout, rounded up (8, or 9 when 8 does not divide it to the
/// nanosecond; fewer for a timeout under 8 ms).
fn ticks_for(timeout: Duration) -> (Duration, u64) {
    let tick = (timeout / 8).max(Duration::from_millis(1));
    let ticks = timeout.as_nanos().div_ceil(tick.as_nanos());
    (tick, u64::try_from(ticks).expect("nine at most"))
}

/// A connection's place in the server's count. The socket holds it and gives it back as
/// it traces its `close` ([`Slot::release`]) — at its `Close` event, or when it is dropped
/// before that (a handler that returned early, or panicked) — so a slot is only ever given
/// back through `release`.
#[derive(Debug)]
pub(crate) struct Slot {
    shared: Arc<Count>,
    id: u64,
    /// Whether the connection is idle now, and since when (see [`Listed::idle`]); shared
    /// with the server's idle list once the connection has been idle (unset before).
    idle: OnceCell<Arc<AtomicU64>>,
}

impl Slot {
    /// Marks the connection idle or busy; `false` if the server ended it while it was idle
    /// (its `close()`, or its idle timeout), so that whatever was read meanwhile is not
    /// served. If the server is already closing, or its idle timeout is zero, an idle
    /// connection is ended at once.
    ///
    /// An HTTP connection calls this twice per request, so the common case takes no lock:
    /// the connection joins the server's list the first time it is idle (one lock) and only
    /// sets its mark after that. `close()` sets `closing`, then ends every listed
    /// connection that is idle; a connection marks itself idle, then checks `closing`. With
    /// both in sequentially consistent order, one of the two always sees the other, so an
    /// idle connection is never missed.
    pub(crate) fn set_idle(&self, stream: &Arc<TcpStream>, idle: bool) -> bool {
        let mark = match self.idle.get() {
            Some(mark) => mark,
            None if !idle => return true, // never listed: nothing to take back
            None => self.idle.get_or_init(|| {
                let mark = Arc::new(AtomicU64::new(BUSY));
                let listed = Listed {
                    stream: Arc::clone(stream),
                    idle: Arc::clone(&mark),
                };
                let mut idle = self.shared.idle();
                if idle.is_empty() {
                    self.shared.reaper.notify_all(); // its ticks begin again
                }
                idle.insert(self.id, listed);
                mark
            }),
        };
        if !idle {
            return mark.swap(BUSY, Ordering::SeqCst) != ENDED;
        }
        mark.store(self.shared.tick.load(Ordering::SeqCst), Ordering::SeqCst);
        if self.shared.closing() || self.shared.idle_timeout == Some(Duration::ZERO) {
            end_if_idle(mark, stream, None);
        }
        true
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticks_of_a_timeout_make_it_whole_and_no_more_than_a_tick_over() {
        for ms in [
            1,
            2,
            5,
            7,
            8,
            9,
            200,
            1001,
            5_000,
            60_000,
            u64::from(u32::MAX),
        ] {
            let timeout = Duration::from_millis(ms);
            let (tick, ticks) = ticks_for(timeout);
            assert!(
                tick >= Duration::from_millis(1),
                "{ms} ms: a tick of {tick:?}"
            );
            assert!((1..=9).contains(&ticks), "{ms} ms: {ticks} ticks");
            let ticks = u32::try_from(ticks).unwrap();
            assert!(
                tick * ticks >= timeout,
                "{ms} ms: {ticks} × {tick:?} is short"
            );
            assert!(
                tick * (ticks - 1) < timeout,
                "{ms} ms: {ticks} × {tick:?} is a tick over"
            );
        }
        assert_eq!(
            ticks_for(Duration::from_secs(5)),
            (Duration::from_millis(625), 8)
        );
        assert_eq!(ticks_for(Duration::from_nanos(8_000_000_001)).1, 9);
    }
}
