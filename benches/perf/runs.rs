//! The comparisons: each benchmark starts our server and its peers, drives each with the
//! same generator, alternately (A B C, B C A, C A B ...) so that whatever else the machine is doing
//! falls on all of them, and reports ours ÷ theirs round by round.

use crate::load::{self, Exchange, Outcome, Plan};
use crate::report::{Cost, Report, Row, Target, Unit};
use crate::servers::{Server, Who};
use crate::stats::{micros, thousands, Spread};
use crate::svg::{self, Axis, Chart, Series};
use crate::Config;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::Command;
use std::thread;
use std::time::Duration;

/// Starts each server; one that cannot start is left out and named.
fn start_all(report: &mut Report, mut starts: Vec<(Who, Result<Server, String>)>) -> Vec<Server> {
    // An earlier build of ours, when one is given, runs beside the others.
    if let Some((Who::Ours, Ok(ours))) = starts.first() {
        let name = ours.binary.clone();
        let extra: Vec<&str> = ours.extra.iter().map(String::as_str).collect();
        if let Some(before) = Server::before(&name, &extra) {
            starts.insert(1, (Who::Before, before));
        }
    }
    let mut servers = Vec::new();
    for (who, started) in starts {
        match started {
            Ok(server) => servers.push(server),
            Err(why) => report.missing(format!("{}: {why}", who.name())),
        }
    }
    servers
}

/// Runs `plan` against every server, `rounds` times, alternating. Returns each server's
/// outcomes, round by round.
///
/// Each round starts one server further on (A B C, B C A, C A B, ...), so that no server
/// always runs first, or always right after the same one.
fn alternate(
    cfg: &Config,
    report: &mut Report,
    label: &str,
    servers: &[Server],
    plan: impl Fn(&Server) -> Plan,
    rounds: usize,
) -> HashMap<Who, Vec<Outcome>> {
    let mut results: HashMap<Who, Vec<Outcome>> = HashMap::new();
    for round in 1..=rounds {
        let first = (round - 1) % servers.len().max(1);
        for server in servers[first..].iter().chain(&servers[..first]) {
            let plan = plan(server);
            let outcome = match load::run(&plan, server.group()) {
                Ok(outcome) => outcome,
                Err(e) => {
                    println!("  {label} round {round} {}: failed: {e}", server.who.name());
                    report.check(
                        format!("{label}: {} kept serving", server.who.name()),
                        false,
                    );
                    Outcome::default()
                }
            };
            println!(
                "  {label:<28} round {round}  {:<8} {:>9}/s  p50 {:>9}  p99 {:>9}  server {:>8}/x (kernel {:>8})  generator {:>8}/x  cross-CPU {:.1}/100x  errors {}",
                server.who.name(),
                thousands(outcome.rate()),
                micros(outcome.latency(50.0)),
                micros(outcome.latency(99.0)),
                micros(outcome.server_us()),
                micros(outcome.server_system_us()),
                micros(outcome.generator_us()),
                outcome.cross_cpu_per_100(),
                outcome.errors
            );
            results.entry(server.who).or_default().push(outcome);
            thread::sleep(cfg.pause);
        }
    }
    // What the generator cost beside what the server cost, medians over the rounds.
    for server in servers {
        let outs = &results[&server.who];
        let median = |f: fn(&Outcome) -> f64| {
            Spread::of(&outs.iter().map(f).collect::<Vec<_>>()).map_or(f64::NAN, |s| s.median)
        };
        let errors: u64 = outs.iter().map(|o| o.errors).sum();
        report.costs.push(Cost {
            run: label.to_string(),
            server: server.who.name(),
            server_us: median(Outcome::server_us),
            system_us: median(Outcome::server_system_us),
            cross_cpu_per_100: median(Outcome::cross_cpu_per_100),
            generator_us: median(Outcome::generator_us),
            errors,
        });
    }
    results
}

fn figures(outcomes: &[Outcome], f: impl Fn(&Outcome) -> f64) -> Vec<f64> {
    outcomes.iter().map(f).collect()
}

