//! Matching the whole catalog against a record in one pass.
//!
//! Design: all rule regexes are compiled into one `RegexSet`, so each message is
//! scanned once by a single automaton no matter how many rules there are; the first
//! matching rule in catalog order (that applies to the record's format) wins, and only
//! its own regex runs again to pull out named captures as finding fields.

use std::sync::Arc;

use regex::RegexSet;

use super::catalog::Rule;
use super::literals::Need;
use super::Finding;
use crate::error::Error;
use crate::parse::{detect_format, Assembler, Record, TimeCtx};

pub struct Matcher {
    rules: Vec<Rule>,
    /// Compiled when a record first needs it: with a prefilter, a large file's records
    /// each try only a few rules, and compiling the set was most of the start-up.
    set: std::sync::OnceLock<RegexSet>,
    /// What each rule's matches contain, for the prefilter: worked out for the rules
    /// of the formats a prefilter is built for, when it is.
    needs: Box<[std::sync::OnceLock<Option<Need>>]>,
}

/// A slot per rule for its [`Need`].
fn need_slots(rules: &[Rule]) -> Box<[std::sync::OnceLock<Option<Need>>]> {
    rules.iter().map(|_| std::sync::OnceLock::new()).collect()
}

impl Matcher {
    /// The matcher of rules known to compile together (the built-in catalog).
    pub fn new(rules: Vec<Rule>) -> Matcher {
        Matcher {
            needs: need_slots(&rules),
            rules,
            set: std::sync::OnceLock::new(),
        }
    }

