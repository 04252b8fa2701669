//! The forward proxy (HTTP代理, second reading), tested on the real `http-proxy` with raw
//! clients and raw upstreams written here: what reaches the upstream (hop-by-hop fields
//! gone, `Host` replaced, `Via` added, bodies framed again), what reaches the client, the
//! `CONNECT` tunnel with its half-closes, and the error answers 400, 502, 504 and 508.

mod common;

use common::{dripping, read_head, read_request, Running, DEADLINE};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// Starts `http-proxy --port 0` with extra flags.
fn proxy(extra: &[&str]) -> (Running, u16) {
    let mut args = vec!["--port", "0"];
    args.extend_from_slice(extra);
    let mut proxy = Running::bin("http-proxy", &args);
    let port = proxy.listening_port();
    assert_eq!(
        proxy.out[0],
        format!("Proxy listening at http://127.0.0.1:{port}/")
    );
    (proxy, port)
}

/// An upstream that takes one request, reports it, answers `answer` and closes (or, with
/// `None`, says nothing and holds the connection).
fn upstream(answer: Option<&'static [u8]>) -> (u16, Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let request = read_request(&mut stream).unwrap_or_default();
        let _ = tx.send(request);
        match answer {
            Some(bytes) => {
                let _ = stream.write_all(bytes);
            }
            None => {
                let _ = stream.set_read_timeout(Some(DEADLINE));
                let _ = stream.read(&mut [0u8; 1]);
            }
        }
    });
    (port, rx)
}

/// Sends `request` to the proxy and reads everything until the proxy closes.
fn exchange(proxy: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", proxy)).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn hop_by_hop_fields_are_stripped_host_replaced_and_via_added_at_the_upstream() {
    let (up, requests) = upstream(Some(b"HTTP/1.1 204 No Content\r\n\r\n"));
    let (_proxy, port) = proxy(&["--quiet"]);
    let request = format!(
        "GET http://127.0.0.1:{up}/a?b=1 HTTP/1.1\r\nHost: wrong.example\r\nConnection: close, X-Secret\r\n\
         X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n\
         Proxy-Authorization: Basic eDp5\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\n\
         Accept: */*\r\n\r\n"
    );
    let answer = exchange(port, request.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{answer}"
    );
    let seen = requests.recv_timeout(DEADLINE).unwrap();
    assert_eq!(
        String::from_utf8(seen).unwrap(),
        format!("GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:{up}\r\nAccept: */*\r\nVia: 1.1 netnotes\r\n\r\n")
    );
}

#[test]
fn request_bodies_are_decoded_and_framed_again() {
    let (up, requests) = upstream(Some(b"HTTP/1.1 204 No Content\r\n\r\n"));
    let (_proxy, port) = proxy(&["--quiet"]);
    exchange(
        port,
        format!(
            "POST http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             2;ext=1\r\nhe\r\n3\r\nllo\r\n0\r\nX-Trailer: 1\r\n\r\n"
        )
        .as_bytes(),
    );
    let seen = String::from_utf8(requests.recv_timeout(DEADLINE).unwrap()).unwrap();
    let (head, body) = seen.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("\r\nTransfer-Encoding: chunked"), "{head}");
    assert_eq!(
        body, "2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
        "chunk extensions and trailers are hop-by-hop framing"
    );

    let (up, requests) = upstream(Some(b"HTTP/1.1 204 No Content\r\n\r\n"));
    exchange(
        port,
        format!("PUT http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello").as_bytes(),
    );
    let seen = String::from_utf8(requests.recv_timeout(DEADLINE).unwrap()).unwrap();
    assert!(
        seen.ends_with("\r\nContent-Length: 5\r\nVia: 1.1 netnotes\r\n\r\nhello"),
        "{seen}"
    );
}

