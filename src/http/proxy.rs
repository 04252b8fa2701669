//! HTTP代理, second reading — a forward proxy, built on the server's `request` and `connect`
//! events (HTTP服务事件) and the client's [`Agent`].
//!
//! A browser or `curl -x` configured with a proxy sends it every request in absolute form;
//! the proxy forwards it and relays the answer. For `https://` URLs the client asks for a
//! tunnel instead (`CONNECT`) and speaks TLS through it, so the proxy sees only bytes:
//!
//! ```text
//!   client (curl -x)                 http-proxy                          origin server
//!     │ GET http://h:1337/a HTTP/1.1   │                                      │
//!     │ Proxy-Connection: keep-alive ─▶│ 'request': drop hop-by-hop fields,   │
//!     │                                │ add Via, take a pooled connection ──▶│ GET /a HTTP/1.1
//!     │                                │                                      │ Host: h:1337
//!     │                                │◀── 200, body (any framing) ──────────│ Via: 1.1 netnotes
//!     │◀─ 200, body framed again ──────│ decode, then frame for this client   │
//!     │   (chunked on 1.1, until close on 1.0)                                │
//!     │                                │                                      │
//!     │ CONNECT h:443 HTTP/1.1 ───────▶│ 'connect': open a TCP connection ───▶│
//!     │◀─ 200 Connection Established ──│                                      │
//!     │ ══ bytes (TLS) ═══════════════▶│ one direction per thread ═══════════▶│
//!     │◀══════════════════════════════ │◀══════════════════════════════════════│
//!     │ FIN ──────────────────────────▶│ shutdown(Write) ────────────────────▶│ half-close passed on
//! ```
//!
//! **Hop-by-hop fields** (RFC 9110 §7.6.1) describe one connection, not the message:
//! `Connection` and every field it names, `Keep-Alive`, `Proxy-*` (`Proxy-Connection`,
//! `Proxy-Authorization`: meant for this proxy), `TE`, `Trailer`, `Transfer-Encoding` and
//! `Upgrade`. They are removed both ways. The body is decoded from the upstream's framing
//! and framed again by our own [`Response`], never passed through with its framing
//! stripped. `Via: 1.1 netnotes` is added both ways (RFC 9110 §7.6.3); a request that
//! already went through this proxy is refused with `508` instead of looping.
//!
//! **Errors**: an upstream that cannot be reached is `502 Bad Gateway`; one silent for the
//! upstream timeout (30 s) is `504 Gateway Timeout`; a request that is not absolute-form
//! HTTP (or a `CONNECT` that is not `host:port`) is `400`.
//!
//! **What one client may cost.** A proxy opens connections on its clients' behalf, so a
//! client can make it spend threads and descriptors it never sees. Three bounds:
//!
//! - a target that resolves to the proxy's own listening address, however it is spelled
//!   (`localhost`, `127.1`, `2130706433`, `[::ffff:127.0.0.1]`; listening on every
//!   interface, any address of this machine), is refused with `508 Loop Detected` before
//!   anything is opened — else `CONNECT` to itself, sent 200 times in one write, tunnels
//!   through itself 200 deep, two threads and two descriptors a level. The name is looked up
//!   once, and only the addresses checked are connected to;
//! - every upstream connection and tunnel takes a place in the server's `--max-connections`
//!   count, as an accepted connection does; past it the answer is `503`;
//! - a tunnel with no bytes either way for the tunnel timeout (300 s) is closed.
//!
//! **Why the proxy binds to loopback.** An *open* proxy — one anybody on the network can
//! use — relays their traffic under your address: spam, attacks, fetching what your network
//! can see and they cannot (routers' admin pages, cloud metadata services at 169.254.169.254).
//! Scanners find open proxies within hours. This one listens on `127.0.0.1` unless told
//! otherwise, and has no authentication, so never give it a public `--host`.

