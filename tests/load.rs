//! Load and faults, in the bounded form CI runs (`cargo bench` runs the full sizes: 2,000
//! slow connections, 10,000 idle ones).
//!
//! | scenario | what it proves |
//! |---|---|
//! | slowloris against `http-server` | slow heads are cut at the header timeout with a 408; a normal client beside them keeps its p99 under 100 ms; memory stays bounded; every thread ends |
//! | slowloris against `ws-server`'s handshake | the same for the WebSocket upgrade |
//! | a WebSocket peer that stops reading | our write times out (`--send-timeout`) and the connection ends: no thread pinned for ever |
//! | WebSocket connections that go quiet after a big message | each kept its message's buffer for the next message (`WebSocket::reuse`); a second after, `VmRSS` is back near where it was: an idle connection holds no buffer |
//! | past `--max-connections` | the extra connection is closed at once and traced `drop`; a freed slot serves again |
//! | out of descriptors (`ulimit -n`) | `accept` fails with `EMFILE`, the server backs off (no busy loop), keeps running, and serves the waiting clients once descriptors free up |
//! | a thread that cannot start (`ulimit -u`) | only that connection is refused; the others are served |
//! | peers that vanish | resets mid-request and mid-response, half-closes, bodies cut short, WebSocket close handshakes cut off: no panic, no thread left behind, the server keeps serving |
//!
//! Threads are counted from `/proc/PID/status` before and after; memory is its `VmRSS`. The
//! scenarios run one at a time (they share two cores) and each is bounded in time.

mod common;

use common::{proc_status, Running, DEADLINE};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// One scenario at a time: each one loads the machine, and timing is part of what they check.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ───────────────────────────── helpers ─────────────────────────────

/// Starts one of our servers on a free port; returns it and its port.
fn start(name: &str, args: &[&str]) -> (Running, u16) {
    let mut all = vec!["--port", "0"];
    all.extend_from_slice(args);
    let mut server = Running::bin(name, &all);
    let port = server.listening_port();
    (server, port)
}

fn threads(pid: u32) -> u64 {
    proc_status(pid, "Threads:")
}

fn rss_kib(pid: u32) -> u64 {
    proc_status(pid, "VmRSS:")
}

/// Waits until `check` holds, or fails the test naming `what`.
fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until the server is back to `baseline` threads: nothing was left behind.
fn threads_back_to(pid: u32, baseline: u64, after: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads(pid) > baseline {
        assert!(
            Instant::now() < deadline,
            "{after}: {} threads remain, {baseline} before",
            threads(pid)
        );
        thread::sleep(Duration::from_millis(20));
    }
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// `GET /` on a keep-alive connection; the hello reply read whole. Returns how long it took.
fn get(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("the request goes out");
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    // The hello server's reply is chunked: it ends with the last chunk.
    while !reply.ends_with(b"0\r\n\r\n") {
        let n = stream.read(&mut buf).expect("the reply comes");
        assert!(
            n > 0,
            "closed mid-reply: {:?}",
            String::from_utf8_lossy(&reply)
        );
        reply.extend_from_slice(&buf[..n]);
    }
    assert!(reply.starts_with(b"HTTP/1.1 200 OK\r\n"), "{reply:?}");
    started.elapsed()
}

/// Sends `hello` and reads `hello` back (tcp-server): whether it came within `wait`.
fn hello(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    if stream.write_all(b"hello").is_err() {
        return false;
    }
    let mut reply = [0u8; 5];
    stream.read_exact(&mut reply).is_ok() && &reply == b"hello"
}

/// The client's WebSocket handshake (RFC 6455's sample key), blocking.
fn ws_handshake(stream: &mut TcpStream) {
    stream
        .write_all(
            b"GET /updates HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
              Sec-WebSocket-Version: 13\r\n\r\n",
        )
        .unwrap();
    let head = common::read_head(stream);
    assert!(
        head.starts_with(b"HTTP/1.1 101 ") && head.ends_with(b"\r\n\r\n"),
        "closed during the handshake, or not a 101: {:?}",
        String::from_utf8_lossy(&head)
    );
}

/// A masked binary frame of `size` bytes, as a client sends it (RFC 6455 §5.2).
fn ws_frame(size: usize) -> Vec<u8> {
    let mut frame = vec![0x82u8];
    if size < 126 {
        frame.push(0x80 | size as u8);
    } else if size <= 0xFFFF {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(size as u16).to_be_bytes());
    } else {
        frame.push(0x80 | 127);
        frame.extend_from_slice(&(size as u64).to_be_bytes());
    }
    let key = [1u8, 2, 3, 4];
    frame.extend_from_slice(&key);
    frame.extend((0..size).map(|i| b'x' ^ key[i % 4]));
    frame
}

