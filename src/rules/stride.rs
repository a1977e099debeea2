//! A search for many long strings at once that reads one window every [`STEP`]
//! bytes instead of every byte (sampled q-grams, as in Wu–Manber).
//!
//! Every string is at least [`SHORTEST`] = [`STEP`] + [`GRAM`] - 1 bytes long, so
//! wherever it occurs, one of the positions looked at (`at`, `at + STEP`, …) starts a
//! gram of [`GRAM`] bytes that lies inside it, at an offset below [`STEP`]. Those grams of every string are
//! marked in a table; a position whose gram is not in it cannot be inside an
//! occurrence. How many strings there are barely matters; each string is keyed by the
//! window of it whose grams are rarest in a sample of the input.

/// Distance between the positions looked at.
pub const STEP: usize = 5;

/// Positions looked at in one step of the search loop.
const PER_STEP: usize = 4;

/// Bytes in a gram: read as a word whose top bytes [`slot`] ignores (and the key
/// lookups mask off). Six, not eight, so that
/// strings of 10 bytes (`mkdir() "/`, `Exception: `) are searched this way, not by a
/// second pass; as fast (0.86 CPU-s for the 1 GB benchmark with 6, 7 or 8).
const GRAM: usize = 6;
const GRAM_MASK: u64 = (1 << (8 * GRAM)) - 1;

/// Every gram lies inside a string, so strings are at least this long.
pub const SHORTEST: usize = STEP + GRAM - 1;

/// Grams are hashed to 2^TABLE_BITS slots. The search marks its keys' slots in a table
/// of one byte each (128 KiB, in the second-level cache): a byte read, not a bit picked
/// out of a word, saves four instructions a lookup, and a smaller table (32 or 64 KiB)
/// makes more false hits (quiet 200 MB, one thread: 113 ms with bits, 100 ms with
/// bytes, 103 ms with 32 KiB). The sample's counting keeps a bitset.
const TABLE_BITS: u32 = 17;
const TABLE_WORDS: usize = 1 << (TABLE_BITS - 6);

#[derive(Clone, Debug)]
pub struct Stride {
    /// A byte per [`slot`], nonzero where a key gram hashes.
    keys: Box<[u8; 1 << TABLE_BITS]>,
    /// Every key gram with its string and offset in it, grouped by bucket
    /// ([`bucket`]): those of bucket `b` are `grams[starts[b]..starts[b + 1]]`.
    grams: Vec<(u64, u32, u32)>,
    starts: Box<[u32]>,
    strings: Vec<Vec<u8>>,
}

impl Stride {
    /// Whether `s` can be searched for: long enough, and on one line (a hit is taken
    /// to lie in the line where the search finds it).
    pub fn takes(s: &[u8]) -> bool {
        s.len() >= SHORTEST && !s.contains(&b'\n')
    }

    /// The search for `strings` (each one [`Stride::takes`]), each keyed by its
    /// window with the fewest gram hits in `counts`' sample.
    pub fn new(strings: Vec<Vec<u8>>, counts: &GramCounts) -> Stride {
        debug_assert!(strings.iter().all(|s| Stride::takes(s)));
        // Made on the heap: 128 KiB is too much for a thread's stack in a debug build.
        let mut keys: Box<[u8; 1 << TABLE_BITS]> = vec![0u8; 1 << TABLE_BITS]
            .into_boxed_slice()
            .try_into()
            .expect("a table of 2^TABLE_BITS bytes");
        let mut grams = Vec::new();
        for (i, s) in strings.iter().enumerate() {
            let (window, _) = counts.best_window(s);
            for at in window..window + STEP {
                let g = gram(s, at);
                keys[slot(g)] = 1;
                grams.push((g, i as u32, at as u32));
            }
        }
        grams.sort_unstable_by_key(|&(g, string, offset)| (bucket(g), g, string, offset));
        grams.dedup();
        let mut starts = vec![0u32; (1 << BUCKET_BITS) + 1];
        for &(g, _, _) in &grams {
            starts[bucket(g) + 1] += 1;
        }
        for b in 0..1 << BUCKET_BITS {
            starts[b + 1] += starts[b];
        }
        Stride {
            keys,
            grams,
            starts: starts.into_boxed_slice(),
            strings,
        }
    }

