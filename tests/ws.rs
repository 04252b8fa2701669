//! The notes' section 构建WebSocket服务 on the real binaries: `ws-server`'s handshake answers
//! (101 and every refusal), the demo page, `ws-client` against `ws-server`, and the events in
//! the trace. The frame-level rules are in `tests/ws_conformance.rs`.

mod common;

use common::{run, Running, DEADLINE};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn server(extra: &[&str]) -> (Running, u16) {
    let (server, port) = common::server("ws-server", extra);
    assert_eq!(
        server.out[0],
        format!("WebSocket server listening at ws://127.0.0.1:{port}/updates")
    );
    (server, port)
}

/// Sends `request` and returns the answer's head, through the empty line.
fn ask(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            return String::from_utf8_lossy(&got[..end + 4]).into_owned();
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "EOF before the head ended: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn upgrade(extra: &str) -> String {
    format!(
        "GET /updates HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

#[test]
fn the_handshake_answers_101_with_rfc_6455_s_accept_key() {
    let (_server, port) = server(&[]);
    let head = ask(port, &upgrade(""));
    assert_eq!(
        head,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    );
}

#[test]
fn subprotocols_and_extensions_are_negotiated() {
    let (_server, port) = server(&["--protocol", "chat,superchat"]);
    let head = ask(
        port,
        &upgrade("Sec-WebSocket-Protocol: x, superchat, chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"),
    );
    assert!(
        head.contains("\r\nSec-WebSocket-Protocol: superchat\r\n"),
        "{head}"
    );
    assert!(
        !head.contains("Extensions"),
        "permessage-deflate is declined: {head}"
    );
    let head = ask(port, &upgrade(""));
    assert!(
        !head.contains("Sec-WebSocket-Protocol"),
        "none offered, none answered: {head}"
    );
}

#[test]
fn every_bad_handshake_gets_a_4xx_never_a_200() {
    let (_server, port) = server(&["--origin", "http://ok.example"]);
    let ok = "Origin: http://ok.example\r\n";
    let cases = [
        (upgrade(ok).replace("GET", "POST"), "400 Bad Request", None),
        (
            upgrade(ok).replace("HTTP/1.1\r\n", "HTTP/1.0\r\n"),
            "400 Bad Request",
            None,
        ),
        (
            upgrade(ok).replace("Version: 13", "Version: 8"),
            "426 Upgrade Required",
            Some("Sec-WebSocket-Version: 13"),
        ),
        (
            upgrade(ok).replace("Sec-WebSocket-Version: 13\r\n", ""),
            "426 Upgrade Required",
            Some("Sec-WebSocket-Version: 13"),
        ),
        (upgrade(ok).replace(KEY, "AAAA"), "400 Bad Request", None),
        (
            upgrade("Origin: http://evil.example\r\n"),
            "403 Forbidden",
            None,
        ),
        (
            "GET /updates HTTP/1.1\r\nHost: t\r\n\r\n".to_string(),
            "426 Upgrade Required",
            Some("Upgrade: websocket"),
        ),
        (
            upgrade(ok).replace("Connection: Upgrade", "Connection: keep-alive"),
            "426 Upgrade Required",
            Some("Upgrade: websocket"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n".to_string(),
            "400 Bad Request",
            None,
        ),
    ];
    for (request, status, field) in cases {
        let head = ask(port, &request);
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status}\r\n")),
            "{request:?} → {head}"
        );
        if let Some(field) = field {
            assert!(
                head.contains(&format!("\r\n{field}\r\n")),
                "{request:?} → {head}"
            );
        }
    }
    let head = ask(port, &upgrade(ok));
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
}

#[test]
fn get_slash_serves_the_self_contained_demo_page() {
    let (_server, port) = server(&[]);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    assert!(page.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"));
    assert!(page.contains("new WebSocket(url)"));
    assert!(page.contains("'ws://' + location.host + '/updates'"));
    assert!(page.contains("bufferedAmount === 0"));
    // Self-contained: no other request (no src=, no href= to fetch; even the icon is inline,
    // or the browser would ask for /favicon.ico).
    assert!(!page.contains("src="), "{page}");
    assert_eq!(page.matches("href=").count(), 1, "{page}");
    assert!(page.contains(r#"<link rel="icon" href="data:,">"#));
    assert!(!page.contains("console.error"));
}

#[test]
fn ws_client_against_ws_server_prints_each_reply_and_closes_with_1000() {
    let (mut server, port) = server(&["--exit-after", "1"]);
    let url = format!("ws://127.0.0.1:{port}/updates");
    let client = run(
        "ws-client",
        &["--url", &url, "--message", "hi there", "--count", "3"],
    );
    assert!(client.status.success(), "{client:?}");
    assert_eq!(client.out, ["hi there", "hi there", "hi there"]);
    assert_eq!(
        client.err.first().map(String::as_str),
        Some(format!("[ws] open 127.0.0.1:{port}").as_str())
    );
    assert_eq!(
        client.err.last().map(String::as_str),
        Some(format!("[ws] close 127.0.0.1:{port} 1000").as_str())
    );
    // The server saw the same conversation, and exits after its one connection.
    server.wait_err(|l| l.starts_with("[ws] open "));
    let message = server.wait_err(|l| l.starts_with("[ws] message "));
    assert!(message.ends_with(" text 8 bytes"), "{message}");
    server.wait_err(|l| l.starts_with("[ws] close ") && l.ends_with(" 1000"));
    let server = server.finish();
    assert!(server.status.success());
    assert_eq!(
        server.err.last().map(String::as_str),
        Some("[http] close server")
    );
}

#[test]
fn ws_client_over_ipv6_and_with_host_and_port_flags() {
    let mut server = Running::bin("ws-server", &["--host", "::1", "--port", "0"]);
    let port = server.listening_port();
    assert_eq!(
        server.out[0],
        format!("WebSocket server listening at ws://[::1]:{port}/updates")
    );
    let client = run(
        "ws-client",
        &["--url", &format!("ws://[::1]:{port}/x"), "--quiet"],
    );
    assert_eq!(client.out, ["hello"]);
    let client = run(
        "ws-client",
        &["--host", "::1", "--port", &port.to_string(), "--quiet"],
    );
    assert_eq!(client.out, ["hello"]);
}

#[test]
fn ws_client_failures_are_one_clear_line() {
    let client = run("ws-client", &["--url", "ws://127.0.0.1:1/"]);
    assert_eq!(
        (client.status.code(), client.err.as_slice()),
        (
            Some(1),
            &["Error: connect ECONNREFUSED 127.0.0.1:1".to_string()][..]
        )
    );
    // An HTTP server that is not a WebSocket server.
    let mut http = Running::bin("http-server", &["--port", "0", "--quiet"]);
    let port = http.listening_port();
    let client = run("ws-client", &["--url", &format!("ws://127.0.0.1:{port}/")]);
    assert_eq!(client.status.code(), Some(1));
    assert_eq!(client.err, ["Error: Unexpected server response: 200"]);
    let client = run("ws-client", &["--url", "wss://127.0.0.1/"]);
    assert_eq!(client.status.code(), Some(2));
    assert!(client.err[0].starts_with("error: wss:// needs TLS"));
    // A path the upgrade request's head cannot carry: the head writer's words.
    for url in ["ws://127.0.0.1/a b", "ws://127.0.0.1/a\r\nX: 1"] {
        let client = run("ws-client", &["--url", url]);
        assert_eq!(client.status.code(), Some(2));
        assert!(client.out.is_empty());
        let expected = format!("error: Request path contains unescaped characters: {url}");
        assert_eq!(
            client.err[0],
            expected.replace('\r', "\\r").replace('\n', "\\n")
        );
        assert!(client.err[1].starts_with("usage: ws-client "));
    }
}

/// A masked client frame (key 0: the payload reads as sent).
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

/// Opens a WebSocket to `port` by hand and returns the stream after the 101.
fn open(port: u16) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(upgrade("").as_bytes()).unwrap();
    let head = common::read_head(&mut stream);
    assert!(
        head.starts_with(b"HTTP/1.1 101 ") && head.ends_with(b"\r\n\r\n"),
        "{head:?}"
    );
    stream
}

#[test]
fn a_close_reason_cannot_write_to_the_reader_s_terminal() {
    let (mut server, port) = server(&[]);
    let mut stream = open(port);
    let reason = "\x1b]0;owned\x07\u{9b}2J\r\n[ws] close 127.0.0.1:1 1000";
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    stream.write_all(&client_frame(0x8, &payload)).unwrap();
    let local = stream.local_addr().unwrap();
    let line = server.wait_err(|l| l.starts_with("[ws] close "));
    assert_eq!(
        line,
        format!(
            r"[ws] close {local} 1000 \u{{1b}}]0;owned\u{{7}}\u{{9b}}2J\r\n[ws] close 127.0.0.1:1 1000"
        )
    );
    assert!(
        server
            .err
            .iter()
            .all(|l| !l.contains(['\x1b', '\u{9b}', '\r'])),
        "{:?}",
        server.err
    );
}

#[test]
fn the_heartbeat_closes_a_peer_that_never_answers_and_keeps_one_that_does() {
    let interval = Duration::from_millis(200);
    let (mut server, port) = server(&["--ping-interval", "200"]);

    // Silent: pinged once after an interval, dropped (1006) after another.
    let mut silent = open(port);
    let opened = Instant::now();
    let mut ping = [0u8; 2];
    silent.read_exact(&mut ping).unwrap();
    assert_eq!(ping, [0x89, 0x00], "an empty ping, FIN set, unmasked");
    let mut rest = Vec::new();
    let _ = silent.read_to_end(&mut rest); // EOF (or a reset): the server closed
    let closed = opened.elapsed();
    assert!(rest.is_empty(), "no close frame on a dead peer: {rest:?}");
    assert!(
        closed >= interval * 2 && closed < interval * 2 + Duration::from_secs(5),
        "closed after {closed:?}, not after two intervals of {interval:?}"
    );
    let local = silent.local_addr().unwrap();
    server.wait_err(|l| l == format!("[ws] timeout {local} no answer to a ping: quiet for 400 ms"));
    server.wait_err(|l| l == format!("[ws] close {local} 1006"));

    // Answering: it stays through five intervals, then still gets its echo.
    let mut alive = open(port);
    let opened = Instant::now();
    let mut pongs = 0;
    while opened.elapsed() < interval * 5 {
        alive.read_exact(&mut ping).unwrap();
        assert_eq!(ping, [0x89, 0x00]);
        alive.write_all(&client_frame(0xA, b"")).unwrap();
        pongs += 1;
    }
    assert!(pongs >= 2, "{pongs} pings in five intervals");
    alive.write_all(&client_frame(0x1, b"still here")).unwrap();
    let mut echo = [0u8; 12];
    alive.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"\x81\x0astill here");
}

/// The crate's own client, reading the server's unmasked frames, hands each message back
/// (`WebSocket::reuse`), so that after a long one the next frame is read in one go, header and
/// payload, into that message's memory: echoes of every size after it come back exact.
#[test]
fn a_client_that_reuses_its_messages_reads_every_echo_exactly() {
    use netnotes::trace::Trace;
    use netnotes::ws::client::{connect, Url};
    use netnotes::ws::{Message, Options, WebSocketEvent};
    let (_server, port) = server(&["--quiet"]);
    let url = Url::parse(&format!("ws://127.0.0.1:{port}/updates")).unwrap();
    let (mut ws, _) = connect(&url, &[], Options::new(Trace::off("ws"))).unwrap();
    assert_eq!(ws.next_event(), Some(WebSocketEvent::Open));
    let bytes = |len: usize, seed: u8| -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    };
    let text = "κόσμε 𝄞 ".repeat(6_000);
    let messages = [
        Message::Binary(bytes(70_000, 1)),
        Message::Binary(bytes(100_000, 2)),
        Message::Binary(bytes(300, 3)),
        Message::Binary(bytes(60_000, 4)),
        Message::Binary(bytes(60_000, 5)),
        Message::Binary(bytes(70_000, 6)),
        Message::Text(text),
        Message::Binary(bytes(32, 7)),
        Message::Binary(Vec::new()),
        Message::Binary(bytes(65_536, 8)),
    ];
    for sent in messages {
        ws.send_message(&sent).unwrap();
        match ws.next_event() {
            Some(WebSocketEvent::Message(echo)) => {
                assert!(
                    echo == sent,
                    "the echo of a {}-byte message differs",
                    sent.len()
                );
                ws.reuse(echo);
            }
            other => panic!("expected the echo, got {other:?}"),
        }
    }
    ws.close(1000, "").unwrap();
    assert!(matches!(
        ws.next_event(),
        Some(WebSocketEvent::Close { code: 1000, .. })
    ));
}

/// A message handed back while another is half built (a ping came between its fragments) is
/// not where the rest of that message goes: the next fragment, as long as the frame before it,
/// still lands in the message being built. The peer is written here, frame by frame.
#[test]
fn a_message_handed_back_mid_message_leaves_the_one_being_built_alone() {
    use netnotes::trace::Trace;
    use netnotes::ws::client::{connect, Url};
    use netnotes::ws::frame::{encode_frame, Opcode};
    use netnotes::ws::handshake::accept_key;
    use netnotes::ws::{Message, Options, WebSocketEvent};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let long = |seed: u8| -> Vec<u8> {
        (0..70_000u32)
            .map(|i| (i as u8).wrapping_mul(13) ^ seed)
            .collect()
    };
    let (first, start, rest) = (long(1), long(2), long(3));
    let frames = [
        encode_frame(true, Opcode::Binary, &first, None),
        encode_frame(false, Opcode::Binary, &start, None),
        encode_frame(true, Opcode::Ping, b"", None),
    ];
    let last = encode_frame(true, Opcode::Continuation, &rest, None);
    let peer = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let head = String::from_utf8(common::read_head(&mut stream)).unwrap();
        let key = head
            .lines()
            .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap();
        let accept = accept_key(key);
        let answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        stream.write_all(answer.as_bytes()).unwrap();
        stream.write_all(&frames.concat()).unwrap();
        // The last fragment once the client has answered the ping: it is read after the
        // client has handed its first message back.
        let mut pong = [0u8; 6];
        stream.read_exact(&mut pong).unwrap();
        assert_eq!(pong[..2], [0x8A, 0x80], "a masked, empty pong");
        stream.write_all(&last).unwrap();
        let mut close = [0u8; 8];
        stream.read_exact(&mut close).unwrap();
        stream
            .write_all(&encode_frame(
                true,
                Opcode::Close,
                &1000u16.to_be_bytes(),
                None,
            ))
            .unwrap();
    });
    let url = Url::parse(&format!("ws://127.0.0.1:{port}/")).unwrap();
    let (mut ws, _) = connect(&url, &[], Options::new(Trace::off("ws"))).unwrap();
    assert_eq!(ws.next_event(), Some(WebSocketEvent::Open));
    let kept = match ws.next_event() {
        Some(WebSocketEvent::Message(message)) => message,
        other => panic!("expected the first message, got {other:?}"),
    };
    assert_eq!(kept, Message::Binary(first));
    assert_eq!(ws.next_event(), Some(WebSocketEvent::Ping(Vec::new())));
    ws.reuse(kept);
    let whole = [start, rest].concat();
    match ws.next_event() {
        Some(WebSocketEvent::Message(Message::Binary(got))) => {
            assert!(got == whole, "the fragmented message came back changed")
        }
        other => panic!("expected the fragmented message, got {other:?}"),
    }
    ws.close(1000, "").unwrap();
    assert!(matches!(
        ws.next_event(),
        Some(WebSocketEvent::Close { code: 1000, .. })
    ));
    peer.join().unwrap();
}
