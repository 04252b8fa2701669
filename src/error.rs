//! Errors worded as Node words them.
//!
//! Node turns a failed system call into an `Error` whose `message` names the call, the errno's
//! symbolic code and, where it helps, the address: `connect ECONNREFUSED 127.0.0.1:8124`. Our
//! binaries print the same words (docs/src/command-line.md, "Exit codes and errors", lists
//! them), so a user who
//! knows the Node message recognises ours. There are three shapes, as in Node's
//! `lib/internal/errors.js`:
//!
//! ```text
//! read ECONNRESET                                       errnoException: syscall + code
//! connect ECONNREFUSED 127.0.0.1:8124                   exceptionWithHostPort: + address
//! listen EADDRINUSE: address already in use 127.0.0.1:8124
//!                                                       uvExceptionWithHostPort: + libuv's text
//! ```
//!
//! Addresses are printed `ip:port` with no brackets, even for IPv6 (`::1:8124`), as Node does.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// A failed system call, with Node's `err.message` for it.
///
/// ```
/// use netnotes::error::NodeError;
/// use std::io;
/// let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
/// let err = NodeError::at("connect", &refused, "127.0.0.1:8124".parse().unwrap());
/// assert_eq!(err.to_string(), "connect ECONNREFUSED 127.0.0.1:8124");
/// assert_eq!(err.code(), "ECONNREFUSED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeError {
    code: &'static str,
    message: String,
}

impl NodeError {
    /// `read ECONNRESET`: the call and the code (Node's `errnoException`).
    pub fn syscall(syscall: &str, err: &io::Error) -> NodeError {
        let code = code(err);
        NodeError {
            code,
            message: format!("{syscall} {code}"),
        }
    }

    /// `connect ECONNREFUSED 127.0.0.1:8124`: the call, the code and the address
    /// (Node's `exceptionWithHostPort`, used by `connect`, `bind` and `send`).
    pub fn at(syscall: &str, err: &io::Error, addr: SocketAddr) -> NodeError {
        let code = code(err);
        NodeError {
            code,
            message: format!("{syscall} {code} {}", node_address(addr)),
        }
    }

    /// `send EMSGSIZE localhost:41234`: as [`NodeError::at`], but naming the host as the
    /// program gave it, as Node's `dgram` does (it words the error before any lookup).
    pub fn at_host(syscall: &str, err: &NodeError, host: &str, port: u16) -> NodeError {
        NodeError {
            code: err.code,
            message: format!("{syscall} {} {host}:{port}", err.code),
        }
    }

    /// `listen EADDRINUSE: address already in use 127.0.0.1:8124`: as [`NodeError::at`], with
    /// libuv's description of the code after a colon (Node's `uvExceptionWithHostPort`, used by
    /// `listen`).
    pub fn described_at(syscall: &str, err: &io::Error, addr: SocketAddr) -> NodeError {
        let code = code(err);
        NodeError {
            code,
            message: format!(
                "{syscall} {code}: {} {}",
                description(code),
                node_address(addr)
            ),
        }
    }

    /// `getaddrinfo ENOTFOUND no-such-host.invalid`: a name that did not resolve. std cannot
    /// tell "no such name" from "try again later" (`EAI_AGAIN`), so every failed lookup reads
    /// as `ENOTFOUND` (docs/src/command-line.md says so too).
    pub fn lookup(host: &str) -> NodeError {
        NodeError {
            code: "ENOTFOUND",
            message: format!("getaddrinfo ENOTFOUND {host}"),
        }
    }

