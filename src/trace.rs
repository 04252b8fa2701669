//! The event trace: one line on stderr per event, as it happens.
//!
//! Node shows you nothing unless you attach a listener; our binaries show every event, so that a
//! reader can watch `connection`, `data`, `end` and `close` go by while stdout stays identical to
//! the Node program's. Every line has one shape (`shared/CONTRACT.md`):
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

    /// Whether lines are printed.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Prints `[module] event peer details`, leaving out the parts that are absent.
    pub fn emit(&self, event: &str, peer: Option<SocketAddr>, details: fmt::Arguments<'_>) {
        if !self.enabled {
            return;
        }
        let line = line(self.module, event, peer, details);
        // A trace line that cannot be written (stderr closed) is not worth failing for.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// One trace line, newline included.
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
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_contract_shape() {
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
}
