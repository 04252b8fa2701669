//! `http-client`: the book's HTTP client, plus `--repeat` to watch the Agent pool at work.
//!
//! The Node original (《深入浅出Node.js》 §7.3):
//!
//! ```js
//! var req = http.request({ hostname: '127.0.0.1', port: 1337, path: '/', method: 'GET' },
//!   function (res) {
//!     console.log('STATUS: ' + res.statusCode);
//!     console.log('HEADERS: ' + JSON.stringify(res.headers));
//!     res.setEncoding('utf8');
//!     res.on('data', function (chunk) { console.log(chunk); });
//!   });
//! req.end();
//! ```
//!
//! One request by default, printed as the book's program prints it. With `--repeat N`, N
//! requests go through one Agent from `--concurrency C` threads, at most `--max-sockets S`
//! connections at a time; the bodies are read and dropped, and the pool's figures are printed
//! at the end instead.

use netnotes::cli::{self, Command, Kind};
use netnotes::http::client::{
    request, ClientError, ClientRequestEvent, RequestOptions, Utf8Decoder,
};
use netnotes::http::message::{headers_json, is_tchar};
use netnotes::http::{self, agent::Agent};
use netnotes::trace::Trace;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

fn command() -> Command {
    Command::new("http-client", "the book's HTTP client; --repeat shows the Agent pool at work")
        .client("1337")
        .flag("method", Kind::Text, Some("GET"), "METHOD", "request method")
        .flag("path", Kind::Text, Some("/"), "PATH", "request target")
        .flag("header", Kind::List, None, "'NAME: VALUE'", "a header field to send, in order")
        .alias('H')
        .flag("data", Kind::Text, None, "BODY", "request body (sent with Content-Length)")
        .flag("timeout", Kind::Millis, Some("120000"), "MS", "time for the response head, then for each read of the body")
        .flag("repeat", Kind::Count, None, "N", "send N requests through one Agent, print the pool's figures")
        .flag("concurrency", Kind::Count, Some("1"), "C", "with --repeat: requests in flight at once")
        .flag("max-sockets", Kind::Count, Some("5"), "S", "the Agent's maxSockets per host:port (the book's 5)")
        .example("http-client --port 1337 --path /headers -H 'X-A: 1'; http-client --repeat 20 --concurrency 20 --max-sockets 5")
}

/// `-H 'Name: value'`: name and value trimmed; the name must be a token.
fn header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && name.trim().bytes().all(is_tchar) => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("--header must be 'Name: value', got '{text}'")),
    }
}

fn main() {
    let command = command();
    let args = command.parse_env();
    args.enable_wire(http::dissect::pair);
    let headers = args
        .all("header")
        .into_iter()
        .map(header)
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|err| command.usage_error(err));
    let number = |name| usize::try_from(args.number(name).unwrap_or(1)).unwrap_or(usize::MAX);
    let trace = Trace::new("http", args.trace());
    let agent = Agent::with_trace(number("max-sockets"), trace);
    let mut options = RequestOptions::new(args.host(), args.port());
    options.method = args.text("method").unwrap_or("GET").to_string();
    options.path = args.text("path").unwrap_or("/").to_string();
    options.headers = headers;
    // What http.request would throw (a method, path or field its head cannot hold) is a bad
    // flag value, found before connecting.
    if let Err(err) = options.check() {
        command.usage_error(err);
    }
    options.agent = Some(agent.clone());
    options.timeout = args.millis("timeout").expect("--timeout has a default");
    options.trace = trace;
    let body = args.text("data").unwrap_or("").as_bytes().to_vec();

    match args.number("repeat") {
        None => book_client(options, &body).unwrap_or_else(|e| cli::fatal(e)),
        Some(n) => repeat(options, &body, n, number("concurrency"), &agent),
    }
}