use super::agent::Agent;
use super::client::{request, ClientError, ClientRequestEvent, RequestOptions};
use super::message::{
    list_elements, reason_phrase, response_head, Decimal, Fields, Framing, HeadWriter, RequestHead,
};
use super::request::Request;
use super::response::Response;
use super::server::Handler;
use super::server::Server;
use crate::addr;
use crate::tcp::{self, Places, Socket, READ_SIZE, SEND_TIMEOUT};
use crate::timeout::is_timeout;
use crate::trace::Trace;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long the upstream may stay silent — to connect, to answer, between two reads — before
/// the proxy gives up with `504`: 30 s.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a tunnel may carry no byte in either direction before it is closed: 300 s, as
/// Node's `server.requestTimeout` bounds a request. (Node's proxies have none unless the
/// program sets `socket.setTimeout`; a tunnel per thread pair needs one.)
pub const TUNNEL_TIMEOUT: Duration = Duration::from_secs(300);

/// What the proxy adds to `Via` (RFC 9110 §7.6.3: protocol version, then a pseudonym).
pub const VIA: &str = "netnotes";

/// The hop-by-hop fields every proxy removes (RFC 9110 §7.6.1), besides `Proxy-*` and
/// whatever `Connection` names.
pub const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether a field is hop-by-hop by name alone (`Connection`'s list aside).
pub fn is_hop_by_hop(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&name.as_str()) || name.starts_with("proxy-")
}

/// The fields without the hop-by-hop ones: those of [`HOP_BY_HOP`], `Proxy-*`, and every
/// field named in `Connection`.
///
/// ```
/// use netnotes::http::message::Fields;
/// use netnotes::http::proxy::end_to_end;
/// let fields = Fields::from_pairs([("Connection", "X-Hop, close"), ("X-Hop", "1"),
///     ("Proxy-Connection", "keep-alive"), ("Accept", "*/*")]);
/// assert_eq!(end_to_end(&fields), [("Accept".to_string(), "*/*".to_string())]);
/// ```
pub fn end_to_end(fields: &Fields) -> Vec<(String, String)> {
    let named: Vec<String> = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, v)| list_elements(v))
        .map(str::to_ascii_lowercase)
        .collect();
    fields
        .iter()
        .filter(|(n, _)| !is_hop_by_hop(n) && !named.contains(&n.to_ascii_lowercase()))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// The parts of an absolute-form target, `http://host[:port][/path?query]` (RFC 9112
/// §3.2.2): `(host, port, origin-form path)`. Only `http` (an `https` client uses `CONNECT`);
/// the authority as [`addr::parse_authority`] reads it (an IPv6 host in brackets, no user
/// info, the port checked).
///
/// ```
/// use netnotes::http::proxy::absolute_target;
/// assert_eq!(absolute_target("http://[::1]:8080/a?b"), Some(("::1".to_string(), 8080, "/a?b".to_string())));
/// assert_eq!(absolute_target("HTTP://example.com"), Some(("example.com".to_string(), 80, "/".to_string())));
/// assert_eq!(absolute_target("/a"), None);
/// ```
pub fn absolute_target(target: &str) -> Option<(String, u16, String)> {
    let scheme_end = target.find("://")?;
    if !target[..scheme_end].eq_ignore_ascii_case("http") {
        return None;
    }
    let (authority, path) = addr::split_authority(&target[scheme_end + 3..]);
    let (host, port) = addr::parse_authority(authority, Some(80)).ok()?;
    Some((host, port, path))
}

/// The `host:port` of a `CONNECT` (authority-form, RFC 9112 §3.2.3; the port is required),
/// read by [`addr::parse_authority`].
///
/// ```
/// use netnotes::http::proxy::connect_target;
/// assert_eq!(connect_target("example.com:443"), Some(("example.com".to_string(), 443)));
/// assert_eq!(connect_target("[::1]:22"), Some(("::1".to_string(), 22)));
/// assert_eq!(connect_target("example.com"), None);
/// ```
pub fn connect_target(target: &str) -> Option<(String, u16)> {
    addr::parse_authority(target, None).ok()
}

/// How a proxy waits: the defaults are [`UPSTREAM_TIMEOUT`] and [`TUNNEL_TIMEOUT`].
#[derive(Debug, Clone, Copy)]
pub struct ProxyOptions {
    /// Silence from an upstream before `504`.
    pub upstream_timeout: Duration,
    /// Silence both ways before a tunnel is closed.
    pub tunnel_timeout: Duration,
    /// Where the proxy traces its own events (`upstream`, `tunnel`).
    pub trace: Trace,
}

