//! The HTTP client and the Agent pool (HTTP代理, first reading), tested on the real
//! `http-client` and on the library: its documented output (docs/src/command-line.md) against
//! our `http-server`, the
//! request head byte for byte, every framing of a response, every way a response can fail
//! (each a clear error in Node's words, in bounded time), and the pool: five connections for
//! twenty requests, the queue served in order, reuse, stale connections, the one retry.
//!
//! The servers here are raw `TcpListener`s written in the test, so the client is checked by
//! code that shares nothing with it.

mod common;

use common::{dripping, read_request, run, Running, DEADLINE};
use netnotes::http::agent::Agent;
use netnotes::http::client::{request, ClientError, ClientRequestEvent, RequestOptions};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// A raw server that answers one connection with canned bytes.
// ---------------------------------------------------------------------------------------

/// What the canned server does after sending its bytes.
#[derive(Clone, Copy, PartialEq)]
enum Then {
    Close,
    /// Keeps the connection open (silent) until the test ends.
    Hold,
}

/// Accepts one connection, reads the request head (and a `Content-Length` body), sends it
/// back on the channel, writes `answer` in one write, then closes or holds.
fn canned(answer: &'static [u8], then: Then) -> (u16, Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let request = read_request(&mut stream).unwrap_or_default();
        let _ = stream.write_all(answer);
        let _ = tx.send(request);
        if then == Then::Hold {
            let mut sink = [0u8; 1024];
            let _ = stream.set_read_timeout(Some(DEADLINE));
            while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
        }
    });
    (port, rx)
}

fn client(port: u16, extra: &[&str]) -> common::Finished {
    let port = port.to_string();
    let mut args = vec!["--host", "127.0.0.1", "--port", &port, "--quiet"];
    args.extend_from_slice(extra);
    run("http-client", &args)
}

// ---------------------------------------------------------------------------------------
// http-client, as docs/src/command-line.md says.
// ---------------------------------------------------------------------------------------

#[test]
fn the_book_s_output_against_our_server() {
    let mut server = Running::bin("http-server", &["--port", "0", "--quiet"]);
    let port = server.listening_port().to_string();
    let done = run("http-client", &["--port", &port]);
    assert!(done.status.success(), "{done:?}");
    assert_eq!(done.out.len(), 4, "{done:?}");
    assert_eq!(done.out[0], "STATUS: 200");
    let date_at = done.out[1].find("\"date\":\"").expect("a date") + 8;
    let date = &done.out[1][date_at..date_at + 29];
    assert!(date.ends_with(" GMT"), "{date}");
    assert_eq!(
        done.out[1].replace(date, "DATE"),
        r#"HEADERS: {"content-type":"text/plain","date":"DATE","connection":"keep-alive","keep-alive":"timeout=5","transfer-encoding":"chunked"}"#
    );
    assert_eq!(done.out[2..], ["Hello World", ""]);
    // The trace: the socket, and the documented minimum, the response.
    assert!(
        done.err.iter().any(|l| l.starts_with("[http] socket ")),
        "{:?}",
        done.err
    );
    assert!(
        done.err.contains(&"[http] response 200".to_string()),
        "{:?}",
        done.err
    );
    server.kill();
}

#[test]
fn the_request_head_is_the_documented_one_byte_for_byte() {
    let (port, requests) = canned(b"HTTP/1.1 204 No Content\r\n\r\n", Then::Close);
    let done = client(
        port,
        &[
            "--method",
            "POST",
            "--path",
            "/p?q=1",
            "-H",
            " X-B :  2 ",
            "-H",
            "x-a:1",
            "--data",
            "hi",
        ],
    );
    assert!(done.status.success(), "{done:?}");
    let sent = requests.recv_timeout(DEADLINE).unwrap();
    assert_eq!(
        String::from_utf8(sent).unwrap(),
        format!("POST /p?q=1 HTTP/1.1\r\nX-B: 2\r\nx-a: 1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 2\r\n\r\nhi")
    );
    assert_eq!(done.out, ["STATUS: 204", "HEADERS: {}"]);

    // No body, no Content-Length; a host name is sent as given.
    let (port, requests) = canned(b"HTTP/1.1 204 No Content\r\n\r\n", Then::Close);
    let done = run(
        "http-client",
        &[
            "--host",
            "localhost",
            "--port",
            &port.to_string(),
            "--quiet",
        ],
    );
    assert!(done.status.success(), "{done:?}");
    let sent = requests.recv_timeout(DEADLINE).unwrap();
    assert_eq!(
        sent,
        format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes()
    );
}