/// The book's program: `STATUS:`, `HEADERS:`, then one line per body piece.
// ANCHOR: program
fn book_client(options: RequestOptions, body: &[u8]) -> Result<(), ClientError> {
    let mut req = request(options)?;
    req.end(body)?;
    loop {
        match req.next_event()? {
            // http.request(options, function (res) { ... }): the 'response' event
            ClientRequestEvent::Response(mut res) => {
                let mut out = std::io::stdout().lock();
                // stdout closed (a pipe's reader gone) is not worth failing for.
                let _ = writeln!(out, "STATUS: {}", res.status_code());
                let _ = writeln!(out, "HEADERS: {}", headers_json(&res.headers()));
                let _ = out.flush();
                let mut utf8 = Utf8Decoder::default();
                // res.on('data', function (chunk) { console.log(chunk); })
                while let Some(piece) = res.next_piece()? {
                    let text = utf8.write(&piece);
                    // Node's stream emits no 'data' for a piece that decodes to nothing yet.
                    if !text.is_empty() {
                        let _ = writeln!(out, "{text}");
                        let _ = out.flush();
                    }
                }
                let rest = utf8.end();
                if !rest.is_empty() {
                    let _ = writeln!(out, "{rest}");
                }
                return Ok(());
            }
            // Without 'upgrade' or 'connect' listeners, Node destroys the socket and the
            // book's callback never runs: nothing is printed.
            ClientRequestEvent::Upgrade(_) | ClientRequestEvent::Connect(_) => return Ok(()),
            // 'socket', 'continue', 'information': no listener in the book's program.
            ClientRequestEvent::Socket { .. }
            | ClientRequestEvent::Continue
            | ClientRequestEvent::Information(_) => {}
        }
    }
}
// ANCHOR_END: program

/// `--repeat N`: N requests through one Agent, from `concurrency` threads.
fn repeat(options: RequestOptions, body: &[u8], n: u64, concurrency: usize, agent: &Agent) {
    let next = Arc::new(AtomicU64::new(0));
    let statuses = Arc::new(Mutex::new(BTreeMap::<u16, u64>::new()));
    let threads: Vec<_> = (0..concurrency.min(usize::try_from(n).unwrap_or(usize::MAX)))
        .map(|i| {
            let (options, body) = (options.clone(), body.to_vec());
            let (next, statuses) = (Arc::clone(&next), Arc::clone(&statuses));
            thread::Builder::new()
                .name(format!("http-client {i}"))
                .stack_size(256 * 1024)
                .spawn(move || {
                    while next.fetch_add(1, Ordering::SeqCst) < n {
                        let status = one(options.clone(), &body).unwrap_or_else(|e| cli::fatal(e));
                        let mut statuses = statuses.lock().unwrap_or_else(|p| p.into_inner());
                        *statuses.entry(status).or_default() += 1;
                    }
                })
                .unwrap_or_else(|e| cli::fatal(format!("spawn {e}")))
        })
        .collect();
    for thread in threads {
        // A thread that panicked has already printed why; the figures below say the rest.
        let _ = thread.join();
    }
    let stats = agent.stats();
    let statuses = statuses.lock().unwrap_or_else(|p| p.into_inner());
    let done: u64 = statuses.values().sum();
    let by_status: Vec<String> = statuses.iter().map(|(s, c)| format!("{s}: {c}")).collect();
    println!("requests: {done} ({})", by_status.join(", "));
    println!("sockets opened: {}", stats.opened);
    println!("requests on a reused socket: {}", stats.reused);
    println!("longest queue: {}", stats.longest_queue);
}

/// One request of a `--repeat` run: its status; the body is read to the end (so the
/// connection can go back to the pool) and dropped.
fn one(options: RequestOptions, body: &[u8]) -> Result<u16, ClientError> {
    let mut req = request(options)?;
    req.end(body)?;
    loop {
        match req.next_event()? {
            ClientRequestEvent::Response(mut res) => {
                res.discard()?;
                return Ok(res.status_code());
            }
            ClientRequestEvent::Upgrade(up) | ClientRequestEvent::Connect(up) => {
                return Ok(up.head.status)
            }
            _ => {}
        }
    }
}