/// Adds a row for each peer present: `figure` of ours against theirs.
#[allow(clippy::too_many_arguments)]
fn rows(
    report: &mut Report,
    results: &HashMap<Who, Vec<Outcome>>,
    benchmark: &str,
    figure: &str,
    unit: Unit,
    value: fn(&Outcome) -> f64,
    targets: &[(Who, Option<Target>)],
) {
    let Some(ours) = results.get(&Who::Ours) else {
        return;
    };
    let before = [(Who::Before, None)];
    for &(peer, target) in targets.iter().chain(&before) {
        if let Some(theirs) = results.get(&peer) {
            report.row(Row::paired(
                benchmark,
                figure,
                unit,
                peer,
                &figures(ours, value),
                &figures(theirs, value),
                target,
            ));
        }
    }
}

fn plan(server: &Server, cfg: &Config, connections: usize, exchange: Exchange) -> Plan {
    Plan {
        addr: server.addr,
        connections,
        warmup: cfg.warmup,
        duration: cfg.duration,
        exchange,
    }
}

fn http_servers(report: &mut Report) -> Vec<Server> {
    start_all(
        report,
        vec![
            (Who::Ours, Server::ours("http-server", &[])),
            (Who::Node, Server::node("http-hello.js")),
            (Who::Nginx, Server::nginx()),
        ],
    )
}

/// Ours is held to the baseline: at least this much of its exchanges per server CPU-second.
const OF_BASELINE: Option<Target> = Some(Target::AtLeast(0.95));

/// HTTP hello, keep-alive, 50 connections; and wrk's figures where wrk is installed.
pub fn http_keep_alive(cfg: &Config, report: &mut Report) {
    println!("\n## HTTP hello, keep-alive, 50 connections");
    let mut servers = http_servers(report);
    servers.extend(start_all(
        report,
        vec![(Who::Baseline, Server::baseline("http"))],
    ));
    let results = alternate(
        cfg,
        report,
        "http keep-alive 50",
        &servers,
        |s| plan(s, cfg, 50, Exchange::HttpKeepAlive),
        cfg.rounds,
    );
    let bench = "HTTP hello, keep-alive, 50 connections";
    let rate = Unit::PerSecond("req");
    rows(
        report,
        &results,
        bench,
        "requests/s",
        rate,
        Outcome::rate,
        &[
            (Who::Node, Some(Target::AtLeast(3.0))),
            (Who::Nginx, Some(Target::AtLeast(0.9))),
            (Who::Baseline, None),
        ],
    );
    rows(
        report,
        &results,
        bench,
        "p99 latency",
        Unit::Micros,
        |o| o.latency(99.0),
        &[
            (Who::Node, Some(Target::AtMost(1.0))),
            (Who::Nginx, Some(Target::AtMost(1.0))),
        ],
    );
    rows(
        report,
        &results,
        bench,
        "requests per server CPU-second",
        Unit::PerCpuSecond("req"),
        Outcome::per_server_cpu_second,
        &[
            (Who::Node, None),
            (Who::Nginx, None),
            (Who::Baseline, OF_BASELINE),
        ],
    );
    wrk(cfg, report, &servers, bench);
}

/// What an instruction costs a server woken cold: ours and the HTTP baseline beside the
/// baseline doing about as many instructions as ours does beyond it, once in a tight loop
/// and once spread over as many cache lines of code as ours runs through (`baseline.rs`).
/// The three differences split what our HTTP server costs beyond the baseline into the
/// instructions themselves, the code they are spread over, and the rest.
pub fn calibrate(cfg: &Config, report: &mut Report) {
    println!("\n## Calibration: HTTP hello, keep-alive, 50 connections");
    let servers = start_all(
        report,
        vec![
            (Who::Ours, Server::ours("http-server", &[])),
            (Who::Baseline, Server::baseline("http")),
            (Who::Tight, Server::baseline("http-tight")),
            (Who::Spread, Server::baseline("http-spread")),
            (Who::Strict, Server::baseline("http-strict")),
        ],
    );
    let results = alternate(
        cfg,
        report,
        "calibration: http keep-alive 50",
        &servers,
        |s| plan(s, cfg, 50, Exchange::HttpKeepAlive),
        cfg.rounds,
    );
    rows(
        report,
        &results,
        "Calibration: HTTP hello, keep-alive, 50 connections",
        "requests per server CPU-second",
        Unit::PerCpuSecond("req"),
        Outcome::per_server_cpu_second,
        &[
            (Who::Baseline, None),
            (Who::Tight, None),
            (Who::Spread, None),
            (Who::Strict, None),
        ],
    );
}

