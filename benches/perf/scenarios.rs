//! The benchmarks that are not a request loop: idle connections and memory, slow attackers,
//! Nagle, and what starting a thread costs.

use crate::epoll::{self, Poller};
use crate::load::websocket_handshake;
use crate::procfs::{Group, MemoryMap};
use crate::report::{Report, Row, Target, Unit};
use crate::servers::{our_binary, Server, Who};
use crate::stats::{micros, percentile, thousands, Spread};
use crate::svg::{self, Axis, Chart, Series};
use crate::Config;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// ───────────────────────────── idle connections ─────────────────────────────

/// The soft limit on open files of this process (`ulimit -n`).
fn open_files_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            let line = l.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse().ok()
        })
        .unwrap_or(1024)
}

/// Waits until `check` holds or `timeout` passes; whether it held.
fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Idle connections: how much memory each costs, and whether the server still serves a
/// new client while it holds them. The clients live in another process (this bench binary,
/// started again with `--idle-clients`), as a user's clients would.
pub fn idle(cfg: &Config, report: &mut Report) {
    println!("\n## Idle connections");
    let limit = open_files_limit();
    let target = cfg.idle.min(limit.saturating_sub(200));
    if target < cfg.idle {
        println!(
            "  ulimit -n is {limit}: holding {target} connections instead of {}",
            cfg.idle
        );
    }
    let steps: Vec<usize> = [0.1, 0.25, 0.5, 0.75, 1.0]
        .iter()
        .map(|f| (target as f64 * f).round() as usize)
        .collect();
    let mut curves: Vec<(Who, Vec<(f64, f64)>)> = Vec::new();
    let mut at_target: Vec<(Who, f64, f64)> = Vec::new(); // who, MiB at target, KiB per conn
    let mut kernel_costs: Vec<(Who, Vec<f64>)> = Vec::new(); // KiB per conn: stack, tables, slab
    for (who, started) in [
        (Who::Ours, Server::ours("tcp-server", &[])),
        (Who::Node, Server::node("net-server.js")),
    ] {
        let server = match started {
            Ok(server) => server,
            Err(why) => {
                report.missing(format!("{}: {why}", who.name()));
                continue;
            }
        };
        let group = server.group().clone();
        let base_fds = group.fds();
        thread::sleep(Duration::from_millis(300));
        let base_rss = group.rss_kib();
        let kernel = || ["KernelStack:", "PageTables:", "Slab:"].map(crate::procfs::meminfo_kib);
        let kernel_before = kernel();
        let mut points = vec![(0.0, base_rss as f64 / 1024.0)];
        let mut helper = match Command::new(std::env::current_exe().expect("the bench binary"))
            .arg("--idle-clients")
            .arg(server.addr.to_string())
            .arg(server.pid().to_string())
            .args(steps.iter().map(|s| s.to_string()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                report.check(format!("idle: the client process starts ({e})"), false);
                return;
            }
        };
        let mut to_helper = helper.stdin.take().expect("piped");
        let mut from_helper = BufReader::new(helper.stdout.take().expect("piped")).lines();
        let mut held = 0;
        for &step in &steps {
            let Some(Ok(line)) = from_helper.next() else {
                println!("  the client process stopped before {step} connections");
                break;
            };
            let open: usize = line.trim_start_matches("open ").parse().unwrap_or(0);
            let accepted = wait_until(Duration::from_secs(30), || group.fds() >= base_fds + open);
            thread::sleep(Duration::from_millis(500)); // let the new threads settle
            let rss = group.rss_kib();
            println!(
                "  idle {:<8} {:>6} connections: RSS {:>8.1} MiB, {} threads{}",
                who.name(),
                open,
                rss as f64 / 1024.0,
                group.threads(),
                if accepted {
                    ""
                } else {
                    " (not all accepted yet)"
                }
            );
            points.push((open as f64, rss as f64 / 1024.0));
            if accepted {
                held = open;
            }
            let _ = writeln!(to_helper, "next");
        }
        // The kernel's memory for them (machine-wide, so other work blurs it a little):
        // thread stacks in the kernel, page tables, and slab (sockets, task structs).
        let kernel_after = kernel();
        let kernel_per_conn: Vec<f64> = kernel_before
            .iter()
            .zip(kernel_after)
            .map(|(b, a)| a.saturating_sub(*b) as f64 / held.max(1) as f64)
            .collect();
        // Holding them all: is a new client still served?
        let served = serve_one(server.addr);
        let rss = points.last().map_or(0.0, |p| p.1);
        let per_conn = (rss - points[0].1) * 1024.0 / held.max(1) as f64;
        println!(
            "  idle {:<8} a new client while holding {held}: {}",
            who.name(),
            served.map_or("not served".into(), |t| format!("served in {}", micros(t)))
        );
        if who == Who::Ours {
            report.check(
                format!(
                    "tcp-server (default flags) held {} idle connections from another process and served a new one ({})",
                    thousands(held as f64),
                    served.map_or("not served".into(), |t| format!("in {}", micros(t)))
                ),
                held >= target && served.is_some(),
            );
            let map = MemoryMap::read(server.pid(), 64);
            report.sections.push(memory_section(&map, held, base_rss));
        }
        at_target.push((who, rss, per_conn));
        kernel_costs.push((who, kernel_per_conn));
        curves.push((who, points));
        drop(to_helper); // the helper exits and its connections close
        let _ = helper.wait();
    }
    if let (Some(ours), Some(node)) = (
        at_target.iter().find(|r| r.0 == Who::Ours),
        at_target.iter().find(|r| r.0 == Who::Node),
    ) {
        report.row(Row::paired(
            &format!(
                "Idle connections ({}), tcp-server default flags",
                thousands(target as f64)
            ),
            "resident memory (VmRSS)",
            Unit::Mib,
            Who::Node,
            &[ours.1],
            &[node.1],
            Some(Target::AtMost(1.8)),
        ));
        let k = |who: Who, i: usize| {
            kernel_costs
                .iter()
                .find(|c| c.0 == who)
                .map_or(f64::NAN, |c| c.1[i])
        };
        report.sections.push(format!(
            "### Memory per idle connection\n\n\
             RSS is the server's own memory. The kernel's memory for the same connections shows \
             in no process's RSS; it is read from `/proc/meminfo` before and after (machine-wide, \
             so other work blurs it a little; the slab includes both ends' sockets, the same \
             for both servers).\n\n\
             | server | RSS at {} idle connections | RSS per connection | kernel stacks | page tables | slab |\n\
             |---|---:|---:|---:|---:|---:|\n\
             | netnotes `tcp-server` | {:.1} MiB | {:.1} KiB | {:.1} KiB | {:.1} KiB | {:.1} KiB |\n\
             | Node `net` server | {:.1} MiB | {:.1} KiB | {:.1} KiB | {:.1} KiB | {:.1} KiB |\n",
            thousands(target as f64),
            ours.1,
            ours.2,
            k(Who::Ours, 0),
            k(Who::Ours, 1),
            k(Who::Ours, 2),
            node.1,
            node.2,
            k(Who::Node, 0),
            k(Who::Node, 1),
            k(Who::Node, 2),
        ));
    }
    let chart = Chart {
        title: "Resident memory against idle connections".into(),
        x: Axis { label: "idle TCP connections held (client in another process)".into(), log: false, ticks: None, format: svg::count },
        y: Axis { label: "server RSS, MiB".into(), log: false, ticks: None, format: svg::plain },
        series: curves
            .into_iter()
            .map(|(who, points)| Series { name: who.name().into(), colour: who.colour(), points })
            .collect(),
        caption: format!(
            "tcp-server with default flags beside the notes' Node net server, VmRSS from /proc after each step; {}.{}",
            crate::procfs::machine(),
            if at_target.iter().any(|r| r.0 == Who::Node) { "" } else { " Node left out: not installed." }
        ),
    };
    crate::write_chart(
        cfg,
        report,
        "perf-idle-rss.svg",
        &chart,
        "Resident memory against idle connections",
    );
}

