//! Line charts as SVG, written by hand: plain text, no script, no fonts to fetch, readable
//! in a browser, on GitHub, or as a diff.
//!
//! ```text
//!          title
//!   ■ netnotes  ■ Node  ■ nginx            ← legend, one entry per series
//!   y ┤        ●───●
//!     ┤   ●───╯     ╲●                     ← one polyline per series, a dot per point
//!     └──┬────┬────┬─── x                   (either axis linear or log10)
//!        caption: what was left out, how it was measured
//! ```

use std::fmt::Write;

/// One line of the chart.
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// An axis: its label (with the unit), linear or log10, and how its numbers are written.
pub struct Axis {
    pub label: String,
    pub log: bool,
    /// Where the ticks go; `None`: chosen from the data.
    pub ticks: Option<Vec<f64>>,
    pub format: fn(f64) -> String,
}

pub struct Chart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    /// One or two sentences under the chart.
    pub caption: String,
}

const WIDTH: f64 = 760.0;
const LEFT: f64 = 86.0;
const RIGHT: f64 = 730.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 360.0;

/// Maps data values to one pixel range.
struct Scale {
    log: bool,
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        let (v, lo, hi) = if self.log {
            (
                v.max(f64::MIN_POSITIVE).log10(),
                self.lo.log10(),
                self.hi.log10(),
            )
        } else {
            (v, self.lo, self.hi)
        };
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        self.from + t * (self.to - self.from)
    }
}

/// Ticks at 1, 2, 5 × 10^k, about `n` of them, covering `lo..=hi` (linear).
fn linear_ticks(lo: f64, hi: f64, n: f64) -> Vec<f64> {
    let raw = (hi - lo) / n;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    // From the last step at or below `lo` to the first at or above `hi`.
    let mut ticks = Vec::new();
    let mut t = (lo / step).floor() * step;
    loop {
        ticks.push(t);
        if t >= hi - step * 1e-9 {
            return ticks;
        }
        t += step;
    }
}

/// The largest of 1, 2, 5 × 10^k at or below `v` (`up`: the smallest at or above).
fn nice_log(v: f64, up: bool) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    let steps = [1.0, 2.0, 5.0, 10.0].map(|m| m * decade);
    if up {
        steps
            .into_iter()
            .find(|s| *s >= v * 0.999)
            .unwrap_or(10.0 * decade)
    } else {
        steps
            .into_iter()
            .rev()
            .find(|s| *s <= v * 1.001)
            .unwrap_or(decade)
    }
}

/// Ticks at 1, 2, 5 × 10^k between `lo` and `hi` (log).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let t = m * decade;
            if t >= lo * 0.999 && t <= hi * 1.001 {
                ticks.push(t);
            }
        }
        decade *= 10.0;
    }
    ticks
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Splits `text` into lines of at most about `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The chart as an SVG document.
pub fn render(chart: &Chart) -> String {
    let points = chart.series.iter().flat_map(|s| s.points.iter());
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        xmin = xmin.min(x);
        xmax = xmax.max(x);
        ymin = ymin.min(y);
        ymax = ymax.max(y);
    }
    if xmin > xmax {
        (xmin, xmax, ymin, ymax) = (1.0, 10.0, 1.0, 10.0);
    }
    // The x range: the ticks asked for, or the data; a little room at both ends.
    if let Some(ticks) = &chart.x.ticks {
        xmin = xmin.min(ticks.iter().copied().fold(f64::MAX, f64::min));
        xmax = xmax.max(ticks.iter().copied().fold(f64::MIN, f64::max));
    }
    let (xlo, xhi) = if chart.x.log {
        (xmin / 1.25, xmax * 1.25)
    } else {
        let pad = (xmax - xmin) * 0.03;
        (xmin - pad, xmax + pad)
    };
    let (ylo, yhi, yticks) = if chart.y.log {
        let lo = nice_log(ymin.max(1e-9), false);
        let hi = nice_log(ymax.max(1e-9), true);
        (lo, hi, log_ticks(lo, hi))
    } else {
        let ticks = linear_ticks(0.0, ymax * 1.05, 5.0);
        (0.0, *ticks.last().unwrap_or(&1.0), ticks)
    };
    let xs = Scale {
        log: chart.x.log,
        lo: xlo,
        hi: xhi,
        from: LEFT,
        to: RIGHT,
    };
    let ys = Scale {
        log: chart.y.log,
        lo: ylo,
        hi: yhi,
        from: BOTTOM,
        to: TOP,
    };
    let xticks = chart.x.ticks.clone().unwrap_or_else(|| {
        if chart.x.log {
            log_ticks(xmin, xmax)
        } else {
            linear_ticks(xmin.min(0.0), xmax, 6.0)
        }
    });
    let yticks = chart.y.ticks.clone().unwrap_or(yticks);

    let caption = wrap(&chart.caption, 112);
    let height = BOTTOM + 62.0 + 16.0 * caption.len() as f64;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" font-size="16" font-weight="bold" text-anchor="middle">{}</text>"#,
        WIDTH / 2.0,
        escape(&chart.title)
    );
    // Legend.
    let mut lx = LEFT;
    for s in &chart.series {
        let _ = writeln!(
            svg,
            r#"<rect x="{lx}" y="38" width="12" height="12" fill="{}"/><text x="{}" y="48">{}</text>"#,
            s.colour,
            lx + 17.0,
            escape(&s.name)
        );
        lx += 30.0 + 7.0 * s.name.chars().count() as f64;
    }
    // Grid and tick labels.
    for &t in &yticks {
        let y = ys.at(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{RIGHT}" y2="{y:.1}" stroke="#e4e4e4"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 6.0,
            y + 4.0,
            escape(&(chart.y.format)(t))
        );
    }
    for &t in &xticks {
        let x = xs.at(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{BOTTOM}" stroke="#e4e4e4"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            BOTTOM + 16.0,
            escape(&(chart.x.format)(t))
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="none" stroke="#555"/>"##,
        RIGHT - LEFT,
        BOTTOM - TOP
    );
    // Axis labels.
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 36.0,
        escape(&chart.x.label)
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (TOP + BOTTOM) / 2.0,
        escape(&chart.y.label)
    );
    // The series.
    for s in &chart.series {
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", xs.at(x), ys.at(y)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            s.colour,
            path.join(" ")
        );
        for &(x, y) in &s.points {
            let _ = writeln!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{}: {}, {}</title></circle>"#,
                xs.at(x),
                ys.at(y),
                s.colour,
                escape(&s.name),
                escape(&(chart.x.format)(x)),
                escape(&(chart.y.format)(y))
            );
        }
    }
    for (i, line) in caption.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text x="{LEFT}" y="{:.1}" font-style="italic" fill="#333">{}</text>"##,
            BOTTOM + 60.0 + 16.0 * i as f64,
            escape(line)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// `75000` → `75k`, `1500000` → `1.5M`, `12` → `12`.
pub fn si(v: f64) -> String {
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if v.abs() >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if v.abs() >= 1e3 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else {
        trim(format!("{v:.2}"))
    }
}

/// A plain number with at most two decimals: `0.05`, `1`, `120`.
pub fn plain(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A count with thousands separators: `10,000`.
pub fn count(v: f64) -> String {
    crate::stats::thousands(v)
}
