//! Our `ws-server` and `ws-client` against WebSocket implementations nobody here wrote:
//! Python's `websockets` (client and server, `python/ws_*.py`), Node 20's built-in client
//! (`node --experimental-websocket`, `node/ws-client.js`), the `ws` package as a server
//! (`node/ws-server.js`, installed by `npm ci --prefix tests/interop/node`), and headless
//! Chromium loading the demo page that `ws-server` serves at `/`.
//!
//! Each peer program prints what it saw, one fact per line; the tests compare those lines and
//! our binaries' stdout and trace with what RFC 6455 and docs/src/command-line.md say. Every server
//! listens on port 0; every wait has a deadline (the peers' own, shorter than the harness's
//! `DEADLINE`); nothing sleeps and hopes. The page's counters are polled until they reach a
//! value, with a deadline. A missing peer — `python3`, its `websockets` package, `node`, the
//! `ws` package, `chromium` — fails the test, naming what to install.

use crate::common::{Finished, Running};
use crate::{mask_port, node_script, peer};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

// ─────────────────────────────────── our side ───────────────────────────────────

/// Starts our `ws-server` on a free port of `host` (the trace on) and returns it with the port.
fn ws_server(host: &str, args: &[&str]) -> (Running, u16) {
    let mut all = vec!["--host", host, "--port", "0"];
    all.extend_from_slice(args);
    let mut server = Running::bin("ws-server", &all);
    let line = server.next_out();
    // WebSocket server listening at ws://127.0.0.1:PORT/updates
    let port = line
        .strip_suffix("/updates")
        .and_then(|rest| rest.rsplit_once(':'))
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or_else(|| panic!("not a listening line: {line:?}"));
    (server, port)
}

/// The server's `[ws]` trace lines, each peer address (`127.0.0.1:P`, `[::1]:P`) as `PEER`.
fn ws_trace(err: &[String]) -> Vec<String> {
    err.iter()
        .filter(|line| line.starts_with("[ws] "))
        .map(|line| {
            let mut words: Vec<&str> = line.split(' ').collect();
            if words.len() > 2 {
                words[2] = "PEER";
            }
            words.join(" ")
        })
        .collect()
}

fn lines(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

// ─────────────────────────────────── the peers ───────────────────────────────────

/// `python3` with the `websockets` package importable, or a failure that names the package.
fn python() -> Command {
    let found = peer("python3")
        .args([
            "-c",
            "import websockets.asyncio.client, websockets.asyncio.server",
        ])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "missing peer: the Python package `websockets` (tested with 17.4; .ci/run installs \
         it with `python3 -m pip install websockets==17.4`)"
    );
    peer("python3")
}

fn python_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/python")
        .join(name)
}

/// Runs `python/ws_client.py URL SCENARIO` to its end; it must exit 0.
fn python_client(url: &str, scenario: &str) -> Finished {
    let mut client = Running::command(
        python()
            .arg(python_script("ws_client.py"))
            .args([url, scenario]),
    );
    client.close_stdin();
    let client = client.finish();
    assert!(
        client.status.success(),
        "ws_client.py {scenario}: {client:?}"
    );
    client
}

/// Runs one Python client scenario against a fresh `ws-server ARGS` that exits after
/// `connections` WebSocket connections; returns the client's stdout and the server's trace.
fn python_against_ours(
    scenario: &str,
    args: &[&str],
    connections: u32,
) -> (Vec<String>, Vec<String>) {
    let exit_after = connections.to_string();
    let mut all = vec!["--exit-after", &exit_after];
    all.extend_from_slice(args);
    let (server, port) = ws_server("127.0.0.1", &all);
    let client = python_client(&format!("ws://127.0.0.1:{port}/updates"), scenario);
    let server = server.finish();
    assert!(server.status.success(), "ws-server: {server:?}");
    (client.out, ws_trace(&server.err))
}

// ─────────────────────────── Python's websockets, client ───────────────────────────

