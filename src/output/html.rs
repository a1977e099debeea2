//! The HTML postmortem (`--html FILE`): one self-contained page — verdict, a timeline of
//! findings per minute by cause with incidents as bands (inline SVG), each incident with
//! its explanation, next steps and evidence, and the files read. No script, no network:
//! a Content-Security-Policy forbids both, and every log-derived string is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::human::display_path;
use super::sanitize::for_terminal;
use crate::app::Report;
use crate::correlate::{plural, Incident};
use crate::rules::{Cause, Finding};
use crate::scan::FileSummary;
use crate::store::Entry;

/// The most bars the timeline draws; longer spans group minutes into one bar.
const MAX_BARS: i64 = 180;

/// Writes the page to `path`; an error names the path.
pub fn write_file(path: &Path, report: &Report) -> io::Result<()> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut out = BufWriter::new(File::create(path).map_err(named)?);
    write_report(&mut out, report).map_err(named)?;
    out.flush().map_err(named)
}

pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024);
    page.push_str(&head(report));
    page.push_str(&summary(report));
    page.push_str(&timeline_section(report));
    for incident in &report.incidents {
        page.push_str(&incident_section(incident));
    }
    page.push_str(&undated_section(report));
    page.push_str(&files_section(&report.files, &report.errors));
    let _ = writeln!(
        page,
        "<footer>Written by logscan {} from the origin's own logs. Times are UTC. \
         Log lines are quoted as written.</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out.write_all(page.as_bytes())
}

// ------------------------------------------------------------- escaping ---

