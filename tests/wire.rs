//! The wire view (`--wire`) on the real binaries: each shows the bytes it read and wrote, and
//! what they mean, on stderr — and stdout stays byte for byte what it is without the flag.
//! Output to a pipe (as here) carries no colour codes.

mod common;

use common::{run, server, Finished, Running};
use std::io::{Read, Write};
use std::net::TcpStream;

fn stderr(finished: &Finished) -> String {
    finished.err.join("\n")
}

fn assert_has(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(!text.contains('\x1b'), "colour codes in a pipe:\n{text}");
}

#[test]
fn tcp_shows_the_bytes_both_ways_and_the_fins() {
    let (_server, port) = server("tcp-server", &["--quiet"]);
    let port = port.to_string();
    let plain = run("tcp-client", &["--port", &port, "--quiet"]);
    let wired = run("tcp-client", &["--port", &port, "--quiet", "--wire"]);
    assert_eq!(wired.out, plain.out, "stdout does not change");
    let err = stderr(&wired);
    assert_has(
        &err,
        &[
            &format!("[wire] 127.0.0.1:{port} -> 5 bytes at "),
            "  0000  68 65 6c 6c 6f                                   hello",
            &format!("[wire] 127.0.0.1:{port} <- 5 bytes at "),
            "FIN: no more bytes this way",
        ],
    );
    // In time order: our write, their reply, our FIN.
    let out = err.find(" -> 5 bytes").unwrap();
    let back = err.find(" <- 5 bytes").unwrap();
    assert!(out < back, "{err}");
}

#[test]
fn long_chunks_are_cut_at_wire_bytes() {
    let (_server, port) = server("tcp-server", &["--quiet"]);
    let message = "x".repeat(40);
    let wired = run(
        "tcp-client",
        &[
            "--port",
            &port.to_string(),
            "--quiet",
            "--wire",
            "--wire-bytes",
            "16",
            "--message",
            &message,
        ],
    );
    assert_has(
        &stderr(&wired),
        &[
            "-> 40 bytes",
            "  0000  78 78 78",
            "  ... 24 more bytes not shown (--wire-bytes)",
        ],
    );
}

#[test]
fn http_heads_are_annotated_line_by_line_with_the_framing_and_the_chunks() {
    let (mut server, port) = server("http-server", &["--quiet", "--wire"]);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404 Not Found"));
    for line in [
        "request line: method GET, target /x, version HTTP/1.1",
        "field: name Host, value a",
        "field: name Connection, value close",
        "end of head",
        "no body",
        "status line: version HTTP/1.1, status 404, reason Not Found",
        "field: name Transfer-Encoding, value chunked",
        "body: chunked",
        "chunk 0xa = 10 bytes",
        "chunk data: 10 bytes",
        "last chunk",
        "end of body",
    ] {
        let got = server.wait_err(|l| l.trim() == line);
        assert_eq!(got.trim(), line);
    }
}

#[test]
fn field_values_are_shown_with_their_control_characters_escaped() {
    let (mut server, port) = server("http-server", &["--quiet", "--wire"]);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // 0x9b is obs-text to HTTP, read as Latin-1 U+009B: a C1 control, CSI, to a terminal.
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: a\r\nX-Paint: \x9b2J\x9b31m\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let line = server.wait_err(|l| l.contains("field: name X-Paint"));
    assert_eq!(line.trim(), r"field: name X-Paint, value \u{9b}2J\u{9b}31m");
}

#[test]
fn http_client_s_stdout_is_the_same_with_the_wire_view() {
    let (_server, port) = server("http-server", &["--quiet"]);
    let port = port.to_string();
    let mask_date = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .map(|l| match l.find("\"date\":\"") {
                Some(i) => format!("{}DATE{}", &l[..i], &l[i + 37..]),
                None => l,
            })
            .collect()
    };
    let plain = run("http-client", &["--port", &port, "--quiet"]);
    let wired = run("http-client", &["--port", &port, "--quiet", "--wire"]);
    assert_eq!(mask_date(wired.out.clone()), mask_date(plain.out));
    assert_has(
        &stderr(&wired),
        &[
            "request line: method GET, target /, version HTTP/1.1",
            "status line: version HTTP/1.1, status 200, reason OK",
            "chunk 0xc = 12 bytes",
        ],
    );
}

