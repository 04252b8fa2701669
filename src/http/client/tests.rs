//! The HTTP client's own rules: errors in Node's words, the Host field, the queue's timeout,
//! addresses given by the caller, the UTF-8 decoder, which methods are retried.

use super::*;

#[test]
fn a_request_queued_behind_busy_sockets_times_out_in_node_s_words() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let agent = Agent::new(1);
    let _busy = agent.acquire("127.0.0.1", port).unwrap();
    let mut options = RequestOptions::new("127.0.0.1", port);
    options.agent = Some(agent.clone());
    options.timeout = Duration::from_millis(100);
    let started = Instant::now();
    let err = request(options).expect_err("no socket for the request");
    assert_eq!(err, ClientError::Timeout);
    assert_eq!(err.to_string(), "socket hang up");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(agent.requests(), []);
}

#[test]
fn addresses_resolved_by_the_caller_are_connected_to_without_a_second_lookup() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    // A name no resolver answers: only the addresses given can be reached.
    for agent in [None, Some(Agent::new(1))] {
        let mut options = RequestOptions::new("unresolvable.invalid", at.port());
        options.agent = agent.clone();
        let err = request(options).expect_err("the name is looked up");
        assert_eq!(
            err.to_string(),
            "getaddrinfo ENOTFOUND unresolvable.invalid"
        );
    }
    let mut options = RequestOptions::new("unresolvable.invalid", at.port());
    options.resolved = Some(vec![at]);
    options.agent = Some(Agent::new(1));
    let mut req = request(options).unwrap();
    req.end(b"").unwrap();
    let answer = loop {
        if let ClientRequestEvent::Response(answer) = req.next_event().unwrap() {
            break answer;
        }
    };
    assert_eq!(answer.status_code(), 204);
    let head = server.join().unwrap();
    let host = format!("\r\nHost: unresolvable.invalid:{}\r\n", at.port());
    assert!(head.contains(&host), "{head}");
}

#[test]
fn a_request_s_head_cannot_change_once_it_has_gone() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut req = request(RequestOptions::new("127.0.0.1", port)).unwrap();
    req.set_header("X-Before", "1").unwrap();
    req.write(b"x").unwrap(); // the head goes with the first body bytes
    let err = req.set_header("X-After", "1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot set headers after they are sent to the client"
    );
    assert_eq!(err.code(), Some("ERR_HTTP_HEADERS_SENT"));
}

#[test]
fn errors_read_as_node_s_messages() {
    assert_eq!(ClientError::HangUp.to_string(), "socket hang up");
    assert_eq!(ClientError::Timeout.to_string(), "socket hang up");
    assert_eq!(ClientError::Aborted.to_string(), "aborted");
    assert_eq!(
        ClientError::Parse(ParseError::ExpectedHttp).to_string(),
        "Parse Error: Expected HTTP/, RTSP/ or ICE/"
    );
    assert_eq!(
        ClientError::Parse(ParseError::ContentLengthWithTransferEncoding).to_string(),
        "Parse Error: Transfer-Encoding can't be present with Content-Length"
    );
}

#[test]
fn host_fields_as_node_sends_them() {
    let host = |h: &str, p: u16| RequestOptions::new(h, p).host_field();
    assert_eq!(host("localhost", 1337), "localhost:1337");
    assert_eq!(host("example.com", 80), "example.com");
    assert_eq!(host("::1", 1337), "[::1]:1337");
    assert_eq!(host("[::1]", 80), "[::1]");
}

#[test]
fn utf8_split_anywhere_decodes_the_same() {
    let text = "héllo, 世界 🦀!";
    let bytes = text.as_bytes();
    for cut in 0..=bytes.len() {
        let mut decoder = Utf8Decoder::default();
        let mut out = decoder.write(&bytes[..cut]);
        out.push_str(&decoder.write(&bytes[cut..]));
        out.push_str(&decoder.end());
        assert_eq!(out, text, "cut at {cut}");
    }
    let mut decoder = Utf8Decoder::default();
    assert_eq!(decoder.write(b"a\xffb\xe2\x28"), "a\u{FFFD}b\u{FFFD}(");
    assert_eq!(decoder.end(), "");
}

#[test]
fn idempotent_methods_are_rfc_9110_s() {
    assert!(idempotent("GET") && idempotent("PUT") && idempotent("DELETE"));
    assert!(!idempotent("POST") && !idempotent("PATCH") && !idempotent("CONNECT"));
}
