//! The prefilter: a search over the raw bytes of an input for strings that any rule
//! match must contain — the stride search (`stride.rs`) for strings of 10 bytes and
//! more, a second pass (`memmem`, or Teddy) for the few shorter ones, if any. Lines
//! without a hit cannot make a finding, so the fast path counts them instead of
//! parsing them.
//!
//! Which strings stand for a rule is chosen per input: of the sound choices a rule
//! offers ([`Need`]), the one found least often in a sample of the input wins, so
//! text that is common in this log (`failed`, `PHP Warning:`) is not searched for
//! when a rarer string of the same rule will do, and a long string is preferred to a
//! short one (the stride search's cost hardly depends on how many strings it has,
//! while any short string costs a second pass over every byte).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::literals::{static_cost, Need};
use super::stride::{GramCounts, Stride};
use super::Matcher;
use crate::parse::Format;

/// Searches for the literals of the rules that apply to one format.
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// Strings long enough to be searched a few bytes apart (any number of them).
    long: Option<Box<Stride>>,
    /// The others; `None` when there are none.
    short: Option<Box<ShortSearch>>,
    /// Every searched string: the long ones, then the short ones. None: some rule
    /// names no literal, so every line is a candidate.
    strings: Vec<Vec<u8>>,
    /// The format whose rules it stands for.
    format: Format,
    /// For each string, the rules (catalog positions) a record holding it may match.
    rules_of: Vec<Vec<usize>>,
}

/// Where the next hits of a prefilter's two searches lie, for a reader going forward
/// through one buffer: each search runs once over every byte.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cursor {
    long: Option<usize>,
    short: Option<usize>,
}

/// What choosing a string costs, in sample hits: one the stride search takes is
/// nearly free; one left to Teddy slows the search of every byte.
const LONG_COST: f64 = 0.5;
const SHORT_COST: f64 = 2.0;
/// A line read in full costs as much as this many checks of a gram.
const GRAM_HITS_PER_LINE: f64 = 60.0;
/// What searching for short strings costs for each byte of the sample, in lines read
/// in full (~3.5 µs each): a Teddy pass takes ~55 ms a gigabyte (`memmem` for one
/// string ~30 ms), as long as reading ~15 000 lines; each string adds a little.
const SHORT_PASS_PER_BYTE: f64 = 15_000.0 / 1e9;
const SHORT_STRING_PER_BYTE: f64 = 1_000.0 / 1e9;

