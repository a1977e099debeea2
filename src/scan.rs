//! Reads one input end to end: opens it, detects its format from the first lines,
//! feeds every line through the assembler and counts what the summary needs.
//! Large mapped files are read in parallel chunks; where the format has a fast head
//! reading, only the lines the prefilter marks are parsed (the fast path), the others
//! counted. Findings go to the run's store; records to a caller-supplied sink (then
//! every line is read in full, in order). Nothing is printed here.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::correlate::ClientErrors;
use crate::error::Error;
use crate::input::{self, for_each_line, Input, LineReader, Opened};
use crate::output::progress::Progress;
use crate::parse::detect::{SAMPLE_BYTES, SAMPLE_LINES};
use crate::parse::{detect_format, Assembler, Format, Record, Stamp, TimeCtx, Zone};
use crate::rules::prefilter::Cursor;
use crate::rules::{Finding, Matcher, Prefilter};
use crate::store::{self, Batch, Entry, Store};

/// What one input held, for the `summary` object.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    pub path: String,
    pub format: Format,
    pub lines: u64,
    pub records: u64,
    pub unknown: u64,
    pub first: Option<Stamp>,
    pub last: Option<Stamp>,
}

impl FileSummary {
    pub fn new(path: &str, format: Format) -> FileSummary {
        FileSummary {
            path: path.to_string(),
            format,
            lines: 0,
            records: 0,
            unknown: 0,
            first: None,
            last: None,
        }
    }

