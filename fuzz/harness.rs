//! The oracle shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and the stable
//! regression test (`tests/regressions.rs`): runs logscan's stages on arbitrary input
//! and panics when an invariant breaks. It uses the `logscan` library alone, so CI
//! replays every kept crash input without nightly or cargo-fuzz.

#![allow(dead_code)] // each driver uses some of the entry points

use std::io::{BufReader, Read};
use std::sync::OnceLock;

use chrono::TimeZone;
use logscan::app::Report;
use logscan::config::Config;
use logscan::correlate::{correlate, promote_unrecovered_stops, ClientErrors};
use logscan::input::{for_each_line, LineReader};
use logscan::output::{human, ndjson};
use logscan::parse::{Assembler, Format, Record, TimeCtx, Zone, MAX_CONTINUATION_LINES};
use logscan::rules::catalog::{self, load_file};
use logscan::rules::{Finding, Matcher};

/// A fixed clock for year-less stamps, so a run does not depend on today's date.
fn ctx() -> TimeCtx {
    let reference = chrono::Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    TimeCtx::new(Zone::Utc, Some(reference))
}

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(catalog::builtin()))
}

/// The first byte picks `--format` (one of the 11, or detection); the rest is the file.
fn split_mode(data: &[u8]) -> (Option<Format>, &[u8]) {
    match data.split_first() {
        Some((&mode, rest)) => (Format::ALL.get(usize::from(mode % 16)).copied(), rest),
        None => (None, data),
    }
}

/// Detection as `scan` does it.
fn detect(bytes: &[u8]) -> Format {
    logscan::scan::detect_in_slice(bytes, &ctx())
}

/// The mmap path: lines borrowed from one slice.
pub fn assemble_slice(bytes: &[u8], forced: Option<Format>) -> Vec<Record> {
    let format = forced.unwrap_or_else(|| detect(bytes));
    let mut asm = Assembler::new("fuzz.log".into(), format, forced.is_some(), ctx());
    let mut out = Vec::new();
    let mut sink = |r| out.push(r);
    for_each_line(bytes, |line, n| asm.push(line, n, &mut sink));
    asm.finish(&mut sink);
    out
}

/// A reader that hands out its bytes in the chunk sizes given (cycled), as a pipe does.
struct Chunked<'a> {
    bytes: &'a [u8],
    sizes: &'a [usize],
    turn: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = want.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// The stream path (stdin, `.gz`): lines read through a small buffer in odd chunks.
pub fn assemble_stream(bytes: &[u8], forced: Option<Format>, chunks: &[usize]) -> Vec<Record> {
    let format = forced.unwrap_or_else(|| detect(bytes));
    let mut asm = Assembler::new("fuzz.log".into(), format, forced.is_some(), ctx());
    let sizes = if chunks.is_empty() { &[7][..] } else { chunks };
    let reader = BufReader::with_capacity(
        sizes[0].clamp(1, 64),
        Chunked {
            bytes,
            sizes,
            turn: 0,
        },
    );
    let mut lines = LineReader::new(reader);
    let mut out = Vec::new();
    let mut sink = |r| out.push(r);
    while let Some((line, n)) = lines.next_line().expect("reading memory cannot fail") {
        asm.push(line, n, &mut sink);
    }
    asm.finish(&mut sink);
    out
}

/// Records tile the input: the first starts at line 1 and offset 0, each starts where
/// the one before ended, and together they span every physical line and byte.
pub fn assert_tiles(bytes: &[u8], records: &[Record]) {
    let physical = bytes.split(|&b| b == b'\n').count() - usize::from(bytes.ends_with(b"\n"));
    let physical = if bytes.is_empty() { 0 } else { physical };
    let (mut line, mut offset) = (1u64, 0u64);
    for r in records {
        assert_eq!(r.line, line, "gap or overlap at line {line}");
        assert_eq!(r.offset, offset, "gap or overlap at byte {offset}");
        assert!(r.lines >= 1, "a record spans at least one line");
        assert!(
            r.lines <= MAX_CONTINUATION_LINES,
            "a record spans at most {MAX_CONTINUATION_LINES} lines"
        );
        line += u64::from(r.lines);
        offset += r.len;
    }
    assert_eq!(line - 1, physical as u64, "physical lines not all covered");
    assert_eq!(offset, bytes.len() as u64, "bytes not all covered");
}

/// Detection and every parser through the assembler: both read paths agree and tile.
pub fn parse(data: &[u8]) {
    let (forced, bytes) = split_mode(data);
    let mapped = assemble_slice(bytes, forced);
    assert_tiles(bytes, &mapped);
    let chunks: Vec<usize> = data
        .iter()
        .take(4)
        .map(|&b| usize::from(b % 13) + 1)
        .collect();
    let streamed = assemble_stream(bytes, forced, &chunks);
    assert_eq!(mapped, streamed, "the stream and mmap paths disagree");
}

/// A config for the human report with colour off.
fn human_config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let cli = <logscan::cli::Cli as clap::Parser>::parse_from([
            "logscan", "--tz", "UTC", "--color", "never",
        ]);
        Config::from_cli(cli).expect("fixed flags are valid")
    })
}

/// Whether a byte string written for a terminal holds a control character other than
/// newline and tab (C0, DEL, or C1 written as UTF-8).
pub fn terminal_control(out: &[u8]) -> Option<char> {
    String::from_utf8_lossy(out)
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
}

