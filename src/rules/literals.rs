//! The literals a regex's every match must contain, read from its syntax tree.
//!
//! The prefilter searches a file for such strings, so that only the lines holding one
//! are parsed and matched against the rules. A regex usually offers several sound
//! choices (`connect() failed (111: Connection refused) while connecting to upstream`
//! can be found by any of its words), so the analysis returns them all as a [`Need`]
//! tree, and [`Need::resolve`] picks the cheapest for the input at hand. The analysis
//! is sound or gives up: every choice it offers is held by every possible match.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Cross products (`(?:a|b)(?:c|d)`) and classes are expanded up to this many strings.
const MAX_SET: usize = 32;

/// What every match of a regex contains.
#[derive(Clone, Debug, PartialEq)]
pub enum Need {
    /// This string.
    Lit(Vec<u8>),
    /// One of these (the branches of an alternation).
    AnyOf(Vec<Need>),
    /// Each of these (the pieces of a concatenation): searching for any one suffices.
    EachOf(Vec<Need>),
}

impl Need {
    /// What every match of `pattern` contains, or `None` when nothing is known (the
    /// pattern can match without fixed text, or does not parse).
    pub fn of(pattern: &str) -> Option<Need> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .ok()?;
        info(&hir).need()
    }

    /// Every literal the tree names, for counting them in a sample.
    pub fn literals<'a>(&'a self, out: &mut Vec<&'a [u8]>) {
        match self {
            Need::Lit(s) => out.push(s),
            Need::AnyOf(v) | Need::EachOf(v) => v.iter().for_each(|n| n.literals(out)),
        }
    }

    /// The cheapest set of strings one of which every match contains, with its cost
    /// by `cost` (per string); `None` when no choice works.
    pub fn resolve(&self, cost: &impl Fn(&[u8]) -> f64) -> Option<(Vec<Vec<u8>>, f64)> {
        match self {
            Need::Lit(s) if s.is_empty() => None,
            Need::Lit(s) => Some((vec![s.clone()], cost(s))),
            Need::AnyOf(branches) => {
                let mut set = Vec::new();
                let mut total = 0.0;
                for b in branches {
                    let (s, c) = b.resolve(cost)?;
                    set.extend(s);
                    total += c;
                }
                Some((dedup(set), total))
            }
            Need::EachOf(pieces) => pieces
                .iter()
                .filter_map(|p| p.resolve(cost))
                .min_by(|a, b| a.1.total_cmp(&b.1)),
        }
    }
}

/// What a piece of a regex tells: the exact strings it can match (when few), what
/// every match of it contains, and the strings every match begins and ends with (when
/// few; an empty one stands for a match that tells nothing there).
#[derive(Clone, Debug, Default)]
struct Info {
    exact: Option<Vec<Vec<u8>>>,
    need: Option<Need>,
    prefix: Option<Vec<Vec<u8>>>,
    suffix: Option<Vec<Vec<u8>>>,
}

impl Info {
    fn exact(set: Vec<Vec<u8>>) -> Info {
        Info {
            exact: Some(set.clone()),
            need: None,
            prefix: Some(set.clone()),
            suffix: Some(set),
        }
    }

    /// All that is known as one tree: the exact strings and the requirement are both
    /// sound, so either may be searched.
    fn need(&self) -> Option<Need> {
        let exact = self
            .exact
            .as_ref()
            .filter(|set| !set.is_empty() && set.iter().all(|s| !s.is_empty()))
            .map(|set| any_of(set.iter().cloned().map(Need::Lit).collect()));
        match (exact, self.need.clone()) {
            (Some(e), Some(n)) => Some(Need::EachOf(vec![e, n])),
            (e, n) => e.or(n),
        }
    }
}