    pub fn strings(&self) -> &[Vec<u8>] {
        &self.strings
    }

    /// The start of an occurrence at or after `at` in the first line of `hay` (from
    /// `at`) that holds one, if any.
    pub fn find(&self, hay: &[u8], at: usize) -> Option<usize> {
        // The window walks `rest`, whose length proves every read in bounds; the marks
        // of its [`PER_STEP`] positions are combined into one test.
        let mut rest = hay.get(at..)?;
        while let Some(window) = rest.first_chunk::<{ (PER_STEP - 1) * STEP + 8 }>() {
            // Whole words: `slot` ignores their bytes past the gram, `verify` masks them.
            let word_at = |k: usize| {
                u64::from_le_bytes(window[k * STEP..k * STEP + 8].try_into().expect("8 bytes"))
            };
            let marks: [u8; PER_STEP] = std::array::from_fn(|k| self.keys[slot(word_at(k))]);
            if marks.iter().fold(0, |all, &m| all | m) != 0 {
                // The positions in order: the first occurrence found lies in the first
                // line that holds one (a string holds no newline).
                let pos = hay.len() - rest.len();
                // (An index loop: with an iterator over the marks the quiet benchmark
                // took 307 M instructions instead of 281 M.)
                #[allow(clippy::needless_range_loop)]
                for k in 0..PER_STEP {
                    if marks[k] != 0 {
                        if let Some(found) = self.verify_at(hay, at, pos + k * STEP) {
                            return Some(found);
                        }
                    }
                }
            }
            rest = &rest[PER_STEP * STEP..];
        }
        while let Some(window) = rest.first_chunk::<GRAM>() {
            let x = word(window);
            if self.has(x) {
                if let Some(found) = self.verify(hay, at, hay.len() - rest.len(), x) {
                    return Some(found);
                }
            }
            rest = &rest[STEP..];
        }
        None
    }

    /// Whether gram `x` may be a key (its slot is marked).
    #[inline(always)]
    fn has(&self, x: u64) -> bool {
        self.keys[slot(x)] != 0
    }

    /// Calls `found` with the index of every string that occurs in `hay` (once per
    /// occurrence). Each occurrence holds a position of the grid from 0 where its
    /// string's key window starts a gram.
    pub fn each_string(&self, hay: &[u8], mut found: impl FnMut(usize)) {
        let mut rest = hay;
        while let Some(window) = rest.first_chunk::<GRAM>() {
            let x = word(window);
            if self.has(x) {
                let at = hay.len() - rest.len();
                for &(_, string, offset) in self.keyed_by(x) {
                    let begin = at.checked_sub(offset as usize);
                    if begin.is_some_and(|b| self.is_at(hay, b, string)) {
                        found(string as usize);
                    }
                }
            }
            rest = &rest[STEP..];
        }
    }

    /// An occurrence, starting at or after `start`, of a string keyed by the gram
    /// `x` read at `at`.
    #[cold]
    fn verify(&self, hay: &[u8], start: usize, at: usize, x: u64) -> Option<usize> {
        self.keyed_by(x & GRAM_MASK)
            .iter()
            .find_map(|&(_, string, offset)| {
                let begin = at.checked_sub(offset as usize).filter(|&b| b >= start)?;
                self.is_at(hay, begin, string).then_some(begin)
            })
    }

    /// [`Stride::verify`] for the gram read at `at` (with eight bytes there): read
    /// again here, not kept by the loop, where the words would take its registers.
    #[cold]
    #[inline(never)]
    fn verify_at(&self, hay: &[u8], start: usize, at: usize) -> Option<usize> {
        let x = u64::from_le_bytes(hay[at..at + 8].try_into().expect("8 bytes"));
        self.verify(hay, start, at, x)
    }