#[test]
fn a_header_that_is_not_name_colon_value_is_a_usage_error() {
    let done = run("http-client", &["-H", "nocolon"]);
    assert_eq!(done.status.code(), Some(2));
    assert!(done.out.is_empty());
    assert_eq!(
        done.err[0],
        "error: --header must be 'Name: value', got 'nocolon'"
    );
    assert!(done.err[1].starts_with("usage: http-client "));
}

#[test]
fn a_head_node_would_refuse_to_write_is_a_usage_error_and_nothing_is_sent() {
    // A listener that must see no connection: the head is refused before connecting.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cases: [(&[&str], &str); 7] = [
        (
            &["-H", "X: a\r\nB: c"],
            r#"Invalid character in header content ["X"]"#,
        ),
        (
            &["-H", "X: a\x1bb"],
            r#"Invalid character in header content ["X"]"#,
        ),
        (
            &["--method", "G T"],
            r#"Method must be a valid HTTP token ["G T"]"#,
        ),
        // What the user typed is quoted with its control characters escaped.
        (
            &["--method", "G\r\nT"],
            r#"Method must be a valid HTTP token ["G\r\nT"]"#,
        ),
        (
            &["--path", "/a b"],
            "Request path contains unescaped characters",
        ),
        (
            &["--path", "/a\r\nX: 1"],
            "Request path contains unescaped characters",
        ),
        (
            &["-H", "Content-Length: 1x", "--data", "a"],
            r#"Invalid value "1x" for header "Content-Length""#,
        ),
    ];
    for (flags, message) in cases {
        let done = client(port, flags);
        assert_eq!(done.status.code(), Some(2), "{flags:?}");
        assert!(done.out.is_empty(), "{flags:?}");
        assert_eq!(done.err[0], format!("error: {message}"));
        assert!(done.err[1].starts_with("usage: http-client "));
    }
    listener.set_nonblocking(true).unwrap();
    let accepted = listener.accept().map(|_| ());
    assert_eq!(accepted.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

#[test]
fn chunked_pieces_are_cut_at_chunk_boundaries_and_utf8_is_carried_across() {
    // One write: three chunks, a character split between the second and third.
    let (port, _) = canned(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\n\xc3\r\n2\r\n\xa9x\r\n1\r\n\n\r\n0\r\n\r\n",
        Then::Hold,
    );
    let done = client(port, &[]);
    assert!(done.status.success(), "{done:?}");
    // "\xc3" alone decodes to nothing: no line for it, as Node emits no 'data'.
    assert_eq!(
        done.out,
        [
            "STATUS: 200",
            r#"HEADERS: {"transfer-encoding":"chunked"}"#,
            "abc",
            "éx",
            "",
            ""
        ]
    );
}

#[test]
fn a_close_delimited_body_ends_with_the_connection() {
    let (port, _) = canned(
        b"HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nhello, close",
        Then::Close,
    );
    let done = client(port, &[]);
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        done.out,
        ["STATUS: 200", r#"HEADERS: {"x-a":"1"}"#, "hello, close"]
    );
}

#[test]
fn repeated_fields_follow_node_s_rules_and_bytes_show_as_latin1() {
    let (port, _) = canned(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-M: 1\r\nx-m: 2\r\nContent-Type: a\r\nContent-Type: b\r\nX-L: caf\xe9\r\nContent-Length: 0\r\n\r\n",
        Then::Hold,
    );
    let done = client(port, &[]);
    assert_eq!(
        done.out[1],
        r#"HEADERS: {"set-cookie":["a=1","b=2"],"x-m":"1, 2","content-type":"a","x-l":"café","content-length":"0"}"#
    );
}

#[test]
fn head_204_and_304_have_no_body_whatever_they_say() {
    let (port, _) = canned(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        Then::Hold,
    );
    let done = client(port, &[]);
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        done.out,
        ["STATUS: 204", r#"HEADERS: {"content-length":"5"}"#]
    );
    let (port, _) = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Then::Hold);
    let done = client(port, &["--method", "HEAD"]);
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        done.out,
        ["STATUS: 200", r#"HEADERS: {"content-length":"5"}"#]
    );
}

