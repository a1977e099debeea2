//! Picks an incident's root cause and the status clients got.
//! Root cause: the most fundamental family present (system > dependency > application >
//! capacity > lifecycle > gateway), the most frequent cause inside it, the earliest on a tie.
//! Status: access-log 5xx if an access log shows them, else the front server's own lines
//! (nginx/Apache), else the root cause's rule status.

use std::collections::HashMap;

use crate::parse::Format;
use crate::rules::{Cause, Finding};

/// The finding that names the root cause among `members` (which is not empty).
pub fn root_cause<'a>(members: &[&'a Finding]) -> &'a Finding {
    let mut counts: HashMap<Cause, usize> = HashMap::new();
    for f in members {
        *counts.entry(f.cause).or_default() += 1;
    }
    members
        .iter()
        .copied()
        .min_by_key(|f| {
            let family = f.cause.family();
            // Within the cause, a line with client impact speaks louder than its preamble.
            (
                family,
                std::cmp::Reverse(counts[&f.cause]),
                f.cause,
                f.status.is_none(),
                f.time,
            )
        })
        .expect("an incident has findings")
}

/// The most common value, the larger one on a tie.
pub fn most_common(values: impl IntoIterator<Item = u16>) -> Option<u16> {
    let mut counts: HashMap<u16, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(v, n)| (n, v))
        .map(|(v, _)| v)
}

/// What the front server's own lines say clients got.
pub fn front_server_status(members: &[&Finding]) -> Option<u16> {
    most_common(
        members
            .iter()
            .filter(|f| is_front_server(f))
            .filter_map(|f| f.status)
            .filter(|&s| s >= 500),
    )
}

fn is_front_server(f: &Finding) -> bool {
    let inner = crate::parse::field(&f.fields, "inner_format");
    matches!(f.format, Format::NginxError | Format::ApacheError)
        || matches!(inner, Some("nginx-error" | "apache-error"))
}
