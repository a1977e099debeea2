//! Groups findings into incidents. Only findings that show client impact (status >= 500)
//! open or extend an incident; one further than the window from the previous one starts
//! a new incident. Findings without impact that fall inside an incident (or just before
//! it: the OOM report precedes the 502s) join it as context and may name its root cause.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;

use super::evidence::{Evidence, Names, OwnNames, Seen};
use super::explain::{cloudflare_view, explain};
use super::root_cause::{front_server_status, most_common, root_cause};
use crate::parse::Stamp;
use crate::rules::{Cause, Finding};
use crate::store::Findings;

/// Context that precedes the first impact line may still explain it.
const LEAD: i64 = 120;
/// Context just after the last impact line (a log written a moment later).
const TRAIL: i64 = 10;
/// How many evidence lines an incident keeps.
const EVIDENCE: usize = 6;

/// An access-log line with a 5xx status: what a client really got.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientError {
    pub time: Stamp,
    pub status: u16,
    pub file: Arc<str>,
    pub line: u64,
    pub request: String,
}

pub type ClientErrors = Vec<ClientError>;

/// Access-log 5xx lines no finding explains open an incident of their own when at least
/// this many come within [`ACCESS_BURST_GAP`] of each other.
const ACCESS_BURST: usize = 5;
const ACCESS_BURST_GAP: i64 = 60;

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
    let incidents = spans(&timed, window)
        .into_iter()
        .map(|(start, end, range)| {
            let members = &timed[range];
            let mut load = |i: usize| Ok::<_, std::convert::Infallible>(members[i].clone());
            match build(start, end, members, &mut load, &OwnNames, client_errors) {
                Ok(incident) => incident,
                Err(never) => match never {},
            }
        })
        .collect();
    finish(incidents, client_errors)
}

/// Like [`correlate`], for a run's stored findings (sorted by time, the timed ones
/// first): the entries decide and count; of each incident only the few findings it
/// shows or names are read back.
pub fn correlate_stored(
    findings: &Findings,
    client_errors: &ClientErrors,
    window: Duration,
) -> std::io::Result<Vec<Incident>> {
    let entries = findings.entries();
    let timed = &entries[..entries.partition_point(|e| e.time.is_some())];
    use rayon::prelude::*;
    let incidents = spans(timed, window)
        .into_par_iter()
        .map(|(start, end, range)| {
            let members = &timed[range];
            let mut load = |i: usize| findings.get(&members[i]);
            build(start, end, members, &mut load, findings, client_errors)
        })
        .collect::<std::io::Result<Vec<Incident>>>()?;
    Ok(finish(incidents, client_errors))
}

/// The incidents in timed findings sorted by time: start, end, and the positions of
/// their members, context included.
fn spans<E: Evidence>(
    timed: &[E],
    window: Duration,
) -> Vec<(Stamp, Stamp, std::ops::Range<usize>)> {
    let time = |f: &E| f.time().expect("only timed findings");
    // (A window past the calendar's end takes in every later time.)
    let plus_window = |t: Stamp| {
        t.utc
            .checked_add_signed(window)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    };
    let mut groups: Vec<(Stamp, Stamp)> = Vec::new();
    // The last group's end plus the window, as last computed: the end only grows, so a
    // time at or before it joins the group, and only a later one needs the sum again
    // (a time sum for each 5xx finding cost more than the rest of the loop).
    let mut limit = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    for f in timed {
        if f.status().is_none_or(|s| s < 500) {
            continue;
        }
        let t = time(f);
        if let Some((_, end)) = groups.last_mut() {
            if t.utc > limit {
                limit = plus_window(*end);
            }
            if t.utc <= limit {
                *end = t;
                continue;
            }
        }
        groups.push((t, t));
        limit = plus_window(t);
    }
    // Each incident takes its slice by binary search, so a log with many incidents
    // costs n log n, not incidents × findings.
    groups
        .into_iter()
        .map(|(start, end)| {
            let lo = start.utc - Duration::seconds(LEAD);
            let hi = end.utc + Duration::seconds(TRAIL);
            let first = timed.partition_point(|f| time(f).utc < lo);
            let last = timed.partition_point(|f| time(f).utc <= hi);
            (start, end, first..last.max(first))
        })
        .collect()
}

/// Adds the access-log bursts, orders the incidents and numbers them.
fn finish(mut incidents: Vec<Incident>, client_errors: &ClientErrors) -> Vec<Incident> {
    incidents.extend(access_only(&incidents, client_errors));
    incidents.sort_by_key(|i| i.start);
    for (n, i) in incidents.iter_mut().enumerate() {
        i.id = n + 1;
    }
    incidents
}

