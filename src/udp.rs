//! UDP: the notes' section 构建UDP服务 (building a UDP service), Node's `dgram` module.
//!
//! UDP, the user datagram protocol, sits in the transport layer beside TCP (the notes:
//! 和TCP一样属于网络传输层), but promises almost nothing: no connection, no ordering, no
//! retransmission. What it does promise is message boundaries: each `send` is one datagram,
//! and a datagram arrives whole or not at all. Its header is four 16-bit fields (RFC 768):
//!
//! ```text
//!  0      7 8     15 16    23 24    31
//! +--------+--------+--------+--------+
//! |   source port   |  destination    |      RFC 768, "User Datagram Header Format"
//! |                 |      port       |
//! +--------+--------+--------+--------+
//! |     length      |    checksum     |      length = 8 header bytes + the data
//! +--------+--------+--------+--------+
//! |          data octets ...          |      one send() = one datagram = one 'message'
//! +-----------------------------------+
//!
//!   client                                        server
//!   send("hello") ──[ 8-byte header | hello ]──▶  recv_from: 'message' <Buffer 68 65 6c 6c 6f>
//!   send("world") ──[ 8-byte header | world ]──▶  ✗ receive queue full: dropped, nobody told
//! ```
//!
//! In Node, `dgram.createSocket('udp4')` gives an `EventEmitter` with four events; here a
//! [`Socket`] hands them out as values of [`SocketEvent`], one per [`Socket::next_event`] call,
//! and each is what one std call did:
//!
//! ```text
//!  event               what happened underneath
//!  Listening(addr)     UdpSocket::bind() returned Ok (always the first event)
//!  Message{data,rinfo} UdpSocket::recv_from() returned a datagram and its sender
//!  Error(e)            a send without a "callback" (Socket::send) failed; or recv_from failed
//!  Close               close() was called, or the idle time passed without a datagram
//! ```
//!
//! The server of the notes, in this shape (`src/bin/udp-server.rs` is the whole program):
//!
//! ```no_run
//! use netnotes::udp::{Socket, SocketEvent};
//! use netnotes::trace::Trace;
//!
//! let mut server = Socket::bind("127.0.0.1:41234".parse().unwrap(), Trace::off("udp")).unwrap();
//! while let Some(event) = server.next_event() {
//!     match event {
//!         SocketEvent::Message { data, rinfo } => println!("{data:?} {rinfo}"), // on('message')
//!         SocketEvent::Listening(address) => println!("{address}"),            // on('listening')
//!         _ => {}
//!     }
//! }
//! ```
//!
//! `docs/src/udp.md` puts UDP beside TCP and shows how to watch it lose datagrams.

use crate::addr;
use crate::error::NodeError;
use crate::inspect;
use crate::timeout::{is_timeout, kernel_wait};
use crate::trace::Trace;
use crate::wire::{self, Direction};
use std::collections::VecDeque;
use std::fmt;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// The receive buffer: 65,536 bytes, as libuv's (`UV__UDP_DGRAM_MAXSIZE`, 64 KiB), which is more
/// than the largest datagram either IP version can carry ([`MAX_PAYLOAD_V6`]).
///
/// This size is the only guarantee that a datagram arrives whole: on Linux, `recvfrom` into a
/// smaller buffer silently cuts the datagram (the rest is discarded, `udp(7)`), and std reports
/// no `MSG_TRUNC`. std cannot set `SO_RCVBUF` either, so how many datagrams the kernel queues
/// for us is its default (`/proc/sys/net/core/rmem_default`), which is what the loss
/// demonstration runs into.
pub const RECV_BUFFER: usize = 64 * 1024;

// The whole-datagram guarantee, checked by the compiler.
const _: () = assert!(RECV_BUFFER > MAX_PAYLOAD_V4 && RECV_BUFFER > MAX_PAYLOAD_V6);

