//! `cargo bench`: netnotes against the programs a user would pick instead — the Node
//! originals and nginx — side by side on loopback, and the load and fault scenarios at full
//! size. One run writes every figure of `docs/src/performance-figures.md` (between its markers)
//! and the charts beside it (`docs/src/perf-*.svg`).
//!
//! ```text
//!   cargo bench                        everything (about 7 minutes on 2 cores)
//!   cargo bench -- http ws             only the benchmarks named (see NAMES)
//!   cargo bench --bench perf -- --quick      short runs, to try the machinery; writes nothing
//!   cargo bench --bench perf -- --no-write   print the results, leave docs/src/ alone
//!   cargo bench --bench perf -- --rounds=3 --seconds=2   fewer or shorter runs (default 4 of 3 s)
//! ```
//!
//! (Flags need `--bench perf`: a plain `cargo bench` also runs the library's and binaries' test
//! harnesses in bench mode, which accept names to filter by but reject flags they do not know.)
//!
//! The layout:
//!
//! ```text
//!   main.rs       the driver: arguments, the order of the benchmarks, writing docs/src/
//!   runs.rs       the comparisons: start servers, alternate A B C A B C, ratios per round
//!   load.rs       the load generator: N connections on one epoll thread, latency per exchange
//!   epoll.rs      epoll_create1 / epoll_ctl / epoll_wait by hand: the crate's only `unsafe`
//!   servers.rs    starting ours (`--port 0 --quiet`), Node's programs, nginx, the baseline
//!   baseline.rs   the plainest std server of our design, the floor our servers are held to,
//!                 and two variants of it that calibrate what an instruction costs
//!   scenarios.rs  idle connections and memory, slowloris, Nagle, thread start-up
//!   procfs.rs     CPU time, RSS, threads, descriptors, smaps, from /proc
//!   report.rs     rows with targets, Markdown; svg.rs: the charts
//! ```
//!
//! Peers (Node, nginx, wrk) that are not installed are left out and named, never an error.

#![deny(unsafe_code)]

mod baseline;
mod strict;
// The tests' helpers; the bench uses their reading of a listening line (`port_in`).
#[path = "../../tests/common/mod.rs"]
mod common;
mod epoll;
mod load;
mod procfs;
mod report;
mod runs;
mod scenarios;
mod servers;
mod stats;
mod svg;

use report::Report;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// The benchmarks, in the order they run; each name selects one on the command line.
const NAMES: &[&str] = &[
    "http",
    "calibrate",
    "http-close",
    "tcp1",
    "tcp50",
    "ws",
    "idle",
    "nagle",
    "threads",
    "slowloris",
    "chart",
];

/// How long and how often.
#[derive(Debug, Clone)]
pub struct Config {
    /// A B A B ...: how many times each server of a comparison is run.
    pub rounds: usize,
    /// The measured part of one run.
    pub duration: Duration,
    /// Before it: connections open, caches warm; not counted.
    pub warmup: Duration,
    /// Between two runs.
    pub pause: Duration,
    /// wrk's runs per server.
    pub wrk_rounds: usize,
    /// Connection counts of the charts, and the length and rounds of each point.
    pub chart_counts: Vec<usize>,
    pub chart_duration: Duration,
    pub chart_rounds: usize,
    /// Idle connections to hold.
    pub idle: usize,
    /// Slow connections in the slowloris scenario.
    pub slowloris: usize,
    /// Whether to write docs/src/.
    pub write: bool,
    only: Vec<String>,
}

impl Config {
    fn from_args(args: &[String]) -> Config {
        let quick = args.iter().any(|a| a == "--quick");
        let mut cfg = Config {
            rounds: 4,
            duration: Duration::from_secs(3),
            warmup: Duration::from_millis(500),
            pause: runs::PAUSE,
            wrk_rounds: 2,
            chart_counts: vec![1, 10, 50, 100, 500, 1000],
            chart_duration: Duration::from_secs(2),
            chart_rounds: 1,
            idle: 10_000,
            slowloris: 2_000,
            write: !quick && !args.iter().any(|a| a == "--no-write"),
            only: args
                .iter()
                .filter(|a| !a.starts_with("--"))
                .cloned()
                .collect(),
        };
        if quick {
            cfg.rounds = 2;
            cfg.duration = Duration::from_secs(1);
            cfg.warmup = Duration::from_millis(200);
            cfg.wrk_rounds = 1;
            cfg.chart_counts = vec![1, 50, 500];
            cfg.chart_duration = Duration::from_secs(1);
            cfg.idle = 2_000;
            cfg.slowloris = 300;
        }
        for arg in args {
            if let Some(n) = arg.strip_prefix("--rounds=").and_then(|n| n.parse().ok()) {
                cfg.rounds = n;
            }
            if let Some(s) = arg.strip_prefix("--seconds=").and_then(|s| s.parse().ok()) {
                cfg.duration = Duration::from_secs_f64(s);
            }
        }
        cfg
    }

