//! Format detection: the format most of a file's first lines begin entries in.
//! The same per-line classification lets a mixed stream (`docker logs` of nginx
//! with access and error lines) be read line by line.

use super::time::TimeCtx;
use super::{docker, journal, text_head, Format, TEXT_ORDER};

/// How many lines of a file's beginning are looked at.
pub const SAMPLE_LINES: usize = 200;
/// Sampling also stops once the lines so far hold this many bytes (1 MiB): a stream
/// holds its sample in memory, and a few huge lines must not make that gigabytes.
pub const SAMPLE_BYTES: usize = 1 << 20;

/// The format whose entries start most of the sample lines; `Unknown` if none does.
pub fn detect_format<'a>(lines: impl IntoIterator<Item = &'a str>, ctx: &TimeCtx) -> Format {
    let mut counts = [0usize; Format::ALL.len()];
    for line in lines.into_iter().take(SAMPLE_LINES) {
        if let Some(f) = classify(line, ctx) {
            if let Some(i) = Format::ALL.iter().position(|&x| x == f) {
                counts[i] += 1;
            }
        }
    }
    // Ties go to the earlier format in ALL; a format must start at least one entry.
    let (best, &n) = counts
        .iter()
        .enumerate()
        .rev()
        .max_by_key(|(_, &n)| n)
        .expect("ALL is not empty");
    if n == 0 {
        Format::Unknown
    } else {
        Format::ALL[best]
    }
}

/// The format a single line begins an entry of, if any.
pub fn classify(line: &str, ctx: &TimeCtx) -> Option<Format> {
    if line.starts_with('{') {
        if journal::json_entry(line).is_some() {
            return Some(Format::Journal);
        }
        if docker::json_file(line).is_some() {
            return Some(Format::DockerJson);
        }
    }
    if journal::is_marker(line) {
        return Some(Format::Journal);
    }
    // Container prefixes before the text heads: `web-1 | …` is not an access log line.
    if docker::compose(line).is_some() {
        return Some(Format::DockerCompose);
    }
    if docker::timestamps(line).is_some() {
        return Some(Format::DockerTimestamps);
    }
    TEXT_ORDER
        .iter()
        .copied()
        .find(|&f| text_head(f, line, ctx).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Format {
        detect_format(text.lines(), &TimeCtx::default())
    }

    #[test]
    fn each_format_is_detected_from_its_own_lines() {
        let cases = [
            ("2026/11/24 10:00:01 [error] 1#1: *1 x", Format::NginxError),
            (
                "[Tue Nov 24 10:00:01.123456 2026] [core:error] [pid 1] x",
                Format::ApacheError,
            ),
            (
                "[24-Nov-2026 10:00:01] NOTICE: fpm is running, pid 1",
                Format::PhpFpm,
            ),
            (
                "[24-Nov-2026 10:00:01 UTC] PHP Warning:  x in /a.php on line 1",
                Format::PhpErrorlog,
            ),
            (
                r#"203.0.113.7 - - [24/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "ua""#,
                Format::Access,
            ),
            (
                r#"{"log":"hi\n","stream":"stdout","time":"2026-11-24T10:00:01Z"}"#,
                Format::DockerJson,
            ),
            (
                "2026-11-24T10:00:01.123456789Z hello",
                Format::DockerTimestamps,
            ),
            ("web-1  | hello", Format::DockerCompose),
            ("Nov 24 10:00:01 web1 kernel: x", Format::Syslog),
            (
                r#"{"__REALTIME_TIMESTAMP":"1795514401000000","MESSAGE":"x"}"#,
                Format::Journal,
            ),
            ("[  123.456789] Out of memory", Format::Dmesg),
        ];
        for (line, want) in cases {
            assert_eq!(detect(line), want, "{line}");
        }
    }

    #[test]
    fn majority_wins_and_garbage_is_unknown() {
        let text = "Stack trace:\n2026/11/24 10:00:01 [error] 1#1: x\n2026/11/24 10:00:02 [error] 1#1: y\nNov 24 10:00:01 web1 kernel: x\n";
        assert_eq!(detect(text), Format::NginxError);
        assert_eq!(detect("hello\nworld\n"), Format::Unknown);
        assert_eq!(detect(""), Format::Unknown);
    }
}