impl ProxyOptions {
    /// The default timeouts, with this trace.
    pub fn new(trace: Trace) -> ProxyOptions {
        ProxyOptions {
            upstream_timeout: UPSTREAM_TIMEOUT,
            tunnel_timeout: TUNNEL_TIMEOUT,
            trace,
        }
    }
}

/// The forward proxy: a [`Handler`] for [`super::Server`].
#[derive(Debug, Clone)]
pub struct Proxy {
    agent: Agent,
    upstream_timeout: Duration,
    tunnel_timeout: Duration,
    /// Where the proxy listens: a target that reaches it is a loop.
    listening: SocketAddr,
    /// The server's connection count, which tunnels take places in too.
    places: Places,
    trace: Trace,
}

impl Proxy {
    /// A proxy for `server`, forwarding through `agent`. Every connection it opens counts
    /// against the server's `max_connections` (the agent's too, from now on).
    pub fn new(server: &Server, agent: Agent, options: ProxyOptions) -> Proxy {
        let places = server.places();
        agent.count_against(places.clone());
        Proxy {
            agent,
            upstream_timeout: options.upstream_timeout,
            tunnel_timeout: options.tunnel_timeout,
            listening: server.local_address(),
            places,
            trace: options.trace,
        }
    }

    /// Looks `host:port` up once: refused if an address reaches this proxy itself (see
    /// [`reaches`]), else the addresses, which are then the only ones connected to — a name
    /// looked up again when connecting could answer differently and escape the check.
    fn resolve_elsewhere(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, (u16, String)> {
        let remotes = addr::resolve(host, port).map_err(|e| (502, e.to_string()))?;
        match remotes.iter().find(|r| reaches(self.listening, **r)) {
            // A request to ourselves would loop: 508 Loop Detected (RFC 5842 §7.2).
            Some(own) => Err((508, format!("{host}:{port} is this proxy ({own})"))),
            None => Ok(remotes),
        }
    }

    /// Answers an error of ours (`400`, `502`, `504`, `508`) with a short text body.
    fn refuse(&self, res: &mut Response<'_>, status: u16, why: &str) {
        self.trace
            .emit("upstream", None, format_args!("{status} {why}"));
        let body = format!("{status} {}: {why}\n", reason_phrase(status));
        let length = Decimal::new(body.len() as u64);
        let fields = [
            ("Content-Type", "text/plain"),
            ("Content-Length", length.as_str()),
        ];
        // Our own statuses and fields: nothing the head writer could refuse.
        if res.write_head(status, &fields).is_ok() {
            let _ = res.end(body.as_bytes());
        }
    }

    /// Forwards one request and relays the answer. `Err` carries the status to answer with
    /// when nothing has been relayed yet.
    fn forward(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), (u16, String)> {
        let head = req.head().clone();
        let Some((host, port, path)) = absolute_target(head.target()) else {
            return Err((400, "not an absolute-form http:// target".into()));
        };
        // A request that already passed through us would loop: 508 Loop Detected (RFC 5842
        // §7.2).
        if head
            .values("via")
            .any(|v| list_elements(v).any(|hop| hop.ends_with(VIA)))
        {
            return Err((508, "the request came through this proxy already".into()));
        }
        let remotes = self.resolve_elsewhere(&host, port)?;
        let mut options = RequestOptions::new(&host, port);
        options.resolved = Some(remotes);
        options.method = head.method.to_string();
        options.path = path;
        options.headers = upstream_fields(&head, &options.host_field());
        options.agent = Some(self.agent.clone());
        options.timeout = self.upstream_timeout;
        options.connect_timeout = Some(self.upstream_timeout);
        let upstream_error = |e: ClientError| match e {
            // Silent, or no pooled connection to it freed up in time (--max-sockets).
            ClientError::Timeout => (504, format!("{host}:{port} did not answer in time")),
            ClientError::Connect(e) if e.code() == "ETIMEDOUT" || e.code() == "EAGAIN" => {
                (504, format!("{e}"))
            }
            // The agent is at the server's connection limit.
            ClientError::Connect(e) if e.code() == "EMFILE" => {
                (503, format!("{e}: --max-connections reached"))
            }
            e => (502, format!("{e}")),
        };
        let mut upstream = request(options).map_err(upstream_error)?;
        // The request body, decoded by our server, goes up framed by our client: with its
        // Content-Length (kept among the fields), or chunked.
        if !matches!(head.framing(), Ok(Framing::None)) {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = req
                    .read(&mut buf)
                    .map_err(|e| (400, format!("request body: {e}")))?;
                if n == 0 {
                    break;
                }
                upstream.write(&buf[..n]).map_err(upstream_error)?;
            }
        }
        upstream.end(b"").map_err(upstream_error)?;
        let mut answer = loop {
            match upstream.next_event().map_err(upstream_error)? {
                ClientRequestEvent::Response(answer) => break answer,
                ClientRequestEvent::Upgrade(_) | ClientRequestEvent::Connect(_) => {
                    return Err((502, "the upstream switched protocols".into()))
                }
                ClientRequestEvent::Socket { .. }
                | ClientRequestEvent::Continue
                | ClientRequestEvent::Information(_) => {}
            }
        };
        // Each field as it came, repeats included (two `Set-Cookie`s stay two), all given to
        // `write_head` at once: if the head writer refused them, the response would be
        // untouched, and the client would get a 502 instead.
        let mut fields = end_to_end(&answer.head().fields);
        fields.push(("Via".into(), format!("{} {VIA}", answer.http_version())));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (&**n, &**v)).collect();
        res.write_head(answer.status_code(), &fields)
            .map_err(|e| (502, format!("the upstream's head: {e}")))?;
        self.trace.emit(
            "upstream",
            None,
            format_args!("{} {} {}", head.method, head.target(), answer.status_code()),
        );
        // Decoded here, framed again by `res` for this client: Content-Length if the
        // upstream gave one, else chunked (HTTP/1.1) or until the close (HTTP/1.0).
        loop {
            match answer.next_piece() {
                Ok(Some(piece)) => {
                    if res.write(&piece).is_err() {
                        return Ok(()); // our client went away
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    // Too late for a 502: the head has gone. The body stops short, without
                    // a last chunk, so the client sees it cut, as the upstream cut it.
                    self.trace
                        .emit("upstream", None, format_args!("{} {e}", head.target()));
                    res.destroy();
                    return Ok(());
                }
            }
        }
        let _ = res.end(b"");
        Ok(())
    }
}

