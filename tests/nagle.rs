//! The `nagle` binary, as a user runs it: its JSON, its command line, its server, its errors.
//!
//! No test here checks how big the effect is (that depends on the kernel and the machine, and
//! belongs in docs/src/nagle.md); only its direction: with Nagle on, the median write-write-read
//! round is slower than with `TCP_NODELAY`.

mod common;

use common::{run, Running};
use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::thread;

/// A JSON value, as far as `nagle --json` needs: objects and whole numbers.
#[derive(Debug, PartialEq)]
enum Json {
    Number(u64),
    Object(BTreeMap<String, Json>),
}

impl Json {
    fn get(&self, path: &str) -> u64 {
        let mut value = self;
        for key in path.split('.') {
            let Json::Object(map) = value else {
                panic!("{path}: not an object at {key}")
            };
            value = map.get(key).unwrap_or_else(|| panic!("no field {path}"));
        }
        match value {
            Json::Number(n) => *n,
            Json::Object(_) => panic!("{path} is an object"),
        }
    }
}

/// A strict little parser for that subset: it fails on anything else, trailing bytes included,
/// so a test that parses the output also proves the output well-formed.
fn parse_json(text: &str) -> Result<Json, String> {
    fn value(s: &[u8], i: &mut usize) -> Result<Json, String> {
        match s.get(*i) {
            Some(b'{') => object(s, i),
            Some(c) if c.is_ascii_digit() => {
                let start = *i;
                while s.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                }
                let digits = std::str::from_utf8(&s[start..*i]).unwrap();
                if digits.len() > 1 && digits.starts_with('0') {
                    return Err(format!("leading zero at {start}"));
                }
                digits.parse().map(Json::Number).map_err(|e| e.to_string())
            }
            other => Err(format!("unexpected {other:?} at {i}")),
        }
    }
    fn object(s: &[u8], i: &mut usize) -> Result<Json, String> {
        *i += 1; // '{'
        let mut map = BTreeMap::new();
        if s.get(*i) == Some(&b'}') {
            *i += 1;
            return Ok(Json::Object(map));
        }
        loop {
            if s.get(*i) != Some(&b'"') {
                return Err(format!("expected a key at {i}"));
            }
            let start = *i + 1;
            let len = s[start..]
                .iter()
                .position(|&c| c == b'"')
                .ok_or("unterminated key")?;
            let key = std::str::from_utf8(&s[start..start + len]).map_err(|e| e.to_string())?;
            if key.contains('\\') {
                return Err("escapes are not expected in keys".into());
            }
            *i = start + len + 1;
            if s.get(*i) != Some(&b':') {
                return Err(format!("expected ':' at {i}"));
            }
            *i += 1;
            let v = value(s, i)?;
            if map.insert(key.to_string(), v).is_some() {
                return Err(format!("duplicate key {key}"));
            }
            match s.get(*i) {
                Some(b',') => *i += 1,
                Some(b'}') => {
                    *i += 1;
                    return Ok(Json::Object(map));
                }
                other => return Err(format!("unexpected {other:?} at {i}")),
            }
        }
    }
    let s = text.as_bytes();
    let mut i = 0;
    let json = value(s, &mut i)?;
    if i != s.len() {
        return Err(format!("trailing bytes at {i}"));
    }
    Ok(json)
}