/// Connects, sends `hello`, and waits for the reply: how long it took, if it came.
fn serve_one(addr: SocketAddr) -> Option<f64> {
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    stream.write_all(b"hello").ok()?;
    let mut reply = [0u8; 5];
    stream.read_exact(&mut reply).ok()?;
    (&reply == b"hello").then(|| started.elapsed().as_secs_f64() * 1e6)
}

/// Where an idle server's memory is, mapping by mapping kind.
fn memory_section(map: &MemoryMap, held: usize, base_rss: u64) -> String {
    let n = held.max(1) as f64;
    let mut md = format!(
        "### Where the memory of {} idle connections is (`/proc/PID/smaps` of tcp-server)\n\n\
         | mappings | how many | resident | per connection |\n|---|---:|---:|---:|\n",
        thousands(held as f64)
    );
    for (name, pages) in [
        (
            "thread stacks (64 KiB each; glibc's thread descriptor and TLS at the top)",
            map.stacks,
        ),
        (
            "alternate signal stacks (std, 8 KiB each)",
            map.signal_stacks,
        ),
        ("malloc heaps (`[heap]` and per-thread arenas)", map.heap),
        ("the program and its libraries", map.code),
        ("other", map.other),
    ] {
        let _ = writeln!(
            md,
            "| {name} | {} | {:.1} MiB | {:.2} KiB |",
            thousands(pages.mappings as f64),
            pages.rss_kib as f64 / 1024.0,
            pages.rss_kib as f64 / n
        );
    }
    let _ = writeln!(
        md,
        "| total (before any connection: {:.1} MiB) | | {:.1} MiB | {:.2} KiB |",
        base_rss as f64 / 1024.0,
        map.total_kib() as f64 / 1024.0,
        (map.total_kib().saturating_sub(base_rss)) as f64 / n
    );
    md
}

