//! Reads one input end to end: opens it, detects its format from the first lines,
//! feeds every line through the assembler and counts what the summary needs.
//! Records go to a caller-supplied sink; nothing is printed here.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Error;
use crate::input::{self, for_each_line, Input, LineReader, Opened};
use crate::parse::detect::{SAMPLE_BYTES, SAMPLE_LINES};
use crate::parse::{detect_format, Assembler, Format, Record, Stamp, TimeCtx, Zone};
use crate::rules::{Finding, Matcher};

/// What one input held, for the `summary` object.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    pub path: String,
    pub format: Format,
    pub lines: u64,
    pub records: u64,
    pub unknown: u64,
    pub first: Option<Stamp>,
    pub last: Option<Stamp>,
}

impl FileSummary {
    fn new(path: &str, format: Format) -> FileSummary {
        FileSummary {
            path: path.to_string(),
            format,
            lines: 0,
            records: 0,
            unknown: 0,
            first: None,
            last: None,
        }
    }

    fn count(&mut self, r: &Record) {
        self.records += 1;
        self.lines += u64::from(r.lines);
        if r.format == Format::Unknown {
            self.unknown += 1;
        }
        if let Some(t) = r.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// A scanned input: its summary, its findings in file order, and the error that cut
/// it short, if any (what was read before the error still counts).
pub struct Scanned {
    pub summary: FileSummary,
    pub findings: Vec<Finding>,
    pub error: Option<Error>,
}

/// Reads `input`, matching each record against the catalog and handing it
/// (inside `--since`/`--until`) to `sink`. `year_reference` is when the logs with full
/// dates end (see [`latest_dated_time`]); stamps without a year are placed before it,
/// or before the file's mtime when no other input has full dates.
pub fn scan(
    input: &Input,
    config: &Config,
    matcher: &Matcher,
    year_reference: Option<DateTime<Utc>>,
    sink: &mut dyn FnMut(Record),
) -> Scanned {
    let opening = match input::open(input) {
        Ok(o) => o,
        Err(e) => {
            return Scanned {
                summary: FileSummary::new(&input.name, Format::Unknown),
                findings: Vec::new(),
                error: Some(e),
            }
        }
    };
    let ctx = match year_reference {
        // Other logs may stop before this one does: allow a month past their end.
        Some(t) => TimeCtx::with_reference(config.zone, Some(t), chrono::Duration::days(31)),
        None => TimeCtx::new(config.zone, opening.mtime),
    };
    let mut summary = FileSummary::new(&input.name, Format::Unknown);
    let mut findings = Vec::new();
    let mut last_time: Option<Stamp> = None;
    let mut emit = |r: Record| {
        summary.count(&r);
        // Entries without a stamp of their own (bare php-fpm worker lines, dmesg uptime)
        // are placed at the time of the entry before them, and say so.
        let time = r.time.or(last_time);
        last_time = time;
        if config.in_range(time.map(|t| t.utc)) {
            if let Some(mut f) = matcher.find(&r) {
                if r.time.is_none() && time.is_some() {
                    f.time = time;
                    f.fields
                        .push(("time_inferred".into(), "from the previous entry".into()));
                }
                findings.push(f);
            }
            sink(r);
        }
    };
    let error = match opening.opened {
        Opened::Mapped(mapped) => {
            let bytes = mapped.bytes();
            let format = config
                .format
                .unwrap_or_else(|| detect_in_slice(bytes, &ctx));
            let mut asm = Assembler::new(input.name.clone(), format, config.format.is_some(), ctx);
            for_each_line(bytes, |line, n| asm.push(line, n, &mut emit));
            asm.finish(&mut emit);
            summary.format = format;
            mapped.shrank(&input.name)
        }
        Opened::Stream(reader) => {
            let (format, error) = scan_stream(reader, input, config, ctx, &mut emit);
            summary.format = format;
            error
        }
    };
    Scanned {
        summary,
        findings,
        error,
    }
}

fn detect_in_slice(bytes: &[u8], ctx: &TimeCtx) -> Format {
    let mut sample = Vec::with_capacity(SAMPLE_LINES);
    let mut sampled = 0;
    for line in bytes.split(|&b| b == b'\n').take(SAMPLE_LINES) {
        if sampled >= SAMPLE_BYTES {
            break;
        }
        let line = &line[..line.len().min(input::MAX_LINE_BYTES)];
        sampled += line.len();
        sample.push(
            String::from_utf8_lossy(line)
                .trim_end_matches('\r')
                .to_string(),
        );
    }
    detect_format(sample.iter().map(String::as_str), ctx)
}

/// Streams: the first lines are held back for detection, then replayed.
fn scan_stream(
    reader: Box<dyn std::io::BufRead + Send>,
    input: &Input,
    config: &Config,
    ctx: TimeCtx,
    emit: &mut impl FnMut(Record),
) -> (Format, Option<Error>) {
    let mut lines = LineReader::new(reader);
    let mut held: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut error = None;
    let (mut sampled, mut ended) = (0, false);
    while held.len() < SAMPLE_LINES && sampled < SAMPLE_BYTES {
        match lines.next_line() {
            Ok(Some((line, n))) => {
                sampled += line.len();
                held.push((line.to_vec(), n));
            }
            Ok(None) => {
                ended = true;
                break;
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let format = config.format.unwrap_or_else(|| {
        let sample: Vec<String> = held
            .iter()
            .map(|(l, _)| {
                String::from_utf8_lossy(l)
                    .trim_end_matches('\r')
                    .to_string()
            })
            .collect();
        detect_format(sample.iter().map(String::as_str), &ctx)
    });
    let mut asm = Assembler::new(input.name.clone(), format, config.format.is_some(), ctx);
    for (line, n) in &held {
        asm.push(line, *n, emit);
    }
    if error.is_none() && !ended {
        loop {
            match lines.next_line() {
                Ok(Some((line, n))) => asm.push(line, n, emit),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    asm.finish(emit);
    let error = error.map(|source| Error::Io {
        path: input.name.to_string(),
        source,
    });
    (format, error)
}

/// How much of a file's end is read to learn when it ends.
const TAIL_BYTES: usize = 64 * 1024;

/// When the inputs whose stamps carry a year end: the latest such stamp in the last
/// 64 KiB of each regular file. Year-less syslog stamps are placed relative to it, so
/// kern.log lines line up with the nginx log they were written beside even when the
/// files were copied (new mtimes) or are from another year than the machine's clock.
pub fn latest_dated_time(inputs: &[Input], zone: Zone) -> Option<DateTime<Utc>> {
    let ctx = TimeCtx::new(zone, None);
    inputs
        .iter()
        // Regular files only: what is read from stdin or a FIFO here would be gone
        // for the real scan.
        .filter(|input| match &input.source {
            crate::input::Source::File(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
            crate::input::Source::Stdin => false,
        })
        .filter_map(|input| {
            let opening = input::open(input).ok()?;
            let Opened::Mapped(mapped) = opening.opened else {
                return None;
            };
            let bytes = mapped.bytes();
            let tail = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
            let mut latest: Option<DateTime<Utc>> = None;
            // Skip the first, possibly partial, line of the tail.
            let start = if tail.len() < bytes.len() {
                memchr::memchr(b'\n', tail).map_or(tail.len(), |i| i + 1)
            } else {
                0
            };
            for_each_line(&tail[start..], |line, _| {
                let text = String::from_utf8_lossy(line);
                if let Some(t) = crate::parse::dated_stamp(&text, &ctx) {
                    latest = Some(latest.map_or(t, |l| l.max(t)));
                }
            });
            latest
        })
        .max()
}
