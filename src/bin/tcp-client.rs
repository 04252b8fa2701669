//! `tcp-client`: the notes' TCP client (1.2 连接事件), line for line, errata 1 fixed.
//!
//! The Node original (with `conosle.log` corrected to `console.log`):
//!
//! ```js
//! var client = net.connect({ port: 8124 }, function () {
//!   console.log('client connected !');
//!   client.write('hello');
//! });
//! client.on('data', function (data) { console.log(data); client.end(); });
//! client.on('end', function () { console.log('此连接结束'); });
//! ```
//!
//! A client has one connection and so no thread of its own: `main` is the loop.

use netnotes::cli::{self, Command, Kind};
use netnotes::inspect;
use netnotes::tcp::{Socket, SocketEvent};
use netnotes::trace::Trace;
use netnotes::wire;

fn command() -> Command {
    Command::new(
        "tcp-client",
        "the notes' TCP client: connects, writes hello, prints the reply as a Buffer, ends",
    )
    .client("8124")
    .flag(
        "message",
        Kind::Text,
        Some("hello"),
        "TEXT",
        "what to write",
    )
    .switch("nodelay", "turn Nagle's algorithm off (TCP_NODELAY)")
    .example("cargo run --release --bin tcp-client -- --port 8124 --message hi")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(wire::raw);
    let message = args.text("message").unwrap_or("hello").to_string();
    let trace = Trace::new("tcp", args.trace());

    let mut client =
        Socket::connect(args.host(), args.port(), trace).unwrap_or_else(|e| cli::fatal(e));
    println!("client connected !");
    client.set_nodelay(args.switch("nodelay"));
    client.write(message.as_bytes());

    while let Some(event) = client.next_event() {
        match event {
            // client.on('data', ...)
            SocketEvent::Data(data) => {
                println!("{}", inspect::buffer(&data));
                client.end();
            }
            // client.on('end', ...)
            SocketEvent::End => println!("此连接结束"),
            // client.on('error', ...): the notes attach none;
            // Node, with no 'error' listener, would throw: one line and exit 1.
            SocketEvent::Error(err) => cli::fatal(err),
            // 'drain', 'timeout', 'close': no listener, as in the notes' program.
            _ => {}
        }
    }
}
// ANCHOR_END: program