    /// The keys whose gram is `x`.
    fn keyed_by(&self, x: u64) -> &[(u64, u32, u32)] {
        let b = bucket(x);
        let keys = &self.grams[self.starts[b] as usize..self.starts[b + 1] as usize];
        let from = keys.iter().position(|g| g.0 == x).unwrap_or(keys.len());
        let to = keys[from..]
            .iter()
            .position(|g| g.0 != x)
            .map_or(keys.len(), |n| from + n);
        &keys[from..to]
    }

    /// Whether string `string` occurs in `hay` at `begin`: its first 8 bytes compared
    /// at once, the rest only then.
    #[inline]
    fn is_at(&self, hay: &[u8], begin: usize, string: u32) -> bool {
        let s = &self.strings[string as usize];
        match hay.get(begin..begin + s.len()) {
            Some(found) => found[..8] == s[..8] && found[8..] == s[8..],
            None => false,
        }
    }
}

/// Key grams are looked up in 2^BUCKET_BITS buckets.
const BUCKET_BITS: u32 = 12;

fn bucket(x: u64) -> usize {
    (x.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> (64 - BUCKET_BITS)) as usize
}

fn gram(s: &[u8], at: usize) -> u64 {
    word(s[at..at + GRAM].try_into().expect("a gram's bytes"))
}

/// A gram as the search reads it: little-endian, the unused top byte zero.
#[inline(always)]
fn word(g: &[u8; GRAM]) -> u64 {
    let mut w = [0u8; 8];
    w[..GRAM].copy_from_slice(g);
    u64::from_le_bytes(w)
}

/// The slot of the gram in the low [`GRAM`] bytes of `x`, whatever its other bytes:
/// the multiplier's low `8 * (8 - GRAM)` bits are zero, so they reach only bits of
/// the product past the word (the search needs no mask).
#[inline(always)]
fn slot(x: u64) -> usize {
    const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15 << (8 * (8 - GRAM));
    (x.wrapping_mul(MULTIPLIER) >> (64 - TABLE_BITS)) as usize
}

/// How often each gram of some strings occurs in a sample of the input.
#[derive(Debug, Default)]
pub struct GramCounts {
    grams: Vec<(u64, u64)>,
    /// [`GramCounts::best_window`]'s answers: choosing strings asks for those of the
    /// same strings many times (each search it tries is built anew).
    best: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (usize, u64)>>,
}

