//! The human report: a one-line verdict, then per incident its span, status, root cause,
//! Cloudflare view, activity sparkline, evidence lines (`file:line`), explanation and
//! next steps; then the files read. Every log-derived string passes `sanitize` first.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::Duration;

use super::sanitize::{cut, for_display, for_terminal};
use super::style::Style;
use crate::app::Report;
use crate::config::Config;
use crate::correlate::{plural, Incident};
use crate::parse::{Level, Record, Stamp};
use crate::rules::Finding;
use crate::scan::FileSummary;
use crate::store::Entry;

/// Evidence messages are cut to this many characters on screen (counted in full elsewhere).
const MESSAGE_WIDTH: usize = 200;
/// Explanations and next steps quote log fields: cut to this many characters on screen.
const SENTENCE_WIDTH: usize = 1000;
/// `--records` shows this many characters of a record's message (JSON has it whole).
const RECORD_WIDTH: usize = 4000;
/// Undated evidence lines shown before "… and N more".
const EVIDENCE_LINES: usize = 5;

pub fn write_report(out: &mut impl Write, report: &Report, config: &Config) -> io::Result<()> {
    let style = Style::new(config.color);
    writeln!(out, "{}", verdict(report, &style))?;
    for incident in &report.incidents {
        writeln!(out)?;
        write_incident(out, incident, &style)?;
    }
    write_undated(out, report, &style)?;
    let quiet = report
        .findings
        .entries()
        .iter()
        .filter(|f| f.status().is_none())
        .count();
    if quiet > 0 && report.incidents.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{} without client impact (see --json for each).",
            plural(quiet, "finding")
        )?;
    }
    writeln!(out)?;
    write_files(out, &report.files, &style)?;
    for (path, error) in &report.errors {
        writeln!(
            out,
            "{} {}: {}",
            style.red("error:"),
            for_terminal(path),
            for_terminal(error)
        )?;
    }
    Ok(())
}

/// Findings with client impact that carry no time (pastes, `docker logs` without `-t`):
/// they cannot be placed in an incident, but the operator must still see them.
fn undated(report: &Report) -> Vec<Entry> {
    report
        .findings
        .entries()
        .iter()
        .filter(|f| f.time.is_none() && f.status().is_some_and(|s| s >= 500))
        .cloned()
        .collect()
}

