//! `udp-client`: the notes' UDP client (构建UDP服务, 创建UDP客户端), errata 3 fixed.
//!
//! The Node original, with the deprecated `new Buffer('hello')` written `Buffer.from('hello')`:
//!
//! ```js
//! var dgram = require('dgram');
//! var message = Buffer.from('hello');
//! var client = dgram.createSocket('udp4');
//! client.send(message, 0, message.length, 41234, 'localhost', function (err, bytes) {
//!   client.close();
//! });
//! ```
//!
//! The same program below: bind (Node binds implicitly on the first send), `send_to`, close.
//! Where the two differ: the notes' callback ignores `err`, so a datagram the kernel refuses
//! (too big, `EMSGSIZE`) goes unnoticed; ours ends as `if (err) throw err` would, with Node's
//! line `Error: send EMSGSIZE localhost:41234` and exit 1.
//!
//! `--count N` sends N datagrams, `--seq` numbers them (`seq 1/N` ...) for the loss
//! demonstration, and `--wait MS` waits for replies (from `udp-server --echo`) and prints each
//! as a Buffer; since UDP promises nothing, a reply may never come: `no reply within MS ms`,
//! exit 1.

use netnotes::cli::{self, Command, Kind};
use netnotes::error::NodeError;
use netnotes::inspect;
use netnotes::trace::Trace;
use netnotes::udp::{self, Socket, SocketEvent};
use netnotes::wire;
use std::process;

fn command() -> Command {
    Command::new(
        "udp-client",
        "the notes' UDP client: sends hello to localhost:41234 in one datagram, closes",
    )
    .client("41234")
    .flag("message", Kind::Text, Some("hello"), "TEXT", "what to send")
    .flag(
        "count",
        Kind::Count,
        Some("1"),
        "N",
        "send N datagrams, one after the other",
    )
    .switch(
        "seq",
        "send 'seq I/N' as the I-th of N datagrams instead of the message",
    )
    .flag(
        "wait",
        Kind::Millis,
        None,
        "MS",
        "wait for a reply to each datagram, printing it; give up after MS without one (exit 1)",
    )
    .example("cargo run --release --bin udp-client -- --port 41234 --message hi --wait 1000")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(wire::raw);
    let (host, port) = (args.host(), args.port());
    let message = args.text("message").unwrap_or("hello");
    let count = args.number("count").unwrap_or(1);
    let wait = args.millis("wait");

    let server = udp::client_address(host, port).unwrap_or_else(|e| cli::fatal(e));
    let mut client = Socket::bind(udp::any_address(server), Trace::new("udp", args.trace()))
        .unwrap_or_else(|e| cli::fatal(e));

    for i in 1..=count {
        let payload = if args.switch("seq") {
            udp::seq_payload(i, count)
        } else {
            message.to_string()
        };
        if let Err(err) = client.send_to(payload.as_bytes(), server) {
            // Node words a send error with the host as the program gave it
            // (`send EMSGSIZE localhost:41234`), not the address it resolved to.
            cli::fatal(NodeError::at_host("send", &err, host, port));
        }
    }

    match wait {
        Some(wait) => client.set_idle_timeout(Some(wait)),
        None => client.close(),
    }
    let mut replies = 0;
    while let Some(event) = client.next_event() {
        match event {
            // client.on('message', ...): only with --wait; the notes' client reads nothing
            SocketEvent::Message { data, .. } => {
                println!("{}", inspect::buffer(&data));
                replies += 1;
                if replies == count {
                    client.close();
                }
            }
            // client.on('error', ...): none in the notes, so Node would throw: one line, exit 1
            SocketEvent::Error(err) => cli::fatal(err),
            // 'listening' (the implicit bind) and 'close': traced only, as the notes print nothing
            SocketEvent::Listening(_) | SocketEvent::Close => {}
        }
    }
    if let Some(wait) = wait {
        if replies < count {
            eprintln!("no reply within {} ms", wait.as_millis());
            process::exit(1);
        }
    }
}
// ANCHOR_END: program
