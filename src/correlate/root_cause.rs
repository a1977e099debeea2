//! Picks an incident's root cause and the status clients got.
//! Root cause: the most fundamental family present (system > dependency > application >
//! capacity > lifecycle > gateway), the most frequent cause inside it, the earliest on a tie.
//! Status: access-log 5xx if an access log shows them, else the front server's own lines
//! (nginx/Apache), else the root cause's rule status.

use std::collections::HashMap;

use crate::parse::Format;
use crate::rules::{Cause, Family, Finding};

/// The finding that names the root cause among `members` (which holds at least one
/// finding with client impact).
///
/// Findings with client impact compete, and so do events without impact of their own
/// that explain failures around them: the system running out of something, a
/// dependency going away, a service stopping. Early signs of load (`seems busy`,
/// slow-request logging) describe an outage but do not explain it, so they do not
/// compete. Within the gateway family, `no live upstreams` comes last: it only says
/// that the failures before it took every server out.
pub fn root_cause<'a>(members: &[&'a Finding]) -> &'a Finding {
    let explains = |f: &&Finding| {
        // A service coming back is the end of an outage, not its cause.
        if f.lifecycle == Some(crate::rules::Lifecycle::Start) {
            return false;
        }
        has_impact(f)
            || matches!(
                f.cause.family(),
                Family::System | Family::Dependency | Family::Lifecycle
            )
    };
    let candidates: Vec<&Finding> = members.iter().copied().filter(explains).collect();
    let candidates = if candidates.is_empty() {
        members
    } else {
        &candidates
    };
    let mut counts: HashMap<Cause, usize> = HashMap::new();
    for f in candidates {
        *counts.entry(f.cause).or_default() += 1;
    }
    // A PHP error or a crashed worker fails the one request it happened in: a few of
    // them among a flood of gateway errors do not explain the flood.
    let gateway = candidates
        .iter()
        .filter(|f| f.cause.family() == Family::Gateway && has_impact(f))
        .count();
    let explains_enough = |f: &&Finding| !per_request(f.cause) || counts[&f.cause] * 5 >= gateway;
    let weighty: Vec<&Finding> = candidates.iter().copied().filter(explains_enough).collect();
    let candidates = if weighty.is_empty() {
        candidates
    } else {
        &weighty
    };
    candidates
        .iter()
        .copied()
        .min_by_key(|f| {
            let consequence = f.cause == Cause::NoLiveUpstreams;
            let family = f.cause.family();
            (
                family,
                consequence,
                std::cmp::Reverse(counts[&f.cause]),
                f.cause,
                !has_impact(f),
                f.time,
            )
        })
        .expect("an incident has findings")
}

/// Causes whose every line is one failed request, rather than a state of the server.
fn per_request(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::PhpFatal | Cause::PhpMemoryExhausted | Cause::PhpTimeout | Cause::WorkerCrash
    )
}

/// Whether a finding shows that clients got a server error.
pub fn has_impact(f: &Finding) -> bool {
    f.status.is_some_and(|s| s >= 500)
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