impl Prefilter {
    /// The prefilter for lines read as `format` (with no inner format), its strings
    /// chosen by how often they occur in `sample`.
    pub fn new(matcher: &Matcher, format: Format, sample: &[u8]) -> Prefilter {
        let positions: Vec<usize> = (0..matcher.rules().len())
            .filter(|&i| matcher.rules()[i].applies_to(format, None))
            .collect();
        let applicable: Vec<(usize, &Option<Need>)> = positions
            .iter()
            .copied()
            .zip(matcher.needs_of(&positions))
            .collect();
        let Some(needs) = applicable
            .iter()
            .map(|(i, n)| n.as_ref().map(|n| (*i, n)))
            .collect::<Option<Vec<_>>>()
        else {
            return Prefilter::everything(format);
        };
        let mut literals = Vec::new();
        for (_, need) in &needs {
            need.literals(&mut literals);
        }
        let (grams, counts) = count_all(literals, sample);
        // A hit in the sample costs a parse per such line in the whole input; a gram
        // hit only a check by the stride search.
        let cost = |s: &[u8]| {
            let hits = counts.get(s).copied().unwrap_or(0) as f64;
            if Stride::takes(s) {
                LONG_COST + hits + grams.best_window(s).1 as f64 / GRAM_HITS_PER_LINE
            } else {
                static_cost(s) + SHORT_COST + hits
            }
        };
        let mut chosen: Vec<(usize, Vec<Vec<u8>>)> = Vec::with_capacity(needs.len());
        for (rule, need) in &needs {
            match need.resolve(&cost) {
                Some((set, _)) => chosen.push((*rule, set)),
                None => return Prefilter::everything(format),
            }
        }
        let long_only = |s: &[u8]| match Stride::takes(s) {
            true => cost(s),
            false => f64::INFINITY,
        };
        prefer_long(&mut chosen, &needs, &long_only, &grams, sample);
        let all = chosen
            .iter()
            .flat_map(|(_, set)| set.iter().cloned())
            .collect();
        let (long, short): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
            minimal(all).into_iter().partition(|s| Stride::takes(s));
        let short = merge_to_fit(short, &counts, sample, MAX_STRINGS);
        let short = rare_starts(short, sample);
        // The stride search's strings first, then Teddy's.
        let (long, short): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
            minimal(long.into_iter().chain(short).collect())
                .into_iter()
                .partition(|s| Stride::takes(s));
        let strings: Vec<Vec<u8>> = long.iter().chain(&short).cloned().collect();
        if strings.is_empty() {
            return Prefilter::everything(format);
        }
        // A rule can match only where one of its chosen strings is, and each of those
        // holds one of the searched strings.
        let rules_of = strings
            .iter()
            .map(|searched| {
                chosen
                    .iter()
                    .filter(|(_, set)| {
                        set.iter()
                            .any(|s| memchr::memmem::find(s, searched).is_some())
                    })
                    .map(|(rule, _)| *rule)
                    .collect()
            })
            .collect();
        let short = match ShortSearch::new(&short) {
            Ok(search) => search.map(Box::new),
            Err(_) => return Prefilter::everything(format),
        };
        Prefilter {
            long: (!long.is_empty()).then(|| Box::new(Stride::new(long, &grams))),
            short,
            strings,
            format,
            rules_of,
        }
    }

    /// Every line a candidate.
    pub fn everything(format: Format) -> Prefilter {
        Prefilter {
            long: None,
            short: None,
            strings: Vec::new(),
            format,
            rules_of: Vec::new(),
        }
    }

    /// The rules (catalog positions, ascending) that may match `record`'s message, in
    /// `rules` (its memory reused from record to record): `false` when any may (the
    /// record is of another format, or nothing is filtered).
    pub fn rules_for(&self, record: &crate::parse::Record, rules: &mut Vec<usize>) -> bool {
        if record.format != self.format || record.inner.is_some() {
            return false;
        }
        if self.strings.is_empty() {
            return false;
        }
        let message = record.message.as_bytes();
        rules.clear();
        let mut add = |string: usize| rules.extend_from_slice(&self.rules_of[string]);
        if let Some(long) = &self.long {
            long.each_string(message, &mut add);
        }
        if let Some(short) = &self.short {
            let first = self.long.as_ref().map_or(0, |l| l.strings().len());
            // Every short string found at every position: none is a prefix of another
            // (`minimal`), so at most one matches where a search stops, and the next
            // search starts one byte further.
            let mut at = 0;
            while let Some((start, string)) = short.find_string(message, at) {
                add(first + string);
                at = start + 1;
            }
        }
        rules.sort_unstable();
        rules.dedup();
        true
    }

    /// How many strings it searches for; `None` when every line is a candidate.
    pub fn string_count(&self) -> Option<usize> {
        (!self.strings.is_empty()).then_some(self.strings.len())
    }

    /// The strings it searches for (for `--debug`-style inspection and tests).
    pub fn strings(&self) -> &[Vec<u8>] {
        &self.strings
    }

    /// Where a hit lies at or after `at`, a line start: in the first line from `at`
    /// that holds one, or `bytes.len()` when none does; `at` itself when every line
    /// is a candidate. `cursor` remembers, for calls with growing `at` over the same
    /// `bytes`, how far each search has gone.
    pub fn next_hit(&self, bytes: &[u8], at: usize, cursor: &mut Cursor) -> usize {
        if self.strings.is_empty() {
            return at;
        }
        let mut next = bytes.len();
        if let Some(long) = &self.long {
            let hit = match cursor.long {
                Some(hit) if hit >= at => hit,
                _ => long.find(bytes, at).unwrap_or(bytes.len()),
            };
            cursor.long = Some(hit);
            next = hit;
        }
        if let Some(short) = &self.short {
            let hit = match cursor.short {
                Some(hit) if hit >= at => hit,
                _ => short.find(bytes, at).unwrap_or(bytes.len()),
            };
            cursor.short = Some(hit);
            next = next.min(hit);
        }
        next
    }

