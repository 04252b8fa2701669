//! `http-server`: the book's hello-world HTTP server, plus routes that show the HTTP lessons.
//!
//! The Node original (《深入浅出Node.js》 §7.3):
//!
//! ```js
//! var http = require('http');
//! http.createServer(function (req, res) {
//!   res.writeHead(200, {'Content-Type': 'text/plain'});
//!   res.end('Hello World\n');
//! }).listen(1337, '127.0.0.1');
//! console.log('Server running at http://127.0.0.1:1337/');
//! ```
//!
//! `main` below is that program: `listen`, the `console.log` line, then `run` with the request
//! listener, a closure, called for every request. `/` answers as the book's does, for any
//! method. The other routes are this project's:
//! `GET /headers` shows the request message as the server parsed it (the 报文 lesson),
//! `POST /echo` streams the body back (chunked uploads too), `GET /stream` answers in five
//! chunks 200 ms apart (0.8 s in all), and anything else is `404`.

use netnotes::cli::{self, Command, Kind};
use netnotes::http::message::headers_json;
use netnotes::http::{self, Limits, Request, Response, Server, ServerOptions};
use netnotes::inspect::json_string;
use netnotes::trace::Trace;
use std::io::Read;
use std::thread;
use std::time::Duration;

fn command() -> Command {
    Command::new(
        "http-server",
        "the book's hello-world HTTP server, with /headers, /echo and /stream",
    )
    .server("1337")
    .max_connections()
    .flag("exit-after", Kind::Count, None, "N", "close the server after N responses, then exit 0")
    .flag("max-header-bytes", Kind::Count, Some("16384"), "BYTES", "longest head accepted (431 past it)")
    .flag("max-headers", Kind::Count, Some("2000"), "N", "most header fields accepted (431 past it)")
    .flag("max-body-bytes", Kind::Number, Some("1048576"), "BYTES", "longest body accepted (413 past it)")
    .flag("headers-timeout", Kind::Millis, Some("60000"), "MS", "time for a head to arrive (408 past it)")
    .flag("request-timeout", Kind::Millis, Some("300000"), "MS", "time for a whole request to arrive (408)")
    .flag("keep-alive-timeout", Kind::Millis, Some("5000"), "MS", "idle time between requests before closing")
    .example("cargo run --release --bin http-server -- --port 1337 & curl -v http://127.0.0.1:1337/headers")
}

// ANCHOR: program
fn main() {
    let args = command().parse_env();
    args.enable_wire(http::dissect::pair);
    let addr =
        netnotes::addr::bind_address(args.host(), args.port()).unwrap_or_else(|e| cli::fatal(e));
    let server = Server::listen(addr, options(&args)).unwrap_or_else(|e| cli::fatal(e));
    let local = server.local_address();
    let host = netnotes::addr::url_host(&local);
    println!("Server running at http://{host}:{}/", local.port());

    // Each route matches the target's path only (the query is ignored). A write fails only if
    // the client went away; the server then closes the connection.
    server.run(|req, res| {
        let _ = match (req.head().path(), req.method()) {
            ("/", _) => hello(res),
            ("/headers", "GET" | "HEAD") => show_message(req, res),
            ("/echo", "POST" | "PUT") => echo(req, res),
            ("/stream", "GET" | "HEAD") => stream(res),
            ("/headers" | "/stream", _) => not_allowed(res, "GET, HEAD"),
            ("/echo", _) => not_allowed(res, "POST, PUT"),
            _ => text(res, 404, "Not Found\n"),
        };
    });
}

/// The book's request listener: `function (req, res) { res.writeHead(200, {'Content-Type':
/// 'text/plain'}); res.end('Hello World\n'); }`. Where `writeHead` would throw, `write_head`
/// returns the error, which `?` passes on.
fn hello(res: &mut Response<'_>) -> std::io::Result<()> {
    res.write_head(200, &[("Content-Type", "text/plain")])?;
    res.end(b"Hello World\n")
}
// ANCHOR_END: program

/// The request message as parsed: Node's `req.method`, `req.url`, `req.httpVersion`,
/// `req.headers` and `req.rawHeaders`.
fn show_message(req: &Request<'_>, res: &mut Response<'_>) -> std::io::Result<()> {
    let raw: Vec<String> = req.raw_headers().iter().map(|s| json_string(s)).collect();
    let body = format!(
        "method: {}\nurl: {}\nhttpVersion: {}\nheaders: {}\nrawHeaders: [{}]\n",
        req.method(),
        req.url(),
        req.http_version(),
        headers_json(&req.headers()),
        raw.join(",")
    );
    text(res, 200, &body)
}

/// Streams the request body back as it arrives, chunk by chunk.
fn echo(req: &mut Request<'_>, res: &mut Response<'_>) -> std::io::Result<()> {
    let content_type = req
        .head()
        .value("content-type")
        .unwrap_or("application/octet-stream")
        .to_string();
    res.write_head(200, &[("Content-Type", &content_type)])?;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = req.read(&mut buf)?;
        if n == 0 {
            return res.end(b"");
        }
        res.write(&buf[..n])?;
    }
}

/// Five chunks, 200 ms apart: watch them arrive with `curl -N`.
fn stream(res: &mut Response<'_>) -> std::io::Result<()> {
    res.write_head(200, &[("Content-Type", "text/plain")])?;
    for i in 1..=5 {
        if i > 1 {
            thread::sleep(Duration::from_millis(200));
        }
        res.write(format!("chunk {i} of 5\n").as_bytes())?;
    }
    res.end(b"")
}

fn not_allowed(res: &mut Response<'_>, allow: &str) -> std::io::Result<()> {
    res.set_header("Allow", allow)?;
    text(res, 405, "Method Not Allowed\n")
}

fn text(res: &mut Response<'_>, status: u16, body: &str) -> std::io::Result<()> {
    res.write_head(status, &[("Content-Type", "text/plain")])?;
    res.end(body.as_bytes())
}

/// The server's options from the flags.
fn options(args: &cli::Args) -> ServerOptions {
    let millis = |name| args.millis(name).expect("every time flag has a default");
    let count = |name| {
        args.number(name)
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
    };
    let limits = Limits {
        max_header_bytes: count("max-header-bytes"),
        max_headers: count("max-headers"),
        max_body_bytes: args.number("max-body-bytes").unwrap_or(u64::MAX),
        headers_timeout: millis("headers-timeout"),
        request_timeout: millis("request-timeout"),
        keep_alive_timeout: millis("keep-alive-timeout"),
        ..Limits::default()
    };
    ServerOptions {
        trace: Trace::new("http", args.trace()),
        limits,
        max_connections: args.max_connections(),
        exit_after: args.number("exit-after"),
    }
}
