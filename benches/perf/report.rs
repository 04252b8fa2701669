//! The results: one row per figure compared, with its target; sections of prose figures; the
//! charts. Printed as Markdown, and written into `docs/src/performance-figures.md` between
//! its two markers (the rest of that page is prose, kept by hand), the charts beside it as SVG.

use crate::servers::Who;
use crate::stats::{micros, thousands, times, Spread};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

/// The unit of a figure, which says how it is written.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    /// Per second: `75,038 req/s`.
    PerSecond(&'static str),
    /// Per server CPU-second: `81,234 req/CPU-s`.
    PerCpuSecond(&'static str),
    /// Microseconds: `381 µs`.
    Micros,
    /// MiB of memory.
    Mib,
    /// A bare ratio.
    Ratio,
}

impl Unit {
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::PerSecond(what) => format!("{} {what}/s", thousands(v)),
            Unit::PerCpuSecond(what) => format!("{} {what}/CPU-s", thousands(v)),
            Unit::Micros => micros(v),
            Unit::Mib => format!("{v:.1} MiB"),
            Unit::Ratio => times(v),
        }
    }
}

/// What a ratio (ours ÷ peer) must be.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
}

impl Target {
    pub fn met(self, ratio: f64) -> bool {
        match self {
            Target::AtLeast(t) => ratio >= t,
            Target::AtMost(t) => ratio <= t,
        }
    }

    fn show(self) -> String {
        match self {
            Target::AtLeast(t) => format!("≥ {}", times(t)),
            Target::AtMost(t) => format!("≤ {}", times(t)),
        }
    }
}

/// One figure of ours against one peer's.
#[derive(Debug, Clone)]
pub struct Row {
    pub benchmark: String,
    pub figure: String,
    pub unit: Unit,
    pub ours: f64,
    pub peer: &'static str,
    pub theirs: f64,
    /// ours ÷ theirs, round by round.
    pub ratio: Option<Spread>,
    pub target: Option<Target>,
}

impl Row {
    /// A row from per-round figures (ours[i] and theirs[i] were taken in the same round).
    pub fn paired(
        benchmark: &str,
        figure: &str,
        unit: Unit,
        peer: Who,
        ours: &[f64],
        theirs: &[f64],
        target: Option<Target>,
    ) -> Row {
        let ratios: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| a / b).collect();
        Row {
            benchmark: benchmark.into(),
            figure: figure.into(),
            unit,
            ours: Spread::of(ours).map_or(f64::NAN, |s| s.median),
            peer: peer.name(),
            theirs: Spread::of(theirs).map_or(f64::NAN, |s| s.median),
            ratio: Spread::of(&ratios),
            target,
        }
    }

    pub fn met(&self) -> Option<bool> {
        Some(self.target?.met(self.ratio?.median))
    }
}

/// What one server cost per exchange in one benchmark, medians over its rounds.
pub struct Cost {
    /// The benchmark.
    pub run: String,
    /// Whose server.
    pub server: &'static str,
    /// Its CPU time per exchange, user + system, µs.
    pub server_us: f64,
    /// The part of that the kernel ran for it (system time), µs.
    pub system_us: f64,
    /// Interrupts from one CPU to the other per 100 exchanges, machine-wide.
    pub cross_cpu_per_100: f64,
    /// The load generator's CPU time per exchange, µs.
    pub generator_us: f64,
    /// Exchanges that failed, over all rounds.
    pub errors: u64,
}

/// Everything one run found.
#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Markdown sections after the main table (wrk, scenarios, memory, thread start-up).
    pub sections: Vec<String>,
    /// Peers that were not installed, with why.
    pub missing: BTreeSet<String>,
    /// Charts written: (file name, alt text).
    pub charts: Vec<(String, String)>,
    /// Scenario checks: (what, passed).
    pub checks: Vec<(String, bool)>,
    /// What each run cost: (benchmark, server, server µs per exchange, generator µs per
    /// exchange, failed exchanges), medians over the rounds.
    pub costs: Vec<Cost>,
}

