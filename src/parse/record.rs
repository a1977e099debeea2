//! The record model: one log entry (possibly several physical lines) as parsed,
//! with its place in the file, its time on one UTC clock, level, message and fields.
//! Records carry no I/O and know nothing of rules or output.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Format;

/// A point in time read from a log, normalised to UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub utc: DateTime<Utc>,
    /// How many fractional-second digits the log carried (0 = whole seconds).
    pub frac_digits: u8,
    /// Whether the log line named its own zone or offset (else `--tz` was applied).
    pub zoned: bool,
}

impl Stamp {
    pub fn new(utc: DateTime<Utc>, frac_digits: u8, zoned: bool) -> Stamp {
        Stamp {
            utc,
            frac_digits: frac_digits.min(9),
            zoned,
        }
    }
}

impl Stamp {
    /// Appends the stamp as RFC 3339 in UTC, with as many fraction digits as the log
    /// had: digit by digit for years 0–9999 (the formatter machinery took 4 % of a run
    /// writing findings), else as chrono formats it.
    pub fn push_rfc3339(&self, out: &mut Vec<u8>) {
        use chrono::{Datelike, Timelike};
        let t = self.utc.naive_utc();
        let (date, time) = (t.date(), t.time());
        let year = date.year();
        if !(0..=9999).contains(&year) || time.nanosecond() >= 1_000_000_000 {
            use std::io::Write;
            let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S"));
        } else {
            // The calendar worked out once, the text written as one piece.
            let secs = time.num_seconds_from_midnight();
            let mut text = *b"0000-00-00T00:00:00";
            let mut two = |at: usize, n: u32| {
                text[at] = b'0' + (n / 10) as u8;
                text[at + 1] = b'0' + (n % 10) as u8;
            };
            let year = year as u32;
            two(0, year / 100);
            two(2, year % 100);
            two(5, date.month());
            two(8, date.day());
            two(11, secs / 3600);
            two(14, secs / 60 % 60);
            two(17, secs % 60);
            out.extend_from_slice(&text);
        }
        if self.frac_digits > 0 {
            let digits = usize::from(self.frac_digits.min(9));
            let mut shown = (time.nanosecond() % 1_000_000_000) / 10u32.pow(9 - digits as u32);
            let mut text = [b'0'; 9];
            for d in text[..digits].iter_mut().rev() {
                *d = b'0' + (shown % 10) as u8;
                shown /= 10;
            }
            out.push(b'.');
            out.extend_from_slice(&text[..digits]);
        }
        out.push(b'Z');
    }
}

impl fmt::Display for Stamp {
    /// RFC 3339 in UTC, with as many fraction digits as the log had.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::with_capacity(32);
        self.push_rfc3339(&mut text);
        f.write_str(&String::from_utf8_lossy(&text))
    }
}

/// Severity, normalised across formats (nginx `crit`, php-fpm `WARNING`, PHP `Fatal error`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Emerg,
    Alert,
    Crit,
    Fatal,
    Error,
    Warn,
    Notice,
    Info,
    Debug,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Fatal => "fatal",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    /// Reads the level words used by nginx, Apache, php-fpm, PHP and syslog (case-insensitive).
    pub fn from_word(word: &str) -> Option<Level> {
        // Lowercased on the stack (it runs for every entry read in full): the words
        // below are short, and a longer one can only be a `trace…` level.
        let mut buf = [0u8; 32];
        let Some(lower) = buf.get_mut(..word.len()) else {
            let trace = word.as_bytes()[..5].eq_ignore_ascii_case(b"trace");
            return trace.then_some(Level::Debug);
        };
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        Some(match &*lower {
            b"emerg" | b"emergency" | b"panic" => Level::Emerg,
            b"alert" => Level::Alert,
            b"crit" | b"critical" => Level::Crit,
            b"fatal" | b"fatal error" | b"parse error" | b"recoverable fatal error" => Level::Fatal,
            b"error" | b"err" | b"catchable fatal error" => Level::Error,
            b"warn" | b"warning" => Level::Warn,
            b"notice" | b"deprecated" | b"strict standards" | b"user deprecated" => Level::Notice,
            b"info" => Level::Info,
            l if l == b"debug" || l.starts_with(b"trace") => Level::Debug,
            _ => return None,
        })
    }

    /// syslog/journal numeric priority 0..=7.
    pub fn from_priority(p: u8) -> Option<Level> {
        Some(match p {
            0 => Level::Emerg,
            1 => Level::Alert,
            2 => Level::Crit,
            3 => Level::Error,
            4 => Level::Warn,
            5 => Level::Notice,
            6 => Level::Info,
            7 => Level::Debug,
            _ => return None,
        })
    }
}

