//! The notes' section 构建UDP服务: `udp-server` and `udp-client`, run as a user runs them.
//!
//! Servers bind `--port 0`; the real port is read from their first stdout line, the address
//! object `{ address: '127.0.0.1', family: 'IPv4', port: P }`. Where a test needs a peer that
//! is not one of our binaries (to see exactly which bytes arrived, or a peer that never
//! answers), it is a plain `std::net::UdpSocket`.

mod common;

use common::{run, Finished, Running, DEADLINE};
use std::net::UdpSocket;

/// The port in an address or rinfo line: `{ address: '::1', family: 'IPv6', port: 41234 }`.
fn port_of(line: &str) -> u16 {
    let rest = line
        .split_once("port: ")
        .unwrap_or_else(|| panic!("no port in {line:?}"))
        .1;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no port in {line:?}"))
}

/// Starts `udp-server` with `args` (plus `--port 0`) and returns it with its port.
fn server(args: &[&str]) -> (Running, u16) {
    let mut all = vec!["--port", "0"];
    all.extend_from_slice(args);
    let mut server = Running::bin("udp-server", &all);
    let line = server.next_out();
    let port = port_of(&line);
    (server, port)
}

/// The bytes a `<Buffer 68 65 ...>` line shows (its first 50, at most).
fn shown_bytes(line: &str) -> Vec<u8> {
    let inner = line
        .strip_prefix("<Buffer ")
        .and_then(|l| l.strip_suffix('>'))
        .unwrap_or_else(|| panic!("not a Buffer line: {line:?}"));
    inner
        .split(' ')
        .take_while(|h| *h != "...")
        .filter(|h| !h.is_empty())
        .map(|h| u8::from_str_radix(h, 16).unwrap_or_else(|_| panic!("bad hex in {line:?}")))
        .collect()
}

/// A peer socket with the helpers' deadline on its reads.
fn peer(addr: &str) -> UdpSocket {
    let socket = UdpSocket::bind(addr).unwrap();
    socket.set_read_timeout(Some(DEADLINE)).unwrap();
    socket
}

fn assert_exit(finished: &Finished, code: i32) {
    assert_eq!(
        finished.status.code(),
        Some(code),
        "exit status\nstdout: {:?}\nstderr: {:?}",
        finished.out,
        finished.err
    );
}

#[test]
fn server_and_client_print_what_the_node_programs_print() {
    let (server, port) = server(&["--exit-after", "1"]);
    let p = port.to_string();
    let client = run("udp-client", &["--port", &p]);
    assert_exit(&client, 0);
    assert!(
        client.out.is_empty(),
        "the client prints nothing: {client:?}"
    );
    // Its trace: bound to an ephemeral port, one datagram to localhost's IPv4 address, close.
    assert_eq!(client.err.len(), 3, "{:?}", client.err);
    let client_port = port_in_trace(&client.err[0], "[udp] listening 0.0.0.0:");
    assert_eq!(
        client.err[1],
        format!("[udp] send 127.0.0.1:{port} 5 bytes")
    );
    assert_eq!(client.err[2], "[udp] close");

    let server = server.finish();
    assert_exit(&server, 0);
    assert_eq!(
        server.out,
        [
            format!("{{ address: '127.0.0.1', family: 'IPv4', port: {port} }}"),
            "<Buffer 68 65 6c 6c 6f>".to_string(),
            format!("{{ address: '127.0.0.1', family: 'IPv4', port: {client_port}, size: 5 }}"),
        ]
    );
    assert_eq!(
        server.err,
        [
            format!("[udp] listening 127.0.0.1:{port}"),
            format!("[udp] message 127.0.0.1:{client_port} 5 bytes"),
            "[udp] close".to_string(),
        ]
    );
}

/// The port at the end of a trace line that starts with `prefix`.
fn port_in_trace(line: &str, prefix: &str) -> u16 {
    line.strip_prefix(prefix)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("expected {prefix}PORT, got {line:?}"))
}