#[test]
fn the_json_parser_is_strict() {
    assert!(parse_json(r#"{"a":1,"b":{"c":20}}"#).is_ok());
    for bad in [
        r#"{"a":1"#,
        r#"{"a":1,}"#,
        r#"{"a":1}x"#,
        r#"{"a":01}"#,
        r#"{a:1}"#,
        r#"{"a":1,"a":2}"#,
        r#"{"a":-1}"#,
        "",
    ] {
        assert!(parse_json(bad).is_err(), "{bad} parsed");
    }
}

/// Runs `nagle --json` with `args` and returns its one JSON object, checked for every field.
fn nagle_json(args: &[&str]) -> Json {
    let mut all = vec!["--json", "--quiet"];
    all.extend_from_slice(args);
    let done = run("nagle", &all);
    assert!(done.status.success(), "{done:?}");
    assert_eq!(done.out.len(), 1, "exactly one line: {:?}", done.out);
    assert!(done.err.is_empty(), "--quiet: {:?}", done.err);
    parse_json(&done.out[0]).unwrap_or_else(|e| panic!("{e}: {}", done.out[0]))
}

#[test]
fn json_parses_and_nagle_on_has_the_slower_median() {
    let json = nagle_json(&["--rounds", "10", "--writes", "50"]);
    assert_eq!(json.get("rounds"), 10);
    assert_eq!(json.get("coalesce.writes"), 50);
    assert_eq!(json.get("coalesce.gap_us"), 100);
    for mode in ["nodelay_off", "nodelay_on"] {
        let (p50, p99) = (
            json.get(&format!("{mode}.p50_us")),
            json.get(&format!("{mode}.p99_us")),
        );
        assert!(p50 <= p99, "{mode}: p50 {p50} > p99 {p99}");
        let reads = json.get(&format!("coalesce.reads_{mode}"));
        assert!(
            (1..=50).contains(&reads),
            "{mode}: {reads} reads for 50 bytes"
        );
    }
    // The ordering only: the size of the effect belongs to the docs.
    assert!(
        json.get("nodelay_off.p50_us") > json.get("nodelay_on.p50_us"),
        "Nagle on should be slower: {json:?}"
    );
}

#[test]
fn against_a_nagle_serve_on_another_process() {
    let mut server = Running::bin("nagle", &["--serve", "--port", "0"]);
    let port = server.listening_port().to_string();
    assert!(server.out[0].starts_with("nagle server listening at 127.0.0.1:"));

    let json = nagle_json(&["--port", &port, "--rounds", "3", "--writes", "10"]);
    assert_eq!(json.get("rounds"), 3);
    assert_eq!(json.get("coalesce.writes"), 10);

    // The server traces as tcp-server does: a connection per mode and experiment, every read.
    server.wait_err(|l| l.starts_with("[tcp] connection 127.0.0.1:"));
    server.wait_err(|l| l.starts_with("[tcp] data 127.0.0.1:"));
    let done = server.kill();
    assert!(
        done.err.iter().all(|l| l.starts_with("[tcp] ")),
        "{:?}",
        done.err
    );
}

#[test]
fn the_table_names_both_modes_and_both_experiments() {
    let done = run(
        "nagle",
        &["--rounds", "2", "--writes", "5", "--gap-us", "0"],
    );
    assert!(done.status.success(), "{done:?}");
    let out = done.out.join("\n");
    for needle in [
        "write-write-read, 2 rounds",
        "5 one-byte writes, 0 µs apart",
        "nodelay off (Nagle on)",
        "nodelay on",
    ] {
        assert!(out.contains(needle), "no {needle:?} in\n{out}");
    }
    assert_eq!(out.matches("nodelay off (Nagle on)").count(), 2, "{out}");
    // Without --quiet the client traces each of its four connections, and nothing else.
    assert_eq!(done.err.len(), 4, "{:?}", done.err);
    assert!(done
        .err
        .iter()
        .all(|l| l.starts_with("[tcp] connect 127.0.0.1:")));
}

#[test]
fn help_lists_every_flag_and_exits_0() {
    let done = run("nagle", &["--help"]);
    assert!(done.status.success());
    let help = done.out.join("\n");
    for flag in [
        "--rounds N",
        "(default 50)",
        "--writes K",
        "(default 200)",
        "--gap-us G",
        "(default 100)",
        "--json",
        "--host HOST",
        "--port PORT",
        "--serve",
        "--timeout MS",
        "--quiet",
        "example:",
    ] {
        assert!(help.contains(flag), "no {flag:?} in\n{help}");
    }
    assert!(done.err.is_empty());
}

#[test]
fn bad_flags_exit_2_with_error_and_usage() {
    for args in [
        &["--rounds", "0"][..],
        &["--writes", "-3"],
        &["--gap-us", "1.5"],
        &["--port", "65536"],
        &["--rounds"],
        &["--nope"],
        &["--json=yes"],
        &["50"],
    ] {
        let done = run("nagle", args);
        assert_eq!(done.status.code(), Some(2), "{args:?}: {done:?}");
        assert!(done.out.is_empty(), "{args:?}: {:?}", done.out);
        assert!(
            done.err[0].starts_with("error: "),
            "{args:?}: {:?}",
            done.err
        );
        assert!(
            done.err[1].starts_with("usage: nagle "),
            "{args:?}: {:?}",
            done.err
        );
    }
}

#[test]
fn a_server_that_is_not_a_nagle_server_is_one_error_line() {
    // tcp-server answers every read with "hello": not a read count.
    let mut server = Running::bin("tcp-server", &["--port", "0", "--quiet"]);
    let port = server.listening_port().to_string();
    let done = run("nagle", &["--port", &port, "--quiet"]);
    assert_eq!(done.status.code(), Some(1), "{done:?}");
    assert!(done.out.is_empty());
    assert_eq!(
        done.err,
        [format!(
            "Error: 127.0.0.1:{port} is not a nagle server: it replied \"hello\" \
             where a read count and a newline belong"
        )]
    );
}

#[test]
fn a_silent_server_times_out_and_a_closed_port_is_refused() {
    // Accepts, reads, never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = stream.read_to_end(&mut sink);
            });
        }
    });
    let done = run("nagle", &["--port", &port, "--timeout", "200", "--quiet"]);
    assert_eq!(done.status.code(), Some(1), "{done:?}");
    assert_eq!(
        done.err,
        [format!(
            "Error: read ETIMEDOUT: no reply from 127.0.0.1:{port} within 200 ms"
        )]
    );

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let done = run("nagle", &["--port", &port, "--quiet"]);
    assert_eq!(done.status.code(), Some(1), "{done:?}");
    assert_eq!(
        done.err,
        [format!("Error: connect ECONNREFUSED 127.0.0.1:{port}")]
    );
}
