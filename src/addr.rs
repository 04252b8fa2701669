//! Hosts and ports: from `--host` and `--port` to socket addresses.
//!
//! Node's `listen(8124, 'localhost')` and `connect({ port: 8124 })` look the name up with
//! `getaddrinfo`; std's [`ToSocketAddrs`] does the same. The command line's rules
//! (`docs/src/command-line.md`):
//!
//! - an IPv6 literal works with or without brackets (`::1` or `[::1]`);
//! - a client tries every address a name resolves to, in order (see `tcp::connect_stream`);
//! - a lookup that finds nothing is `getaddrinfo ENOTFOUND HOST`.
//!
//! And the authority of a URL or a request target, `host[:port]` (RFC 3986 §3.2): read by
//! [`parse_authority`] wherever one comes in, written by [`authority`] wherever one goes out
//! (the `Host` field).

use crate::error::NodeError;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};

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

/// What is wrong with an authority, `host[:port]` (RFC 3986 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityError {
    /// No host at all (`:8080`).
    NoHost,
    /// Not a host: user info (`user@host`), an IPv6 address without brackets, or brackets
    /// around something that is not an IPv6 address.
    BadHost,
    /// A port that is not 1 to 65535 in digits, or none where one is required.
    BadPort,
}

impl fmt::Display for AuthorityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthorityError::NoHost => "no host",
            AuthorityError::BadHost => "invalid host",
            AuthorityError::BadPort => "invalid port",
        })
    }
}

impl std::error::Error for AuthorityError {}

/// Splits what follows `scheme://` in a URL into its authority and its path with the query:
/// the authority ends at the first `/` or `?` (RFC 3986 §3.2); the path is `/` when there is
/// none, and a bare query `?q` becomes `/?q`, as a request line must carry it.
///
/// ```
/// use netnotes::addr::split_authority;
/// assert_eq!(split_authority("h:1/a?b"), ("h:1", "/a?b".to_string()));
/// assert_eq!(split_authority("h?q"), ("h", "/?q".to_string()));
/// assert_eq!(split_authority("[::1]"), ("[::1]", "/".to_string()));
/// ```
pub fn split_authority(rest: &str) -> (&str, String) {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    (authority, path)
}

/// `host[:port]` → the host (an IPv6 address without its brackets) and the port,
/// `default_port` when there is none (`None`: a port is required, as in `CONNECT`'s
/// authority-form, RFC 9112 §3.2.3). One parser for every client that reads an authority:
/// the WebSocket client's URL and the proxy's targets.
///
/// The rules (RFC 3986 §3.2.2-3.2.3): an IPv6 address is written in brackets, `[::1]:8080`
/// — without them `::1:8080` is ambiguous (it is an IPv6 address itself), and Node's `URL`
/// refuses it too; no user info (`user@host`: neither a `ws://` URI, RFC 6455 §3, nor a
/// proxy's target carries one); a port is digits, 1 to 65535 (nothing listens on 0).
///
/// ```
/// use netnotes::addr::{parse_authority, AuthorityError};
/// assert_eq!(parse_authority("[::1]:8080", Some(80)), Ok(("::1".to_string(), 8080)));
/// assert_eq!(parse_authority("example.com", Some(80)), Ok(("example.com".to_string(), 80)));
/// assert_eq!(parse_authority("::1:8080", Some(80)), Err(AuthorityError::BadHost));
/// assert_eq!(parse_authority("example.com", None), Err(AuthorityError::BadPort));
/// ```
pub fn parse_authority(
    authority: &str,
    default_port: Option<u16>,
) -> Result<(String, u16), AuthorityError> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']').ok_or(AuthorityError::BadHost)?;
            if host.parse::<Ipv6Addr>().is_err() {
                return Err(AuthorityError::BadHost);
            }
            match after {
                "" => (host, None),
                p => (
                    host,
                    Some(p.strip_prefix(':').ok_or(AuthorityError::BadHost)?),
                ),
            }
        }
        None => {
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            if host.is_empty() {
                return Err(AuthorityError::NoHost);
            }
            if host.contains([':', '@']) {
                return Err(AuthorityError::BadHost);
            }
            (host, port)
        }
    };
    let port = match port {
        None => default_port.ok_or(AuthorityError::BadPort)?,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
            .parse()
            .ok()
            .filter(|&port| port != 0)
            .ok_or(AuthorityError::BadPort)?,
        Some(_) => return Err(AuthorityError::BadPort),
    };
    Ok((host.to_string(), port))
}