#[test]
fn python_client_gets_text_back_as_text_and_binary_as_binary() {
    let (out, trace) = python_against_ours("echo", &[], 1);
    assert_eq!(
        out,
        lines(&[
            "subprotocol: None",
            "str -> str 'hello'",
            "str -> str ''",
            "str -> str '中文 and ünïcode ✓'",
            "bytes -> bytes b'\\x00\\x01\\xfe\\xff'",
            "bytes -> bytes b''",
            "close sent: 1000 ''",
            "close received: 1000 ''",
            "closed: ConnectionClosedOK",
        ])
    );
    assert_eq!(
        trace,
        lines(&[
            "[ws] open PEER",
            "[ws] message PEER text 5 bytes",
            "[ws] message PEER text 0 bytes",
            "[ws] message PEER text 24 bytes",
            "[ws] message PEER binary 4 bytes",
            "[ws] message PEER binary 0 bytes",
            "[ws] close PEER 1000",
        ])
    );
}

#[test]
fn python_client_sends_and_gets_back_one_mebibyte_messages() {
    let (out, trace) = python_against_ours("big", &[], 1);
    assert_eq!(
        out,
        lines(&[
            "binary 1048576 bytes -> bytes 1048576 bytes, equal: True",
            "text 1048576 bytes -> str 1048576 bytes, equal: True",
            "close sent: 1000 ''",
            "close received: 1000 ''",
            "closed: ConnectionClosedOK",
        ])
    );
    assert_eq!(
        trace,
        lines(&[
            "[ws] open PEER",
            "[ws] message PEER binary 1048576 bytes",
            "[ws] message PEER text 1048576 bytes",
            "[ws] close PEER 1000",
        ])
    );
}

#[test]
fn python_client_s_fragmented_messages_arrive_whole_even_with_a_ping_between_fragments() {
    let (out, trace) = python_against_ours("fragmented", &[], 1);
    assert_eq!(
        out,
        lines(&[
            "text fragments -> 'hello, wörld'",
            "binary fragments -> b'\\x01\\x02\\x03'",
            "fragments around a ping -> 'first half, second half'",
            "pong for the mid-message ping: received",
            "close sent: 1000 ''",
            "close received: 1000 ''",
            "closed: ConnectionClosedOK",
        ])
    );
    // One message per fragmented message; the ping is handled when it comes, mid-message.
    assert_eq!(
        trace,
        lines(&[
            "[ws] open PEER",
            "[ws] message PEER text 13 bytes",
            "[ws] message PEER binary 3 bytes",
            "[ws] ping PEER 11 bytes",
            "[ws] message PEER text 23 bytes",
            "[ws] close PEER 1000",
        ])
    );
}

#[test]
fn python_client_s_pings_are_answered_with_pongs() {
    let (out, trace) = python_against_ours("ping", &[], 1);
    assert_eq!(
        out,
        lines(&[
            "pong received: True",
            "empty pong received: True",
            "echo: after the pings",
            "close sent: 1000 ''",
            "close received: 1000 ''",
            "closed: ConnectionClosedOK",
        ])
    );
    assert_eq!(
        trace,
        lines(&[
            "[ws] open PEER",
            "[ws] ping PEER 14 bytes",
            "[ws] ping PEER 0 bytes",
            "[ws] message PEER text 15 bytes",
            "[ws] close PEER 1000",
        ])
    );
}

#[test]
fn python_client_gets_the_subprotocol_we_speak_or_none() {
    let (out, trace) = python_against_ours("protocol", &["--protocol", "chat,superchat"], 3);
    assert_eq!(
        out,
        lines(&[
            "offered superchat -> superchat",
            "echo: hi",
            "offered nope,chat -> chat",
            "echo: hi",
            "offered nope -> None",
            "echo: hi",
        ])
    );
    assert_eq!(trace.iter().filter(|l| *l == "[ws] open PEER").count(), 3);
    assert_eq!(
        trace
            .iter()
            .filter(|l| *l == "[ws] close PEER 1000")
            .count(),
        3
    );
}