/// The fields to send upstream: end-to-end ones only, `Host` from the target (RFC 9112
/// §3.2.2: a proxy MUST replace it), and `Via`.
fn upstream_fields(head: &RequestHead, host: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = end_to_end(head.fields())
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
        .collect();
    fields.insert(0, ("Host".into(), host.to_string()));
    fields.push(("Via".into(), format!("{} {VIA}", head.version.as_str())));
    fields
}

impl Handler for Proxy {
    fn request(&self, req: &mut Request<'_>, res: &mut Response<'_>) {
        if let Err((status, why)) = self.forward(req, res) {
            if !res.headers_sent() {
                self.refuse(res, status, &why);
            }
        }
    }

    fn wants_connect(&self, _head: &RequestHead) -> bool {
        true
    }

    /// `CONNECT host:port`: open a TCP connection, answer `200 Connection Established`, then
    /// copy bytes both ways until both sides have closed, or neither has sent a byte for the
    /// tunnel timeout.
    fn connect(&self, head: RequestHead, socket: Socket, rest: Vec<u8>) {
        let answer = |socket: &Socket, status: u16, why: &str| {
            self.trace
                .emit("upstream", None, format_args!("{status} {why}"));
            let fields = [("Connection", "close"), ("Content-Length", "0")];
            if let Ok(head) = response_head(status, &fields) {
                let _ = socket.write_all(&head, Some(SEND_TIMEOUT));
            }
        };
        let Some((host, port)) = connect_target(head.target()) else {
            return answer(&socket, 400, "not a host:port target");
        };
        let remotes = match self.resolve_elsewhere(&host, port) {
            Ok(remotes) => remotes,
            Err((status, why)) => return answer(&socket, status, &why),
        };
        // The tunnel's upstream holds this place until the tunnel ends.
        let Some(_place) = self.places.take() else {
            return answer(&socket, 503, "--max-connections reached");
        };
        let upstream = match tcp::first_to_accept(&host, &remotes, Some(self.upstream_timeout)) {
            Ok((stream, _)) => stream,
            Err(e) => {
                let status = if e.code() == "ETIMEDOUT" { 504 } else { 502 };
                return answer(&socket, status, &e.to_string());
            }
        };
        let Ok(established) = HeadWriter::response_with_reason(200, "Connection Established", 64)
        else {
            return;
        };
        if socket
            .write_all(&established.finish(), Some(SEND_TIMEOUT))
            .is_err()
            || (&upstream).write_all(&rest).is_err()
        {
            return;
        }
        self.trace
            .emit("tunnel", None, format_args!("{host}:{port} open"));
        let (up, down, idle) = tunnel(&socket, &upstream, self.tunnel_timeout);
        if idle {
            let ms = self.tunnel_timeout.as_millis();
            self.trace.emit(
                "tunnel",
                None,
                format_args!("{host}:{port} timeout: no byte either way for {ms} ms"),
            );
        }
        let up = up + rest.len() as u64;
        self.trace.emit(
            "tunnel",
            None,
            format_args!("{host}:{port} closed, {up} bytes up, {down} bytes down"),
        );
    }
}

