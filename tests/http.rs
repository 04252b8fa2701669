//! The notes' section 构建HTTP服务, tested on the real `http-server` and on the library's
//! server: the documented output (docs/src/command-line.md), connections (keep-alive, pipelining, HTTP/1.0), bodies both
//! ways, `100-continue`, every limit and timeout (made small with flags), and every event.

mod common;

use common::{proc_status, Running, DEADLINE};
use netnotes::http::message::RequestHead;
use netnotes::http::{Handler, Request, Response, Server, ServerOptions};
use netnotes::tcp::{Socket, SocketEvent};
use netnotes::trace::Trace;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Starts `http-server --port 0` with extra flags; returns it and its port.
fn server(extra: &[&str]) -> (Running, u16) {
    let (server, port) = common::server("http-server", extra);
    assert_eq!(
        server.out[0],
        format!("Server running at http://127.0.0.1:{port}/")
    );
    (server, port)
}

/// One response as the test reads it: an independent, deliberately simple reader, so the
/// server's framing is checked by code that does not share its parser.
#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn field(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// A raw client connection.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) -> &mut Client {
        self.stream.write_all(bytes).expect("the server reads");
        self
    }

    /// Reads more; false at EOF.
    fn more(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => false,
            Err(e) => panic!(
                "read failed: {e} (have {:?})",
                String::from_utf8_lossy(&self.buf)
            ),
        }
    }

    fn take_line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Some(line);
            }
            if !self.more() {
                return None;
            }
        }
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.more(), "EOF inside a body");
        }
        self.buf.drain(..n).collect()
    }

    /// Reads one whole response to a request with `method`.
    fn reply_to(&mut self, method: &str) -> Reply {
        let mut head = String::new();
        loop {
            let line = self.take_line().expect("a response head");
            if line.is_empty() {
                break;
            }
            head.push_str(&line);
            head.push('\n');
        }
        let status: u16 = head[9..12].parse().expect("a status code");
        let mut reply = Reply {
            status,
            head,
            body: Vec::new(),
        };
        if method == "HEAD" || status == 204 || status == 304 || status < 200 {
            return reply;
        }
        if reply.field("transfer-encoding").is_some() {
            loop {
                let size = usize::from_str_radix(&self.take_line().expect("a chunk size"), 16)
                    .expect("hex chunk size");
                if size == 0 {
                    assert_eq!(self.take_line().as_deref(), Some(""), "no trailers");
                    break;
                }
                reply.body.extend(self.take(size));
                assert_eq!(self.take(2), b"\r\n");
            }
        } else if let Some(length) = reply.field("content-length") {
            let length = length.parse().unwrap();
            reply.body = self.take(length);
        } else {
            while self.more() {}
            reply.body = std::mem::take(&mut self.buf);
        }
        reply
    }

    fn reply(&mut self) -> Reply {
        self.reply_to("GET")
    }

    /// Whether the server closed the connection (EOF) with nothing more to say.
    fn closed(&mut self) -> bool {
        !self.more() && self.buf.is_empty()
    }
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";

#[test]
fn the_hello_answer_is_node_s_byte_for_byte_in_one_write() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(GET);
    let reply = client.reply();
    let date = reply.field("date").unwrap().to_string();
    assert_eq!(
        reply.head,
        format!(
            "HTTP/1.1 200 OK\nContent-Type: text/plain\nDate: {date}\nConnection: keep-alive\n\
             Keep-Alive: timeout=5\nTransfer-Encoding: chunked\n"
        )
    );
    assert_eq!(reply.body, b"Hello World\n");
    // An IMF-fixdate: "Mon, 30 Nov 2026 04:47:50 GMT".
    assert_eq!(date.len(), 29, "{date}");
    assert!(date.ends_with(" GMT") && date.as_bytes()[3] == b',');
}

#[test]
fn ipv6_listening_line_has_brackets() {
    let mut server = Running::bin("http-server", &["--port", "0", "--host", "::1"]);
    let port = server.listening_port();
    assert_eq!(
        server.out[0],
        format!("Server running at http://[::1]:{port}/")
    );
    let mut stream = TcpStream::connect(("::1", port)).unwrap();
    stream.write_all(GET).unwrap();
    let mut first = [0u8; 15];
    stream.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK");
}