    pub fn count(&mut self, r: &Record) {
        self.records += 1;
        self.lines += u64::from(r.lines);
        if r.format == Format::Unknown {
            self.unknown += 1;
        }
        if let Some(t) = r.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// A scanned input: its summary, its findings in file order, the access-log lines that
/// show a 5xx, and the error that cut it short, if any (what was read before the error
/// still counts).
pub struct Scanned {
    pub summary: FileSummary,
    /// The findings, in file order; they themselves are in the run's store.
    pub findings: Vec<Entry>,
    pub client_errors: ClientErrors,
    pub error: Option<Error>,
}

/// Regular files larger than this are cut into chunks read in parallel.
pub const CHUNK_BYTES: usize = 16 << 20;
/// How far past a chunk's nominal start a line that begins a record is looked for;
/// a chunk with none is read with the one before it.
const BOUNDARY_SEARCH: usize = 1 << 20;

/// What reading a run of records (a whole input, or one chunk of it) gathered.
struct Part<'s> {
    summary: FileSummary,
    client_errors: ClientErrors,
    /// The time of the part's last record that had one.
    last_time: Option<Stamp>,
    /// Findings without a time before any timed record of the part: they take the time
    /// of the entry before them, which lies in an earlier part, so they are kept whole
    /// until the parts are joined. They come before all of `stored`.
    unplaced: Vec<Finding>,
    stored: Batch<'s>,
    /// The rules the prefilter lets a record try (reused from record to record).
    only: Vec<usize>,
}

impl<'s> Part<'s> {
    fn new(name: &str, store: &'s Store) -> Part<'s> {
        Part {
            summary: FileSummary::new(name, Format::Unknown),
            client_errors: ClientErrors::new(),
            last_time: None,
            unplaced: Vec::new(),
            stored: Batch::new(store),
            only: Vec::new(),
        }
    }

    /// Counts a record, and keeps it as a finding if a rule explains it; the record
    /// itself goes on (to a `--records` sink).
    fn take(&mut self, r: &Record, config: &Config, matcher: &Matcher) {
        if let Some(time) = self.admit(r, config) {
            let stamped = r.time.is_some();
            if let Some(f) = matcher.find_among(r, None) {
                self.keep(f, stamped, time);
            }
        }
    }

    /// Like [`Part::take`] for a record that ends here (its text moves into the
    /// finding); with the prefilter that chose the record, only the rules its strings
    /// point to are tried.
    fn take_filtered(
        &mut self,
        r: Record,
        config: &Config,
        matcher: &Matcher,
        prefilter: Option<&Prefilter>,
    ) {
        if let Some(time) = self.admit(&r, config) {
            let only = &mut self.only;
            let filtered = prefilter.is_some_and(|p| p.rules_for(&r, only));
            let stamped = r.time.is_some();
            if let Some(f) = matcher.find_among_owned(r, filtered.then_some(&only[..])) {
                self.keep(f, stamped, time);
            }
        }
    }

    /// Counts a record; the time to place it at when it is in the range asked for.
    fn admit(&mut self, r: &Record, config: &Config) -> Option<Option<Stamp>> {
        self.summary.count(r);
        // Entries without a stamp of their own (bare php-fpm worker lines, dmesg uptime)
        // are placed at the time of the entry before them, and say so.
        let time = r.time.or(self.last_time);
        self.last_time = time;
        if !config.in_range(time.map(|t| t.utc)) {
            return None;
        }
        self.client_errors.extend(client_error(r));
        Some(time)
    }

    /// Keeps a finding: placed at `time` when its record had no stamp of its own.
    fn keep(&mut self, mut f: Finding, stamped: bool, time: Option<Stamp>) {
        if !stamped {
            match time {
                Some(t) => infer_time(&mut f, t),
                None => {
                    self.unplaced.push(f);
                    return;
                }
            }
        }
        self.stored.push(&f);
    }
}

impl Part<'_> {
    /// Counts a one-line entry the fast path did not read: no rule can match it.
    fn take_quick(&mut self, time: Stamp) {
        let s = &mut self.summary;
        s.records += 1;
        s.lines += 1;
        if self.last_time != Some(time) {
            s.first = Some(s.first.map_or(time, |f| f.min(time)));
            s.last = Some(s.last.map_or(time, |l| l.max(time)));
            self.last_time = Some(time);
        }
    }
}

fn infer_time(f: &mut Finding, t: Stamp) {
    f.time = Some(t);
    f.fields
        .push(("time_inferred".into(), "from the previous entry".into()));
}

/// An access-log line that shows a 5xx: what a client really got.
pub fn client_error(r: &Record) -> Option<crate::correlate::ClientError> {
    if !r.is_format(Format::Access) {
        return None;
    }
    let status: u16 = crate::parse::field(&r.fields, "status")?.parse().ok()?;
    let time = r.time?;
    (status >= 500).then(|| crate::correlate::ClientError {
        time,
        status,
        file: r.file.clone(),
        line: r.line,
        request: crate::parse::field(&r.fields, "request")
            .unwrap_or("")
            .to_string(),
    })
}

/// Joins the parts of one input, in order.
fn merge(
    parts: Vec<Part<'_>>,
    config: &Config,
    format: Format,
) -> (FileSummary, Vec<Entry>, ClientErrors) {
    let mut summary: Option<FileSummary> = None;
    // Reserved at once: a gigabyte's entries are several MB, copied at each doubling.
    let total = parts
        .iter()
        .map(|p| p.unplaced.len() + p.stored.count())
        .sum();
    let mut entries: Vec<Entry> = Vec::with_capacity(total);
    let mut client_errors = ClientErrors::new();
    let mut last_time: Option<Stamp> = None;
    // Each part numbers its lines from where its reading began (1 for a chunk).
    let mut lines_before = 0u64;
    for p in parts {
        let mut unplaced = p.unplaced;
        if let Some(t) = last_time {
            unplaced.iter_mut().for_each(|f| infer_time(f, t));
        }
        unplaced.iter_mut().for_each(|f| f.line += lines_before);
        let mut batch = Batch::new(p.stored.store());
        for f in unplaced
            .iter()
            .filter(|f| config.in_range(f.time.map(|t| t.utc)))
        {
            batch.push(f);
        }
        store::append(&mut entries, batch.into_entries());
        let mut placed = p.stored.into_entries();
        placed.iter_mut().for_each(|e| e.line_base = lines_before);
        store::append(&mut entries, placed);
        let base = lines_before;
        let s = p.summary;
        lines_before += s.lines;
        match &mut summary {
            None => summary = Some(s),
            Some(all) => {
                all.lines += s.lines;
                all.records += s.records;
                all.unknown += s.unknown;
                all.first = min_some(all.first, s.first);
                all.last = all.last.max(s.last);
            }
        }
        client_errors.extend(p.client_errors.into_iter().map(|mut e| {
            e.line += base;
            e
        }));
        last_time = p.last_time.or(last_time);
    }
    let mut summary = summary.expect("an input has at least one part");
    summary.format = format;
    (summary, entries, client_errors)
}

fn min_some(a: Option<Stamp>, b: Option<Stamp>) -> Option<Stamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Reads `input`, matching each record against the catalog. With a `sink`, every
/// record (inside `--since`/`--until`) is handed to it in file order; without one,
/// large regular files are read in parallel chunks, with the same result.
/// `year_reference` is when the logs with full dates end (see [`latest_dated_time`]);
/// stamps without a year are placed before it, or before the file's mtime when no
/// other input has full dates.
pub fn scan(
    input: &Input,
    config: &Config,
    matcher: &Matcher,
    year_reference: Option<DateTime<Utc>>,
    progress: &Progress,
    store: &Store,
    sink: Option<&mut dyn FnMut(Record)>,
) -> Scanned {
    let opening = match input::open(input) {
        Ok(o) => o,
        Err(e) => {
            return Scanned {
                summary: FileSummary::new(&input.name, Format::Unknown),
                findings: Vec::new(),
                client_errors: ClientErrors::new(),
                error: Some(e),
            }
        }
    };
    let ctx = match year_reference {
        // Other logs may stop before this one does: allow a month past their end.
        Some(t) => TimeCtx::with_reference(config.zone, Some(t), chrono::Duration::days(31)),
        None => TimeCtx::new(config.zone, opening.mtime),
    };
    // Parts borrow the prefilter until they are merged.
    let mut prefilter: Option<Prefilter> = None;
    let (format, parts, error) = match opening.opened {
        Opened::Mapped(mapped) => {
            let bytes = mapped.bytes();
            let format = config
                .format
                .unwrap_or_else(|| detect_in_slice(bytes, &ctx));
            let asm = Assembler::new(input.name.clone(), format, config.format.is_some(), ctx);
            // Records handed out in order are read in full; otherwise the fast path
            // when the input is large and its format has one.
            if sink.is_none() {
                prefilter = fast_path(bytes, &asm, matcher);
            }
            let parts = match sink {
                Some(sink) => {
                    let part = read_part(bytes, asm, config, matcher, store, Some(sink));
                    progress.advance(bytes.len() as u64);
                    vec![part]
                }
                None => {
                    let chunks = Chunking {
                        prefilter: prefilter.as_ref(),
                        progress,
                        store,
                        chunk_bytes: CHUNK_BYTES,
                        file: mapped.file(),
                    };
                    read_chunks(bytes, &asm, config, matcher, &chunks)
                }
            };
            let shrank = mapped.shrank(&input.name);
            mapped.release();
            (format, parts, shrank)
        }
        Opened::Stream(reader) if sink.is_none() => {
            // Blocks read in parallel, on the fast path when the format has one: the
            // prefilter's strings are chosen on the lines held back for detection.
            // The stream itself is read (and decompressed) on a thread of its own.
            let reader: Box<dyn std::io::BufRead + Send> =
                match input::read_ahead::ReadAhead::new(reader) {
                    Ok(ahead) => Box::new(ahead),
                    Err(reader) => reader,
                };
            let (format, error, parts) =
                scan_stream_in_blocks(reader, input, config, ctx, progress, matcher, store);
            (format, parts, error)
        }
        Opened::Stream(reader) => {
            let mut part = Part::new(&input.name, store);
            let mut sink = sink;
            let mut emit = |r: Record| {
                part.take(&r, config, matcher);
                if let Some(sink) = sink.as_mut() {
                    if config.in_range(r.time.map(|t| t.utc)) {
                        sink(r);
                    }
                }
            };
            let (format, error, _) = scan_stream(reader, input, config, ctx, progress, |asm, _| {
                EmitLines(asm, &mut emit)
            });
            (format, vec![part], error)
        }
    };
    let (summary, findings, client_errors) = merge(parts, config, format);
    Scanned {
        summary,
        findings,
        client_errors,
        error,
    }
}

/// Inputs smaller than this are read in full: building a prefilter would cost more
/// than it saves.
const FAST_PATH_BYTES: usize = 4 << 20;

/// How much of an input is sampled to choose the prefilter's strings: a few pieces
/// spread over it.
const SAMPLE_PIECES: usize = 8;
const SAMPLE_PIECE_BYTES: usize = 32 << 10;

/// The prefilter for a large mapped input, its strings chosen on pieces spread over it.
fn fast_path(bytes: &[u8], asm: &Assembler, matcher: &Matcher) -> Option<Prefilter> {
    if bytes.len() < FAST_PATH_BYTES || !asm.has_quick_head() {
        return None;
    }
    let mut sample = Vec::with_capacity(SAMPLE_PIECES * SAMPLE_PIECE_BYTES);
    for i in 0..SAMPLE_PIECES {
        let at = bytes.len() / SAMPLE_PIECES * i;
        sample.extend_from_slice(&bytes[at..(at + SAMPLE_PIECE_BYTES).min(bytes.len())]);
    }
    prefilter_for(asm, matcher, &sample)
}

/// The fast path's prefilter for an input of `asm`'s format, its strings chosen on
/// `sample`; `None` when the format has no fast reading or every line would pass.
fn prefilter_for(asm: &Assembler, matcher: &Matcher, sample: &[u8]) -> Option<Prefilter> {
    if !asm.has_quick_head() {
        return None;
    }
    let prefilter = Prefilter::new(matcher, asm.format(), sample);
    // A prefilter that passes every line saves nothing.
    prefilter.string_count().map(|_| prefilter)
}

/// Reads a run of lines as one part.
fn read_part<'s>(
    bytes: &[u8],
    mut asm: Assembler,
    config: &Config,
    matcher: &Matcher,
    store: &'s Store,
    mut sink: Option<&mut dyn FnMut(Record)>,
) -> Part<'s> {
    let mut part = Part::new(asm.file(), store);
    let mut emit = |r: Record| match sink.as_mut() {
        Some(sink) => {
            part.take(&r, config, matcher);
            if config.in_range(r.time.map(|t| t.utc)) {
                sink(r);
            }
        }
        None => part.take_filtered(r, config, matcher, None),
    };
    for_each_line(bytes, |line, n| asm.push(line, n, &mut emit));
    asm.finish(&mut emit);
    part.stored.seal();
    part
}