    /// The matcher of any rules: regexes that each compile alone can still be too
    /// large together for the set's size limit, so this can fail.
    pub fn try_new(rules: Vec<Rule>) -> Result<Matcher, regex::Error> {
        let set = build_set(&rules)?;
        Ok(Matcher {
            needs: need_slots(&rules),
            rules,
            set: std::sync::OnceLock::from(set),
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What the matches of the rule at catalog position `i` must contain.
    pub fn need(&self, i: usize) -> &Option<Need> {
        self.needs[i].get_or_init(|| Need::of(self.rules[i].regex.as_str()))
    }

    /// The same for the rules at `positions`, worked out in parallel (a large input
    /// waits for its prefilter).
    pub fn needs_of(&self, positions: &[usize]) -> Vec<&Option<Need>> {
        use rayon::prelude::*;
        positions.par_iter().map(|&i| self.need(i)).collect()
    }

    fn set(&self) -> &RegexSet {
        self.set
            .get_or_init(|| build_set(&self.rules).expect("the built-in rules compile as one set"))
    }

    /// The rule that explains this record, if any: of the rules that match, the one
    /// naming the most fundamental cause (a FastCGI record can carry a disk-full
    /// warning before the fatal error it led to), the first in catalog order on a tie.
    pub fn rule_for(&self, record: &Record) -> Option<&Rule> {
        self.choose(record, None).map(|(rule, _)| rule)
    }

    /// The rule that explains the record, and the worst status that a matching rule on
    /// another line of it names. On one line the specific rule (earlier in the catalog)
    /// wins over the generic one; across lines (a warning that names the cause, then the
    /// fatal error it led to) the most fundamental cause wins, and the status is what
    /// the failing line says.
    fn choose(&self, record: &Record, only: Option<&[usize]>) -> Option<(&Rule, Option<u16>)> {
        let matches: Vec<(usize, &Rule)> = match only {
            None => self.matching(record).collect(),
            Some(ids) => {
                let hit = |r: &Rule| {
                    r.applies_to(record.format, record.inner)
                        && r.regex.admits(&record.message)
                        && r.regex.is_match(&record.message)
                };
                let at = ids.iter().position(|&i| hit(&self.rules[i]))?;
                let (first, later) = (&self.rules[ids[at]], &ids[at + 1..]);
                // The usual answer (below), found without running the later rules
                // that could not outrank the first one.
                let outranked = || {
                    later.iter().any(|&i| {
                        let r = &self.rules[i];
                        r.cause.family() < first.cause.family() && hit(r)
                    })
                };
                if first.status().is_some_and(|s| s >= 500) && !outranked() {
                    return Some((first, first.status()));
                }
                let matching_later = later
                    .iter()
                    .map(|&i| (i, &self.rules[i]))
                    .filter(|(_, r)| hit(r));
                std::iter::once((ids[at], first))
                    .chain(matching_later)
                    .collect()
            }
        };
        let (_, first) = *matches.first()?;
        // The first rule wins unless one after it names a more fundamental cause (on
        // another line); its own status >= 500 is the status. Then no line is needed.
        let outranked = matches[1..]
            .iter()
            .any(|(_, r)| r.cause.family() < first.cause.family());
        if matches.len() == 1 || (!outranked && first.status().is_some_and(|s| s >= 500)) {
            return Some((first, first.status()));
        }
        let line_of = |r: &Rule| {
            let at = r.regex.find(&record.message).map_or(0, |m| m.start());
            record.message[..at].matches('\n').count()
        };
        let mut first_per_line: Vec<(usize, usize, &Rule)> = Vec::new();
        for (i, r) in matches {
            let line = line_of(r);
            if !first_per_line.iter().any(|(l, _, _)| *l == line) {
                first_per_line.push((line, i, r));
            }
        }
        let &(line, _, rule) = first_per_line
            .iter()
            .min_by_key(|(_, i, r)| (r.cause.family(), *i))
            .expect("at least two matches");
        let status = rule.status().filter(|&s| s >= 500).or_else(|| {
            first_per_line
                .iter()
                .filter(|(l, _, _)| *l != line)
                .filter_map(|(_, _, r)| r.status())
                .filter(|&s| s >= 500)
                .max()
                .or(rule.status())
        });
        Some((rule, status))
    }

    /// Every applicable rule that matches, with its catalog position.
    fn matching<'a>(&'a self, record: &Record) -> impl Iterator<Item = (usize, &'a Rule)> + 'a {
        let (format, inner) = (record.format, record.inner);
        let set = if record.message.is_empty() {
            None
        } else {
            Some(self.set().matches(&record.message))
        };
        set.into_iter()
            .flat_map(|m| m.into_iter())
            .map(|i| (i, &self.rules[i]))
            .filter(move |(_, r)| r.applies_to(format, inner))
    }

    /// The finding a record makes, if a rule explains it.
    pub fn find(&self, record: &Record) -> Option<Finding> {
        self.find_among(record, None)
    }

    /// Like [`Matcher::find`], trying only the rules `only` names (ascending catalog
    /// positions) when given: the prefilter knows that no other rule can match.
    pub fn find_among(&self, record: &Record, only: Option<&[usize]>) -> Option<Finding> {
        let found = self.decide(record, only)?;
        Some(found.finding(
            record.time,
            Arc::clone(&record.file),
            record.line,
            record.format,
            record.level,
            record.message.clone(),
            record.fields.clone(),
        ))
    }

    /// [`Matcher::find_among`] for a record that is not needed afterwards: its message
    /// and fields move into the finding instead of being copied.
    pub fn find_among_owned(&self, record: Record, only: Option<&[usize]>) -> Option<Finding> {
        let found = self.decide(&record, only)?;
        let Record {
            file,
            line,
            format,
            time,
            level,
            message,
            fields,
            ..
        } = record;
        Some(found.finding(time, file, line, format, level, message, fields))
    }

    /// The rule that explains `record`, with what it captured.
    fn decide(&self, record: &Record, only: Option<&[usize]>) -> Option<Found<'_>> {
        // With one candidate rule, or on one line, the first rule that matches is the
        // one chosen.
        let one_line = memchr::memchr(b'\n', record.message.as_bytes()).is_none();
        if only.is_some_and(|ids| ids.len() <= 1) || one_line {
            return self.find_first(record, only);
        }
        let (rule, status) = self.choose(record, only)?;
        let mut named = Vec::new();
        let whole = rule.regex.captures_named(&record.message, &mut named);
        Some(Found::new(&record.message, rule, status, whole, named))
    }

    /// [`Matcher::decide`] for a message of one line (or one candidate rule): there
    /// the first matching rule in catalog order is the one [`Matcher::choose`] picks,
    /// with its own status, so the rules are tried in order until one captures.
    fn find_first(&self, record: &Record, only: Option<&[usize]>) -> Option<Found<'_>> {
        let applies = |r: &&Rule| r.applies_to(record.format, record.inner);
        let mut named = Vec::new();
        let (rule, whole) = match only {
            Some(ids) => ids
                .iter()
                .map(|&i| &self.rules[i])
                .filter(applies)
                .find_map(|r| {
                    let whole = r.regex.captures_named(&record.message, &mut named)?;
                    Some((r, whole))
                })?,
            None => {
                let (_, rule) = self.matching(record).next()?;
                (
                    rule,
                    rule.regex.captures_named(&record.message, &mut named)?,
                )
            }
        };
        Some(Found::new(
            &record.message,
            rule,
            rule.status(),
            Some(whole),
            named,
        ))
    }

    /// Checks that each sample of the rules `which` selects, read as a log line, is
    /// matched by its own rule (`must_win`: and by no earlier one), and that no
    /// counter-sample matches any rule. Returns the first problem.
    pub fn check_samples(
        &self,
        which: impl Fn(&Rule) -> bool,
        must_win: bool,
    ) -> Result<(), Error> {
        match self.sample_problems(which, must_win).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every sample and counter-sample problem of the rules `which` selects.
    pub fn sample_problems(&self, which: impl Fn(&Rule) -> bool, must_win: bool) -> Vec<Error> {
        let mut problems = Vec::new();
        for rule in self.rules.iter().filter(|r| which(r)) {
            let fail = |msg: String| {
                let (file, line) = rule.origin.rsplit_once(':').unwrap_or((&rule.origin, "0"));
                Error::Rule {
                    file: file.to_string(),
                    line: line.parse().unwrap_or(0),
                    msg,
                }
            };
            for sample in &rule.samples {
                let record = first_record(sample);
                let hit = if must_win {
                    self.rule_for(&record).is_some_and(|r| r.id == rule.id)
                } else {
                    rule.applies_to(record.format, record.inner)
                        && rule.regex.is_match(&record.message)
                };
                if !hit {
                    let got = self
                        .rule_for(&record)
                        .map_or("no rule".to_string(), |r| format!("rule '{}'", r.id));
                    problems.push(fail(format!(
                        "rule '{}': sample is not matched by it (read as {}, matched by {got}): {}",
                        rule.id,
                        record.format,
                        short(sample)
                    )));
                }
            }
            for counter in &rule.counter {
                if let Some(other) = self.rule_for(&first_record(counter)) {
                    problems.push(fail(format!(
                        "rule '{}': counter-sample is matched by rule '{}': {}",
                        rule.id,
                        other.id,
                        short(counter)
                    )));
                }
            }
        }
        problems
    }
}

/// What a rule made of a record's message: where its named captures and its line are,
/// so that the finding can take the record's own text.
struct Found<'m> {
    rule: &'m Rule,
    status: Option<u16>,
    captures: Vec<(&'static str, std::ops::Range<usize>)>,
    matched_line: std::ops::Range<usize>,
}

impl<'m> Found<'m> {
    /// What `rule` found in `message`: its match (`None`: where is not known) and
    /// the spans of its named groups.
    fn new(
        message: &str,
        rule: &'m Rule,
        status: Option<u16>,
        whole: Option<std::ops::Range<usize>>,
        captures: Vec<(&'static str, std::ops::Range<usize>)>,
    ) -> Found<'m> {
        let matched_line = match whole {
            Some(m) => {
                let bytes = message.as_bytes();
                let start = memchr::memrchr(b'\n', &bytes[..m.start]).map_or(0, |i| i + 1);
                let end =
                    memchr::memchr(b'\n', &bytes[m.start..]).map_or(message.len(), |i| m.start + i);
                start..end
            }
            None => 0..message.len(),
        };
        Found {
            rule,
            status,
            captures,
            matched_line,
        }
    }

    /// The finding, its fields completed by the rule's named captures.
    #[allow(clippy::too_many_arguments)]
    fn finding(
        self,
        time: Option<crate::parse::Stamp>,
        file: Arc<str>,
        line: u64,
        format: crate::parse::Format,
        level: Option<crate::parse::Level>,
        message: String,
        mut fields: crate::parse::Fields,
    ) -> Finding {
        for (name, range) in self.captures {
            fields.retain(|(k, _)| k != name);
            fields.push((name.into(), message[range].to_string()));
        }
        Finding {
            time,
            file,
            line,
            format,
            level,
            rule: Arc::clone(&self.rule.id),
            cause: self.rule.cause,
            status: self.status,
            message,
            fields,
            cloudflare: self.rule.cloudflare,
            lifecycle: self.rule.lifecycle,
            matched_line: self.matched_line,
        }
    }
}

/// One set of every rule's regex. Its lazy DFA meets many states (one per mix of rules
/// still alive); a roomy cache keeps it from rebuilding them over and over.
fn build_set(rules: &[Rule]) -> Result<RegexSet, regex::Error> {
    regex::RegexSetBuilder::new(rules.iter().map(|r| r.regex.as_str()))
        .dfa_size_limit(64 << 20)
        .build()
}

fn short(s: &str) -> String {
    let one = s.replace('\n', "\\n");
    match one.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// A sample line read the way a log file would be: detected, assembled, first record.
pub fn first_record(text: &str) -> Record {
    let ctx = TimeCtx::default();
    let format = detect_format(text.lines(), &ctx);
    let mut asm = Assembler::new("sample".into(), format, false, ctx);
    let mut records = Vec::new();
    let mut sink = |r| records.push(r);
    for line in text.split('\n') {
        asm.push(line.as_bytes(), line.len() as u64 + 1, &mut sink);
    }
    asm.finish(&mut sink);
    records
        .into_iter()
        .next()
        .expect("a sample has at least one line")
}