/// Whether an access-log line falls inside an incident. Apache stamps an access line
/// when the request starts: a 60 s timeout is logged a minute before its error line.
fn covers(start: Stamp, end: Stamp, e: &ClientError) -> bool {
    e.time.utc >= start.utc - Duration::seconds(LEAD)
        && e.time.utc <= end.utc + Duration::seconds(TRAIL)
}

/// Bursts of access-log 5xx that no finding explains (only the access log was given,
/// or the error log says nothing): still an outage clients saw.
fn access_only(incidents: &[Incident], client_errors: &ClientErrors) -> Vec<Incident> {
    let mut lone: Vec<&ClientError> = client_errors
        .iter()
        .filter(|e| !incidents.iter().any(|i| covers(i.start, i.end, e)))
        .collect();
    lone.sort_by_key(|e| e.time);
    let mut bursts: Vec<Vec<&ClientError>> = Vec::new();
    for e in lone {
        match bursts.last_mut() {
            Some(b)
                if e.time.utc - b.last().expect("not empty").time.utc
                    <= Duration::seconds(ACCESS_BURST_GAP) =>
            {
                b.push(e)
            }
            _ => bursts.push(vec![e]),
        }
    }
    bursts
        .into_iter()
        .filter(|b| b.len() >= ACCESS_BURST)
        .map(|b| access_incident(&b))
        .collect()
}

fn access_incident(burst: &[&ClientError]) -> Incident {
    let status = most_common(burst.iter().map(|e| e.status)).expect("a burst is not empty");
    // Only the status is known: name the cause that status most often means.
    let cause = match status {
        504 => Cause::UpstreamTimeout,
        503 => Cause::WorkerPoolExhausted,
        500 => Cause::PhpFatal,
        _ => Cause::UpstreamRefused,
    };
    let as_finding = |e: &ClientError| Finding {
        time: Some(e.time),
        file: e.file.clone(),
        line: e.line,
        format: crate::parse::Format::Access,
        level: None,
        rule: Arc::from("access-log-5xx"),
        cause,
        status: Some(e.status),
        message: format!("\"{}\" {}", e.request, e.status),
        fields: vec![("status".into(), e.status.to_string())],
        cloudflare: None,
        lifecycle: None,
        matched_line: 0..e.request.len() + 6,
    };
    let first = burst.first().expect("not empty");
    let last = burst.last().expect("not empty");
    let findings: Vec<Finding> = [first, last].iter().map(|e| as_finding(e)).collect();
    let members: Vec<&Finding> = findings.iter().collect();
    let mut files: Vec<Arc<str>> = Vec::new();
    for e in burst {
        if !files.contains(&e.file) {
            files.push(e.file.clone());
        }
    }
    let (start, end) = (first.time, last.time);
    let per_minute = per_minute(burst.iter().map(|e| e.time));
    let (explanation, next_steps) = super::explain::access_only(burst.len(), status, start, end);
    Incident {
        id: 0,
        start,
        end,
        cause,
        status,
        cloudflare: cloudflare_view(members[0], status),
        findings: 0,
        causes: BTreeMap::new(),
        files,
        evidence: findings,
        failed_requests: burst.len(),
        per_minute,
        explanation,
        next_steps,
    }
}