impl GramCounts {
    pub fn of<'a>(strings: impl IntoIterator<Item = &'a [u8]>, sample: &[u8]) -> GramCounts {
        let mut grams: Vec<(u64, u64)> = strings
            .into_iter()
            .filter(|s| Stride::takes(s))
            .flat_map(|s| (0..=s.len() - GRAM).map(move |at| (gram(s, at), 0)))
            .collect();
        grams.sort_unstable();
        grams.dedup();
        // The same bitset as the search's spares most positions the binary search.
        let mut bits = Box::new([0u64; TABLE_WORDS]);
        for &(g, _) in &grams {
            let slot = slot(g);
            bits[slot >> 6] |= 1 << (slot & 63);
        }
        for window in sample.windows(GRAM) {
            let x = word(window.try_into().expect("a gram's bytes"));
            let slot = slot(x);
            if bits[slot >> 6] & (1 << (slot & 63)) != 0 {
                if let Ok(i) = grams.binary_search_by_key(&x, |e| e.0) {
                    grams[i].1 += 1;
                }
            }
        }
        GramCounts {
            grams,
            best: Default::default(),
        }
    }

    fn of_gram(&self, g: u64) -> u64 {
        self.grams
            .binary_search_by_key(&g, |e| e.0)
            .map_or(0, |i| self.grams[i].1)
    }

    /// The offset of the window of `s` (one [`Stride::takes`]) whose key grams were
    /// found least often, and how often.
    pub fn best_window(&self, s: &[u8]) -> (usize, u64) {
        let mut best = self.best.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&found) = best.get(s) {
            return found;
        }
        let found = self.best_window_uncached(s);
        best.insert(s.to_vec(), found);
        found
    }

    fn best_window_uncached(&self, s: &[u8]) -> (usize, u64) {
        // Each gram counted once; a window's hits are the sum over its STEP grams.
        let grams: Vec<u64> = (0..=s.len() - GRAM)
            .map(|at| self.of_gram(gram(s, at)))
            .collect();
        grams
            .windows(STEP)
            .map(|w| w.iter().sum::<u64>())
            .enumerate()
            .min_by_key(|&(_, hits)| hits)
            .unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(strings: &[Vec<u8>], hay: &[u8], at: usize) -> Option<usize> {
        (at..hay.len()).find(|&i| strings.iter().any(|s| hay[i..].starts_with(s)))
    }

    /// The line (of `hay`, from `at`) where a search stops.
    fn line_of(hay: &[u8], pos: usize) -> usize {
        hay[..pos].iter().filter(|&&c| c == b'\n').count()
    }

    #[test]
    fn a_slot_depends_on_the_gram_alone() {
        let mut w = 0x0123_4567_89ab_cdefu64;
        for _ in 0..10_000 {
            w = w.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            assert_eq!(slot(w), slot(w & GRAM_MASK), "{w:x}");
        }
    }

    #[test]
    fn finds_every_string_at_every_offset() {
        let strings: Vec<Vec<u8>> = [
            &b"upstream timed out (110: "[..],
            b"no live upstreams",
            b"Too many open",
            b"Allowed memory size",
            b"exactly12byt",
            b"just11bytes",
            b"ten bytes!",
            b"12 and then some",
        ]
        .iter()
        .map(|s| s.to_vec())
        .collect();
        let search = Stride::new(
            strings.clone(),
            &GramCounts::of(
                strings.iter().map(Vec::as_slice),
                b"upstream upstream timed out no live",
            ),
        );
        for s in &strings {
            for pad in 0..20 {
                for tail in 0..3 {
                    let mut hay = vec![b'x'; pad];
                    hay.extend_from_slice(s);
                    hay.extend(std::iter::repeat_n(b'y', tail));
                    assert_eq!(search.find(&hay, 0), Some(pad), "{s:?} at {pad}");
                    assert_eq!(search.find(&hay, pad + 1), None);
                }
            }
        }
    }

    #[test]
    fn each_string_names_every_string_present() {
        let strings: Vec<Vec<u8>> = vec![
            b"connection refused".to_vec(),
            b"disk is full".to_vec(),
            b"is full and more".to_vec(),
        ];
        let search = Stride::new(strings.clone(), &GramCounts::default());
        for text in [
            &b"the disk is full and more, connection refused"[..],
            b"connection refuse",
            b"xxdisk is full",
            b"",
        ] {
            let mut got = Vec::new();
            search.each_string(text, |i| got.push(i));
            got.sort_unstable();
            got.dedup();
            let want: Vec<usize> = (0..strings.len())
                .filter(|&i| memchr::memmem::find(text, &strings[i]).is_some())
                .collect();
            assert_eq!(got, want, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn stops_in_the_first_line_with_a_string() {
        let strings: Vec<Vec<u8>> = vec![b"connection refused".to_vec(), b"disk is full".to_vec()];
        let search = Stride::new(strings.clone(), &GramCounts::default());
        let mut hay = Vec::new();
        let mut state = 7u32;
        for _ in 0..2000 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            match state >> 28 {
                0 => hay.extend_from_slice(b"a connection refused here"),
                1 => hay.extend_from_slice(b"disk is full"),
                2 => hay.push(b'\n'),
                _ => hay.extend_from_slice(&b"filler text "[..(state as usize >> 8) % 12]),
            }
        }
        let mut at = 0;
        while at < hay.len() {
            let want = naive(&strings, &hay, at);
            let got = search.find(&hay, at);
            assert_eq!(
                got.map(|p| line_of(&hay, p)),
                want.map(|p| line_of(&hay, p))
            );
            if let Some(p) = got {
                assert!(strings.iter().any(|s| hay[p..].starts_with(s)));
            }
            at = match got {
                Some(p) => p + 1,
                None => break,
            };
        }
    }
}
