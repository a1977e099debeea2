//! Stops that nothing restarts. A service stopping shows no failed request by itself
//! (a restart takes a second); one that does not come back within a minute — nginx or
//! Apache after `docker stop`, php-fpm that failed to start again — is an outage, so
//! its stop line is promoted to client impact with its cause's default status.

use chrono::Duration;

use crate::rules::{Finding, Lifecycle};

/// How long a stopped service may take to come back before its stop counts as an outage.
pub const RECOVERY_SECS: i64 = 60;

/// Gives client impact to every stop line that no start of the same program follows
/// within [`RECOVERY_SECS`]. With `now` (follow mode), stops more recent than that are
/// left undecided: their start may still come.
pub fn promote_unrecovered_stops(
    findings: &mut [Finding],
    now: Option<chrono::DateTime<chrono::Utc>>,
) {
    let recovery = Duration::seconds(RECOVERY_SECS);
    // Sorted by program, then time: each stop finds its next start by binary search,
    // so a log of many stops and starts costs n log n, not stops × starts.
    let mut starts: Vec<(String, chrono::DateTime<chrono::Utc>)> = findings
        .iter()
        .filter(|f| f.lifecycle == Some(Lifecycle::Start))
        .filter_map(|f| Some((f.program(), f.time?.utc)))
        .collect();
    starts.sort_unstable();
    for f in findings.iter_mut() {
        if f.lifecycle != Some(Lifecycle::Stop) || f.status.is_some() {
            continue;
        }
        let Some(t) = f.time.map(|t| t.utc) else {
            continue;
        };
        if now.is_some_and(|now| now - t < recovery) {
            continue;
        }
        let program = f.program();
        let next = starts.partition_point(|(p, s)| (p.as_str(), *s) < (program.as_str(), t));
        let recovered = starts
            .get(next)
            .is_some_and(|(p, s)| *p == program && *s - t <= recovery);
        if !recovered {
            f.status = Some(f.cause.default_status());
            f.fields.push((
                "recovered".into(),
                format!("no start within {RECOVERY_SECS} s"),
            ));
        }
    }
}

/// [`promote_unrecovered_stops`] over a run's stored findings: only the lifecycle lines
/// (few) are read; the stops it promotes are stored again and their entries updated.
pub fn promote_stored(findings: &mut crate::store::Findings) -> std::io::Result<()> {
    let positions: Vec<usize> = findings
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.lifecycle.is_some())
        .map(|(i, _)| i)
        .collect();
    if positions.is_empty() {
        return Ok(());
    }
    let selected: Vec<crate::store::Entry> = positions
        .iter()
        .map(|&i| findings.entries()[i].clone())
        .collect();
    let mut loaded = findings.load(&selected)?;
    promote_unrecovered_stops(&mut loaded, None);
    let mut changed = Vec::new();
    let mut batch = crate::store::Batch::new(findings.store());
    for ((&i, before), f) in positions.iter().zip(&selected).zip(&loaded) {
        if f.status != before.status() {
            batch.push(f);
            changed.push(i);
        }
    }
    for (i, entry) in changed.into_iter().zip(batch.into_entries()) {
        findings.entries_mut()[i] = entry;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{catalog, Matcher};

    fn findings(text: &str) -> Vec<Finding> {
        let matcher = Matcher::new(catalog::builtin());
        text.lines()
            .filter_map(|l| matcher.find(&crate::rules::matcher::first_record(l)))
            .collect()
    }

    #[test]
    fn a_stop_without_a_start_is_an_outage() {
        let mut f = findings(
            "2026/11/24 10:53:01 [notice] 9589#9589: signal 15 (SIGTERM) received from 11124, exiting\n\
             2026/11/24 10:59:01 [notice] 9600#9600: start worker processes",
        );
        promote_unrecovered_stops(&mut f, None);
        assert_eq!(f[0].status, Some(502));
    }

    #[test]
    fn a_quick_restart_is_not() {
        let mut f = findings(
            "[24-Nov-2026 10:05:00] NOTICE: Terminating ...\n\
             [24-Nov-2026 10:05:00] NOTICE: exiting, bye-bye!\n\
             [24-Nov-2026 10:05:01] NOTICE: ready to handle connections",
        );
        promote_unrecovered_stops(&mut f, None);
        assert!(f.iter().all(|f| f.status.is_none()));
    }
}