    /// Whether `line` holds a hit.
    pub fn is_match(&self, line: &[u8]) -> bool {
        self.strings.is_empty()
            || self
                .long
                .as_ref()
                .is_some_and(|s| s.find(line, 0).is_some())
            || self
                .short
                .as_ref()
                .is_some_and(|s| s.find(line, 0).is_some())
    }
}

/// The search for the short strings. aho-corasick's automaton, given a few strings,
/// picks its own prefilter, which for starts such as `)` or `m` is a `memchr` hitting
/// all over a log (4x slower than Teddy); so one string gets `memmem`, more get Teddy
/// directly, and only a machine without Teddy (or too many strings) the automaton.
#[derive(Clone, Debug)]
enum ShortSearch {
    One(memchr::memmem::Finder<'static>),
    Teddy(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl ShortSearch {
    fn new(strings: &[Vec<u8>]) -> Result<Option<ShortSearch>, aho_corasick::BuildError> {
        let teddy = || {
            aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(strings)
                .build()
        };
        Ok(Some(match strings {
            [] => return Ok(None),
            [one] => ShortSearch::One(memchr::memmem::Finder::new(one).into_owned()),
            _ => match teddy() {
                Some(searcher) => ShortSearch::Teddy(searcher),
                None => ShortSearch::Automaton(
                    AhoCorasick::builder()
                        .match_kind(MatchKind::LeftmostFirst)
                        .kind((strings.len() > 64).then_some(AhoCorasickKind::DFA))
                        .build(strings)?,
                ),
            },
        }))
    }

    /// The start of the first occurrence at or after `at`.
    fn find(&self, hay: &[u8], at: usize) -> Option<usize> {
        self.find_string(hay, at).map(|(start, _)| start)
    }

    /// The first occurrence at or after `at`: where, and which string.
    fn find_string(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        let span = at..hay.len();
        match self {
            ShortSearch::One(finder) => finder.find(hay.get(span)?).map(|i| (at + i, 0)),
            ShortSearch::Teddy(searcher) => searcher
                .find_in(hay, aho_corasick::Span::from(span))
                .map(|m| (m.start(), m.pattern().as_usize())),
            ShortSearch::Automaton(automaton) => automaton
                .find(aho_corasick::Input::new(hay).span(span))
                .map(|m| (m.start(), m.pattern().as_usize())),
        }
    }
}

/// Rules that chose short strings take long ones instead (where they have them) when
/// those make few lines of the sample candidates that the long strings chosen already
/// do not: a short string costs the stride search's every byte a second search, and
/// a line that is a candidate anyway costs nothing more. Rules whose long strings add
/// lines worth less than their share of that search switch first; the rest switch
/// together if that spares the second search altogether.
fn prefer_long(
    chosen: &mut [(usize, Vec<Vec<u8>>)],
    needs: &[(usize, &Need)],
    long_only: &dyn Fn(&[u8]) -> f64,
    grams: &GramCounts,
    sample: &[u8],
) {
    let is_short = |set: &[Vec<u8>]| set.iter().any(|s| !Stride::takes(s));
    let lines = SampleLines::new(sample);
    // Each rule that could switch: its long strings, and the sample lines they hit.
    let mut pending: Vec<(usize, Vec<Vec<u8>>, Vec<bool>)> = chosen
        .iter()
        .enumerate()
        .filter(|(_, (_, set))| is_short(set))
        .filter_map(|(i, _)| {
            let (set, cost) = needs[i].1.resolve(&long_only)?;
            cost.is_finite().then(|| {
                let hits = lines.holding(&set, grams);
                (i, set, hits)
            })
        })
        .collect();
    if pending.is_empty() {
        return;
    }
    let long: Vec<Vec<u8>> = chosen
        .iter()
        .flat_map(|(_, set)| set.iter().filter(|s| Stride::takes(s)).cloned())
        .collect();
    let mut covered = lines.holding(&long, grams);
    let added = |hits: &[bool], covered: &[bool]| {
        hits.iter().zip(covered).filter(|&(&h, &c)| h && !c).count()
    };
    let bytes = sample.len() as f64;
    let shorts = |set: &[Vec<u8>]| set.iter().filter(|s| !Stride::takes(s)).count() as f64;
    // One by one, the cheapest first, while a rule's added lines cost less than the
    // strings it takes out of the second search.
    loop {
        let best = pending
            .iter()
            .enumerate()
            .map(|(k, (i, _, hits))| (k, added(hits, &covered), *i))
            .min_by_key(|&(_, added, _)| added);
        let Some((k, added, i)) = best else { return };
        if added as f64 > SHORT_STRING_PER_BYTE * bytes * shorts(&chosen[i].1) {
            break;
        }
        let (i, set, hits) = pending.swap_remove(k);
        covered.iter_mut().zip(&hits).for_each(|(c, &h)| *c |= h);
        chosen[i].1 = set;
    }
    // Then all the others at once, if that spares the second search.
    let still_short = chosen.iter().filter(|(_, set)| is_short(set)).count();
    if still_short != pending.len() {
        return;
    }
    let strings: f64 = pending.iter().map(|(i, _, _)| shorts(&chosen[*i].1)).sum();
    let mut all = vec![false; covered.len()];
    for (_, _, hits) in &pending {
        all.iter_mut().zip(hits).for_each(|(a, &h)| *a |= h);
    }
    if added(&all, &covered) as f64
        <= (SHORT_PASS_PER_BYTE + SHORT_STRING_PER_BYTE * strings) * bytes
    {
        for (i, set, _) in pending {
            chosen[i].1 = set;
        }
    }
}

/// The lines of a sample, to count the candidates a choice of strings makes there.
struct SampleLines<'a> {
    sample: &'a [u8],
    /// Where each line starts.
    starts: Vec<usize>,
}

impl<'a> SampleLines<'a> {
    fn new(sample: &'a [u8]) -> SampleLines<'a> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', sample).map(|i| i + 1))
            .filter(|&i| i < sample.len())
            .collect();
        SampleLines { sample, starts }
    }

    fn line(&self, k: usize) -> &'a [u8] {
        let end = self.starts.get(k + 1).map_or(self.sample.len(), |&e| e);
        &self.sample[self.starts[k]..end]
    }

    /// Which lines hold one of `strings` (each long enough for the stride search).
    fn holding(&self, strings: &[Vec<u8>], grams: &GramCounts) -> Vec<bool> {
        if strings.is_empty() {
            return vec![false; self.starts.len()];
        }
        let search = Stride::new(strings.to_vec(), grams);
        (0..self.starts.len())
            .map(|k| search.find(self.line(k), 0).is_some())
            .collect()
    }
}

/// The grams of the long strings counted in `sample`, and how often each string occurs
/// there: the long ones by a stride search (an automaton over all ~900 literals of a
/// format took most of a prefilter's making), those of a few bytes from tables of
/// bytes and pairs, the others by [`count_in`].
fn count_all<'a>(
    mut strings: Vec<&'a [u8]>,
    sample: &[u8],
) -> (GramCounts, HashMap<&'a [u8], u32>) {
    strings.sort_unstable();
    strings.dedup();
    let (long, short): (Vec<&[u8]>, Vec<&[u8]>) =
        strings.into_iter().partition(|s| Stride::takes(s));
    // Strings of a few bytes (class members, digits) hit all over: counted one by one,
    // not as the automaton's overlapping matches.
    let (tiny, short): (Vec<&[u8]>, Vec<&[u8]>) = short.into_iter().partition(|s| s.len() <= 3);
    // Side by side: a large input waits for its prefilter.
    let (grams, (mut counts, tiny)) = rayon::join(
        || GramCounts::of(long.iter().copied(), sample),
        || rayon::join(|| count_in(short, sample), || count_tiny(tiny, sample)),
    );
    counts.extend(tiny.into_iter().filter(|(_, n)| *n > 0));
    if !long.is_empty() && !sample.is_empty() {
        let search = Stride::new(long.iter().map(|s| s.to_vec()).collect(), &grams);
        let mut found = vec![0u32; long.len()];
        search.each_string(sample, |i| found[i] += 1);
        counts.extend(long.into_iter().zip(found).filter(|(_, n)| *n > 0));
    }
    (grams, counts)
}