#[test]
fn count_and_message_send_that_many_whole_datagrams() {
    let (server, port) = server(&["--exit-after", "3", "--quiet"]);
    let client = run(
        "udp-client",
        &[
            "--port",
            &port.to_string(),
            "--count",
            "3",
            "--message",
            "hi",
        ],
    );
    assert_exit(&client, 0);
    let sends = client.err.iter().filter(|l| l.contains(" send ")).count();
    assert_eq!(sends, 3, "{:?}", client.err);

    let server = server.finish();
    assert_exit(&server, 0);
    assert!(server.err.is_empty(), "--quiet: {:?}", server.err);
    assert_eq!(server.out.len(), 1 + 3 * 2, "{:?}", server.out);
    for pair in server.out[1..].chunks(2) {
        assert_eq!(pair[0], "<Buffer 68 69>");
        assert!(pair[1].ends_with(", size: 2 }"), "{pair:?}");
    }
}

#[test]
fn a_bound_port_is_bind_eaddrinuse_and_only_that_line() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let server = run("udp-server", &["--port", &port.to_string()]);
    assert_exit(&server, 1);
    assert!(server.out.is_empty(), "{server:?}");
    assert_eq!(
        server.err,
        [format!("Error: bind EADDRINUSE 127.0.0.1:{port}")]
    );
}

#[test]
fn an_echoed_reply_is_printed_by_the_client_as_a_buffer() {
    let (server, port) = server(&["--echo", "--exit-after", "1"]);
    let client = run(
        "udp-client",
        &[
            "--port",
            &port.to_string(),
            "--message",
            "hi",
            "--wait",
            "10000",
        ],
    );
    assert_exit(&client, 0);
    assert_eq!(client.out, ["<Buffer 68 69>"]);
    assert!(client
        .err
        .contains(&format!("[udp] message 127.0.0.1:{port} 2 bytes")));

    let server = server.finish();
    assert_exit(&server, 0);
    let client_port = port_of(&server.out[2]);
    assert!(server
        .err
        .contains(&format!("[udp] send 127.0.0.1:{client_port} 2 bytes")));
}

#[test]
fn no_reply_is_said_on_stderr_and_exits_1() {
    // A peer that takes the datagram and never answers: UDP tells the sender nothing.
    let silent = peer("127.0.0.1:0");
    let port = silent.local_addr().unwrap().port();
    let client = run(
        "udp-client",
        &["--port", &port.to_string(), "--wait", "100", "--quiet"],
    );
    assert_exit(&client, 1);
    assert!(client.out.is_empty());
    assert_eq!(client.err, ["no reply within 100 ms"]);
    let mut buf = [0u8; 16];
    let (n, _) = silent.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
}

#[test]
fn a_failed_echo_is_traced_and_the_server_goes_on() {
    // Echoes go to port 0 of the sender, which the kernel refuses (EINVAL) every time.
    let (server, port) = server(&["--echo", "--echo-port", "0", "--exit-after", "2"]);
    let client = run("udp-client", &["--port", &port.to_string(), "--count", "2"]);
    assert_exit(&client, 0);

    let server = server.finish();
    assert_exit(&server, 0);
    // Both datagrams were printed: the first failure did not stop the server.
    assert_eq!(server.out.len(), 5, "{:?}", server.out);
    assert_eq!(server.out[1], "<Buffer 68 65 6c 6c 6f>");
    assert_eq!(server.out[3], "<Buffer 68 65 6c 6c 6f>");
    let events: Vec<&str> = server
        .err
        .iter()
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        events,
        ["listening", "message", "error", "message", "error", "close"],
        "{:?}",
        server.err
    );
    for line in server.err.iter().filter(|l| l.starts_with("[udp] error")) {
        assert_eq!(line, "[udp] error send EINVAL 127.0.0.1:0");
    }
}

/// Sends a datagram of `size` patterned bytes from a plain socket at `local` to an echoing
/// `udp-server` on `host`, and checks the echo is the same bytes and the server's lines.
fn round_trip(host: &str, local: &str, size: usize) {
    let (server, port) = server(&["--host", host, "--echo", "--exit-after", "1", "--quiet"]);
    let sent: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let socket = peer(local);
    socket.send_to(&sent, (host, port)).unwrap();
    let mut buf = vec![0u8; 65_536 + 1];
    let (n, from) = socket.recv_from(&mut buf).unwrap();
    assert_eq!(from.port(), port);
    assert_eq!(n, size);
    assert!(buf[..n] == sent[..], "the echo differs from what was sent");

    let server = server.finish();
    assert_exit(&server, 0);
    assert_eq!(server.out.len(), 3, "{:?}", server.out);
    assert_eq!(shown_bytes(&server.out[1]), sent[..50]);
    assert!(server.out[1].ends_with(&format!(" ... {} more bytes>", size - 50)));
    assert!(server.out[2].ends_with(&format!("size: {size} }}")));
}