/// Named values a parser (or later a rule) pulled out of an entry, in the order found.
pub type Fields = Vec<(Cow<'static, str>, String)>;

/// Looks a field up by name.
pub fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The input it came from, as the user named it (or `-` for stdin).
    pub file: Arc<str>,
    /// 1-based first physical line.
    pub line: u64,
    /// Physical lines spanned, continuations included (>= 1).
    pub lines: u32,
    /// Byte offset of the first line in the (decompressed) input.
    pub offset: u64,
    /// Bytes spanned, line terminators included.
    pub len: u64,
    /// The format of the line as the file holds it (`docker-json` for a container log).
    pub format: Format,
    /// The inner program's format inside a container or journal stream, when recognised.
    pub inner: Option<Format>,
    pub time: Option<Stamp>,
    pub level: Option<Level>,
    /// The entry text after the format's own prefix; continuation lines joined by `\n`.
    pub message: String,
    pub fields: Fields,
}

impl Record {
    /// Whether this record was written in (or wraps) the given format.
    pub fn is_format(&self, format: Format) -> bool {
        self.format == format || self.inner == Some(format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stamp_prints_the_fraction_the_log_had() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 3).unwrap()
            + chrono::Duration::nanoseconds(120_456_789);
        assert_eq!(
            Stamp::new(t, 3, true).to_string(),
            "2026-11-24T10:00:03.120Z"
        );
        assert_eq!(
            Stamp::new(t, 9, true).to_string(),
            "2026-11-24T10:00:03.120456789Z"
        );
        assert_eq!(Stamp::new(t, 0, false).to_string(), "2026-11-24T10:00:03Z");
    }

    #[test]
    fn stamp_prints_what_chrono_formats() {
        for (secs, nanos) in [
            (0i64, 0u32),
            (-62_135_596_800, 5),
            (253_402_300_799, 999_999_999),
            (253_402_300_800, 500_000), // year 10000
            (-62_167_219_201, 7),       // year -1
            (1_764_000_000, 1_000_000),
            (1_764_000_003, 120_456_789),
        ] {
            let t = chrono::DateTime::from_timestamp(secs, nanos).unwrap();
            for digits in 0u8..=9 {
                let want = format!(
                    "{}{}Z",
                    t.format("%Y-%m-%dT%H:%M:%S"),
                    match digits {
                        0 => String::new(),
                        d => format!(".{}", &format!("{:09}", nanos)[..d as usize]),
                    }
                );
                assert_eq!(Stamp::new(t, digits, true).to_string(), want);
            }
        }
    }

    #[test]
    fn stamp_prints_every_field_of_the_calendar() {
        // Every hour, minute and second, and days across leap years.
        let mut secs = 946_684_800i64; // 2000-01-01
        while secs < 1_830_000_000 {
            let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
            let want = format!("{}Z", t.format("%Y-%m-%dT%H:%M:%S"));
            assert_eq!(Stamp::new(t, 0, false).to_string(), want);
            secs += 7_919;
        }
    }

    #[test]
    fn level_words_of_every_format() {
        assert_eq!(Level::from_word("crit"), Some(Level::Crit));
        assert_eq!(Level::from_word("WARNING"), Some(Level::Warn));
        assert_eq!(Level::from_word("Fatal error"), Some(Level::Fatal));
        assert_eq!(Level::from_word("trace5"), Some(Level::Debug));
        assert_eq!(
            Level::from_word("Recoverable FATAL error"),
            Some(Level::Fatal)
        );
        assert_eq!(
            Level::from_word(&format!("TRACE{}", "9".repeat(40))),
            Some(Level::Debug)
        );
        assert_eq!(Level::from_word(&"x".repeat(40)), None);
        assert_eq!(Level::from_word("ERRÖR"), None);
        assert_eq!(Level::from_word(""), None);
        assert_eq!(Level::from_word("bogus"), None);
        assert_eq!(Level::from_priority(3), Some(Level::Error));
    }
}
