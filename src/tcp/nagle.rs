//! Nagle's algorithm, measured: the bold remark that closes the notes' 构建TCP服务 section.
//!
//! The notes say: "node中 TCP默认开启Nagle算法 ... 此算法由于要求缓冲数据达到一定数量或一定时间后才发送，
//! 所以可能会造成延迟发送" — Node's TCP has Nagle's algorithm on by default; it waits for the
//! buffered data to reach an amount or a time, so sending may be delayed. The first half is
//! right (Node, like the kernel, leaves Nagle on until `socket.setNoDelay(true)`); the reason
//! is not (errata 7). Nagle's rule (RFC 896, as RFC 1122 §4.2.3.4 states it) has no amount
//! and no timer:
//!
//! > If there is unacknowledged data (i.e., SND.NXT > SND.UNA), then the sending TCP buffers
//! > all user data (regardless of the PSH bit), until the outstanding data has been
//! > acknowledged or until the TCP can send a full-sized segment.
//!
//! On its own that costs one round trip, microseconds on loopback. The long stall comes from
//! the *other* end: a receiver delays its ACK (RFC 1122 §4.2.3.2; Linux waits at least 40 ms)
//! hoping to send it along with a reply. When a client writes a request in two pieces and then
//! waits for the answer (write-write-read), each side waits for the other:
//!
//! ```text
//!  client, Nagle on                               server (delays its ACKs)
//!  ──────────────────                             ────────────────────────
//!  t=0     write "head " ──── segment 1 ─────────▶ read 1: 5 bytes, no '\n' yet: no reply,
//!  t=0     write "body\n": held, segment 1           so no data for an ACK to ride on;
//!          is unacknowledged                         the ACK waits for the delayed-ACK timer
//!                    ...  nothing moves for ~40 ms  ...
//!  t≈40ms          ◀──────────────────────── ACK ─ the timer fires
//!          segment 2 "body\n" ───────────────────▶ read 2: the line is whole
//!  t≈40ms  read "2\n"  ◀──────── reply (+ ACK) ─── write "2\n"
//! ```
//!
//! With `set_nodelay(true)` (`socket.setNoDelay(true)`) segment 2 leaves at once and the round
//! takes tens of microseconds. The same rule has a good side, which the second experiment
//! shows: tiny writes made while a segment is unacknowledged travel together, so the receiver
//! gets a handful of big reads instead of one read per write.
//!
//! ## The two experiments
//!
//! Each runs once with `nodelay_off` (`set_nodelay(false)`: Nagle on, Node's default) and once
//! with `nodelay_on`, each on a fresh connection:
//!
//! 1. **Latency** ([`Latency`]): `rounds` write-write-read rounds (a 5-byte header, a 5-byte
//!    body, then wait for the reply); p50 and p99 of the round time, nearest-rank
//!    ([`nearest_rank`]).
//! 2. **Coalescing** ([`Coalesce`]): `writes` one-byte writes, `gap` of busy work apart
//!    ([`spin`]); the server says how many `read()` calls it took to get them all.
//!
//! Every connection starts with [`WARMUPS`] request/reply exchanges, not measured. A fresh
//! Linux connection ACKs at once ("quick ACK" mode); once it has seen a request answered by a
//! reply it takes the connection for interactive ("pingpong" mode) and delays its ACKs, as on
//! any long-lived request/reply connection. That delayed ACK is what Nagle meets, so the
//! warm-ups make sure it is there. (One exchange is enough on today's kernels; some had the
//! threshold at three, and it is now the sysctl `net.ipv4.tcp_pingpong_thresh`.) Without
//! warm-ups the first round is fast and, worse, a whole coalescing burst can run in quick-ACK
//! mode and show almost no coalescing: `docs/src/nagle.md` has the figures.
//!
//! ## The protocol
//!
//! `nagle` runs its own server unless `--host/--port` point it at another one (`nagle --serve`
//! on another terminal or machine), so the two ends speak a protocol, written down here:
//!
//! ```text
//!  client → server   lines of bytes, each ending in '\n':
//!                      "warm-up\n"                  one write (WARMUPS per connection)
//!                      "head " then "body\n"        two writes: one latency round
//!                      "." × (writes-1) then "\n"   one byte per write: the coalescing burst
//!  server → client   for each line, once its '\n' has arrived: the number of read() calls
//!                    that brought the line's bytes in, in decimal, and '\n':   "2\n"
//! ```
//!
//! The server needs no notion of phases: it counts the reads of each line and answers only
//! once the line is whole, which is the rule the latency experiment needs (a server that
//! answered the header would leave nothing to wait for) and the count the coalescing one needs.
//! A read is one `data` event of the crate's [`Socket`]: one `read()` call, as in Node, where
//! each read is one `'data'`.
//!
//! The server sets `TCP_NODELAY` on its side: its replies are single writes that should leave
//! at once, so that the only Nagle in play is the client's, the one under test. Nagle does not
//! change when a receiver sends its ACKs, so this takes nothing away from the server's delayed
//! ACK.
//!
//! The client uses a plain [`TcpStream`]: one `write()` per piece, no queue, so what the
//! kernel sees is exactly the write pattern under test.

