//! The HTTP client and the proxy against implementations nobody here wrote: the book's Node
//! client (`tests/interop/node/http-client-book.js`) beside ours against Node's hello server
//! (`http-hello.js`), our `http-server` and nginx; Node's words for every failure; and curl
//! through `http-proxy`, plain (`-x`) and tunnelled (`-p -x`, CONNECT).

use crate::common::{read_head, Finished, Running, DEADLINE};
use crate::{node, peer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Replaces the value of `"date":"..."` (the only field that differs between two runs).
fn mask_date(line: &str) -> String {
    match line.find("\"date\":\"") {
        Some(at) => {
            let start = at + 8;
            let end = line[start..].find('"').map_or(line.len(), |e| start + e);
            format!("{}DATE{}", &line[..start], &line[end..])
        }
        None => line.to_string(),
    }
}

/// The book's client, as Node runs it, against `127.0.0.1:port`.
fn node_client(port: u16) -> Finished {
    let mut client = node("http-client-book.js", &[&port.to_string(), "127.0.0.1"]);
    client.close_stdin();
    client.finish()
}

/// Our `http-client` against `127.0.0.1:port`.
fn our_client(port: u16) -> Finished {
    crate::common::run(
        "http-client",
        &[
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--quiet",
        ],
    )
}

fn masked(finished: &Finished) -> Vec<String> {
    finished.out.iter().map(|l| mask_date(l)).collect()
}

/// Both clients against one server print the same, date aside; returns what they printed.
fn same_output(port: u16) -> Vec<String> {
    let theirs = node_client(port);
    let ours = our_client(port);
    assert!(theirs.status.success(), "node: {theirs:?}");
    assert!(ours.status.success(), "ours: {ours:?}");
    assert_eq!(masked(&ours), masked(&theirs));
    masked(&ours)
}

const HELLO: [&str; 4] = [
    "STATUS: 200",
    r#"HEADERS: {"content-type":"text/plain","date":"DATE","connection":"keep-alive","keep-alive":"timeout=5","transfer-encoding":"chunked"}"#,
    "Hello World",
    "",
];

#[test]
fn against_node_s_hello_server_we_print_what_node_s_client_prints() {
    let mut server = node("http-hello.js", &["0"]);
    let port = server.listening_port();
    assert_eq!(same_output(port), HELLO);
    server.kill();
}

#[test]
fn against_our_server_we_print_what_node_s_client_prints() {
    let mut server = Running::bin("http-server", &["--port", "0", "--quiet"]);
    let port = server.listening_port();
    assert_eq!(same_output(port), HELLO);
    server.kill();
}

/// A server that answers every connection with the same bytes, then closes.
fn canned(answer: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(DEADLINE));
                if read_head(&mut stream).ends_with(b"\r\n\r\n") {
                    let _ = stream.write_all(answer);
                }
            });
        }
    });
    port
}

#[test]
fn framings_and_failures_print_and_fail_as_node_s_client_does() {
    let answers: [&'static [u8]; 9] = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\n\xc3\r\n2\r\n\xa9x\r\n0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nuntil the close",
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nCookie: x\r\ncookie: y\r\nX-L: caf\xe9\r\nContent-Length: 3\r\n\r\nx\xc3\xa9",
        b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX : 1\r\n\r\n",
    ];
    for answer in answers {
        let port = canned(answer);
        let theirs = node_client(port);
        let ours = our_client(port);
        let what = String::from_utf8_lossy(answer);
        assert_eq!(ours.status.code(), theirs.status.code(), "{what}");
        assert_eq!(ours.out, theirs.out, "{what}");
        assert_eq!(ours.err, theirs.err, "{what}");
    }
}

#[test]
fn bytes_that_are_not_http_are_node_s_parse_error_word_for_word() {
    let port = canned(b"garbage\r\n\r\n");
    let theirs = node_client(port);
    let ours = our_client(port);
    assert_eq!(
        (ours.status.code(), theirs.status.code()),
        (Some(1), Some(1))
    );
    assert_eq!(
        ours.err,
        ["Error: Parse Error: Expected HTTP/, RTSP/ or ICE/"]
    );
    assert_eq!(ours.err, theirs.err);
}

// ---------------------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------------------

/// Checks that nginx is installed, as `crate::peer` does for the others (nginx answers
/// `-v`, not `--version`): a missing peer fails the test, naming it.
fn nginx_command() -> Command {
    let found = Command::new("nginx")
        .arg("-v")
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "missing peer: `nginx` is not installed (.ci/run installs the interop peers)"
    );
    Command::new("nginx")
}

/// nginx in the foreground, one process, on a free loopback port, with a hello location.
struct Nginx {
    running: Option<Running>,
    port: u16,
    dir: PathBuf,
}