/// `--idle-clients ADDR SERVER_PID STEP...`: the client process of [`idle`]. Opens
/// connections up to each step, prints `open N`, and waits for a line on stdin before the
/// next step; after the last, holds them until stdin closes.
pub fn idle_clients(args: &[String]) {
    let addr: SocketAddr = args[0].parse().expect("an address");
    let server = Group::of(args[1].parse().expect("a pid"));
    let steps: Vec<usize> = args[2..].iter().filter_map(|s| s.parse().ok()).collect();
    let base = server.fds();
    let mut conns = Vec::new();
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    for step in steps {
        while conns.len() < step {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
                Ok(stream) => conns.push(stream),
                Err(e) => {
                    eprintln!("idle client: connect: {e}");
                    return;
                }
            }
            // Pace the connects to the server's accept loop: std listens with a backlog of
            // 128, and a backlog that overflows drops SYNs, each costing the client a 1 s
            // retransmission. So no more than 64 wait to be accepted at any time.
            if conns.len() % 16 == 0 {
                wait_until(Duration::from_secs(5), || {
                    server.fds() + 64 >= base + conns.len()
                });
            }
        }
        println!("open {}", conns.len());
        let _ = std::io::stdout().flush();
        line.clear();
        if stdin.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
    }
    let mut rest = Vec::new();
    let _ = stdin.read_to_end(&mut rest);
}

// ───────────────────────────── slow attackers ─────────────────────────────

/// What a slowloris run found.
struct Slowloris {
    normal: Vec<u32>,
    normal_errors: u64,
    slow: usize,
    cut_after: Vec<f64>,
    answered_408: usize,
    base_rss: u64,
    peak_rss: u64,
    base_threads: u64,
    peak_threads: u64,
    after_threads: u64,
}

