//! The notes' section 构建TCP服务, tested on the real binaries and on the library: the
//! documented stdout (docs/src/command-line.md) byte for byte, and every server and socket
//! event provoked and seen.

mod common;

use common::{run, Running};
use netnotes::tcp::{Socket, SocketEvent, HIGH_WATER_MARK};
use netnotes::trace::Trace;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

/// Starts `tcp-server` on a free port with extra flags; returns it and its port.
fn server(extra: &[&str]) -> (Running, u16) {
    let (server, port) = common::server("tcp-server", extra);
    assert_eq!(server.out[0], format!("server start listen port {port} !"));
    (server, port)
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    stream
        .set_read_timeout(Some(common::DEADLINE))
        .expect("a read timeout can be set");
    stream
}

/// Reads until the peer's FIN; returns what came.
fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    stream.read_to_end(&mut all).expect("the peer ends cleanly");
    all
}

#[test]
fn the_notes_programs_print_what_node_prints() {
    let (mut server, port) = server(&["--exit-after", "1"]);
    let client = run("tcp-client", &["--port", &port.to_string()]);
    assert!(client.status.success(), "{client:?}");
    assert_eq!(
        client.out,
        [
            "client connected !",
            "<Buffer 68 65 6c 6c 6f>",
            "此连接结束"
        ]
    );
    assert_eq!(server.next_out(), "断开连接");
    let server = server.finish();
    assert!(server.status.success(), "{server:?}");
    assert_eq!(server.out.len(), 2, "{:?}", server.out);
}

#[test]
fn every_event_of_a_normal_connection_is_traced_on_both_sides() {
    let (mut server, port) = server(&["--exit-after", "1"]);
    let client = run("tcp-client", &["--port", &port.to_string()]);
    let server_addr = format!("127.0.0.1:{port}");
    assert_eq!(
        client.err,
        [
            format!("[tcp] connect {server_addr}"),
            "[tcp] data 5 bytes".to_string(),
            "[tcp] end".to_string(),
            "[tcp] close".to_string(),
        ]
    );
    let server = {
        server.wait_err(|l| l == "[tcp] close server");
        server.finish()
    };
    let peer = server.err[1]
        .strip_prefix("[tcp] connection ")
        .unwrap_or_else(|| panic!("no connection line: {:?}", server.err))
        .to_string();
    assert_eq!(
        server.err,
        [
            format!("[tcp] listening {server_addr}"),
            format!("[tcp] connection {peer}"),
            format!("[tcp] data {peer} 5 bytes"),
            format!("[tcp] end {peer}"),
            format!("[tcp] close {peer}"),
            "[tcp] close server".to_string(),
        ]
    );
}

#[test]
fn long_replies_are_cut_after_fifty_bytes_as_node_does() {
    // Our own peer replies with 60 bytes; the client prints Node's cut-off form.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut hello = [0u8; 5];
        stream.read_exact(&mut hello).unwrap();
        stream.write_all(&[b'a'; 60]).unwrap();
        read_to_end(&mut stream); // the client's FIN
    });
    let client = run("tcp-client", &["--port", &port.to_string(), "--quiet"]);
    peer.join().unwrap();
    let a = vec!["61"; 50].join(" ");
    assert_eq!(
        client.out,
        [
            "client connected !".to_string(),
            format!("<Buffer {a} ... 10 more bytes>"),
            "此连接结束".to_string()
        ]
    );
    assert!(client.err.is_empty(), "--quiet leaves stderr empty");
}

#[test]
fn a_taken_port_is_node_s_eaddrinuse_and_exit_1() {
    let (_server, port) = server(&[]);
    let second = run("tcp-server", &["--port", &port.to_string()]);
    assert_eq!(second.status.code(), Some(1));
    assert!(second.out.is_empty());
    assert_eq!(
        second.err,
        [format!(
            "Error: listen EADDRINUSE: address already in use 127.0.0.1:{port}"
        )]
    );
}

#[test]
fn a_refused_connection_is_node_s_econnrefused_and_exit_1() {
    // Nothing listens on port 1 (a privileged port no test binds).
    let client = run("tcp-client", &["--host", "127.0.0.1", "--port", "1"]);
    assert_eq!(client.status.code(), Some(1));
    assert!(client.out.is_empty());
    assert_eq!(client.err, ["Error: connect ECONNREFUSED 127.0.0.1:1"]);
}

