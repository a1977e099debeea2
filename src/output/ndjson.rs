//! NDJSON output: one JSON object per line with a `type`, as the contract fixes them.
//! serde escapes every byte that came from a log.

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::app::Report;
use crate::correlate::Incident;
use std::borrow::Cow;

use crate::parse::{Record, Stamp};
use crate::rules::Finding;
use crate::scan::FileSummary;
use crate::store::FindingView;

/// Fields as a JSON object, in the order they were found.
struct FieldsOut<'a, K, V>(&'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Serialize for FieldsOut<'_, K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k.as_ref(), v.as_ref())?;
        }
        map.end()
    }
}

/// A time as its RFC 3339 text, written in place.
struct TimeOut(Stamp);

impl Serialize for TimeOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Writes one object and its newline. serde_json leaves U+0085, U+2028 and U+2029 raw
/// (valid JSON), but line-oriented readers (Python's `splitlines`, some log shippers)
/// break lines there: a log line holding one must not split an object in two.
fn write_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut buf = Vec::new();
    append_line(&mut buf, value)?;
    out.write_all(&buf)
}

/// [`write_line`] into a buffer that collects many objects: no buffer of its own.
fn append_line(buf: &mut Vec<u8>, value: &impl Serialize) -> io::Result<()> {
    let start = buf.len();
    serde_json::to_writer(&mut *buf, value)?;
    let written = &buf[start..];
    let separator = memchr::memchr2_iter(0xc2, 0xe2, written)
        .any(|i| matches!(written.get(i..i + 2), Some([0xc2, 0x85] | [0xe2, 0x80])));
    if separator {
        let escaped = escape_line_separators(&buf[start..]);
        buf.truncate(start);
        buf.extend_from_slice(&escaped);
    }
    buf.push(b'\n');
    Ok(())
}

fn escape_line_separators(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 16);
    let mut i = 0;
    while i < json.len() {
        match json[i..] {
            [0xc2, 0x85, ..] => {
                out.extend_from_slice(b"\\u0085");
                i += 2;
            }
            [0xe2, 0x80, c @ (0xa8 | 0xa9), ..] => {
                out.extend_from_slice(if c == 0xa8 { b"\\u2028" } else { b"\\u2029" });
                i += 3;
            }
            _ => {
                out.push(json[i]);
                i += 1;
            }
        }
    }
    out
}

fn time(t: Option<Stamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    file: &'a str,
    line: u64,
    lines: u32,
    format: &'static str,
    time: Option<String>,
    level: Option<&'static str>,
    message: &'a str,
    fields: FieldsOut<'a, Cow<'static, str>, String>,
}

pub fn write_record(out: &mut impl Write, r: &Record) -> io::Result<()> {
    let obj = RecordOut {
        kind: "record",
        file: &r.file,
        line: r.line,
        lines: r.lines,
        format: r.format.name(),
        time: time(r.time),
        level: r.level.map(|l| l.as_str()),
        message: &r.message,
        fields: FieldsOut(&r.fields),
    };
    write_line(out, &obj)
}

#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    format: &'static str,
    lines: u64,
    records: u64,
    unknown: u64,
    first: Option<String>,
    last: Option<String>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    path: &'a str,
    error: String,
}

#[derive(Serialize)]
struct FindingOut<'a, K: AsRef<str>, V: AsRef<str>> {
    #[serde(rename = "type")]
    kind: &'static str,
    time: Option<TimeOut>,
    file: &'a str,
    line: u64,
    format: &'static str,
    level: Option<&'static str>,
    rule: &'a str,
    cause: &'static str,
    status: Option<u16>,
    message: &'a str,
    fields: FieldsOut<'a, K, V>,
}

fn finding_out(f: &Finding) -> FindingOut<'_, Cow<'static, str>, String> {
    FindingOut {
        kind: "finding",
        time: f.time.map(TimeOut),
        file: &f.file,
        line: f.line,
        format: f.format.name(),
        level: f.level.map(|l| l.as_str()),
        rule: &f.rule,
        cause: f.cause.name(),
        status: f.status,
        message: &f.message,
        fields: FieldsOut(&f.fields),
    }
}

/// The same object for a finding read in place from the store.
fn stored_finding_out<'a>(f: &'a FindingView<'a>) -> FindingOut<'a, &'a str, &'a str> {
    FindingOut {
        kind: "finding",
        time: f.time.map(TimeOut),
        file: f.file,
        line: f.line,
        format: f.format.name(),
        level: f.level.map(|l| l.as_str()),
        rule: f.rule,
        cause: f.cause.name(),
        status: f.status,
        message: f.message,
        fields: FieldsOut(&f.fields),
    }
}

#[derive(Serialize)]
struct EvidenceOut<'a> {
    file: &'a str,
    line: u64,
    time: Option<String>,
    rule: &'a str,
    cause: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct IncidentOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: usize,
    start: String,
    end: String,
    cause: &'static str,
    status: u16,
    /// A number when the origin's status passed through, a string for Cloudflare's own 52x.
    cloudflare: Value,
    cloudflare_note: &'a str,
    findings: usize,
    causes: BTreeMap<&'static str, usize>,
    files: Vec<&'a str>,
    failed_requests: usize,
    per_minute: &'a [u32],
    evidence: Vec<EvidenceOut<'a>>,
    explanation: &'a str,
    next_steps: &'a [String],
}