/// A 32-byte echo on an open WebSocket connection; how long it took.
fn ws_echo(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    stream.write_all(&ws_frame(32)).unwrap();
    let mut reply = [0u8; 34];
    stream.read_exact(&mut reply).expect("the echo comes");
    assert_eq!(&reply[..2], &[0x82, 32]);
    started.elapsed()
}

/// A close frame from the client: code 1000.
fn ws_close_frame() -> Vec<u8> {
    let key = [9u8, 8, 7, 6];
    let payload = 1000u16.to_be_bytes();
    let mut frame = vec![0x88, 0x80 | 2];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

/// Drops `stream` with bytes still unread in it, which makes the kernel send a reset
/// (RFC 9293 §3.6.1) instead of a FIN: a peer that vanishes. Waits for those bytes first.
fn reset(stream: TcpStream) {
    let mut byte = [0u8; 1];
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let _ = stream.peek(&mut byte); // the unread bytes are there now
    drop(stream);
}

fn no_panic(finished: &common::Finished) {
    assert!(
        !finished.err.iter().any(|l| l.contains("panicked")),
        "the server panicked: {:?}",
        finished.err
    );
}

// ───────────────────────────── slow attackers ─────────────────────────────

/// Slow clients: `n` connections that each send `head` one byte every `every`, on one
/// thread; the peak RSS of `pid` seen meanwhile comes back when it is stopped.
struct Drip {
    stop: Arc<AtomicBool>,
    peak_rss: Arc<AtomicU64>,
    thread: thread::JoinHandle<Vec<TcpStream>>,
}

impl Drip {
    fn start(port: u16, pid: u32, n: usize, head: &'static [u8], every: Duration) -> Drip {
        let mut conns: Vec<(TcpStream, usize)> = Vec::with_capacity(n);
        for i in 0..n {
            conns.push((connect(port), 0));
            if i % 64 == 63 {
                thread::sleep(Duration::from_millis(5)); // let the accept loop keep up
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let peak_rss = Arc::new(AtomicU64::new(rss_kib(pid)));
        let thread = {
            let (stop, peak_rss) = (Arc::clone(&stop), Arc::clone(&peak_rss));
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    for (stream, sent) in &mut conns {
                        if *sent < head.len() && stream.write_all(&head[*sent..*sent + 1]).is_ok() {
                            *sent += 1;
                        }
                    }
                    peak_rss.fetch_max(rss_kib(pid), Ordering::SeqCst);
                    thread::sleep(every);
                }
                conns.into_iter().map(|(s, _)| s).collect()
            })
        };
        Drip {
            stop,
            peak_rss,
            thread,
        }
    }

    fn stop(self) -> (Vec<TcpStream>, u64) {
        self.stop.store(true, Ordering::SeqCst);
        let conns = self.thread.join().expect("the drip thread ends");
        (conns, self.peak_rss.load(Ordering::SeqCst))
    }
}

