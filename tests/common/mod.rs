//! What the integration tests share: running a binary of the crate as a user would, and
//! reading its stdout and stderr line by line while it runs.
//!
//! Servers are started with `--port 0` and the real port is read from their listening line, so
//! tests run in parallel. Every wait has a deadline ([`DEADLINE`]) that only a broken binary
//! reaches: it turns a hang into a failure with the output so far.

#![allow(dead_code)] // each test file uses its own part of this

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a test waits for a line or an exit before it fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The path of one of the crate's binaries, built by cargo for the tests.
pub fn bin(name: &str) -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin(name)
}

/// A running program whose output is read as it comes.
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Every stdout line read so far.
    pub out: Vec<String>,
    /// Every stderr line read so far.
    pub err: Vec<String>,
}

/// A finished program: its status and all of its output.
#[derive(Debug)]
pub struct Finished {
    /// The exit status.
    pub status: ExitStatus,
    /// stdout, whole.
    pub out: Vec<String>,
    /// stderr, whole.
    pub err: Vec<String>,
}

fn lines(reader: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Running {
    /// Starts one of the crate's binaries.
    pub fn bin(name: &str, args: &[&str]) -> Running {
        Running::command(Command::new(bin(name)).args(args))
    }

    /// Starts any command, with piped stdin, stdout and stderr.
    pub fn command(command: &mut Command) -> Running {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the program starts");
        let stdin = child.stdin.take();
        let stdout = lines(child.stdout.take().expect("stdout is piped"));
        let stderr = lines(child.stderr.take().expect("stderr is piped"));
        Running {
            child,
            stdin,
            stdout,
            stderr,
            out: Vec::new(),
            err: Vec::new(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the next stdout line.
    pub fn next_out(&mut self) -> String {
        let line = next(&self.stdout, &self.out, &self.err, "stdout");
        self.out.push(line.clone());
        line
    }

    /// Reads stderr until a line satisfies `wanted`, and returns that line.
    pub fn wait_err(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        loop {
            let line = next(&self.stderr, &self.out, &self.err, "stderr");
            self.err.push(line.clone());
            if wanted(&line) {
                return line;
            }
        }
    }

    /// Reads stdout until a line satisfies `wanted`, and returns that line.
    pub fn wait_out(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        loop {
            let line = self.next_out();
            if wanted(&line) {
                return line;
            }
        }
    }

    /// Reads the first stdout line, a listening line, and returns the port in it (see
    /// [`port_in`]).
    pub fn listening_port(&mut self) -> u16 {
        let line = self.next_out();
        port_in(&line).unwrap_or_else(|| panic!("no port in the listening line {line:?}"))
    }

    /// Closes the program's stdin.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the program to exit by itself and collects the rest of its output.
    pub fn finish(mut self) -> Finished {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                break status;
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!(
                    "the program did not exit within {DEADLINE:?}\nstdout: {:?}\nstderr: {:?}",
                    self.out, self.err
                );
            }
            thread::sleep(Duration::from_millis(5));
        };
        // The pipes close when the program exits: drain them to the end.
        self.out.extend(self.stdout.iter());
        self.err.extend(self.stderr.iter());
        Finished {
            status,
            out: std::mem::take(&mut self.out),
            err: std::mem::take(&mut self.err),
        }
    }

    /// Stops the program (SIGKILL) and returns what it printed.
    pub fn kill(mut self) -> Finished {
        let _ = self.child.kill();
        self.finish()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn next(rx: &Receiver<String>, out: &[String], err: &[String], name: &str) -> String {
    match rx.recv_timeout(DEADLINE) {
        Ok(line) => line,
        Err(RecvTimeoutError::Timeout) => {
            panic!("no {name} line within {DEADLINE:?}\nstdout so far: {out:?}\nstderr so far: {err:?}")
        }
        Err(RecvTimeoutError::Disconnected) => {
            panic!("{name} closed before the line came\nstdout: {out:?}\nstderr: {err:?}")
        }
    }
}

/// The port in a listening line: the last number that follows a `:` or a space
/// (`server start listen port 8124 !`, `http://127.0.0.1:1337/`,
/// `ws://[::1]:12010/updates`, `{ address: '127.0.0.1', family: 'IPv4', port: 41234 }`).
pub fn port_in(line: &str) -> Option<u16> {
    let bytes = line.as_bytes();
    let mut port = None;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i > start && start > 0 && matches!(bytes[start - 1], b':' | b' ') {
            port = line[start..i].parse().ok().or(port);
        }
        i = i.max(start + 1);
    }
    port
}

/// Starts one of the crate's servers on a free port (`--port 0` and `extra`), and returns it
/// with the port read from its listening line.
pub fn server(name: &str, extra: &[&str]) -> (Running, u16) {
    let mut args = vec!["--port", "0"];
    args.extend_from_slice(extra);
    let mut server = Running::bin(name, &args);
    let port = server.listening_port();
    (server, port)
}

/// Runs a binary to completion with a deadline.
pub fn run(name: &str, args: &[&str]) -> Finished {
    let mut running = Running::bin(name, args);
    running.close_stdin();
    running.finish()
}

/// Reads a head, byte by byte (so that nothing after it is taken), through its empty line;
/// the bytes so far if the peer closes or goes silent first.
pub fn read_head(stream: &mut std::net::TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

/// Reads one request as an upstream sees it: the head, then a `Content-Length` body or a
/// chunked one (up to its last chunk and empty trailer).
pub fn read_request(stream: &mut std::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    let mut read_until = |buf: &mut Vec<u8>, end: &[u8]| {
        while !buf.ends_with(end) {
            match stream.read(&mut byte) {
                Ok(1) => buf.push(byte[0]),
                _ => return false,
            }
        }
        true
    };
    if !read_until(&mut buf, b"\r\n\r\n") {
        return None;
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    if head.contains("transfer-encoding: chunked") {
        read_until(&mut buf, b"\r\n0\r\n\r\n").then_some(buf)
    } else {
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap_or(0));
        let start = buf.len();
        buf.resize(start + length, 0);
        stream.read_exact(&mut buf[start..]).ok()?;
        Some(buf)
    }
}

/// A field of `/proc/PID/status` (`Threads:`, `VmRSS:` in KiB), as a number: what a process
/// really costs, as the kernel counts it.
pub fn proc_status(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process runs");
    let line = text
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    line[field.len()..]
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a number")
}

/// A server for one request that never finishes answering: it sends `first`, then `piece`
/// every `every`, until the client goes away (or [`DEADLINE`]). An endless series of interim
/// heads (`102 Processing`), or a head that trickles in a field at a time. Returns its port.
pub fn dripping(first: &'static [u8], piece: &'static [u8], every: Duration) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        use std::io::Write;
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        read_request(&mut stream);
        let start = Instant::now();
        let _ = stream.write_all(first);
        while start.elapsed() < DEADLINE && stream.write_all(piece).is_ok() {
            thread::sleep(every);
        }
    });
    port
}