#[test]
fn a_name_that_does_not_resolve_is_enotfound() {
    let client = run("tcp-client", &["--host", "no-such-host.invalid"]);
    assert_eq!(client.status.code(), Some(1));
    assert_eq!(
        client.err,
        ["Error: getaddrinfo ENOTFOUND no-such-host.invalid"]
    );
}

#[test]
fn ipv6_works_end_to_end() {
    let (mut server, port) = {
        let mut server = Running::bin("tcp-server", &["--host", "::1", "--port", "0"]);
        let port = server.listening_port();
        (server, port)
    };
    let client = run(
        "tcp-client",
        &["--host", "[::1]", "--port", &port.to_string()],
    );
    assert_eq!(client.out[1], "<Buffer 68 65 6c 6c 6f>");
    assert_eq!(client.err[0], format!("[tcp] connect [::1]:{port}"));
    server.wait_err(|l| l == format!("[tcp] listening [::1]:{port}"));
    server.wait_err(|l| l.starts_with("[tcp] connection [::1]:"));
}

#[test]
fn an_idle_socket_times_out_is_ended_then_closed() {
    let (mut server, port) = server(&["--timeout", "100"]);
    let mut idle = connect(port);
    // The first timeout ends the server's side: our read sees its FIN.
    assert!(read_to_end(&mut idle).is_empty());
    let timeout = server.wait_err(|l| l.starts_with("[tcp] timeout "));
    let peer = timeout.trim_start_matches("[tcp] timeout ").to_string();
    assert_eq!(peer, idle.local_addr().unwrap().to_string());
    // We never end ours: a second idle period later the server closes the socket.
    let next = server.wait_err(|l| l.contains(&peer));
    assert_eq!(next, format!("[tcp] timeout {peer}"));
    let next = server.wait_err(|l| l.contains(&peer));
    assert_eq!(next, format!("[tcp] close {peer}"));
    assert_eq!(server.out.len(), 1, "no end, so no 断开连接");
}

#[test]
fn a_timeout_only_notifies_and_the_socket_keeps_working() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut socket = Socket::connect("127.0.0.1", addr.port(), Trace::off("tcp")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    socket.set_timeout(Some(Duration::from_millis(20)));
    assert!(matches!(socket.next_event(), Some(SocketEvent::Timeout)));
    assert!(matches!(socket.next_event(), Some(SocketEvent::Timeout)));
    // Still open both ways.
    assert!(socket.write(b"still here"));
    let mut got = [0u8; 10];
    peer.write_all(b"ping").unwrap();
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"still here");
    match socket.next_event() {
        Some(SocketEvent::Data(bytes)) => assert_eq!(bytes, b"ping"),
        other => panic!("expected data, got {other:?}"),
    }
}

#[test]
fn a_reset_is_an_error_for_that_connection_only() {
    let (mut server, port) = server(&[]);
    let mut rude = connect(port);
    rude.write_all(b"hello").unwrap();
    // Wait until the reply is in our receive buffer, then close without reading it: the
    // kernel answers unread data with a reset (RFC 9293 §3.6.1, "abort").
    let mut peek = [0u8; 5];
    assert_eq!(rude.peek(&mut peek).unwrap(), 5);
    let peer = rude.local_addr().unwrap().to_string();
    drop(rude);
    assert_eq!(
        server
            .wait_err(|l| l.contains(&peer) && !l.contains(" data ") && !l.contains("connection")),
        format!("[tcp] error {peer} read ECONNRESET")
    );
    assert_eq!(
        server.wait_err(|l| l.contains(&peer)),
        format!("[tcp] close {peer} had_error")
    );
    // The server goes on.
    let client = run("tcp-client", &["--port", &port.to_string(), "--quiet"]);
    assert_eq!(client.out[1], "<Buffer 68 65 6c 6c 6f>");
}

