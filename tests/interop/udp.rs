//! Node's `dgram` against our `udp-server` and `udp-client`.
//!
//! The notes' two programs, errata fixed, are kept in `tests/interop/node/`. Each pairing (the
//! Node client to our server, our client to the Node server) must print on stdout exactly what
//! the all-Node pair prints, ports masked (the kernel picks them). And where our binaries print
//! one of Node's error lines, Node itself is asked for the wording.
//!
//! A missing `node` is a failure, never a skip.

use crate::common::{Finished, Running};
use std::net::UdpSocket;

/// `port: 41234` → `port: P`, so runs on different ports compare equal.
fn mask(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|line| match line.split_once("port: ") {
            Some((head, tail)) => {
                let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
                format!("{head}port: P{rest}")
            }
            None => line.clone(),
        })
        .collect()
}

/// The notes' server under Node, on a free port of 127.0.0.1, with that port.
fn node_server() -> (Running, u16) {
    let mut server = crate::node("udp-server.js", &["0", "127.0.0.1"]);
    let port = server.listening_port();
    (server, port)
}

/// The notes' client under Node, sending to `port` on localhost, run to its end.
fn node_client(port: u16) -> Finished {
    let mut client = crate::node("udp-client.js", &[&port.to_string()]);
    client.close_stdin();
    client.finish()
}

/// Our server, on a free port of 127.0.0.1 (its default), ending after one datagram.
fn our_server() -> (Running, u16) {
    let mut server = Running::bin("udp-server", &["--port", "0", "--exit-after", "1"]);
    let port = server.listening_port();
    (server, port)
}

/// Reads the two lines a server prints for one datagram, stops it, and returns all it printed.
fn one_datagram(mut server: Running) -> Vec<String> {
    server.next_out();
    server.next_out();
    server.kill().out
}

/// What the notes' two programs print, both under Node: the reference.
fn all_node() -> (Vec<String>, Finished) {
    let (server, port) = node_server();
    let client = node_client(port);
    assert!(
        client.status.success(),
        "the Node client failed: {client:?}"
    );
    (one_datagram(server), client)
}

#[test]
fn the_node_client_to_our_server_prints_as_the_all_node_pair() {
    let (reference, _) = all_node();
    let (server, port) = our_server();
    let client = node_client(port);
    assert!(client.status.success(), "{client:?}");
    let ours = server.finish();
    assert!(ours.status.success(), "{ours:?}");
    assert_eq!(mask(&ours.out), mask(&reference));
    assert_eq!(
        mask(&reference),
        [
            "{ address: '127.0.0.1', family: 'IPv4', port: P }",
            "<Buffer 68 65 6c 6c 6f>",
            "{ address: '127.0.0.1', family: 'IPv4', port: P, size: 5 }",
        ]
    );
}

#[test]
fn our_client_to_the_node_server_prints_as_the_all_node_pair() {
    let (reference, node_client_run) = all_node();
    let (server, port) = node_server();
    let mut client = Running::bin("udp-client", &["--port", &port.to_string()]);
    client.close_stdin();
    let client = client.finish();
    assert!(client.status.success(), "{client:?}");
    assert_eq!(
        client.out, node_client_run.out,
        "both clients print nothing"
    );
    assert_eq!(mask(&one_datagram(server)), mask(&reference));
}

#[test]
fn our_pair_prints_as_the_all_node_pair() {
    let (reference, _) = all_node();
    let (server, port) = our_server();
    let mut client = Running::bin("udp-client", &["--port", &port.to_string()]);
    client.close_stdin();
    assert!(client.finish().status.success());
    assert_eq!(mask(&server.finish().out), mask(&reference));
}

/// The `Error: ...` line among what Node printed on stderr (an uncaught error prints the
/// source line and a stack around it).
fn error_line(lines: &[String]) -> String {
    lines
        .iter()
        .find(|l| l.starts_with("Error: "))
        .cloned()
        .unwrap_or_else(|| panic!("Node printed no Error line: {lines:?}"))
}

#[test]
fn bind_eaddrinuse_is_worded_as_node_words_it() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut theirs = crate::node("udp-server.js", &[&port, "127.0.0.1"]);
    theirs.close_stdin();
    let theirs = theirs.finish();
    let ours = crate::common::run("udp-server", &["--port", &port]);
    assert_eq!(theirs.status.code(), Some(1));
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(ours.err, [error_line(&theirs.err)]);
}

#[test]
fn emsgsize_is_worded_as_node_words_it() {
    // Node's send callback gets the error; thrown, it is printed as `Error: ` + its message.
    const SEND: &str = "const [family, host, size] = process.argv.slice(1);
        const client = require('dgram').createSocket(family);
        client.send(Buffer.alloc(Number(size)), 9, host, (err) => {
          client.close();
          if (err) { console.error('Error: ' + err.message); process.exitCode = 1; }
        });";
    for (family, host, size) in [
        ("udp4", "127.0.0.1", "65508"),
        ("udp4", "localhost", "65508"),
        ("udp6", "::1", "65528"),
    ] {
        let mut theirs =
            Running::command(crate::peer("node").args(["-e", SEND, family, host, size]));
        theirs.close_stdin();
        let theirs = theirs.finish();
        let message = "a".repeat(size.parse().unwrap());
        let ours = crate::common::run(
            "udp-client",
            &[
                "--host",
                host,
                "--port",
                "9",
                "--message",
                &message,
                "--quiet",
            ],
        );
        assert_eq!(theirs.status.code(), Some(1), "{theirs:?}");
        assert_eq!(ours.status.code(), Some(1));
        assert_eq!(ours.err, theirs.err, "{host}");
    }
    // One byte less goes out, under Node as under us.
    let mut theirs =
        Running::command(crate::peer("node").args(["-e", SEND, "udp6", "::1", "65527"]));
    theirs.close_stdin();
    assert!(theirs.finish().status.success());
}
