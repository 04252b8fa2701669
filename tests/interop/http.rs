//! Our `http-server` against HTTP clients nobody here wrote — curl, Python's `http.client`,
//! Node's `http.request` — and a hostile corpus of raw requests sent both to it and to Node's
//! hello server (`node/http-server.js`), whose answers must agree except where the corpus says
//! why not (`http_corpus.rs`).
//!
//! Every server listens on `--port 0`. Every wait has a deadline that only a broken server
//! reaches; no test sleeps and hopes. Whether a connection is still open is decided by sending
//! one more request on it and seeing it answered, never by waiting for silence.

#[path = "http_corpus.rs"]
mod corpus;

use crate::common::{Running, DEADLINE};
use crate::{node, node_script, peer};
use corpus::{Answer, Case};
use netnotes::timeout::is_timeout;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

// ───────────────────────────── servers and peers ─────────────────────────────

/// Starts our `http-server` on a free port (the trace on, unless `args` says `--quiet`).
fn ours(args: &[&str]) -> (Running, u16) {
    let mut all = vec!["--port", "0"];
    all.extend_from_slice(args);
    let mut server = Running::bin("http-server", &all);
    let port = server.listening_port();
    (server, port)
}

/// Starts Node's hello server (the book's program) on a free port.
fn nodes() -> (Running, u16) {
    let mut server = node("http-server.js", &["0"]);
    let port = server.listening_port();
    (server, port)
}

/// What a peer program did, byte for byte.
#[derive(Debug)]
struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Output {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The stderr lines, without the CR that curl leaves on the header lines it shows.
    fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .collect()
    }
}

/// Runs a peer to its end (within [`DEADLINE`]) and keeps its output whole.
fn capture(command: &mut Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the peer starts");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not exit within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// `curl -sS ARGS` (with a time limit of its own, should the server hang).
fn curl(args: &[&str]) -> Output {
    let output = capture(peer("curl").args(["-sS", "--max-time", "15"]).args(args));
    assert!(output.status.success(), "curl {args:?} failed: {output:?}");
    output
}

/// `python3 python/http_client.py PORT SCENARIO`: its stdout.
fn python(port: u16, scenario: &str) -> String {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/python/http_client.py");
    let output = capture(
        peer("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(scenario),
    );
    assert!(output.status.success(), "python {scenario}: {output:?}");
    output.stdout()
}

/// The book's client (`node/http-client.js`) against `127.0.0.1:port/`: its stdout.
fn node_client(port: u16) -> String {
    let output = capture(peer("node").arg(node_script("http-client.js")).args([
        "127.0.0.1",
        &port.to_string(),
        "/",
    ]));
    assert!(output.status.success(), "node http-client.js: {output:?}");
    output.stdout()
}

/// A file under cargo's scratch directory for the tests, unique to this process and `name`.
fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("http-{}-{name}", std::process::id()))
}

/// `n` bytes that are not all alike, so a dropped or reordered piece shows.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Whether `s` is an IMF-fixdate: `Mon, 30 Nov 2026 04:47:50 GMT`.
fn is_imf_fixdate(s: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 29
        && DAYS.contains(&&s[..3])
        && &s[3..5] == ", "
        && digits(5..7)
        && b[7] == b' '
        && MONTHS.contains(&&s[8..11])
        && b[11] == b' '
        && digits(12..16)
        && b[16] == b' '
        && digits(17..19)
        && b[19] == b':'
        && digits(20..22)
        && b[22] == b':'
        && digits(23..25)
        && &s[25..] == " GMT"
}

/// Replaces each date a server sent — `Date: ...` in a head as curl and Python show it,
/// `"date":"..."` in the JSON the book's client prints — with `DATE`, after checking that it
/// is an IMF-fixdate.
fn mask_dates(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let found = [("Date: ", "\r\n"), ("\"date\":\"", "\"")]
            .iter()
            .filter_map(|&(open, close)| rest.find(open).map(|at| (at, open, close)))
            .min();
        let Some((at, open, close)) = found else {
            out.push_str(rest);
            return out;
        };
        let value_start = at + open.len();
        let value_len = rest[value_start..]
            .find(close)
            .or_else(|| rest[value_start..].find('\n'))
            .unwrap_or(rest.len() - value_start);
        let value = &rest[value_start..value_start + value_len];
        assert!(is_imf_fixdate(value), "not an IMF-fixdate: {value:?}");
        out.push_str(&rest[..value_start]);
        out.push_str("DATE");
        rest = &rest[value_start + value_len..];
    }
}

// ───────────────────────────────────── curl ─────────────────────────────────────

