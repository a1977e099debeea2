//! Findings kept out of memory. Each finding is encoded once (a compact binary form)
//! into an append-only store: blocks in memory that move to an unlinked temporary file once
//! it passes [`MEMORY_BYTES`] ([`MAPPED_MEMORY_BYTES`] when no stream is read). What stays in memory per finding is an [`Entry`] — its
//! time, cause, status and where its bytes are — enough to sort, count and group;
//! whole findings are read back only where they are written out or explained. So a
//! log with millions of findings needs memory for their entries, not their text.

use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, RwLock};

use crate::parse::{Format, Level, Stamp};
use crate::rules::{Cause, Finding, Lifecycle};

/// Encoded findings held in memory before the store moves to a temporary file.
pub const MEMORY_BYTES: usize = 8 << 20;

/// The same when every input is a regular file: those are mapped, not buffered, so
/// the run can hold more findings (a gigabyte of nginx error.log has ~80 MB of them;
/// writing and reading them back cost ~8 % of its run). Past it, all move to the file.
pub const MAPPED_MEMORY_BYTES: usize = 128 << 20;

/// Where a finding's bytes are in the store (packed: it is in every entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
pub struct Loc {
    pub offset: u64,
    pub len: u32,
}

/// What is kept in memory of one finding: what correlation decides on, and where the
/// rest is.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub time: Option<Stamp>,
    /// The HTTP status ([`Entry::status`]), in two bytes.
    status_code: Option<std::num::NonZeroU16>,
    pub cause: Cause,
    pub lifecycle: Option<Lifecycle>,
    pub front_server: bool,
    /// The fields an explanation may name that the finding has
    /// ([`crate::correlate::named_fields`]).
    pub named: u16,
    /// The file, as the store numbers it ([`Store::file_id`]).
    pub file: u32,
    pub loc: Loc,
    /// Added to the stored line number: a chunk of a file numbers its lines from 1.
    pub line_base: u64,
}

impl Entry {
    /// The status clients most likely got, as the finding has it (100-599).
    pub fn status(&self) -> Option<u16> {
        self.status_code.map(std::num::NonZeroU16::get)
    }

    /// The entry of `f`, whose file the store numbers `file`.
    pub fn of(f: &Finding, loc: Loc, file: u32) -> Entry {
        Entry {
            time: f.time,
            status_code: f.status.and_then(std::num::NonZeroU16::new),
            cause: f.cause,
            lifecycle: f.lifecycle,
            front_server: f.from_front_server(),
            named: crate::correlate::named_fields(&f.fields),
            file,
            loc,
            line_base: 0,
        }
    }
}

/// The append-only store of encoded findings, shared by the scanning threads.
pub struct Store {
    /// Written under the write lock; findings are read in place under the read lock.
    inner: RwLock<Inner>,
    /// The files findings come from, numbered in the order first seen.
    files: Mutex<Vec<Arc<str>>>,
    /// Bytes held in memory before they move to the file.
    memory_bytes: usize,
}

struct Inner {
    /// Bytes not yet in the file (all of them while the store is in memory): the
    /// blocks batches filled, kept as they came (never copied into one buffer), and
    /// the store offset each starts at.
    blocks: Vec<Vec<u8>>,
    starts: Vec<u64>,
    /// Bytes in `blocks`.
    in_blocks: usize,
    file: Option<std::fs::File>,
    /// Bytes in the file.
    in_file: u64,
    /// The store could not move to a file (none could be made, or the disk is full):
    /// it grows in memory instead.
    no_file: bool,
}

impl Default for Store {
    fn default() -> Store {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store::with_memory(MEMORY_BYTES)
    }

    /// A store that moves to its file past `memory_bytes`.
    pub fn with_memory(memory_bytes: usize) -> Store {
        Store {
            inner: RwLock::new(Inner {
                blocks: Vec::new(),
                starts: Vec::new(),
                in_blocks: 0,
                file: None,
                in_file: 0,
                no_file: false,
            }),
            memory_bytes,
            files: Mutex::new(Vec::new()),
        }
    }

