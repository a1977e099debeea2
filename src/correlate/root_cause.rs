//! Picks an incident's root cause and the status clients got.
//! Root cause: the most fundamental family present (system > dependency > application >
//! capacity > lifecycle > gateway), the most frequent cause inside it, the earliest on a tie.
//! Status: access-log 5xx if an access log shows them, else the front server's own lines
//! (nginx/Apache), else the root cause's rule status.

use super::evidence::Evidence;
use crate::rules::{Cause, Family};

/// The position of the finding that names the root cause among `members` (which holds
/// at least one finding with client impact).
///
/// Findings with client impact compete, and so do events without impact of their own
/// that explain failures around them: the system running out of something, a
/// dependency going away, a service stopping. Early signs of load (`seems busy`,
/// slow-request logging) describe an outage but do not explain it, so they do not
/// compete. Within the gateway family, `no live upstreams` comes last: it only says
/// that the failures before it took every server out.
pub fn root_cause<E: Evidence>(members: &[E]) -> usize {
    let explains = |f: &E| {
        // A service coming back is the end of an outage, not its cause.
        if f.lifecycle() == Some(crate::rules::Lifecycle::Start) {
            return false;
        }
        f.has_impact()
            || matches!(
                f.cause().family(),
                Family::System | Family::Dependency | Family::Lifecycle
            )
    };
    let all: Vec<usize> = (0..members.len()).collect();
    let candidates: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| explains(&members[i]))
        .collect();
    let candidates = if candidates.is_empty() {
        all
    } else {
        candidates
    };
    let mut counts = Tally::default();
    for &i in &candidates {
        counts.add(members[i].cause());
    }
    // A PHP error or a crashed worker fails the one request it happened in: a few of
    // them among a flood of gateway errors do not explain the flood.
    let gateway = candidates
        .iter()
        .filter(|&&i| members[i].cause().family() == Family::Gateway && members[i].has_impact())
        .count();
    let explains_enough = |i: &usize| {
        !per_request(members[*i].cause()) || counts.of(members[*i].cause()) * 5 >= gateway
    };
    let weighty: Vec<usize> = candidates.iter().copied().filter(explains_enough).collect();
    let candidates = if weighty.is_empty() {
        candidates
    } else {
        weighty
    };
    candidates
        .into_iter()
        .min_by_key(|&i| {
            let f = &members[i];
            let consequence = f.cause() == Cause::NoLiveUpstreams;
            let family = f.cause().family();
            (
                family,
                consequence,
                std::cmp::Reverse(counts.of(f.cause())),
                f.cause(),
                !f.has_impact(),
                f.time(),
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

/// The most common value, the larger one on a tie.
pub fn most_common(values: impl IntoIterator<Item = u16>) -> Option<u16> {
    let mut counts = Tally::default();
    for v in values {
        counts.add(v);
    }
    counts
        .0
        .into_iter()
        .max_by_key(|&(v, n)| (n, v))
        .map(|(v, _)| v)
}

/// How often each of a few distinct values occurs: an incident's findings name a few
/// causes and statuses, so a scan of the pairs costs less than hashing every finding.
struct Tally<K>(Vec<(K, usize)>);

impl<K> Default for Tally<K> {
    fn default() -> Tally<K> {
        Tally(Vec::new())
    }
}

impl<K: Copy + Eq> Tally<K> {
    fn add(&mut self, value: K) {
        match self.0.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => self.0.push((value, 1)),
        }
    }

    fn of(&self, value: K) -> usize {
        self.0
            .iter()
            .find(|(v, _)| *v == value)
            .map_or(0, |&(_, n)| n)
    }
}

/// What the front server's own lines say clients got.
pub fn front_server_status<E: Evidence>(members: &[E]) -> Option<u16> {
    most_common(
        members
            .iter()
            .filter(|f| f.front_server())
            .filter_map(|f| f.status())
            .filter(|&s| s >= 500),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_common_takes_the_larger_value_on_a_tie() {
        assert_eq!(most_common([502, 504, 502, 504, 503]), Some(504));
        assert_eq!(most_common([503, 502, 503]), Some(503));
        assert_eq!(most_common(std::iter::empty()), None);
    }

    #[test]
    fn a_tally_counts_each_value() {
        let mut tally = Tally::default();
        for cause in [Cause::PhpFatal, Cause::OomKill, Cause::PhpFatal] {
            tally.add(cause);
        }
        assert_eq!(tally.of(Cause::PhpFatal), 2);
        assert_eq!(tally.of(Cause::OomKill), 1);
        assert_eq!(tally.of(Cause::DiskFull), 0);
    }
}