fn any_of(mut v: Vec<Need>) -> Need {
    if v.len() == 1 {
        v.pop().expect("one element")
    } else {
        Need::AnyOf(v)
    }
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::exact(vec![Vec::new()]),
        HirKind::Literal(lit) => Info::exact(vec![lit.0.to_vec()]),
        HirKind::Class(class) => class_strings(class).map_or_else(Info::default, Info::exact),
        HirKind::Capture(cap) => info(&cap.sub),
        HirKind::Repetition(rep) => {
            let sub = info(&rep.sub);
            match (rep.min, rep.max) {
                (1, Some(1)) => sub,
                // `x?`: x or nothing.
                (0, Some(1)) => sub
                    .exact
                    .map(|set| union(&[set, vec![Vec::new()]]))
                    .filter(|set| set.len() <= MAX_SET)
                    .map_or_else(Info::default, Info::exact),
                (0, _) => Info::default(),
                _ => Info {
                    exact: None,
                    need: sub.need(),
                    prefix: sub.prefix,
                    suffix: sub.suffix,
                },
            }
        }
        HirKind::Concat(subs) => concat(subs),
        HirKind::Alternation(subs) => {
            let infos: Vec<Info> = subs.iter().map(info).collect();
            let all = |part: fn(&Info) -> &Option<Vec<Vec<u8>>>| {
                infos
                    .iter()
                    .map(|i| part(i).clone())
                    .collect::<Option<Vec<_>>>()
                    .map(|sets| union(&sets))
                    .filter(|set| set.len() <= MAX_SET)
            };
            // Every branch must bring its own requirement; then one of them holds.
            let need = infos
                .iter()
                .map(Info::need)
                .collect::<Option<Vec<_>>>()
                .map(Need::AnyOf);
            Info {
                exact: all(|i| &i.exact),
                need,
                prefix: all(|i| &i.prefix),
                suffix: all(|i| &i.suffix),
            }
        }
    }
}

/// A concatenation: runs of exact pieces multiply into longer strings, and a run
/// goes on into the strings the next piece begins with, and starts from those the
/// piece before it ends with; each run and each piece's own requirement is a choice.
fn concat(subs: &[Hir]) -> Info {
    let mut choices: Vec<Need> = Vec::new();
    let mut run: Vec<Vec<u8>> = vec![Vec::new()];
    let mut all_exact = true;
    // What every match begins with: set where the leading run ends.
    let mut prefix: Option<Vec<Vec<u8>>> = None;
    let close = |run: &[Vec<u8>], choices: &mut Vec<Need>| {
        if run.iter().all(|s| !s.is_empty()) {
            choices.push(any_of(run.iter().cloned().map(Need::Lit).collect()));
        }
    };
    let mut infos: Vec<Info> = subs.iter().map(info).collect();
    for (at, sub) in subs.iter().enumerate() {
        let piece = std::mem::take(&mut infos[at]);
        if let Some(n) = piece.need() {
            choices.push(n);
        }
        if piece.exact.is_none() {
            choices.extend(branches_then(sub, &infos[at + 1..]));
        }
        match piece.exact {
            Some(set) => match product(&run, &set) {
                Some(longer) => run = longer,
                None => {
                    // Too many combinations: close the run and start again here.
                    close(&run, &mut choices);
                    prefix.get_or_insert_with(|| run.clone());
                    all_exact = false;
                    run = set;
                }
            },
            None => {
                all_exact = false;
                let into = piece
                    .prefix
                    .as_deref()
                    .and_then(|p| product(&run, p))
                    .unwrap_or_else(|| run.clone());
                if into != run {
                    close(&run, &mut choices);
                }
                close(&into, &mut choices);
                prefix.get_or_insert(into);
                run = piece.suffix.unwrap_or_else(|| vec![Vec::new()]);
            }
        }
    }
    if all_exact {
        return Info {
            need: join(choices),
            ..Info::exact(run)
        };
    }
    close(&run, &mut choices);
    Info {
        exact: None,
        need: join(choices),
        prefix,
        suffix: Some(run),
    }
}

