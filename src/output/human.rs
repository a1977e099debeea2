//! The human report. For now: what was read, per file (format, lines, records,
//! unknown lines, time span). Every log-derived string passes `sanitize` first.

use std::io::{self, Write};

use super::sanitize::for_terminal;
use crate::parse::{Level, Record};
use crate::scan::FileSummary;

pub fn write_files(out: &mut impl Write, files: &[FileSummary]) -> io::Result<()> {
    if files.is_empty() {
        return writeln!(out, "no input read");
    }
    let width = files
        .iter()
        .map(|f| f.path.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    writeln!(
        out,
        "{:width$}  {:<17} {:>10} {:>10} {:>8}  time span (UTC)",
        "file", "format", "lines", "records", "unknown"
    )?;
    for f in files {
        let span = match (f.first, f.last) {
            (Some(a), Some(b)) => format!("{a} .. {b}"),
            _ => "no timestamps".to_string(),
        };
        writeln!(
            out,
            "{:width$}  {:<17} {:>10} {:>10} {:>8}  {}",
            for_terminal(&f.path),
            f.format.name(),
            f.lines,
            f.records,
            f.unknown,
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
        for_terminal(&r.message.replace('\n', " ⏎ "))
    )
}
