//! NDJSON output: one JSON object per line with a `type`, as the contract fixes them.
//! serde escapes every byte that came from a log.

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::parse::{Fields, Record, Stamp};
use crate::scan::FileSummary;

/// Fields as a JSON object, in the order they were found.
struct FieldsOut<'a>(&'a Fields);

impl Serialize for FieldsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
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
    fields: FieldsOut<'a>,
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
    serde_json::to_writer(&mut *out, &obj)?;
    out.write_all(b"\n")
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
struct SummaryOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    files: Vec<FileOut<'a>>,
    lines: u64,
    records: u64,
    errors: Vec<ErrorOut<'a>>,
}

/// The closing `summary` object.
pub fn write_summary(
    out: &mut impl Write,
    files: &[FileSummary],
    errors: &[(String, String)],
) -> io::Result<()> {
    let obj = SummaryOut {
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
        errors: errors
            .iter()
            .map(|(path, error)| ErrorOut {
                path,
                error: error.clone(),
            })
            .collect(),
    };
    serde_json::to_writer(&mut *out, &obj)?;
    out.write_all(b"\n")
}