/// How often each string of one to three bytes occurs in `sample`, overlaps
/// included: single bytes and pairs from tables filled in one pass each.
fn count_tiny<'a>(tiny: Vec<&'a [u8]>, sample: &[u8]) -> Vec<(&'a [u8], u32)> {
    let mut bytes = [0u32; 256];
    sample.iter().for_each(|&b| bytes[b as usize] += 1);
    let mut pairs = vec![0u32; 1 << 16];
    if tiny.iter().any(|s| s.len() == 2) {
        for w in sample.windows(2) {
            pairs[usize::from(w[0]) << 8 | usize::from(w[1])] += 1;
        }
    }
    tiny.into_iter()
        .map(|s| {
            let n = match *s {
                [b] => bytes[b as usize],
                [a, b] => pairs[usize::from(a) << 8 | usize::from(b)],
                _ => overlapping_count(s, sample),
            };
            (s, n)
        })
        .collect()
}

/// How often `needle` occurs in `hay`, overlaps included.
fn overlapping_count(needle: &[u8], hay: &[u8]) -> u32 {
    let finder = memchr::memmem::Finder::new(needle);
    let (mut n, mut at) = (0, 0);
    while let Some(i) = hay.get(at..).and_then(|rest| finder.find(rest)) {
        n += 1;
        at += i + 1;
    }
    n
}