/// wrk's own figure for the keep-alive benchmark, if wrk is installed.
fn wrk(cfg: &Config, report: &mut Report, servers: &[Server], bench: &str) {
    if crate::servers::version("wrk").is_none() {
        report.missing("wrk: not installed (its figures are left out)".into());
        return;
    }
    let seconds = cfg.duration.as_secs().max(1);
    let mut results: HashMap<Who, Vec<(f64, f64)>> = HashMap::new();
    for _ in 0..cfg.wrk_rounds {
        for server in servers.iter().filter(|s| s.who != Who::Baseline) {
            let out = Command::new("wrk")
                .args(["-t1", "-c50", &format!("-d{seconds}s"), "--latency"])
                .arg(format!("http://{}/", server.addr))
                .output();
            let Ok(out) = out else { continue };
            let text = String::from_utf8_lossy(&out.stdout);
            let rate = text
                .lines()
                .find_map(|l| l.strip_prefix("Requests/sec:"))
                .and_then(|v| v.trim().parse::<f64>().ok());
            let p99 = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("99%"))
                .and_then(|v| wrk_duration_us(v.trim()));
            if let (Some(rate), Some(p99)) = (rate, p99) {
                println!(
                    "  wrk -t1 -c50 -d{seconds}s      {:<8} {:>9}/s  p99 {:>9}",
                    server.who.name(),
                    thousands(rate),
                    micros(p99)
                );
                results.entry(server.who).or_default().push((rate, p99));
            }
            thread::sleep(cfg.pause);
        }
    }
    let Some(ours) = results.get(&Who::Ours) else {
        return;
    };
    for peer in [Who::Node, Who::Nginx] {
        if let Some(theirs) = results.get(&peer) {
            let (a, b): (Vec<f64>, Vec<f64>) = (
                ours.iter().map(|x| x.0).collect(),
                theirs.iter().map(|x| x.0).collect(),
            );
            report.row(Row::paired(
                bench,
                "requests/s, measured by wrk",
                Unit::PerSecond("req"),
                peer,
                &a,
                &b,
                None,
            ));
            let (a, b): (Vec<f64>, Vec<f64>) = (
                ours.iter().map(|x| x.1).collect(),
                theirs.iter().map(|x| x.1).collect(),
            );
            report.row(Row::paired(
                bench,
                "p99 latency, measured by wrk",
                Unit::Micros,
                peer,
                &a,
                &b,
                None,
            ));
        }
    }
}

/// `381.00us`, `2.19ms`, `1.02s` → µs.
fn wrk_duration_us(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    Some(number.trim().parse::<f64>().ok()? * scale)
}

/// HTTP hello with a new connection for every request (`Connection: close`).
pub fn http_close(cfg: &Config, report: &mut Report) {
    println!("\n## HTTP hello, a new connection per request, 50 at a time");
    let servers = http_servers(report);
    let results = alternate(
        cfg,
        report,
        "http connection: close 50",
        &servers,
        |s| plan(s, cfg, 50, Exchange::HttpClose),
        cfg.rounds,
    );
    let bench = "HTTP hello, a new connection per request";
    rows(
        report,
        &results,
        bench,
        "requests/s",
        Unit::PerSecond("req"),
        Outcome::rate,
        &[(Who::Node, Some(Target::AtLeast(2.0))), (Who::Nginx, None)],
    );
    rows(
        report,
        &results,
        bench,
        "p99 latency",
        Unit::Micros,
        |o| o.latency(99.0),
        &[(Who::Node, None), (Who::Nginx, None)],
    );
    rows(
        report,
        &results,
        bench,
        "requests per server CPU-second",
        Unit::PerCpuSecond("req"),
        Outcome::per_server_cpu_second,
        &[(Who::Node, None), (Who::Nginx, None)],
    );
}

fn tcp_servers(report: &mut Report) -> Vec<Server> {
    start_all(
        report,
        vec![
            (Who::Ours, Server::ours("tcp-server", &[])),
            (Who::Node, Server::node("net-server.js")),
            (Who::Baseline, Server::baseline("tcp")),
        ],
    )
}

/// The notes' exchange: `hello` in, `hello` back.
fn ping_pong() -> Exchange {
    Exchange::Fixed {
        request: b"hello".to_vec(),
        reply_len: 5,
        websocket: false,
    }
}