    /// The number of a file name (the same for the same name).
    pub fn file_id(&self, name: &Arc<str>) -> u32 {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        match files.iter().position(|f| f == name) {
            Some(i) => i as u32,
            None => {
                files.push(Arc::clone(name));
                (files.len() - 1) as u32
            }
        }
    }

    /// The file name numbered `id`.
    pub fn file_name(&self, id: u32) -> Arc<str> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .get(id as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(""))
    }

    /// Appends a block of encoded findings (taking it over: its bytes are not copied);
    /// returns the offset it starts at.
    pub fn put(&self, mut block: Vec<u8>) -> u64 {
        if block.len() < block.capacity() / 2 {
            block.shrink_to_fit();
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let at = inner.end();
        if block.is_empty() {
            return at;
        }
        inner.in_blocks += block.len();
        inner.starts.push(at);
        inner.blocks.push(block);
        if inner.in_blocks >= self.memory_bytes && !inner.no_file {
            inner.spill();
        }
        at
    }

    /// The bytes at `loc`.
    pub fn read(&self, loc: Loc) -> io::Result<Vec<u8>> {
        let mut out = vec![0; loc.len as usize];
        self.read_into(loc.offset, &mut out)?;
        Ok(out)
    }

    /// Fills `out` from `offset` on.
    fn read_into(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.reading().read_into(offset, out)
    }

    fn reading(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    /// Fills `out` from `offset` on.
    fn read_into(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let end = offset + out.len() as u64;
        let mut done = 0;
        if offset < self.in_file {
            let file = self.file.as_ref().expect("bytes in the file");
            let from_file = (self.in_file.min(end) - offset) as usize;
            file.read_exact_at(&mut out[..from_file], offset)?;
            done = from_file;
        }
        // The rest lies in memory, in one block or across several.
        while done < out.len() {
            let at = offset + done as u64;
            let (block, start) = self.block_at(at)?;
            let from = &self.blocks[block][(at - start) as usize..];
            let n = from.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&from[..n]);
            done += n;
        }
        Ok(())
    }

    /// The block in memory that holds store offset `at`, and where it starts.
    fn block_at(&self, at: u64) -> io::Result<(usize, u64)> {
        if at < self.in_file || at >= self.end() {
            return Err(past_end());
        }
        let block = self.starts.partition_point(|&s| s <= at) - 1;
        Ok((block, self.starts[block]))
    }

    /// The `len` bytes at store offset `offset`, in memory (a finding never spans two
    /// blocks: a batch encodes it whole into one).
    fn in_memory(&self, offset: u64, len: usize) -> io::Result<&[u8]> {
        let (block, start) = self.block_at(offset)?;
        let from = (offset - start) as usize;
        from.checked_add(len)
            .and_then(|end| self.blocks[block].get(from..end))
            .ok_or_else(past_end)
    }

    /// The end of the store's bytes.
    fn end(&self) -> u64 {
        self.in_file + self.in_blocks as u64
    }

    /// Moves the blocks to the temporary file (created, and unlinked, on first use).
    fn spill(&mut self) {
        if self.file.is_none() {
            match tempfile::tempfile() {
                Ok(f) => self.file = Some(f),
                Err(_) => {
                    self.no_file = true;
                    return;
                }
            }
        }
        let file = self.file.as_mut().expect("created above");
        // Block by block: `in_file` counts only what was written.
        let mut written = 0;
        for block in &self.blocks {
            if file.write_all(block).is_err() {
                // A full disk: keep the rest in memory rather than fail the analysis.
                self.no_file = true;
                break;
            }
            self.in_file += block.len() as u64;
            self.in_blocks -= block.len();
            written += 1;
        }
        self.blocks.drain(..written);
        self.starts.drain(..written);
    }
}

/// Findings on their way to the store: encoded into a block that goes to the store
/// whole (so that one reader's findings lie together there, and the store is locked
/// once a block, not once a finding).
pub struct Batch<'s> {
    store: &'s Store,
    /// The last file numbered, and its number (a batch mostly holds one file's findings).
    file: Option<(Arc<str>, u32)>,
    entries: Vec<Entry>,
    block: Vec<u8>,
    /// Entries from here on point into `block`, not yet into the store.
    in_block: usize,
}