/// The largest payload of one IPv4 datagram: 65,507 bytes. The IPv4 header's total length is
/// 16 bits (RFC 791 §3.1: at most 65,535), minus 20 bytes of IPv4 header and 8 of UDP header
/// (RFC 768). `send_to` with more fails with `EMSGSIZE`.
pub const MAX_PAYLOAD_V4: usize = 65_535 - 20 - 8;

/// The largest payload of one IPv6 datagram: 65,527 bytes. The IPv6 payload length is 16 bits
/// and does not count the 40-byte IPv6 header (RFC 8200 §3), minus 8 bytes of UDP header.
/// (RFC 2675 jumbograms go further; the kernel does not send them on a UDP socket.)
pub const MAX_PAYLOAD_V6: usize = 65_535 - 8;

/// Linux's errno for "message too long" (`EMSGSIZE`, `errno(3)`). std's `ErrorKind` has no
/// variant for it, so the number itself is how it is recognised.
pub const EMSGSIZE: i32 = 90;

/// The largest payload a datagram to `to` can carry: [`MAX_PAYLOAD_V4`] or [`MAX_PAYLOAD_V6`].
/// An IPv4-mapped address (`::ffff:127.0.0.1`) is IPv4 on the wire, and gets IPv4's limit.
///
/// ```
/// use netnotes::udp::max_payload;
/// assert_eq!(max_payload("127.0.0.1:41234".parse().unwrap()), 65_507);
/// assert_eq!(max_payload("[::1]:41234".parse().unwrap()), 65_527);
/// assert_eq!(max_payload("[::ffff:127.0.0.1]:41234".parse().unwrap()), 65_507);
/// ```
pub fn max_payload(to: SocketAddr) -> usize {
    match to.ip() {
        IpAddr::V4(_) => MAX_PAYLOAD_V4,
        IpAddr::V6(ip) if ip.to_ipv4_mapped().is_some() => MAX_PAYLOAD_V4,
        IpAddr::V6(_) => MAX_PAYLOAD_V6,
    }
}

/// Who sent a datagram: Node's `rinfo`, `{ address, family, port, size }`.
///
/// Its `Display` is what `console.log(rinfo)` prints:
///
/// ```
/// use netnotes::udp::Rinfo;
/// let rinfo = Rinfo { from: "127.0.0.1:37370".parse().unwrap(), size: 5 };
/// assert_eq!(rinfo.to_string(), "{ address: '127.0.0.1', family: 'IPv4', port: 37370, size: 5 }");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rinfo {
    /// The sender's address and port (`rinfo.address`, `rinfo.port`).
    pub from: SocketAddr,
    /// The datagram's size in bytes (`rinfo.size`).
    pub size: usize,
}

impl Rinfo {
    /// `rinfo.address`.
    pub fn address(&self) -> IpAddr {
        self.from.ip()
    }

    /// `rinfo.family`: `"IPv4"` or `"IPv6"` (an IPv4 sender seen by a dual-stack IPv6 socket
    /// is `::ffff:a.b.c.d`, family `"IPv6"`, as in Node).
    pub fn family(&self) -> &'static str {
        inspect::family(&self.from)
    }

    /// `rinfo.port`.
    pub fn port(&self) -> u16 {
        self.from.port()
    }
}

impl fmt::Display for Rinfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&inspect::rinfo(&self.from, self.size))
    }
}

/// One event of a UDP socket, named as Node's `dgram` names it.
#[derive(Debug, PartialEq, Eq)]
pub enum SocketEvent {
    /// `listening`: the socket is bound, to this address (`socket.address()`; the real port,
    /// also after binding port 0). Always the first event.
    ///
    /// It happened when [`Socket::bind`] returned `Ok`, and is traced then; it is also handed
    /// out as the first event so that a program's `match` has an arm for each of the notes'
    /// `on(...)` calls. (The TCP module has no such variant: there `listen()` returning `Ok`
    /// is the whole event, because a TCP server's loop hands out connections, not itself.)
    Listening(SocketAddr),
    /// `message`: one whole datagram, and who sent it.
    Message {
        /// The datagram's bytes (`msg`).
        data: Vec<u8>,
        /// The sender (`rinfo`).
        rinfo: Rinfo,
    },
    /// `error`: a [`Socket::send`] failed (the socket goes on), or receiving failed (`Close`
    /// follows). A failed [`Socket::bind`] is not an event: there is no socket to emit it.
    Error(NodeError),
    /// `close`: the socket is closed. Always the last event.
    Close,
}