/// How often each string occurs in `sample` (overlaps included).
fn count_in<'a>(mut strings: Vec<&'a [u8]>, sample: &[u8]) -> HashMap<&'a [u8], u32> {
    strings.sort_unstable();
    strings.dedup();
    let mut counts = HashMap::with_capacity(strings.len());
    if sample.is_empty() || strings.is_empty() {
        return counts;
    }
    // A DFA: one table lookup a byte, where the default NFA follows failure links.
    let Ok(ac) = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(&strings)
    else {
        return counts;
    };
    for m in ac.find_overlapping_iter(sample) {
        *counts.entry(strings[m.pattern().as_usize()]).or_default() += 1;
    }
    counts
}

/// Teddy, the SIMD searcher, takes at most this many strings; beyond it the search
/// runs byte by byte, several times slower.
const MAX_STRINGS: usize = 64;

/// Shortest and longest common pieces considered when strings are merged.
const MIN_PIECE: usize = 4;
const MAX_PIECE: usize = 8;

/// Fits `strings` into `limit` by searching for pieces they share instead (`SQLSTATE[`
/// for `SQLSTATE[08006]` and `SQLSTATE[57P01]`): every string still holds a searched
/// piece, so the filter stays sound. Greedy: each step takes the piece that adds the
/// fewest sample hits per string saved.
fn merge_to_fit(
    strings: Vec<Vec<u8>>,
    counts: &HashMap<&[u8], u32>,
    sample: &[u8],
    limit: usize,
) -> Vec<Vec<u8>> {
    if strings.len() <= limit {
        return strings;
    }
    let words = strings.len().div_ceil(64);
    let bits_of = |ids: &[usize]| {
        let mut b = vec![0u64; words];
        for &i in ids {
            b[i / 64] |= 1 << (i % 64);
        }
        b
    };
    // Pieces shared by at least two strings, with the strings holding each.
    let mut holders: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, s) in strings.iter().enumerate() {
        for len in MIN_PIECE..s.len().min(MAX_PIECE + 1) {
            for piece in s.windows(len) {
                let h = holders.entry(piece).or_default();
                if h.last() != Some(&i) {
                    h.push(i);
                }
            }
        }
    }
    holders.retain(|_, h| h.len() >= 2);
    let piece_hits = count_in(holders.keys().copied().collect(), sample);
    let hits = |s: &[u8]| {
        f64::from(
            counts
                .get(s)
                .or_else(|| piece_hits.get(s))
                .copied()
                .unwrap_or(0),
        )
    };
    let pieces: Vec<(&[u8], Vec<u64>)> = holders.iter().map(|(p, h)| (*p, bits_of(h))).collect();
    // The searched strings, each with the original strings it stands for.
    let mut alive: Vec<(Vec<u8>, Vec<u64>)> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), bits_of(&[i])))
        .collect();
    let within = |a: &[u64], b: &[u64]| a.iter().zip(b).all(|(x, y)| x & !y == 0);
    while alive.len() > limit {
        let mut best: Option<(f64, usize, usize)> = None;
        for (pi, (piece, bits)) in pieces.iter().enumerate() {
            let mut saved = 0usize;
            let mut replaced_hits = 0.0;
            for (s, b) in &alive {
                if within(b, bits) {
                    saved += 1;
                    replaced_hits += hits(s);
                }
            }
            if saved < 2 {
                continue;
            }
            let added = (hits(piece) - replaced_hits).max(0.0) + 1.0 / piece.len() as f64;
            let score = added / (saved - 1) as f64;
            if best.is_none_or(|(b, _, _)| score < b) {
                best = Some((score, pi, saved));
            }
        }
        let Some((_, pi, _)) = best else { break };
        let (piece, bits) = &pieces[pi];
        alive.retain(|(_, b)| !within(b, bits));
        alive.push((piece.to_vec(), bits.clone()));
    }
    minimal(alive.into_iter().map(|(s, _)| s).collect())
}