    fn wants(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == name)
    }
}

/// Writes a chart into docs/src/ (unless told not to) and lists it in the report.
pub fn write_chart(cfg: &Config, report: &mut Report, file: &str, chart: &svg::Chart, alt: &str) {
    if cfg.write {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/src")
            .join(file);
        match std::fs::write(&path, svg::render(chart)) {
            Ok(()) => println!("  wrote {}", path.display()),
            Err(e) => println!("  could not write {}: {e}", path.display()),
        }
    }
    report.charts.push((file.to_string(), alt.to_string()));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--idle-clients") {
        return scenarios::idle_clients(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--baseline") {
        return baseline::serve(&args[1..]);
    }
    let args: Vec<String> = args.into_iter().filter(|a| a != "--bench").collect();
    if let Some(unknown) = args
        .iter()
        .find(|a| !a.starts_with("--") && !NAMES.contains(&a.as_str()))
    {
        eprintln!(
            "error: no benchmark {unknown:?}; the names are: {}",
            NAMES.join(" ")
        );
        std::process::exit(2);
    }
    let cfg = Config::from_args(&args);
    let started = Instant::now();
    let load_before = procfs::load_average();
    let mut report = Report::default();
    println!(
        "netnotes benchmarks on {}; load average {load_before:.2}",
        procfs::machine()
    );

    if cfg.wants("http") {
        runs::http_keep_alive(&cfg, &mut report);
    }
    if cfg.wants("calibrate") {
        runs::calibrate(&cfg, &mut report);
    }
    if cfg.wants("http-close") {
        runs::http_close(&cfg, &mut report);
    }
    if cfg.wants("tcp1") {
        runs::tcp_one(&cfg, &mut report);
    }
    if cfg.wants("tcp50") {
        runs::tcp_fifty(&cfg, &mut report);
    }
    if cfg.wants("ws") {
        runs::websocket(&cfg, &mut report);
    }
    if cfg.wants("idle") {
        scenarios::idle(&cfg, &mut report);
    }
    if cfg.wants("nagle") {
        scenarios::nagle(&mut report);
    }
    if cfg.wants("threads") {
        scenarios::thread_start(&mut report);
    }
    if cfg.wants("slowloris") {
        scenarios::slowloris(&cfg, &mut report);
    }
    if cfg.wants("chart") {
        runs::chart(&cfg, &mut report);
    }

    let load_after = procfs::load_average();
    let header = header(&cfg, &args, started.elapsed(), load_before, load_after);
    let markdown = report.markdown(&header);
    println!("\n{markdown}");
    if cfg.write && cfg.only.is_empty() {
        let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/performance-figures.md");
        match report::write_between_markers(&page, &markdown) {
            Ok(true) => println!("wrote the figures into {}", page.display()),
            Ok(false) => println!("{} has no markers: figures not written", page.display()),
            Err(e) => println!("could not write {}: {e}", page.display()),
        }
    } else if cfg.write {
        println!("(a partial run: docs/src/performance-figures.md left alone; the charts it ran were written)");
    }
    let missed = report
        .rows
        .iter()
        .filter(|r| r.met() == Some(false))
        .count();
    let failed = report.checks.iter().filter(|c| !c.1).count();
    println!(
        "\n{} targets met, {missed} missed; {} scenario checks passed, {failed} failed; {:.0} s in all",
        report.rows.iter().filter(|r| r.met() == Some(true)).count(),
        report.checks.len() - failed,
        started.elapsed().as_secs_f64()
    );
}

/// The head of the generated section: when, where, with what, how busy the machine was.
fn header(cfg: &Config, args: &[String], took: Duration, before: f64, after: f64) -> String {
    let date = netnotes::http::message::http_date(SystemTime::now());
    let command = if args.is_empty() {
        "cargo bench".to_string()
    } else {
        format!("cargo bench -- {}", args.join(" "))
    };
    let peers: Vec<String> = ["node", "nginx", "wrk"]
        .iter()
        .map(|p| {
            format!(
                "{p}: {}",
                servers::version(p).unwrap_or_else(|| "not installed".into())
            )
        })
        .collect();
    format!(
        "Generated by `{command}` on {date}, in {:.0} s. Machine: {}. Peers: {}. \
         Each comparison: {} rounds of {} s (after {} ms of warm-up), the servers alternated \
         within each round; the ratio is ours ÷ theirs, per round. Load average (1 min) {before:.2} \
         before the run: anything much above 0 means other work shared the machine, and the \
         figures are preliminary. (It was {after:.2} after: the bench's own doing, mostly, since \
         its idle-connection and slowloris scenarios run thousands of threads.)\n",
        took.as_secs_f64(),
        procfs::machine(),
        peers.join(", "),
        cfg.rounds,
        cfg.duration.as_secs_f64(),
        cfg.warmup.as_millis(),
    )
}