impl SocketEvent {
    /// Node's name for the event: `"listening"`, `"message"`, `"error"`, `"close"`.
    pub fn name(&self) -> &'static str {
        match self {
            SocketEvent::Listening(_) => "listening",
            SocketEvent::Message { .. } => "message",
            SocketEvent::Error(_) => "error",
            SocketEvent::Close => "close",
        }
    }
}

/// A bound UDP socket whose events come out of [`Socket::next_event`], one at a time:
/// `dgram.createSocket(...)` after `bind()`.
///
/// Unlike a TCP socket it has no peer: every datagram names its sender, every send names its
/// destination, and one socket talks to any number of peers.
#[derive(Debug)]
pub struct Socket {
    socket: UdpSocket,
    local: SocketAddr,
    trace: Trace,
    /// Where `recv_from` writes; taken on the first receive, so a client that only sends never
    /// holds 64 KiB.
    buffer: Vec<u8>,
    listening_reported: bool,
    /// Failed sends waiting to be reported as `Error` events, oldest first.
    errors: VecDeque<NodeError>,
    closing: bool,
    closed: bool,
    /// Close after this long without a datagram (see [`Socket::set_idle_timeout`]).
    idle: Option<Duration>,
    /// The read timeout the kernel has now (`SO_RCVTIMEO`), to skip needless syscalls.
    read_wait: Option<Duration>,
    /// The wire view (`--wire`), if it is on, and when the socket was bound.
    wire: Option<(wire::Config, Instant)>,
}

impl Socket {
    /// `socket.bind(port, address)`: binds, so that datagrams to `addr` come to this socket.
    /// Port 0 asks the kernel for a free port: see [`Socket::address`]. `Ok` is Node's
    /// `listening` event and is traced at once (`[udp] listening 127.0.0.1:41234`).
    ///
    /// The socket's family follows the address: an IPv4 address gives Node's `udp4` socket, an
    /// IPv6 one `udp6` (which, bound to `::`, also receives IPv4, from `::ffff:a.b.c.d`).
    ///
    /// Fails with Node's words: `bind EADDRINUSE 127.0.0.1:41234`.
    pub fn bind(addr: SocketAddr, trace: Trace) -> Result<Socket, NodeError> {
        let socket = UdpSocket::bind(addr).map_err(|e| NodeError::at("bind", &e, addr))?;
        let local = socket
            .local_addr()
            .map_err(|e| NodeError::at("bind", &e, addr))?;
        trace.emit("listening", Some(local), format_args!(""));
        Ok(Socket {
            socket,
            local,
            trace,
            buffer: Vec::new(),
            listening_reported: false,
            errors: VecDeque::new(),
            closing: false,
            closed: false,
            idle: None,
            read_wait: None,
            wire: wire::config().map(|config| (config, Instant::now())),
        })
    }

    /// `socket.address()`: where the socket is bound (the real port, also after port 0).
    pub fn address(&self) -> SocketAddr {
        self.local
    }