/// A head line the fast path skipped: counted when the next entry starts, or read
/// after all if the next line continues it. Its bytes are kept for that.
struct Skipped {
    at: (u64, u64),
    consumed: u64,
    time: Stamp,
}

/// The fast path over a run of lines: only the lines the prefilter marks (and the
/// entries they belong to) are parsed and matched; one-line entries between them are
/// only counted. The records and findings are those of the full reading.
struct FastReader<'a, 's> {
    asm: Assembler,
    part: Part<'s>,
    prefilter: Cow<'a, Prefilter>,
    config: &'a Config,
    matcher: &'a Matcher,
    skipped: Option<Skipped>,
    /// The skipped line: where it lies in the source its lines come from (a mapped
    /// chunk, a block, a window of a file), else a copy of it (one buffer, reused: no
    /// allocation per line).
    held_at: Option<std::ops::Range<usize>>,
    held: Vec<u8>,
}

impl<'a, 's> FastReader<'a, 's> {
    fn new(
        asm: Assembler,
        prefilter: Cow<'a, Prefilter>,
        config: &'a Config,
        matcher: &'a Matcher,
        store: &'s Store,
    ) -> FastReader<'a, 's> {
        FastReader {
            part: Part::new(asm.file(), store),
            asm,
            prefilter,
            config,
            matcher,
            skipped: None,
            held_at: None,
            held: Vec::new(),
        }
    }

    /// One physical line, from `start` in `source` when it lies there (the same
    /// source as the lines before it, or [`FastReader::detach`] was called); `hit`: the
    /// prefilter found one of its strings in it.
    fn line(&mut self, source: &[u8], line: &[u8], start: Option<usize>, consumed: u64, hit: bool) {
        match (self.asm.quick_head(line), hit) {
            (Some(time), false) => self.skip(line, start, consumed, time),
            (head, _) => {
                // The skipped line was an entry of its own if this one starts the next.
                if head.is_some() {
                    if let Some(s) = self.skipped.take() {
                        self.part.take_quick(s.time);
                    }
                }
                self.read(source, line, consumed);
            }
        }
    }

    /// Skips a head line (read at `time`) that holds no hit: the skipped line before
    /// it was an entry of its own and is counted; this one is kept (where it lies in
    /// the source, else copied) in case the lines after it continue it. (Inlined: it
    /// runs for nearly every line, and `quiet_lines` passes a known start.)
    #[inline(always)]
    fn skip(&mut self, line: &[u8], start: Option<usize>, consumed: u64, time: Stamp) {
        if let Some(s) = self.skipped.take() {
            self.part.take_quick(s.time);
        }
        let (part, config, matcher, prefilter) =
            (&mut self.part, self.config, self.matcher, &*self.prefilter);
        let at = self.asm.skip_head(consumed, &mut |r: Record| {
            part.take_filtered(r, config, matcher, Some(prefilter))
        });
        match start {
            Some(start) => self.held_at = Some(start..start + line.len()),
            None => {
                self.held_at = None;
                self.held.clear();
                self.held.extend_from_slice(line);
            }
        }
        self.skipped = Some(Skipped { at, consumed, time });
    }

    /// Reads a line in full: the skipped line before it first, which it may continue.
    /// (Kept out of line: the lines read in full are few, the loops around it hot.)
    #[inline(never)]
    fn read(&mut self, source: &[u8], line: &[u8], consumed: u64) {
        let (part, config, matcher, prefilter) =
            (&mut self.part, self.config, self.matcher, &*self.prefilter);
        let mut emit = |r: Record| part.take_filtered(r, config, matcher, Some(prefilter));
        if let Some(s) = self.skipped.take() {
            let held = match &self.held_at {
                Some(range) => &source[range.clone()],
                None => &self.held,
            };
            self.asm.replay(held, s.at, s.consumed, &mut emit);
        }
        self.asm.push(line, consumed, &mut emit);
    }

    /// The lines of `source` from `from` whose newline comes before `hit`: none holds
    /// a prefilter hit. Returns the start of the first line not read.
    fn quiet_lines(&mut self, source: &[u8], from: usize, hit: usize) -> usize {
        let mut start = from;
        for newline in memchr::memchr_iter(b'\n', &source[from..hit.min(source.len())]) {
            let end = from + newline;
            let line = input::kept(&source[start..end]);
            let consumed = (end + 1 - start) as u64;
            if !self.skip_repeat(line, start, consumed) {
                match self.asm.quick_head(line) {
                    Some(time) => self.skip(line, Some(start), consumed, time),
                    None => self.read(source, line, consumed),
                }
            }
            start = end + 1;
        }
        start
    }

    /// [`FastReader::skip`] for a head line (at `start` in the current source) in the
    /// same second as the held line before it, which is most lines of a busy log: the
    /// held line is counted and this one held in its place, at the same time. `false`
    /// (nothing done) when there is no held line or the line does not start that way.
    #[inline(always)]
    fn skip_repeat(&mut self, line: &[u8], start: usize, consumed: u64) -> bool {
        let Some(held) = &mut self.skipped else {
            return false;
        };
        // The held line was the last `quick_head` read: its stamp is the cached one.
        if self.asm.quick_repeat(line).is_none() {
            return false;
        }
        self.part.take_quick(held.time);
        held.at = self.asm.skip_next_head(consumed);
        held.consumed = consumed;
        self.held_at = Some(start..start + line.len());
        true
    }

    /// The lines from here on come from another source: a skipped line still to be
    /// read from `source` is copied.
    fn detach(&mut self, source: &[u8]) {
        if let Some(range) = self.held_at.take() {
            self.held.clear();
            self.held.extend_from_slice(&source[range]);
        }
    }

    fn finish(mut self) -> Part<'s> {
        if let Some(s) = self.skipped.take() {
            self.part.take_quick(s.time);
        }
        let (part, config, matcher, prefilter) =
            (&mut self.part, self.config, self.matcher, &*self.prefilter);
        self.asm
            .finish(&mut |r: Record| part.take_filtered(r, config, matcher, Some(prefilter)));
        self.part.stored.seal();
        self.part
    }
}

/// Where a stream's lines go once its format is known.
trait LineSink {
    fn line(&mut self, raw: &[u8], consumed: u64);
    fn end(&mut self);
}

/// Every line read in full, each record handed to a closure.
struct EmitLines<'e, F: FnMut(Record)>(Assembler, &'e mut F);

impl<F: FnMut(Record)> LineSink for EmitLines<'_, F> {
    fn line(&mut self, raw: &[u8], consumed: u64) {
        self.0.push(raw, consumed, self.1);
    }
    fn end(&mut self) {
        self.0.finish(self.1);
    }
}

