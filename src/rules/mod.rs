//! Rules: the catalog of evidence patterns (`catalog.rs`), the cause table
//! (`cause.rs`) and one-pass matching (`matcher.rs`). Records in, findings out.
//! `literals.rs` reads each rule for the strings its matches must contain and
//! `prefilter.rs` searches raw bytes for them (long ones with `stride.rs`), so most
//! lines need no matching at all.

pub mod catalog;
pub mod cause;
pub mod gate;
pub mod literals;
pub mod matcher;
pub mod prefilter;
pub mod stride;

use std::sync::Arc;

pub use catalog::{Lifecycle, Rule};
pub use cause::{Cause, Family};
pub use matcher::Matcher;
pub use prefilter::Prefilter;

use crate::parse::{Fields, Format, Level, Stamp};

/// A record that matched a rule: evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub time: Option<Stamp>,
    pub file: Arc<str>,
    pub line: u64,
    pub format: Format,
    pub level: Option<Level>,
    pub rule: Arc<str>,
    pub cause: Cause,
    /// The HTTP status clients most likely got, or `None` for evidence with no client impact.
    pub status: Option<u16>,
    pub message: String,
    pub fields: Fields,
    /// Cloudflare's own 52x when this finding is the root cause (from the rule).
    pub cloudflare: Option<u16>,
    /// Whether the line marks its program stopping or (re)starting (from the rule).
    pub lifecycle: Option<Lifecycle>,
    /// The line of `message` the rule matched in (a FastCGI entry can hold a warning
    /// line before the fatal one).
    pub matched_line: std::ops::Range<usize>,
}

impl Finding {
    /// The line of the message that the rule matched.
    pub fn matched_text(&self) -> &str {
        self.message
            .get(self.matched_line.clone())
            .unwrap_or(&self.message)
    }

    /// Whether the front server (nginx, Apache) wrote it, directly or inside a
    /// container log: its status is what clients got.
    pub fn from_front_server(&self) -> bool {
        let inner = crate::parse::field(&self.fields, "inner_format");
        matches!(self.format, Format::NginxError | Format::ApacheError)
            || matches!(inner, Some("nginx-error" | "apache-error"))
    }

    /// The program that wrote the line, as an operator names it: `nginx`, `php-fpm`,
    /// `Apache httpd`, a syslog tag or systemd unit, a container.
    pub fn program(&self) -> String {
        let inner = crate::parse::field(&self.fields, "inner_format");
        let tag = crate::parse::field(&self.fields, "tag")
            .or_else(|| crate::parse::field(&self.fields, "unit"));
        match (self.format, inner) {
            (Format::PhpFpm, _) | (_, Some("php-fpm")) => "php-fpm".into(),
            (Format::NginxError, _) | (_, Some("nginx-error")) => "nginx".into(),
            (Format::ApacheError, _) | (_, Some("apache-error")) => "Apache httpd".into(),
            _ => match (tag, crate::parse::field(&self.fields, "container")) {
                (Some(t), _) => t.trim_end_matches(".service").to_string(),
                (None, Some(c)) => format!("container {c}"),
                (None, None) => "a service".into(),
            },
        }
    }
}