/// Each slow connection must have been answered `408` and closed.
fn all_cut_with_408(conns: Vec<TcpStream>) {
    let total = conns.len();
    for (i, mut stream) in conns.into_iter().enumerate() {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer) {
            Ok(_) => {}
            // A reset after the answer (our drips kept coming after the server's FIN) is fine,
            // as long as the answer came first; read_to_end keeps what it read.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("slow connection {i} of {total} still open: {e}"),
        }
        assert!(
            answer.starts_with(b"HTTP/1.1 408 Request Timeout\r\n"),
            "slow connection {i} of {total}: {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
}

const SLOW_HTTP: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris, one byte at a time\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";

const SLOW_WS: &[u8] = b"GET /updates HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";

/// The p99 of `samples`.
fn p99(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 99).div_ceil(100).max(1) - 1]
}

#[test]
fn slowloris_against_http_server_is_cut_at_the_header_timeout_and_others_are_served() {
    let _one = one_at_a_time();
    let (server, port) = start("http-server", &["--quiet", "--headers-timeout", "1500"]);
    let pid = server.pid();
    let (base_threads, base_rss) = (threads(pid), rss_kib(pid));
    let slow = 300;
    let drip = Drip::start(port, pid, slow, SLOW_HTTP, Duration::from_millis(250));

    // A normal client, beside them, for longer than the header timeout.
    let mut normal = connect(port);
    let mut latencies = Vec::new();
    let until = Instant::now() + Duration::from_millis(2_500);
    while Instant::now() < until {
        latencies.push(get(&mut normal));
        thread::sleep(Duration::from_millis(2));
    }
    let (conns, peak_rss) = drip.stop();
    let p99 = p99(latencies);
    assert!(
        p99 < Duration::from_millis(100),
        "the normal client's p99 was {p99:?}"
    );
    all_cut_with_408(conns);
    // Memory: a slow connection may cost its thread's stack (64 KiB) at the very most.
    let growth = peak_rss.saturating_sub(base_rss);
    assert!(
        growth < 64 * slow as u64,
        "RSS grew by {growth} KiB for {slow} slow connections"
    );
    drop(normal);
    threads_back_to(pid, base_threads, "after slowloris");
    no_panic(&server.kill());
}

#[test]
fn slowloris_against_the_websocket_handshake_is_cut_and_others_are_served() {
    let _one = one_at_a_time();
    let (server, port) = start("ws-server", &["--quiet", "--headers-timeout", "1500"]);
    let pid = server.pid();
    let base_threads = threads(pid);
    let drip = Drip::start(port, pid, 200, SLOW_WS, Duration::from_millis(250));
    let mut normal = connect(port);
    ws_handshake(&mut normal);
    let mut latencies = Vec::new();
    let until = Instant::now() + Duration::from_millis(2_500);
    while Instant::now() < until {
        latencies.push(ws_echo(&mut normal));
        thread::sleep(Duration::from_millis(2));
    }
    let (conns, _) = drip.stop();
    let p99 = p99(latencies);
    assert!(
        p99 < Duration::from_millis(100),
        "the normal client's p99 was {p99:?}"
    );
    all_cut_with_408(conns);
    drop(normal);
    threads_back_to(pid, base_threads, "after slow handshakes");
    no_panic(&server.kill());
}

#[test]
fn a_websocket_peer_that_stops_reading_is_cut_by_the_send_timeout() {
    let _one = one_at_a_time();
    let (server, port) = start("ws-server", &["--quiet", "--send-timeout", "500"]);
    let pid = server.pid();
    let base_threads = threads(pid);
    let mut stuck = connect(port);
    ws_handshake(&mut stuck);
    // Send big messages and never read the echoes: the server's writes fill our receive
    // buffer, then its own send buffer; it stops reading; then our writes stop too.
    stuck
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let frame = ws_frame(64 * 1024);
    let started = Instant::now();
    while stuck.write_all(&frame).is_ok() {
        assert!(
            started.elapsed() < DEADLINE,
            "the server kept reading without writing"
        );
    }
    // The server's echo has now waited for room longer than --send-timeout: it must give
    // up and end the connection, not sit in a write (or a read) for ever.
    threads_back_to(pid, base_threads, "a peer that stopped reading");
    let mut other = connect(port);
    ws_handshake(&mut other);
    ws_echo(&mut other);
    drop(stuck);
    no_panic(&server.kill());
}