/// Runs the client against a canned answer and returns (stdout, stderr), checking exit 1
/// and the time it took.
fn failure(
    answer: &'static [u8],
    then: Then,
    extra: &[&str],
    within: Duration,
) -> (Vec<String>, Vec<String>) {
    let (port, _) = canned(answer, then);
    let start = Instant::now();
    let done = client(port, extra);
    assert!(
        start.elapsed() < within,
        "took {:?}: {done:?}",
        start.elapsed()
    );
    assert_eq!(done.status.code(), Some(1), "{done:?}");
    (done.out, done.err)
}

#[test]
fn garbage_a_cut_body_and_nothing_at_all_are_errors_in_node_s_words() {
    let quick = Duration::from_secs(5);
    // Not HTTP: refused from the first bytes, even on a connection kept open.
    let (out, err) = failure(b"garbage", Then::Hold, &[], quick);
    assert!(out.is_empty());
    assert_eq!(err, ["Error: Parse Error: Expected HTTP/, RTSP/ or ICE/"]);
    // A body cut short: what came is printed, then the error.
    let (out, err) = failure(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        Then::Close,
        &[],
        quick,
    );
    assert_eq!(
        out,
        ["STATUS: 200", r#"HEADERS: {"content-length":"10"}"#, "abc"]
    );
    assert_eq!(err, ["Error: aborted"]);
    let (_, err) = failure(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        Then::Close,
        &[],
        quick,
    );
    assert_eq!(err, ["Error: aborted"]);
    // Closed before a response, or in the middle of its head.
    let (out, err) = failure(b"", Then::Close, &[], quick);
    assert!(out.is_empty());
    assert_eq!(err, ["Error: socket hang up"]);
    let (_, err) = failure(b"HTTP/1.1 200 OK\r\nContent-", Then::Close, &[], quick);
    assert_eq!(err, ["Error: socket hang up"]);
    // Broken framing.
    let (_, err) = failure(
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        Then::Hold,
        &[],
        quick,
    );
    assert_eq!(
        err,
        ["Error: Parse Error: Invalid character in Content-Length"]
    );
    let (_, err) = failure(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        Then::Hold,
        &[],
        quick,
    );
    assert_eq!(err, ["Error: Parse Error: Invalid character in chunk size"]);
}

#[test]
fn a_silent_server_is_a_hang_up_after_the_timeout_and_a_stalled_body_is_aborted() {
    let (out, err) = failure(
        b"",
        Then::Hold,
        &["--timeout", "300"],
        Duration::from_secs(10),
    );
    assert!(out.is_empty());
    assert_eq!(err, ["Error: socket hang up"]);
    let (out, err) = failure(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        Then::Hold,
        &["--timeout", "300"],
        Duration::from_secs(10),
    );
    assert_eq!(out.last().map(String::as_str), Some("abc"));
    assert_eq!(err, ["Error: aborted"]);
    // Without --quiet the trace says why, and the error is still the last line.
    let (port, _) = canned(b"", Then::Hold);
    let done = run(
        "http-client",
        &[
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--timeout",
            "300",
        ],
    );
    assert_eq!(
        done.err.last().map(String::as_str),
        Some("Error: socket hang up")
    );
    assert!(
        done.err.contains(&"[http] timeout".to_string()),
        "{:?}",
        done.err
    );
}

#[test]
fn the_timeout_is_for_the_whole_head_interim_ones_included() {
    let every = Duration::from_millis(50);
    let endless_102 = dripping(b"", b"HTTP/1.1 102 Processing\r\n\r\n", every);
    let trickling = dripping(b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n", every);
    for port in [endless_102, trickling] {
        let start = Instant::now();
        let done = client(port, &["--timeout", "300"]);
        let took = start.elapsed();
        assert_eq!(done.err, ["Error: socket hang up"], "{done:?}");
        assert_eq!(done.status.code(), Some(1));
        // Each read has bytes within 50 ms; only a deadline for the whole head ends it.
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(5),
            "cut off after {took:?}, with a 300 ms timeout"
        );
    }
}

#[test]
fn a_refused_connection_is_node_s_econnrefused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let done = client(port, &[]);
    assert_eq!(done.status.code(), Some(1));
    assert_eq!(
        done.err,
        [format!("Error: connect ECONNREFUSED 127.0.0.1:{port}")]
    );
}

// ---------------------------------------------------------------------------------------
// The Agent, against a server that counts connections and holds each response until the
// test lets it go.
// ---------------------------------------------------------------------------------------

/// A keep-alive server: answers `GET /x` with body `/x` (Content-Length), on any number of
/// connections. Each request is reported (connection number, path) before it is answered;
/// with a gate, each answer waits for one permit.
struct Origin {
    port: u16,
    accepted: Arc<AtomicUsize>,
    arrivals: Receiver<(usize, String)>,
    permits: Sender<()>,
}