/// Encoded findings a batch gathers before they go to the store.
const BLOCK_BYTES: usize = 256 << 10;
/// Room for a block and the finding that takes it past [`BLOCK_BYTES`] (mostly a few
/// hundred bytes), so that it is not copied to grow.
const BLOCK_CAPACITY: usize = BLOCK_BYTES + (32 << 10);

impl<'s> Batch<'s> {
    pub fn new(store: &'s Store) -> Batch<'s> {
        Batch {
            store,
            file: None,
            entries: Vec::new(),
            block: Vec::new(),
            in_block: 0,
        }
    }

    /// How many findings it holds.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// The store it writes to.
    pub fn store(&self) -> &'s Store {
        self.store
    }

    pub fn push(&mut self, f: &Finding) {
        if self.block.capacity() == 0 {
            self.block.reserve_exact(BLOCK_CAPACITY);
        }
        let start = self.block.len();
        encode(f, &mut self.block);
        let loc = Loc {
            offset: start as u64,
            len: (self.block.len() - start) as u32,
        };
        let file = match &self.file {
            Some((name, id)) if Arc::ptr_eq(name, &f.file) => *id,
            _ => {
                let id = self.store.file_id(&f.file);
                self.file = Some((Arc::clone(&f.file), id));
                id
            }
        };
        self.entries.push(Entry::of(f, loc, file));
        if self.block.len() >= BLOCK_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.block.is_empty() {
            return;
        }
        let base = self.store.put(std::mem::take(&mut self.block));
        for e in &mut self.entries[self.in_block..] {
            e.loc.offset += base;
        }
        self.in_block = self.entries.len();
    }

    /// Everything to the store, and the block's memory given back: a finished reader
    /// waits for its merge holding only its entries.
    pub fn seal(&mut self) {
        self.flush();
    }

    /// The entries, all in the store.
    pub fn into_entries(mut self) -> Vec<Entry> {
        self.flush();
        self.entries
    }
}

/// Appends `more` to `into`, moving the vector itself when `into` is empty (the
/// entries of a big input are many: no copy of them).
pub fn append(into: &mut Vec<Entry>, mut more: Vec<Entry>) {
    if into.is_empty() && into.capacity() < more.len() {
        *into = more;
    } else {
        into.append(&mut more);
    }
}

/// A run's findings in report order: entries in memory, the findings in the store.
pub struct Findings {
    entries: Vec<Entry>,
    store: Arc<Store>,
}

/// Findings read from the store's file are read this many at a time: their bytes in
/// store order, runs of nearby ones in one read each.
const READ_GROUP: usize = 1024;
/// Findings whose bytes lie at most this far apart in the file are read in one run (a
/// read costs about as much as copying this many bytes more).
const READ_GAP: u64 = 4 << 10;

impl Findings {
    pub fn new(entries: Vec<Entry>, store: Arc<Store>) -> Findings {
        Findings { entries, store }
    }

