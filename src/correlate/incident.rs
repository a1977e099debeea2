//! Groups findings into incidents. Only findings that show client impact (status >= 500)
//! open or extend an incident; one further than the window from the previous one starts
//! a new incident. Findings without impact that fall inside an incident (or just before
//! it: the OOM report precedes the 502s) join it as context and may name its root cause.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::explain::{cloudflare_view, explain};
use super::root_cause::{front_server_status, most_common, root_cause};
use crate::parse::Stamp;
use crate::rules::{Cause, Finding};

/// Context that precedes the first impact line may still explain it.
const LEAD: i64 = 120;
/// Context just after the last impact line (a log written a moment later).
const TRAIL: i64 = 10;
/// How many evidence lines an incident keeps.
const EVIDENCE: usize = 6;

/// Access-log lines with a 5xx status: what clients really got, with when.
pub type ClientErrors = Vec<(DateTime<Utc>, u16)>;

/// What a visitor behind Cloudflare saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Cloudflare {
    /// The origin's own status passed through, or one of Cloudflare's 52x.
    pub status: u16,
    pub note: String,
}

#[derive(Clone, Debug)]
pub struct Incident {
    pub id: usize,
    pub start: Stamp,
    pub end: Stamp,
    pub cause: Cause,
    pub status: u16,
    pub cloudflare: Cloudflare,
    /// Findings in the incident, context included.
    pub findings: usize,
    pub causes: BTreeMap<Cause, usize>,
    pub files: Vec<Arc<str>>,
    pub evidence: Vec<Finding>,
    /// Access-log requests answered with 5xx inside the incident.
    pub failed_requests: usize,
    /// Findings per minute from the first minute to the last (for a sparkline).
    pub per_minute: Vec<u32>,
    pub explanation: String,
    pub next_steps: Vec<String>,
}

/// Incidents in time order from findings (any order) and access-log 5xx lines.
pub fn correlate(
    findings: &[Finding],
    client_errors: &ClientErrors,
    window: Duration,
) -> Vec<Incident> {
    let mut timed: Vec<&Finding> = findings.iter().filter(|f| f.time.is_some()).collect();
    timed.sort_by_key(|f| f.time);
    let impact: Vec<&Finding> = timed
        .iter()
        .copied()
        .filter(|f| f.status.is_some_and(|s| s >= 500))
        .collect();
    let mut groups: Vec<(Stamp, Stamp)> = Vec::new();
    for f in &impact {
        let t = f.time.expect("filtered on time");
        match groups.last_mut() {
            Some((_, end)) if t.utc - end.utc <= window => *end = t,
            _ => groups.push((t, t)),
        }
    }
    // Both lists sorted by time: each incident takes its slice by binary search, so a
    // log with many incidents costs n log n, not incidents × findings.
    let at = |f: &&Finding| f.time.expect("filtered on time").utc;
    let mut client_errors = client_errors.clone();
    client_errors.sort_unstable();
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (start, end))| {
            let lo = start.utc - Duration::seconds(LEAD);
            let hi = end.utc + Duration::seconds(TRAIL);
            let members = &timed[timed.partition_point(|f| at(f) < lo)..];
            let members = &members[..members.partition_point(|f| at(f) <= hi)];
            let lo = start.utc - Duration::seconds(TRAIL);
            let errors = &client_errors[client_errors.partition_point(|(t, _)| *t < lo)..];
            let errors = &errors[..errors.partition_point(|(t, _)| *t <= hi)];
            build(i + 1, start, end, members, errors)
        })
        .collect()
}

fn build(
    id: usize,
    start: Stamp,
    end: Stamp,
    members: &[&Finding],
    client_errors: &[(DateTime<Utc>, u16)],
) -> Incident {
    let root = root_cause(members);
    let failed: Vec<u16> = client_errors
        .iter()
        .filter(|(t, _)| {
            *t >= start.utc - Duration::seconds(TRAIL) && *t <= end.utc + Duration::seconds(TRAIL)
        })
        .map(|&(_, s)| s)
        .collect();
    // What clients got: the access log if one shows it, else the front server's own
    // lines, else the root cause's evidence, else what the other failing lines say.
    let status = most_common(failed.iter().copied())
        .or_else(|| front_server_status(members))
        .or(root.status.filter(|&s| s >= 500))
        .or_else(|| {
            most_common(
                members
                    .iter()
                    .filter_map(|f| f.status)
                    .filter(|&s| s >= 500),
            )
        })
        .unwrap_or_else(|| root.cause.default_status());
    let mut causes = BTreeMap::new();
    let mut files: Vec<Arc<str>> = Vec::new();
    for f in members {
        *causes.entry(f.cause).or_insert(0) += 1;
        if !files.contains(&f.file) {
            files.push(f.file.clone());
        }
    }
    let cloudflare = cloudflare_view(root, status);
    let (explanation, next_steps) = explain(root, members, status, failed.len());
    Incident {
        id,
        start: members
            .iter()
            .filter_map(|f| f.time)
            .min()
            .map_or(start, |t| t.min(start)),
        end,
        cause: root.cause,
        status,
        cloudflare,
        findings: members.len(),
        causes,
        files,
        evidence: pick_evidence(root, members),
        failed_requests: failed.len(),
        per_minute: per_minute(members),
        explanation,
        next_steps,
    }
}

/// The root-cause line first, then the first line of every other cause (most
/// fundamental first), then the last line of the incident.
fn pick_evidence(root: &Finding, members: &[&Finding]) -> Vec<Finding> {
    let mut picked: Vec<&Finding> = vec![root];
    let mut by_family: Vec<&Finding> = members.to_vec();
    by_family.sort_by_key(|f| (f.cause.family(), f.time));
    for f in by_family {
        if picked.len() >= EVIDENCE - 1 {
            break;
        }
        if !picked.iter().any(|p| p.cause == f.cause) {
            picked.push(f);
        }
    }
    if let Some(last) = members.last() {
        if !picked.iter().any(|p| std::ptr::eq(*p, *last)) {
            picked.push(last);
        }
    }
    // The root-cause line first, the rest in time order.
    picked[1..].sort_by_key(|f| f.time);
    picked.into_iter().cloned().collect()
}

fn per_minute(members: &[&Finding]) -> Vec<u32> {
    let times: Vec<i64> = members
        .iter()
        .filter_map(|f| f.time)
        .map(|t| t.utc.timestamp() / 60)
        .collect();
    let (Some(&first), Some(&last)) = (times.iter().min(), times.iter().max()) else {
        return Vec::new();
    };
    let minutes = (last - first + 1) as usize;
    // Long incidents are folded into at most 60 buckets.
    let per_bucket = minutes.div_ceil(60).max(1);
    let mut buckets = vec![0u32; minutes.div_ceil(per_bucket)];
    for t in times {
        buckets[((t - first) as usize) / per_bucket] += 1;
    }
    buckets
}