/// The authority a request names for `host:port`, as its `Host` field carries it (RFC 9110
/// §7.2): an IPv6 address in brackets, and the port left out when it is the scheme's
/// `default_port` (80 for `http://` and `ws://`; RFC 3986 §3.2.3), as Node and curl send it.
///
/// ```
/// use netnotes::addr::authority;
/// assert_eq!(authority("localhost", 1337, 80), "localhost:1337");
/// assert_eq!(authority("example.com", 80, 80), "example.com");
/// assert_eq!(authority("::1", 12010, 80), "[::1]:12010");
/// ```
pub fn authority(host: &str, port: u16, default_port: u16) -> String {
    let host = unbracket(host);
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    if port == default_port {
        host
    } else {
        format!("{host}:{port}")
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

/// Whether `ip` is an address of this machine: loopback, unspecified (`0.0.0.0` and `::`
/// connect to this host), or one a socket can be bound to — the kernel lets a socket bind
/// only to an address one of the machine's interfaces has (else `EADDRNOTAVAIL`). std cannot
/// list the interfaces; a bind to port 0, closed at once, asks the kernel the same question.
///
/// ```
/// use netnotes::addr::is_local;
/// assert!(is_local("127.0.0.2".parse().unwrap())); // all of 127.0.0.0/8 is loopback
/// assert!(is_local("::".parse().unwrap()));
/// ```
pub fn is_local(ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    ip.is_loopback() || ip.is_unspecified() || UdpSocket::bind((ip, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The address this machine would send from to reach the Internet, if it has a route:
    /// a UDP `connect` only picks the route and the source address, it sends nothing.
    fn routed_address() -> Option<IpAddr> {
        let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
        socket.connect("198.51.100.1:9").ok()?;
        Some(socket.local_addr().ok()?.ip())
    }

    #[test]
    fn an_address_is_local_when_a_socket_binds_to_it() {
        for ip in [
            "127.0.0.1",
            "127.0.0.2",
            "0.0.0.0",
            "::",
            "::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_local(ip.parse().unwrap()), "{ip}");
        }
        // Documentation addresses (RFC 5737, RFC 3849): no machine running this has them.
        for ip in ["203.0.113.77", "2001:db8::77", "::ffff:203.0.113.77"] {
            assert!(!is_local(ip.parse().unwrap()), "{ip}");
        }
        // The machine's own address on its network, the one a loopback-only check misses.
        // A machine with no route out has none; the loopback cases above still ran.
        match routed_address() {
            Some(own) => assert!(is_local(own), "{own}, this machine's routed address"),
            None => eprintln!("no route out: no non-loopback address of this machine to check"),
        }
    }

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
    fn authorities() {
        let ok = |a: &str, d| parse_authority(a, d);
        let some = |h: &str, p: u16| Ok((h.to_string(), p));
        assert_eq!(ok("h:1337", Some(80)), some("h", 1337));
        assert_eq!(ok("h", Some(80)), some("h", 80));
        assert_eq!(ok("127.0.0.1:8", None), some("127.0.0.1", 8));
        assert_eq!(ok("[::1]", Some(80)), some("::1", 80));
        assert_eq!(ok("[::1]:22", None), some("::1", 22));
        assert_eq!(ok("h:065535", None), some("h", 65535));
        use AuthorityError::*;
        for (bad, why) in [
            ("", NoHost),
            (":443", NoHost),
            ("[]:80", BadHost),
            // An IPv6 address needs its brackets, with a port or without one.
            ("::1", BadHost),
            ("::1:8080", BadHost),
            ("[::1", BadHost),
            ("[::1]8080", BadHost),
            ("[example.com]:80", BadHost),
            ("user@h", BadHost),
            ("user@h:80", BadHost),
            ("h:", BadPort),
            ("h:x", BadPort),
            ("h:+80", BadPort),
            ("h:-1", BadPort),
            ("h:0", BadPort),
            ("h:65536", BadPort),
            ("h:99999999999999999999", BadPort),
        ] {
            assert_eq!(ok(bad, Some(80)), Err(why), "{bad:?}");
        }
        assert_eq!(ok("h", None), Err(BadPort));
        assert_eq!(ok("[::1]", None), Err(BadPort));
    }

    #[test]
    fn the_host_field_leaves_out_the_default_port() {
        assert_eq!(authority("localhost", 1337, 80), "localhost:1337");
        assert_eq!(authority("example.com", 80, 80), "example.com");
        assert_eq!(authority("example.com", 443, 80), "example.com:443");
        assert_eq!(authority("::1", 1337, 80), "[::1]:1337");
        assert_eq!(authority("[::1]", 80, 80), "[::1]");
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