#[test]
fn the_largest_ipv4_datagram_round_trips_intact() {
    round_trip("127.0.0.1", "127.0.0.1:0", 65_507);
}

#[test]
fn the_largest_ipv6_datagram_round_trips_intact() {
    round_trip("::1", "[::1]:0", 65_527);
}

#[test]
fn our_client_sends_the_largest_datagrams_whole() {
    for (host, local, size) in [
        ("127.0.0.1", "127.0.0.1:0", 65_507),
        ("::1", "[::1]:0", 65_527),
    ] {
        let receiver = peer(local);
        let port = receiver.local_addr().unwrap().port().to_string();
        let message = "a".repeat(size);
        let client = run(
            "udp-client",
            &["--host", host, "--port", &port, "--message", &message],
        );
        assert_exit(&client, 0);
        let mut buf = vec![0u8; 65_536 + 1];
        let (n, _) = receiver.recv_from(&mut buf).unwrap();
        assert_eq!(n, size, "{host}");
        assert!(buf[..n].iter().all(|b| *b == b'a'));
    }
}

#[test]
fn one_byte_more_is_refused_with_nodes_emsgsize() {
    // As Node words it: the host as the program gave it (Node 20 prints `localhost:P` for
    // 'localhost'), IPv6 without brackets.
    for (host, size, shown) in [
        ("127.0.0.1", 65_508, "127.0.0.1"),
        ("localhost", 65_508, "localhost"),
        ("::1", 65_528, "::1"),
        ("[::1]", 65_528, "::1"),
    ] {
        // The port needs no listener: the kernel refuses the datagram before it leaves.
        let message = "a".repeat(size);
        let client = run(
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
        assert_exit(&client, 1);
        assert!(client.out.is_empty());
        assert_eq!(client.err, [format!("Error: send EMSGSIZE {shown}:9")]);
    }
    // With the trace on, the fatal error is still not traced: it is Node's line, last.
    let client = run(
        "udp-client",
        &[
            "--host",
            "127.0.0.1",
            "--port",
            "9",
            "--message",
            &"a".repeat(65_508),
        ],
    );
    assert_exit(&client, 1);
    assert_eq!(
        client.err.last().map(String::as_str),
        Some("Error: send EMSGSIZE 127.0.0.1:9")
    );
    assert!(!client.err.iter().any(|l| l.starts_with("[udp] error")));
}

#[test]
fn an_unresolvable_host_is_getaddrinfo_enotfound() {
    for bin in ["udp-client", "udp-server"] {
        let finished = run(bin, &["--host", "no-such-host.invalid", "--port", "0"]);
        assert_exit(&finished, 1);
        assert!(finished.out.is_empty());
        assert_eq!(
            finished.err,
            ["Error: getaddrinfo ENOTFOUND no-such-host.invalid"]
        );
    }
}

#[test]
fn ipv6_on_loopback_prints_family_ipv6() {
    let (server, port) = server(&["--host", "::1", "--exit-after", "1"]);
    let client = run(
        "udp-client",
        &["--host", "[::1]", "--port", &port.to_string()],
    );
    assert_exit(&client, 0);
    let client_port = port_in_trace(&client.err[0], "[udp] listening [::]:");
    assert_eq!(client.err[1], format!("[udp] send [::1]:{port} 5 bytes"));

    let server = server.finish();
    assert_exit(&server, 0);
    assert_eq!(
        server.out,
        [
            format!("{{ address: '::1', family: 'IPv6', port: {port} }}"),
            "<Buffer 68 65 6c 6c 6f>".to_string(),
            format!("{{ address: '::1', family: 'IPv6', port: {client_port}, size: 5 }}"),
        ]
    );
    assert_eq!(server.err[0], format!("[udp] listening [::1]:{port}"));
    assert_eq!(
        server.err[1],
        format!("[udp] message [::1]:{client_port} 5 bytes")
    );
}

#[test]
fn the_loss_demonstration_reports_what_really_arrived() {
    // Whether anything is lost depends on the kernel's queue and the scheduler; what must
    // hold either way is that the last line counts exactly the datagrams printed.
    let (server, port) = server(&["--slow", "1", "--quiet"]);
    let client = run(
        "udp-client",
        &[
            "--port",
            &port.to_string(),
            "--seq",
            "--count",
            "50",
            "--quiet",
        ],
    );
    assert_exit(&client, 0);

    let server = server.finish();
    assert_exit(&server, 0);
    let (summary, messages) = server.out[1..].split_last().expect("a summary line");
    assert_eq!(messages.len() % 2, 0, "{:?}", server.out);
    let mut seen = Vec::new();
    for pair in messages.chunks(2) {
        let text = String::from_utf8(shown_bytes(&pair[0])).unwrap();
        let (i, n) = text
            .strip_prefix("seq ")
            .and_then(|t| t.split_once('/'))
            .unwrap_or_else(|| panic!("not a seq payload: {text:?}"));
        assert_eq!(n, "50");
        seen.push(i.parse::<u32>().unwrap());
        assert!(pair[1].ends_with(&format!("size: {} }}", text.len())));
    }
    let received = seen.len();
    assert!((1..=50).contains(&received));
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), received, "each datagram once");
    assert_eq!(
        summary,
        &format!(
            "received {received} of 50 datagrams ({} lost)",
            50 - received
        )
    );
}