/// A stream's lines on the fast path, or read in full when its format has none.
enum StreamLines<'a> {
    Fast(FastReader<'a, 'a>),
    Full(Assembler, Part<'a>, &'a Config, &'a Matcher),
}

impl<'a> StreamLines<'a> {
    fn into_part(self) -> Part<'a> {
        match self {
            StreamLines::Fast(reader) => reader.finish(),
            StreamLines::Full(_, part, _, _) => part,
        }
    }
}

impl LineSink for StreamLines<'_> {
    fn line(&mut self, raw: &[u8], consumed: u64) {
        match self {
            StreamLines::Fast(reader) => {
                let hit = reader.prefilter.is_match(raw);
                reader.line(&[], raw, None, consumed, hit);
            }
            StreamLines::Full(asm, part, config, matcher) => {
                asm.push(raw, consumed, &mut |r| {
                    part.take_filtered(r, config, matcher, None)
                });
            }
        }
    }
    fn end(&mut self) {
        // The fast reader ends in `into_part`.
        if let StreamLines::Full(asm, part, config, matcher) = self {
            asm.finish(&mut |r| part.take_filtered(r, config, matcher, None));
        }
    }
}

/// A stream is read in blocks of about this size, cut where a record starts whatever
/// precedes, and this many blocks at a time in parallel.
const STREAM_BLOCK: usize = 2 << 20;
const BLOCKS_PER_WAVE: usize = 4;
/// A block that finds no such place by this size ends the parallel reading: the rest of
/// the stream is read in order (a stream of continuation lines, or of lines no format
/// knows, has no place to cut).
const STREAM_BLOCK_MAX: usize = 32 << 20;

/// What a stream's gathering thread hands the analysis: how to read the blocks (once
/// the format is known), then waves of blocks, each with its offset in the stream.
enum Gathered {
    Start(Box<(Assembler, Option<Prefilter>)>),
    Wave(Vec<(Vec<u8>, u64)>),
}

/// A stream read like a mapped file: its lines gathered into blocks cut at record
/// starts, on a thread of their own, while the waves gathered before are read (each
/// block on its own, in parallel) with the same records and findings as reading it
/// in order. Reading and gathering overlap; one wave waits at most.
fn scan_stream_in_blocks<'s>(
    reader: Box<dyn std::io::BufRead + Send>,
    input: &Input,
    config: &'s Config,
    ctx: TimeCtx,
    progress: &Progress,
    matcher: &'s Matcher,
    store: &'s Store,
) -> (Format, Option<Error>, Vec<Part<'s>>) {
    use rayon::prelude::*;
    let (waves, gathered) = std::sync::mpsc::sync_channel::<Gathered>(0);
    let (spare, spares) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let gathering = scope.spawn(move || {
            scan_stream(reader, input, config, ctx, progress, |asm, sample| {
                let prefilter = prefilter_for(&asm, matcher, sample);
                let _ = waves.send(Gathered::Start(Box::new((asm.clone(), prefilter.clone()))));
                Blocks::new(asm, prefilter, config, matcher, store, waves, spares)
            })
        });
        let mut parts = Vec::new();
        let mut reading: Option<(Assembler, Option<Prefilter>)> = None;
        for message in gathered {
            match message {
                Gathered::Start(start) => reading = Some(*start),
                Gathered::Wave(wave) => {
                    let Some((asm, prefilter)) = &reading else {
                        continue;
                    };
                    // One assembler per block, made here: an assembler is not shared
                    // between threads.
                    let jobs: Vec<(Vec<u8>, Assembler)> = wave
                        .into_iter()
                        .map(|(bytes, at)| (bytes, asm.clone().starting_at(1, at)))
                        .collect();
                    let done: Vec<(Part<'s>, Vec<u8>)> = jobs
                        .into_par_iter()
                        .map(|(bytes, block_asm)| {
                            let part = read_block(
                                &bytes,
                                block_asm,
                                config,
                                matcher,
                                prefilter.as_ref(),
                                store,
                            );
                            (part, bytes)
                        })
                        .collect();
                    for (part, bytes) in done {
                        parts.push(part);
                        let _ = spare.send(bytes);
                    }
                }
            }
        }
        let (format, error, blocks) = gathering
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        parts.extend(blocks.into_rest());
        if parts.is_empty() {
            // An empty stream is still an input, of no lines.
            parts.push(Part::new(&input.name, store));
        }
        (format, error, parts)
    })
}

/// A stream's lines gathered into blocks cut at record starts, sent in waves to be read;
/// past a stretch with no place to cut, the rest is read here, in order.
struct Blocks<'a> {
    asm: Assembler,
    prefilter: Option<Prefilter>,
    config: &'a Config,
    matcher: &'a Matcher,
    store: &'a Store,
    /// Whole lines, each with its `\n`; where the last one starts.
    block: Vec<u8>,
    last_line: usize,
    /// Offsets in the stream: of the block, and of the next line.
    block_at: u64,
    next_at: u64,
    wave: Vec<(Vec<u8>, u64)>,
    /// Where waves go; dropped at the end, which ends the analysis' loop.
    waves: Option<std::sync::mpsc::SyncSender<Gathered>>,
    /// Buffers of blocks already read, for the next blocks (no fresh pages each time).
    spares: std::sync::mpsc::Receiver<Vec<u8>>,
    /// Once no cut was found: the rest in order.
    in_order: Option<StreamLines<'a>>,
}

impl<'a> Blocks<'a> {
    fn new(
        asm: Assembler,
        prefilter: Option<Prefilter>,
        config: &'a Config,
        matcher: &'a Matcher,
        store: &'a Store,
        waves: std::sync::mpsc::SyncSender<Gathered>,
        spares: std::sync::mpsc::Receiver<Vec<u8>>,
    ) -> Blocks<'a> {
        Blocks {
            asm,
            prefilter,
            config,
            matcher,
            store,
            block: Vec::new(),
            last_line: 0,
            block_at: 0,
            next_at: 0,
            wave: Vec::new(),
            waves: Some(waves),
            spares,
            in_order: None,
        }
    }

    /// Whether `raw` begins a record whatever precedes it (the block's last line).
    fn starts_record(&self, raw: &[u8]) -> bool {
        let text = crate::parse::text_of(raw);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        let prev_raw = &self.block[self.last_line..self.block.len().saturating_sub(1)];
        let prev = crate::parse::text_of(prev_raw);
        let prev = prev.strip_suffix('\r').unwrap_or(&prev);
        self.asm.starts_record(text, Some(prev))
    }

    /// The block so far goes to the wave; the wave is sent when full.
    fn cut(&mut self) {
        if !self.block.is_empty() {
            let mut next = self.spares.try_recv().unwrap_or_default();
            next.clear();
            let block = std::mem::replace(&mut self.block, next);
            self.wave.push((block, self.block_at));
        }
        self.block_at = self.next_at;
        self.last_line = 0;
        if self.wave.len() >= BLOCKS_PER_WAVE {
            self.send_wave();
        }
    }

    fn send_wave(&mut self) {
        if let Some(waves) = self.waves.as_ref().filter(|_| !self.wave.is_empty()) {
            // The analysis is gone only when it failed; its error is reported there.
            let _ = waves.send(Gathered::Wave(std::mem::take(&mut self.wave)));
        }
    }

    /// No place to cut: what is gathered and the rest of the stream are read in order.
    fn read_in_order(&mut self) {
        self.send_wave();
        let asm = self.asm.clone().starting_at(1, self.block_at);
        let mut lines = match &self.prefilter {
            Some(p) => StreamLines::Fast(FastReader::new(
                asm,
                Cow::Owned(p.clone()),
                self.config,
                self.matcher,
                self.store,
            )),
            None => {
                let part = Part::new(asm.file(), self.store);
                StreamLines::Full(asm, part, self.config, self.matcher)
            }
        };
        for_each_line(&std::mem::take(&mut self.block), |line, n| {
            lines.line(line, n)
        });
        self.in_order = Some(lines);
    }

    /// The part read in order, if it came to that.
    fn into_rest(mut self) -> Option<Part<'a>> {
        self.in_order.take().map(StreamLines::into_part)
    }
}