/// Pieces at least this long stand for a string when its start is common.
const MIN_ANCHOR: usize = 6;

/// A sample hit of a whole string costs a line read in full; one of its first four
/// bytes only a check by the searcher. This weighs the one against the other.
const FULL_HIT_WEIGHT: u32 = 50;

/// Replaces each string by the tail of it whose start is rarest in the sample: Teddy
/// finds candidates by a string's first four bytes, so a common start (` while`, `) in`)
/// makes it check candidates all over the input. Any piece of a string is as sound a
/// filter as the string.
fn rare_starts(strings: Vec<Vec<u8>>, sample: &[u8]) -> Vec<Vec<u8>> {
    if sample.is_empty() {
        return strings;
    }
    let tails = |s: &[u8]| {
        let shortest = MIN_ANCHOR.min(s.len());
        0..=s.len() - shortest
    };
    let mut pieces: Vec<&[u8]> = Vec::new();
    for s in &strings {
        for i in tails(s) {
            let tail = &s[i..];
            pieces.push(tail);
            pieces.push(&tail[..tail.len().min(4)]);
        }
    }
    let counts = count_in(pieces, sample);
    let hits = |p: &[u8]| counts.get(p).copied().unwrap_or(0);
    let chosen = strings
        .iter()
        .map(|s| {
            let best = tails(s)
                .min_by_key(|&i| {
                    let tail = &s[i..];
                    hits(tail) * FULL_HIT_WEIGHT + hits(&tail[..tail.len().min(4)])
                })
                .unwrap_or(0);
            s[best..].to_vec()
        })
        .collect();
    minimal(chosen)
}