/// One incident from its members (time order, context included); `load` reads one
/// member whole: the root line, the evidence lines, and those of the root's cause an
/// explanation takes a field from.
fn build<E: Evidence, Err>(
    start: Stamp,
    end: Stamp,
    members: &[E],
    load: &mut impl FnMut(usize) -> Result<Finding, Err>,
    names: &impl Names<E>,
    client_errors: &ClientErrors,
) -> Result<Incident, Err> {
    let root_at = root_cause(members);
    let root = load(root_at)?;
    let failed: Vec<u16> = client_errors
        .iter()
        .filter(|e| covers(start, end, e))
        .map(|e| e.status)
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
                    .filter_map(|f| f.status())
                    .filter(|&s| s >= 500),
            )
        })
        .unwrap_or_else(|| root.cause.default_status());
    let mut causes = BTreeMap::new();
    let mut keys: Vec<usize> = Vec::new();
    let mut files: Vec<Arc<str>> = Vec::new();
    for f in members {
        *causes.entry(f.cause()).or_insert(0) += 1;
        if !keys.contains(&f.file_key()) {
            keys.push(f.file_key());
            let name = names.file_name(f);
            if !files.contains(&name) {
                files.push(name);
            }
        }
    }
    let cloudflare = cloudflare_view(&root, status);
    let seen = Seen::of(&root, root_at, members, load)?;
    let (explanation, next_steps) = explain(&root, &seen, status, failed.len());
    let mut evidence = Vec::with_capacity(EVIDENCE);
    for i in pick_evidence(root_at, members) {
        evidence.push(if i == root_at { root.clone() } else { load(i)? });
    }
    Ok(Incident {
        id: 0,
        start: members
            .iter()
            .filter_map(|f| f.time())
            .min()
            .map_or(start, |t| t.min(start)),
        end,
        cause: root.cause,
        status,
        cloudflare,
        findings: members.len(),
        causes,
        files,
        evidence,
        failed_requests: failed.len(),
        per_minute: per_minute(members.iter().filter_map(|f| f.time())),
        explanation,
        next_steps,
    })
}

/// The root-cause line first, then the first line of every other cause (most
/// fundamental first), then the last line of the incident: their positions.
fn pick_evidence<E: Evidence>(root_at: usize, members: &[E]) -> Vec<usize> {
    let mut picked: Vec<usize> = vec![root_at];
    let mut by_family: Vec<usize> = (0..members.len()).collect();
    by_family.sort_by_key(|&i| (members[i].cause().family(), members[i].time()));
    for i in by_family {
        if picked.len() >= EVIDENCE - 1 {
            break;
        }
        if !picked
            .iter()
            .any(|&p| members[p].cause() == members[i].cause())
        {
            picked.push(i);
        }
    }
    if let Some(last) = members.len().checked_sub(1) {
        if !picked.contains(&last) {
            picked.push(last);
        }
    }
    // The root-cause line first, the rest in time order.
    picked[1..].sort_by_key(|&i| members[i].time());
    picked
}

/// How many of `times` fall in each minute from the first to the last.
fn per_minute(times: impl Iterator<Item = Stamp>) -> Vec<u32> {
    let times: Vec<i64> = times.map(|t| t.utc.timestamp() / 60).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding reduced to what grouping reads.
    struct At(Stamp, Option<u16>);

    impl Evidence for At {
        fn time(&self) -> Option<Stamp> {
            Some(self.0)
        }
        fn status(&self) -> Option<u16> {
            self.1
        }
        fn cause(&self) -> Cause {
            Cause::ALL[0]
        }
        fn lifecycle(&self) -> Option<crate::rules::Lifecycle> {
            None
        }
        fn front_server(&self) -> bool {
            false
        }
        fn file_key(&self) -> usize {
            0
        }
        fn named(&self) -> u16 {
            0
        }
    }

    /// The groups of 5xx findings as first written: a time difference for each.
    fn groups_by_difference(timed: &[At], window: Duration) -> Vec<(Stamp, Stamp)> {
        let mut groups: Vec<(Stamp, Stamp)> = Vec::new();
        for f in timed.iter().filter(|f| f.1.is_some_and(|s| s >= 500)) {
            match groups.last_mut() {
                Some((_, end)) if f.0.utc - end.utc <= window => *end = f.0,
                _ => groups.push((f.0, f.0)),
            }
        }
        groups
    }

    #[test]
    fn spans_group_as_time_differences_do() {
        let base = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let mut state = 12_345u64;
        // (The last window reaches past the calendar's end.)
        for window_s in [0, 1, 59, 300, 3600, i64::MAX] {
            let window = Duration::seconds(window_s.min(Duration::MAX.num_seconds()));
            let mut at = base;
            let mut timed = Vec::new();
            for _ in 0..2_000 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                // Mostly small steps, now and then a gap past the window.
                let step_ms = match state >> 60 {
                    0 => (state >> 20) % 10_000_000,
                    _ => (state >> 20) % 90_000,
                };
                at += Duration::milliseconds(step_ms as i64);
                let status =
                    [None, Some(404), Some(500), Some(502), Some(504)][(state >> 33) as usize % 5];
                timed.push(At(Stamp::new(at, 3, false), status));
            }
            let got: Vec<(Stamp, Stamp)> = spans(&timed, window)
                .into_iter()
                .map(|(start, end, _)| (start, end))
                .collect();
            assert_eq!(got, groups_by_difference(&timed, window), "{window_s}");
        }
    }
}