impl LineSink for Blocks<'_> {
    fn line(&mut self, raw: &[u8], consumed: u64) {
        if let Some(lines) = self.in_order.as_mut() {
            lines.line(raw, consumed);
            return;
        }
        if self.block.len() >= STREAM_BLOCK && self.starts_record(raw) {
            self.cut();
        } else if self.block.len() >= STREAM_BLOCK_MAX {
            self.read_in_order();
            if let Some(lines) = self.in_order.as_mut() {
                lines.line(raw, consumed);
            }
            return;
        }
        self.last_line = self.block.len();
        self.block.extend_from_slice(raw);
        self.block.push(b'\n');
        self.next_at += consumed;
    }

    fn end(&mut self) {
        match self.in_order.as_mut() {
            Some(lines) => lines.end(),
            None => {
                self.cut();
                self.send_wave();
            }
        }
        self.waves = None;
    }
}

/// Reads a chunk of a file or a block of a stream as one part: on the fast path when
/// there is a prefilter, else in full.
fn read_block<'s>(
    bytes: &[u8],
    asm: Assembler,
    config: &Config,
    matcher: &Matcher,
    prefilter: Option<&Prefilter>,
    store: &'s Store,
) -> Part<'s> {
    match prefilter {
        Some(p) => read_part_fast(bytes, asm, config, matcher, p, store),
        None => read_part(bytes, asm, config, matcher, store, None),
    }
}

/// Reads a run of mapped lines as one part on the fast path: one prefilter search
/// runs ahead over the bytes, and each line asks whether a hit lies inside it.
fn read_part_fast<'s>(
    bytes: &[u8],
    asm: Assembler,
    config: &Config,
    matcher: &Matcher,
    prefilter: &Prefilter,
    store: &'s Store,
) -> Part<'s> {
    let mut reader = FastReader::new(asm, Cow::Borrowed(prefilter), config, matcher, store);
    feed_fast(&mut reader, prefilter, bytes);
    reader.finish()
}

/// How a mapped file is read in chunks.
struct Chunking<'a, 'f> {
    /// The fast path's prefilter, if the input has one.
    prefilter: Option<&'a Prefilter>,
    progress: &'a Progress,
    store: &'a Store,
    chunk_bytes: usize,
    /// The file the bytes are a mapping of (`None` for other memory): on the fast path
    /// its chunks are read by copying them, else through the map
    /// ([`input::read_mapped`]).
    file: Option<&'f std::fs::File>,
}

/// Cuts a mapped file into chunks at lines that begin a record, and reads them in
/// parallel. The cuts depend only on the bytes, never on the thread count, so the
/// result is the same for every `-j`.
fn read_chunks<'s>(
    bytes: &[u8],
    asm: &Assembler,
    config: &'s Config,
    matcher: &'s Matcher,
    how: &Chunking<'s, '_>,
) -> Vec<Part<'s>> {
    use rayon::prelude::*;
    let cuts = chunk_starts(bytes, asm, how.chunk_bytes);
    let spans: Vec<(usize, usize)> = cuts
        .iter()
        .zip(cuts.iter().skip(1).chain(std::iter::once(&bytes.len())))
        .map(|(&a, &b)| (a, b))
        .collect();
    // One assembler per chunk (they keep per-stream state such as the last local time).
    // Its lines are numbered from 1: `merge` adds the lines of the chunks before it.
    let jobs: Vec<(usize, usize, Assembler)> = spans
        .iter()
        .map(|&(a, b)| (a, b, asm.clone().starting_at(1, a as u64)))
        .collect();
    jobs.into_par_iter()
        .map(|(a, b, chunk_asm)| {
            let chunk = &bytes[a..b];
            let part = match (how.prefilter, how.file) {
                (Some(prefilter), Some(file)) => {
                    let reader = FastReader::new(
                        chunk_asm,
                        Cow::Borrowed(prefilter),
                        config,
                        matcher,
                        how.store,
                    );
                    read_windows(reader, prefilter, file, chunk, a as u64)
                }
                (prefilter, file) => {
                    let read = |chunk: &[u8]| {
                        read_block(chunk, chunk_asm, config, matcher, prefilter, how.store)
                    };
                    match file {
                        Some(_) => input::read_mapped(chunk, read),
                        None => read(chunk),
                    }
                }
            };
            how.progress.advance((b - a) as u64);
            part
        })
        .collect()
}

/// A window of a file read by copying: small enough to stay in a core's cache.
const WINDOW_BYTES: usize = 256 << 10;

/// Reads a chunk of a mapped file (at `offset` in `file`) on the fast path by copying
/// it a window at a time into a buffer that stays in the core's cache: the kernel's
/// copy costs less than mapping and dropping the chunk's pages (system time 98 -> 55 ms
/// per GB on one core), and the searches then read cache, not memory. Each window ends
/// after its last whole line. Where that cannot be done (the
/// file shrank, a line longer than a few windows), the rest is read from the map, with
/// the same records.
fn read_windows<'s>(
    mut reader: FastReader<'_, 's>,
    prefilter: &Prefilter,
    file: &std::fs::File,
    chunk: &[u8],
    offset: u64,
) -> Part<'s> {
    use std::os::unix::fs::FileExt;
    // Zeroed once: each window is read over the last one's bytes.
    let mut buf = vec![0u8; WINDOW_BYTES];
    // `buf[..held]` holds chunk[done..copied]: a line not yet whole at its front.
    let (mut done, mut copied, mut held) = (0, 0, 0);
    while done < chunk.len() {
        let want = (buf.len() - held).min(chunk.len() - copied);
        let into = &mut buf[held..held + want];
        if file.read_exact_at(into, offset + copied as u64).is_err() {
            break;
        }
        copied += want;
        held += want;
        let whole = match (copied == chunk.len(), memchr::memrchr(b'\n', &buf[..held])) {
            (true, _) => held,
            (false, Some(last)) => last + 1,
            (false, None) if buf.len() < 4 * WINDOW_BYTES => {
                buf.resize(2 * buf.len(), 0);
                continue;
            }
            (false, None) => break,
        };
        feed_fast(&mut reader, prefilter, &buf[..whole]);
        reader.detach(&buf[..whole]);
        done += whole;
        buf.copy_within(whole..held, 0);
        held -= whole;
    }
    if done < chunk.len() {
        input::read_mapped(&chunk[done..], |rest| {
            feed_fast(&mut reader, prefilter, rest)
        });
    }
    reader.finish()
}