use super::socket::{connect_stream, Socket, SocketEvent};
use crate::error::{node_address, NodeError};
use crate::timeout::is_timeout;
use crate::trace::Trace;
use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The header of a latency round: the first of its two writes.
pub const HEADER: &[u8; 5] = b"head ";

/// The body of a latency round: the second write, which ends the request line.
pub const BODY: &[u8; 5] = b"body\n";

/// A warm-up request, written in one piece.
pub const WARMUP: &[u8] = b"warm-up\n";

/// Request/reply exchanges at the start of every connection, before anything is measured, so
/// that the server has left quick-ACK mode and delays its ACKs (see the module docs). Three,
/// for kernels whose `tcp_pingpong_thresh` is 3.
pub const WARMUPS: u64 = 3;

/// The longest reply the client accepts: a read count is a few digits and a newline. A longer
/// reply, or anything but digits before the newline, means the peer is not a `nagle` server.
pub const MAX_REPLY: usize = 24;

/// How long the server lets a connection sit idle before it closes it, so that a client that
/// vanished without a FIN does not hold a thread for ever.
pub const SERVER_IDLE: Duration = Duration::from_secs(60);

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Write-write-read rounds per mode (`--rounds`).
    pub rounds: u64,
    /// One-byte writes in the coalescing burst (`--writes`).
    pub writes: u64,
    /// Busy work between two writes of the burst (`--gap-us`).
    pub gap: Duration,
    /// How long the client waits to connect, and for each reply (`--timeout`).
    pub timeout: Duration,
}

/// One write-write-read round. Every moment is measured from when the connection was made,
/// so the rounds of one connection can be laid out on one timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// The header's `write()` was called.
    pub start: Duration,
    /// The header's `write()` returned; the body's is called next.
    pub header_written: Duration,
    /// The body's `write()` returned (the kernel took it; Nagle may still hold it).
    pub body_written: Duration,
    /// The reply's newline arrived.
    pub replied: Duration,
    /// How many reads the server needed for the request, as it reported.
    pub server_reads: u64,
}

impl Round {
    /// The round's time: from the header's write to the whole reply.
    pub fn latency(&self) -> Duration {
        self.replied.saturating_sub(self.start)
    }
}

/// The latency experiment in one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latency {
    /// `set_nodelay(nodelay)` on the client: `false` is Nagle on.
    pub nodelay: bool,
    /// Every round, in order.
    pub rounds: Vec<Round>,
}

impl Latency {
    /// The `p`-th percentile of the round times in microseconds (nearest-rank), 0 if there
    /// were no rounds.
    pub fn percentile_us(&self, p: u64) -> u64 {
        let micros: Vec<u64> = self
            .rounds
            .iter()
            .map(|r| duration_us(r.latency()))
            .collect();
        nearest_rank(&micros, p).unwrap_or(0)
    }