#[test]
fn connections_past_the_limit_are_dropped_and_traced() {
    let (mut server, port) = server(&["--max-connections", "1"]);
    let mut first = connect(port);
    server.wait_err(|l| l.starts_with("[tcp] connection "));
    let mut second = connect(port);
    let second_addr = second.local_addr().unwrap().to_string();
    assert_eq!(
        server.wait_err(|l| l.starts_with("[tcp] drop ")),
        format!("[tcp] drop {second_addr}")
    );
    // The refused one is closed at once: FIN (or a reset, if it raced our write).
    let mut buf = [0u8; 8];
    match second.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the dropped connection should be closed, got {other:?}"),
    }
    // The first is still served.
    first.write_all(b"hello").unwrap();
    let mut reply = [0u8; 5];
    first.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"hello");
}

#[test]
fn half_close_lets_the_reply_through_after_our_fin() {
    let (mut server, port) = server(&[]);
    let mut client = connect(port);
    client.write_all(b"hello").unwrap();
    client.shutdown(Shutdown::Write).unwrap(); // end(): our FIN, before any reply
    assert_eq!(read_to_end(&mut client), b"hello");
    assert_eq!(server.wait_out(|l| l == "断开连接"), "断开连接");
}

#[test]
fn exit_after_counts_finished_connections_then_exits_0() {
    let (server, port) = server(&["--exit-after", "2", "--quiet"]);
    for _ in 0..2 {
        let client = run("tcp-client", &["--port", &port.to_string(), "--quiet"]);
        assert!(client.status.success());
    }
    let server = server.finish();
    assert!(server.status.success());
    assert_eq!(server.out[1..], ["断开连接", "断开连接"]);
    assert!(server.err.is_empty());
}

#[test]
fn two_hundred_clients_at_once_each_get_hello() {
    const CLIENTS: usize = 200;
    let (server, port) = server(&["--exit-after", "200", "--quiet"]);
    let all_connected = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let all_connected = Arc::clone(&all_connected);
            thread::spawn(move || {
                let mut stream = connect(port);
                all_connected.wait(); // every connection is open before anyone talks
                stream.write_all(b"hello").unwrap();
                let mut reply = [0u8; 5];
                stream.read_exact(&mut reply).unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                assert!(read_to_end(&mut stream).is_empty());
                reply
            })
        })
        .collect();
    for client in clients {
        assert_eq!(&client.join().unwrap(), b"hello");
    }
    let server = server.finish();
    assert!(server.status.success());
    assert_eq!(server.out.len(), 1 + CLIENTS);
}

#[test]
fn write_returns_false_past_the_high_water_mark_and_drain_follows() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (start_reading, reading) = mpsc::channel::<()>();
    let peer = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        reading.recv().unwrap(); // paused until told
        read_to_end(&mut stream).len()
    });
    let mut socket = Socket::connect("127.0.0.1", addr.port(), Trace::off("tcp")).unwrap();

    // Fill the kernel's buffers on both sides; write() says "stop" once 16 KiB are queued.
    let chunk = vec![7u8; 64 * 1024];
    let mut written = 0;
    let mut accepted = true;
    for _ in 0..10_000 {
        written += chunk.len();
        accepted = socket.write(&chunk);
        if !accepted {
            break;
        }
    }
    assert!(!accepted, "write() never returned false");
    assert!(socket.buffered() >= HIGH_WATER_MARK);

    start_reading.send(()).unwrap();
    match socket.next_event() {
        Some(SocketEvent::Drain) => {}
        other => panic!("expected drain, got {other:?}"),
    }
    assert_eq!(socket.buffered(), 0);
    socket.end();
    assert_eq!(
        peer.join().unwrap(),
        written,
        "every byte arrived, in one piece"
    );
}

#[test]
fn a_write_below_the_high_water_mark_returns_true_and_owes_no_drain() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut socket = Socket::connect("127.0.0.1", addr.port(), Trace::off("tcp")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    assert!(socket.write(b"small"));
    socket.end();
    assert_eq!(read_to_end(&mut peer), b"small");
    drop(peer);
    // end, then close: no drain in between.
    assert!(matches!(socket.next_event(), Some(SocketEvent::End)));
    assert!(matches!(
        socket.next_event(),
        Some(SocketEvent::Close { had_error: false })
    ));
    assert!(socket.next_event().is_none());
}