/// What `curl -i` shows for the hello answer, the date masked: Node's fields, Node's order.
const HELLO_INCLUDED: &str = "HTTP/1.1 200 OK\r\n\
    Content-Type: text/plain\r\n\
    Date: DATE\r\n\
    Connection: keep-alive\r\n\
    Keep-Alive: timeout=5\r\n\
    Transfer-Encoding: chunked\r\n\
    \r\n\
    Hello World\n";

#[test]
fn curl_gets_the_hello_answer_with_node_s_fields_in_node_s_order() {
    let (_server, port) = ours(&["--quiet"]);
    let (_node, node_port) = nodes();
    let url = |port: u16| format!("http://127.0.0.1:{port}/");
    let ours = curl(&["-i", &url(port)]).stdout();
    assert_eq!(mask_dates(&ours), HELLO_INCLUDED);
    let theirs = curl(&["-i", &url(node_port)]).stdout();
    assert_eq!(mask_dates(&ours), mask_dates(&theirs));
}

#[test]
fn curl_verbose_shows_the_request_line_and_the_status_line() {
    let (_server, port) = ours(&["--quiet"]);
    let out = curl(&["-v", &format!("http://127.0.0.1:{port}/")]);
    let lines = out.stderr_lines();
    assert!(lines.contains(&"> GET / HTTP/1.1"), "{}", out.stderr);
    assert!(
        lines.contains(&format!("> Host: 127.0.0.1:{port}").as_str()),
        "{}",
        out.stderr
    );
    assert!(lines.contains(&"< HTTP/1.1 200 OK"), "{}", out.stderr);
    assert!(
        lines.contains(&"< Transfer-Encoding: chunked"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout(), "Hello World\n");
}

#[test]
fn curl_http10_gets_the_body_whole_and_a_close_without_chunks() {
    let (_server, port) = ours(&["--quiet"]);
    let (_node, node_port) = nodes();
    let get = |port: u16| {
        let out = curl(&["-i", "--http1.0", &format!("http://127.0.0.1:{port}/")]);
        mask_dates(&out.stdout())
    };
    // An HTTP/1.0 client cannot read chunks, and asked for no keep-alive: the body runs to
    // the close, which `Connection: close` announces.
    let expected = "HTTP/1.1 200 OK\r\n\
        Content-Type: text/plain\r\n\
        Date: DATE\r\n\
        Connection: close\r\n\
        \r\n\
        Hello World\n";
    assert_eq!(get(port), expected);
    assert_eq!(get(node_port), expected);
}

#[test]
fn curl_chunked_upload_is_echoed_byte_for_byte() {
    let (_server, port) = ours(&["--quiet"]);
    let upload = scratch("chunked-upload");
    let echoed = scratch("chunked-echoed");
    let body = pattern(300_000);
    std::fs::write(&upload, &body).expect("write the upload");
    let out = curl(&[
        "-v",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        &format!("@{}", upload.display()),
        "-o",
        &echoed.display().to_string(),
        &format!("http://127.0.0.1:{port}/echo"),
    ]);
    let lines = out.stderr_lines();
    assert!(lines.contains(&"> POST /echo HTTP/1.1"), "{}", out.stderr);
    assert!(
        lines.contains(&"> Transfer-Encoding: chunked"),
        "{}",
        out.stderr
    );
    assert!(!lines.iter().any(|l| l.starts_with("> Content-Length")));
    let back = std::fs::read(&echoed).expect("curl wrote the answer");
    let _ = std::fs::remove_file(&upload);
    let _ = std::fs::remove_file(&echoed);
    assert!(
        back == body,
        "echoed {} bytes of {}",
        back.len(),
        body.len()
    );
}

#[test]
fn curl_expect_100_continue_gets_100_then_its_body_echoed() {
    let (mut server, port) = ours(&[]);
    let upload = scratch("expect-upload");
    let echoed = scratch("expect-echoed");
    let body = pattern(200_000);
    std::fs::write(&upload, &body).expect("write the upload");
    let out = curl(&[
        "-v",
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        &format!("@{}", upload.display()),
        "-o",
        &echoed.display().to_string(),
        &format!("http://127.0.0.1:{port}/echo"),
    ]);
    let lines = out.stderr_lines();
    assert!(lines.contains(&"> Expect: 100-continue"), "{}", out.stderr);
    // curl shows the interim answer only if it came; then it sends the body.
    let interim = lines.iter().position(|l| *l == "< HTTP/1.1 100 Continue");
    let last = lines.iter().position(|l| *l == "< HTTP/1.1 200 OK");
    assert!(
        matches!((interim, last), (Some(i), Some(l)) if i < l),
        "{}",
        out.stderr
    );
    let back = std::fs::read(&echoed).expect("curl wrote the answer");
    let _ = std::fs::remove_file(&upload);
    let _ = std::fs::remove_file(&echoed);
    assert!(
        back == body,
        "echoed {} bytes of {}",
        back.len(),
        body.len()
    );
    // Node's event for such a request is checkContinue, and the trace names it.
    server.wait_err(|l| l.starts_with("[http] checkContinue ") && l.ends_with(" POST /echo"));
}

#[test]
fn curl_reuses_one_connection_for_two_urls() {
    // --exit-after 2: after the second answer the server closes and exits, so its whole
    // trace can be read.
    let (server, port) = ours(&["--exit-after", "2"]);
    let url = format!("http://127.0.0.1:{port}/");
    let out = curl(&["-v", &url, &url]);
    assert_eq!(out.stdout(), "Hello World\nHello World\n");
    assert!(
        out.stderr_lines()
            .iter()
            .any(|l| l.contains("Re-using existing connection")),
        "{}",
        out.stderr
    );
    let server = server.finish();
    assert!(server.status.success(), "{server:?}");
    let count = |event: &str| {
        let prefix = format!("[http] {event} ");
        server.err.iter().filter(|l| l.starts_with(&prefix)).count()
    };
    assert_eq!(
        (count("connection"), count("request")),
        (1, 2),
        "{:?}",
        server.err
    );
}

#[test]
fn curl_head_gets_the_fields_and_no_body() {
    let (_server, port) = ours(&["--quiet"]);
    let (_node, node_port) = nodes();
    let head =
        |port: u16| mask_dates(&curl(&["-I", &format!("http://127.0.0.1:{port}/")]).stdout());
    // No body, so no Transfer-Encoding either: Node leaves it out of a HEAD answer.
    let expected = "HTTP/1.1 200 OK\r\n\
        Content-Type: text/plain\r\n\
        Date: DATE\r\n\
        Connection: keep-alive\r\n\
        Keep-Alive: timeout=5\r\n\
        \r\n";
    assert_eq!(head(port), expected);
    assert_eq!(head(node_port), expected);
}

// ────────────────────────────── Python's http.client ──────────────────────────────

#[test]
fn python_get_reads_the_hello_answer() {
    let (_server, port) = ours(&["--quiet"]);
    assert_eq!(
        python(port, "get"),
        "version: 11\n\
         status: 200 OK\n\
         header: Content-Type: text/plain\n\
         header: Date: DATE\n\
         header: Connection: keep-alive\n\
         header: Keep-Alive: timeout=5\n\
         header: Transfer-Encoding: chunked\n\
         body: b'Hello World\\n'\n\
         will_close: False\n"
    );
}

#[test]
fn python_head_gets_no_body() {
    let (_server, port) = ours(&["--quiet"]);
    assert_eq!(
        python(port, "head"),
        "version: 11\n\
         status: 200 OK\n\
         header: Content-Type: text/plain\n\
         header: Date: DATE\n\
         header: Connection: keep-alive\n\
         header: Keep-Alive: timeout=5\n\
         body: b''\n"
    );
}

#[test]
fn python_post_with_content_length_is_echoed() {
    let (_server, port) = ours(&["--quiet"]);
    assert_eq!(
        python(port, "post-length"),
        "status: 200\n\
         content-type: application/x-test\n\
         transfer-encoding: chunked\n\
         echoed: 200000 bytes, equal: True\n"
    );
}

#[test]
fn python_chunked_post_is_echoed() {
    let (_server, port) = ours(&["--quiet"]);
    assert_eq!(
        python(port, "post-chunked"),
        "status: 200\n\
         echoed: 75004 bytes, equal: True\n"
    );
}

#[test]
fn python_sends_two_requests_on_one_connection() {
    let (server, port) = ours(&["--exit-after", "2"]);
    assert_eq!(
        python(port, "two-requests"),
        "first: 200 b'Hello World\\n'\n\
         second: 200 b'second'\n\
         same connection: True\n"
    );
    let server = server.finish();
    let connections = server
        .err
        .iter()
        .filter(|l| l.starts_with("[http] connection "))
        .count();
    assert_eq!(connections, 1, "{:?}", server.err);
}

#[test]
fn python_http10_gets_a_close_and_no_chunks() {
    let (_server, port) = ours(&["--quiet"]);
    assert_eq!(
        python(port, "http10"),
        "version: 11\n\
         status: 200 OK\n\
         header: Content-Type: text/plain\n\
         header: Date: DATE\n\
         header: Connection: close\n\
         body: b'Hello World\\n'\n\
         will_close: True\n"
    );
}

// ──────────────────────────────── Node's http client ────────────────────────────────

#[test]
fn node_client_prints_the_same_against_our_server_and_node_s() {
    let (_server, port) = ours(&["--quiet"]);
    let (_node, node_port) = nodes();
    let against_ours = mask_dates(&node_client(port));
    let against_node = mask_dates(&node_client(node_port));
    assert_eq!(
        against_node,
        "STATUS: 200\n\
         HEADERS: {\"content-type\":\"text/plain\",\"date\":\"DATE\",\"connection\":\"keep-alive\",\
         \"keep-alive\":\"timeout=5\",\"transfer-encoding\":\"chunked\"}\n\
         Hello World\n\
         \n"
    );
    assert_eq!(against_ours, against_node);
}

// ─────────────────────────────── the hostile corpus ───────────────────────────────

/// How long one exchange of the corpus may wait for an answer or a close: only reached when
/// a server answers other than the table says.
const ANSWER_DEADLINE: Duration = Duration::from_secs(5);

/// The request that asks whether a connection is still open: answered `200` if it is. It
/// says `close`, so the server ends the connection after it, and reading to the end is bounded.
const PROBE: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

/// The status codes in `bytes`, one per `HTTP/1.1 ` status line.
fn statuses(bytes: &[u8]) -> Vec<u16> {
    let marker = b"HTTP/1.1 ";
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(marker.len()).position(|w| w == marker) {
        let code = &bytes[at + i + marker.len()..];
        let code = code.get(..3).and_then(|c| std::str::from_utf8(c).ok());
        found.push(code.and_then(|c| c.parse().ok()).unwrap_or(0));
        at += i + marker.len();
    }
    found
}

/// How many whole answers `bytes` holds. Every answer in the corpus ends in an empty line
/// (the hello answer's last chunk `0\r\n\r\n`, or a head without a body), so the last one is
/// whole when the bytes end in CRLF CRLF.
fn whole_answers(bytes: &[u8]) -> usize {
    let n = statuses(bytes).len();
    if bytes.ends_with(b"\r\n\r\n") {
        n
    } else {
        n.saturating_sub(1)
    }
}

/// Reads until `enough` says so (`false`), or the server closes (`true`), or the deadline.
fn read_answers(stream: &mut TcpStream, enough: impl Fn(&[u8]) -> bool) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + ANSWER_DEADLINE;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if enough(&got) {
            return (got, false);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (got, false);
        }
        stream
            .set_read_timeout(Some(left))
            .expect("set a read timeout");
        match stream.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return (got, false),
            // A reset: the server closed with bytes of ours unread (a 431 or 413 before the
            // rest of the request). What came before the reset was read first.
            Err(_) => return (got, true),
        }
    }
}