#[test]
fn python_client_s_close_code_and_reason_reach_the_server_and_the_code_comes_back() {
    let (out, trace) = python_against_ours("close", &[], 1);
    assert_eq!(
        out,
        lines(&[
            "echo: before the close",
            "close code seen by the client: 4000",
            "close sent: 4000 'bye now'",
            "close received: 4000 ''",
            // websockets calls every close other than 1000 and 1001 an error: its word, not a
            // failure of ours (both close frames went and came).
            "closed: ConnectionClosedError",
        ])
    );
    assert_eq!(
        trace,
        lines(&[
            "[ws] open PEER",
            "[ws] message PEER text 16 bytes",
            "[ws] close PEER 4000 bye now",
        ])
    );
}

#[test]
fn python_client_with_an_origin_not_allowed_gets_403() {
    // Refused handshakes are not WebSocket connections: --exit-after 1 counts the good one.
    let (out, trace) = python_against_ours("origin", &["--origin", "http://ok.example"], 1);
    assert_eq!(
        out,
        lines(&[
            "origin http://evil.example: InvalidStatus 403 b'this Origin is not allowed\\n'",
            "origin None: InvalidStatus 403 b'this Origin is not allowed\\n'",
            "origin http://ok.example: open, echo hi",
        ])
    );
    assert_eq!(
        trace,
        lines(&[
            "[ws] open PEER",
            "[ws] message PEER text 2 bytes",
            "[ws] close PEER 1000",
        ])
    );
}

// ─────────────────────────── Python's websockets, server ───────────────────────────

/// Runs our `ws-client ARGS` against `python/ws_server.py PROTOCOLS`; both must exit 0.
/// Returns our client's stdout and trace, and the Python server's stdout.
fn ours_against_python(client_args: &[&str], protocols: &[&str]) -> (Finished, Vec<String>) {
    let mut server = Running::command(python().arg(python_script("ws_server.py")).args(protocols));
    let port = server.listening_port().to_string();
    let mut all = vec!["--port", &port];
    all.extend_from_slice(client_args);
    let mut client = Running::bin("ws-client", &all);
    client.close_stdin();
    let client = client.finish();
    assert!(client.status.success(), "ws-client: {client:?}");
    let server = server.finish();
    assert!(server.status.success(), "ws_server.py: {server:?}");
    (client, server.out[1..].to_vec())
}

#[test]
fn our_client_against_python_server_prints_three_replies_and_closes_with_1000() {
    let (client, server) = ours_against_python(&["--count", "3"], &[]);
    // The replies came whole, in two fragments and in five: each is one line.
    assert_eq!(client.out, lines(&["hello", "hello", "hello"]));
    assert_eq!(
        server,
        lines(&[
            "subprotocol: None",
            "received str 'hello'",
            "received str 'hello'",
            "received str 'hello'",
            "pong: received",
            "close received: 1000 ''",
            "close sent: 1000 ''",
            "closed: ConnectionClosedOK",
        ])
    );
    let trace: Vec<&str> = client
        .err
        .iter()
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        trace,
        ["open", "ping", "message", "message", "message", "close"],
        "{:?}",
        client.err
    );
}

#[test]
fn our_client_offers_subprotocols_and_python_server_picks_one() {
    let (client, server) = ours_against_python(
        &[
            "--protocol",
            "chat,superchat",
            "--message",
            "wörld ✓",
            "--count",
            "2",
        ],
        &["superchat"],
    );
    assert_eq!(client.out, lines(&["wörld ✓", "wörld ✓"]));
    assert_eq!(server[0], "subprotocol: superchat");
    assert_eq!(server[1], "received str 'wörld ✓'");
    assert!(
        server.contains(&"close received: 1000 ''".to_string()),
        "{server:?}"
    );
}

// ──────────────────────────────────── Node ────────────────────────────────────