#[test]
fn websocket_connections_that_go_quiet_give_their_message_buffers_back() {
    let _one = one_at_a_time();
    let (server, port) = start("ws-server", &["--quiet"]);
    let pid = server.pid();
    const CONNS: usize = 32;
    const SIZE: usize = 500_000;
    let mut conns: Vec<TcpStream> = (0..CONNS).map(|_| connect(port)).collect();
    for conn in &mut conns {
        ws_handshake(conn);
    }
    let before = rss_kib(pid);
    // Each connection echoes one big message and keeps its buffer for the next one
    // (ws-server hands every echoed message back with `reuse`)...
    let frame = ws_frame(SIZE);
    for conn in &mut conns {
        conn.write_all(&frame).unwrap();
    }
    let mut reply = vec![0u8; 10 + SIZE];
    let mut busy = 0;
    for conn in &mut conns {
        conn.read_exact(&mut reply).expect("the echo comes");
        assert!(
            reply[10..].iter().all(|&b| b == b'x'),
            "the echo is the message"
        );
        busy = busy.max(rss_kib(pid));
    }
    let held = (CONNS * SIZE / 1024) as u64;
    assert!(
        busy >= before + held / 2,
        "{CONNS} connections holding {SIZE} bytes each: VmRSS {before} -> {busy} KiB"
    );
    // ...until it has been quiet for KEEP_SPARE (1 s): then none holds a buffer.
    wait_for(
        "the quiet connections' buffers given back",
        DEADLINE,
        || rss_kib(pid) < before + held / 4,
    );
    // Still connected, and served as before.
    ws_echo(&mut conns[0]);
    drop(conns);
    no_panic(&server.kill());
}

// ───────────────────────────── too many connections ─────────────────────────────

#[test]
fn past_max_connections_new_ones_are_refused_cleanly_and_a_freed_slot_serves_again() {
    let _one = one_at_a_time();
    let (mut server, port) = start("tcp-server", &["--max-connections", "5"]);
    let mut held: Vec<TcpStream> = (0..5).map(|_| connect(port)).collect();
    for stream in &mut held {
        assert!(
            hello(stream, DEADLINE),
            "one of the first five was not served"
        );
    }
    let mut extra = connect(port);
    server.wait_err(|l| l.starts_with("[tcp] drop 127.0.0.1:"));
    // Closed at once, without a byte.
    extra.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut buf = [0u8; 8];
    assert!(matches!(extra.read(&mut buf), Ok(0) | Err(_)));
    // One leaves; the first newcomer after its traced `close` is served: a connection gives
    // its place back as it traces its close, so once the line is out the place is free.
    drop(held.pop());
    server.wait_err(|l| l.starts_with("[tcp] close 127.0.0.1:"));
    let mut newcomer = connect(port);
    assert!(
        hello(&mut newcomer, DEADLINE),
        "the first newcomer after a traced close was not served"
    );
    no_panic(&server.kill());
}