    /// The symbolic code, Node's `err.code`: `ECONNRESET`.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for NodeError {
    /// Node's `err.message`; a fatal error is printed as `Error: {message}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NodeError {}

/// An address as Node puts it in a message: `127.0.0.1:8124`, `::1:8124` (no brackets).
pub fn node_address(addr: SocketAddr) -> String {
    format!("{}:{}", addr.ip(), addr.port())
}

/// Linux errno numbers, their symbolic names and libuv's description (`uv_strerror`), for the
/// errors a network program meets. std's `ErrorKind` has no variant for some of them
/// (`EMSGSIZE`, `EMFILE`), so the number is looked up first.
const ERRNOS: &[(i32, &str, &str)] = &[
    (1, "EPERM", "operation not permitted"),
    (4, "EINTR", "interrupted system call"),
    (9, "EBADF", "bad file descriptor"),
    (11, "EAGAIN", "resource temporarily unavailable"),
    (12, "ENOMEM", "not enough memory"),
    (13, "EACCES", "permission denied"),
    (22, "EINVAL", "invalid argument"),
    (23, "ENFILE", "file table overflow"),
    (24, "EMFILE", "too many open files"),
    (32, "EPIPE", "broken pipe"),
    (90, "EMSGSIZE", "message too long"),
    (97, "EAFNOSUPPORT", "address family not supported"),
    (98, "EADDRINUSE", "address already in use"),
    (99, "EADDRNOTAVAIL", "address not available"),
    (100, "ENETDOWN", "network is down"),
    (101, "ENETUNREACH", "network is unreachable"),
    (103, "ECONNABORTED", "software caused connection abort"),
    (104, "ECONNRESET", "connection reset by peer"),
    (105, "ENOBUFS", "no buffer space available"),
    (107, "ENOTCONN", "socket is not connected"),
    (110, "ETIMEDOUT", "connection timed out"),
    (111, "ECONNREFUSED", "connection refused"),
    (113, "EHOSTUNREACH", "host is unreachable"),
];

/// The symbolic code of an I/O error (`ECONNRESET`), from its errno where it has one and from
/// its `ErrorKind` otherwise (errors std makes itself, such as a read timeout).
pub fn code(err: &io::Error) -> &'static str {
    if let Some(errno) = err.raw_os_error() {
        if let Some((_, name, _)) = ERRNOS.iter().find(|(n, _, _)| *n == errno) {
            return name;
        }
    }
    use io::ErrorKind::*;
    match err.kind() {
        ConnectionRefused => "ECONNREFUSED",
        ConnectionReset => "ECONNRESET",
        ConnectionAborted => "ECONNABORTED",
        BrokenPipe => "EPIPE",
        AddrInUse => "EADDRINUSE",
        AddrNotAvailable => "EADDRNOTAVAIL",
        PermissionDenied => "EACCES",
        NotConnected => "ENOTCONN",
        TimedOut => "ETIMEDOUT",
        WouldBlock => "EAGAIN",
        InvalidInput => "EINVAL",
        Interrupted => "EINTR",
        OutOfMemory => "ENOMEM",
        _ => "UNKNOWN",
    }
}

/// libuv's text for a code (`address already in use`), or `unknown error`.
fn description(code: &str) -> &'static str {
    ERRNOS
        .iter()
        .find(|(_, name, _)| *name == code)
        .map_or("unknown error", |(_, _, text)| text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_shapes_of_a_node_message() {
        let reset = io::Error::from_raw_os_error(104);
        assert_eq!(
            NodeError::syscall("read", &reset).to_string(),
            "read ECONNRESET"
        );
        let in_use = io::Error::from_raw_os_error(98);
        let addr: SocketAddr = "127.0.0.1:8124".parse().unwrap();
        assert_eq!(
            NodeError::described_at("listen", &in_use, addr).to_string(),
            "listen EADDRINUSE: address already in use 127.0.0.1:8124"
        );
        assert_eq!(
            NodeError::at("bind", &in_use, addr).to_string(),
            "bind EADDRINUSE 127.0.0.1:8124"
        );
        assert_eq!(
            NodeError::lookup("no-such-host.invalid").to_string(),
            "getaddrinfo ENOTFOUND no-such-host.invalid"
        );
    }

    #[test]
    fn ipv6_addresses_have_no_brackets() {
        let refused = io::Error::from_raw_os_error(111);
        let addr: SocketAddr = "[::1]:8124".parse().unwrap();
        assert_eq!(
            NodeError::at("connect", &refused, addr).to_string(),
            "connect ECONNREFUSED ::1:8124"
        );
    }

    #[test]
    fn codes_come_from_errno_first_then_from_the_kind() {
        assert_eq!(code(&io::Error::from_raw_os_error(90)), "EMSGSIZE");
        assert_eq!(code(&io::Error::from_raw_os_error(24)), "EMFILE");
        assert_eq!(code(&io::Error::from(io::ErrorKind::BrokenPipe)), "EPIPE");
        assert_eq!(code(&io::Error::other("made up")), "UNKNOWN");
    }
}