/// `node` with the `ws` package installed under `tests/interop/node`, or a failure naming it.
fn node_with_ws() -> Command {
    let dir = node_script("");
    let found = peer("node")
        .arg("-e")
        .arg("require.resolve('ws', { paths: [process.argv[1]] })")
        .arg(&dir)
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "missing peer: the npm package `ws` (.ci/run installs it with \
         `npm ci --prefix tests/interop/node`)"
    );
    peer("node")
}

#[test]
fn node_builtin_websocket_client_against_our_server() {
    let (server, port) = ws_server(
        "127.0.0.1",
        &["--protocol", "chat,superchat", "--exit-after", "1"],
    );
    let mut client = Running::command(
        peer("node")
            .arg("--experimental-websocket")
            .arg(node_script("ws-client.js"))
            .arg(format!("ws://127.0.0.1:{port}/updates"))
            .arg("superchat"),
    );
    client.close_stdin();
    let client = client.finish();
    assert!(client.status.success(), "node ws-client.js: {client:?}");
    assert_eq!(
        client.out,
        lines(&[
            "open, protocol \"superchat\"",
            "text \"hello\"",
            "text \"中文 ✓\"",
            "text \"\"",
            "binary 4 bytes <00 01 fe ff> equal true",
            "binary 300000 bytes <00 07 0e 15> equal true",
            "close 1000 \"\" wasClean true",
        ])
    );
    let server = server.finish();
    assert!(server.status.success(), "ws-server: {server:?}");
    assert_eq!(
        ws_trace(&server.err),
        lines(&[
            "[ws] open PEER",
            "[ws] message PEER text 5 bytes",
            "[ws] message PEER text 10 bytes",
            "[ws] message PEER text 0 bytes",
            "[ws] message PEER binary 4 bytes",
            "[ws] message PEER binary 300000 bytes",
            "[ws] close PEER 1000 done",
        ])
    );
}

#[test]
fn our_client_against_node_ws_package_server() {
    let mut server = Running::command(
        node_with_ws()
            .arg(node_script("ws-server.js"))
            .arg("superchat"),
    );
    let port = server.listening_port().to_string();
    let mut client = Running::bin(
        "ws-client",
        &[
            "--port",
            &port,
            "--count",
            "3",
            "--protocol",
            "chat,superchat",
        ],
    );
    client.close_stdin();
    let client = client.finish();
    assert!(client.status.success(), "ws-client: {client:?}");
    assert_eq!(client.out, lines(&["hello", "hello", "hello"]));
    let server = server.finish();
    assert!(server.status.success(), "node ws-server.js: {server:?}");
    // The pong comes back while the messages do: its place among them varies.
    let mut seen = server.out[1..].to_vec();
    seen.sort();
    assert_eq!(
        seen,
        lines(&[
            "close 1000 \"\"",
            "connection, protocol \"superchat\"",
            "message text \"hello\"",
            "message text \"hello\"",
            "message text \"hello\"",
            "pong \"are you there?\"",
        ])
    );
}

// ─────────────────────────────────── Chromium ───────────────────────────────────

/// A fresh profile directory for one Chromium, removed when dropped.
struct Profile(PathBuf);