fn incident_out(i: &Incident) -> IncidentOut<'_> {
    let cloudflare = if i.cloudflare.status >= 520 {
        Value::String(i.cloudflare.status.to_string())
    } else {
        Value::from(i.cloudflare.status)
    };
    IncidentOut {
        kind: "incident",
        id: i.id,
        start: i.start.to_string(),
        end: i.end.to_string(),
        cause: i.cause.name(),
        status: i.status,
        cloudflare,
        cloudflare_note: &i.cloudflare.note,
        findings: i.findings,
        causes: i.causes.iter().map(|(c, n)| (c.name(), *n)).collect(),
        files: i.files.iter().map(|f| f.as_ref()).collect(),
        failed_requests: i.failed_requests,
        per_minute: &i.per_minute,
        evidence: i
            .evidence
            .iter()
            .map(|f| EvidenceOut {
                file: &f.file,
                line: f.line,
                time: time(f.time),
                rule: &f.rule,
                cause: f.cause.name(),
                message: &f.message,
            })
            .collect(),
        explanation: &i.explanation,
        next_steps: &i.next_steps,
    }
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    files: Vec<FileOut<'a>>,
    lines: u64,
    records: u64,
    findings: usize,
    incidents: usize,
    by_cause: BTreeMap<&'static str, usize>,
    by_status: BTreeMap<String, usize>,
    errors: Vec<ErrorOut<'a>>,
}

/// Findings serialized by one worker at a time, and how many batches are in flight
/// (their text is held until it is written, in order).
const BATCH: usize = 1024;
const BATCHES_IN_FLIGHT: usize = 4;

/// Findings in time order, incidents in time order, then the summary. Findings are
/// read back and serialized in parallel batches, written in order.
pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    use rayon::prelude::*;
    let mut counts = Counts::default();
    let entries = report.findings.entries();
    for e in entries {
        counts.add(e.cause, e.status());
    }
    for window in entries.chunks(BATCH * BATCHES_IN_FLIGHT) {
        let texts: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(BATCH)
            .map(|batch| {
                let mut text = Vec::with_capacity(batch.len() * 512);
                report
                    .findings
                    .for_each_view(batch, |f| append_line(&mut text, &stored_finding_out(&f)))?;
                Ok(text)
            })
            .collect();
        for text in texts {
            out.write_all(&text?)?;
        }
    }
    for i in &report.incidents {
        write_incident(out, i)?;
        counts.incidents += 1;
    }
    write_summary(out, &report.files, &counts, &report.errors)
}

/// One `finding` object.
pub fn write_finding(out: &mut impl Write, f: &Finding) -> io::Result<()> {
    write_line(out, &finding_out(f))
}

/// One `incident` object.
pub fn write_incident(out: &mut impl Write, i: &Incident) -> io::Result<()> {
    write_line(out, &incident_out(i))
}

/// What the `summary` counts besides the files: kept as findings and incidents go out,
/// so follow mode needs not keep them.
#[derive(Default)]
pub struct Counts {
    pub findings: usize,
    pub incidents: usize,
    pub by_cause: BTreeMap<&'static str, usize>,
    pub by_status: BTreeMap<String, usize>,
}

impl Counts {
    pub fn finding(&mut self, f: &Finding) {
        self.add(f.cause, f.status);
    }

    /// One finding of `cause` with `status`.
    pub fn add(&mut self, cause: crate::rules::Cause, status: Option<u16>) {
        self.findings += 1;
        *self.by_cause.entry(cause.name()).or_insert(0) += 1;
        *self
            .by_status
            .entry(status.map_or("none".to_string(), |s| s.to_string()))
            .or_insert(0) += 1;
    }
}

/// The closing `summary` object.
pub fn write_summary(
    out: &mut impl Write,
    files: &[FileSummary],
    counts: &Counts,
    errors: &[(String, String)],
) -> io::Result<()> {
    let summary = SummaryOut {
        kind: "summary",
        files: files
            .iter()
            .map(|f| FileOut {
                path: &f.path,
                format: f.format.name(),
                lines: f.lines,
                records: f.records,
                unknown: f.unknown,
                first: time(f.first),
                last: time(f.last),
            })
            .collect(),
        lines: files.iter().map(|f| f.lines).sum(),
        records: files.iter().map(|f| f.records).sum(),
        findings: counts.findings,
        incidents: counts.incidents,
        by_cause: counts.by_cause.clone(),
        by_status: counts.by_status.clone(),
        errors: errors
            .iter()
            .map(|(path, error)| ErrorOut {
                path,
                error: error.clone(),
            })
            .collect(),
    };
    write_line(out, &summary)
}

#[derive(Serialize)]
struct RuleOut<'a> {
    id: &'a str,
    cause: &'static str,
    status: Option<u16>,
    formats: Vec<&'static str>,
    regex: &'a str,
    samples: &'a [String],
    counter: &'a [String],
    origin: &'a str,
}

/// One rule of `--list-rules --json`.
pub fn write_rule(out: &mut impl Write, rule: &crate::rules::Rule) -> io::Result<()> {
    let obj = RuleOut {
        id: &rule.id,
        cause: rule.cause.name(),
        status: rule.status(),
        formats: rule.formats.iter().map(|f| f.name()).collect(),
        regex: rule.regex.as_str(),
        samples: &rule.samples,
        counter: &rule.counter,
        origin: &rule.origin,
    };
    write_line(out, &obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_line_separators_are_escaped() {
        let mut out = Vec::new();
        write_line(&mut out, &"a\u{2028}b\u{2029}c\u{85}d é").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\"a\\u2028b\\u2029c\\u0085d é\"\n");
        assert_eq!(text.lines().count(), 1);
        let back: String = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(back, "a\u{2028}b\u{2029}c\u{85}d é");
    }
}