/// Hands the lines of `bytes` to a fast reader, each with whether the search of
/// `prefilter` (the reader's), run ahead over `bytes`, found a string in it.
fn feed_fast(reader: &mut FastReader<'_, '_>, prefilter: &Prefilter, bytes: &[u8]) {
    let mut cursor = Cursor::default();
    let mut start = 0;
    while start < bytes.len() {
        let hit = prefilter.next_hit(bytes, start, &mut cursor);
        // The lines that end before the hit hold none.
        start = reader.quiet_lines(bytes, start, hit);
        if start == bytes.len() {
            break;
        }
        // The line holding the hit, or the last one if it has no newline (and maybe
        // no hit): `end` is where its text ends, `next` where the next line starts.
        let (end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => (start + i, start + i + 1),
            None => (bytes.len(), bytes.len()),
        };
        let line = input::kept(&bytes[start..end]);
        reader.line(bytes, line, Some(start), (next - start) as u64, hit < next);
        start = next;
    }
}

/// Byte offsets where chunks begin: 0, then about every [`CHUNK_BYTES`], moved forward
/// to the next line that begins a record whatever precedes it.
fn chunk_starts(bytes: &[u8], asm: &Assembler, chunk_bytes: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let mut nominal = chunk_bytes;
    while nominal < bytes.len() {
        let from = *starts.last().expect("starts with 0");
        let Some(cut) = record_start_after(bytes, nominal.max(from + 1), asm) else {
            break;
        };
        starts.push(cut);
        nominal = cut + chunk_bytes;
    }
    starts
}

/// The first line at or after `at` (searching at most [`BOUNDARY_SEARCH`] bytes) that
/// begins a record.
fn record_start_after(bytes: &[u8], at: usize, asm: &Assembler) -> Option<usize> {
    // Back up to the line that contains `at`, so that `prev` is whole.
    let mut line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let mut prev: Option<std::borrow::Cow<'_, str>> = None;
    let limit = (at + BOUNDARY_SEARCH).min(bytes.len());
    while line_start < limit {
        let end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
        let line = String::from_utf8_lossy(&bytes[line_start..end]);
        let text = line.strip_suffix('\r').unwrap_or(&line);
        if line_start >= at && line_start > 0 && asm.starts_record(text, prev.as_deref()) {
            return Some(line_start);
        }
        prev = Some(std::borrow::Cow::Owned(text.to_string()));
        line_start = end + 1;
    }
    None
}

/// The format of a file from its first lines (at most [`SAMPLE_LINES`] and
/// [`SAMPLE_BYTES`]), decoded lossily, `\r` trimmed.
pub fn detect_in_slice(bytes: &[u8], ctx: &TimeCtx) -> Format {
    let mut sample = Vec::with_capacity(SAMPLE_LINES);
    let mut sampled = 0;
    for line in bytes.split(|&b| b == b'\n').take(SAMPLE_LINES) {
        if sampled >= SAMPLE_BYTES {
            break;
        }
        let line = input::kept(line);
        sampled += line.len();
        sample.push(
            String::from_utf8_lossy(line)
                .trim_end_matches('\r')
                .to_string(),
        );
    }
    detect_format(sample.iter().map(String::as_str), ctx)
}