/// TCP ping-pong on one connection: round-trip latency.
pub fn tcp_one(cfg: &Config, report: &mut Report) {
    println!("\n## TCP ping-pong, 1 connection");
    let servers = tcp_servers(report);
    let results = alternate(
        cfg,
        report,
        "tcp ping-pong 1",
        &servers,
        |s| plan(s, cfg, 1, ping_pong()),
        cfg.rounds,
    );
    let bench = "TCP ping-pong, 1 connection";
    rows(
        report,
        &results,
        bench,
        "round trip, p50",
        Unit::Micros,
        |o| o.latency(50.0),
        &[
            (Who::Node, Some(Target::AtMost(1.1))),
            (Who::Baseline, None),
        ],
    );
    rows(
        report,
        &results,
        bench,
        "round trip, p99",
        Unit::Micros,
        |o| o.latency(99.0),
        &[(Who::Node, None)],
    );
    rows(
        report,
        &results,
        bench,
        "round trips per server CPU-second",
        Unit::PerCpuSecond("rt"),
        Outcome::per_server_cpu_second,
        &[(Who::Node, None), (Who::Baseline, OF_BASELINE)],
    );
}

/// TCP ping-pong on 50 connections: throughput, and what each round trip costs the server.
pub fn tcp_fifty(cfg: &Config, report: &mut Report) {
    println!("\n## TCP ping-pong, 50 connections");
    let servers = tcp_servers(report);
    let results = alternate(
        cfg,
        report,
        "tcp ping-pong 50",
        &servers,
        |s| plan(s, cfg, 50, ping_pong()),
        cfg.rounds,
    );
    let bench = "TCP ping-pong, 50 connections";
    rows(
        report,
        &results,
        bench,
        "round trips/s",
        Unit::PerSecond("rt"),
        Outcome::rate,
        &[
            (Who::Node, Some(Target::AtLeast(1.0))),
            (Who::Baseline, None),
        ],
    );
    rows(
        report,
        &results,
        bench,
        "round trips per server CPU-second",
        Unit::PerCpuSecond("rt"),
        Outcome::per_server_cpu_second,
        &[
            (Who::Node, Some(Target::AtLeast(1.2))),
            (Who::Baseline, OF_BASELINE),
        ],
    );
}

/// WebSocket echo, 50 connections, 32-byte and 64 KiB binary messages.
pub fn websocket(cfg: &Config, report: &mut Report) {
    println!("\n## WebSocket echo, 50 connections");
    let servers = start_all(
        report,
        vec![
            (Who::Ours, Server::ours("ws-server", &[])),
            (Who::Node, Server::node("ws-echo.js")),
            (Who::Baseline, Server::baseline("websocket")),
        ],
    );
    for (size, name) in [(64 * 1024, "64 KiB"), (32, "32 B")] {
        let label = format!("ws echo 50 × {name}");
        let results = alternate(
            cfg,
            report,
            &label,
            &servers,
            |s| plan(s, cfg, 50, load::websocket_echo(size)),
            cfg.rounds,
        );
        let bench = format!("WebSocket echo, 50 connections, {name} messages");
        let (rate_target, cpu_target) = if size > 32 {
            (Some(Target::AtLeast(2.0)), None)
        } else {
            (None, Some(Target::AtLeast(2.0)))
        };
        rows(
            report,
            &results,
            &bench,
            "messages/s",
            Unit::PerSecond("msg"),
            Outcome::rate,
            &[(Who::Node, rate_target), (Who::Baseline, None)],
        );
        rows(
            report,
            &results,
            &bench,
            "messages per server CPU-second",
            Unit::PerCpuSecond("msg"),
            Outcome::per_server_cpu_second,
            &[(Who::Node, cpu_target), (Who::Baseline, OF_BASELINE)],
        );
    }
}