#[test]
fn keep_alive_and_pipelining_answer_in_order_on_one_connection() {
    let (mut server, port) = server(&[]);
    let mut client = Client::connect(port);
    // Three requests in one write: pipelined.
    client.send(
        b"GET /headers?n=1 HTTP/1.1\r\nHost: t\r\n\r\n\
          GET /nope HTTP/1.1\r\nHost: t\r\n\r\n\
          GET / HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    assert!(String::from_utf8_lossy(&client.reply().body).contains("url: /headers?n=1"));
    assert_eq!(client.reply().status, 404);
    assert_eq!(client.reply().body, b"Hello World\n");
    // And one more later, still on the same connection.
    client.send(GET);
    assert_eq!(client.reply().status, 200);
    server.wait_err(|l| l.starts_with("[http] connection "));
    for _ in 0..4 {
        server.wait_err(|l| l.starts_with("[http] request "));
    }
    assert_eq!(
        server
            .err
            .iter()
            .filter(|l| l.contains("connection"))
            .count(),
        1
    );
}

/// A connection keeps the memory of its last head for the next, or gives a large one back:
/// either way the next request is read whole and alone, with nothing of the last one in it.
#[test]
fn requests_after_a_large_head_and_a_small_one_are_read_fresh() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    let big = "b".repeat(12 * 1024);
    client.send(format!("GET /headers HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n").as_bytes());
    let reply = client.reply();
    assert!(String::from_utf8_lossy(&reply.body).contains(&big));
    for n in 0..3 {
        client
            .send(format!("GET /headers?n={n} HTTP/1.1\r\nHost: t\r\nX-N: {n}\r\n\r\n").as_bytes());
        let body = String::from_utf8_lossy(&client.reply().body).into_owned();
        assert!(body.contains(&format!("url: /headers?n={n}")), "{body}");
        assert!(!body.contains("x-big") && !body.contains("bbbb"), "{body}");
    }
}

#[test]
fn http_1_0_closes_by_default_and_ends_the_body_with_the_connection() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"GET / HTTP/1.0\r\n\r\n");
    let reply = client.reply();
    assert_eq!(reply.field("connection"), Some("close"));
    assert_eq!(reply.field("transfer-encoding"), None);
    assert_eq!(reply.body, b"Hello World\n");
    assert!(client.closed());
}

#[test]
fn connection_close_is_honoured() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_eq!(client.reply().field("connection"), Some("close"));
    assert!(client.closed());
}

#[test]
fn head_gets_the_head_only() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    let reply = client.reply_to("HEAD");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.field("transfer-encoding"), None);
    // The next response starts right away: no body bytes came in between.
    client.send(GET);
    assert_eq!(client.reply().body, b"Hello World\n");
}

#[test]
fn bodies_are_echoed_whether_sized_or_chunked() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
    assert_eq!(client.reply().body, b"hello world");
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n",
    );
    assert_eq!(client.reply().body, b"hello world");
    // A large body crosses many reads and chunks.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    client.send(
        format!(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            big.len()
        )
        .as_bytes(),
    );
    client.send(&big);
    assert_eq!(client.reply().body, big);
}

#[test]
fn an_unread_body_is_discarded_and_the_connection_kept() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    client.send(
        b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    client.send(GET);
    for _ in 0..3 {
        assert_eq!(client.reply().body, b"Hello World\n");
    }
}

#[test]
fn large_unread_bodies_are_discarded_across_many_reads() {
    // Bodies far larger than one read: the server answers, then drops the rest as it comes,
    // read after read, and the next request on the connection is served.
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    let length_body = vec![b'x'; 300 * 1024];
    client.send(
        format!(
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            length_body.len()
        )
        .as_bytes(),
    );
    client.send(&length_body);
    client.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..300 {
        client.send(b"400\r\n");
        client.send(&[b'y'; 0x400]);
        client.send(b"\r\n");
    }
    client.send(b"0\r\n\r\n");
    client.send(GET);
    for _ in 0..3 {
        assert_eq!(client.reply().body, b"Hello World\n");
    }
}

