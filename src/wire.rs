//! The wire view (`--wire`): every chunk of bytes that crosses a socket, and what it means.
//!
//! The trace says which events happened; the wire view shows the bytes behind them, in time
//! order, on stderr (stdout stays Node's). Each chunk a `read()` returned or a `write()` handed
//! over is one block:
//!
//! ```text
//! [wire] 127.0.0.1:50522 <- 27 bytes at 0.412 ms
//!   0000  47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a  GET / HTTP/1.1..
//!   0010  48 6f 73 74 3a 20 61 0d 0a 0d 0a                 Host: a....
//!         request line: method GET, target /, version HTTP/1.1
//!         field: name Host, value a
//!         end of head
//!         no body
//! ```
//!
//! `<-` is in, `->` is out; the time is since the connection opened. The hex block is cut
//! after `--wire-bytes` bytes (256 by default). Under it, a [`Dissector`] for the protocol
//! says what the bytes mean; the dissectors live next to the parsers they explain
//! (`http::dissect`, `ws::dissect`) and call those very parsers, so the view can never
//! disagree with what the program understood.
//!
//! This module names no protocol: it sits under TCP and UDP, and HTTP and WebSocket sit above
//! them. A binary hands the [`Protocol`] it speaks down to [`enable`] — [`raw`] here, or the
//! `pair` a protocol's own module provides — and every socket asks it for its two dissectors.
//!
//! The switch is process-wide: a binary calls [`enable`] once, from its `--wire` flag, and
//! every socket it opens afterwards reports through a [`Tap`]. With `--wire` off, a socket
//! carries no tap and pays one branch per read or write.

use crate::trace::escape_controls;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// How many bytes a block shows by default (`--wire-bytes`).
pub const DEFAULT_WIRE_BYTES: usize = 256;

/// Bytes per line of the hex block, as `xxd` prints them.
const PER_LINE: usize = 16;

/// What the bytes on a connection are: the maker of its two dissectors, `(inbound, outbound)`
/// for the [`Side`] this program is. The module of each protocol provides its own ([`raw`],
/// `http::dissect::pair`, `ws::dissect::pair`) and the binary chooses one.
pub type Protocol = fn(Side) -> (Box<dyn Dissector>, Box<dyn Dissector>);

/// The [`Protocol`] of bytes that mean nothing more than themselves (TCP, UDP): the hex
/// block and no lines under it.
pub fn raw(_side: Side) -> (Box<dyn Dissector>, Box<dyn Dissector>) {
    (Box::new(Raw), Box::new(Raw))
}

/// Which end of the connection this program is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// We accepted it.
    Server,
    /// We opened it.
    Client,
}

/// The wire view's settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// How many bytes of each chunk to show.
    pub max_bytes: usize,
    /// ANSI colour (a terminal, and `NO_COLOR` unset).
    pub color: bool,
    /// What the connections carry.
    pub protocol: Protocol,
}

impl Config {
    /// The settings for stderr as it is now: colour only on a terminal, and only if
    /// `NO_COLOR` is not set (<https://no-color.org>).
    pub fn for_stderr(max_bytes: usize, protocol: Protocol) -> Config {
        Config {
            max_bytes,
            color: wants_color(
                std::io::stderr().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref(),
            ),
            protocol,
        }
    }
}