    /// p50 and p99.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            p50_us: self.percentile_us(50),
            p99_us: self.percentile_us(99),
        }
    }
}

/// The coalescing experiment in one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coalesce {
    /// `set_nodelay(nodelay)` on the client: `false` is Nagle on.
    pub nodelay: bool,
    /// How many one-byte writes were made.
    pub writes: u64,
    /// The busy work between two of them.
    pub gap: Duration,
    /// How many `read()` calls the server needed to receive them all, as it reported.
    pub server_reads: u64,
    /// From the first write to the reply.
    pub elapsed: Duration,
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The server measured against.
    pub server: SocketAddr,
    /// Latency with Nagle on.
    pub nodelay_off: Latency,
    /// Latency with `TCP_NODELAY`.
    pub nodelay_on: Latency,
    /// Coalescing with Nagle on.
    pub coalesce_off: Coalesce,
    /// Coalescing with `TCP_NODELAY`.
    pub coalesce_on: Coalesce,
}

/// Two percentiles of the round times, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// The median.
    pub p50_us: u64,
    /// The 99th percentile.
    pub p99_us: u64,
}

/// The figures a run prints, table or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The server measured against.
    pub server: SocketAddr,
    /// Rounds per mode.
    pub rounds: u64,
    /// Latency with Nagle on.
    pub nodelay_off: Percentiles,
    /// Latency with `TCP_NODELAY`.
    pub nodelay_on: Percentiles,
    /// Writes in the burst.
    pub writes: u64,
    /// Busy work between two writes, in microseconds.
    pub gap_us: u64,
    /// Server reads for the burst with Nagle on.
    pub reads_nodelay_off: u64,
    /// Server reads for the burst with `TCP_NODELAY`.
    pub reads_nodelay_on: u64,
}

impl Report {
    /// The figures to print.
    pub fn summary(&self) -> Summary {
        Summary {
            server: self.server,
            rounds: self.nodelay_off.rounds.len() as u64,
            nodelay_off: self.nodelay_off.percentiles(),
            nodelay_on: self.nodelay_on.percentiles(),
            writes: self.coalesce_off.writes,
            gap_us: duration_us(self.coalesce_off.gap),
            reads_nodelay_off: self.coalesce_off.server_reads,
            reads_nodelay_on: self.coalesce_on.server_reads,
        }
    }
}

impl Summary {
    /// One JSON object on one line, times in microseconds (`nagle --json`):
    ///
    /// ```
    /// # use netnotes::tcp::nagle::{Percentiles, Summary};
    /// let summary = Summary {
    ///     server: "127.0.0.1:8124".parse().unwrap(),
    ///     rounds: 50,
    ///     nodelay_off: Percentiles { p50_us: 44000, p99_us: 48000 },
    ///     nodelay_on: Percentiles { p50_us: 20, p99_us: 90 },
    ///     writes: 200,
    ///     gap_us: 100,
    ///     reads_nodelay_off: 3,
    ///     reads_nodelay_on: 200,
    /// };
    /// assert!(summary.to_json().starts_with(r#"{"rounds":50,"nodelay_off":{"p50_us":44000,"#));
    /// ```
    pub fn to_json(&self) -> String {
        // Written by hand (std only). Every value is a number, so nothing needs escaping;
        // the server's address, the one string we have, is left to the table.
        format!(
            concat!(
                r#"{{"rounds":{},"#,
                r#""nodelay_off":{{"p50_us":{},"p99_us":{}}},"#,
                r#""nodelay_on":{{"p50_us":{},"p99_us":{}}},"#,
                r#""coalesce":{{"writes":{},"gap_us":{},"reads_nodelay_off":{},"reads_nodelay_on":{}}}}}"#
            ),
            self.rounds,
            self.nodelay_off.p50_us,
            self.nodelay_off.p99_us,
            self.nodelay_on.p50_us,
            self.nodelay_on.p99_us,
            self.writes,
            self.gap_us,
            self.reads_nodelay_off,
            self.reads_nodelay_on,
        )
    }