    /// `socket.send(msg, port, address, callback)`: sends `data` as one datagram to `to`, and
    /// returns the error the callback would get.
    ///
    /// Over [`max_payload`] the kernel refuses the datagram whole (`EMSGSIZE`): UDP never
    /// splits a message. The error reads as Node's, `send EMSGSIZE 127.0.0.1:41234`. A sent
    /// datagram is traced as `[udp] send 127.0.0.1:41234 5 bytes`; "sent" means handed to the
    /// kernel, nothing more: whether it arrives, nobody will say.
    pub fn send_to(&mut self, data: &[u8], to: SocketAddr) -> Result<usize, NodeError> {
        loop {
            match self.socket.send_to(data, to) {
                Ok(n) => {
                    self.show(
                        Direction::Out,
                        to,
                        &data[..n],
                        "datagram: one whole message; UDP never splits or joins them".into(),
                    );
                    self.trace.emit("send", Some(to), format_args!("{n} bytes"));
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(NodeError::at("send", &e, to)),
            }
        }
    }

    /// `socket.send(msg, port, address)` without a callback: a failure becomes the next
    /// [`SocketEvent::Error`], and the socket goes on. (Node's documentation promises this too,
    /// but Node 20 drops an error the kernel returns at once, such as `EMSGSIZE`, when there is
    /// no callback: the program never hears of it. Here it is always reported.)
    pub fn send(&mut self, data: &[u8], to: SocketAddr) {
        if let Err(err) = self.send_to(data, to) {
            self.errors.push_back(err);
        }
    }

    /// `socket.close()`: the next event is [`SocketEvent::Close`] (after any error still to be
    /// reported), and nothing more is received.
    pub fn close(&mut self) {
        self.closing = true;
    }

    /// Closes the socket once `idle` passes without a datagram; `None` waits forever, and a
    /// zero `idle` is up at once (see [`crate::timeout`]). The time counts from the call and
    /// again from each datagram.
    ///
    /// Node has no such option: a Node program would re-arm a `setTimeout(() =>
    /// socket.close(), ms)` on every message. A blocking thread waits in `recv_from`, so the
    /// wait itself gets the limit (`SO_RCVTIMEO`, `socket(7)`).
    pub fn set_idle_timeout(&mut self, idle: Option<Duration>) {
        self.idle = idle;
    }

    /// Waits for the next event and returns it (tracing it first, except `listening`, which
    /// was traced when it happened); `None` after `Close`.
    ///
    /// The order: `Listening` first; then any `Error` from a failed [`Socket::send`]; then
    /// `Close` if [`Socket::close`] was called; otherwise wait in `recv_from` for a datagram.
    pub fn next_event(&mut self) -> Option<SocketEvent> {
        if self.closed {
            return None;
        }
        let event = self.poll();
        match &event {
            SocketEvent::Listening(_) => {}
            SocketEvent::Message { rinfo, .. } => self.trace.emit(
                "message",
                Some(rinfo.from),
                format_args!("{} bytes", rinfo.size),
            ),
            SocketEvent::Error(err) => self.trace.emit("error", None, format_args!("{err}")),
            SocketEvent::Close => self.trace.emit("close", None, format_args!("")),
        }
        Some(event)
    }

    fn poll(&mut self) -> SocketEvent {
        if !self.listening_reported {
            self.listening_reported = true;
            return SocketEvent::Listening(self.local);
        }
        loop {
            if let Some(err) = self.errors.pop_front() {
                return SocketEvent::Error(err);
            }
            if self.closing {
                self.closed = true;
                // The descriptor itself is closed when the Socket is dropped.
                return SocketEvent::Close;
            }
            if self.idle != self.read_wait {
                let set = kernel_wait(self.idle).map(|wait| self.socket.set_read_timeout(wait));
                match set {
                    Err(_) => self.closing = true, // a zero idle time: up already
                    Ok(Err(e)) => self.fail_receiving(&e),
                    Ok(Ok(())) => self.read_wait = self.idle,
                }
                continue;
            }
            if self.buffer.len() < RECV_BUFFER {
                self.buffer = vec![0; RECV_BUFFER];
            }
            match self.socket.recv_from(&mut self.buffer) {
                Ok((n, from)) => {
                    let rinfo = Rinfo { from, size: n };
                    // recv_from says nothing of truncation: a datagram that filled the whole
                    // buffer may have been longer. (None can be: 65,536 > 65,527.)
                    let whole = if n < RECV_BUFFER {
                        "whole"
                    } else {
                        "maybe truncated to the buffer"
                    };
                    self.show(
                        Direction::In,
                        from,
                        &self.buffer[..n],
                        format!("datagram, {whole}: rinfo {rinfo}"),
                    );
                    return SocketEvent::Message {
                        data: self.buffer[..n].to_vec(),
                        rinfo: Rinfo { from, size: n },
                    };
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // SO_RCVTIMEO ran out (Linux says EAGAIN): the idle time passed.
                Err(e) if is_timeout(&e) => {
                    self.closing = true;
                }
                Err(e) => self.fail_receiving(&e),
            }
        }
    }

    /// Shows one datagram in the wire view, if it is on.
    fn show(&self, direction: Direction, peer: SocketAddr, bytes: &[u8], line: String) {
        if let Some((config, bound)) = &self.wire {
            let at = bound.elapsed().as_secs_f64() * 1000.0;
            wire::print(&wire::block(
                config,
                peer,
                direction,
                at,
                Some(bytes),
                &[line],
            ));
        }
    }

    /// A receive failed. An unconnected UDP socket on Linux does not meet this in practice
    /// (ICMP errors are reported only to connected sockets, `udp(7)`), and a socket that fails
    /// to receive could fail forever: report it (`recvmsg`, Node's word) and close, rather than
    /// spin.
    fn fail_receiving(&mut self, err: &std::io::Error) {
        self.errors.push_back(NodeError::syscall("recvmsg", err));
        self.closing = true;
    }
}

/// Where a client sends: the first IPv4 address `host` resolves to, as Node's `udp4` socket
/// does (its `dns.lookup` asks for family 4 only); only an IPv6 literal gives an IPv6 address.
/// A datagram has no connect that could fail over to the next address, so there is no point
/// in trying several.
///
/// ```
/// use netnotes::udp::client_address;
/// assert_eq!(client_address("localhost", 41234).unwrap().to_string(), "127.0.0.1:41234");
/// assert_eq!(client_address("[::1]", 41234).unwrap().to_string(), "[::1]:41234");
/// ```
///
/// Fails with `getaddrinfo ENOTFOUND HOST` if the name has no IPv4 address.
pub fn client_address(host: &str, port: u16) -> Result<SocketAddr, NodeError> {
    let bare = addr::unbracket(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    addr::resolve(bare, port)?
        .into_iter()
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| NodeError::lookup(bare))
}

/// Where a client binds before its first send, as Node's socket binds implicitly: any address,
/// any port, of the destination's family (`0.0.0.0:0` or `[::]:0`).
pub fn any_address(to: SocketAddr) -> SocketAddr {
    match to {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
    }
}

/// The payload of the `i`-th of `n` datagrams in the loss demonstration (`udp-client --seq`).
///
/// ```
/// assert_eq!(netnotes::udp::seq_payload(7, 5000), "seq 7/5000");
/// ```
pub fn seq_payload(i: u64, n: u64) -> String {
    format!("seq {i}/{n}")
}

/// Reads a [`seq_payload`] back: `Some((i, n))` for `seq I/N` with `1 <= I <= N`, else `None`.
/// The bytes come from the network, so anything else is simply not a sequence datagram.
///
/// ```
/// use netnotes::udp::parse_seq;
/// assert_eq!(parse_seq(b"seq 7/5000"), Some((7, 5000)));
/// assert_eq!(parse_seq(b"hello"), None);
/// assert_eq!(parse_seq(b"seq 9/5"), None);
/// ```
pub fn parse_seq(data: &[u8]) -> Option<(u64, u64)> {
    seq_numbers(data).filter(|(i, n)| (1..=*n).contains(i))
}

/// `seq I/N` read as two numbers, whatever they are.
fn seq_numbers(data: &[u8]) -> Option<(u64, u64)> {
    let text = std::str::from_utf8(data).ok()?;
    let (i, n) = text.strip_prefix("seq ")?.split_once('/')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(i) || !digits(n) {
        return None;
    }
    Some((i.parse().ok()?, n.parse().ok()?))
}

/// The largest `N` the loss demonstration counts: 1,000,000 datagrams, a bit each (122 KiB).
/// `N` is the peer's to announce; the tally's memory is bounded by this, not by the peer.
pub const MAX_SEQ: u64 = 1_000_000;

/// The loss demonstration's count: which of the `seq I/N` datagrams arrived.
///
/// Datagrams are counted once each (UDP may also duplicate, RFC 768 promises nothing), and
/// only those of the `N` the first one announced, if that `N` is at most [`MAX_SEQ`]. The
/// memory is one bit per datagram of that `N`, taken when the first one arrives; a sequence
/// datagram the tally cannot count is handed back as [`NotCounted`], for the trace.
///
/// ```
/// use netnotes::udp::SeqTally;
/// let mut tally = SeqTally::default();
/// for payload in ["seq 1/4", "seq 3/4", "hello", "seq 3/4"] {
///     assert!(tally.record(payload.as_bytes()).is_ok());
/// }
/// assert_eq!(tally.summary().unwrap(), "received 2 of 4 datagrams (2 lost)");
/// assert_eq!(tally.record(b"seq 1/5").unwrap_err().to_string(), "seq 1/5: another run's N (this run's is 4)");
/// ```
#[derive(Debug, Default, Clone)]
pub struct SeqTally {
    total: Option<u64>,
    /// Bit `i - 1` is set once datagram `i` has arrived.
    seen: Vec<u64>,
    received: u64,
}

/// A sequence datagram the [`SeqTally`] did not count, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotCounted {
    /// The datagram's `I`.
    pub i: u64,
    /// The datagram's `N`.
    pub n: u64,
    /// The `N` of the run being counted, if one is.
    pub total: Option<u64>,
}

impl fmt::Display for NotCounted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NotCounted { i, n, total } = *self;
        write!(f, "seq {i}/{n}: ")?;
        match total {
            _ if n > MAX_SEQ => write!(f, "N over the {MAX_SEQ} counted"),
            _ if i == 0 || i > n => write!(f, "outside 1..={n}"),
            Some(total) => write!(f, "another run's N (this run's is {total})"),
            None => f.write_str("not counted"),
        }
    }
}