#[test]
fn continue_goes_out_on_the_head_before_any_body() {
    let (mut server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n",
    );
    assert_eq!(client.take_line().as_deref(), Some("HTTP/1.1 100 Continue"));
    assert_eq!(client.take_line().as_deref(), Some(""));
    client.send(b"hello");
    assert_eq!(client.reply().body, b"hello");
    server.wait_err(|l| l.starts_with("[http] checkContinue ") && l.ends_with(" POST /echo"));
}

#[test]
fn an_unknown_expectation_is_417_and_the_connection_stays() {
    let (mut server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"GET / HTTP/1.1\r\nHost: t\r\nExpect: the-unexpected\r\n\r\n");
    assert_eq!(client.reply().status, 417);
    client.send(GET);
    assert_eq!(client.reply().status, 200);
    server.wait_err(|l| l.starts_with("[http] checkExpectation "));
}

#[test]
fn bad_requests_get_400_and_a_closed_connection_and_a_client_error_event() {
    let (mut server, port) = server(&[]);
    for (bytes, why) in [
        (
            &b"get / HTTP/1.1\r\nHost: t\r\n\r\n"[..],
            "400 unknown method",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: t\r\nX : y\r\n\r\n",
            "400 invalid field name",
        ),
        (
            b"GET / HTTP/1.1\r\n\r\n",
            "400 HTTP/1.1 request without Host",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            "400 Content-Length given twice",
        ),
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            "400 unknown method",
        ),
    ] {
        let mut client = Client::connect(port);
        client.send(bytes);
        assert_eq!(
            client.take_line().as_deref(),
            Some("HTTP/1.1 400 Bad Request")
        );
        assert_eq!(client.take_line().as_deref(), Some("Connection: close"));
        assert_eq!(client.take_line().as_deref(), Some(""));
        assert!(client.closed());
        let peer = client.stream.local_addr().unwrap();
        assert_eq!(
            server.wait_err(|l| l.starts_with("[http] clientError ")),
            format!("[http] clientError {peer} {why}")
        );
    }
}

/// Sends `request` from one thread while reading everything the server sends until it closes,
/// from another; returns the status lines among what came.
fn status_lines_in_answer_to(port: u16, request: Vec<u8>) -> Vec<String> {
    let mut client = Client::connect(port);
    let mut writer = client.stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&request); // the server may close before it has read it all
    });
    while client.more() {}
    sender.join().unwrap();
    let wire = String::from_utf8_lossy(&client.buf).into_owned();
    wire.split("\r\n")
        .filter(|line| line.starts_with("HTTP/1.1 "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_body_that_fails_after_the_response_closes_the_connection_with_no_second_status() {
    let (mut server, port) = server(&[]);
    // The hello handler answers without reading the body; the server finds it broken when
    // it discards it, after the 200 has gone: it closes, and says nothing more.
    let broken = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec();
    assert_eq!(status_lines_in_answer_to(port, broken), ["HTTP/1.1 200 OK"]);
    server.wait_err(|l| {
        l.starts_with("[http] clientError ") && l.ends_with(" 400 invalid chunk size line")
    });
    // The same for a chunked body past the 1 MiB maximum.
    let mut large = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        large.extend_from_slice(b"10000\r\n");
        large.extend(std::iter::repeat_n(b'x', 0x10000));
        large.extend_from_slice(b"\r\n");
    }
    large.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(status_lines_in_answer_to(port, large), ["HTTP/1.1 200 OK"]);
    server.wait_err(|l| l.starts_with("[http] clientError ") && l.ends_with(" 413 body too large"));
}

#[test]
fn a_body_broken_while_the_handler_reads_it_cuts_the_response_short() {
    let (_server, port) = server(&["--max-body-bytes", "10"]);
    let mut client = Client::connect(port);
    // /echo has started its chunked answer when the 11th byte arrives.
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    );
    let head_and_chunk = client.take_line();
    assert_eq!(head_and_chunk.as_deref(), Some("HTTP/1.1 200 OK"));
    client.send(b"6\r\nworld!\r\n0\r\n\r\n");
    while client.more() {}
    let rest = String::from_utf8_lossy(&client.buf).into_owned();
    assert!(rest.contains("5\r\nhello\r\n"), "{rest}");
    assert!(
        !rest.ends_with("0\r\n\r\n"),
        "no last chunk: the client sees it cut short: {rest}"
    );
}

