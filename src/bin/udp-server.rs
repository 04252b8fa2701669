//! `udp-server`: the notes' UDP server (构建UDP服务, 创建UDP服务端), line for line, errata 2
//! fixed.
//!
//! The Node original, with the comma after `'message'` that the notes lost put back (without
//! it the program does not even parse):
//!
//! ```js
//! var dgram = require('dgram');
//! var server = dgram.createSocket('udp4');
//! server.on('message', function (msg, rinfo) {
//!   console.log(msg)
//!   console.log(rinfo)
//! });
//! server.on('listening', function () {
//!   var address = server.address();
//!   console.log(address);
//! });
//! server.bind(41234);
//! ```
//!
//! The same program below: `Socket::bind` is `createSocket` + `bind`, and the `match` holds
//! the two `server.on(...)` callbacks. Unlike `bind(41234)`, which takes every interface, it
//! binds 127.0.0.1 unless `--host` says otherwise.
//!
//! The flags beyond the notes show UDP's limits: `--echo` sends each datagram back; `--slow MS`
//! reads slowly, so that a burst overflows the kernel's receive queue and datagrams are lost;
//! at the end, if `udp-client --seq` datagrams came, one more line counts them.

use netnotes::cli::{self, Command, Kind};
use netnotes::inspect;
use netnotes::trace::Trace;
use netnotes::udp::{SeqTally, Socket, SocketEvent};
use netnotes::wire;
use std::thread;
use std::time::Duration;

/// `--idle` when `--slow` is given without it: the loss demonstration ends 2 s after the last
/// datagram.
const DEFAULT_IDLE_MS: u64 = 2000;

fn command() -> Command {
    Command::new(
        "udp-server",
        "the notes' UDP server: prints its address, then each datagram and its rinfo \
         (and at the end, if udp-client --seq datagrams came, how many arrived)",
    )
    .server("41234")
    .flag(
        "exit-after",
        Kind::Count,
        None,
        "N",
        "close the socket after N datagrams, then exit 0",
    )
    .switch("echo", "send each datagram back to its sender")
    .flag(
        "echo-port",
        Kind::Port,
        None,
        "PORT",
        "with --echo, send to this port of the sender instead (0 is refused: a non-fatal error)",
    )
    .flag(
        "slow",
        Kind::Count,
        None,
        "MS",
        "sleep MS after each datagram, so a burst overflows the receive queue",
    )
    .flag(
        "idle",
        Kind::Millis,
        None,
        "MS",
        "close once MS pass without a datagram, counted from the first (2000 with --slow)",
    )
    .example(
        "cargo run --release --bin udp-server -- --slow 1 --quiet   \
         (then: udp-client --seq --count 5000 --quiet)",
    )
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(wire::raw);
    let addr =
        netnotes::addr::bind_address(args.host(), args.port()).unwrap_or_else(|e| cli::fatal(e));
    let exit_after = args.number("exit-after");
    let echo = args.switch("echo");
    let echo_port = args.number("echo-port").and_then(|p| u16::try_from(p).ok());
    let slow = args.number("slow").map(Duration::from_millis);
    let idle = args
        .millis("idle")
        .or(slow.map(|_| Duration::from_millis(DEFAULT_IDLE_MS)));

    let trace = Trace::new("udp", args.trace());
    let mut server = Socket::bind(addr, trace).unwrap_or_else(|e| cli::fatal(e));
    let mut received = 0;
    let mut tally = SeqTally::default();

    while let Some(event) = server.next_event() {
        match event {
            // server.on('message', function (msg, rinfo) { ... })
            SocketEvent::Message { data, rinfo } => {
                println!("{}", inspect::buffer(&data));
                println!("{rinfo}");
                if echo {
                    let mut to = rinfo.from;
                    if let Some(port) = echo_port {
                        to.set_port(port);
                    }
                    // Without a callback, as an echo server in Node would send: a failure is
                    // the socket's next `error` event, traced, and the server goes on.
                    server.send(&data, to);
                }
                if let Err(outside) = tally.record(&data) {
                    trace.emit("uncounted", Some(rinfo.from), format_args!("{outside}"));
                }
                received += 1;
                if exit_after.is_some_and(|n| received >= n) {
                    server.close();
                    continue;
                }
                // The idle clock starts at the first datagram: the demonstration waits for
                // its client however long it takes to start.
                server.set_idle_timeout(idle);
                if let Some(slow) = slow {
                    thread::sleep(slow);
                }
            }
            // server.on('listening', ...): console.log(server.address())
            SocketEvent::Listening(address) => println!("{}", inspect::address(&address)),
            // server.on('error', ...): not in the notes' program.
            // Already traced by the socket (`[udp] error send ...`); not fatal to a server.
            SocketEvent::Error(_) => {}
            // server.on('close', ...): not in the notes' program either.
            SocketEvent::Close => {}
        }
    }
    if let Some(summary) = tally.summary() {
        println!("{summary}");
    }
}
// ANCHOR_END: program