/// What a connection of [`origin`] does after each answer.
#[derive(Clone, Copy, PartialEq)]
enum After {
    KeepAlive,
    /// Closes the connection after its first answer.
    CloseAfterOne,
    /// Reads a second request, then closes without answering it.
    DropSecond,
}

fn origin(gated: bool, after: After) -> Origin {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let (arrival_tx, arrivals) = mpsc::channel();
    let (permits, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let counter = Arc::clone(&accepted);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let id = counter.fetch_add(1, Ordering::SeqCst);
            let (arrival_tx, gate) = (arrival_tx.clone(), Arc::clone(&gate));
            thread::spawn(move || {
                let mut served = 0;
                while let Some(request) = read_request(&mut stream) {
                    if after == After::DropSecond && served == 1 {
                        return;
                    }
                    let line = String::from_utf8_lossy(&request).into_owned();
                    let path = line.split(' ').nth(1).unwrap_or("").to_string();
                    let _ = arrival_tx.send((id, path.clone()));
                    if gated {
                        let permit = gate.lock().unwrap().recv_timeout(DEADLINE);
                        assert!(permit.is_ok(), "no permit for {path}");
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{path}",
                        path.len()
                    );
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                    served += 1;
                    if after == After::CloseAfterOne {
                        return;
                    }
                }
            });
        }
    });
    Origin {
        port,
        accepted,
        arrivals,
        permits,
    }
}

/// `GET path` through `agent`: the body, and whether the socket was reused.
fn get(agent: &Agent, port: u16, path: &str) -> Result<(String, bool), ClientError> {
    let mut options = RequestOptions::new("127.0.0.1", port);
    options.path = path.to_string();
    options.agent = Some(agent.clone());
    options.timeout = DEADLINE;
    let mut req = request(options)?;
    let reused = req.reused_socket();
    req.end(b"")?;
    loop {
        if let ClientRequestEvent::Response(mut res) = req.next_event()? {
            let mut body = String::new();
            res.read_to_string(&mut body)
                .map_err(|_| ClientError::Aborted)?;
            return Ok((body, reused));
        }
    }
}

/// Waits (bounded) until `done` holds.
fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

fn total(counts: Vec<(String, usize)>) -> usize {
    counts.iter().map(|(_, n)| n).sum()
}

#[test]
fn twenty_requests_with_max_sockets_5_use_five_connections_and_the_queue_drains_in_order() {
    let server = origin(true, After::KeepAlive);
    let agent = Agent::new(5);
    let (done_tx, done) = mpsc::channel();
    for i in 0..20 {
        let (pool, done_tx, port) = (agent.clone(), done_tx.clone(), server.port);
        thread::spawn(move || {
            let path = format!("/{i}");
            let (body, _) = get(&pool, port, &path).expect("the request succeeds");
            assert_eq!(body, path);
            done_tx.send(i).unwrap();
        });
        // Start the next request only once this one has a socket or a place in the queue,
        // so the queue's order is the order of i.
        until("the request to reach the agent", || {
            total(agent.sockets()) + total(agent.requests()) == i + 1
        });
    }
    assert_eq!(agent.sockets(), [(format!("127.0.0.1:{}", server.port), 5)]);
    assert_eq!(
        agent.requests(),
        [(format!("127.0.0.1:{}", server.port), 15)]
    );
    // The first five arrive, on five connections.
    let mut first: Vec<(usize, String)> = (0..5)
        .map(|_| server.arrivals.recv_timeout(DEADLINE).unwrap())
        .collect();
    first.sort();
    let connections: Vec<usize> = first.iter().map(|(c, _)| *c).collect();
    assert_eq!(connections, [0, 1, 2, 3, 4]);
    let mut paths: Vec<String> = first.into_iter().map(|(_, p)| p).collect();
    paths.sort();
    assert_eq!(paths, ["/0", "/1", "/2", "/3", "/4"]);
    // One answer at a time frees one socket, which goes to the front of the queue.
    for k in 5..20 {
        server.permits.send(()).unwrap();
        let (connection, path) = server.arrivals.recv_timeout(DEADLINE).unwrap();
        assert_eq!(path, format!("/{k}"), "the queue is served in order");
        assert!(connection < 5, "request {k} came on a new connection");
    }
    for _ in 0..5 {
        server.permits.send(()).unwrap();
    }
    for _ in 0..20 {
        done.recv_timeout(DEADLINE).expect("every request finishes");
    }
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        5,
        "connections at the server"
    );
    let stats = agent.stats();
    assert_eq!(
        (stats.opened, stats.reused, stats.longest_queue),
        (5, 15, 15)
    );
    assert_eq!(total(agent.free_sockets()), 5);
}