/// Text for HTML: control and bidi characters shown escaped (as in the terminal),
/// then `& < > " '` as entities, so log text can never become markup or script.
pub fn escape(s: &str) -> String {
    let visible = for_terminal(s);
    let mut out = String::with_capacity(visible.len() + 16);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Multi-line log text for a `<pre>`: each line escaped, line breaks kept.
fn escape_lines(s: &str) -> String {
    s.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// A path as shown to people (container ids cut), escaped, that wraps after a `/`.
fn breakable_path(path: &str) -> String {
    escape(&display_path(path)).replace('/', "/<wbr>")
}

/// Escaped text with `` `command` `` spans set as code (explanations and next steps).
fn prose(s: &str) -> String {
    let escaped = escape(s);
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    if escaped.matches('`').count() % 2 == 1 {
        // An unpaired backtick: show the text as it was.
        return escaped;
    }
    out
}

// ---------------------------------------------------------------- times ---

fn clock(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn span_text(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

// ------------------------------------------------------------ top parts ---

fn head(report: &Report) -> String {
    let title = match report.incidents.as_slice() {
        [] => "No 5xx incident".to_string(),
        [one] => format!(
            "{} from {} — {}",
            one.status,
            one.start.utc.format("%Y-%m-%d %H:%M UTC"),
            one.cause
        ),
        many => format!("{} incidents", many.len()),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"logscan {}\">\n\
         <title>Postmortem: {} · logscan</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title)
    )
}

fn verdict(report: &Report) -> String {
    let worst = report.incidents.iter().max_by_key(|i| i.findings);
    match (report.incidents.len(), worst) {
        (0, _) => "No 5xx incident in these logs".to_string(),
        (1, Some(i)) => format!(
            "Clients got {} for {} from {} — root cause {}",
            i.status,
            span_text(i.end.utc - i.start.utc),
            clock(i.start.utc),
            i.cause
        ),
        (n, Some(i)) => format!(
            "{n} incidents; the largest: {} from {} — root cause {}",
            i.status,
            clock(i.start.utc),
            i.cause
        ),
        (_, None) => unreachable!("incidents exist"),
    }
}

fn summary(report: &Report) -> String {
    let lines: u64 = report.files.iter().map(|f| f.lines).sum();
    let first = report.files.iter().filter_map(|f| f.first).min();
    let last = report.files.iter().filter_map(|f| f.last).max();
    let covered = match (first, last) {
        (Some(a), Some(b)) => format!(
            "Logs from {} to {}",
            a.utc.format("%Y-%m-%d %H:%M"),
            b.utc.format("%Y-%m-%d %H:%M UTC")
        ),
        _ => "Logs without timestamps".to_string(),
    };
    let class = if report.incidents.is_empty() {
        "ok"
    } else {
        "bad"
    };
    let mut html = format!(
        "<header class=\"verdict {class}\">\n<p class=\"kicker\">logscan postmortem</p>\n\
         <h1>{}</h1>\n<p class=\"covered\">{} · {} · {}</p>\n",
        escape(&verdict(report)),
        covered,
        plural(report.files.len(), "file"),
        plural(lines as usize, "line")
    );
    if report.incidents.is_empty() {
        let _ = writeln!(html, "<p class=\"covered\">{}</p>", quiet_findings(report));
    }
    if report.incidents.len() > 1 {
        let _ = writeln!(
            html,
            "<p class=\"covered\">Below: the largest of the {} incidents.</p>",
            report.incidents.len()
        );
    }
    if let Some(i) = report.incidents.iter().max_by_key(|i| i.findings) {
        html.push_str(&facts(i));
    }
    html.push_str("</header>\n");
    html
}

/// The key facts of an incident, as cards.
fn facts(i: &Incident) -> String {
    let failed = match i.failed_requests {
        0 => "—".to_string(),
        n => n.to_string(),
    };
    let mut html = String::from("<dl class=\"facts\">\n");
    for (term, value) in [
        ("Clients got", i.status.to_string()),
        ("Root cause", i.cause.name().to_string()),
        ("Duration", span_text(i.end.utc - i.start.utc)),
        ("Failed requests", failed),
        ("Cloudflare showed", i.cloudflare.status.to_string()),
    ] {
        let _ = writeln!(
            html,
            "<div><dt>{term}</dt><dd>{}</dd></div>",
            escape(&value)
        );
    }
    html.push_str("</dl>\n");
    html
}

/// What the findings say when no incident was opened.
fn quiet_findings(report: &Report) -> String {
    let undated = report
        .findings
        .entries()
        .iter()
        .filter(|f| f.status().is_some_and(|s| s >= 500))
        .count();
    match (report.findings.len(), undated) {
        (0, _) => "No line matched a rule.".to_string(),
        (1, 0) => "1 finding, which shows no client getting a 5xx.".to_string(),
        (n, 0) => format!("{n} findings, none of them showing clients a 5xx."),
        (n, 1) => format!(
            "{}; 1 of them shows clients a 5xx but carries no time (see Undated evidence).",
            plural(n, "finding")
        ),
        (n, u) => format!(
            "{}; {u} of them show clients a 5xx but carry no time (see Undated evidence).",
            plural(n, "finding")
        ),
    }
}

// ------------------------------------------------------------- timeline ---

/// Findings per bar by cause: `(with client impact, without)`.
#[derive(Default, Clone)]
struct Bar {
    by_cause: BTreeMap<Cause, (u32, u32)>,
}

impl Bar {
    fn total(&self) -> u32 {
        self.by_cause.values().map(|(a, b)| a + b).sum()
    }
}

/// What the timeline shows: `[start, end)` in bars of `minutes` each.
struct Frame {
    start: i64,
    minutes: i64,
    bars: Vec<Bar>,
    outside: usize,
}

/// The window around the incidents (or around all findings when there is none), in
/// whole minutes, with the findings counted into bars.
fn frame(findings: &[Entry], incidents: &[Incident]) -> Option<Frame> {
    let times: Vec<i64> = findings
        .iter()
        .filter_map(|f| f.time)
        .map(|t| t.utc.timestamp().div_euclid(60))
        .collect();
    let (lo, hi) = match (incidents.first(), incidents.last()) {
        (Some(a), Some(b)) => (
            a.start.utc.timestamp().div_euclid(60),
            b.end.utc.timestamp().div_euclid(60),
        ),
        _ => (*times.iter().min()?, *times.iter().max()?),
    };
    // Some context on both sides: a third of the span, at least ten minutes.
    let pad = ((hi - lo) / 3).max(10);
    let (lo, hi) = (lo - pad, hi + pad);
    let minutes = ((hi - lo + 1) + MAX_BARS - 1) / MAX_BARS;
    let count = ((hi - lo + 1) + minutes - 1) / minutes;
    let mut bars = vec![Bar::default(); count as usize];
    let mut outside = 0;
    for f in findings {
        let Some(t) = f.time else { continue };
        let m = t.utc.timestamp().div_euclid(60);
        if m < lo || m > hi {
            outside += 1;
            continue;
        }
        let counts = bars[((m - lo) / minutes) as usize]
            .by_cause
            .entry(f.cause)
            .or_default();
        if f.status().is_some_and(|s| s >= 500) {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    Some(Frame {
        start: lo,
        minutes,
        bars,
        outside,
    })
}

/// A round tick interval (minutes) giving at most about eight labels.
fn tick_every(total_minutes: i64) -> i64 {
    [
        1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080,
    ]
    .into_iter()
    .find(|step| total_minutes / step <= 8)
    .unwrap_or(10080)
}

fn minute_time(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(m * 60, 0).expect("minutes from a real timestamp")
}

fn timeline_section(report: &Report) -> String {
    let mut html = String::from("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    let Some(frame) = frame(report.findings.entries(), &report.incidents) else {
        html.push_str("<p class=\"muted\">No finding carries a time: nothing to place on a timeline.</p>\n</section>\n");
        return html;
    };
    let unit = if frame.minutes == 1 {
        "minute".to_string()
    } else {
        format!("{} minutes", frame.minutes)
    };
    let _ = write!(
        html,
        "<p class=\"muted\">Findings per {unit} by cause (UTC). Solid: lines that show clients getting a 5xx; pale: context without client impact. Shaded: incidents.</p>\n<figure>\n{}\n</figure>\n{}",
        timeline_svg(&frame, &report.incidents),
        legend(&frame)
    );
    if frame.outside > 0 {
        let _ = writeln!(
            html,
            "<p class=\"muted\">{} outside this window (see --json).</p>",
            plural(frame.outside, "finding")
        );
    }
    html.push_str("</section>\n");
    html
}

const SVG_W: f64 = 960.0;
const SVG_H: f64 = 240.0;
const PLOT_L: f64 = 44.0;
const PLOT_R: f64 = 12.0;
const PLOT_T: f64 = 22.0;
const PLOT_B: f64 = 30.0;

fn timeline_svg(frame: &Frame, incidents: &[Incident]) -> String {
    let plot_w = SVG_W - PLOT_L - PLOT_R;
    let plot_h = SVG_H - PLOT_T - PLOT_B;
    let n = frame.bars.len() as f64;
    let bar_w = plot_w / n;
    let max = frame.bars.iter().map(Bar::total).max().unwrap_or(0).max(1);
    let x_of = |minute: i64| PLOT_L + (minute - frame.start) as f64 / frame.minutes as f64 * bar_w;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {SVG_W} {SVG_H}\" role=\"img\" aria-label=\"Findings per {} minute(s) by cause\" class=\"chart\">\n",
        frame.minutes
    );
    for i in incidents {
        let x0 = x_of(i.start.utc.timestamp().div_euclid(60));
        let x1 = x_of(i.end.utc.timestamp().div_euclid(60) + frame.minutes).max(x0 + 3.0);
        let _ = writeln!(
            svg,
            "<g class=\"band\"><rect x=\"{x0:.1}\" y=\"{PLOT_T}\" width=\"{:.1}\" height=\"{plot_h:.1}\"><title>Incident {}: {} {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\">#{}</text></g>",
            x1 - x0,
            i.id,
            i.status,
            i.cause,
            x0 + 2.0,
            PLOT_T - 6.0,
            i.id
        );
    }
    svg.push_str(&axes(frame, max, plot_w, plot_h, bar_w));
    for (k, bar) in frame.bars.iter().enumerate() {
        svg.push_str(&bar_svg(frame, k, bar, max, bar_w, plot_h));
    }
    svg.push_str("</svg>");
    svg
}

fn axes(frame: &Frame, max: u32, plot_w: f64, plot_h: f64, bar_w: f64) -> String {
    let mut svg = String::new();
    let base = PLOT_T + plot_h;
    for v in [0, max.div_ceil(2), max] {
        let y = base - f64::from(v) / f64::from(max) * plot_h;
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{PLOT_L}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"ylabel\" x=\"{:.1}\" y=\"{:.1}\">{v}</text>",
            PLOT_L + plot_w,
            PLOT_L - 6.0,
            y + 4.0
        );
    }
    let total = frame.bars.len() as i64 * frame.minutes;
    let step = tick_every(total);
    let first = (frame.start + step - 1).div_euclid(step) * step;
    let mut m = first;
    let mut last_day = None;
    while m <= frame.start + total {
        let x = PLOT_L + (m - frame.start) as f64 / frame.minutes as f64 * bar_w;
        let t = minute_time(m);
        let day = t.date_naive();
        let label = if last_day != Some(day) {
            t.format("%b %d %H:%M").to_string()
        } else {
            t.format("%H:%M").to_string()
        };
        last_day = Some(day);
        // Labels at the edges grow inwards instead of being cut off.
        let anchor = if x < PLOT_L + 36.0 {
            "start"
        } else if x > PLOT_L + plot_w - 36.0 {
            "end"
        } else {
            "middle"
        };
        let _ = writeln!(
            svg,
            "<line class=\"tick\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\"/><text class=\"xlabel\" text-anchor=\"{anchor}\" x=\"{x:.1}\" y=\"{:.1}\">{label}</text>",
            base + 4.0,
            base + 18.0
        );
        m += step;
    }
    svg
}

fn bar_svg(frame: &Frame, k: usize, bar: &Bar, max: u32, bar_w: f64, plot_h: f64) -> String {
    if bar.total() == 0 {
        return String::new();
    }
    let x = PLOT_L + k as f64 * bar_w + (bar_w * 0.12).min(2.0);
    let w = (bar_w - (bar_w * 0.24).min(4.0)).max(1.0);
    let mut y = PLOT_T + plot_h;
    let t = minute_time(frame.start + k as i64 * frame.minutes);
    let mut parts: Vec<String> = Vec::new();
    let mut svg = String::from("<g class=\"bar\">");
    // Causes in their declared order (most fundamental family at the bottom), each
    // with its impact findings solid and its context pale.
    for (cause, (impact, quiet)) in &bar.by_cause {
        for (n, opacity) in [(*impact, 1.0), (*quiet, 0.38)] {
            if n == 0 {
                continue;
            }
            let h = f64::from(n) / f64::from(max) * plot_h;
            y -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\" fill-opacity=\"{opacity}\"/>",
                cause_colour(*cause)
            );
        }
        let context = if *quiet > 0 {
            format!(" ({quiet} without impact)")
        } else {
            String::new()
        };
        parts.push(format!("{cause} {}{context}", impact + quiet));
    }
    let _ = writeln!(
        svg,
        "<title>{} UTC — {}</title></g>",
        t.format("%H:%M"),
        parts.join(", ")
    );
    svg
}

fn legend(frame: &Frame) -> String {
    let mut totals: BTreeMap<Cause, u32> = BTreeMap::new();
    for bar in &frame.bars {
        for (c, (a, b)) in &bar.by_cause {
            *totals.entry(*c).or_default() += a + b;
        }
    }
    let mut html = String::from("<ul class=\"legend\">\n");
    for (c, n) in totals {
        let _ = writeln!(
            html,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{} <span class=\"muted\">{n}</span></li>",
            cause_colour(c),
            c.name()
        );
    }
    html.push_str("</ul>\n");
    html
}

/// One colour per cause, a hue per family: system red, dependency orange, application
/// violet, capacity amber, lifecycle teal, gateway symptoms blue.
fn cause_colour(c: Cause) -> &'static str {
    match c {
        Cause::OomKill => "#b42318",
        Cause::DiskFull => "#d92d20",
        Cause::TooManyOpenFiles => "#f04438",
        Cause::MemoryExhausted => "#f97066",
        Cause::DatabaseUnavailable => "#c4320a",
        Cause::DependencyUnavailable => "#ef6820",
        Cause::PhpFatal => "#6941c6",
        Cause::PhpMemoryExhausted => "#7f56d9",
        Cause::PhpTimeout => "#9e77ed",
        Cause::WorkerCrash => "#53389e",
        Cause::ConfigError => "#c11574",
        Cause::PermissionDenied => "#dd2590",
        Cause::WorkerPoolExhausted => "#dc6803",
        Cause::RateLimited => "#fdb022",
        Cause::Restart => "#0e9384",
        Cause::UpstreamRefused => "#175cd3",
        Cause::UpstreamReset => "#2e90fa",
        Cause::UpstreamTimeout => "#1849a9",
        Cause::UpstreamBadResponse => "#53b1fd",
        Cause::NoLiveUpstreams => "#194185",
        Cause::UpstreamTls => "#0086c9",
    }
}

// ------------------------------------------------------------ incidents ---

fn incident_section(i: &Incident) -> String {
    let mut html = format!(
        "<section class=\"incident\" id=\"incident-{id}\">\n<header>\n<span class=\"status\">{status}</span>\n\
         <div><h2>Incident {id} · {cause}</h2>\n<p class=\"when\">{start} → {end} ({dur}) · {findings}</p></div>\n</header>\n",
        id = i.id,
        status = i.status,
        cause = i.cause,
        start = clock(i.start.utc),
        end = i.end.utc.format("%H:%M:%S UTC"),
        dur = span_text(i.end.utc - i.start.utc),
        findings = plural(i.findings, "finding"),
    );
    let _ = writeln!(
        html,
        "<p class=\"why\">{}</p>\n<div class=\"columns\">\n<div>\n<h3>Next steps</h3>\n<ol class=\"steps\">",
        prose(&i.explanation)
    );
    for step in &i.next_steps {
        let _ = writeln!(html, "<li>{}</li>", prose(step));
    }
    html.push_str("</ol>\n</div>\n<div>\n<h3>What clients saw</h3>\n<dl class=\"seen\">\n");
    let failed = match i.failed_requests {
        0 => "no access log line in this window".to_string(),
        n => format!("{} answered 5xx in the access log", plural(n, "request")),
    };
    let _ = writeln!(
        html,
        "<div><dt>Origin</dt><dd>{} · {}</dd></div>\n<div><dt>Cloudflare {}</dt><dd>{}</dd></div>\n</dl>",
        i.status,
        escape(&failed),
        i.cloudflare.status,
        escape(&i.cloudflare.note)
    );
    html.push_str(&cause_bars(i));
    html.push_str("</div>\n</div>\n");
    html.push_str(&evidence_table(&i.evidence));
    html.push_str("</section>\n");
    html
}

fn cause_bars(i: &Incident) -> String {
    let mut causes: Vec<(&Cause, &usize)> = i.causes.iter().collect();
    causes.sort_by_key(|(c, n)| (std::cmp::Reverse(**n), **c));
    let max = causes.first().map_or(1, |(_, n)| **n).max(1);
    let mut html = String::from("<h3>Findings by cause</h3>\n<ul class=\"causes\">\n");
    for (c, n) in causes {
        let _ = writeln!(
            html,
            "<li><span class=\"name\">{}{}</span><span class=\"track\"><span class=\"fill\" style=\"width:{:.0}%;background:{}\"></span></span><span class=\"count\">{n}</span></li>",
            c.name(),
            if *c == i.cause { " <em>root</em>" } else { "" },
            *n as f64 / max as f64 * 100.0,
            cause_colour(*c)
        );
    }
    html.push_str("</ul>\n");
    html
}

fn evidence_table(evidence: &[Finding]) -> String {
    let mut html = String::from(
        "<h3>Evidence</h3>\n<table class=\"evidence\">\n<thead><tr><th>Time (UTC)</th><th>Where</th><th>Line</th></tr></thead>\n<tbody>\n",
    );
    for f in evidence {
        let time = f
            .time
            .map_or_else(|| "—".to_string(), |t| t.utc.format("%H:%M:%S").to_string());
        let matched = f.matched_text();
        let whole = f.message.trim_end();
        let more = if whole != matched.trim_end() {
            format!(
                "<details><summary>whole entry ({} lines)</summary><pre>{}</pre></details>",
                whole.lines().count(),
                escape_lines(whole)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            html,
            "<tr><td class=\"time\">{time}</td><td class=\"where\"><span class=\"file\">{}:{}</span><span class=\"rule\">{} · {}</span></td>\
             <td class=\"line\"><pre>{}</pre>{more}</td></tr>",
            breakable_path(&f.file),
            f.line,
            escape(&f.rule),
            f.cause,
            escape_lines(matched)
        );
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

// --------------------------------------------------------------- the rest ---

fn undated_section(report: &Report) -> String {
    let entries: Vec<Entry> = report
        .findings
        .entries()
        .iter()
        .filter(|f| f.time.is_none() && f.status().is_some_and(|s| s >= 500))
        .take(20)
        .cloned()
        .collect();
    // A store that cannot be read back shows as no undated lines: the report goes on.
    let undated = report.findings.load(&entries).unwrap_or_default();
    if undated.is_empty() {
        return String::new();
    }
    format!(
        "<section id=\"undated\">\n<h2>Undated evidence</h2>\n<p class=\"muted\">Lines that show client errors but carry no time, so they cannot be placed in an incident.</p>\n{}</section>\n",
        evidence_table(&undated)
    )
}

fn files_section(files: &[FileSummary], errors: &[(String, String)]) -> String {
    let mut html = String::from(
        "<section id=\"files\">\n<h2>Files read</h2>\n<table class=\"files\">\n<thead><tr><th>File</th><th>Format</th><th class=\"num\">Lines</th><th class=\"num\">Unrecognised</th><th>First</th><th>Last</th></tr></thead>\n<tbody>\n",
    );
    let stamp = |t: Option<crate::parse::Stamp>| {
        t.map_or_else(
            || "—".to_string(),
            |t| t.utc.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    for f in files {
        let _ = writeln!(
            html,
            "<tr><td class=\"path\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            breakable_path(&f.path),
            f.format.name(),
            f.lines,
            f.unknown,
            stamp(f.first),
            stamp(f.last)
        );
    }
    html.push_str("</tbody>\n</table>\n");
    if !errors.is_empty() {
        html.push_str("<h3>Could not be read</h3>\n<ul class=\"errors\">\n");
        for (path, why) in errors {
            let _ = writeln!(
                html,
                "<li><code>{}</code>: {}</li>",
                escape(path),
                escape(why)
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</section>\n");
    html
}

const STYLE: &str = r#"
:root{--ink:#101828;--muted:#5d6b82;--line:#e4e7ec;--bg:#f6f7f9;--card:#fff;--bad:#b42318;--ok:#067647}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1040px;margin:0 auto;padding:28px 24px 40px}
h1,h2,h3{line-height:1.25;margin:0}
h2{font-size:20px;margin-bottom:10px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:18px 0 8px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:12.5px}
code{background:#eef1f5;border-radius:4px;padding:1px 5px}
.muted{color:var(--muted)}
section,header.verdict{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin-bottom:18px}
header.verdict{border-top:6px solid var(--bad)}
header.verdict.ok{border-top-color:var(--ok)}
.kicker{margin:0 0 6px;font-size:12px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
header.verdict h1{font-size:26px}
.covered{margin:8px 0 0;color:var(--muted)}
.facts{display:grid;grid-template-columns:repeat(5,1fr);gap:10px;margin:18px 0 0}
.facts div{background:var(--bg);border-radius:8px;padding:10px 12px}
.facts dt,.seen dt{font-size:12px;color:var(--muted)}
.facts dd{margin:2px 0 0;font-size:20px;font-weight:650}
figure{margin:6px 0 0}
.chart{width:100%;height:auto;display:block}
.chart text{font-size:11px;fill:#475467;font-family:inherit}
.chart .ylabel{text-anchor:end}
.chart .grid{stroke:#eaecf0}
.chart .tick{stroke:#98a2b3}
.chart .band rect{fill:#fee4e2;stroke:#fda29b;stroke-dasharray:3 2}
.chart .band text{fill:var(--bad);font-weight:700}
.legend{list-style:none;padding:0;margin:10px 0 0;display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.incident>header{display:flex;gap:16px;align-items:center;margin-bottom:12px}
.status{background:var(--bad);color:#fff;font-weight:700;font-size:22px;border-radius:8px;padding:8px 12px;font-variant-numeric:tabular-nums}
.when{margin:3px 0 0;color:var(--muted)}
.why{font-size:16px;margin:0 0 4px;padding:12px 14px;background:#fffaeb;border-left:4px solid #f79009;border-radius:4px}
.columns{display:grid;grid-template-columns:1.25fr 1fr;gap:28px}
.steps{margin:0;padding-left:22px}
.steps li{margin:0 0 6px}
.seen{margin:0}
.seen div{margin-bottom:6px}
.seen dd{margin:0}
.causes{list-style:none;margin:0;padding:0;font-size:13px}
.causes li{display:grid;grid-template-columns:190px 1fr 34px;gap:8px;align-items:center;margin-bottom:4px}
.causes em{font-style:normal;font-size:11px;color:#fff;background:var(--bad);border-radius:3px;padding:0 4px;margin-left:4px}
.track{background:#f2f4f7;border-radius:3px;height:10px;overflow:hidden}
.fill{display:block;height:100%}
.count{text-align:right;font-variant-numeric:tabular-nums}
table{width:100%;border-collapse:collapse;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:1px solid var(--line);padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}
.evidence .time{white-space:nowrap;font-variant-numeric:tabular-nums}
.evidence .where{width:30%}
th{white-space:nowrap}
.files td:nth-child(n+2){white-space:nowrap}
.evidence .file{display:block;font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
.evidence .rule{display:block;color:var(--muted);font-size:12px}
.evidence pre{margin:0;white-space:pre-wrap;word-break:break-word;background:#f8f9fb;border:1px solid #eef0f3;border-radius:5px;padding:6px 8px}
details{margin-top:4px;font-size:12px}
summary{cursor:pointer;color:var(--muted)}
.files .path{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:760px){.facts{grid-template-columns:repeat(2,1fr)}.columns{grid-template-columns:1fr}}
@media print{body{background:#fff}section,header.verdict{break-inside:avoid;border-color:#ccc}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_cannot_become_markup() {
        let hostile = r#"GET /?q=<script>alert(1)</script>&x="><img src=x onerror=alert(2)> 'y'"#;
        let e = escape(hostile);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        assert!(e.contains("&lt;script&gt;") && e.contains("&quot;&gt;&lt;img"));
        assert_eq!(escape("a\u{1b}[31m\u{202e}b"), "a\\x1b[31m\\x202eb");
        assert_eq!(escape_lines("one <b>\ntwo"), "one &lt;b&gt;\ntwo");
    }

    #[test]
    fn backticks_become_code_only_after_escaping() {
        assert_eq!(
            prose("Run `ps aux | head` then <b>"),
            "Run <code>ps aux | head</code> then &lt;b&gt;"
        );
        assert_eq!(prose("odd ` tick <i>"), "odd ` tick &lt;i&gt;");
        assert_eq!(prose("`<script>`"), "<code>&lt;script&gt;</code>");
    }

    #[test]
    fn ticks_stay_few() {
        assert_eq!(tick_every(31), 5);
        assert_eq!(tick_every(450), 60);
        assert_eq!(tick_every(3 * 1440), 720);
    }
}