#[test]
fn out_of_descriptors_the_server_backs_off_keeps_running_and_recovers() {
    let _one = one_at_a_time();
    // 24 descriptors: stdin, stdout, stderr, the listener, and room for about 20 clients.
    let binary = common::bin("tcp-server");
    let script = format!("ulimit -n 24 && exec '{}' --port 0", binary.display());
    let mut server = Running::command(Command::new("sh").args(["-c", &script]));
    let port = server.listening_port();
    let pid = server.pid();

    let mut clients: Vec<TcpStream> = (0..40).map(|_| connect(port)).collect();
    let connected = Instant::now();
    let served: Vec<bool> = clients
        .iter_mut()
        .map(|c| hello(c, Duration::from_millis(300)))
        .collect();
    let first = served.iter().filter(|s| **s).count();
    assert!(
        (1..40).contains(&first),
        "{first} of 40 served under ulimit -n 24"
    );
    server.wait_err(|l| l == "[tcp] error accept EMFILE");
    // Out of descriptors for a second: the server must stay up, and back off between
    // attempts (ACCEPT_BACKOFF, 50 ms) rather than spin; the errors are counted at the end.
    thread::sleep(Duration::from_secs(1));
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the server died"
    );
    let exhausted_for = connected.elapsed();
    // Free the served ones: the waiting clients are accepted and answered.
    let mut waiting = Vec::new();
    for (client, was_served) in clients.drain(..).zip(served) {
        if was_served {
            drop(client);
        } else {
            waiting.push(client);
        }
    }
    // Each answered client leaves, so that the later ones find descriptors too.
    let total = waiting.len();
    for (i, mut client) in waiting.into_iter().enumerate() {
        client.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut reply = [0u8; 5];
        client.read_exact(&mut reply).unwrap_or_else(|e| {
            panic!("waiting client {i} of {total} was never served ({first} served first): {e}")
        });
        assert_eq!(&reply, b"hello");
    }
    let mut late = connect(port);
    assert!(hello(&mut late, DEADLINE), "not serving after recovering");
    let finished = server.kill();
    no_panic(&finished);
    // At most one attempt per back-off while descriptors ran out (plus a few for luck).
    let errors = finished.err.iter().filter(|l| l.contains("EMFILE")).count();
    let most = (exhausted_for.as_millis() / 50) as usize + 5;
    assert!(
        errors <= most,
        "{errors} accept errors in {exhausted_for:?}: no back-off"
    );
}

/// Tasks (threads) of user `uid` now, from /proc: RLIMIT_NPROC counts them all.
fn tasks_of(uid: u32) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let real = text
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u32>().ok());
        if real == Some(uid) {
            total += text
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1);
        }
    }
    total
}

#[test]
fn a_thread_that_cannot_start_refuses_that_connection_only() {
    let _one = one_at_a_time();
    // RLIMIT_NPROC (`ulimit -u`, here `prlimit --nproc`) counts a user's tasks, threads
    // included, but does not bind root: run the server as `nobody`, with room for itself and
    // four connection threads.
    let is_root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")));
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !is_root || !found("setpriv") || !found("prlimit") {
        eprintln!("skipped: needs root, setpriv(1) and prlimit(1) to run the server as nobody with a thread limit");
        return;
    }
    let nobody = 65534;
    let limit = tasks_of(nobody) + 5;
    let nproc = format!("--nproc={limit}");
    // `nobody` must be able to run the binary: the checkout may sit under a directory only
    // root can enter (a `mktemp -d`), so run a copy from a directory anyone can read.
    let dir = std::env::temp_dir().join(format!("netnotes-nproc-{}", std::process::id()));
    let exe = dir.join("tcp-server");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::copy(common::bin("tcp-server"), &exe).expect("a copy of tcp-server");
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut server = Running::command(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .args(["prlimit", &nproc, "--"])
            .arg(&exe)
            .args(["--port", "0"]),
    );
    let port = server.listening_port();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(port);
        assert!(
            hello(&mut stream, DEADLINE),
            "a connection within the limit was not served"
        );
        held.push(stream);
    }
    // The fifth thread cannot start: that connection alone is refused.
    let mut refused = connect(port);
    server.wait_err(|l| l.starts_with("[tcp] drop 127.0.0.1:"));
    assert!(
        !hello(&mut refused, Duration::from_secs(2)),
        "served past the thread limit"
    );
    for stream in &mut held {
        assert!(
            hello(stream, DEADLINE),
            "a served connection stopped after the refusal"
        );
    }
    // Threads end; new connections get threads again.
    drop(held);
    let mut again = None;
    wait_for("a connection served after threads ended", DEADLINE, || {
        let mut stream = connect(port);
        let served = hello(&mut stream, Duration::from_millis(500));
        again = Some(stream);
        served
    });
    no_panic(&server.kill());
    let _ = std::fs::remove_dir_all(&dir);
}

// ───────────────────────────── peers that vanish ─────────────────────────────