/// Colour only for a terminal, and never when `NO_COLOR` is set to anything but the empty
/// string (<https://no-color.org>: "when present and not an empty string").
pub fn wants_color(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Turns the wire view on for this process (a binary's `--wire`). Only the first call counts.
pub fn enable(config: Config) {
    let _ = CONFIG.set(config);
}

/// The settings, if the wire view is on.
pub fn config() -> Option<Config> {
    CONFIG.get().copied()
}

/// Says what the bytes of one direction of a connection mean, as they come: each call gets
/// the next bytes of the stream and returns lines about them (none, if they complete
/// nothing yet).
pub trait Dissector: Send {
    /// The next bytes; the lines that explain them.
    fn feed(&mut self, bytes: &[u8]) -> Vec<String>;
}

/// A dissector for bytes that mean nothing more than themselves.
#[derive(Debug, Default)]
pub struct Raw;

impl Dissector for Raw {
    fn feed(&mut self, _bytes: &[u8]) -> Vec<String> {
        Vec::new()
    }
}

/// One connection's view: where it goes, when it opened, and a dissector per direction.
pub struct Tap {
    config: Config,
    peer: SocketAddr,
    opened: Instant,
    inbound: Box<dyn Dissector>,
    outbound: Box<dyn Dissector>,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap").field("peer", &self.peer).finish()
    }
}

/// A tap for a new connection with `peer`, if the wire view is on.
pub fn tap(peer: SocketAddr, side: Side) -> Option<Tap> {
    let config = config()?;
    let (inbound, outbound) = (config.protocol)(side);
    Some(Tap {
        config,
        peer,
        opened: Instant::now(),
        inbound,
        outbound,
    })
}

impl Tap {
    /// A tap with explicit dissectors (for tests, and for the datagram view).
    pub fn new(
        config: Config,
        peer: SocketAddr,
        inbound: Box<dyn Dissector>,
        outbound: Box<dyn Dissector>,
    ) -> Tap {
        Tap {
            config,
            peer,
            opened: Instant::now(),
            inbound,
            outbound,
        }
    }

    /// Bytes a read returned.
    pub fn read(&mut self, bytes: &[u8]) {
        let lines = self.inbound.feed(bytes);
        self.print(Direction::In, bytes, &lines);
    }

    /// Bytes a write handed to the kernel.
    pub fn wrote(&mut self, bytes: &[u8]) {
        let lines = self.outbound.feed(bytes);
        self.print(Direction::Out, bytes, &lines);
    }

    /// The end of one direction: the peer's FIN (`In`) or ours (`Out`).
    pub fn fin(&mut self, direction: Direction) {
        let block = block(
            &self.config,
            self.peer,
            direction,
            self.opened.elapsed().as_secs_f64() * 1000.0,
            None,
            &["FIN: no more bytes this way".to_string()],
        );
        print(&block);
    }

    fn print(&self, direction: Direction, bytes: &[u8], lines: &[String]) {
        let at = self.opened.elapsed().as_secs_f64() * 1000.0;
        print(&block(
            &self.config,
            self.peer,
            direction,
            at,
            Some(bytes),
            lines,
        ));
    }
}

/// Which way bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Read from the peer: `<-`.
    In,
    /// Written to the peer: `->`.
    Out,
}

/// Prints a block on stderr, in one write so that blocks from different threads never mix.
pub fn print(block: &str) {
    // A view that cannot be written (stderr closed) is not worth failing for.
    let _ = std::io::stderr().lock().write_all(block.as_bytes());
}