#[test]
fn heads_past_the_limits_get_431() {
    let (_server, port) = server(&["--max-header-bytes", "200", "--max-headers", "5"]);
    let mut big = b"GET / HTTP/1.1\r\nHost: t\r\nX: ".to_vec();
    big.resize(197, b'a');
    big.extend_from_slice(b"\r\n\r\n"); // 201 bytes
    let mut client = Client::connect(port);
    client.send(&big);
    assert_eq!(client.reply().status, 431);
    assert!(client.closed());

    let mut just = big.clone();
    just.remove(30); // 200 bytes: accepted
    let mut client = Client::connect(port);
    client.send(&just);
    assert_eq!(client.reply().status, 200);

    let mut client = Client::connect(port);
    client.send(b"GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n");
    assert_eq!(client.reply().status, 431);
    let mut client = Client::connect(port);
    client.send(b"GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n");
    assert_eq!(client.reply().status, 200);
}

#[test]
fn empty_lines_before_a_request_are_not_kept_and_count_toward_the_head_bound() {
    // A bound far beyond what 3 s of loopback can carry: the peer goes on as long as it likes.
    let (patient, port) = server(&["--max-header-bytes", "1000000000000"]);
    let before = proc_status(patient.pid(), "VmRSS:");
    let mut client = Client::connect(port);
    let mut stream = client.stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let crlfs = b"\r\n".repeat(32 * 1024);
        let start = std::time::Instant::now();
        let mut sent = 0usize;
        while start.elapsed() < Duration::from_secs(3) {
            stream.write_all(&crlfs).expect("the server reads on");
            sent += crlfs.len();
        }
        sent
    });
    let mut most = before;
    while !writer.is_finished() {
        most = most.max(proc_status(patient.pid(), "VmRSS:"));
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = writer.join().unwrap();
    // Dropped as they come, they cost one read's buffer, however many there are; 4 MiB is a
    // margin, not an estimate.
    assert!(
        most - before < 4 * 1024,
        "VmRSS went from {before} KiB to {most} KiB while a peer sent {sent} bytes of CRLFs"
    );
    // And the request after them is served.
    assert_eq!(client.send(GET).reply().status, 200);

    // With the default bound, 16 KiB of them are a head too large: 431, and the connection
    // closed.
    let (mut server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(&b"\r\n".repeat(8 * 1024 + 1));
    assert_eq!(
        client.take_line().as_deref(),
        Some("HTTP/1.1 431 Request Header Fields Too Large")
    );
    while client.more() {}
    server.wait_err(|l| l.starts_with("[http] clientError ") && l.ends_with(" 431 head too large"));
}

#[test]
fn a_body_past_the_maximum_is_413_on_the_head() {
    let (_server, port) = server(&["--max-body-bytes", "10"]);
    let mut client = Client::connect(port);
    client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n");
    assert_eq!(client.reply().status, 413);
    assert!(client.closed());
    let mut client = Client::connect(port);
    client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789");
    assert_eq!(client.reply().body, b"0123456789");
}

#[test]
fn a_slow_head_gets_408_while_others_are_served() {
    let (mut server, port) = server(&["--headers-timeout", "300"]);
    let mut slow = Client::connect(port);
    slow.send(b"GET / HT");
    // Meanwhile another client is served at once.
    let mut quick = Client::connect(port);
    quick.send(GET);
    assert_eq!(quick.reply().status, 200);
    // The slow one is cut at the headers timeout, however long it goes on.
    assert_eq!(
        slow.take_line().as_deref(),
        Some("HTTP/1.1 408 Request Timeout")
    );
    server
        .wait_err(|l| l.starts_with("[http] clientError ") && l.ends_with(" 408 request timeout"));
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let (_server, port) = server(&["--keep-alive-timeout", "800"]);
    let mut client = Client::connect(port);
    // Counted from before the request, so from before the server went idle after answering
    // it: never less than the timeout; more by at most an eighth of it (the idle reaper's
    // tick), the answer's own time, and what scheduling adds on a busy machine.
    let asked = Instant::now();
    client.send(GET);
    assert_eq!(client.reply().field("keep-alive"), Some("timeout=0"));
    assert!(client.closed(), "closed quietly, no 408");
    let idle = asked.elapsed();
    assert!(
        (Duration::from_millis(800)..Duration::from_millis(1_400)).contains(&idle),
        "closed {idle:?} after the request"
    );
}

#[test]
fn the_keep_alive_timeout_counts_from_the_last_request_of_each_connection() {
    let (_server, port) = server(&["--keep-alive-timeout", "400"]);
    let mut idle = Client::connect(port);
    idle.send(GET);
    assert_eq!(idle.reply().status, 200);
    let idle_since = Instant::now();
    // Another connection asks every 150 ms for three times the timeout: it is never idle
    // for the timeout, so it is never closed, while the quiet one is.
    let mut busy = Client::connect(port);
    for _ in 0..8 {
        busy.send(GET);
        assert_eq!(busy.reply().status, 200, "the busy connection was closed");
        std::thread::sleep(Duration::from_millis(150));
    }
    assert!(idle_since.elapsed() > Duration::from_millis(1_000));
    assert!(idle.closed(), "the quiet one was left open");
    busy.send(GET);
    assert_eq!(busy.reply().status, 200);
}

#[test]
fn a_zero_keep_alive_timeout_closes_right_after_each_response() {
    // The library's server: the command line refuses a zero time.
    let mut options = ServerOptions::new(Trace::off("http"));
    options.limits.keep_alive_timeout = Duration::ZERO;
    let server = Server::listen("127.0.0.1:0".parse().unwrap(), options).unwrap();
    let port = server.local_address().port();
    std::thread::spawn(move || server.run(|_, res| drop(res.end(b"hello"))));
    let mut client = Client::connect(port);
    client.send(GET);
    assert_eq!(client.reply().status, 200);
    let quiet = Instant::now();
    assert!(client.closed());
    let idle = quiet.elapsed();
    assert!(idle < Duration::from_millis(500), "closed after {idle:?}");
}

#[test]
fn connections_ended_by_the_keep_alive_timeout_give_back_their_threads_and_descriptors() {
    let (server, port) = server(&["--keep-alive-timeout", "300"]);
    let pid = server.pid();
    let count = |what| {
        std::fs::read_dir(format!("/proc/{pid}/{what}"))
            .unwrap()
            .count()
    };
    let (threads, fds) = (count("task"), count("fd"));
    let mut clients: Vec<Client> = (0..40).map(|_| Client::connect(port)).collect();
    for client in &mut clients {
        client.send(GET);
        assert_eq!(client.reply().status, 200);
    }
    assert!(count("task") >= threads + 40, "a thread per connection");
    for client in &mut clients {
        assert!(client.closed());
    }
    // A finished thread waits a while for a next connection (tcp::PARK_TIME), then exits.
    let deadline = Instant::now() + Duration::from_secs(10);
    while (count("task"), count("fd")) != (threads, fds) {
        assert!(
            Instant::now() < deadline,
            "{} threads and {} descriptors, {threads} and {fds} before",
            count("task"),
            count("fd")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_client_that_closes_early_gets_nothing_and_costs_nothing() {
    let (mut server, port) = server(&[]);
    let silent = Client::connect(port);
    drop(silent);
    let mut half = Client::connect(port);
    half.send(b"GET / HTTP/1.1\r\nHo");
    half.stream.shutdown(Shutdown::Write).unwrap();
    assert!(half.closed());
    let mut client = Client::connect(port);
    client.send(GET);
    assert_eq!(client.reply().status, 200);
    server.wait_err(|l| l.starts_with("[http] request "));
    assert!(
        !server.err.iter().any(|l| l.contains("clientError")),
        "{:?}",
        server.err
    );
}

#[test]
fn connect_without_a_listener_is_closed_unanswered_and_upgrade_is_answered() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    assert!(client.closed());
    let mut client = Client::connect(port);
    client.send(b"GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    assert_eq!(client.reply().body, b"Hello World\n");
    client.send(GET);
    assert_eq!(client.reply().status, 200);
}

#[test]
fn the_other_routes() {
    let (_server, port) = server(&[]);
    let mut client = Client::connect(port);
    client.send(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    let body = client.reply().body;
    assert_eq!(
        String::from_utf8(body).unwrap(),
        (1..=5)
            .map(|i| format!("chunk {i} of 5\n"))
            .collect::<String>()
    );
    client.send(b"DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    let reply = client.reply();
    assert_eq!(
        (reply.status, reply.field("allow")),
        (405, Some("POST, PUT"))
    );
    client.send(
        b"GET /headers HTTP/1.1\r\nHost: t\r\nX-A: 1\r\nx-a: 2\r\nCookie: a\r\ncookie: b\r\n\r\n",
    );
    assert_eq!(
        String::from_utf8(client.reply().body).unwrap(),
        "method: GET\nurl: /headers\nhttpVersion: 1.1\n\
         headers: {\"host\":\"t\",\"x-a\":\"1, 2\",\"cookie\":\"a; b\"}\n\
         rawHeaders: [\"Host\",\"t\",\"X-A\",\"1\",\"x-a\",\"2\",\"Cookie\",\"a\",\"cookie\",\"b\"]\n"
    );
}

#[test]
fn exit_after_closes_idle_keep_alive_connections_at_once_and_exits_0() {
    let (server, port) = server(&["--exit-after", "2"]);
    let mut idle = Client::connect(port);
    idle.send(GET);
    assert_eq!(idle.reply().field("connection"), Some("keep-alive"));
    let mut last = Client::connect(port);
    last.send(GET);
    assert_eq!(last.reply().field("connection"), Some("close"));
    assert!(last.closed());
    assert!(
        idle.closed(),
        "the idle keep-alive connection is closed, not left to time out"
    );
    let server = server.finish();
    assert!(server.status.success());
    assert_eq!(
        server.err.last().map(String::as_str),
        Some("[http] close server")
    );
}

#[test]
fn connections_past_the_limit_are_dropped() {
    let (mut server, port) = server(&["--max-connections", "1"]);
    let mut first = Client::connect(port);
    server.wait_err(|l| l.starts_with("[http] connection "));
    let mut second = Client::connect(port);
    assert!(second.closed());
    server.wait_err(|l| l.starts_with("[http] drop "));
    first.send(GET);
    assert_eq!(first.reply().status, 200);
}

/// A server with `connect` and `upgrade` listeners, through the library: both hand over the
/// socket with the bytes that came after the head.
struct Tunnel;

impl Handler for Tunnel {
    fn request(&self, _req: &mut Request<'_>, res: &mut Response<'_>) {
        let _ = res.end(b"plain");
    }

    fn wants_connect(&self, _head: &RequestHead) -> bool {
        true
    }

    fn connect(&self, head: RequestHead, socket: Socket, rest: Vec<u8>) {
        let answer = format!(
            "HTTP/1.1 200 Connection Established\r\n\r\n{} ",
            head.target()
        );
        reply_and_echo(socket, answer.as_bytes(), rest);
    }

    fn wants_upgrade(&self, head: &RequestHead) -> bool {
        head.value("upgrade") != Some("decline")
    }

    fn upgrade(&self, head: RequestHead, socket: Socket, rest: Vec<u8>) {
        let protocol = head.value("upgrade").unwrap_or_default().to_string();
        let answer = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: {protocol}\r\n\r\n");
        reply_and_echo(socket, answer.as_bytes(), rest);
    }
}

/// Writes `answer`, then the early bytes, then echoes the raw socket's data until the end.
fn reply_and_echo(mut socket: Socket, answer: &[u8], rest: Vec<u8>) {
    socket.write(answer);
    socket.write(&rest);
    while let Some(event) = socket.next_event() {
        if let SocketEvent::Data(bytes) = event {
            socket.write(&bytes);
        }
    }
}

fn tunnel_server() -> u16 {
    let server = Server::listen(
        "127.0.0.1:0".parse().unwrap(),
        ServerOptions::new(Trace::off("http")),
    )
    .unwrap();
    let port = server.local_address().port();
    std::thread::spawn(move || server.run_handler(Tunnel));
    port
}

#[test]
fn connect_and_upgrade_hand_over_the_socket_and_the_early_bytes() {
    let port = tunnel_server();
    let mut client = Client::connect(port);
    client.send(b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\nearly");
    client
        .stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(
        client.take_line().as_deref(),
        Some("HTTP/1.1 200 Connection Established")
    );
    assert_eq!(client.take_line().as_deref(), Some(""));
    assert_eq!(client.take(16), b"a.example:443 ea");
    client.send(b"+more");
    assert_eq!(client.take(8), b"rly+more");

    let mut client = Client::connect(port);
    client.send(b"GET /chat HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhi");
    assert_eq!(
        client.take_line().as_deref(),
        Some("HTTP/1.1 101 Switching Protocols")
    );
    assert_eq!(client.take_line().as_deref(), Some("Upgrade: echo"));
    assert_eq!(client.take_line().as_deref(), Some(""));
    assert_eq!(client.take(2), b"hi");

    // A request without Upgrade, or one the listener declines, reaches 'request'.
    let mut client = Client::connect(port);
    client.send(GET);
    assert_eq!(client.reply().body, b"plain");
    client.send(b"GET / HTTP/1.1\r\nHost: t\r\nUpgrade: decline\r\nConnection: Upgrade\r\n\r\n");
    assert_eq!(client.reply().body, b"plain");
}

#[test]
fn framing_is_checked_before_any_upgrade_or_tunnel() {
    let port = tunnel_server();
    let both = "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n";
    for request in [
        format!("GET /chat HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n{both}\r\nhello"),
        format!("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n{both}\r\nhello"),
        "GET /chat HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n".to_string(),
    ] {
        let mut client = Client::connect(port);
        client.send(request.as_bytes());
        assert_eq!(
            client.take_line().as_deref(),
            Some("HTTP/1.1 400 Bad Request"),
            "{request}"
        );
        while client.more() {}
        let rest = String::from_utf8_lossy(&client.buf).into_owned();
        assert!(!rest.contains("HTTP/1.1 "), "handed over anyway: {rest}");
    }
}

/// A library server whose handler tries a field the head writer refuses: on `/give-up` it
/// passes the error on (ends without answering), on `/recover` it answers without the field.
fn refusing_server() -> u16 {
    let server = Server::listen(
        "127.0.0.1:0".parse().unwrap(),
        ServerOptions::new(Trace::off("http")),
    )
    .unwrap();
    let port = server.local_address().port();
    std::thread::spawn(move || {
        server.run(|req, res| {
            let refused = res.set_header("X-Smuggled", "1\r\nContent-Length: 0");
            assert!(refused.is_err());
            if req.head().path() == "/recover" {
                let _ = res.end(b"recovered");
            }
        })
    });
    port
}

#[test]
fn a_handler_that_gives_up_on_a_refused_head_is_answered_500_and_closed() {
    let port = refusing_server();
    let mut client = Client::connect(port);
    client.send(b"GET /recover HTTP/1.1\r\nHost: t\r\n\r\n");
    let reply = client.reply();
    assert_eq!((reply.status, &reply.body[..]), (200, &b"recovered"[..]));
    assert_eq!(reply.field("x-smuggled"), None);
    client.send(b"GET /give-up HTTP/1.1\r\nHost: t\r\n\r\n");
    let reply = client.reply();
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.head,
        "HTTP/1.1 500 Internal Server Error\nConnection: close\nContent-Length: 0\n"
    );
    assert!(client.closed());
}