/// Slowloris against `http-server` and against `ws-server`'s handshake: many connections each
/// sending a request head one byte every couple of seconds, while a normal client goes on.
pub fn slowloris(cfg: &Config, report: &mut Report) {
    println!("\n## Slow attackers");
    let timeout_ms = 5_000;
    let interval = Duration::from_secs(2);
    let padding = "a".repeat(200);
    let http_head = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Padding: {padding}\r\n\r\n");
    let ws_head = format!(
        "GET /updates HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Padding: {padding}\r\n\r\n"
    );
    let timeout = timeout_ms.to_string();
    for (name, bin, head, websocket) in [
        ("http-server", "http-server", http_head, false),
        ("ws-server (handshake)", "ws-server", ws_head, true),
    ] {
        let server = match Server::ours(bin, &["--headers-timeout", &timeout]) {
            Ok(server) => server,
            Err(why) => {
                report.check(
                    format!("slowloris: {bin} starts with --headers-timeout ({why})"),
                    false,
                );
                continue;
            }
        };
        let found = run_slowloris(
            &server,
            cfg.slowloris,
            head.as_bytes(),
            interval,
            Duration::from_millis(timeout_ms),
            websocket,
        );
        let Some(found) = found else {
            report.check(
                format!("slowloris against {name}: the run completed"),
                false,
            );
            continue;
        };
        let p99 = f64::from(percentile(&found.normal, 99.0));
        let cut = Spread::of(&found.cut_after).unwrap_or(Spread {
            min: f64::NAN,
            median: f64::NAN,
            max: f64::NAN,
        });
        let growth = found.peak_rss.saturating_sub(found.base_rss);
        report.check(
            format!(
                "slowloris against {name}: {} slow heads (a byte every {} s) beside a normal client: its p99 {} (target < 100 ms), {} exchanges, {} failed",
                thousands(found.slow as f64),
                interval.as_secs(),
                micros(p99),
                thousands(found.normal.len() as f64),
                found.normal_errors
            ),
            p99 < 100_000.0 && found.normal_errors == 0 && !found.normal.is_empty(),
        );
        report.check(
            format!(
                "slowloris against {name}: {} of {} slow connections cut by the {} s header timeout, {} with a 408, {:.1} – {:.1} s after their first byte",
                found.cut_after.len(),
                found.slow,
                timeout_ms / 1000,
                found.answered_408,
                cut.min,
                cut.max
            ),
            found.cut_after.len() == found.slow
                && cut.min >= timeout_ms as f64 / 1000.0 - 0.1
                && cut.max <= timeout_ms as f64 / 1000.0 + interval.as_secs_f64() + 1.5,
        );
        report.check(
            format!(
                "slowloris against {name}: memory bounded: RSS {:.1} → peak {:.1} MiB ({:.1} KiB per slow connection), threads {} → peak {} → {} after",
                found.base_rss as f64 / 1024.0,
                found.peak_rss as f64 / 1024.0,
                growth as f64 / found.slow.max(1) as f64,
                found.base_threads,
                found.peak_threads,
                found.after_threads
            ),
            growth <= 64 * found.slow as u64 && found.after_threads <= found.base_threads,
        );
    }
}

/// One slowloris run; `None` if the server stopped answering altogether.
fn run_slowloris(
    server: &Server,
    slow: usize,
    head: &[u8],
    interval: Duration,
    timeout: Duration,
    websocket: bool,
) -> Option<Slowloris> {
    let group = server.group().clone();
    let base_rss = group.rss_kib();
    let base_threads = group.threads();
    let base_fds = group.fds();
    let poller = Poller::new().ok()?;
    struct Slow {
        stream: Option<TcpStream>,
        sent: usize,
        first_byte: Option<Instant>,
        next: Instant,
        got_408: bool,
    }
    let start = Instant::now();
    let mut conns: Vec<Slow> = Vec::with_capacity(slow);
    for i in 0..slow {
        let mut stream = TcpStream::connect_timeout(&server.addr, Duration::from_secs(5)).ok()?;
        // The first byte at once: the header timeout runs from it (and, for a first request,
        // from the connection, so a silent connection would be cut just the same).
        stream.write_all(&head[..1]).ok()?;
        stream.set_nonblocking(true).ok()?;
        poller.add(stream.as_raw_fd(), i as u64, epoll::IN).ok()?;
        let now = Instant::now();
        conns.push(Slow {
            stream: Some(stream),
            sent: 1,
            first_byte: Some(now),
            next: now + interval,
            got_408: false,
        });
        // Pace the connects to the accept loop (see `idle_clients`).
        if i % 16 == 15 {
            wait_until(Duration::from_secs(5), || group.fds() + 64 >= base_fds + i);
        }
    }
    println!(
        "  slowloris: {slow} slow connections open after {}",
        micros(start.elapsed().as_secs_f64() * 1e6)
    );

    // The normal client, on its own thread, until the slow ones are done.
    let stop = Arc::new(AtomicBool::new(false));
    let normal = {
        let stop = Arc::clone(&stop);
        let addr = server.addr;
        thread::spawn(move || normal_client(addr, websocket, &stop))
    };

    let mut events = Vec::new();
    let mut cut_after = Vec::new();
    let mut answered_408 = 0;
    let (mut peak_rss, mut peak_threads) = (base_rss, base_threads);
    let mut last_sample = Instant::now();
    let deadline = Instant::now() + timeout + interval * 2 + Duration::from_secs(5);
    let mut open = slow;
    let mut buf = [0u8; 256];
    while open > 0 && Instant::now() < deadline {
        let now = Instant::now();
        for c in conns
            .iter_mut()
            .filter(|c| c.stream.is_some() && c.next <= now)
        {
            if let Some(stream) = &mut c.stream {
                if c.sent < head.len() && stream.write(&head[c.sent..c.sent + 1]).is_ok() {
                    c.sent += 1;
                    c.first_byte.get_or_insert(now);
                }
            }
            c.next = now + interval;
        }
        let ready: Vec<u64> = poller
            .wait(&mut events, Duration::from_millis(20))
            .ok()?
            .iter()
            .map(|e| e.token())
            .collect();
        for token in ready {
            let c = &mut conns[token as usize];
            let Some(stream) = &mut c.stream else {
                continue;
            };
            match stream.read(&mut buf) {
                Ok(n) if n > 0 => c.got_408 |= buf[..n].starts_with(b"HTTP/1.1 408"),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                _ => {
                    // The server's FIN (or a reset): this connection was cut.
                    let began = c.first_byte.unwrap_or(start);
                    cut_after.push(began.elapsed().as_secs_f64());
                    answered_408 += usize::from(c.got_408);
                    c.stream = None;
                    open -= 1;
                }
            }
        }
        if last_sample.elapsed() >= Duration::from_millis(100) {
            peak_rss = peak_rss.max(group.rss_kib());
            peak_threads = peak_threads.max(group.threads());
            last_sample = Instant::now();
        }
    }
    stop.store(true, Ordering::SeqCst);
    let (normal, normal_errors) = normal.join().ok()?;
    wait_until(Duration::from_secs(5), || group.threads() <= base_threads);
    Some(Slowloris {
        normal,
        normal_errors,
        slow,
        cut_after,
        answered_408,
        base_rss,
        peak_rss,
        base_threads,
        peak_threads,
        after_threads: group.threads(),
    })
}

