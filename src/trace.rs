//! The event trace: one line on stderr per event, as it happens.
//!
//! Node shows you nothing unless you attach a listener; our binaries show every event, so that a
//! reader can watch `connection`, `data`, `end` and `close` go by while stdout stays identical to
//! the Node program's. Every line has one shape (docs/src/command-line.md, "stdout is Node's,
//! stderr is the trace"):
//!
//! ```text
//! [tcp] connection 127.0.0.1:50522
//! [tcp] data 127.0.0.1:50522 5 bytes        on a server: the peer's address after the event name
//! [tcp] data 5 bytes                        on a client: no address, there is only one peer
//! [tcp] close server
//! ```
//!
//! Each line goes out in one `write` on a locked stderr, so lines from different connection
//! threads never interleave. `--quiet` builds a disabled [`Trace`], which costs one branch.
//!
//! A line often carries what a peer sent: a request target, an `Upgrade` value, a WebSocket
//! close reason. A peer that puts control characters there (ESC starts a terminal command, CR
//! and LF forge whole lines) would be writing to the reader's terminal, so every line goes out
//! through [`escape_controls`], the one function the wire view uses for the same reason.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;

/// Where a module's events go: stderr, or nowhere (`--quiet`). Cheap to copy into every
/// socket and thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trace {
    module: &'static str,
    enabled: bool,
}

impl Trace {
    /// A trace for `module` (`"tcp"`, `"udp"`, ...), printing if `enabled`.
    pub fn new(module: &'static str, enabled: bool) -> Trace {
        Trace { module, enabled }
    }

    /// A trace that prints nothing (for library users and benchmarks).
    pub fn off(module: &'static str) -> Trace {
        Trace::new(module, false)
    }

    /// Prints `[module] event peer details`, leaving out the parts that are absent. Inlined
    /// where it is called: with the trace off (every benchmark, every `--quiet` run), an event
    /// costs the test of one flag, not a call.
    #[inline]
    pub fn emit(&self, event: &str, peer: Option<SocketAddr>, details: fmt::Arguments<'_>) {
        if self.enabled {
            self.print(event, peer, details);
        }
    }

    /// Whether the trace prints: for a caller that has work to do to choose its event's line
    /// (which event an enum holds, say), and does it only when the line will be printed.
    pub fn is_on(&self) -> bool {
        self.enabled
    }

    /// [`Trace::emit`] with the trace on.
    #[cold]
    fn print(&self, event: &str, peer: Option<SocketAddr>, details: fmt::Arguments<'_>) {
        let line = line(self.module, event, peer, details);
        // A trace line that cannot be written (stderr closed) is not worth failing for.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// One trace line, newline included; control characters in it are escaped.
fn line(
    module: &str,
    event: &str,
    peer: Option<SocketAddr>,
    details: fmt::Arguments<'_>,
) -> String {
    let mut line = format!("[{module}] {event}");
    if let Some(peer) = peer {
        line.push(' ');
        line.push_str(&peer.to_string());
    }
    let details = details.to_string();
    if !details.is_empty() {
        line.push(' ');
        line.push_str(&details);
    }
    let mut line = escape_controls(&line).into_owned();
    line.push('\n');
    line
}

/// `text` safe to print on a terminal: every control character — C0 (ESC, CR, LF, ...),
/// DEL and C1 (U+0080 to U+009F, which some terminals obey as ESC sequences) — written as
/// Rust writes it in a string literal (`\u{1b}`, `\r`, `\n`). Anything else is left as it is,
/// so an ordinary line costs one scan and no copy.
///
/// ```
/// use netnotes::trace::escape_controls;
/// assert_eq!(escape_controls("bye"), "bye");
/// assert_eq!(escape_controls("\x1b[2J\r\nfake\u{9b}"), "\\u{1b}[2J\\r\\nfake\\u{9b}");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_one_shape() {
        let peer: SocketAddr = "127.0.0.1:50522".parse().unwrap();
        assert_eq!(
            line("tcp", "data", Some(peer), format_args!("5 bytes")),
            "[tcp] data 127.0.0.1:50522 5 bytes\n"
        );
        assert_eq!(line("tcp", "end", None, format_args!("")), "[tcp] end\n");
        let v6: SocketAddr = "[::1]:8124".parse().unwrap();
        assert_eq!(
            line("tcp", "listening", Some(v6), format_args!("")),
            "[tcp] listening [::1]:8124\n"
        );
    }

    #[test]
    fn what_a_peer_sent_cannot_command_the_terminal() {
        let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let reason = "\x1b]0;owned\x07\u{9b}2J\r\n[ws] close 127.0.0.1:2 1000\x7f\tok é";
        assert_eq!(
            line("ws", "close", Some(peer), format_args!("1000 {reason}")),
            "[ws] close 127.0.0.1:1 1000 \\u{1b}]0;owned\\u{7}\\u{9b}2J\\r\\n[ws] close 127.0.0.1:2 1000\\u{7f}\\tok é\n"
        );
    }
}