/// Sends one case on a fresh connection and reads what `expected` says should come: the
/// answers, then either the close or — if the connection should still be open — the answer to
/// [`PROBE`]. Returns the answer seen and, for a failure message, the bytes received.
fn exchange(port: u16, bytes: &[u8], expected: &Answer) -> (Answer, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    stream
        .set_write_timeout(Some(ANSWER_DEADLINE))
        .expect("set a write timeout");
    // The server may answer and close before it has read everything (a 431, a 413): then the
    // write fails, and what was answered is still to be read.
    let _ = stream.write_all(bytes);
    let wanted = expected.statuses.len();
    let (first, closed) = read_answers(&mut stream, |got| {
        expected.open && whole_answers(got) >= wanted
    });
    let mut seen = statuses(&first);
    let mut transcript = String::from_utf8_lossy(&first).into_owned();
    if closed {
        return (
            Answer {
                statuses: seen,
                open: false,
            },
            transcript,
        );
    }
    if !expected.open {
        transcript.push_str(&format!("[no close within {ANSWER_DEADLINE:?}]"));
        return (
            Answer {
                statuses: seen,
                open: true,
            },
            transcript,
        );
    }
    // Still open, as expected: is it usable? A further request must be answered.
    let _ = stream.write_all(PROBE);
    let (after, closed) = read_answers(&mut stream, |_| false);
    transcript.push_str("[probe]");
    transcript.push_str(&String::from_utf8_lossy(&after));
    let mut later = statuses(&after);
    let open = closed && later.last() == Some(&200);
    if open {
        later.pop(); // the probe's own answer
    }
    if !closed {
        transcript.push_str(&format!(
            "[no answer to the probe within {ANSWER_DEADLINE:?}]"
        ));
    }
    seen.extend(later);
    (
        Answer {
            statuses: seen,
            open,
        },
        transcript,
    )
}

