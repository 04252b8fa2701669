//! `ws-server`: the book's WebSocket server — an HTTP server that takes the upgrade — echoing
//! every message, and serving the book's browser client at `/`.
//!
//! The book's server (《深入浅出Node.js》 §7.5), in outline:
//!
//! ```js
//! var server = http.createServer(function (req, res) { /* the page */ });
//! server.on('upgrade', function (req, socket, upgradeHead) {
//!   var key = req.headers['sec-websocket-key'];
//!   key = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
//!   socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket',
//!                 'Connection: Upgrade', 'Sec-WebSocket-Accept: ' + key, '', ''].join('\r\n'));
//!   socket.setNoDelay(true);
//!   var websocket = new WebSocket(); websocket.setSocket(socket); // then frames both ways
//! });
//! server.listen(12010);
//! ```
//!
//! Here: [`Handler::upgrade`] checks the handshake and answers (`ws::server::accept`), then the
//! connection's thread echoes messages; [`Handler::request`] serves the page at `/` and a 4xx
//! for anything else that is not a valid upgrade.

use netnotes::cli::{self, Command, Kind};
use netnotes::http::message::RequestHead;
use netnotes::http::{Handler, Request, Response, Server, ServerOptions};
use netnotes::tcp::{CloseHandle, ExitAfter, Socket};
use netnotes::trace::Trace;
use netnotes::ws::server::{accept, check_handshake, is_websocket_request, Policy, Refused};
use netnotes::ws::{self, Options, WebSocketEvent};

/// The book's browser client, served at `/`: self-contained, no other request.
const DEMO_PAGE: &str = include_str!("../ws/demo.html");

fn command() -> Command {
    Command::new(
        "ws-server",
        "the book's WebSocket server: echoes every message; GET / serves the browser demo",
    )
    .server("12010")
    .flag(
        "protocol",
        Kind::Text,
        None,
        "LIST",
        "subprotocols spoken, comma-separated (e.g. chat,superchat)",
    )
    .flag(
        "origin",
        Kind::Text,
        None,
        "LIST",
        "only these Origin values may connect (403 otherwise), comma-separated",
    )
    .flag(
        "max-message-bytes",
        Kind::Count,
        Some("16777216"),
        "BYTES",
        "longest message accepted (close 1009 past it)",
    )
    .flag(
        "headers-timeout",
        Kind::Millis,
        Some("60000"),
        "MS",
        "time for a request head (the handshake) to arrive (408 past it)",
    )
    .flag(
        "send-timeout",
        Kind::Millis,
        Some("60000"),
        "MS",
        "how long one write may wait for a client that does not read; the connection closes past it",
    )
    .flag(
        "ping-interval",
        Kind::Interval,
        Some("30000"),
        "MS",
        "ping a client quiet for MS, close it (1006) if still quiet MS later; 0: no heartbeat",
    )
    .max_connections()
    .flag(
        "exit-after",
        Kind::Count,
        None,
        "N",
        "close the server once N WebSocket connections have closed, then exit 0",
    )
    .example(
        "cargo run --release --bin ws-server  # then open http://127.0.0.1:12010/ in a browser",
    )
}

struct Echo {
    policy: Policy,
    options: Options,
    /// WebSocket sessions finished, under `--exit-after`.
    finished: ExitAfter,
    close: CloseHandle,
}

// ANCHOR: program
impl Handler for Echo {
    // http.createServer(function (req, res) { ... }): the page, or a 4xx
    fn request(&self, req: &mut Request<'_>, res: &mut Response<'_>) {
        let head = req.head();
        let _ = if head.path() == "/" && matches!(head.method, "GET" | "HEAD") {
            let html = [("Content-Type", "text/html; charset=utf-8")];
            answer(res, 200, &html, DEMO_PAGE.as_bytes())
        } else {
            // Not a valid upgrade (a valid one went to `upgrade`): say what is wrong, never 200.
            let refused = check_handshake(head, &self.policy)
                .err()
                .unwrap_or(Refused {
                    status: 400,
                    field: None,
                    why: "not a WebSocket handshake",
                });
            let mut fields = vec![("Content-Type", "text/plain")];
            fields.extend(refused.field);
            answer(
                res,
                refused.status,
                &fields,
                format!("{}\n", refused.why).as_bytes(),
            )
        };
    }

    /// Only WebSocket upgrades; anything else is answered by `request`.
    fn wants_upgrade(&self, head: &RequestHead) -> bool {
        is_websocket_request(head)
    }

    // server.on('upgrade', function (req, socket, upgradeHead) { ... })
    fn upgrade(&self, head: RequestHead, socket: Socket, early: Vec<u8>) {
        let Ok(mut ws) = accept(&head, socket, early, &self.policy, self.options) else {
            return;
        };
        while let Some(event) = ws.next_event() {
            // websocket.onmessage: echo it, text as text, binary as binary
            if let WebSocketEvent::Message(message) = event {
                // A send fails once the connection is closing (the next event says so), or
                // when the client stopped reading and the write waited past --send-timeout.
                // Then part of a frame may be out, and nothing more can follow it: end the
                // connection here (dropping it closes TCP), or the thread would go on
                // reading, each message costing another timeout, and then wait for ever.
                if ws.send_message(&message).is_err() {
                    break;
                }
                // Echoed: the next message is read into its memory (no allocation, no
                // zeroing per message while they keep coming; see WebSocket::reuse).
                ws.reuse(message);
            }
        }
        if self.finished.count() {
            self.close.close();
        }
    }
}

/// `res.writeHead(status, fields); res.end(body)`.
fn answer(
    res: &mut Response<'_>,
    status: u16,
    fields: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    res.write_head(status, fields)?;
    res.end(body)
}
// ANCHOR_END: program

fn list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

fn main() {
    let args = command().parse_env();
    args.enable_wire(ws::dissect::pair);
    let addr =
        netnotes::addr::bind_address(args.host(), args.port()).unwrap_or_else(|e| cli::fatal(e));
    let millis = |name| args.millis(name).expect("every time flag has a default");
    let mut options = ServerOptions::new(Trace::new("http", args.trace()));
    options.max_connections = args.max_connections();
    options.limits.headers_timeout = millis("headers-timeout");
    options.limits.send_timeout = millis("send-timeout");
    let server = Server::listen(addr, options).unwrap_or_else(|e| cli::fatal(e));
    let local = server.local_address();
    let host = netnotes::addr::url_host(&local);
    println!(
        "WebSocket server listening at ws://{host}:{}/updates",
        local.port()
    );

    let mut ws_options = Options::new(Trace::new("ws", args.trace()));
    ws_options.max_message = args
        .number("max-message-bytes")
        .map_or(usize::MAX, |n| n as usize);
    ws_options.send_timeout = millis("send-timeout");
    ws_options.ping_interval = args.interval("ping-interval");
    let echo = Echo {
        policy: Policy {
            protocols: list(args.text("protocol")),
            origins: args.text("origin").map(|o| list(Some(o))),
        },
        options: ws_options,
        finished: ExitAfter::new(args.number("exit-after")),
        close: server.close_handle(),
    };
    server.run_handler(echo);
}