impl Report {
    pub fn row(&mut self, row: Row) {
        let verdict = match row.met() {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        println!(
            "  = {} / {}: {} vs {} {}: {} {}",
            row.benchmark,
            row.figure,
            row.unit.show(row.ours),
            row.peer,
            row.unit.show(row.theirs),
            row.ratio.map_or("—".into(), |r| times(r.median)),
            verdict
        );
        self.rows.push(row);
    }

    pub fn check(&mut self, what: impl Into<String>, passed: bool) {
        let what = what.into();
        println!("  {} {what}", if passed { "ok  " } else { "FAIL" });
        self.checks.push((what, passed));
    }

    pub fn missing(&mut self, why: String) {
        println!("  (left out: {why})");
        self.missing.insert(why);
    }

    /// The main table, as Markdown.
    pub fn table(&self) -> String {
        let mut md = String::new();
        md.push_str(
            "| benchmark | figure | netnotes | peer | ratio, median (min – max) | target | |\n\
             |---|---|---:|---|---:|---:|---|\n",
        );
        for row in &self.rows {
            let ratio = row.ratio.map_or("—".into(), |r| {
                format!(
                    "**{}** ({} – {})",
                    times(r.median),
                    times(r.min),
                    times(r.max)
                )
            });
            let verdict = match row.met() {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "",
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} {} | {} | {} | {} |",
                row.benchmark,
                row.figure,
                row.unit.show(row.ours),
                row.peer,
                row.unit.show(row.theirs),
                ratio,
                row.target.map_or(String::new(), |t| t.show()),
                verdict
            );
        }
        md
    }

    /// The whole generated part of the page.
    pub fn markdown(&self, header: &str) -> String {
        let mut md = String::from(header);
        md.push_str("\n### The comparisons\n\n");
        md.push_str(&self.table());
        if !self.missing.is_empty() {
            md.push_str("\nLeft out (not installed): ");
            md.push_str(&self.missing.iter().cloned().collect::<Vec<_>>().join("; "));
            md.push_str(".\n");
        }
        if !self.costs.is_empty() {
            md.push_str(
                "\n### What each exchange cost the server, and the generator\n\n\
                 CPU time per exchange (user + system, from `/proc`), medians over the rounds, \
                 and the part of the server's that the kernel ran for it (system time). \
                 The generator must cost less than the server it measures. Interrupts from \
                 one CPU to the other (`RES` and `CAL` in `/proc/interrupts`, machine-wide) are \
                 mostly wake-ups of a thread on the other CPU, each dearer than one on the CPU \
                 that woke it.\n\n\
                 | run | server | server CPU per exchange | of it, in the kernel | generator CPU per exchange | cross-CPU interrupts per 100 exchanges | failed exchanges |\n\
                 |---|---|---:|---:|---:|---:|---:|\n",
            );
            for cost in &self.costs {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {:.1} | {} |",
                    cost.run,
                    cost.server,
                    micros_fine(cost.server_us),
                    micros_fine(cost.system_us),
                    micros_fine(cost.generator_us),
                    cost.cross_cpu_per_100,
                    cost.errors
                );
            }
        }
        for section in &self.sections {
            md.push('\n');
            md.push_str(section);
        }
        if !self.checks.is_empty() {
            md.push_str("\n### Scenario checks\n\n");
            for (what, passed) in &self.checks {
                let _ = writeln!(
                    md,
                    "- {} {what}",
                    if *passed { "✓" } else { "✗ **failed:**" }
                );
            }
        }
        if !self.charts.is_empty() {
            md.push_str("\n### Charts\n\n");
            for (file, alt) in &self.charts {
                let _ = writeln!(md, "![{alt}]({file})\n");
            }
        }
        md
    }
}

/// Microseconds with one decimal: `13.4 µs`.
fn micros_fine(us: f64) -> String {
    if us.is_finite() {
        format!("{us:.1} µs")
    } else {
        "—".into()
    }
}

pub const BEGIN: &str = "<!-- cargo bench writes from here: do not edit by hand -->";
pub const END: &str = "<!-- cargo bench writes up to here -->";

/// Replaces what lies between the markers of `page` with `generated`. Without the markers
/// the page is left alone and `false` returned.
pub fn write_between_markers(page: &Path, generated: &str) -> std::io::Result<bool> {
    let text = std::fs::read_to_string(page).unwrap_or_default();
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        return Ok(false);
    };
    if end < begin {
        return Ok(false);
    }
    let mut out = String::new();
    out.push_str(&text[..begin + BEGIN.len()]);
    out.push_str("\n\n");
    out.push_str(generated.trim_end());
    out.push_str("\n\n");
    out.push_str(&text[end..]);
    std::fs::write(page, out)?;
    Ok(true)
}