/// Streams: the first lines are held back for detection, then replayed.
fn scan_stream<L: LineSink>(
    reader: Box<dyn std::io::BufRead + Send>,
    input: &Input,
    config: &Config,
    ctx: TimeCtx,
    progress: &Progress,
    start: impl FnOnce(Assembler, &[u8]) -> L,
) -> (Format, Option<Error>, L) {
    let mut lines = LineReader::new(reader);
    let mut held: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut error = None;
    let (mut sampled, mut ended) = (0, false);
    while held.len() < SAMPLE_LINES && sampled < SAMPLE_BYTES {
        match lines.next_line() {
            Ok(Some((line, n))) => {
                sampled += line.len();
                held.push((line.to_vec(), n));
            }
            Ok(None) => {
                ended = true;
                break;
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let format = config.format.unwrap_or_else(|| {
        let sample: Vec<String> = held
            .iter()
            .map(|(l, _)| {
                String::from_utf8_lossy(l)
                    .trim_end_matches('\r')
                    .to_string()
            })
            .collect();
        detect_format(sample.iter().map(String::as_str), &ctx)
    });
    let asm = Assembler::new(input.name.clone(), format, config.format.is_some(), ctx);
    let mut sample = Vec::with_capacity(sampled + held.len());
    for (line, _) in &held {
        sample.extend_from_slice(line);
        sample.push(b'\n');
    }
    let mut lines_to = start(asm, &sample);
    drop(sample);
    for (line, n) in &held {
        lines_to.line(line, *n);
    }
    if error.is_none() && !ended {
        // Progress is told in steps, not per line.
        let mut unreported = 0;
        loop {
            match lines.next_line() {
                Ok(Some((line, n))) => {
                    lines_to.line(line, n);
                    unreported += n;
                    if unreported >= 1 << 20 {
                        progress.advance(unreported);
                        unreported = 0;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    lines_to.end();
    let error = error.map(|source| Error::Io {
        path: input.name.to_string(),
        source,
    });
    (format, error, lines_to)
}

/// How much of a file's end is read to learn when it ends.
const TAIL_BYTES: usize = 64 * 1024;

/// When the inputs whose stamps carry a year end: the latest such stamp in the last
/// 64 KiB of each regular file. Year-less syslog stamps are placed relative to it, so
/// kern.log lines line up with the nginx log they were written beside even when the
/// files were copied (new mtimes) or are from another year than the machine's clock.
pub fn latest_dated_time(inputs: &[Input], zone: Zone) -> Option<DateTime<Utc>> {
    let ctx = TimeCtx::new(zone, None);
    inputs
        .iter()
        // Regular files only: what is read from stdin or a FIFO here would be gone
        // for the real scan.
        .filter(|input| match &input.source {
            crate::input::Source::File(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
            crate::input::Source::Stdin | crate::input::Source::Command { .. } => false,
        })
        .filter_map(|input| {
            let opening = input::open(input).ok()?;
            let Opened::Mapped(mapped) = opening.opened else {
                return None;
            };
            let bytes = mapped.bytes();
            let tail = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
            let mut latest: Option<DateTime<Utc>> = None;
            // Skip the first, possibly partial, line of the tail.
            let start = if tail.len() < bytes.len() {
                memchr::memchr(b'\n', tail).map_or(tail.len(), |i| i + 1)
            } else {
                0
            };
            for_each_line(&tail[start..], |line, _| {
                let text = String::from_utf8_lossy(line);
                if let Some(t) = crate::parse::dated_stamp(&text, &ctx) {
                    latest = Some(latest.map_or(t, |l| l.max(t)));
                }
            });
            latest
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalog;

    static HIDDEN: std::sync::LazyLock<Progress> = std::sync::LazyLock::new(Progress::hidden);

    fn chunking<'a>(
        prefilter: Option<&'a Prefilter>,
        chunk_bytes: usize,
        store: &'a Store,
    ) -> Chunking<'a, 'static> {
        Chunking {
            prefilter,
            progress: &HIDDEN,
            store,
            chunk_bytes,
            file: None,
        }
    }

    /// An input read whole in one part, as `scan` reads it for `--records`.
    fn read_whole(
        bytes: &[u8],
        asm: &Assembler,
        config: &Config,
        matcher: &Matcher,
        store: &Store,
        format: Format,
    ) -> (FileSummary, Vec<Entry>, ClientErrors) {
        let part = read_part(bytes, asm.clone(), config, matcher, store, None);
        merge(vec![part], config, format)
    }

    /// The findings of merged entries, read back from the store.
    fn decoded(entries: &[Entry], store: &std::sync::Arc<Store>) -> Vec<Finding> {
        crate::store::Findings::new(entries.to_vec(), std::sync::Arc::clone(store))
            .load(entries)
            .unwrap()
    }

    fn config() -> Config {
        use clap::Parser;
        Config::from_cli(crate::cli::Cli::parse_from(["logscan", "--tz", "UTC"])).unwrap()
    }

    /// Reading in chunks of any size gives what reading the whole gives.
    fn nginx_assembler() -> Assembler {
        Assembler::new(
            "t.log".into(),
            Format::NginxError,
            false,
            TimeCtx::default(),
        )
    }

    #[test]
    fn chunks_of_any_size_read_like_the_whole() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("2026/11/24 10:{i:02}:01 [error] 1#1: *{i} FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: boom in /a.php:3\nStack trace:\n#0 {{main}}\n  thrown in /a.php on line 3\" while reading response header from upstream, client: 203.0.113.7\n"));
            text.push_str(&format!("2026/11/24 10:{i:02}:02 [error] 1#1: *{i} connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7\n"));
            text.push_str("NOTICE: PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /b.php on line 9\n");
            text.push_str(&format!("{{\"log\":\"2026/11/24 10:{i:02}:03 [error] 1#1: *9 upstream timed \",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:{i:02}:03Z\"}}\n"));
            text.push_str(&format!("{{\"log\":\"out (110: Connection timed out) while reading response header from upstream\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:{i:02}:03Z\"}}\n"));
        }
        let bytes = text.as_bytes();
        let config = config();
        let matcher = Matcher::new(catalog::builtin());
        let store = std::sync::Arc::new(Store::new());
        let asm = nginx_assembler();
        let whole = read_whole(bytes, &asm, &config, &matcher, &store, Format::NginxError);
        let whole = (whole.0, decoded(&whole.1, &store));
        assert!(whole.1.len() > 100);
        for size in [1, 100, 333, 1000, 4096] {
            let parts = read_chunks(
                bytes,
                &asm,
                &config,
                &matcher,
                &chunking(None, size, &store),
            );
            assert!(
                size > 1000 || parts.len() > 5,
                "size {size}: {} parts",
                parts.len()
            );
            let chunked = merge(parts, &config, Format::NginxError);
            assert_eq!(chunked.0, whole.0, "summary, chunk size {size}");
            assert_eq!(
                decoded(&chunked.1, &store),
                whole.1,
                "findings, chunk size {size}"
            );
        }
        let prefilter = Prefilter::new(&matcher, Format::NginxError, bytes);
        assert!(prefilter.string_count().is_some());
        for size in [1, 333, 4096, 1 << 20] {
            let parts = read_chunks(
                bytes,
                &asm,
                &config,
                &matcher,
                &chunking(Some(&prefilter), size, &store),
            );
            let fast = merge(parts, &config, Format::NginxError);
            assert_eq!(fast.0, whole.0, "summary, fast path, chunk size {size}");
            assert_eq!(
                decoded(&fast.1, &store),
                whole.1,
                "findings, fast path, chunk size {size}"
            );
        }
    }

    /// Access-log 5xx lines keep their line numbers when the file is read in chunks.
    /// A mapped file read by copying windows of it: lines across windows, a line
    /// longer than four windows, a final line without `\n`, and a file that ends
    /// before its map (the rest read from the map) give the records of the whole.
    #[test]
    fn windows_of_a_file_read_like_the_map() {
        use std::io::Write;
        // The first window ends with a line the fast path skips and the next one
        // continues it: that line is read again, from the window before.
        let notice = "2026/11/24 10:00:00 [notice] 1#1: signal 17 (SIGCHLD) received\n";
        let mut text = String::new();
        while text.len() + 300 + notice.len() < WINDOW_BYTES {
            text.push_str("2026/11/24 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream\n");
        }
        text.push_str(&"x".repeat(WINDOW_BYTES - notice.len() - text.len() - 1));
        text.push('\n');
        text.push_str(notice);
        assert_eq!(text.len(), WINDOW_BYTES);
        text.push_str("  a line that continues it: PHP Fatal error:  boom\n");
        let mut i = 0;
        while text.len() < 3 * WINDOW_BYTES {
            i += 1;
            text.push_str(&format!("2026/11/24 10:00:01 [error] 1#1: *{i} FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: boom in /a.php:3\nStack trace:\n#0 {{main}}\n  thrown in /a.php on line 3\" while reading response header from upstream, client: 203.0.113.7\n"));
            text.push_str(&format!("2026/11/24 10:00:02 [error] 1#1: *{i} connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.{}\n", i % 250));
            text.push_str(&"x".repeat(i % 97));
            text.push('\n');
            text.push_str(&format!(
                "2026/11/24 10:00:02 [notice] 1#1: signal {i} received\n"
            ));
            text.push_str("  a line that continues it\n");
        }
        text.push_str("2026/11/24 10:00:03 [error] 1#1: *7 upstream timed out (110: Connection timed out) while reading response header from upstream, client: ");
        text.push_str(&"7".repeat(5 * WINDOW_BYTES));
        text.push('\n');
        for _ in 0..2000 {
            text.push_str("2026/11/24 10:00:04 [error] 1#1: *8 connect() failed (111: Connection refused) while connecting to upstream\n");
        }
        text.push_str(
            "2026/11/24 10:00:05 [error] 1#1: *9 no live upstreams while connecting to upstream",
        );
        let bytes = text.as_bytes();
        let mut whole_file = tempfile::NamedTempFile::new().unwrap();
        whole_file.write_all(bytes).unwrap();
        let mut short_file = tempfile::NamedTempFile::new().unwrap();
        short_file.write_all(&bytes[..bytes.len() / 3]).unwrap();
        let map = unsafe { memmap2::Mmap::map(whole_file.as_file()).unwrap() };
        let config = config();
        let matcher = Matcher::new(catalog::builtin());
        let store = std::sync::Arc::new(Store::new());
        let asm = nginx_assembler();
        let whole = read_whole(bytes, &asm, &config, &matcher, &store, Format::NginxError);
        let whole = (whole.0, decoded(&whole.1, &store));
        assert!(whole.1.len() > 1000);
        let prefilter = Prefilter::new(&matcher, Format::NginxError, bytes);
        for file in [whole_file.as_file(), short_file.as_file()] {
            for size in [100_000, 1 << 20, 64 << 20] {
                let how = Chunking {
                    file: Some(file),
                    ..chunking(Some(&prefilter), size, &store)
                };
                let parts = read_chunks(&map, &asm, &config, &matcher, &how);
                let read = merge(parts, &config, Format::NginxError);
                assert_eq!(read.0, whole.0, "summary, chunk size {size}");
                assert_eq!(
                    decoded(&read.1, &store),
                    whole.1,
                    "findings, chunk size {size}"
                );
            }
        }
    }

    #[test]
    fn client_errors_keep_their_lines_across_chunks() {
        let mut text = String::new();
        for i in 0..200 {
            let status = if i % 7 == 0 { 502 } else { 200 };
            text.push_str(&format!("203.0.113.7 - - [24/Nov/2026:10:{:02}:{:02} +0000] \"GET /p{i} HTTP/1.1\" {status} 12 \"-\" \"curl\"\n", i / 60, i % 60));
        }
        let bytes = text.as_bytes();
        let config = config();
        let matcher = Matcher::new(catalog::builtin());
        let store = std::sync::Arc::new(Store::new());
        let asm = Assembler::new("a.log".into(), Format::Access, false, TimeCtx::default());
        let whole = read_whole(bytes, &asm, &config, &matcher, &store, Format::Access);
        assert_eq!(whole.2.len(), 29);
        assert_eq!(whole.2[1].line, 8);
        for size in [1, 500, 4096] {
            let parts = read_chunks(
                bytes,
                &asm,
                &config,
                &matcher,
                &chunking(None, size, &store),
            );
            let chunked = merge(parts, &config, Format::Access);
            assert_eq!(chunked.2, whole.2, "chunk size {size}");
        }
    }

    /// A stream is read in parallel blocks, or in order from where no record starts:
    /// either way as one reading in order.
    #[test]
    fn streams_read_in_blocks_like_in_order() {
        let config = config();
        let matcher = Matcher::new(catalog::builtin());
        let store = std::sync::Arc::new(Store::new());
        let mut entry = String::new();
        for i in 0..60_000 {
            entry.push_str(&format!("2026/11/24 10:{:02}:{:02} [error] 1#1: *{i} connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7\n", i / 1000 % 60, i % 60));
        }
        // Then 40 MB of lines that continue nothing a cut can be made before.
        let mut tail = String::new();
        while tail.len() < 40 << 20 {
            tail.push_str("    at an unknown frame of a trace that never ends, again and again\n");
        }
        for text in [entry.clone(), entry.clone() + &tail + &entry] {
            let input = Input {
                name: "t.log".into(),
                source: crate::input::Source::Stdin,
                walked: false,
            };
            let read = |blocks: bool| {
                let reader = Box::new(std::io::Cursor::new(text.clone().into_bytes()));
                let ctx = TimeCtx::new(crate::parse::Zone::Utc, None);
                if blocks {
                    let (format, _, parts) = scan_stream_in_blocks(
                        reader, &input, &config, ctx, &HIDDEN, &matcher, &store,
                    );
                    merge(parts, &config, format)
                } else {
                    let (format, _, lines) =
                        scan_stream(reader, &input, &config, ctx, &HIDDEN, |asm, _| {
                            let part = Part::new(asm.file(), &store);
                            StreamLines::Full(asm, part, &config, &matcher)
                        });
                    merge(vec![lines.into_part()], &config, format)
                }
            };
            let (in_order, blocks) = (read(false), read(true));
            assert_eq!(blocks.0, in_order.0);
            assert_eq!(decoded(&blocks.1, &store), decoded(&in_order.1, &store));
            assert!(in_order.1.len() >= 60_000);
        }
    }

    /// The fast path reads every real log and every test log exactly as the full
    /// reading does (skipped where `../shared` is absent).
    #[test]
    fn the_fast_path_reads_real_logs_like_the_full_reading() {
        let config = config();
        let matcher = Matcher::new(catalog::builtin());
        let store = std::sync::Arc::new(Store::new());
        let mut files = Vec::new();
        for dir in ["../shared/corpus", "testdata"] {
            let mut stack = vec![std::path::PathBuf::from(dir)];
            while let Some(d) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&d) else {
                    continue;
                };
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else {
                        files.push(p);
                    }
                }
            }
        }
        let mut compared = 0;
        for path in files {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let ctx_of = || TimeCtx::new(crate::parse::Zone::Utc, None);
            let ctx = ctx_of();
            let format = detect_in_slice(&bytes, &ctx);
            let asm = Assembler::new(path.display().to_string().into(), format, false, ctx);
            if !asm.has_quick_head() {
                continue;
            }
            compared += 1;
            let whole = read_whole(&bytes, &asm, &config, &matcher, &store, format);
            let whole = (whole.0, decoded(&whole.1, &store));
            // Read as a stream (stdin, .gz): the prefilter from the lines held back.
            let input = Input {
                name: path.display().to_string().into(),
                source: crate::input::Source::Stdin,
                walked: false,
            };
            let reader = Box::new(std::io::Cursor::new(bytes.clone()));
            let hidden = Progress::hidden();
            let (_, _, lines) =
                scan_stream(reader, &input, &config, ctx_of(), &hidden, |asm, sample| {
                    let prefilter = Prefilter::new(&matcher, asm.format(), sample);
                    StreamLines::Fast(FastReader::new(
                        asm,
                        Cow::Owned(prefilter),
                        &config,
                        &matcher,
                        &store,
                    ))
                });
            let streamed = merge(vec![lines.into_part()], &config, format);
            assert_eq!(streamed.0, whole.0, "{}: summary, streamed", path.display());
            assert_eq!(
                decoded(&streamed.1, &store),
                whole.1,
                "{}: findings, streamed",
                path.display()
            );
            // The file itself as the sample, and no sample: different strings.
            for sample in [&bytes[..], b""] {
                let prefilter = Prefilter::new(&matcher, format, sample);
                let parts = read_chunks(
                    &bytes,
                    &asm,
                    &config,
                    &matcher,
                    &chunking(Some(&prefilter), 4096, &store),
                );
                let fast = merge(parts, &config, format);
                assert_eq!(fast.0, whole.0, "{}: summary", path.display());
                assert_eq!(
                    decoded(&fast.1, &store),
                    whole.1,
                    "{}: findings",
                    path.display()
                );
            }
        }
        assert!(compared > 5, "only {compared} files have a fast reading");
    }
}
