//! Hosts and ports: from `--host` and `--port` to socket addresses.
//!
//! Node's `listen(8124, 'localhost')` and `connect({ port: 8124 })` look the name up with
//! `getaddrinfo`; std's [`ToSocketAddrs`] does the same. The contract's rules:
//!
//! - an IPv6 literal works with or without brackets (`::1` or `[::1]`);
//! - a client tries every address a name resolves to, in order (see `tcp::connect_stream`);
//! - a lookup that finds nothing is `getaddrinfo ENOTFOUND HOST`.

use crate::error::NodeError;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// `[::1]` → `::1`; anything else unchanged.
///
/// ```
/// assert_eq!(netnotes::addr::unbracket("[::1]"), "::1");
/// assert_eq!(netnotes::addr::unbracket("localhost"), "localhost");
/// ```
pub fn unbracket(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// The host part of a URL for `addr`: `127.0.0.1`, or `[::1]` for IPv6, as the listening lines
/// print it (`http://[::1]:1337/`).
///
/// ```
/// assert_eq!(netnotes::addr::url_host(&"[::1]:80".parse().unwrap()), "[::1]");
/// ```
pub fn url_host(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}

/// Every address `host` resolves to, with `port`, in the resolver's order. An IP literal
/// resolves to itself without a lookup.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, NodeError> {
    let host = unbracket(host);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(NodeError::lookup(host))
            } else {
                Ok(addrs)
            }
        }
        Err(_) => Err(NodeError::lookup(host)),
    }
}

/// The one address a server binds: the first that `host` resolves to (`localhost` gives
/// `127.0.0.1` here, as `listen(port, 'localhost')` does in Node on this machine).
pub fn bind_address(host: &str, port: u16) -> Result<SocketAddr, NodeError> {
    // `resolve` never returns an empty list.
    resolve(host, port).map(|addrs| addrs[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_resolve_to_themselves() {
        assert_eq!(
            resolve("127.0.0.1", 8124).unwrap(),
            vec!["127.0.0.1:8124".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve("[::1]", 80).unwrap(),
            vec!["[::1]:80".parse::<SocketAddr>().unwrap()]
        );
    }

    #[test]
    fn localhost_resolves_to_loopback() {
        let addrs = resolve("localhost", 8124).unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }

    #[test]
    fn a_name_that_does_not_resolve_is_enotfound() {
        let err = resolve("no-such-host.invalid", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "getaddrinfo ENOTFOUND no-such-host.invalid"
        );
    }
}
