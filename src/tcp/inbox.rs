//! A connection's read buffer, for protocols that parse what they read (HTTP, WebSocket).
//!
//! ```text
//!   bytes: [ used ... | available: read, not yet parsed | ]
//!                     ^ start                            ^ len      fill() appends here
//! ```
//!
//! Parsers look at [`Inbox::available`] and [`Inbox::consume`] what they used; [`Inbox::fill`]
//! reads more from the socket. When everything has been used, the buffer is emptied, and
//! [`Inbox::release_if_empty`] gives its memory back: an idle connection holds no buffer, or
//! ([`Inbox::reuse`], [`Inbox::release_if_empty_over`]) at most a small one kept for the next
//! message.

use super::{Socket, READ_SIZE};
use crate::timeout::kernel_wait;
use std::io;
use std::time::{Duration, Instant};

/// The bytes a connection has read and not yet used: the rest of a head, a body, the next
/// pipelined request. Empty between requests, and then it holds no memory, or a little.
#[derive(Debug, Default)]
pub struct Inbox {
    bytes: Vec<u8>,
    start: usize,
}

impl Inbox {
    /// The unused bytes.
    pub fn available(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// The unused bytes, to change in place (to unmask a WebSocket payload, say).
    pub fn available_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[self.start..]
    }

    /// Marks `n` bytes as used.
    pub fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.bytes.len() {
            self.bytes.clear();
            self.start = 0;
        }
    }

    /// Takes every unused byte out, in the inbox's own buffer (to hand a connection over, or
    /// to make a message of a payload that is all there), leaving the inbox empty.
    pub fn take(&mut self) -> Vec<u8> {
        let mut rest = std::mem::take(&mut self.bytes);
        rest.drain(..self.start);
        self.start = 0;
        rest
    }

    /// How much memory the inbox holds: what it costs a connection while it waits.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Takes the first `n` unused bytes out (a whole message head), the rest staying. When
    /// they are all there is, they leave in the inbox's own buffer, not copied.
    ///
    /// ```
    /// use netnotes::tcp::Inbox;
    /// let mut inbox = Inbox::default();
    /// inbox.push(b"head|rest");
    /// assert_eq!(inbox.take_front(5), b"head|");
    /// assert_eq!(inbox.take_front(4), b"rest");
    /// assert!(inbox.available().is_empty());
    /// ```
    pub fn take_front(&mut self, n: usize) -> Vec<u8> {
        if n == self.available().len() {
            return self.take();
        }
        let front = self.available()[..n].to_vec();
        self.consume(n);
        front
    }

    /// Gives the memory back if nothing is waiting: an idle connection keeps no buffer.
    pub fn release_if_empty(&mut self) {
        self.release_if_empty_over(0);
    }

    /// Gives the memory back if nothing is waiting and it is more than `keep` bytes: an idle
    /// connection keeps at most that much, for its next message.
    ///
    /// ```
    /// use netnotes::tcp::Inbox;
    /// let mut inbox = Inbox::default();
    /// inbox.reuse(Vec::with_capacity(512)); // what a small head was read into
    /// inbox.release_if_empty_over(1024);
    /// assert!(inbox.capacity() >= 512); // kept
    /// let mut inbox = Inbox::default();
    /// inbox.reuse(Vec::with_capacity(4096)); // what a large head was read into
    /// inbox.release_if_empty_over(1024);
    /// assert_eq!(inbox.capacity(), 0); // given back
    /// ```
    pub fn release_if_empty_over(&mut self, keep: usize) {
        if self.available().is_empty() && self.bytes.capacity() > keep {
            *self = Inbox::default();
        }
    }

    /// Takes `buffer`'s memory (emptied) for the next read, if the inbox is empty and holds
    /// none: a message parsed in the buffer it was read into ([`Inbox::take_front`]) gives it
    /// back when it is done with, and the next read allocates nothing.
    ///
    /// ```
    /// use netnotes::tcp::Inbox;
    /// let mut inbox = Inbox::default();
    /// inbox.push(b"GET / HTTP/1.1\r\n\r\n");
    /// let head = inbox.take_front(18);
    /// let memory = head.as_ptr();
    /// inbox.reuse(head);
    /// inbox.push(b"next");
    /// assert_eq!((inbox.available(), inbox.available().as_ptr()), (&b"next"[..], memory));
    /// ```
    pub fn reuse(&mut self, mut buffer: Vec<u8>) {
        if self.available().is_empty() && self.bytes.capacity() == 0 {
            buffer.clear();
            self.bytes = buffer;
            self.start = 0;
        }
    }

    /// Appends bytes that were read elsewhere (the early bytes a handshake handed over).
    pub fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Reads at most `max` more bytes from the socket, waiting up to `wait` (`None`: as long as
    /// it takes). `Ok(0)`: the peer closed. For a protocol that reads what follows elsewhere: a
    /// WebSocket connection reads frame headers here, a kilobyte at most, and a long payload
    /// straight into its message.
    pub fn fill_at_most(
        &mut self,
        socket: &Socket,
        max: usize,
        wait: Option<Duration>,
    ) -> io::Result<usize> {
        self.compact();
        socket.read_at_most(&mut self.bytes, max, wait)
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
    }

    /// Reads more with `read`, which appends to the bytes it is given: for a connection that
    /// is not a [`Socket`] (the HTTP client's pooled one), or a caller that sets its own wait.
    pub fn fill_with(
        &mut self,
        read: impl FnOnce(&mut Vec<u8>) -> io::Result<usize>,
    ) -> io::Result<usize> {
        self.compact();
        read(&mut self.bytes)
    }

    /// Reads more from the socket, waiting until `deadline` at most (a deadline that has
    /// passed is a `TimedOut` at once). `Ok(0)`: the peer closed.
    pub fn fill(&mut self, socket: &Socket, deadline: Instant) -> io::Result<usize> {
        let wait = time_left(deadline)?;
        self.fill_at_most(socket, READ_SIZE, Some(wait))
    }
}

/// How long a read may wait to meet `deadline`; a deadline already past is an error of kind
/// `TimedOut`, as a read that waited for it would be.
pub fn time_left(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    kernel_wait(Some(left)).map(|_| left)
}