/// Bytes as a Rust byte string would show them, cut short past `max` bytes.
fn escaped(bytes: &[u8], max: usize) -> String {
    let shown: String = bytes[..bytes.len().min(max)]
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if bytes.len() > max {
        format!("{shown}... ({} bytes)", bytes.len())
    } else {
        shown
    }
}

/// Runs the whole corpus against one server; every answer that is not the table's is listed.
fn run_corpus(port: u16, expected: impl Fn(&Case) -> &Answer) -> Vec<String> {
    let mut wrong = Vec::new();
    for case in corpus::corpus() {
        let want = expected(&case);
        let (got, transcript) = exchange(port, &case.bytes, want);
        if &got != want {
            let why = case
                .node
                .as_ref()
                .map(|(_, why)| format!("\n  (a known difference: {why})"))
                .unwrap_or_default();
            wrong.push(format!(
                "{}\n  sent     b\"{}\"\n  expected {want:?}\n  got      {got:?}\n  received {:?}{why}",
                case.name,
                escaped(&case.bytes, 300),
                transcript.chars().take(600).collect::<String>(),
            ));
        }
    }
    wrong
}

#[test]
fn the_corpus_has_a_row_for_every_rule() {
    let cases = corpus::corpus();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two rows share a name");
    // Every known difference really differs, or the row should be a `same` one.
    for case in &cases {
        if let Some((node, _)) = &case.node {
            assert_ne!(node, &case.ours, "{}", case.name);
        }
    }
}