impl Nginx {
    fn start() -> Nginx {
        let mut command = nginx_command();
        // A free port: bind, read it, let it go (nginx takes it an instant later).
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("netnotes-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             \x20 server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      default_type text/plain;\n\
             \x20     return 200 \"Hello World\\n\";\n    }}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let running = Running::command(
            command
                .arg("-c")
                .arg(dir.join("nginx.conf"))
                .arg("-p")
                .arg(&dir)
                .arg("-e")
                .arg(dir.join("error.log")),
        );
        let deadline = Instant::now() + DEADLINE;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            assert!(Instant::now() < deadline, "nginx did not start: {log}");
            thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            running: Some(running),
            port,
            dir,
        }
    }
}

impl Drop for Nginx {
    /// Stops nginx (one process: `master_process off`), then removes its directory.
    fn drop(&mut self) {
        drop(self.running.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn against_nginx_we_print_what_node_s_client_prints() {
    let nginx = Nginx::start();
    let out = same_output(nginx.port);
    assert_eq!(out[0], "STATUS: 200");
    assert!(out[1].contains(r#""content-type":"text/plain""#), "{out:?}");
    assert!(out[1].contains(r#""content-length":"12""#), "{out:?}");
    assert_eq!(out[2..], ["Hello World", ""]);
    // And the pool: keep-alive reuse against a server we did not write.
    let done = crate::common::run(
        "http-client",
        &[
            "--host",
            "127.0.0.1",
            "--port",
            &nginx.port.to_string(),
            "--repeat",
            "10",
            "--quiet",
        ],
    );
    assert_eq!(
        done.out,
        [
            "requests: 10 (200: 10)",
            "sockets opened: 1",
            "requests on a reused socket: 9",
            "longest queue: 0"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// curl through http-proxy
// ---------------------------------------------------------------------------------------

fn start_proxy() -> (Running, u16) {
    let mut proxy = Running::bin("http-proxy", &["--port", "0"]);
    let port = proxy.listening_port();
    (proxy, port)
}

fn curl(args: &[&str]) -> std::process::Output {
    peer("curl")
        .args(["-s", "-S", "-m", "10"])
        .args(args)
        .output()
        .expect("curl runs")
}

#[test]
fn curl_through_the_proxy_reaches_our_server_and_node_s() {
    let (mut proxy, proxy_port) = start_proxy();
    let via = format!("http://127.0.0.1:{proxy_port}");
    let mut ours = Running::bin("http-server", &["--port", "0", "--quiet"]);
    let ours_port = ours.listening_port();
    let mut theirs = node("http-hello.js", &["0"]);
    let theirs_port = theirs.listening_port();
    for port in [ours_port, theirs_port] {
        let out = curl(&["-i", "-x", &via, &format!("http://127.0.0.1:{port}/")]);
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("\r\nVia: 1.1 netnotes\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\nHello World\n"), "{text}");
        proxy.wait_err(|l| l == format!("[http] upstream GET http://127.0.0.1:{port}/ 200"));
    }
    // What the upstream saw: our server's /headers shows it; curl's Proxy-Connection is gone.
    let out = curl(&["-x", &via, &format!("http://127.0.0.1:{ours_port}/headers")]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains(r#""via":"1.1 netnotes""#), "{text}");
    assert!(
        !text.to_ascii_lowercase().contains("proxy-connection"),
        "{text}"
    );
    ours.kill();
    theirs.kill();
}

#[test]
fn curl_tunnels_through_the_proxy_with_connect() {
    // A plain TCP echo: echoes what arrives, and closes once it has echoed a whole line.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let echo_port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(DEADLINE));
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            if stream.write_all(&buf[..n]).is_err() || buf[..n].ends_with(b"\n") {
                break;
            }
        }
    });
    let (mut proxy, proxy_port) = start_proxy();
    let mut curl = peer("curl")
        .args(["-s", "-S", "-N", "-m", "10", "-p", "-x"])
        .arg(format!("http://127.0.0.1:{proxy_port}"))
        .arg(format!("telnet://127.0.0.1:{echo_port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl runs");
    // curl's telnet sends what it reads on stdin, and stops when stdin ends (not when the
    // server closes): read the echoed line first, then close stdin. `-m 10` bounds it all.
    let mut stdin = curl.stdin.take().expect("stdin is piped");
    stdin.write_all(b"hello through the tunnel\n").unwrap();
    let mut line = String::new();
    let stdout = curl.stdout.take().expect("stdout is piped");
    BufReader::new(stdout).read_line(&mut line).unwrap();
    drop(stdin);
    let status = curl.wait().expect("curl finishes");
    assert_eq!(line, "hello through the tunnel\n");
    assert!(status.success(), "{status:?}");
    let connect = proxy.wait_err(|l| l.starts_with("[http] connect "));
    assert!(
        connect.ends_with(&format!(" 127.0.0.1:{echo_port}")),
        "{connect}"
    );
    proxy.wait_err(|l| l == format!("[http] tunnel 127.0.0.1:{echo_port} open"));
}