#[test]
fn keep_alive_reuse_happens() {
    let server = origin(false, After::KeepAlive);
    let agent = Agent::new(5);
    let reused: Vec<bool> = (0..3)
        .map(|i| get(&agent, server.port, &format!("/{i}")).unwrap().1)
        .collect();
    assert_eq!(reused, [false, true, true]);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(agent.stats().opened, 1);
}

#[test]
fn a_socket_the_server_closed_while_idle_is_not_reused() {
    let server = origin(false, After::CloseAfterOne);
    let agent = Agent::new(5);
    assert_eq!(
        get(&agent, server.port, "/a").unwrap(),
        ("/a".to_string(), false)
    );
    assert_eq!(
        server.arrivals.recv_timeout(DEADLINE).unwrap(),
        (0, "/a".to_string())
    );
    // The server has closed its end; the next request goes on a new connection, whether the
    // agent saw the FIN first (stale) or the request met it (retried).
    let (body, _) = get(&agent, server.port, "/b").unwrap();
    assert_eq!(body, "/b");
    assert_eq!(
        server.arrivals.recv_timeout(DEADLINE).unwrap(),
        (1, "/b".to_string())
    );
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
    let stats = agent.stats();
    assert_eq!(stats.opened, 2);
}

#[test]
fn an_idempotent_request_on_a_reused_socket_closed_under_it_is_retried_once() {
    let server = origin(false, After::DropSecond);
    let agent = Agent::new(1);
    get(&agent, server.port, "/1").unwrap();
    // The connection looks open (the server has not closed yet); it reads the request, then
    // closes without a byte of answer. A GET is sent again on a fresh connection.
    let (body, reused) = get(&agent, server.port, "/2").unwrap();
    assert!(reused);
    assert_eq!(body, "/2");
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);

    // A POST is not idempotent: the same failure is Node's `socket hang up`.
    let server = origin(false, After::DropSecond);
    let agent = Agent::new(1);
    get(&agent, server.port, "/1").unwrap();
    let mut options = RequestOptions::new("127.0.0.1", server.port);
    options.method = "POST".to_string();
    options.agent = Some(agent.clone());
    let mut req = request(options).unwrap();
    assert!(req.reused_socket());
    req.end(b"x").unwrap();
    let error = loop {
        match req.next_event() {
            Ok(ClientRequestEvent::Socket { reused, .. }) => assert!(reused),
            Ok(other) => panic!("unexpected {}", other.name()),
            Err(e) => break e,
        }
    };
    assert_eq!(error, ClientError::HangUp);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(
        agent.sockets(),
        [],
        "the failed connection gave its place back"
    );
}

#[test]
fn repeat_makes_the_pool_visible_and_the_server_counts_the_same_connections() {
    // /stream answers over 800 ms, so twenty requests from twenty threads overlap.
    let mut server = Running::bin("http-server", &["--port", "0", "--exit-after", "20"]);
    let port = server.listening_port().to_string();
    let done = run(
        "http-client",
        &[
            "--port",
            &port,
            "--path",
            "/stream",
            "--repeat",
            "20",
            "--concurrency",
            "20",
            "--max-sockets",
            "5",
            "--quiet",
        ],
    );
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        done.out,
        [
            "requests: 20 (200: 20)",
            "sockets opened: 5",
            "requests on a reused socket: 15",
            "longest queue: 15"
        ]
    );
    let server = server.finish();
    let connections = server
        .err
        .iter()
        .filter(|l| l.starts_with("[http] connection "))
        .count();
    assert_eq!(connections, 5, "{:?}", server.err);

    // One at a time: one connection, every later request reuses it, nobody waits.
    let mut server = Running::bin("http-server", &["--port", "0", "--quiet"]);
    let port = server.listening_port().to_string();
    let done = run(
        "http-client",
        &["--port", &port, "--repeat", "5", "--quiet"],
    );
    assert_eq!(
        done.out,
        [
            "requests: 5 (200: 5)",
            "sockets opened: 1",
            "requests on a reused socket: 4",
            "longest queue: 0"
        ]
    );
    server.kill();
}