/// A normal client beside the slow ones: keep-alive `GET /` (or 32-byte WebSocket echoes)
/// one after another until `stop`; each exchange's latency in µs, and the failures.
fn normal_client(addr: SocketAddr, websocket: bool, stop: &AtomicBool) -> (Vec<u32>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut stream: Option<TcpStream> = None;
    let frame = match crate::load::websocket_echo(32) {
        crate::load::Exchange::Fixed {
            request, reply_len, ..
        } => (request, reply_len),
        _ => unreachable!("websocket_echo is a fixed exchange"),
    };
    let mut buf = vec![0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        if stream.is_none() {
            let connected =
                TcpStream::connect_timeout(&addr, Duration::from_secs(1)).and_then(|mut s| {
                    s.set_read_timeout(Some(Duration::from_secs(1)))?;
                    s.set_nodelay(true)?;
                    if websocket {
                        websocket_handshake(&mut s)?;
                        s.set_read_timeout(Some(Duration::from_secs(1)))?;
                    }
                    Ok(s)
                });
            match connected {
                Ok(s) => stream = Some(s),
                Err(_) => {
                    errors += 1;
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            }
        }
        let s = stream.as_mut().expect("connected above");
        let ok = if websocket {
            s.write_all(&frame.0).is_ok() && s.read_exact(&mut buf[..frame.1]).is_ok()
        } else {
            s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .is_ok()
                && read_http_reply(s, &mut buf)
        };
        if ok {
            latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        } else {
            errors += 1;
            stream = None;
        }
        thread::sleep(Duration::from_millis(2));
    }
    latencies.sort_unstable();
    (latencies, errors)
}

fn read_http_reply(stream: &mut TcpStream, buf: &mut [u8]) -> bool {
    let mut len = 0;
    loop {
        match stream.read(&mut buf[len..]) {
            Ok(0) | Err(_) => return false,
            Ok(n) => len += n,
        }
        match crate::load::http_reply(&buf[..len]) {
            Some(Ok(end)) => return end == len,
            Some(Err(())) => return false,
            None if len == buf.len() => return false,
            None => {}
        }
    }
}

// ───────────────────────────── Nagle ─────────────────────────────

/// `nagle --json`: the median round trip with Nagle on against TCP_NODELAY.
pub fn nagle(report: &mut Report) {
    println!("\n## Nagle");
    let out = Command::new(our_binary("nagle")).arg("--json").output();
    let Ok(out) = out else {
        report.check("nagle --json runs", false);
        return;
    };
    let json = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |section: &str, key: &str| -> Option<f64> {
        let s = &json[json.find(&format!("\"{section}\""))?..];
        let s = &s[s.find(&format!("\"{key}\":"))? + key.len() + 3..];
        s[..s.find([',', '}'])?].trim().parse().ok()
    };
    match (
        field("nodelay_off", "p50_us"),
        field("nodelay_on", "p50_us"),
    ) {
        (Some(on), Some(off)) => {
            println!(
                "  nagle: p50 with Nagle on {}, with TCP_NODELAY {}",
                micros(on),
                micros(off)
            );
            report.row(Row {
                benchmark: "Nagle (`nagle --json`), write-write-read".into(),
                figure: "p50 round trip, Nagle on ÷ TCP_NODELAY".into(),
                unit: Unit::Micros,
                ours: on,
                peer: "TCP_NODELAY",
                theirs: off,
                ratio: Spread::of(&[on / off]),
                target: Some(Target::AtLeast(100.0)),
            });
        }
        _ => report.check(
            format!("nagle --json prints p50_us for both modes ({json})"),
            false,
        ),
    }
}

// ───────────────────────────── thread start-up ─────────────────────────────

/// What starting a thread costs, against handing work to one that is parked: the cost a new
/// connection per request pays in a thread-per-connection server.
pub fn thread_start(report: &mut Report) {
    println!("\n## Thread start-up");
    // Many times, so that CPU time (counted by /proc in 10 ms ticks) is precise to 2 %.
    let n = 20_000;
    let cpu = || Group::of(std::process::id()).cpu();
    let (started, cpu_before) = (Instant::now(), cpu());
    for _ in 0..n {
        let handle = thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {})
            .expect("a thread starts");
        let _ = handle.join();
    }
    let spawn_us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    let spawn_cpu_us = (cpu() - cpu_before).as_secs_f64() * 1e6 / n as f64;

    // A parked thread woken with a job and answering: Mutex + Condvar, both ways.
    let slot = Arc::new((Mutex::new((0u64, 0u64)), Condvar::new()));
    let worker = {
        let slot = Arc::clone(&slot);
        thread::spawn(move || {
            let (lock, cv) = &*slot;
            let mut state = lock.lock().expect("not poisoned");
            loop {
                while state.0 == state.1 {
                    state = cv.wait(state).expect("not poisoned");
                }
                if state.0 == u64::MAX {
                    return;
                }
                state.1 = state.0;
                cv.notify_all();
            }
        })
    };
    let (started, cpu_before) = (Instant::now(), cpu());
    {
        let (lock, cv) = &*slot;
        for i in 1..=n as u64 {
            let mut state = lock.lock().expect("not poisoned");
            state.0 = i;
            cv.notify_all();
            while state.1 != i {
                state = cv.wait(state).expect("not poisoned");
            }
        }
        lock.lock().expect("not poisoned").0 = u64::MAX;
        cv.notify_all();
    }
    let handoff_us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    let handoff_cpu_us = (cpu() - cpu_before).as_secs_f64() * 1e6 / n as f64;
    let _ = worker.join();
    println!(
        "  spawn + join a 64 KiB thread: {spawn_us:.1} µs ({spawn_cpu_us:.1} µs of CPU); \
         wake a waiting thread and hear back: {handoff_us:.1} µs ({handoff_cpu_us:.1} µs of CPU)"
    );
    report.sections.push(format!(
        "### What a thread costs to start\n\n\
         Measured in the bench process, {} times each, one after another, nothing else running \
         in it: a job run on a new thread with a 64 KiB stack, joined, takes {spawn_us:.1} µs \
         ({spawn_cpu_us:.1} µs of CPU); the same job handed to a thread that is already waiting \
         (Mutex + Condvar), with its answer awaited, takes {handoff_us:.1} µs ({handoff_cpu_us:.1} µs \
         of CPU). Both include two switches between threads, which on this virtual machine are \
         much of the cost; the difference is what creating a thread and ending it adds (an `mmap` \
         and `mprotect` for the stack, `clone3`, the new thread's own set-up — its signal stack, \
         its name, `sched_getaffinity` — and all of it undone at the end). In a busy server it \
         costs more than here: those `mmap`s and `munmap`s take the process's memory-map lock, \
         which every other thread's page faults need too (`perf` showed the wait, \
         `rwsem_down_write_slowpath`). Measured in the real server, handing new connections to \
         waiting threads took the `Connection: close` benchmark from 47.7 to 25.7 µs of server CPU \
         per request (docs above, and the commit that made the change).\n",
        thousands(n as f64),
    ));
}