#[test]
fn websocket_frames_are_taken_apart_field_by_field() {
    let (_server, port) = server("ws-server", &["--quiet"]);
    let url = format!("ws://127.0.0.1:{port}/updates");
    let plain = run("ws-client", &["--url", &url, "--quiet"]);
    let wired = run("ws-client", &["--url", &url, "--quiet", "--wire"]);
    assert_eq!(wired.out, plain.out);
    assert_has(
        &stderr(&wired),
        &[
            "no body: asks to switch to WebSocket; frames follow if answered 101",
            "status line: version HTTP/1.1, status 101, reason Switching Protocols",
            "switching protocols: WebSocket frames follow",
            "frame: FIN 1, RSV1 0, RSV2 0, RSV3 0, opcode 0x1 (text), MASK 1",
            "payload length: 5 (7-bit form)",
            "masking key: ",
            "payload as sent (masked): ",
            "payload unmasked: 68 65 6c 6c 6f",
            "text: \"hello\"",
            "frame: FIN 1, RSV1 0, RSV2 0, RSV3 0, opcode 0x1 (text), MASK 0",
            "close code: 1000 (normal closure)",
        ],
    );
}

#[test]
fn each_datagram_is_one_block_with_its_rinfo() {
    let mut server = Running::bin(
        "udp-server",
        &["--port", "0", "--quiet", "--wire", "--exit-after", "1"],
    );
    let port = server.listening_port();
    let client = run(
        "udp-client",
        &["--port", &port.to_string(), "--quiet", "--wire"],
    );
    assert_has(
        &stderr(&client),
        &[
            &format!("[wire] 127.0.0.1:{port} -> 5 bytes at "),
            "datagram: one whole message; UDP never splits or joins them",
        ],
    );
    let line = server.wait_err(|l| l.contains("datagram, whole: rinfo"));
    assert!(
        line.contains("family: 'IPv4'") && line.ends_with("size: 5 }"),
        "{line}"
    );
    let finished = server.finish();
    assert_eq!(finished.out.len(), 3, "stdout is still Node's three lines");
}

#[test]
fn nagle_shows_both_timelines_side_by_side() {
    let wired = run(
        "nagle",
        &["--rounds", "3", "--writes", "10", "--quiet", "--wire"],
    );
    assert!(wired.status.success());
    let err = stderr(&wired);
    assert_has(
        &err,
        &[
            "[wire] write-write-read, round by round",
            "nodelay off (Nagle on)",
            "| nodelay on",
            "-> 5 bytes \"head \"",
            "2 writes, ",
        ],
    );
    assert_eq!(err.matches("round 3").count(), 2, "{err}");
}

/// After a frame too long for one small read, ws-server reads the next frame's header and
/// payload together: each of the later frames is one block in its wire view, taken apart whole.
#[test]
fn a_long_websocket_frame_after_another_is_one_read() {
    let mut server = Running::bin(
        "ws-server",
        &["--port", "0", "--quiet", "--wire", "--exit-after", "1"],
    );
    let port = server.listening_port();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .unwrap();
    common::read_head(&mut stream);
    // 2,000 bytes under a zero masking key, which leaves them as they are: 8 bytes of header.
    let mut frame = vec![0x82, 0x80 | 126, 0x07, 0xD0, 0, 0, 0, 0];
    frame.extend([b'x'; 2000]);
    for _ in 0..3 {
        stream.write_all(&frame).unwrap();
        let mut echo = [0u8; 4 + 2000];
        stream.read_exact(&mut echo).unwrap();
        assert_eq!(echo[..4], [0x82, 126, 0x07, 0xD0]);
    }
    stream
        .write_all(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
        .unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    let err = stderr(&server.finish());
    // The first frame comes in two reads (its header with the first kilobyte, then the rest).
    assert_eq!(err.matches("<- 2008 bytes").count(), 2, "{err}");
    assert_eq!(
        err.matches("payload length: 2000 (16-bit form").count(),
        6,
        "{err}"
    );
}