#[test]
fn a_close_delimited_answer_is_chunked_for_1_1_and_until_close_for_1_0() {
    let answer: &[u8] = b"HTTP/1.0 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: x\r\nX-E: 1\r\n\r\nthe body";
    let (up, _) = upstream(Some(answer));
    let (_proxy, port) = proxy(&["--quiet"]);
    let got = exchange(
        port,
        format!("GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let (head, body) = got.split_once("\r\n\r\n").unwrap();
    let lines: Vec<&str> = head.lines().collect();
    assert_eq!(lines[0], "HTTP/1.1 200 OK");
    assert!(
        lines.contains(&"X-E: 1") && lines.contains(&"Via: 1.0 netnotes"),
        "{head}"
    );
    assert!(lines.contains(&"Transfer-Encoding: chunked"), "{head}");
    assert!(
        !head.contains("X-Hop") && !head.contains("Keep-Alive: x"),
        "{head}"
    );
    assert_eq!(body, "8\r\nthe body\r\n0\r\n\r\n");

    let (up, _) = upstream(Some(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    ));
    let got = exchange(
        port,
        format!("GET http://127.0.0.1:{up}/ HTTP/1.0\r\n\r\n").as_bytes(),
    );
    let (head, body) = got.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("Connection: close"), "{head}");
    assert!(!head.contains("Transfer-Encoding"), "{head}");
    assert_eq!(body, "abcde", "decoded, and ended by the close");
}

#[test]
fn an_upstream_whose_head_never_ends_is_504_at_the_timeout() {
    let (_proxy, port) = proxy(&["--upstream-timeout", "300"]);
    let every = Duration::from_millis(50);
    let endless_102 = dripping(b"", b"HTTP/1.1 102 Processing\r\n\r\n", every);
    let trickling = dripping(b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n", every);
    for upstream in [endless_102, trickling] {
        let start = Instant::now();
        let got = exchange(
            port,
            format!(
                "GET http://127.0.0.1:{upstream}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        let took = start.elapsed();
        assert!(got.starts_with("HTTP/1.1 504 Gateway Timeout\r\n"), "{got}");
        // Each read has bytes within 50 ms; only a deadline for the whole head ends it.
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(5),
            "cut off after {took:?}, with a 300 ms timeout"
        );
    }
}

#[test]
fn an_unreachable_upstream_is_502_a_silent_one_504_a_bad_request_400() {
    let (mut proxy, port) = proxy(&["--upstream-timeout", "300"]);
    let refused = closed_port();
    let got = exchange(
        port,
        format!("GET http://127.0.0.1:{refused}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert!(got.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{got}");
    assert!(
        got.ends_with(&format!(
            "502 Bad Gateway: connect ECONNREFUSED 127.0.0.1:{refused}\n"
        )),
        "{got}"
    );
    proxy
        .wait_err(|l| l == format!("[http] upstream 502 connect ECONNREFUSED 127.0.0.1:{refused}"));

    let (silent, _) = upstream(None);
    let start = Instant::now();
    let got = exchange(
        port,
        format!("GET http://127.0.0.1:{silent}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert!(got.starts_with("HTTP/1.1 504 Gateway Timeout\r\n"), "{got}");
    assert!(start.elapsed() < Duration::from_secs(10));

    let got = exchange(
        port,
        b"GET /origin-form HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got}");
    let got = exchange(
        port,
        b"GET https://example.com/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got}");
    let got = exchange(port, b"garbage\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got}");
    // A request that already carries our Via (a chain of proxies that loops) is 508.
    let got = exchange(
        port,
        b"GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: x\r\nVia: 1.1 other, 1.1 netnotes\r\nConnection: close\r\n\r\n",
    );
    assert!(got.starts_with("HTTP/1.1 508 Loop Detected\r\n"), "{got}");
}

/// A TCP echo server for one connection: echoes until the client's FIN, then sends `<bye>`
/// and closes its side.
fn echo() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(DEADLINE));
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            if stream.write_all(&buf[..n]).is_err() {
                return;
            }
        }
        let _ = stream.write_all(b"<bye>");
    });
    port
}

#[test]
fn connect_opens_a_tunnel_and_passes_half_closes_on() {
    let (mut proxy, port) = proxy(&[]);
    let echo = echo();
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    client
        .write_all(
            format!("CONNECT 127.0.0.1:{echo} HTTP/1.1\r\nHost: 127.0.0.1:{echo}\r\n\r\nearly")
                .as_bytes(),
        )
        .unwrap();
    let established = b"HTTP/1.1 200 Connection Established\r\n\r\nearly";
    let mut got = vec![0u8; established.len()];
    client.read_exact(&mut got).unwrap();
    assert_eq!(got, established);
    // Both ways, several times.
    for round in 0..3 {
        let message = format!("round {round}");
        client.write_all(message.as_bytes()).unwrap();
        let mut back = vec![0u8; message.len()];
        client.read_exact(&mut back).unwrap();
        assert_eq!(back, message.as_bytes());
    }
    // Our FIN reaches the echo server, which answers and closes: its FIN reaches us.
    client.shutdown(Shutdown::Write).unwrap();
    let mut rest = String::new();
    client.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "<bye>");
    proxy.wait_err(|l| {
        l == format!("[http] tunnel 127.0.0.1:{echo} closed, 26 bytes up, 31 bytes down")
    });
}