/// Whether a connection to `remote` would come back to a listener bound at `listener`: the
/// same port, and the same address once IPv4-mapped IPv6 is read as IPv4, or an address
/// that means this host to the kernel (`0.0.0.0` and `::` connect to it); a listener on
/// every interface (`0.0.0.0`, `::`) is reached through any address of this machine
/// ([`addr::is_local`]: loopback, or one a socket can be bound to).
///
/// ```
/// use netnotes::http::proxy::reaches;
/// let proxy = "127.0.0.1:8080".parse().unwrap();
/// assert!(reaches(proxy, "[::ffff:127.0.0.1]:8080".parse().unwrap()));
/// assert!(reaches(proxy, "0.0.0.0:8080".parse().unwrap()));
/// assert!(!reaches(proxy, "127.0.0.1:8081".parse().unwrap()));
/// assert!(!reaches(proxy, "127.0.0.2:8080".parse().unwrap()));
/// let everywhere = "0.0.0.0:8080".parse().unwrap();
/// assert!(reaches(everywhere, "127.0.0.2:8080".parse().unwrap()));
/// assert!(!reaches(everywhere, "203.0.113.77:8080".parse().unwrap()));
/// ```
pub fn reaches(listener: SocketAddr, remote: SocketAddr) -> bool {
    let (own, ip) = (listener.ip().to_canonical(), remote.ip().to_canonical());
    listener.port() == remote.port()
        && (own == ip || ip.is_unspecified() || (own.is_unspecified() && addr::is_local(ip)))
}

/// Copies bytes both ways until both directions have ended, or neither has carried a byte
/// for `idle_timeout`; each FIN is passed on as a half-close (`shutdown(Write)`) on the
/// other connection. Returns the bytes copied up and down, and whether the tunnel was closed
/// for being idle.
///
/// One thread per direction: each blocks in its own read, so neither waits on the other (a
/// blocking thread cannot wait on two sockets at once). A direction that fails (a reset) or finds the tunnel idle
/// shuts both connections down, which ends the other direction's read too.
fn tunnel(client: &Socket, upstream: &TcpStream, idle_timeout: Duration) -> (u64, u64, bool) {
    if idle_timeout.is_zero() {
        return (0, 0, true); // a zero idle time is up at once (see crate::timeout)
    }
    let client = client.stream();
    // Writes keep a bound, so a stuck reader cannot pin a thread; reads wake up to check
    // whether the tunnel as a whole has gone quiet.
    for stream in [client, upstream] {
        let _ = stream.set_read_timeout(Some(idle_timeout));
        let _ = stream.set_write_timeout(Some(SEND_TIMEOUT));
    }
    let quiet = Quiet::new(idle_timeout);
    thread::scope(|scope| {
        let up = thread::Builder::new()
            .name("proxy tunnel up".into())
            .stack_size(crate::tcp::server::STACK_SIZE)
            .spawn_scoped(scope, || pipe(client, upstream, &quiet));
        let (down, down_idle) = pipe(upstream, client, &quiet);
        let (up, up_idle) = match up {
            Ok(up) => up.join().unwrap_or((0, false)),
            Err(_) => (0, false),
        };
        (up, down, up_idle || down_idle)
    })
}