fn write_undated(out: &mut impl Write, report: &Report, style: &Style) -> io::Result<()> {
    let undated = undated(report);
    if undated.is_empty() {
        return Ok(());
    }
    let shown = report
        .findings
        .load(&undated[..undated.len().min(EVIDENCE_LINES)])?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &undated {
        *counts.entry(f.cause.name()).or_default() += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
    writeln!(out)?;
    writeln!(
        out,
        "{}  {} (no timestamps: not placed in time)",
        style.bold("Undated evidence"),
        counts.join(", ")
    )?;
    for f in &shown {
        writeln!(
            out,
            "    {}  {}",
            style.dim(&format!("{}:{}", display_path(&f.file), f.line)),
            for_terminal(&shorten(f))
        )?;
    }
    if undated.len() > EVIDENCE_LINES {
        writeln!(
            out,
            "    … and {} more (see --json)",
            undated.len() - EVIDENCE_LINES
        )?;
    }
    Ok(())
}

fn verdict(report: &Report, style: &Style) -> String {
    let lines: u64 = report.files.iter().map(|f| f.lines).sum();
    let read = format!(
        "{}, {}",
        plural(report.files.len(), "file"),
        plural(lines as usize, "line")
    );
    let undated = undated(report);
    match report.incidents.as_slice() {
        [] if !undated.is_empty() => style.red(&format!(
            "No dated 5xx incident, but {} without timestamps {} client errors ({read}).",
            plural(undated.len(), "line"),
            if undated.len() == 1 { "shows" } else { "show" }
        )),
        [] => style.green(&format!("No 5xx incident found ({read}).")),
        [one] => style.red(&format!(
            "1 incident: {} from {} — root cause {} ({read}).",
            one.status,
            clock(one.start),
            one.cause
        )),
        many => {
            let worst = many.iter().max_by_key(|i| i.findings).expect("not empty");
            style.red(&format!(
                "{} incidents; the largest: {} from {} — root cause {} ({read}).",
                many.len(),
                worst.status,
                clock(worst.start),
                worst.cause
            ))
        }
    }
}

fn clock(t: Stamp) -> String {
    t.utc.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn duration(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

pub fn write_incident(out: &mut impl Write, i: &Incident, style: &Style) -> io::Result<()> {
    writeln!(
        out,
        "{}  {} → {} ({})",
        style.bold(&format!("Incident {}", i.id)),
        clock(i.start),
        i.end.utc.format("%H:%M:%S"),
        duration(i.end.utc - i.start.utc)
    )?;
    writeln!(
        out,
        "  clients got {} · root cause {}\n  Cloudflare {}: {}",
        style.red(&i.status.to_string()),
        style.bold(i.cause.name()),
        i.cloudflare.status,
        i.cloudflare.note
    )?;
    let mut causes: Vec<_> = i.causes.iter().collect();
    causes.sort_by_key(|(c, n)| (std::cmp::Reverse(**n), **c));
    let causes: Vec<String> = causes.iter().map(|(c, n)| format!("{c} {n}")).collect();
    let failed = if i.failed_requests > 0 {
        format!(" · {} failed requests in the access log", i.failed_requests)
    } else {
        String::new()
    };
    if i.findings == 0 {
        writeln!(
            out,
            "  only the access log shows it: {} failed requests",
            i.failed_requests
        )?;
    } else {
        writeln!(
            out,
            "  {} findings: {}{failed}",
            i.findings,
            causes.join(", ")
        )?;
    }
    writeln!(out, "  activity {}", style.cyan(&sparkline(&i.per_minute)))?;
    writeln!(out, "  evidence:")?;
    for f in &i.evidence {
        let time = f.time.map_or_else(
            || "--:--:--".to_string(),
            |t| t.utc.format("%H:%M:%S").to_string(),
        );
        writeln!(
            out,
            "    {} {}  {}",
            style.dim(&format!("{}:{}", display_path(&f.file), f.line)),
            time,
            for_terminal(&shorten(f))
        )?;
    }
    writeln!(
        out,
        "  why: {}",
        for_display(&i.explanation, SENTENCE_WIDTH)
    )?;
    writeln!(out, "  next:")?;
    for (n, step) in i.next_steps.iter().enumerate() {
        writeln!(out, "    {}. {}", n + 1, for_display(step, SENTENCE_WIDTH))?;
    }
    Ok(())
}

/// A path as shown to a person: docker's 64-hex container ids cut to the 12 that
/// `docker ps` shows.
pub fn display_path(path: &str) -> String {
    let parts: Vec<String> = path
        .split('/')
        .map(|part| {
            let hex = part.bytes().take_while(u8::is_ascii_hexdigit).count();
            if hex == 64 {
                format!("{}…{}", &part[..12], &part[64..])
            } else {
                part.to_string()
            }
        })
        .collect();
    for_terminal(&parts.join("/")).into_owned()
}

/// The line the rule matched, cut for display; `…` marks lines left out around it.
fn shorten(f: &Finding) -> String {
    let line = f.matched_text();
    let before = if f.matched_line.start > 0 { "… " } else { "" };
    let after = if f.matched_line.end < f.message.len() {
        " …"
    } else {
        ""
    };
    match line.char_indices().nth(MESSAGE_WIDTH) {
        Some((cut, _)) => format!("{before}{}…", &line[..cut]),
        None => format!("{before}{line}{after}"),
    }
}

/// `▁▃█▂` from counts per minute.
pub fn sparkline(counts: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BARS[((c as usize * 7) / max as usize).min(7)]
            }
        })
        .collect()
}

pub fn write_files(out: &mut impl Write, files: &[FileSummary], style: &Style) -> io::Result<()> {
    if files.is_empty() {
        return writeln!(out, "No input read.");
    }
    writeln!(out, "{}", style.bold("Files read:"))?;
    for f in files {
        let span = match (f.first, f.last) {
            (Some(a), Some(b)) => format!(
                "{} .. {}",
                a.utc.format("%Y-%m-%d %H:%M:%S"),
                b.utc.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            _ => "no timestamps".to_string(),
        };
        let unknown = if f.unknown > 0 {
            format!(", {} unrecognised", f.unknown)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {}  {}, {} lines{unknown}, {}",
            display_path(&f.path),
            f.format.name(),
            f.lines,
            span
        )?;
    }
    Ok(())
}

/// One record as a line of text (for `--records` without `--json`).
pub fn write_record(out: &mut impl Write, r: &Record) -> io::Result<()> {
    let time = r.time.map_or_else(|| "-".to_string(), |t| t.to_string());
    let level = r.level.map_or("-", Level::as_str);
    writeln!(
        out,
        "{}:{}  {}  {:<6} {:<12} {}",
        for_terminal(&r.file),
        r.line,
        time,
        level,
        r.format.name(),
        for_terminal(&cut(&r.message, RECORD_WIDTH).replace('\n', " ⏎ "))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_peak() {
        assert_eq!(sparkline(&[1, 0, 8, 4]), "▁ █▄");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn container_ids_are_shortened_for_people() {
        let id = "4c1e9a7b2d3f5e6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a";
        assert_eq!(
            display_path(&format!("/var/lib/docker/containers/{id}/{id}-json.log")),
            "/var/lib/docker/containers/4c1e9a7b2d3f…/4c1e9a7b2d3f…-json.log"
        );
        assert_eq!(display_path("error\x1b.log"), "error\\x1b.log");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::seconds(42)), "42s");
        assert_eq!(duration(Duration::seconds(259)), "4m19s");
        assert_eq!(duration(Duration::seconds(7300)), "2h01m");
    }
}
