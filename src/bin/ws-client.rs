//! `ws-client`: the book's WebSocket client, in a terminal instead of a browser.
//!
//! The book's browser code:
//!
//! ```js
//! var socket = new WebSocket('ws://127.0.0.1:12010/updates');
//! socket.onopen = function () { socket.send(getUpdateData()); };
//! socket.onmessage = function (event) { /* event.data */ };
//! ```
//!
//! Here: connect, send `--message` `--count` times (each after the previous reply), print each
//! reply's text on its own line, close with 1000, exit 0.

use netnotes::cli::{self, Command, Kind};
use netnotes::inspect;
use netnotes::trace::Trace;
use netnotes::ws::client::{connect, Url};
use netnotes::ws::{self, Message, Options, WebSocketEvent};

fn command() -> Command {
    Command::new(
        "ws-client",
        "the book's WebSocket client: sends a message, prints each reply, closes with 1000",
    )
    .flag(
        "url",
        Kind::Text,
        Some("ws://127.0.0.1:12010/updates"),
        "URL",
        "where to connect",
    )
    .flag(
        "host",
        Kind::Host,
        None,
        "HOST",
        "connect to this host instead of the URL's",
    )
    .flag(
        "port",
        Kind::Port,
        None,
        "PORT",
        "connect to this port instead of the URL's",
    )
    .flag("message", Kind::Text, Some("hello"), "TEXT", "what to send")
    .flag(
        "count",
        Kind::Count,
        Some("1"),
        "N",
        "how many times to send it, each after the previous reply",
    )
    .flag(
        "protocol",
        Kind::Text,
        None,
        "LIST",
        "subprotocols to offer, comma-separated",
    )
    .switch("quiet", "no event trace on stderr")
    .wire()
    .example("cargo run --release --bin ws-client -- --url ws://127.0.0.1:12010/updates --count 3")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(ws::dissect::pair);
    let mut url = Url::parse(args.text("url").unwrap_or_default())
        .unwrap_or_else(|e| command().usage_error(e));
    if let Some(host) = args.text("host") {
        url.host = host.to_string();
    }
    if let Some(port) = args.number("port") {
        url.port = u16::try_from(port).unwrap_or(url.port);
    }
    let message = args.text("message").unwrap_or("hello").to_string();
    let count = args.number("count").unwrap_or(1);
    let offered: Vec<&str> = args
        .text("protocol")
        .map(|p| {
            p.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default();

    let options = Options::new(Trace::new("ws", args.trace()));
    let (mut ws, _protocol) = connect(&url, &offered, options).unwrap_or_else(|e| cli::fatal(e));

    let mut replies = 0;
    while let Some(event) = ws.next_event() {
        let send_next = match event {
            // socket.onopen: send the first message
            WebSocketEvent::Open => true,
            // socket.onmessage: show what arrived, send the next
            WebSocketEvent::Message(reply) => {
                print_reply(&reply);
                replies += 1;
                replies < count
            }
            // socket.onerror: the server broke the protocol
            WebSocketEvent::Error(violation) => cli::fatal(violation),
            // socket.onclose, before every reply came
            WebSocketEvent::Close { code, reason } if replies < count => cli::fatal(format_args!(
                "the server closed the connection ({code} {reason})"
            )),
            _ => false,
        };
        let sent = if send_next {
            ws.send_text(&message)
        } else if replies == count {
            ws.close(1000, "")
        } else {
            Ok(())
        };
        if let Err(e) = sent {
            cli::fatal(format_args!("write {e}"));
        }
    }
}
// ANCHOR_END: program

/// A text reply as its text; a binary one as Node prints a Buffer.
fn print_reply(reply: &Message) {
    match reply {
        Message::Text(text) => println!("{text}"),
        Message::Binary(bytes) => println!("{}", inspect::buffer(bytes)),
    }
}