    /// The readable table: one line per measurement, each with a line of explanation.
    pub fn table(&self) -> String {
        let mut out = format!(
            "Nagle's algorithm, measured against {} ({} warm-ups per connection)\n\n",
            self.server, WARMUPS
        );
        out.push_str(&heading(
            &format!("write-write-read, {} rounds", self.rounds),
            &format!("{:>10} {:>10}", "p50", "p99"),
        ));
        let latency = |name: &str, p: Percentiles, why: &str| {
            format!(
                "  {name:<34}{:>10} {:>10}   {why}\n",
                human_us(p.p50_us),
                human_us(p.p99_us)
            )
        };
        out.push_str(&latency(
            "nodelay off (Nagle on)",
            self.nodelay_off,
            "the body waits for the header's ACK, which the server delays",
        ));
        out.push_str(&latency(
            "nodelay on",
            self.nodelay_on,
            "the body leaves at once; the reply follows it",
        ));
        out.push('\n');
        out.push_str(&heading(
            &format!("{} one-byte writes, {} µs apart", self.writes, self.gap_us),
            &format!("{:>10}", "reads"),
        ));
        let reads = |name: &str, n: u64, why: &str| format!("  {name:<34}{n:>10}   {why}\n");
        out.push_str(&reads(
            "nodelay off (Nagle on)",
            self.reads_nodelay_off,
            "writes made while a segment was unacknowledged went out together",
        ));
        out.push_str(&reads(
            "nodelay on",
            self.reads_nodelay_on,
            "each write left as its own segment: a read each, as far as the reader keeps up",
        ));
        out
    }
}

/// The width of a row's name: the figures start after it.
const NAME_WIDTH: usize = 2 + 34;

/// A heading whose column titles (`right`) end where the figures below them end.
fn heading(left: &str, right: &str) -> String {
    let pad = (NAME_WIDTH + right.chars().count())
        .saturating_sub(left.chars().count() + right.chars().count())
        .max(1);
    format!("{left}{}{right}\n", " ".repeat(pad))
}

/// Microseconds for the table: `17 µs`, `44.1 ms`.
fn human_us(us: u64) -> String {
    if us < 1000 {
        format!("{us} µs")
    } else {
        format!("{}.{} ms", us / 1000, us % 1000 / 100)
    }
}

fn duration_us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The `p`-th percentile of `values` by the nearest-rank method: sort, and take the value at
/// rank ⌈p/100 × n⌉ (counting from 1). It is always one of the values measured, never an
/// interpolation. `None` for no values; `p` is clamped to 1..=100.
///
/// ```
/// use netnotes::tcp::nagle::nearest_rank;
/// let values = [50, 15, 40, 20, 35];
/// assert_eq!(nearest_rank(&values, 30), Some(20));
/// assert_eq!(nearest_rank(&values, 50), Some(35));
/// assert_eq!(nearest_rank(&values, 100), Some(50));
/// ```
pub fn nearest_rank(values: &[u64], p: u64) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as u64;
    let p = p.clamp(1, 100);
    let rank = (p * n).div_ceil(100).max(1);
    // rank is at most n: p ≤ 100.
    sorted.get((rank - 1) as usize).copied()
}

/// Busy work for `gap`: spin on the clock until it has passed.
///
/// Not `thread::sleep`: a sleep is at least one timer tick plus a scheduler wake-up (commonly
/// 50-100 µs more than asked on Linux), so a 100 µs gap would become 150-200 µs, and unevenly.
/// And spinning is what the experiment means: a program busy producing its data, writing a
/// little now and then, not one that sleeps between writes.
pub fn spin(gap: Duration) {
    let start = Instant::now();
    while start.elapsed() < gap {
        std::hint::spin_loop();
    }
}