    /// Findings at hand, in the order given, in a store of their own.
    pub fn from_findings(findings: &[Finding]) -> Findings {
        let store = Arc::new(Store::new());
        let mut batch = Batch::new(&store);
        findings.iter().for_each(|f| batch.push(f));
        let entries = batch.into_entries();
        Findings::new(entries, store)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entries_mut(&mut self) -> &mut Vec<Entry> {
        &mut self.entries
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The file an entry's finding comes from.
    pub fn file_name(&self, entry: &Entry) -> Arc<str> {
        self.store.file_name(entry.file)
    }

    /// The finding of one entry.
    pub fn get(&self, entry: &Entry) -> io::Result<Finding> {
        let file = self.store.file_name(entry.file);
        let mut f = decode(
            &self.store.read(entry.loc)?,
            &file,
            &mut Interner::default(),
        )?;
        f.line += entry.line_base;
        Ok(f)
    }

    /// The findings of `entries`, read in spans where their bytes lie together (they
    /// mostly do: the store is written in file order, and logs run forward in time).
    pub fn load(&self, entries: &[Entry]) -> io::Result<Vec<Finding>> {
        let mut out = Vec::with_capacity(entries.len());
        self.for_each(entries, |f| {
            out.push(f);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with the finding of each of `entries`, in order.
    pub fn for_each(
        &self,
        entries: &[Entry],
        mut f: impl FnMut(Finding) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut interner = Interner::default();
        self.for_each_view(entries, |v| f(v.to_finding(&mut interner)))
    }

    /// Like [`Findings::for_each`], with each finding read in place (nothing copied
    /// while the store is in memory), its line number complete. `f` must not write to
    /// the store: it is read-locked meanwhile.
    pub fn for_each_view(
        &self,
        entries: &[Entry],
        mut f: impl FnMut(&FindingView<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let inner = self.store.reading();
        // The bytes of a group's findings that lie in the file, and where each starts
        // in them (findings sorted by time need not lie in store order: several files'
        // findings interleave).
        let mut from_file: Vec<u8> = Vec::new();
        let mut at: Vec<usize> = Vec::new();
        let mut file: Option<(u32, Arc<str>)> = None;
        let mut fields = Vec::new();
        for group in entries.chunks(READ_GROUP) {
            read_group(&inner, group, &mut from_file, &mut at)?;
            for (e, &at) in group.iter().zip(&at) {
                let bytes = match e.loc.offset >= inner.in_file {
                    true => inner.in_memory(e.loc.offset, e.loc.len as usize)?,
                    false => &from_file[at..at + e.loc.len as usize],
                };
                if file.as_ref().is_none_or(|(id, _)| *id != e.file) {
                    file = Some((e.file, self.store.file_name(e.file)));
                }
                let name = file.as_ref().map_or("", |(_, name)| name);
                let mut v = view(bytes, name, reuse(fields))?;
                v.line += e.line_base;
                f(&v)?;
                fields = reuse(v.fields);
            }
        }
        Ok(())
    }
}

/// Reads the bytes of the findings of `group` that lie in the store's file into
/// `bytes`, in store order, nearby ones ([`READ_GAP`]) in one read; `at[i]` is where
/// the bytes of `group[i]` start in them (for those in memory: unused).
fn read_group(
    inner: &Inner,
    group: &[Entry],
    bytes: &mut Vec<u8>,
    at: &mut Vec<usize>,
) -> io::Result<()> {
    bytes.clear();
    at.clear();
    at.resize(group.len(), 0);
    let mut order: Vec<usize> = (0..group.len())
        .filter(|&i| group[i].loc.offset < inner.in_file)
        .collect();
    order.sort_unstable_by_key(|&i| group[i].loc.offset);
    let end = |i: usize| group[i].loc.offset + u64::from(group[i].loc.len);
    let mut k = 0;
    while k < order.len() {
        let start = group[order[k]].loc.offset;
        let (mut run_end, mut j) = (end(order[k]), k + 1);
        while j < order.len() && group[order[j]].loc.offset <= run_end + READ_GAP {
            run_end = run_end.max(end(order[j]));
            j += 1;
        }
        let base = bytes.len();
        bytes.resize(base + (run_end - start) as usize, 0);
        inner.read_into(start, &mut bytes[base..])?;
        for &i in &order[k..j] {
            at[i] = base + (group[i].loc.offset - start) as usize;
        }
        k = j;
    }
    Ok(())
}

/// An emptied vector of borrowed pairs, to hold other borrows: its memory serves one
/// finding's fields after another's (collecting an empty iterator in place reuses it).
fn reuse<'b>(mut v: Vec<(&str, &str)>) -> Vec<(&'b str, &'b str)> {
    v.clear();
    v.into_iter().map(|_| ("", "")).collect()
}

// --------------------------------------------------------------- encoding ---

/// Appends `f` in the store's binary form (all but its file, which the entry numbers).
pub fn encode(f: &Finding, out: &mut Vec<u8>) {
    match f.time {
        Some(t) => {
            out.push(1 | (u8::from(t.zoned) << 1));
            out.extend_from_slice(&t.utc.timestamp().to_le_bytes());
            out.extend_from_slice(&t.utc.timestamp_subsec_nanos().to_le_bytes());
            out.push(t.frac_digits);
        }
        None => out.push(0),
    }
    out.extend_from_slice(&f.line.to_le_bytes());
    out.push(format_code(f.format));
    out.push(f.level.map_or(0, |l| {
        LEVELS
            .iter()
            .position(|&x| x == l)
            .map_or(0, |i| i as u8 + 1)
    }));
    put_str(out, &f.rule);
    out.push(Cause::ALL.iter().position(|&c| c == f.cause).unwrap_or(0) as u8);
    out.extend_from_slice(&f.status.unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&f.cloudflare.unwrap_or(0).to_le_bytes());
    out.push(match f.lifecycle {
        None => 0,
        Some(Lifecycle::Stop) => 1,
        Some(Lifecycle::Start) => 2,
    });
    out.extend_from_slice(&(f.matched_line.start as u64).to_le_bytes());
    out.extend_from_slice(&(f.matched_line.end as u64).to_le_bytes());
    put_str(out, &f.message);
    out.extend_from_slice(&(f.fields.len() as u32).to_le_bytes());
    for (k, v) in &f.fields {
        put_str(out, k);
        put_str(out, v);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn format_code(f: Format) -> u8 {
    Format::ALL
        .iter()
        .position(|&x| x == f)
        .map_or(u8::MAX, |i| i as u8)
}

/// How many distinct strings of a kind the interner keeps.
const INTERNED: usize = 64;

/// Shares the strings that repeat across findings (file names, rule ids, field names):
/// few distinct ones, so a list searched in order beats hashing.
#[derive(Default)]
struct Interner {
    arcs: Vec<Arc<str>>,
    keys: Vec<std::borrow::Cow<'static, str>>,
}

impl Interner {
    fn arc(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.arcs.iter().find(|a| ***a == *s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        if self.arcs.len() < INTERNED {
            self.arcs.push(Arc::clone(&a));
        }
        a
    }

    fn key(&mut self, s: &str) -> std::borrow::Cow<'static, str> {
        if let Some(k) = self.keys.iter().find(|k| **k == s) {
            return k.clone();
        }
        let k: std::borrow::Cow<'static, str> = s.to_string().into();
        if self.keys.len() < INTERNED {
            self.keys.push(k.clone());
        }
        k
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// A location outside the bytes the store holds in memory.
fn past_end() -> io::Error {
    io::Error::other("a finding lies past the end of the store")
}

fn corrupt() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a stored finding is damaged")
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at + n).ok_or_else(corrupt)?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> io::Result<u16> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn str(&mut self) -> io::Result<&'a str> {
        let n = self.u32()? as usize;
        let bytes = self.take(n)?;
        // Most log text is ASCII, which a word-at-a-time check confirms sooner than
        // the full validation.
        if is_ascii(bytes) {
            // SAFETY: ASCII bytes are valid UTF-8.
            return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).map_err(|_| corrupt())
    }
}

/// Whether `b` is ASCII: up to 16 bytes as two words that overlap (most field names
/// and values), longer ones by the standard check.
fn is_ascii(b: &[u8]) -> bool {
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let word = |w: &[u8; 8]| u64::from_le_bytes(*w);
    match (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(first), Some(last)) if b.len() <= 16 => (word(first) | word(last)) & HIGHS == 0,
        _ if b.len() < 8 => b.iter().all(|&c| c < 0x80),
        _ => b.is_ascii(),
    }
}

/// A finding as borrowed text: read in place from the store (its text borrows the
/// stored bytes), or lent by a [`Finding`].
pub struct FindingView<'a> {
    pub time: Option<Stamp>,
    pub file: &'a str,
    pub line: u64,
    pub format: Format,
    pub level: Option<Level>,
    pub rule: &'a str,
    pub cause: Cause,
    pub status: Option<u16>,
    pub cloudflare: Option<u16>,
    pub lifecycle: Option<Lifecycle>,
    pub matched_line: std::ops::Range<usize>,
    pub message: &'a str,
    pub fields: Vec<(&'a str, &'a str)>,
}

/// The finding stored in `bytes`, from the file `file`; `fields` (empty) takes its
/// fields.
fn view<'a>(
    bytes: &'a [u8],
    file: &'a str,
    mut fields: Vec<(&'a str, &'a str)>,
) -> io::Result<FindingView<'a>> {
    let mut r = Reader { bytes, at: 0 };
    let tag = r.u8()?;
    let time = if tag & 1 == 1 {
        let secs = r.u64()? as i64;
        let nanos = r.u32()?;
        let frac = r.u8()?;
        let utc = chrono::DateTime::from_timestamp(secs, nanos).ok_or_else(corrupt)?;
        Some(Stamp::new(utc, frac, tag & 2 == 2))
    } else {
        None
    };
    let line = r.u64()?;
    let format = match r.u8()? {
        u8::MAX => Format::Unknown,
        i => *Format::ALL.get(i as usize).ok_or_else(corrupt)?,
    };
    let level = match r.u8()? {
        0 => None,
        l => Some(LEVELS.get(l as usize - 1).copied().ok_or_else(corrupt)?),
    };
    let rule = r.str()?;
    let cause = *Cause::ALL.get(r.u8()? as usize).ok_or_else(corrupt)?;
    let status = Some(r.u16()?).filter(|&s| s != 0);
    let cloudflare = Some(r.u16()?).filter(|&s| s != 0);
    let lifecycle = match r.u8()? {
        0 => None,
        1 => Some(Lifecycle::Stop),
        _ => Some(Lifecycle::Start),
    };
    let matched_line = r.u64()? as usize..r.u64()? as usize;
    let message = r.str()?;
    let n = r.u32()? as usize;
    fields.reserve(n.min(64));
    for _ in 0..n {
        fields.push((r.str()?, r.str()?));
    }
    Ok(FindingView {
        time,
        file,
        line,
        format,
        level,
        rule,
        cause,
        status,
        cloudflare,
        lifecycle,
        matched_line,
        message,
        fields,
    })
}

impl<'a> From<&'a Finding> for FindingView<'a> {
    fn from(f: &'a Finding) -> FindingView<'a> {
        FindingView {
            time: f.time,
            file: &f.file,
            line: f.line,
            format: f.format,
            level: f.level,
            rule: &f.rule,
            cause: f.cause,
            status: f.status,
            cloudflare: f.cloudflare,
            lifecycle: f.lifecycle,
            matched_line: f.matched_line.clone(),
            message: &f.message,
            fields: f
                .fields
                .iter()
                .map(|(k, v)| (k.as_ref(), v.as_str()))
                .collect(),
        }
    }
}

fn decode(bytes: &[u8], file: &str, interner: &mut Interner) -> io::Result<Finding> {
    Ok(view(bytes, file, Vec::new())?.to_finding(interner))
}

impl FindingView<'_> {
    /// The finding itself, its repeated strings shared through `interner`.
    fn to_finding(&self, interner: &mut Interner) -> Finding {
        Finding {
            time: self.time,
            file: interner.arc(self.file),
            line: self.line,
            format: self.format,
            level: self.level,
            rule: interner.arc(self.rule),
            cause: self.cause,
            status: self.status,
            message: self.message.to_string(),
            fields: self
                .fields
                .iter()
                .map(|&(k, value)| (interner.key(k), value.to_string()))
                .collect(),
            cloudflare: self.cloudflare,
            lifecycle: self.lifecycle,
            matched_line: self.matched_line.clone(),
        }
    }
}

const LEVELS: [Level; 9] = [
    Level::Emerg,
    Level::Alert,
    Level::Crit,
    Level::Fatal,
    Level::Error,
    Level::Warn,
    Level::Notice,
    Level::Info,
    Level::Debug,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_ascii_agrees_with_the_standard_check() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(is_ascii(&plain));
            for at in 0..len {
                for high in [0x80u8, 0xc3, 0xff] {
                    let mut b = plain.clone();
                    b[at] = high;
                    assert_eq!(is_ascii(&b), b.is_ascii(), "{len} {at}");
                    assert!(!is_ascii(&b));
                }
            }
        }
    }

    fn finding(i: u64) -> Finding {
        Finding {
            time: (i % 3 != 0).then(|| {
                Stamp::new(
                    chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 120_000_000)
                        .unwrap(),
                    3,
                    i % 2 == 0,
                )
            }),
            file: Arc::from(format!("/var/log/{}.log", i % 2).as_str()),
            line: i,
            format: Format::ALL[i as usize % Format::ALL.len()],
            level: (i % 4 != 0).then_some(LEVELS[i as usize % LEVELS.len()]),
            rule: Arc::from("nginx-upstream-timeout"),
            cause: Cause::ALL[i as usize % Cause::ALL.len()],
            status: (i % 5 != 0).then_some(502),
            message: format!("message {i} with ünïcode\nand a second line"),
            fields: vec![
                ("pid".into(), i.to_string()),
                ("client".into(), "203.0.113.7".into()),
            ],
            cloudflare: (i % 7 == 0).then_some(521),
            lifecycle: [None, Some(Lifecycle::Stop), Some(Lifecycle::Start)][i as usize % 3],
            matched_line: 0..9,
        }
    }

    /// What memory keeps per finding stays small: a million findings, 48 MB.
    #[test]
    fn an_entry_is_48_bytes() {
        assert!(
            std::mem::size_of::<Entry>() <= 48,
            "{}",
            std::mem::size_of::<Entry>()
        );
    }

    #[test]
    fn findings_read_back_as_written_from_memory_and_from_the_file() {
        let store = Arc::new(Store::with_memory(1 << 20));
        let mut entries = Vec::new();
        let mut block = Vec::new();
        // Enough to pass the memory limit: part of it lands in the file.
        let many = 40_000u64;
        for i in 0..many {
            let f = finding(i);
            let start = block.len();
            encode(&f, &mut block);
            entries.push((f, start, block.len() - start));
            if block.len() > 100_000 {
                let base = store.put(std::mem::take(&mut block));
                for e in entries.iter_mut().filter(|e| e.1 < usize::MAX / 2) {
                    e.1 = usize::MAX / 2 + (base as usize + e.1);
                }
            }
        }
        let base = store.put(block);
        let entries: Vec<(Finding, Entry)> = entries
            .into_iter()
            .map(|(f, start, len)| {
                let offset = if start >= usize::MAX / 2 {
                    (start - usize::MAX / 2) as u64
                } else {
                    base + start as u64
                };
                let loc = Loc {
                    offset,
                    len: len as u32,
                };
                let e = Entry::of(&f, loc, store.file_id(&f.file));
                (f, e)
            })
            .collect();
        assert!(store.reading().in_file > 0, "nothing was spilled");
        let all: Vec<Entry> = entries.iter().map(|(_, e)| e.clone()).collect();
        let findings = Findings::new(all.clone(), Arc::clone(&store));
        let loaded = findings.load(&all).unwrap();
        for ((want, e), got) in entries.iter().zip(&loaded) {
            assert_eq!(want, got);
            assert_eq!(&findings.get(e).unwrap(), want);
        }
        // Out of order too.
        let mut shuffled = all.clone();
        shuffled.reverse();
        let back = findings.load(&shuffled).unwrap();
        assert_eq!(back.len(), many as usize);
        assert_eq!(back[0], entries.last().unwrap().0);
        // Interleaved, as several files' findings are once sorted by time.
        let half = all.len() / 2;
        let mixed: Vec<Entry> = (0..half)
            .flat_map(|i| [all[i].clone(), all[half + i].clone()])
            .collect();
        let got = findings.load(&mixed).unwrap();
        for (i, f) in got.iter().enumerate() {
            let want = if i % 2 == 0 { i / 2 } else { half + i / 2 };
            assert_eq!(f, &entries[want].0);
        }
    }
}
