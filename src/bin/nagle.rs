//! `nagle`: the notes' remark on Nagle's algorithm (the close of 构建TCP服务), measured.
//!
//! Node has no program for this in the notes; this is the experiment that shows what
//! `socket.setNoDelay(true)` changes. It runs write-write-read rounds and a burst of tiny
//! writes with `set_nodelay(false)` (Nagle on, Node's default) and `set_nodelay(true)`, side
//! by side, against its own server on a free loopback port, or against `nagle --serve`
//! elsewhere. The experiment itself is `netnotes::tcp::nagle`; `docs/src/nagle.md` explains it.

use netnotes::cli::{self, Command, Kind};
use netnotes::tcp::nagle::{self, Config};
use netnotes::tcp::{Server, ServerOptions};
use netnotes::trace::Trace;
use std::thread;
use std::time::Duration;

fn command() -> Command {
    Command::new(
        "nagle",
        "Nagle's algorithm against delayed ACK, measured: set_nodelay(false) vs set_nodelay(true)",
    )
    .flag(
        "rounds",
        Kind::Count,
        Some("50"),
        "N",
        "write-write-read rounds per mode",
    )
    .flag(
        "writes",
        Kind::Count,
        Some("200"),
        "K",
        "one-byte writes in the coalescing burst",
    )
    .flag(
        "gap-us",
        Kind::Number,
        Some("100"),
        "G",
        "busy work between two writes of the burst, in microseconds",
    )
    .switch("json", "print one JSON object instead of the table")
    .flag(
        "host",
        Kind::Host,
        Some("127.0.0.1"),
        "HOST",
        "where the server is (with --port 0: where our own server listens)",
    )
    .flag(
        "port",
        Kind::Port,
        Some("0"),
        "PORT",
        "0: run our own server on a free port of HOST; else measure against HOST:PORT \
         (a nagle --serve); with --serve, the port to listen on",
    )
    .switch(
        "serve",
        "only run the server, on HOST:PORT, printing its listening line",
    )
    .flag(
        "timeout",
        Kind::Millis,
        Some("5000"),
        "MS",
        "give up on a connect or a reply after this long",
    )
    .switch("quiet", "no event trace on stderr")
    .wire()
    .flag(
        "wire-rounds",
        Kind::Count,
        Some("3"),
        "N",
        "with --wire: how many rounds of each mode the timeline shows",
    )
    .example("cargo run --release --bin nagle -- --rounds 50 --writes 200 --gap-us 100")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    let trace = Trace::new("tcp", args.trace());

    // --serve: the server alone, traced as tcp-server is: each read is a `[tcp] data` line, so
    // the coalescing can be watched from a second terminal (--quiet spares it the writes).
    if args.switch("serve") {
        let addr = netnotes::addr::bind_address(args.host(), args.port())
            .unwrap_or_else(|e| cli::fatal(e));
        let server =
            Server::listen(addr, ServerOptions::new(trace)).unwrap_or_else(|e| cli::fatal(e));
        println!("nagle server listening at {}", server.local_address());
        server.run(nagle::serve_connection);
        return;
    }

    let config = Config {
        rounds: args.number("rounds").unwrap_or(50),
        writes: args.number("writes").unwrap_or(200),
        gap: Duration::from_micros(args.number("gap-us").unwrap_or(100)),
        timeout: args.millis("timeout").expect("--timeout has a default"),
    };

    // Port 0: our own server, untraced (every read would be a line), on a thread of its own.
    let mut own = None;
    let (host, port) = if args.port() == 0 {
        let addr = netnotes::addr::bind_address(args.host(), 0).unwrap_or_else(|e| cli::fatal(e));
        let server = Server::listen(addr, ServerOptions::new(Trace::off("tcp")))
            .unwrap_or_else(|e| cli::fatal(e));
        let local = server.local_address();
        let close = server.close_handle();
        let thread = thread::Builder::new()
            .name("nagle server".into())
            .spawn(move || server.run(nagle::serve_connection))
            .unwrap_or_else(|e| cli::fatal(e));
        own = Some((close, thread));
        (local.ip().to_string(), local.port())
    } else {
        (args.host().to_string(), args.port())
    };

    let report = nagle::run(&host, port, &config, trace).unwrap_or_else(|e| cli::fatal(e));
    if let Some((close, thread)) = own {
        close.close();
        let _ = thread.join();
    }

    if args.switch("wire") {
        let shown = args.number("wire-rounds").unwrap_or(3);
        eprint!(
            "{}",
            nagle::timelines(&report, usize::try_from(shown).unwrap_or(3))
        );
    }
    let summary = report.summary();
    if args.switch("json") {
        println!("{}", summary.to_json());
    } else {
        print!("{}", summary.table());
    }
}
// ANCHOR_END: program