#[test]
fn the_corpus_gets_the_table_s_answers_from_our_server() {
    let (_server, port) = ours(&["--quiet"]);
    let wrong = run_corpus(port, |case| &case.ours);
    assert!(
        wrong.is_empty(),
        "{} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_corpus_gets_the_table_s_answers_from_node_s_server() {
    let (_node, port) = nodes();
    let wrong = run_corpus(port, Case::node_answer);
    assert!(
        wrong.is_empty(),
        "{} of Node's answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// ─────────────────────────────────── a slow client ───────────────────────────────────

#[test]
fn a_head_sent_a_byte_at_a_time_gets_408_while_another_client_is_served() {
    let (mut server, port) = ours(&["--headers-timeout", "300"]);
    // 62 bytes at one every 50 ms would take three seconds: ten times the headers timeout.
    let head: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: one byte every 50 ms\r\n\r\n";
    let slow = thread::spawn(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        // The read timeout paces the bytes: each read waits 50 ms for an answer, then the
        // next byte goes.
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("set a read timeout");
        let start = Instant::now();
        let mut got = Vec::new();
        let mut sent = 0;
        let mut closed = false;
        let mut buf = [0u8; 1024];
        for &byte in head {
            if stream.write_all(&[byte]).is_err() {
                break;
            }
            sent += 1;
            match stream.read(&mut buf) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if is_timeout(&e) => {}
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        if !closed {
            let (rest, ended) = read_answers(&mut stream, |_| false);
            got.extend(rest);
            closed = ended;
        }
        (got, sent, closed, start.elapsed())
    });

    // While that head trickles in, another client asks and is answered.
    server.wait_err(|l| l.starts_with("[http] connection "));
    let mut other = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    other.write_all(PROBE).expect("send a request");
    let (answer, closed) = read_answers(&mut other, |_| false);
    assert!(closed, "{:?}", String::from_utf8_lossy(&answer));
    assert!(
        answer.starts_with(b"HTTP/1.1 200 OK\r\n")
            && answer.ends_with(b"c\r\nHello World\n\r\n0\r\n\r\n"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    let (got, sent, closed, elapsed) = slow.join().expect("the slow client ran");
    assert_eq!(
        String::from_utf8_lossy(&got),
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"
    );
    assert!(closed, "the connection was not closed after the 408");
    assert!(sent < head.len(), "the whole head went out ({sent} bytes)");
    assert!(
        elapsed >= Duration::from_millis(300),
        "408 after {elapsed:?}"
    );
    // The server's own trace: the other client's request came before the slow one's 408.
    let timeout = server.wait_err(|l| l.starts_with("[http] clientError "));
    assert!(timeout.ends_with(" 408 request timeout"), "{timeout}");
    let before_timeout = &server.err[..server.err.len() - 1];
    assert!(
        before_timeout
            .iter()
            .any(|l| l.starts_with("[http] request ") && l.ends_with(" GET /")),
        "{:?}",
        server.err
    );
}