/// A whole block: the heading, the bytes (if any) and the lines that explain them.
///
/// ```
/// use netnotes::wire::{block, raw, Config, Direction};
/// let config = Config { max_bytes: 256, color: false, protocol: raw };
/// let text = block(&config, "127.0.0.1:8124".parse().unwrap(), Direction::Out, 0.5, Some(b"hello"), &[]);
/// assert_eq!(text, "[wire] 127.0.0.1:8124 -> 5 bytes at 0.500 ms\n  0000  68 65 6c 6c 6f                                   hello\n");
/// ```
pub fn block(
    config: &Config,
    peer: SocketAddr,
    direction: Direction,
    at_ms: f64,
    bytes: Option<&[u8]>,
    lines: &[String],
) -> String {
    let (arrow, colour) = match direction {
        Direction::In => ("<-", "\x1b[32m"),  // green
        Direction::Out => ("->", "\x1b[36m"), // cyan
    };
    let paint = |text: &str, code: &str| {
        if config.color {
            format!("{code}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let size = bytes.map_or(String::new(), |b| {
        format!(" {} byte{}", b.len(), if b.len() == 1 { "" } else { "s" })
    });
    let mut out = paint(
        &format!("[wire] {peer} {arrow}{size} at {at_ms:.3} ms"),
        colour,
    );
    out.push('\n');
    if let Some(bytes) = bytes {
        for line in hexdump(bytes, config.max_bytes) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    for line in lines {
        // The lines quote what the peer sent (field values, a close reason): escaped, so
        // that the peer's bytes cannot command the reader's terminal.
        let line = escape_controls(line);
        out.push_str(&paint(&format!("        {line}"), "\x1b[33m")); // yellow
        out.push('\n');
    }
    out
}

/// Bytes as `xxd` shows them: offset, 16 bytes in lowercase hex one space apart, and the
/// printable ones as text; cut after `max` bytes, saying how many were left out.
///
/// ```
/// let lines = netnotes::wire::hexdump(b"GET / HTTP/1.1\r\n\r\n", 256);
/// assert_eq!(lines, [
///     "  0000  47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a  GET / HTTP/1.1..",
///     "  0010  0d 0a                                            ..",
/// ]);
/// ```
pub fn hexdump(bytes: &[u8], max: usize) -> Vec<String> {
    let shown = &bytes[..bytes.len().min(max)];
    let mut lines: Vec<String> = shown
        .chunks(PER_LINE)
        .enumerate()
        .map(|(i, chunk)| {
            let mut line = format!("  {:04x}  ", i * PER_LINE);
            for (j, byte) in chunk.iter().enumerate() {
                if j > 0 {
                    line.push(' ');
                }
                let _ = write!(line, "{byte:02x}");
            }
            // Pad short lines so the text column lines up.
            let width = PER_LINE * 3 - 1;
            let used = chunk.len() * 3 - 1;
            line.push_str(&" ".repeat(width - used + 2));
            line.extend(chunk.iter().map(|&b| printable(b)));
            line
        })
        .collect();
    let rest = bytes.len() - shown.len();
    if rest > 0 {
        lines.push(format!(
            "  ... {rest} more byte{} not shown (--wire-bytes)",
            if rest == 1 { "" } else { "s" }
        ));
    }
    lines
}

fn printable(b: u8) -> char {
    if (0x20..0x7f).contains(&b) {
        char::from(b)
    } else {
        '.'
    }
}

/// A payload for an annotation line: its bytes in hex, cut after `max` with a count.
pub fn hex(bytes: &[u8], max: usize) -> String {
    let shown = &bytes[..bytes.len().min(max)];
    let mut out = shown
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    if bytes.len() > shown.len() {
        let _ = write!(out, " ... {} more", bytes.len() - shown.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Config {
        Config {
            max_bytes: 20,
            color: false,
            protocol: raw,
        }
    }

    #[test]
    fn long_chunks_are_cut_and_counted() {
        let bytes: Vec<u8> = (0..40).collect();
        let lines = hexdump(&bytes, 20);
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "  0010  10 11 12 13                                      ...."
        );
        assert_eq!(lines[2], "  ... 20 more bytes not shown (--wire-bytes)");
        assert_eq!(
            hexdump(&bytes[..21], 20)[2],
            "  ... 1 more byte not shown (--wire-bytes)"
        );
    }

    #[test]
    fn blocks_have_the_direction_the_size_and_the_time() {
        let peer: SocketAddr = "[::1]:80".parse().unwrap();
        let text = block(
            &plain(),
            peer,
            Direction::In,
            12.3456,
            Some(b"x"),
            &["a line".into()],
        );
        assert_eq!(
            text,
            "[wire] [::1]:80 <- 1 byte at 12.346 ms\n  0000  78                                               x\n        a line\n"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn annotations_quoting_the_peer_are_escaped() {
        let text = block(
            &plain(),
            "127.0.0.1:1".parse().unwrap(),
            Direction::In,
            0.0,
            None,
            &["field: name X, value \u{9b}2J\x1b[31mred\r\n".into()],
        );
        assert_eq!(
            text,
            "[wire] 127.0.0.1:1 <- at 0.000 ms\n        field: name X, value \\u{9b}2J\\u{1b}[31mred\\r\\n\n"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let mut config = plain();
        config.color = true;
        let text = block(
            &config,
            "127.0.0.1:1".parse().unwrap(),
            Direction::Out,
            0.0,
            None,
            &["x".into()],
        );
        assert!(text.starts_with("\x1b[36m[wire] 127.0.0.1:1 -> at 0.000 ms\x1b[0m\n"));
        assert!(text.contains("\x1b[33m        x\x1b[0m"));
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        use std::ffi::OsStr;
        assert!(wants_color(true, None));
        assert!(wants_color(true, Some(OsStr::new(""))));
        assert!(!wants_color(true, Some(OsStr::new("1"))));
        assert!(!wants_color(false, None));
    }

    #[test]
    fn hex_payloads_are_cut_with_a_count() {
        assert_eq!(hex(b"\x37\xfa\x21\x3d", 8), "37 fa 21 3d");
        assert_eq!(hex(&[0; 10], 4), "00 00 00 00 ... 6 more");
    }
}
