//! The trace of a handler that gives up on a head the head writer refused: besides the `500`
//! (tested in `tests/http.rs`), the server traces `[http] error PEER` with Node's words for
//! the refusal. A trace goes to the process's stderr, which a test cannot read from inside,
//! so this test is a program of its own (no test harness): run with `serve`, it is the
//! server; run by `cargo test`, it starts itself with `serve` and reads that stderr.

use netnotes::http::server::{Server, ServerOptions};
use netnotes::trace::Trace;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("serve") {
        return serve();
    }
    let mut server = Command::new(std::env::current_exe().unwrap())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, stderr) = (server.stdout.take().unwrap(), server.stderr.take().unwrap());
    let _server = KilledOnDrop(server);
    let mut port = String::new();
    BufReader::new(stdout).read_line(&mut port).unwrap();
    let port: u16 = port.trim().parse().unwrap();
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    client
        .write_all(b"GET /give-up HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = client.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{answer}"
    );
    let ours = client.local_addr().unwrap();
    let wanted =
        format!(r#"[http] error {ours} Invalid character in header content ["X-Smuggled"]"#);
    // The connection's lines come in order, its close last: the error must come before.
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line == wanted {
            println!("refused_head_trace: ok");
            return;
        }
        let closed = line.starts_with(&format!("[http] close {ours}"));
        seen.push(line);
        assert!(
            !closed,
            "the connection closed without {wanted:?}: {seen:#?}"
        );
    }
    panic!("no {wanted:?} in the server's trace: {seen:#?}");
}

/// The server process, killed when the test ends, passed or failed.
struct KilledOnDrop(Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A traced library server whose handler tries a field the head writer refuses and passes
/// the error on, without answering. Prints its port on stdout.
fn serve() {
    let server = Server::listen(
        "127.0.0.1:0".parse().unwrap(),
        ServerOptions::new(Trace::new("http", true)),
    )
    .unwrap();
    println!("{}", server.local_address().port());
    server.run(|_req, res| {
        let refused = res.set_header("X-Smuggled", "1\r\nContent-Length: 0");
        assert!(refused.is_err());
    });
}