/// For an alternation followed by exact pieces: each branch's own requirement, or
/// its ending followed by those pieces (`(?:mkdir\(\) "/[^"]+"|open\(\) "[^"]+\.log")
/// failed` offers `mkdir() "/` or `.log" failed`, where the ends taken together only
/// offer `" failed`).
fn branches_then(alternation: &Hir, rest: &[Info]) -> Option<Need> {
    let mut hir = alternation;
    while let HirKind::Capture(cap) = hir.kind() {
        hir = &cap.sub;
    }
    let HirKind::Alternation(branches) = hir.kind() else {
        return None;
    };
    let mut follow: Vec<Vec<u8>> = vec![Vec::new()];
    for piece in rest {
        match piece.exact.as_deref().and_then(|set| product(&follow, set)) {
            Some(longer) => follow = longer,
            None => break,
        }
    }
    if follow.iter().all(|s| s.is_empty()) {
        return None;
    }
    let each = branches
        .iter()
        .map(|b| {
            let branch = info(b);
            let then = branch
                .suffix
                .as_deref()
                .and_then(|end| product(end, &follow))
                .filter(|set| set.iter().all(|s| !s.is_empty()))
                .map(|set| any_of(set.into_iter().map(Need::Lit).collect()));
            match (branch.need(), then) {
                (Some(own), Some(then)) => Some(Need::EachOf(vec![own, then])),
                (own, then) => own.or(then),
            }
        })
        .collect::<Option<Vec<Need>>>()?;
    Some(Need::AnyOf(each))
}

/// Pieces that each must hold, as one requirement.
fn join(mut choices: Vec<Need>) -> Option<Need> {
    choices.dedup();
    match choices.len() {
        0 => None,
        1 => choices.pop(),
        _ => Some(Need::EachOf(choices)),
    }
}

/// The strings of all the sets, once each.
fn union(sets: &[Vec<Vec<u8>>]) -> Vec<Vec<u8>> {
    dedup(sets.concat())
}

/// Every string of `a` followed by every string of `b`, unless there are too many.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            out.push([x.as_slice(), y.as_slice()].concat());
        }
    }
    Some(dedup(out))
}

/// A small class as the strings (UTF-8 encoded characters or bytes) it matches.
fn class_strings(class: &Class) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    match class {
        Class::Unicode(c) => {
            for range in c.iter() {
                for ch in range.start()..=range.end() {
                    if out.len() == MAX_SET {
                        return None;
                    }
                    out.push(ch.to_string().into_bytes());
                }
            }
        }
        Class::Bytes(c) => {
            for range in c.iter() {
                for b in range.start()..=range.end() {
                    if out.len() == MAX_SET {
                        return None;
                    }
                    out.push(vec![b]);
                }
            }
        }
    }
    Some(out)
}

fn dedup(mut set: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    set.sort();
    set.dedup();
    set
}

