//! `tcp-server`: the notes' TCP server (1.1 服务器事件), line for line.
//!
//! The Node original:
//!
//! ```js
//! var server = net.createServer(function (socket) {
//!   socket.on('data', function (data) { socket.write('hello'); });
//!   socket.on('end', function () { console.log('断开连接'); });
//! });
//! server.listen(8124, function () { console.log('server start listen port 8124 !'); });
//! ```
//!
//! The same program below: `listen` is the `listening` callback, `run` calls the closure for
//! each `connection` on a thread of its own, and the `match` is the two `socket.on(...)`.
//! The listening line prints the real port, so `--port 0` can be used.

use netnotes::cli::{self, Command, Kind};
use netnotes::tcp::{Server, ServerOptions, SocketEvent};
use netnotes::trace::Trace;
use netnotes::wire;

fn command() -> Command {
    Command::new(
        "tcp-server",
        "the notes' TCP server: replies hello to every data event, prints 断开连接 on each end",
    )
    .server("8124")
    .switch(
        "nodelay",
        "turn Nagle's algorithm off on every connection (TCP_NODELAY)",
    )
    .flag(
        "timeout",
        Kind::Millis,
        None,
        "MS",
        "trace timeout and end a socket idle this long; close it if idle as long again",
    )
    .max_connections()
    .flag(
        "exit-after",
        Kind::Count,
        None,
        "N",
        "close the server once N connections have finished, then exit 0",
    )
    .example("cargo run --release --bin tcp-server -- --port 8124 --timeout 5000")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(wire::raw);
    let addr =
        netnotes::addr::bind_address(args.host(), args.port()).unwrap_or_else(|e| cli::fatal(e));
    let options = ServerOptions {
        max_connections: args.max_connections(),
        exit_after: args.number("exit-after"),
        ..ServerOptions::new(Trace::new("tcp", args.trace()))
    };
    let nodelay = args.switch("nodelay");
    let timeout = args.millis("timeout");

    let server = Server::listen(addr, options).unwrap_or_else(|e| cli::fatal(e));
    println!(
        "server start listen port {} !",
        server.local_address().port()
    );

    server.run(move |mut socket| {
        socket.set_nodelay(nodelay);
        socket.set_timeout(timeout);
        let mut ended_for_idleness = false;
        while let Some(event) = socket.next_event() {
            match event {
                // socket.on('data', ...): the notes' reply
                SocketEvent::Data(_) => {
                    socket.write(b"hello");
                }
                // socket.on('end', ...): the peer sent its FIN
                SocketEvent::End => println!("断开连接"),
                // socket.on('timeout', ...), which the notes' program lacks: with --timeout,
                // the first timeout ends our side; a second one, with the peer still
                // silent, closes the socket.
                SocketEvent::Timeout if !ended_for_idleness => {
                    ended_for_idleness = true;
                    socket.end();
                }
                SocketEvent::Timeout => socket.destroy(),
                // 'drain', 'error', 'close': no listener, as in the notes' program.
                _ => {}
            }
        }
    });
}
// ANCHOR_END: program