/// Requests per second and p99 latency against the number of connections, for the charts.
pub fn chart(cfg: &Config, report: &mut Report) {
    println!("\n## HTTP keep-alive against connection count (charts)");
    let servers = http_servers(report);
    let mut rate: HashMap<Who, Vec<(f64, f64)>> = HashMap::new();
    let mut p99: HashMap<Who, Vec<(f64, f64)>> = HashMap::new();
    let mut cpu: HashMap<Who, Vec<f64>> = HashMap::new(); // server µs per request
    for &connections in &cfg.chart_counts {
        let short = Config {
            duration: cfg.chart_duration,
            ..cfg.clone()
        };
        let results = alternate(
            &short,
            report,
            &format!("chart: http keep-alive {connections}"),
            &servers,
            |s| plan(s, &short, connections, Exchange::HttpKeepAlive),
            cfg.chart_rounds,
        );
        report.costs.truncate(report.costs.len() - servers.len()); // not a table row
        for (who, outs) in results {
            let median = |f: &dyn Fn(&Outcome) -> f64| {
                Spread::of(&outs.iter().map(f).collect::<Vec<_>>()).map_or(f64::NAN, |s| s.median)
            };
            let x = connections as f64;
            rate.entry(who)
                .or_default()
                .push((x, median(&Outcome::rate)));
            p99.entry(who)
                .or_default()
                .push((x, median(&|o| o.latency(99.0)) / 1000.0));
            cpu.entry(who)
                .or_default()
                .push(median(&Outcome::server_us));
        }
    }
    let missing: Vec<&str> = [Who::Ours, Who::Node, Who::Nginx]
        .into_iter()
        .filter(|w| !servers.iter().any(|s| s.who == *w))
        .map(Who::name)
        .collect();
    let left_out = if missing.is_empty() {
        String::new()
    } else {
        format!(" Left out, not installed: {}.", missing.join(", "))
    };
    let series = |data: &HashMap<Who, Vec<(f64, f64)>>| -> Vec<Series> {
        [Who::Ours, Who::Node, Who::Nginx]
            .into_iter()
            .filter_map(|who| {
                Some(Series {
                    name: who.name().into(),
                    colour: who.colour(),
                    points: data.get(&who)?.clone(),
                })
            })
            .collect()
    };
    let ticks: Vec<f64> = cfg.chart_counts.iter().map(|&c| c as f64).collect();
    let how = format!(
        "HTTP hello, keep-alive; our load generator (one epoll thread) on the same {}; {} s per point, median of {} alternated round(s).",
        crate::procfs::machine(),
        cfg.chart_duration.as_secs_f64(),
        cfg.chart_rounds
    );
    let charts = [
        (
            "perf-http-rps.svg",
            Chart {
                title: "HTTP hello: requests per second against connections".into(),
                x: Axis {
                    label: "concurrent keep-alive connections (log scale)".into(),
                    log: true,
                    ticks: Some(ticks.clone()),
                    format: svg::count,
                },
                y: Axis {
                    label: "requests per second".into(),
                    log: false,
                    ticks: None,
                    format: svg::si,
                },
                series: series(&rate),
                caption: format!("{how}{left_out}"),
            },
        ),
        (
            "perf-http-p99.svg",
            Chart {
                title: "HTTP hello: p99 latency against connections".into(),
                x: Axis {
                    label: "concurrent keep-alive connections (log scale)".into(),
                    log: true,
                    ticks: Some(ticks),
                    format: svg::count,
                },
                y: Axis {
                    label: "p99 latency, ms (log scale)".into(),
                    log: true,
                    ticks: None,
                    format: svg::plain,
                },
                series: series(&p99),
                caption: format!("{how} Lower is better.{left_out}"),
            },
        ),
    ];
    for (file, chart) in charts {
        let alt = chart.title.clone();
        crate::write_chart(cfg, report, file, &chart, &alt);
    }
    let mut md = String::from("### Requests per second and p99 latency against connections\n\n");
    md.push_str("| connections |");
    let present: Vec<Who> = [Who::Ours, Who::Node, Who::Nginx]
        .into_iter()
        .filter(|w| rate.contains_key(w))
        .collect();
    for who in &present {
        let _ = write!(
            md,
            " {0} req/s | {0} p99 | {0} CPU per request |",
            who.name()
        );
    }
    md.push_str("\n|---:|");
    for _ in &present {
        md.push_str("---:|---:|---:|");
    }
    md.push('\n');
    for (i, connections) in cfg.chart_counts.iter().enumerate() {
        let _ = write!(md, "| {} |", thousands(*connections as f64));
        for who in &present {
            let r = rate[who].get(i).map_or(f64::NAN, |p| p.1);
            let l = p99[who].get(i).map_or(f64::NAN, |p| p.1);
            let c = cpu[who].get(i).copied().unwrap_or(f64::NAN);
            let _ = write!(
                md,
                " {} | {} | {c:.1} µs |",
                thousands(r),
                micros(l * 1000.0)
            );
        }
        md.push('\n');
    }
    report.sections.push(md);
}

/// How long to wait between two runs: the last run's connections close.
pub const PAUSE: Duration = Duration::from_millis(300);