impl SeqTally {
    /// Counts one datagram if it is a sequence datagram of this run; anything that is not a
    /// sequence datagram is ignored; one the tally cannot count is `Err`.
    pub fn record(&mut self, data: &[u8]) -> Result<(), NotCounted> {
        let Some((i, n)) = seq_numbers(data) else {
            return Ok(());
        };
        let outside = NotCounted {
            i,
            n,
            total: self.total,
        };
        if n > MAX_SEQ || i == 0 || i > n || self.total.is_some_and(|total| total != n) {
            return Err(outside);
        }
        if self.total.is_none() {
            self.total = Some(n);
            self.seen = vec![0; n.div_ceil(64) as usize];
        }
        let (word, bit) = ((i - 1) / 64, (i - 1) % 64);
        let word = &mut self.seen[word as usize];
        if *word & (1 << bit) == 0 {
            *word |= 1 << bit;
            self.received += 1;
        }
        Ok(())
    }

    /// `received R of N datagrams (L lost)`, or `None` if no sequence datagram came.
    pub fn summary(&self) -> Option<String> {
        let total = self.total?;
        let received = self.received;
        Some(format!(
            "received {received} of {total} datagrams ({} lost)",
            total - received
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn loopback() -> SocketAddr {
        "127.0.0.1:0".parse().unwrap()
    }

    #[test]
    fn the_limits_are_the_headers_arithmetic() {
        assert_eq!(MAX_PAYLOAD_V4, 65_507);
        assert_eq!(MAX_PAYLOAD_V6, 65_527);
    }

    #[test]
    fn listening_comes_first_then_messages_then_close() {
        let mut server = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        let at = server.address();
        assert_ne!(at.port(), 0);
        assert_eq!(server.next_event(), Some(SocketEvent::Listening(at)));

        let mut client = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        assert_eq!(client.send_to(b"hello", at), Ok(5));
        assert_eq!(
            server.next_event(),
            Some(SocketEvent::Message {
                data: b"hello".to_vec(),
                rinfo: Rinfo {
                    from: client.address(),
                    size: 5
                }
            })
        );
        server.close();
        assert_eq!(server.next_event(), Some(SocketEvent::Close));
        assert_eq!(server.next_event(), None);
    }

    #[test]
    fn an_empty_datagram_is_still_a_message() {
        let mut server = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        let mut client = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        client.send_to(b"", server.address()).unwrap();
        server.next_event(); // listening
        match server.next_event() {
            Some(SocketEvent::Message { data, rinfo }) => {
                assert!(data.is_empty());
                assert_eq!(rinfo.size, 0);
            }
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn a_failed_send_is_an_error_event_and_the_socket_goes_on() {
        let mut server = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        server.next_event(); // listening

        // The kernel refuses destination port 0 (EINVAL): a failure that is always there.
        let nowhere: SocketAddr = "127.0.0.1:0".parse().unwrap();
        server.send(b"x", nowhere);
        match server.next_event() {
            Some(SocketEvent::Error(err)) => {
                assert_eq!(err.to_string(), "send EINVAL 127.0.0.1:0")
            }
            other => panic!("expected an error, got {other:?}"),
        }
        let mut client = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        client.send_to(b"still here", server.address()).unwrap();
        assert!(matches!(
            server.next_event(),
            Some(SocketEvent::Message { data, .. }) if data == b"still here"
        ));
    }

    #[test]
    fn a_zero_idle_time_closes_at_once_even_with_a_datagram_waiting() {
        let mut server = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        server.next_event(); // listening
        let mut client = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        client.send_to(b"late", server.address()).unwrap();
        server.set_idle_timeout(Some(Duration::ZERO));
        assert!(matches!(server.next_event(), Some(SocketEvent::Close)));
    }

    #[test]
    fn one_byte_over_the_limit_is_emsgsize() {
        let mut server = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        let mut client = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        let to = server.address();
        let big = vec![7u8; MAX_PAYLOAD_V4 + 1];
        // What std itself says: an errno, and no ErrorKind of its own for it.
        let raw = UdpSocket::bind(loopback())
            .unwrap()
            .send_to(&big, to)
            .unwrap_err();
        assert_eq!(raw.raw_os_error(), Some(EMSGSIZE));
        let err = client.send_to(&big, to).unwrap_err();
        assert_eq!(err.code(), "EMSGSIZE");
        assert_eq!(
            err.to_string(),
            format!("send EMSGSIZE 127.0.0.1:{}", to.port())
        );
        client.send_to(&big[1..], to).unwrap();
        server.next_event(); // listening
        assert!(matches!(
            server.next_event(),
            Some(SocketEvent::Message { data, .. }) if data == big[1..]
        ));
    }

    #[test]
    fn an_ipv4_mapped_destination_has_the_ipv4_limit() {
        let server = UdpSocket::bind(loopback()).unwrap();
        let port = server.local_addr().unwrap().port();
        let to: SocketAddr = format!("[::ffff:127.0.0.1]:{port}").parse().unwrap();
        assert_eq!(max_payload(to), MAX_PAYLOAD_V4);
        let mut dual = Socket::bind("[::]:0".parse().unwrap(), Trace::off("udp")).unwrap();
        let big = vec![1u8; MAX_PAYLOAD_V4 + 1];
        assert_eq!(dual.send_to(&big, to).unwrap_err().code(), "EMSGSIZE");
        assert_eq!(dual.send_to(&big[1..], to), Ok(MAX_PAYLOAD_V4));
    }

    #[test]
    fn idleness_closes_the_socket() {
        let mut server = Socket::bind(loopback(), Trace::off("udp")).unwrap();
        server.next_event(); // listening
        server.set_idle_timeout(Some(Duration::from_millis(20)));
        let start = Instant::now();
        assert_eq!(server.next_event(), Some(SocketEvent::Close));
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert_eq!(server.next_event(), None);
    }

    #[test]
    fn binding_a_bound_port_is_eaddrinuse() {
        let taken = UdpSocket::bind(loopback()).unwrap();
        let at = taken.local_addr().unwrap();
        let err = Socket::bind(at, Trace::off("udp")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("bind EADDRINUSE 127.0.0.1:{}", at.port())
        );
    }

    #[test]
    fn a_client_sends_to_the_first_ipv4_address() {
        assert!(client_address("localhost", 1).unwrap().is_ipv4());
        assert_eq!(
            client_address("::1", 1).unwrap(),
            "[::1]:1".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            client_address("no-such-host.invalid", 1)
                .unwrap_err()
                .to_string(),
            "getaddrinfo ENOTFOUND no-such-host.invalid"
        );
        assert_eq!(
            any_address("[::1]:5".parse().unwrap()).to_string(),
            "[::]:0"
        );
    }

    #[test]
    fn seq_payloads_round_trip_and_junk_is_not_one() {
        for (i, n) in [(1, 1), (1, 5000), (5000, 5000)] {
            assert_eq!(parse_seq(seq_payload(i, n).as_bytes()), Some((i, n)));
        }
        for junk in [
            &b"seq 0/5"[..],
            b"seq /5",
            b"seq 1/",
            b"seq +1/5",
            b"seq 1/5 ",
            b"seq 1/99999999999999999999999",
            b"\xff\xfe",
            b"",
        ] {
            assert_eq!(parse_seq(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn the_tally_says_nothing_without_a_sequence() {
        let mut tally = SeqTally::default();
        assert_eq!(tally.record(b"hello"), Ok(()));
        assert_eq!(tally.summary(), None);
        tally.record(b"seq 2/2").unwrap();
        let other = tally.record(b"seq 1/3").unwrap_err(); // another run's N: not counted
        assert_eq!(
            other.to_string(),
            "seq 1/3: another run's N (this run's is 2)"
        );
        tally.record(b"seq 1/2").unwrap();
        assert_eq!(
            tally.summary().unwrap(),
            "received 2 of 2 datagrams (0 lost)"
        );
    }

    #[test]
    fn the_tally_s_memory_is_bounded_by_n_and_by_max_seq() {
        let mut tally = SeqTally::default();
        let huge = format!("seq 1/{}", MAX_SEQ + 1);
        let refused = tally.record(huge.as_bytes()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!("seq 1/{}: N over the 1000000 counted", MAX_SEQ + 1)
        );
        assert_eq!(tally.summary(), None, "a refused N starts no run");
        assert_eq!(
            tally.record(b"seq 0/5").unwrap_err().to_string(),
            "seq 0/5: outside 1..=5"
        );
        assert_eq!(
            tally.record(b"seq 6/5").unwrap_err().to_string(),
            "seq 6/5: outside 1..=5"
        );
        tally.record(format!("seq 7/{MAX_SEQ}").as_bytes()).unwrap();
        assert_eq!(tally.seen.len() as u64, MAX_SEQ.div_ceil(64));
        for _ in 0..3 {
            tally
                .record(format!("seq {MAX_SEQ}/{MAX_SEQ}").as_bytes())
                .unwrap();
        }
        assert_eq!(
            tally.summary().unwrap(),
            format!("received 2 of {MAX_SEQ} datagrams ({} lost)", MAX_SEQ - 2)
        );
    }
}