/// The whole batch pipeline on one file: rules, incidents, both reports. The human
/// report must carry no control character from the log; every NDJSON line must parse.
pub fn report(data: &[u8]) {
    let (forced, bytes) = split_mode(data);
    let records = assemble_slice(bytes, forced);
    assert_tiles(bytes, &records);
    let mut findings: Vec<Finding> = records.iter().filter_map(|r| matcher().find(r)).collect();
    let client_errors: ClientErrors = Vec::new();
    findings.sort_by_key(|f| (f.time.is_none(), f.time));
    promote_unrecovered_stops(&mut findings, None);
    let incidents = correlate(&findings, &client_errors, chrono::Duration::minutes(5));
    let report = Report {
        files: Vec::new(),
        findings: logscan::store::Findings::from_findings(&findings),
        incidents,
        errors: vec![(
            String::from_utf8_lossy(bytes).into_owned(),
            "an error naming a hostile path".into(),
        )],
    };
    let mut human_out = Vec::new();
    human::write_report(&mut human_out, &report, human_config()).expect("writing to memory");
    for r in &records {
        human::write_record(&mut human_out, r).expect("writing to memory");
    }
    if let Some(c) = terminal_control(&human_out) {
        panic!("raw control character {c:?} in the human report");
    }
    let mut json_out = Vec::new();
    ndjson::write_report(&mut json_out, &report).expect("writing to memory");
    for line in json_out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        serde_json::from_slice::<serde_json::Value>(line).expect("every NDJSON line parses");
    }
}

/// docker json-file lines built from the bytes: each op byte picks the stream, whether
/// the piece is partial (no trailing `\n`), whether it has a time, or a damaged line.
/// Returns the file and, per line, `Some((stream, partial))` for a well-formed line.
pub fn docker_lines(data: &[u8]) -> (Vec<u8>, Vec<Option<(u8, bool)>>) {
    let mut file = Vec::new();
    let mut shape = Vec::new();
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        let len = usize::from(tail.first().copied().unwrap_or(0) % 40);
        let piece = tail.get(1..).unwrap_or(&[]);
        let piece = &piece[..len.min(piece.len())];
        rest = tail.get(1 + piece.len()..).unwrap_or(&[]);
        let stream = op & 1;
        let partial = op & 2 != 0;
        let mut log = String::from_utf8_lossy(piece).replace('\n', " ");
        if !partial {
            log.push('\n');
        }
        let log = serde_json::to_string(&log).expect("a string serializes");
        let name = ["stdout", "stderr"][usize::from(stream)];
        let line = match op >> 2 & 7 {
            0 => format!(
                r#"{{"log":{log},"stream":"{name}","time":"2026-11-24T10:00:0{}.5Z"}}"#,
                op % 10
            ),
            1 => format!(r#"{{"log":{log},"stream":"{name}"}}"#),
            2 => format!(r#"{{"stream":"{name}","log":{log},"time":"bogus"}}"#),
            // Damaged: cut short, or not JSON at all.
            3 => format!(r#"{{"log":{log},"stream":"{name}""#),
            4 => format!(
                "garbage {}",
                String::from_utf8_lossy(piece).replace('\n', " ")
            ),
            _ => format!(
                r#"{{"log":{log},"stream":"{name}","time":"2026-11-24T10:00:01.123456789Z"}}"#
            ),
        };
        let well_formed = !matches!(op >> 2 & 7, 3 | 4);
        shape.push(well_formed.then_some((stream, partial)));
        file.extend_from_slice(line.as_bytes());
        file.push(b'\n');
    }
    (file, shape)
}

/// The docker json-file joiner: partial pieces of one stream become one record, up to
/// the continuation cap; both read paths agree and tile.
pub fn docker_json(data: &[u8]) {
    let (file, shape) = docker_lines(data);
    let records = assemble_slice(&file, Some(Format::DockerJson));
    assert_tiles(&file, &records);
    let streamed = assemble_stream(&file, Some(Format::DockerJson), &[5, 1, 3]);
    assert_eq!(records, streamed, "the stream and mmap paths disagree");
    // The joiner's own model: a run of partials of one stream ends with the first
    // whole piece of that stream, anything else or the cap.
    let mut expected: Vec<u32> = Vec::new();
    let mut open: Option<(u8, u32)> = None;
    for s in &shape {
        match (*s, open) {
            (Some((stream, partial)), Some((key, n))) if stream == key => {
                if partial && n + 1 < MAX_CONTINUATION_LINES {
                    open = Some((key, n + 1));
                } else {
                    expected.push(n + 1);
                    open = None;
                }
            }
            (s, o) => {
                if let Some((_, n)) = o {
                    expected.push(n);
                }
                open = None;
                match s {
                    Some((stream, true)) => open = Some((stream, 1)),
                    _ => expected.push(1),
                }
            }
        }
    }
    if let Some((_, n)) = open {
        expected.push(n);
    }
    let got: Vec<u32> = records.iter().map(|r| r.lines).collect();
    assert_eq!(got, expected, "partial pieces joined wrongly");
}

/// The rule loader on arbitrary text: it loads or names `file:line`, never panics; what
/// loads compiles into a matcher (or fails to, with an error) and checks its samples.
pub fn rule_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match load_file("fuzz.toml", &text) {
        Ok(rules) => {
            if let Ok(m) = Matcher::try_new(rules) {
                for e in m.sample_problems(|_| true, false) {
                    assert!(e.to_string().starts_with("fuzz.toml:"), "{e}");
                }
            }
        }
        Err(e) => {
            let shown = e.to_string();
            let line: usize = shown
                .strip_prefix("fuzz.toml:")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("error does not name file:line: {shown}"));
            let lines = text.matches('\n').count() + 1;
            assert!(
                (1..=lines).contains(&line),
                "line {line} outside 1..={lines}"
            );
        }
    }
}