/// What can go wrong on the client side of the experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A system call failed, worded as Node words it (`connect ECONNREFUSED 127.0.0.1:8124`).
    Io(NodeError),
    /// No whole reply came within the timeout.
    NoReply {
        /// The server.
        peer: SocketAddr,
        /// How long we waited.
        waited: Duration,
    },
    /// The server closed the connection before its reply was whole.
    HangUp(SocketAddr),
    /// The reply was not a read count: the peer does not speak this module's protocol.
    Protocol {
        /// The server.
        peer: SocketAddr,
        /// What it sent.
        reply: Vec<u8>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(err) => write!(f, "{err}"),
            Error::NoReply { peer, waited } => write!(
                f,
                "read ETIMEDOUT: no reply from {} within {} ms",
                node_address(*peer),
                waited.as_millis()
            ),
            Error::HangUp(peer) => write!(
                f,
                "socket hang up: {} closed the connection before replying",
                node_address(*peer)
            ),
            Error::Protocol { peer, reply } => write!(
                f,
                "{} is not a nagle server: it replied {:?} where a read count and a newline belong",
                node_address(*peer),
                String::from_utf8_lossy(reply)
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<NodeError> for Error {
    fn from(err: NodeError) -> Error {
        Error::Io(err)
    }
}

/// Parses one reply line (its newline included): the server's read count.
pub fn parse_reply(line: &[u8]) -> Option<u64> {
    let digits = line.strip_suffix(b"\n")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The server's bookkeeping: how many reads have brought in the bytes of the current line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineReads {
    reads: u64,
}

impl LineReads {
    /// Takes the bytes of one read and returns the reply for every line they complete, in
    /// order: each line's read count. A read that ends one line and begins the next counts
    /// for both.
    ///
    /// ```
    /// use netnotes::tcp::nagle::LineReads;
    /// let mut lines = LineReads::default();
    /// assert_eq!(lines.read(b"head "), Vec::<u64>::new()); // no reply: the line is not whole
    /// assert_eq!(lines.read(b"body\n"), vec![2]);          // two reads brought it in
    /// ```
    pub fn read(&mut self, bytes: &[u8]) -> Vec<u64> {
        if bytes.is_empty() {
            return Vec::new();
        }
        self.reads += 1;
        let mut replies = Vec::new();
        for _ in bytes.iter().filter(|&&b| b == b'\n') {
            replies.push(self.reads);
            // Whatever follows that newline came in this same read.
            self.reads = 1;
        }
        if bytes.ends_with(b"\n") {
            self.reads = 0;
        }
        replies
    }
}

/// The server's side of one connection: answer every whole line with its read count. Runs
/// until the client ends the connection (or is idle for [`SERVER_IDLE`]).
///
/// Give it to [`super::Server::run`]; with the server's trace on, each read shows as a
/// `[tcp] data` line, so the coalescing can be watched as it happens.
pub fn serve_connection(mut socket: Socket) {
    // Our replies are single writes, and must not be what is delayed: see the module docs.
    socket.set_nodelay(true);
    socket.set_timeout(Some(SERVER_IDLE));
    let mut lines = LineReads::default();
    while let Some(event) = socket.next_event() {
        match event {
            SocketEvent::Data(bytes) => {
                let replies: String = lines
                    .read(&bytes)
                    .iter()
                    .map(|n| format!("{n}\n"))
                    .collect();
                if !replies.is_empty() {
                    socket.write(replies.as_bytes());
                }
            }
            SocketEvent::Timeout => socket.destroy(),
            _ => {}
        }
    }
}

/// Runs both experiments, both modes, against the server at `host`:`port`; `trace` shows
/// each connection (`[tcp] connect 127.0.0.1:8124`).
pub fn run(host: &str, port: u16, config: &Config, trace: Trace) -> Result<Report, Error> {
    let connect = |nodelay| Client::connect(host, port, nodelay, config.timeout, trace);
    // Each experiment on a connection of its own, closed (dropped) as soon as it is done.
    let mut client = connect(false)?;
    let server = client.peer;
    let nodelay_off = client.latency(config.rounds)?;
    drop(client);
    let nodelay_on = connect(true)?.latency(config.rounds)?;
    let coalesce_off = connect(false)?.coalesce(config.writes, config.gap)?;
    let coalesce_on = connect(true)?.coalesce(config.writes, config.gap)?;
    Ok(Report {
        server,
        nodelay_off,
        nodelay_on,
        coalesce_off,
        coalesce_on,
    })
}

/// The client's end of one connection.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    nodelay: bool,
    timeout: Duration,
    /// When the connection was made: the zero of every [`Round`].
    epoch: Instant,
}

impl Client {
    /// Connects as `net.connect` does (the first address that accepts, each attempt waiting
    /// at most `timeout`), sets the mode, and warms the connection up.
    fn connect(
        host: &str,
        port: u16,
        nodelay: bool,
        timeout: Duration,
        trace: Trace,
    ) -> Result<Client, Error> {
        let (stream, addr) = connect_stream(host, port, Some(timeout))?;
        trace.emit("connect", Some(addr), format_args!(""));
        let setup = |stream: &TcpStream| {
            stream.set_nodelay(nodelay)?;
            stream.set_read_timeout(Some(timeout))
        };
        setup(&stream).map_err(|e| NodeError::syscall("connect", &e))?;
        let mut client = Client {
            stream,
            peer: addr,
            nodelay,
            timeout,
            epoch: Instant::now(),
        };
        for _ in 0..WARMUPS {
            client.write(WARMUP)?;
            client.read_reply()?;
        }
        Ok(client)
    }

    /// `rounds` write-write-read rounds.
    fn latency(&mut self, rounds: u64) -> Result<Latency, Error> {
        let mut done = Vec::new();
        for _ in 0..rounds {
            let start = self.epoch.elapsed();
            self.write(HEADER)?;
            let header_written = self.epoch.elapsed();
            self.write(BODY)?;
            let body_written = self.epoch.elapsed();
            let server_reads = self.read_reply()?;
            done.push(Round {
                start,
                header_written,
                body_written,
                replied: self.epoch.elapsed(),
                server_reads,
            });
        }
        Ok(Latency {
            nodelay: self.nodelay,
            rounds: done,
        })
    }

    /// The burst: `writes` one-byte writes, `gap` apart, the last one a newline.
    fn coalesce(&mut self, writes: u64, gap: Duration) -> Result<Coalesce, Error> {
        let start = Instant::now();
        for i in 1..=writes {
            if i > 1 {
                spin(gap);
            }
            self.write(if i == writes { b"\n" } else { b"." })?;
        }
        let server_reads = self.read_reply()?;
        Ok(Coalesce {
            nodelay: self.nodelay,
            writes,
            gap,
            server_reads,
            elapsed: start.elapsed(),
        })
    }

    /// One `write()` of the whole piece (it is a few bytes: the kernel takes them at once).
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.stream
            .write_all(bytes)
            .map_err(|e| Error::Io(NodeError::syscall("write", &e)))
    }

    /// Reads one reply line and returns the read count in it.
    fn read_reply(&mut self) -> Result<u64, Error> {
        let mut line = Vec::new();
        let mut buf = [0u8; MAX_REPLY];
        while !line.ends_with(b"\n") {
            match self.stream.read(&mut buf) {
                Ok(0) => return Err(Error::HangUp(self.peer)),
                Ok(n) => line.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => {
                    return Err(Error::NoReply {
                        peer: self.peer,
                        waited: self.timeout,
                    })
                }
                Err(e) => return Err(Error::Io(NodeError::syscall("read", &e))),
            }
            // The client waits for each reply before it writes again, so one line comes at a
            // time: anything but digits before its newline (a `tcp-server`'s "hello", say),
            // or too many of them, is not our server. Say so now rather than time out.
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            if line.len() > MAX_REPLY || !body.iter().all(u8::is_ascii_digit) {
                break;
            }
        }
        parse_reply(&line).ok_or(Error::Protocol {
            peer: self.peer,
            reply: line,
        })
    }
}