/// Runs `scenario` `n` times at once, each on its own thread.
fn many(n: usize, port: u16, scenario: fn(u16)) {
    let handles: Vec<_> = (0..n)
        .map(|_| thread::spawn(move || scenario(port)))
        .collect();
    for handle in handles {
        handle.join().expect("the scenario ran");
    }
}

#[test]
fn http_peers_that_vanish_leave_no_thread_behind() {
    let _one = one_at_a_time();
    let (server, port) = start("http-server", &["--quiet"]);
    let pid = server.pid();
    let baseline = threads(pid);
    // A reset in the middle of a request (the second, pipelined one).
    many(10, port, |port| {
        let mut s = connect(port);
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHo")
            .unwrap();
        reset(s);
    });
    // A reset in the middle of a response: /stream sends five chunks over a second.
    many(10, port, |port| {
        let mut s = connect(port);
        s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        reset(s);
    });
    // A reset while the server echoes a large body back to a client that does not read.
    many(5, port, |port| {
        let mut s = connect(port);
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
            .unwrap();
        let _ = s.write_all(&[b'x'; 200_000]);
        reset(s);
    });
    // A half-close after the request: the answer still comes, then the server closes.
    many(10, port, |port| {
        let mut s = connect(port);
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).unwrap();
        assert!(
            answer.ends_with(b"Hello World\n\r\n0\r\n\r\n"),
            "{answer:?}"
        );
    });
    // A body cut short by the client's FIN.
    many(10, port, |port| {
        let mut s = connect(port);
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
            .unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
    });
    threads_back_to(pid, baseline, "after HTTP peers vanished");
    let mut check = connect(port);
    get(&mut check);
    drop(check);
    no_panic(&server.kill());
}

#[test]
fn websocket_peers_that_vanish_leave_no_thread_behind() {
    let _one = one_at_a_time();
    let (server, port) = start("ws-server", &["--quiet"]);
    let pid = server.pid();
    let baseline = threads(pid);
    // Our close frame, then gone at once, before the answer (FIN).
    many(10, port, |port| {
        let mut s = connect(port);
        ws_handshake(&mut s);
        s.write_all(&ws_close_frame()).unwrap();
    });
    // An echo left unread, a close frame, then a reset during the close handshake.
    many(10, port, |port| {
        let mut s = connect(port);
        ws_handshake(&mut s);
        s.write_all(&ws_frame(32)).unwrap();
        let mut byte = [0u8; 1];
        let _ = s.peek(&mut byte);
        s.write_all(&ws_close_frame()).unwrap();
        drop(s);
    });
    // A frame cut off in the middle.
    many(10, port, |port| {
        let mut s = connect(port);
        ws_handshake(&mut s);
        let frame = ws_frame(1000);
        s.write_all(&frame[..500]).unwrap();
    });
    // A broken rule (an unmasked client frame), then a reset.
    many(10, port, |port| {
        let mut s = connect(port);
        ws_handshake(&mut s);
        s.write_all(&[0x82, 3, b'a', b'b', b'c']).unwrap();
        reset(s);
    });
    threads_back_to(pid, baseline, "after WebSocket peers vanished");
    let mut check = connect(port);
    ws_handshake(&mut check);
    ws_echo(&mut check);
    drop(check);
    no_panic(&server.kill());
}

#[test]
fn tcp_peers_that_reset_leave_no_thread_behind() {
    let _one = one_at_a_time();
    let (server, port) = start("tcp-server", &["--quiet"]);
    let pid = server.pid();
    let baseline = threads(pid);
    many(20, port, |port| {
        let mut s = connect(port);
        s.write_all(b"hello").unwrap();
        reset(s); // the reply unread: a reset
    });
    many(20, port, |port| {
        let s = connect(port);
        s.shutdown(Shutdown::Write).unwrap(); // a half-close before a byte
        let mut rest = Vec::new();
        let _ = (&s).read_to_end(&mut rest);
    });
    threads_back_to(pid, baseline, "after TCP peers reset");
    let mut check = connect(port);
    assert!(hello(&mut check, DEADLINE));
    drop(check);
    no_panic(&server.kill());
}