impl Profile {
    fn new() -> Profile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "chromium-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("the profile directory is created");
        Profile(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the DevTools driver printed about the page, and our server's trace.
struct PageRun {
    facts: Vec<String>,
    trace: Vec<String>,
}

/// Starts `ws-server --host HOST`, a headless Chromium, and `python/chromium_page.py`, which
/// loads `http://HOST:PORT/`, waits for the page to count 5 replies, presses the page's stop
/// button and reports; the port is masked in its facts.
fn chromium_loads_the_demo_page(host: &str) -> PageRun {
    let (mut server, port) = ws_server(host, &[]);
    let url_host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let page = format!("http://{url_host}:{port}/");

    let profile = Profile::new();
    let mut chromium = Running::command(
        peer("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.0.display()))
            .arg("about:blank"),
    );
    let listening = chromium.wait_err(|l| l.starts_with("DevTools listening on ws://"));
    let devtools = listening
        .trim_start_matches("DevTools listening on ")
        .to_string();

    let mut driver = Running::command(
        python()
            .arg(python_script("chromium_page.py"))
            .args([&devtools, &page, "5"]),
    );
    driver.close_stdin();
    let driver = driver.finish();
    assert!(driver.status.success(), "chromium_page.py: {driver:?}");
    // The driver has asked the browser to close: it exits by itself.
    let chromium = chromium.finish();
    assert!(chromium.status.success(), "chromium: {:?}", chromium.status);
    drop(profile);

    // The page pressed stop: close 1000 'stopped'. The server goes on; its trace is read up
    // to that line.
    server.wait_err(|l| l.starts_with("[ws] close "));
    let server = server.kill();
    PageRun {
        facts: driver.out.iter().map(|l| mask_port(l, port)).collect(),
        trace: ws_trace(&server.err),
    }
}

/// What every load of the page must show, whatever the host.
fn assert_round_trip(run: &PageRun, host: &str) {
    let has = |fact: String| {
        assert!(run.facts.contains(&fact), "no {fact:?} in {:#?}", run.facts);
    };
    has("received at least 5: True".to_string());
    has("state: open".to_string());
    has(format!("url shown: ws://{host}:PORT/updates"));
    has("after stop: closed (1000)".to_string());
    has("sent at least as many as received: True".to_string());
    has(format!("request Document GET http://{host}:PORT/"));
    has(format!("websocket ws://{host}:PORT/updates"));
    has("websocket handshake 101".to_string());
    // The page never throws and never calls console.error.
    let bad: Vec<&String> = run
        .facts
        .iter()
        .filter(|f| {
            f.starts_with("exception:")
                || f.starts_with("console.error:")
                || f.starts_with("console.assert:")
        })
        .collect();
    assert!(
        bad.is_empty(),
        "the page threw or called console.error: {bad:#?}"
    );
    // Our side: the browser's connection opened, its updates were echoed, it closed cleanly.
    assert_eq!(
        run.trace.first().map(String::as_str),
        Some("[ws] open PEER"),
        "{:#?}",
        run.trace
    );
    let messages = run
        .trace
        .iter()
        .filter(|l| l.starts_with("[ws] message PEER text "))
        .count();
    assert!(messages >= 5, "{:#?}", run.trace);
    assert_eq!(
        run.trace.last().map(String::as_str),
        Some("[ws] close PEER 1000 stopped"),
        "{:#?}",
        run.trace
    );
}

#[test]
fn chromium_runs_the_demo_page_and_its_messages_make_the_round_trip() {
    let run = chromium_loads_the_demo_page("127.0.0.1");
    assert_round_trip(&run, "127.0.0.1");
}

#[test]
fn chromium_runs_the_demo_page_over_ipv6() {
    let run = chromium_loads_the_demo_page("::1");
    assert_round_trip(&run, "[::1]");
}

#[test]
fn chromium_console_stays_clean_and_the_page_makes_no_other_request() {
    // The page is self-contained ("no other request") and normal use logs no
    // error. A page that names no icon makes the browser ask for /favicon.ico, which any
    // status but 2xx turns into a console error ("Failed to load resource").
    let run = chromium_loads_the_demo_page("127.0.0.1");
    let requests: Vec<&String> = run
        .facts
        .iter()
        .filter(|f| f.starts_with("request "))
        .collect();
    assert_eq!(
        requests,
        ["request Document GET http://127.0.0.1:PORT/"],
        "{:#?}",
        run.facts
    );
    let errors: Vec<&String> = run
        .facts
        .iter()
        .filter(|f| f.starts_with("log error") || f.starts_with("loading failed"))
        .collect();
    assert!(errors.is_empty(), "the console shows errors: {errors:#?}");
}
