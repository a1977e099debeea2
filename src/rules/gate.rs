//! A rule's gate: literals every match of its regex holds, each looked for (memmem,
//! ~10 ns on a log line) before the regex runs. The prefilter points a line to a rule
//! by one of its strings; the regex may then still fail only far along the line
//! (`FastCGI sent in stderr: "[\s\S]*PHP Fatal error:[\s\S]*" while reading upstream`
//! scans every FastCGI message to its end, ~600 ns), which the gate answers at once.

use memchr::memmem::Finder;

use super::literals::Need;

/// A set of strings needs at most this many to stay cheap to check.
const MAX_STRINGS: usize = 4;
/// Strings shorter than this hold in too many lines to turn any away.
const MIN_LEN: usize = 4;
/// Checks a gate makes at most (each of a set of strings).
const MAX_CHECKS: usize = 8;

/// Sets of strings; a match holds one string of each set.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    sets: Vec<Vec<Finder<'static>>>,
}

impl Gate {
    /// The gate of `pattern`; one that lets everything through when nothing is known.
    pub fn of(pattern: &str) -> Gate {
        let sets = Need::of(pattern).map_or_else(Vec::new, |need| required_sets(&need));
        Gate {
            sets: sets
                .into_iter()
                .map(|set| set.iter().map(|s| Finder::new(s).into_owned()).collect())
                .collect(),
        }
    }

    /// Whether `text` holds one string of each set (so the regex may match it).
    pub fn admits(&self, text: &str) -> bool {
        let text = text.as_bytes();
        self.sets
            .iter()
            .all(|set| set.iter().any(|f| f.find(text).is_some()))
    }
}

/// The sets of strings a match of `need` holds one of each of: the pieces of its
/// concatenations, each resolved to its longest strings. Sets of few long strings
/// come first (they tell most for what they cost); a set that implies or is implied
/// by one kept (every string of the one holds a string of the other: `PHP ` and
/// `PHP Fatal error:`) is left out, as are sets too short or too many to tell much.
fn required_sets(need: &Need) -> Vec<Vec<Vec<u8>>> {
    fn pieces<'a>(need: &'a Need, out: &mut Vec<&'a Need>) {
        match need {
            Need::EachOf(v) => v.iter().for_each(|n| pieces(n, out)),
            other => out.push(other),
        }
    }
    let mut all = Vec::new();
    pieces(need, &mut all);
    let longest = |s: &[u8]| 1.0 + 1.0 / (s.len() as f64 + 1.0);
    let mut sets: Vec<Vec<Vec<u8>>> = all
        .into_iter()
        .filter_map(|n| n.resolve(&longest).map(|(set, _)| set))
        .filter(|set| set.len() <= MAX_STRINGS && set.iter().all(|s| s.len() >= MIN_LEN))
        .collect();
    // Long strings tell most; each string of a set costs a search.
    let worth = |set: &Vec<Vec<u8>>| set.iter().map(Vec::len).min().unwrap_or(0) / set.len();
    sets.sort_by_key(|set| std::cmp::Reverse(worth(set)));
    let implies = |a: &[Vec<u8>], b: &[Vec<u8>]| {
        a.iter()
            .all(|x| b.iter().any(|y| memchr::memmem::find(x, y).is_some()))
    };
    let mut kept: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut checks = 0;
    for set in sets {
        let overlaps = kept.iter().any(|k| implies(k, &set) || implies(&set, k));
        if overlaps || checks + set.len() > MAX_CHECKS {
            continue;
        }
        checks += set.len();
        kept.push(set);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(pattern: &str) -> Vec<Vec<String>> {
        required_sets(&Need::of(pattern).unwrap())
            .into_iter()
            .map(|set| {
                set.into_iter()
                    .map(|s| String::from_utf8(s).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_piece_is_checked_once_by_its_longest_strings() {
        assert_eq!(
            sets(
                r#"FastCGI sent in stderr: "[\s\S]*PHP (?:Fatal|Parse) error:[\s\S]*" while reading upstream"#
            ),
            [
                vec!["FastCGI sent in stderr: \""],
                vec!["\" while reading upstream"],
                vec!["PHP Fatal error:", "PHP Parse error:"],
            ]
        );
        // Short strings (an errno, `: `) and large sets (the four ways the whole
        // can be written) tell too little for what they cost.
        assert_eq!(
            sets(
                r"failed \((?P<errno>28|122): (?:No space left on device|Disk quota exceeded)\) while reading upstream"
            ),
            [
                vec![") while reading upstream"],
                vec!["Disk quota exceeded", "No space left on device"],
                vec!["failed ("],
            ]
        );
        assert!(sets(r"\d+ ms").is_empty());
    }

    #[test]
    fn a_gate_turns_away_only_what_its_regex_cannot_match() {
        let pattern = r#"FastCGI sent in stderr: "[\s\S]*PHP (?:Fatal|Parse) error:[\s\S]*" while reading upstream"#;
        let gate = Gate::of(pattern);
        let fatal = "FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Error: x in /a.php:3";
        assert!(!gate.admits(&format!(
            "{fatal}\" while reading response header from upstream"
        )));
        assert!(gate.admits(&format!("{fatal}\" while reading upstream")));
        assert!(Gate::of(r"\w+").admits("anything"));
    }

    /// On the real catalog: every sample and counter-sample the regex matches passes
    /// its gate.
    #[test]
    fn gates_admit_every_sample_match() {
        for rule in crate::rules::catalog::builtin() {
            let gate = Gate::of(rule.regex.as_str());
            for text in rule.samples.iter().chain(&rule.counter) {
                if let Some(m) = rule.regex.find(text) {
                    assert!(
                        gate.admits(m.as_str()),
                        "rule {}: {:?}",
                        rule.id,
                        m.as_str()
                    );
                }
            }
        }
    }
}
