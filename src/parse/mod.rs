//! Parsing: bytes of one input in, [`Record`]s out. No I/O happens here.
//!
//! Each format has a *head* parser that recognises the first line of an entry
//! (`nginx.rs`, `apache.rs`, …). Container and journal formats (`docker.rs`,
//! `journal.rs`) unwrap an *outer* envelope and hand the payload to the text
//! heads. `assemble.rs` drives them line by line, joins continuation lines and
//! guarantees that every physical line lands in exactly one record.

mod access;
mod apache;
mod assemble;
pub mod detect;
mod dmesg;
mod docker;
mod journal;
mod nginx;
mod php;
pub mod record;
mod syslog;
pub mod time;

use std::fmt;
use std::str::FromStr;

pub use assemble::{Assembler, MAX_CONTINUATION_LINES};
pub use detect::detect_format;
pub use record::{field, Fields, Level, Record, Stamp};
pub use time::{TimeCtx, Zone};

/// The log formats logscan reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    NginxError,
    ApacheError,
    PhpFpm,
    PhpErrorlog,
    Access,
    DockerJson,
    DockerTimestamps,
    DockerCompose,
    Syslog,
    Journal,
    Dmesg,
    Unknown,
}

impl Format {
    /// Every format but `unknown`, in the order `--list-formats` shows them.
    pub const ALL: [Format; 11] = [
        Format::NginxError,
        Format::ApacheError,
        Format::PhpFpm,
        Format::PhpErrorlog,
        Format::Access,
        Format::DockerJson,
        Format::DockerTimestamps,
        Format::DockerCompose,
        Format::Syslog,
        Format::Journal,
        Format::Dmesg,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::NginxError => "nginx-error",
            Format::ApacheError => "apache-error",
            Format::PhpFpm => "php-fpm",
            Format::PhpErrorlog => "php-errorlog",
            Format::Access => "access",
            Format::DockerJson => "docker-json",
            Format::DockerTimestamps => "docker-timestamps",
            Format::DockerCompose => "docker-compose",
            Format::Syslog => "syslog",
            Format::Journal => "journal",
            Format::Dmesg => "dmesg",
            Format::Unknown => "unknown",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Format::NginxError => "nginx error.log (FastCGI stderr continuations joined)",
            Format::ApacheError => "Apache httpd 2.4/2.2 error_log, mod_php lines",
            Format::PhpFpm => "php-fpm master log, worker output (decorated or bare)",
            Format::PhpErrorlog => "PHP error_log with zone names, stack traces joined",
            Format::Access => "nginx/Apache combined access log (client status)",
            Format::DockerJson => "docker json-file logs (16 KiB partials joined)",
            Format::DockerTimestamps => "docker logs -t output",
            Format::DockerCompose => "docker compose logs (v1/v2, with or without -t)",
            Format::Syslog => "syslog/kern.log: BSD, RFC 3339 and RFC 5424 stamps",
            Format::Journal => "journalctl -o json (and -o short-iso headers)",
            Format::Dmesg => "dmesg: uptime stamps, -T and --time-format iso",
            Format::Unknown => "lines no format recognises",
        }
    }

    /// Whether lines without a stamp may continue an entry of this format.
    /// Formats whose every line carries its own stamp (JSON envelopes, access logs)
    /// take none: a stray line there is `unknown`, not part of its neighbour.
    fn takes_continuations(self) -> bool {
        matches!(
            self,
            Format::NginxError
                | Format::ApacheError
                | Format::PhpFpm
                | Format::PhpErrorlog
                | Format::Syslog
                | Format::Journal
                | Format::Dmesg
                | Format::DockerCompose
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .iter()
            .chain(std::iter::once(&Format::Unknown))
            .find(|f| f.name() == s)
            .copied()
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format '{s}' (known: {})", names.join(", "))
            })
    }
}

/// What a head parser reads from the first line of an entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Head {
    pub time: Option<Stamp>,
    pub level: Option<Level>,
    /// Byte offset in the line where the message begins (after the format's prefix).
    pub message_at: usize,
    pub fields: Fields,
}

/// Tries one text format's head parser on a line.
fn text_head(format: Format, line: &str, ctx: &TimeCtx) -> Option<Head> {
    match format {
        Format::NginxError => nginx::head(line, ctx),
        Format::ApacheError => apache::head(line, ctx),
        Format::PhpFpm => php::fpm_head(line, ctx),
        Format::PhpErrorlog => php::errorlog_head(line, ctx),
        Format::Access => access::head(line),
        Format::Syslog => syslog::head(line, ctx),
        Format::Dmesg => dmesg::head(line, ctx),
        Format::Journal => journal::short_iso_head(line, ctx),
        _ => None,
    }
}

/// Text formats in the order a line of unknown origin is tried against them.
const TEXT_ORDER: [Format; 8] = [
    Format::NginxError,
    Format::ApacheError,
    Format::PhpErrorlog,
    Format::PhpFpm,
    Format::Access,
    Format::Dmesg,
    Format::Journal,
    Format::Syslog,
];

/// The first text format whose head parser accepts the line, preferring `first`.
fn any_text_head(first: Option<Format>, line: &str, ctx: &TimeCtx) -> Option<(Format, Head)> {
    if let Some(f) = first {
        if let Some(h) = text_head(f, line, ctx) {
            return Some((f, h));
        }
    }
    TEXT_ORDER
        .iter()
        .filter(|&&f| Some(f) != first)
        .find_map(|&f| text_head(f, line, ctx).map(|h| (f, h)))
}

/// A line's bytes as text, invalid UTF-8 replaced by U+FFFD: what
/// `String::from_utf8_lossy` gives, checked first by `from_utf8` (word at a time on
/// ASCII: 2.5 times as fast on the valid text logs mostly are).
pub fn text_of(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

/// The UTC time a line names when its stamp carries a year (every format but BSD
/// syslog and dmesg's uptime), for aligning year-less logs with the others.
pub fn dated_stamp(line: &str, ctx: &TimeCtx) -> Option<chrono::DateTime<chrono::Utc>> {
    if line.starts_with('{') {
        if let Some((e, _)) = journal::json_entry(line) {
            return e.time.map(|t| t.utc);
        }
        return docker::json_file(line).and_then(|e| e.time).map(|t| t.utc);
    }
    if let Some(e) = docker::timestamps(line).or_else(|| docker::compose(line)) {
        if let Some(t) = e.time {
            return Some(t.utc);
        }
    }
    let (format, head) = any_text_head(None, line, ctx)?;
    let year_less =
        format == Format::Syslog && line.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
    if year_less {
        return None;
    }
    head.time.map(|t| t.utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_stamps_skip_year_less_syslog() {
        let ctx = TimeCtx::default();
        assert!(dated_stamp("Nov 24 10:00:01 web1 kernel: x", &ctx).is_none());
        assert!(dated_stamp("2026/11/24 10:00:01 [error] 1#1: x", &ctx).is_some());
        assert!(dated_stamp("2026-11-24T10:00:01+01:00 web1 kernel: x", &ctx).is_some());
        assert!(dated_stamp("[  12.5] x", &ctx).is_none());
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert!("nginx"
            .parse::<Format>()
            .unwrap_err()
            .contains("nginx-error"));
    }
}