/// The strings without those that contain another (finding the shorter one finds
/// the line anyway).
fn minimal(mut strings: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    strings.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    strings.dedup();
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(strings.len());
    for s in strings {
        if !kept.iter().any(|k| memchr::memmem::find(&s, k).is_some()) {
            kept.push(s);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalog;

    /// The stride search counts the long strings as the automaton does.
    #[test]
    fn long_strings_are_counted_like_the_rest() {
        let matcher = Matcher::new(catalog::builtin());
        let mut sample = Vec::new();
        for rule in matcher.rules() {
            for s in rule.samples.iter().chain(&rule.counter) {
                sample.extend_from_slice(s.as_bytes());
                sample.extend_from_slice(b" x ");
                sample.extend_from_slice(s.as_bytes());
                sample.push(b'\n');
            }
        }
        let mut literals = Vec::new();
        let all: Vec<usize> = (0..matcher.rules().len()).collect();
        for need in matcher.needs_of(&all).into_iter().flatten() {
            need.literals(&mut literals);
        }
        let (_, fast) = count_all(literals.clone(), &sample);
        let slow = count_in(literals, &sample);
        assert!(slow.len() > 50, "{}", slow.len());
        assert_eq!(fast, slow);
    }

    #[test]
    fn containing_strings_are_dropped() {
        let got = minimal(vec![
            b"upstream timed out".to_vec(),
            b"timed out".to_vec(),
            b"refused".to_vec(),
        ]);
        assert_eq!(got, [b"refused".to_vec(), b"timed out".to_vec()]);
    }

    /// Every sample of every rule that applies to a format is a candidate line.
    #[test]
    fn no_sample_escapes_the_prefilter() {
        let matcher = Matcher::new(catalog::builtin());
        for format in Format::ALL {
            for sample in [&b""[..], b"failed failed PHP Warning: upstream"] {
                let pre = Prefilter::new(&matcher, format, sample);
                for rule in matcher
                    .rules()
                    .iter()
                    .filter(|r| r.applies_to(format, None))
                {
                    for s in &rule.samples {
                        if rule.regex.is_match(s) {
                            assert!(pre.is_match(s.as_bytes()), "{format}: {}: {s}", rule.id);
                        }
                    }
                }
            }
        }
    }

    /// The nginx rules leave one short string (`) in `), whatever the log is full of:
    /// a second pass for more would cost every byte again.
    #[test]
    fn nginx_rules_need_at_most_one_short_string() {
        let matcher = Matcher::new(catalog::builtin());
        let noise = [
            "2026/11/24 10:00:00 [error] 7#7: *1 open() \"/var/www/html/favicon.ico\" failed (2: No such file or directory), client: 203.0.113.7, server: example.com, request: \"GET /favicon.ico HTTP/1.1\", host: \"example.com\"\n",
            "2026/11/24 10:00:01 [error] 7#7: *2 connect() to unix:/run/php/php8.2-fpm.sock failed (111: Connection refused) while connecting to upstream, client: 203.0.113.8, server: example.com, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"example.com\"\n",
            "2026/11/24 10:00:02 [error] 7#7: *3 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function f() in /var/www/html/index.php:3\" while reading response header from upstream, client: 203.0.113.9\n",
        ];
        for sample in [String::new(), noise.concat().repeat(200)] {
            let pre = Prefilter::new(&matcher, Format::NginxError, sample.as_bytes());
            let short: Vec<String> = pre
                .strings()
                .iter()
                .filter(|s| !Stride::takes(s))
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect();
            assert!(short.len() <= 1, "{short:?}");
        }
    }

    #[test]
    fn next_hit_finds_the_first_string_after_a_position() {
        let matcher = Matcher::new(catalog::builtin());
        let pre = Prefilter::new(&matcher, Format::NginxError, b"");
        let text = b"2026/11/24 10:00:00 [error] 1#1: *1 an upstream response is buffered to a temporary file\n2026/11/24 10:00:00 [error] 1#1: *2 upstream timed out (110: Connection timed out) while reading\n";
        let second = text.iter().position(|&c| c == b'\n').unwrap() + 1;
        let hit = pre.next_hit(text, 0, &mut Cursor::default());
        assert!(hit >= second && hit < text.len(), "{hit}");
        assert_eq!(
            pre.next_hit(text, text.len(), &mut Cursor::default()),
            text.len()
        );
    }
}
