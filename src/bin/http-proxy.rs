//! `http-proxy`: a forward proxy — the second reading of the notes' HTTP代理 — built on the
//! HTTP server's `request` and `connect` events.
//!
//! What it would be in Node (a sketch; Node has no proxy in its standard library):
//!
//! ```js
//! var server = http.createServer(function (req, res) {     // GET http://host:port/path
//!   var up = http.request(url.parse(req.url), function (upRes) {
//!     res.writeHead(upRes.statusCode, upRes.headers);        // minus hop-by-hop fields
//!     upRes.pipe(res);
//!   });
//!   req.pipe(up);
//! });
//! server.on('connect', function (req, socket, head) {        // CONNECT host:port
//!   var up = net.connect(port, host, function () {
//!     socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
//!     up.write(head); up.pipe(socket); socket.pipe(up);
//!   });
//! });
//! server.listen(8080, '127.0.0.1');
//! ```
//!
//! The logic is `netnotes::http::proxy`; this file wires it up. It listens on loopback by
//! default: an open proxy is dangerous (see the module docs and `docs/src/http-client.md`).

use netnotes::cli::{self, Command, Kind};
use netnotes::http::agent::Agent;
use netnotes::http::proxy::{Proxy, ProxyOptions};
use netnotes::http::{self, Server, ServerOptions};
use netnotes::trace::Trace;

fn command() -> Command {
    Command::new(
        "http-proxy",
        "a forward proxy: absolute-form requests forwarded, CONNECT tunnelled",
    )
    .server("8080")
    .flag(
        "upstream-timeout",
        Kind::Millis,
        Some("30000"),
        "MS",
        "silence from an upstream before 504",
    )
    .flag(
        "tunnel-timeout",
        Kind::Millis,
        Some("300000"),
        "MS",
        "a CONNECT tunnel with no byte either way for MS is closed",
    )
    .flag(
        "max-sockets",
        Kind::Count,
        Some("5"),
        "S",
        "connections per upstream host:port (the Agent's maxSockets)",
    )
    .flag(
        "free-socket-timeout",
        Kind::Millis,
        Some("5000"),
        "MS",
        "an upstream connection left free in the pool for MS is closed (the Agent's timeout)",
    )
    .max_connections()
    .flag(
        "exit-after",
        Kind::Count,
        None,
        "N",
        "close after N requests, then exit 0",
    )
    .example("http-proxy --port 8080 & curl -x http://127.0.0.1:8080 http://127.0.0.1:1337/")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(http::dissect::pair);
    let trace = Trace::new("http", args.trace());
    let count = |name| {
        args.number(name)
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
    };
    let options = ServerOptions {
        max_connections: args.max_connections(),
        exit_after: args.number("exit-after"),
        ..ServerOptions::new(trace)
    };
    let millis = |name| args.millis(name).expect("every time flag has a default");
    let proxy_options = ProxyOptions {
        upstream_timeout: millis("upstream-timeout"),
        tunnel_timeout: millis("tunnel-timeout"),
        ..ProxyOptions::new(trace)
    };
    let agent = Agent::with_trace(count("max-sockets"), trace);
    agent.set_free_socket_timeout(millis("free-socket-timeout"));
    let addr =
        netnotes::addr::bind_address(args.host(), args.port()).unwrap_or_else(|e| cli::fatal(e));
    let server = Server::listen(addr, options).unwrap_or_else(|e| cli::fatal(e));
    let local = server.local_address();
    let host = netnotes::addr::url_host(&local);
    println!("Proxy listening at http://{host}:{}/", local.port());
    let proxy = Proxy::new(&server, agent, proxy_options);
    server.run_handler(proxy);
}
// ANCHOR_END: program