/// The cost of searching for a string when nothing is known of the input: each string
/// takes a place in the searcher, and short ones find many false candidates.
pub fn static_cost(s: &[u8]) -> f64 {
    let short = match s.len() {
        0..=2 => 50.0,
        3 => 10.0,
        _ => 0.0,
    };
    2.0 + short + 1.0 / s.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(pattern: &str) -> Vec<String> {
        Need::of(pattern)
            .and_then(|n| n.resolve(&static_cost))
            .map(|(set, _)| set)
            .unwrap_or_default()
            .into_iter()
            .map(|s| String::from_utf8(s).unwrap())
            .collect()
    }

    #[test]
    fn plain_text_is_its_own_literal() {
        assert_eq!(strings("upstream timed out"), ["upstream timed out"]);
    }

    #[test]
    fn the_longest_fixed_run_is_chosen() {
        assert_eq!(strings(r"\((?P<errno>12)\)[A-Za-z][^:\n]*: "), ["(12)"]);
        assert_eq!(
            strings(r"connect\(\) failed \((?P<errno>111): Connection refused\)"),
            ["connect() failed (111: Connection refused)"]
        );
    }

    #[test]
    fn a_sample_steers_the_choice_away_from_common_text() {
        let need = Need::of(r"failed[^(\n]*\((?P<errno>12): ").unwrap();
        let common = |s: &[u8]| static_cost(s) + if s == b"failed" { 1000.0 } else { 0.0 };
        assert_eq!(need.resolve(&common).unwrap().0, [b"(12: ".to_vec()]);
        let rare = |s: &[u8]| static_cost(s) + if s == b"failed" { 0.0 } else { 1000.0 };
        assert_eq!(need.resolve(&rare).unwrap().0, [b"failed".to_vec()]);
    }

    #[test]
    fn alternations_need_every_branch() {
        assert_eq!(strings("foo bar|baz qux"), ["baz qux", "foo bar"]);
        assert!(strings(r"foo bar|\d+").is_empty());
        assert_eq!(strings(r"\((?:111|2)\) x"), ["(111) x", "(2) x"]);
    }

    #[test]
    fn optional_pieces_are_not_required() {
        assert_eq!(
            strings("(?:AH00957: )?attempt to connect"),
            ["attempt to connect"]
        );
        assert!(strings("(?:abc)?").is_empty());
        assert!(strings(r"\w+").is_empty());
    }

    /// The choice when only strings of `shortest` bytes and more will do, sorted.
    fn long_strings(pattern: &str, shortest: usize) -> Vec<String> {
        let cost = |s: &[u8]| if s.len() < shortest { 1e6 } else { 1.0 };
        let (set, total) = Need::of(pattern).unwrap().resolve(&cost).unwrap();
        assert!(total < 1e6, "{pattern}: no long choice");
        let mut set: Vec<String> = set
            .into_iter()
            .map(|s| String::from_utf8(s).unwrap())
            .collect();
        set.sort();
        set
    }

    #[test]
    fn runs_go_on_into_what_the_next_piece_begins_with() {
        assert_eq!(
            long_strings(r"accept4?\(\) failed \((?P<errno>24|23): ", 20),
            [
                "accept() failed (23: ",
                "accept() failed (24: ",
                "accept4() failed (23: ",
                "accept4() failed (24: "
            ]
        );
        let digits: Vec<String> = (0..10).map(|d| format!("\" failed ({d}")).collect();
        assert_eq!(
            long_strings(r#"open\(\) "[^"]+" failed \((?P<errno>[0-9]+): "#, 11),
            digits
        );
        assert_eq!(
            long_strings(r"Predis\\+\w*Exception: [^\n]*?\[", 11),
            ["Exception: "]
        );
    }

    #[test]
    fn runs_start_from_what_the_piece_before_ends_with() {
        assert_eq!(
            long_strings(
                r#"(?:mkdir\(\) "(?P<path>[^"]+)"|open\(\) "(?P<file>[^"]+\.(?:log|pid))") failed \((?P<errno>2|20): "#,
                11
            ),
            [
                "\" failed (20: ",
                "\" failed (2: ",
                ".log\" failed (20: ",
                ".log\" failed (2: ",
                ".pid\" failed (20: ",
                ".pid\" failed (2: "
            ]
        );
        assert_eq!(
            long_strings(
                r#"(?:mkdir\(\) "(?P<path>/[^"]+)"|open\(\) "(?P<file>[^"]+\.(?:log|pid))") failed \((?P<errno>2|20): "#,
                10
            ),
            [
                ".log\" failed (20: ",
                ".log\" failed (2: ",
                ".pid\" failed (20: ",
                ".pid\" failed (2: ",
                "mkdir() \"/"
            ]
        );
        // Where a piece may end in anything, nothing is carried over.
        assert!(Need::of(r"\w+ failed")
            .unwrap()
            .resolve(&|s: &[u8]| if s.len() < 11 { 1e6 } else { 1.0 })
            .is_some_and(|(_, c)| c >= 1e6));
    }

    /// Soundness on the real catalog: whatever the costs, every sample match contains
    /// one of the chosen strings.
    #[test]
    fn every_sample_match_holds_a_chosen_string() {
        type Cost<'a> = &'a dyn Fn(&[u8]) -> f64;
        let costs: [Cost; 3] = [&static_cost, &|s: &[u8]| s.len() as f64, &|s: &[u8]| {
            100.0 - s.len() as f64
        }];
        for rule in crate::rules::catalog::builtin() {
            let Some(need) = Need::of(rule.regex.as_str()) else {
                continue;
            };
            for cost in costs {
                let (set, _) = need.resolve(&cost).expect("a tree resolves");
                for sample in rule.samples.iter().chain(&rule.counter) {
                    if let Some(m) = rule.regex.find(sample) {
                        let hit = m.as_str().as_bytes();
                        assert!(
                            set.iter().any(|s| memchr::memmem::find(hit, s).is_some()),
                            "rule {}: match {:?} holds none of {:?}",
                            rule.id,
                            m.as_str(),
                            set.iter()
                                .map(|s| String::from_utf8_lossy(s))
                                .collect::<Vec<_>>()
                        );
                    }
                }
            }
        }
    }
}