#[test]
fn connect_to_nowhere_is_502_and_to_a_bad_target_400() {
    let (_proxy, port) = proxy(&["--quiet"]);
    let refused = closed_port();
    let got = exchange(
        port,
        format!("CONNECT 127.0.0.1:{refused} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    );
    assert!(got.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{got}");
    let got = exchange(port, b"CONNECT no-port HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got}");
}

#[test]
fn the_proxy_binds_to_loopback_by_default() {
    let (mut proxy, _) = proxy(&[]);
    let line = proxy.wait_err(|l| l.starts_with("[http] listening "));
    assert!(line.starts_with("[http] listening 127.0.0.1:"), "{line}");
}

#[test]
fn repeated_answer_fields_stay_repeated_and_a_cut_body_stays_cut() {
    let (_proxy, port) = proxy(&["--quiet"]);
    let (up, _) = upstream(Some(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok",
    ));
    let answer = exchange(
        port,
        format!("GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert!(
        answer.contains("\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"),
        "{answer}"
    );

    // The upstream promises 10 bytes in a chunk, sends 3, and closes: our client must see a
    // chunked body without its last chunk, not a complete one.
    let (up, _) = upstream(Some(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc",
    ));
    let answer = exchange(
        port,
        format!("GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("abc"), "{answer}");
    assert!(!answer.ends_with("0\r\n\r\n"), "no last chunk: {answer:?}");
}

#[test]
fn a_bodiless_answer_s_content_length_is_checked_before_it_is_passed_on() {
    let (_proxy, port) = proxy(&["--quiet"]);
    let ask = |method: &str, answer: &'static [u8]| {
        let (up, _) = upstream(Some(answer));
        exchange(
            port,
            format!(
                "{method} http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
    };
    for (method, answer) in [
        (
            "HEAD",
            &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"[..],
        ),
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"),
        (
            "GET",
            b"HTTP/1.1 204 No Content\r\nContent-Length: -1\r\n\r\n",
        ),
        (
            "GET",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ),
    ] {
        let got = ask(method, answer);
        assert!(
            got.starts_with("HTTP/1.1 502 Bad Gateway\r\n"),
            "{method} answered {:?}: {got}",
            String::from_utf8_lossy(answer)
        );
        assert_eq!(got.matches("HTTP/1.1 ").count(), 1, "{got}");
    }
    // One valid length goes on: a HEAD's answer tells the length of the GET's body.
    let got = ask("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(got.contains("\r\nContent-Length: 5\r\n"), "{got}");
    assert!(got.ends_with("\r\n\r\n"), "no body: {got:?}");
}

/// How many threads and open descriptors a process has now.
fn threads_and_fds(pid: u32) -> (usize, usize) {
    let count = |dir: &str| {
        std::fs::read_dir(format!("/proc/{pid}/{dir}"))
            .expect("the proxy runs")
            .count()
    };
    (count("task"), count("fd"))
}

/// Waits (bounded) until the process has at most `threads` threads and `fds` descriptors,
/// and returns what it had last.
fn settles_to(pid: u32, threads: usize, fds: usize) -> (usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let now = threads_and_fds(pid);
        if (now.0 <= threads && now.1 <= fds) || Instant::now() > deadline {
            return now;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_target_that_reaches_the_proxy_itself_is_508_however_it_is_spelled() {
    let (mut proxy, port) = proxy(&[]);
    for host in [
        "127.0.0.1",
        "localhost",
        "LocalHost",
        "127.1",
        "2130706433",
        "0.0.0.0",
        "[::ffff:127.0.0.1]",
    ] {
        let got = exchange(
            port,
            format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        assert!(
            got.starts_with("HTTP/1.1 508 Loop Detected\r\n"),
            "CONNECT {host}: {got}"
        );
        let got = exchange(
            port,
            format!("GET http://{host}:{port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert!(
            got.starts_with("HTTP/1.1 508 Loop Detected\r\n"),
            "GET {host}: {got}"
        );
        let unbracketed = host.trim_matches(['[', ']']);
        for _ in 0..2 {
            let line = proxy.wait_err(|l| l.starts_with("[http] upstream 508 "));
            assert!(
                line.starts_with(&format!(
                    "[http] upstream 508 {unbracketed}:{port} is this proxy ("
                )),
                "{line}"
            );
        }
    }
}

/// The address this machine sends from to reach the Internet, if it has a route out (a UDP
/// `connect` picks the route and the source address; it sends nothing).
fn routed_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("198.51.100.1:9").ok()?;
    Some(socket.local_addr().ok()?.ip())
}

#[test]
fn listening_on_every_interface_the_machine_s_other_addresses_are_the_proxy_too() {
    let mut proxy = Running::bin("http-proxy", &["--host", "0.0.0.0", "--port", "0"]);
    let port = proxy.listening_port();
    // 127.0.0.2 is this machine (all of 127.0.0.0/8 is loopback) though no listener names
    // it; the routed address is the one a loopback-only check misses. (A machine with no
    // route out has none: the library's unit test of `is_local` says so when it runs.)
    let mut targets = vec!["127.0.0.2".to_string()];
    targets.extend(routed_address().map(|ip| ip.to_string()));
    for host in &targets {
        for request in [
            format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: x\r\n\r\n"),
            format!("GET http://{host}:{port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        ] {
            let got = exchange(port, request.as_bytes());
            assert!(
                got.starts_with("HTTP/1.1 508 Loop Detected\r\n"),
                "{request:?} to a proxy on 0.0.0.0:{port}: {got}"
            );
            let line = proxy.wait_err(|l| l.starts_with("[http] upstream 508 "));
            assert!(
                line.starts_with(&format!(
                    "[http] upstream 508 {host}:{port} is this proxy ("
                )),
                "{line}"
            );
        }
    }
}

#[test]
fn two_hundred_self_connects_in_one_write_cost_no_thread_or_descriptor() {
    let (proxy, port) = proxy(&["--quiet"]);
    let pid = proxy.pid();
    let before = threads_and_fds(pid);
    let chain = format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: x\r\n\r\n").repeat(200);
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    client.write_all(chain.as_bytes()).unwrap();
    // The first CONNECT is refused and the connection closed; before this change it opened a
    // tunnel to the proxy itself, which read the next CONNECT, and so on, 200 deep.
    client
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = client.read_to_end(&mut answer);
    let during = threads_and_fds(pid);
    let answer = String::from_utf8_lossy(&answer);
    // A parked thread and the client's descriptor may linger for a moment.
    let after = settles_to(pid, before.0 + 2, before.1 + 2);
    assert!(
        during.0 <= before.0 + 4 && during.1 <= before.1 + 4,
        "threads, descriptors: {before:?} before, {during:?} with the client connected"
    );
    assert!(
        after.0 <= before.0 + 2 && after.1 <= before.1 + 2,
        "threads, descriptors: {before:?} before, {after:?} after"
    );
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
    assert!(
        answer.starts_with("HTTP/1.1 508 Loop Detected\r\n"),
        "{answer}"
    );
}

/// Opens a tunnel through the proxy to `target` and returns the client's end.
fn tunnel_to(proxy: u16, target: u16) -> (TcpStream, String) {
    let mut client = TcpStream::connect(("127.0.0.1", proxy)).unwrap();
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    client
        .write_all(format!("CONNECT 127.0.0.1:{target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let head = read_head(&mut client);
    (client, String::from_utf8_lossy(&head).into_owned())
}

/// Reads one answer with a `Content-Length` body from a kept-alive connection.
fn answer_on(stream: &mut TcpStream) -> String {
    let head = String::from_utf8_lossy(&read_head(stream)).into_owned();
    assert!(head.ends_with("\r\n\r\n"), "closed in a head: {head:?}");
    let length: usize = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length: ")
                .map(|v| v.parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    head + &String::from_utf8_lossy(&body)
}

#[test]
fn tunnels_and_upstream_connections_count_against_max_connections() {
    let (mut proxy, port) = proxy(&["--max-connections", "3"]);
    // A tunnel: its client's connection and its upstream, two places of three.
    let (mut first, head) = tunnel_to(port, echo());
    assert_eq!(head, "HTTP/1.1 200 Connection Established\r\n\r\n");
    // A second client takes the third place; whatever it asks the proxy to open would be a
    // fourth: a pooled upstream connection, then a tunnel.
    let (up, _) = upstream(Some(b"HTTP/1.1 204 No Content\r\n\r\n"));
    let mut second = TcpStream::connect(("127.0.0.1", port)).unwrap();
    second.set_read_timeout(Some(DEADLINE)).unwrap();
    second
        .write_all(format!("GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let got = answer_on(&mut second);
    assert!(
        got.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{got}"
    );
    assert!(got.ends_with("--max-connections reached\n"), "{got}");
    let echo = echo();
    second
        .write_all(format!("CONNECT 127.0.0.1:{echo} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let got = answer_on(&mut second);
    assert!(
        got.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{got}"
    );
    proxy.wait_err(|l| l == "[http] upstream 503 --max-connections reached");
    // The tunnel ends and the second client leaves: their places are free again (each is
    // given back just after the connection's last trace line, so for a moment a new client
    // may still be dropped or answered 503: retried, within a deadline).
    first.shutdown(Shutdown::Write).unwrap();
    let _ = first.read_to_end(&mut Vec::new());
    drop((first, second));
    proxy.wait_err(|l| l.starts_with("[http] tunnel ") && l.contains(" closed, "));
    let deadline = Instant::now() + DEADLINE;
    let got = loop {
        let got = exchange(
            port,
            format!("GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        if got.starts_with("HTTP/1.1 204 ") || Instant::now() > deadline {
            break got;
        }
        thread::sleep(Duration::from_millis(10));
    };
    assert!(got.starts_with("HTTP/1.1 204 No Content\r\n"), "{got}");
}

#[test]
fn a_tunnel_with_no_byte_either_way_for_the_tunnel_timeout_is_closed() {
    let timeout = Duration::from_millis(300);
    let (mut proxy, port) = proxy(&["--tunnel-timeout", "300"]);
    let echo = echo();
    let (mut client, head) = tunnel_to(port, echo);
    assert_eq!(head, "HTTP/1.1 200 Connection Established\r\n\r\n");
    // Bytes every 100 ms keep it open past the timeout.
    let started = Instant::now();
    let quiet = loop {
        client.write_all(b"ping").unwrap();
        let mut back = [0u8; 4];
        client.read_exact(&mut back).unwrap();
        let last_byte = Instant::now();
        if started.elapsed() >= timeout * 2 {
            break last_byte;
        }
        thread::sleep(Duration::from_millis(100));
    };
    // Then silence: closed after the timeout, not before.
    let mut rest = Vec::new();
    let _ = client.read_to_end(&mut rest);
    let closed = quiet.elapsed();
    assert!(
        closed >= timeout - Duration::from_millis(20) && closed < timeout + Duration::from_secs(3),
        "closed after {closed:?} of silence; the timeout is {timeout:?}"
    );
    proxy.wait_err(|l| {
        l == format!("[http] tunnel 127.0.0.1:{echo} timeout: no byte either way for 300 ms")
    });
}

#[test]
fn origins_by_any_spelling_share_a_pool_and_idle_upstream_connections_are_closed() {
    let (_origin, up) = common::server("http-server", &["--quiet"]);
    let (proxy, port) = proxy(&["--quiet", "--free-socket-timeout", "300"]);
    let pid = proxy.pid();
    let before = threads_and_fds(pid);
    // Forty spellings of localhost, one after the other: one pool, one connection, reused.
    let mut spellings: Vec<String> = (0..40u32)
        .map(|bits| {
            let upper = |(i, c): (usize, char)| match bits >> i & 1 {
                1 => c.to_ascii_uppercase(),
                _ => c,
            };
            "localhost".chars().enumerate().map(upper).collect()
        })
        .collect();
    // And the same address written four other ways: four more origins.
    spellings.extend(["127.0.0.1", "127.1", "2130706433", "[::ffff:127.0.0.1]"].map(String::from));
    for host in &spellings {
        let got = exchange(
            port,
            format!("GET http://{host}:{up}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{host}: {got}");
    }
    let burst = threads_and_fds(pid);
    assert!(
        burst.1 <= before.1 + 8,
        "{} spellings left {} descriptors open (from {}): one pool per spelling?",
        spellings.len(),
        burst.1,
        before.1
    );
    // Then nobody asks for anything: the free connections are closed within about a second
    // of their timeout (the origin server would have kept them 5 s).
    let idle = Instant::now();
    let after = settles_to(pid, usize::MAX, before.1);
    assert!(
        after.1 <= before.1,
        "descriptors: {} before, {} after the burst, {} after {:?} idle",
        before.1,
        burst.1,
        after.1,
        idle.elapsed()
    );
}

#[test]
fn a_request_waiting_for_a_pooled_connection_gets_504_at_the_upstream_timeout() {
    let timeout = Duration::from_millis(300);
    let (mut proxy, port) = proxy(&["--max-sockets", "1", "--upstream-timeout", "300"]);
    // An upstream that says when the first bytes of a request reach it, and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let up = listener.local_addr().unwrap().port();
    let (reached, first_bytes) = mpsc::channel();
    thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let _ = stream.read(&mut [0u8; 1024]);
            let _ = reached.send(());
            held.push(stream);
        }
    });
    // The first request takes the one connection to the upstream and keeps it: its body
    // is still to come.
    let mut first = TcpStream::connect(("127.0.0.1", port)).unwrap();
    first
        .write_all(
            format!(
                "POST http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx"
            )
            .as_bytes(),
        )
        .unwrap();
    first_bytes.recv_timeout(DEADLINE).unwrap();
    // The second waits in the agent's queue for that connection, until the timeout.
    let started = Instant::now();
    let got = exchange(
        port,
        format!("GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let waited = started.elapsed();
    assert!(got.starts_with("HTTP/1.1 504 Gateway Timeout\r\n"), "{got}");
    assert!(
        waited >= timeout && waited < timeout + Duration::from_secs(3),
        "answered after {waited:?}; the timeout is {timeout:?}"
    );
    proxy.wait_err(|l| l == format!("[http] upstream 504 127.0.0.1:{up} did not answer in time"));
    assert!(
        first_bytes.try_recv().is_err(),
        "the second request reached the upstream: it did not wait"
    );
    drop(first);
}