/// When a tunnel last carried a byte, either way: both directions' threads write it, and a
/// read that times out looks at it before deciding the tunnel is idle.
struct Quiet {
    start: Instant,
    /// Milliseconds from `start` to the last byte.
    last: AtomicU64,
    limit: Duration,
}

impl Quiet {
    fn new(limit: Duration) -> Quiet {
        Quiet {
            start: Instant::now(),
            last: AtomicU64::new(0),
            limit,
        }
    }

    fn heard(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    /// How much longer the tunnel may stay quiet; zero once it has been quiet too long.
    fn left(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        let quiet = self.start.elapsed().saturating_sub(last);
        self.limit.saturating_sub(quiet)
    }
}

/// Copies `from` to `to` until `from` ends; passes the end on as a half-close. On a failure,
/// or once the tunnel has been quiet too long (the second value, `true`), shuts both down so
/// the other direction stops as well.
fn pipe(from: &TcpStream, to: &TcpStream, quiet: &Quiet) -> (u64, bool) {
    let mut buf = vec![0u8; READ_SIZE];
    let mut copied = 0;
    let mut idle = false;
    loop {
        match (&*from).read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return (copied, false);
            }
            Ok(n) => {
                quiet.heard();
                if (&*to).write_all(&buf[..n]).is_err() {
                    break;
                }
                copied += n as u64;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // This direction is quiet; the other may not be. Wait out what is left.
            Err(e) if is_timeout(&e) => match quiet.left() {
                left if left.is_zero() => {
                    idle = true;
                    break;
                }
                left => {
                    let _ = from.set_read_timeout(Some(left));
                }
            },
            Err(_) => break,
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
    (copied, idle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn hop_by_hop_fields_go_and_the_ones_connection_names_too() {
        let all = Fields::from_pairs([
            ("Host", "a"),
            ("Connection", "keep-alive, X-Secret"),
            ("Keep-Alive", "timeout=5"),
            ("Proxy-Connection", "keep-alive"),
            ("Proxy-Authorization", "Basic eA=="),
            ("TE", "trailers"),
            ("Trailer", "X-T"),
            ("Transfer-Encoding", "chunked"),
            ("Upgrade", "websocket"),
            ("x-secret", "1"),
            ("Accept", "*/*"),
            ("Content-Length", "3"),
        ]);
        assert_eq!(
            end_to_end(&all),
            fields(&[("Host", "a"), ("Accept", "*/*"), ("Content-Length", "3")])
        );
    }

    #[test]
    fn absolute_targets() {
        let t = |s: &str| absolute_target(s);
        let some = |h: &str, p: u16, path: &str| Some((h.to_string(), p, path.to_string()));
        assert_eq!(t("http://h:1337/a?b=1"), some("h", 1337, "/a?b=1"));
        assert_eq!(t("http://h?x"), some("h", 80, "/?x"));
        assert_eq!(t("http://127.0.0.1:8/"), some("127.0.0.1", 8, "/"));
        assert_eq!(t("http://[::1]/"), some("::1", 80, "/"));
        for bad in [
            "/a",
            "https://h/",
            "http://",
            "http://u@h/",
            "http://h:x/",
            "http://h:/",
            "http://h:99999/",
            "http://::1/",
            "http://::1:8080/",
            "http://[::1/",
            "ftp://h/",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn connect_targets_need_a_port() {
        assert_eq!(connect_target("h:0"), None);
        assert_eq!(connect_target("[::1]"), None);
        assert_eq!(connect_target(":443"), None);
        assert_eq!(connect_target("h:443"), Some(("h".to_string(), 443)));
    }

    #[test]
    fn upstream_fields_replace_host_and_add_via() {
        let head = RequestHead::new(
            "GET",
            "http://h:1/",
            super::super::message::Version::Http10,
            Fields::from_pairs([("Host", "wrong"), ("Proxy-Connection", "x"), ("A", "1")]),
        );
        assert_eq!(
            upstream_fields(&head, "h:1"),
            fields(&[("Host", "h:1"), ("A", "1"), ("Via", "1.0 netnotes")])
        );
    }
}