#[test]
fn exit_after_ends_the_demonstration_too() {
    let (server, port) = server(&["--exit-after", "2", "--quiet"]);
    let client = run(
        "udp-client",
        &[
            "--port",
            &port.to_string(),
            "--seq",
            "--count",
            "2",
            "--quiet",
        ],
    );
    assert_exit(&client, 0);
    let server = server.finish();
    assert_exit(&server, 0);
    assert_eq!(server.out[1], "<Buffer 73 65 71 20 31 2f 32>"); // "seq 1/2"
    assert_eq!(server.out[3], "<Buffer 73 65 71 20 32 2f 32>");
    assert_eq!(server.out[5], "received 2 of 2 datagrams (0 lost)");
}

#[test]
fn a_sequence_the_tally_cannot_count_is_traced_not_kept() {
    let (mut server, port) = server(&["--exit-after", "4"]);
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let from = socket.local_addr().unwrap();
    for payload in ["seq 1/1000000000000", "seq 9/5", "seq 1/2", "seq 2/3"] {
        socket
            .send_to(payload.as_bytes(), ("127.0.0.1", port))
            .unwrap();
    }
    for reason in [
        "seq 1/1000000000000: N over the 1000000 counted",
        "seq 9/5: outside 1..=5",
        "seq 2/3: another run's N (this run's is 2)",
    ] {
        let want = format!("[udp] uncounted {from} {reason}");
        assert_eq!(server.wait_err(|l| l.starts_with("[udp] uncounted ")), want);
    }
    let server = server.finish();
    assert_exit(&server, 0);
    assert_eq!(
        server.out.last().map(String::as_str),
        Some("received 1 of 2 datagrams (1 lost)")
    );
}

#[test]
fn bad_command_lines_exit_2_with_nothing_on_stdout() {
    for (bin, args) in [
        ("udp-server", &["--exit-after", "0"][..]),
        ("udp-server", &["--slow", "soon"]),
        ("udp-server", &["--echo-port", "65536"]),
        ("udp-client", &["--message="]),
        ("udp-client", &["--count", "0"]),
        ("udp-client", &["--wait"]),
    ] {
        let finished = run(bin, args);
        assert_exit(&finished, 2);
        assert!(finished.out.is_empty(), "{bin} {args:?}");
        assert!(finished.err[0].starts_with("error: "), "{:?}", finished.err);
        assert!(finished.err[1].starts_with(&format!("usage: {bin}")));
    }
}

#[test]
fn help_lists_every_flag() {
    let server = run("udp-server", &["--help"]);
    assert_exit(&server, 0);
    let help = server.out.join("\n");
    for flag in [
        "--host",
        "--port",
        "--quiet",
        "--exit-after",
        "--echo",
        "--slow",
        "--idle",
        "(default 41234)",
    ] {
        assert!(help.contains(flag), "udp-server --help lacks {flag}");
    }
    let client = run("udp-client", &["--help"]);
    assert_exit(&client, 0);
    let help = client.out.join("\n");
    for flag in [
        "--message",
        "--count",
        "--seq",
        "--wait",
        "(default localhost)",
        "(default 41234)",
    ] {
        assert!(help.contains(flag), "udp-client --help lacks {flag}");
    }
}