/// `nagle --wire`: the first `rounds` write-write-read rounds of both modes side by side, each
/// write and the reply at its time since the round began. The reply is the server's count of
/// the reads the request took, so each round says "2 writes, N reads": with Nagle on, the
/// second write waits for the first one's (delayed) ACK and arrives ~40 ms later, in a read
/// of its own.
pub fn timelines(report: &Report, rounds: usize) -> String {
    const WIDTH: usize = 50;
    let column = |latency: &Latency| -> Vec<String> {
        let mut lines = Vec::new();
        for (i, round) in latency.rounds.iter().take(rounds).enumerate() {
            let at = |t: Duration| {
                format!(
                    "{:9.3} ms",
                    t.saturating_sub(round.start).as_secs_f64() * 1000.0
                )
            };
            let reads = round.server_reads;
            lines.push(format!("round {}", i + 1));
            lines.push(format!("{}  -> 5 bytes \"head \"", at(round.start)));
            lines.push(format!(
                "{}  -> 5 bytes \"body\\n\"",
                at(round.header_written)
            ));
            lines.push(format!(
                "{}  <- \"{reads}\\n\": 2 writes, {reads} read{}",
                at(round.replied),
                if reads == 1 { "" } else { "s" }
            ));
        }
        lines
    };
    let left = column(&report.nodelay_off);
    let right = column(&report.nodelay_on);
    let mut out =
        String::from("[wire] write-write-read, round by round (times since the round began)\n");
    let row = |l: &str, r: &str| format!("  {l:<WIDTH$}| {r}\n");
    out.push_str(&row("nodelay off (Nagle on)", "nodelay on"));
    for i in 0..left.len().max(right.len()) {
        let cell = |column: &[String]| column.get(i).cloned().unwrap_or_default();
        out.push_str(&row(&cell(&left), &cell(&right)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_known_vectors() {
        // Wikipedia's worked example for the nearest-rank method.
        let values = [15, 20, 35, 40, 50];
        for (p, want) in [(5, 15), (30, 20), (40, 20), (50, 35), (100, 50)] {
            assert_eq!(nearest_rank(&values, p), Some(want), "p{p}");
        }
        // 1..=100: the p-th percentile is p.
        let hundred: Vec<u64> = (1..=100).rev().collect();
        assert_eq!(nearest_rank(&hundred, 50), Some(50));
        assert_eq!(nearest_rank(&hundred, 99), Some(99));
        // 50 rounds: p50 is the 25th value, p99 the largest (rank ⌈49.5⌉ = 50).
        let fifty: Vec<u64> = (1..=50).collect();
        assert_eq!(nearest_rank(&fifty, 50), Some(25));
        assert_eq!(nearest_rank(&fifty, 99), Some(50));
        // 10 rounds: p50 is the 5th, p99 the 10th.
        let ten: Vec<u64> = (1..=10).map(|v| v * 10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(50));
        assert_eq!(nearest_rank(&ten, 99), Some(100));
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    fn summary() -> Summary {
        Summary {
            server: "127.0.0.1:8124".parse().unwrap(),
            rounds: 50,
            nodelay_off: Percentiles {
                p50_us: 44012,
                p99_us: 48190,
            },
            nodelay_on: Percentiles {
                p50_us: 17,
                p99_us: 85,
            },
            writes: 200,
            gap_us: 100,
            reads_nodelay_off: 3,
            reads_nodelay_on: 200,
        }
    }

    #[test]
    fn json_is_exactly_the_issue_s_shape() {
        assert_eq!(
            summary().to_json(),
            concat!(
                r#"{"rounds":50,"nodelay_off":{"p50_us":44012,"p99_us":48190},"#,
                r#""nodelay_on":{"p50_us":17,"p99_us":85},"#,
                r#""coalesce":{"writes":200,"gap_us":100,"reads_nodelay_off":3,"reads_nodelay_on":200}}"#
            )
        );
    }

    #[test]
    fn the_table_has_a_line_per_measurement() {
        let table = summary().table();
        assert!(table.contains("against 127.0.0.1:8124"), "{table}");
        assert!(table.contains("44.0 ms    48.1 ms"), "{table}");
        assert!(table.contains("17 µs      85 µs"), "{table}");
        assert!(
            table.contains("200 one-byte writes, 100 µs apart"),
            "{table}"
        );
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("  ")).collect();
        assert_eq!(rows.len(), 4, "{table}");
    }

    #[test]
    fn each_line_is_answered_with_its_read_count() {
        let mut lines = LineReads::default();
        assert!(lines.read(b"head ").is_empty());
        assert_eq!(lines.read(b"body\n"), [2]);
        assert_eq!(lines.read(b"warm-up\n"), [1]);
        assert!(lines.read(b".").is_empty());
        assert!(lines.read(b"..").is_empty());
        assert_eq!(lines.read(b"...\n"), [3]);
        // Two lines in one read, and the start of a third.
        assert_eq!(lines.read(b"a\nb\nc"), [1, 1]);
        assert_eq!(lines.read(b"\n"), [2]);
        assert!(lines.read(b"").is_empty());
    }

    #[test]
    fn replies_are_counts_and_nothing_else() {
        assert_eq!(parse_reply(b"2\n"), Some(2));
        assert_eq!(parse_reply(b"200\n"), Some(200));
        assert_eq!(parse_reply(b"2"), None);
        assert_eq!(parse_reply(b"\n"), None);
        assert_eq!(parse_reply(b"hello"), None);
        assert_eq!(parse_reply(b"-1\n"), None);
        assert_eq!(parse_reply(b"1\n2\n"), None);
        assert_eq!(parse_reply(b"99999999999999999999999\n"), None);
    }

    #[test]
    fn a_run_against_our_own_server_keeps_every_round_in_order() {
        use crate::tcp::{Server, ServerOptions};
        let server = Server::listen(
            "127.0.0.1:0".parse().unwrap(),
            ServerOptions::new(Trace::off("tcp")),
        )
        .unwrap();
        let port = server.local_address().port();
        let close = server.close_handle();
        let thread = std::thread::spawn(move || server.run(serve_connection));
        let config = Config {
            rounds: 3,
            writes: 5,
            gap: Duration::from_micros(10),
            timeout: Duration::from_secs(5),
        };
        let report = run("127.0.0.1", port, &config, Trace::off("tcp")).unwrap();
        close.close();
        thread.join().unwrap();

        assert_eq!(report.server.port(), port);
        for latency in [&report.nodelay_off, &report.nodelay_on] {
            assert_eq!(latency.rounds.len(), 3);
            let mut last = Duration::ZERO;
            for r in &latency.rounds {
                assert!(last <= r.start && r.start <= r.header_written, "{r:?}");
                assert!(r.header_written <= r.body_written && r.body_written <= r.replied);
                // Ten bytes in two writes: one read or two, never more.
                assert!((1..=2).contains(&r.server_reads), "{r:?}");
                last = r.replied;
            }
        }
        assert!(!report.nodelay_off.nodelay && report.nodelay_on.nodelay);
        for burst in [report.coalesce_off, report.coalesce_on] {
            assert!((1..=5).contains(&burst.server_reads), "{burst:?}");
        }
        let summary = report.summary();
        assert_eq!((summary.rounds, summary.writes, summary.gap_us), (3, 5, 10));
    }

    #[test]
    fn spin_waits_at_least_the_gap() {
        let start = Instant::now();
        spin(Duration::from_micros(200));
        assert!(start.elapsed() >= Duration::from_micros(200));
    }
}
