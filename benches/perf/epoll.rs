//! epoll, declared by hand: the only `unsafe` code in the crate, and the only place it is
//! allowed (docs/src/performance.md, "Why the generator uses epoll").
//!
//! Why here: a load generator must cost less than the server it measures, or it measures
//! itself. Written the way the servers are written — a thread per connection — it would pay
//! the very thing the benchmarks are about (a context switch per request) on the client side
//! too, and on a 2-core machine it would take half the CPU the server needs. One thread that
//! waits on all its connections at once pays one `epoll_wait` per batch of ready connections
//! instead. That is what wrk does, and what libuv does inside Node.
//!
//! Why by hand: std has no epoll (mio, under tokio, wraps these same calls) and the crate
//! takes no dependencies, so the bench declares the three libc functions it needs with
//! `extern "C"`. glibc is linked into every Rust program on Linux already; nothing new is
//! linked. The servers never do this: they are the std-only, blocking design being measured.
//!
//! ```text
//!   epoll_create1(EPOLL_CLOEXEC)          → an epoll descriptor (a set of watched sockets)
//!   epoll_ctl(ep, ADD|MOD|DEL, fd, event) → watch fd for IN (readable) / OUT (writable)
//!   epoll_wait(ep, events, n, timeout)    → block until some are ready; fill `events`
//! ```
//!
//! Each `unsafe` block below is one call, and says why it is sound.

#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::raw::c_int;
use std::time::Duration;

/// `struct epoll_event` from `<sys/epoll.h>`. On x86-64 the kernel's layout is packed (12
/// bytes: the `u64` right after the `u32`); elsewhere it has the usual alignment.
#[repr(C)]
#[cfg_attr(target_arch = "x86_64", repr(packed))]
#[derive(Clone, Copy)]
pub struct Event {
    events: u32,
    data: u64,
}

impl Event {
    const EMPTY: Event = Event { events: 0, data: 0 };

    /// The token given to [`Poller::add`] for this descriptor.
    pub fn token(&self) -> u64 {
        self.data
    }

    /// Bytes (or the peer's FIN) are waiting to be read.
    pub fn readable(&self) -> bool {
        self.events & (IN | HUP | ERR) != 0
    }

    /// The send buffer has room.
    pub fn writable(&self) -> bool {
        self.events & (OUT | HUP | ERR) != 0
    }
}

/// Readable (`EPOLLIN`).
pub const IN: u32 = 0x001;
/// Writable (`EPOLLOUT`).
pub const OUT: u32 = 0x004;
const ERR: u32 = 0x008;
const HUP: u32 = 0x010;

const EPOLL_CLOEXEC: c_int = 0o2_000_000;
const EPOLL_CTL_ADD: c_int = 1;
const EPOLL_CTL_MOD: c_int = 3;

extern "C" {
    fn epoll_create1(flags: c_int) -> c_int;
    fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut Event) -> c_int;
    fn epoll_wait(epfd: c_int, events: *mut Event, maxevents: c_int, timeout: c_int) -> c_int;
}

/// An epoll set: descriptors to watch, and a wait for the ones that are ready.
pub struct Poller {
    epoll: OwnedFd,
}

impl Poller {
    /// A new, empty set.
    pub fn new() -> io::Result<Poller> {
        // SAFETY: epoll_create1 takes a flag word and returns a new descriptor or -1; no
        // memory is passed.
        let fd = unsafe { epoll_create1(EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by the kernel and is owned by nobody else, so
        // OwnedFd may close it when dropped.
        Ok(Poller {
            epoll: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    fn ctl(&self, op: c_int, fd: RawFd, token: u64, interest: u32) -> io::Result<()> {
        let mut event = Event {
            events: interest,
            data: token,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call (the kernel
        // copies it); the descriptors are plain integers the kernel checks.
        let rc = unsafe { epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Starts watching `fd` for `interest` ([`IN`], [`OUT`] or both), reporting `token`.
    pub fn add(&self, fd: RawFd, token: u64, interest: u32) -> io::Result<()> {
        self.ctl(EPOLL_CTL_ADD, fd, token, interest)
    }

    /// Changes what `fd` is watched for.
    pub fn modify(&self, fd: RawFd, token: u64, interest: u32) -> io::Result<()> {
        self.ctl(EPOLL_CTL_MOD, fd, token, interest)
    }

    /// Waits up to `timeout` for ready descriptors and returns them, at most `events.len()`.
    pub fn wait<'e>(
        &self,
        events: &'e mut Vec<Event>,
        timeout: Duration,
    ) -> io::Result<&'e [Event]> {
        if events.is_empty() {
            events.resize(256, Event::EMPTY);
        }
        let millis = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        let max = c_int::try_from(events.len()).unwrap_or(c_int::MAX);
        loop {
            // SAFETY: `events` points to `max` initialised epoll_event values that the
            // kernel may overwrite; it writes at most `max` of them and returns how many.
            let n = unsafe { epoll_wait(self.epoll.as_raw_fd(), events.as_mut_ptr(), max, millis) };
            if n >= 0 {
                return Ok(&events[..n as usize]);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}
