//! NDJSON output: one JSON object per line with a `type`, as the contract fixes them.
//! serde escapes every byte that came from a log.

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::app::Report;
use crate::correlate::Incident;
use std::borrow::Cow;

use crate::parse::{Record, Stamp};
use crate::rules::Finding;
use crate::scan::FileSummary;
use crate::store::FindingView;

/// Fields as a JSON object, in the order they were found.
struct FieldsOut<'a, K, V>(&'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Serialize for FieldsOut<'_, K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k.as_ref(), v.as_ref())?;
        }
        map.end()
    }
}

/// Writes one object and its newline. serde_json leaves U+0085, U+2028 and U+2029 raw
/// (valid JSON), but line-oriented readers (Python's `splitlines`, some log shippers)
/// break lines there: a log line holding one must not split an object in two.
fn write_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut buf = Vec::new();
    append_line(&mut buf, value)?;
    out.write_all(&buf)
}

/// [`write_line`] into a buffer that collects many objects: no buffer of its own.
fn append_line(buf: &mut Vec<u8>, value: &impl Serialize) -> io::Result<()> {
    let start = buf.len();
    serde_json::to_writer(&mut *buf, value)?;
    let written = &buf[start..];
    let separator = memchr::memchr2_iter(0xc2, 0xe2, written)
        .any(|i| matches!(written.get(i..i + 2), Some([0xc2, 0x85] | [0xe2, 0x80])));
    if separator {
        let escaped = escape_line_separators(&buf[start..]);
        buf.truncate(start);
        buf.extend_from_slice(&escaped);
    }
    buf.push(b'\n');
    Ok(())
}

fn escape_line_separators(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 16);
    let mut i = 0;
    while i < json.len() {
        match json[i..] {
            [0xc2, 0x85, ..] => {
                out.extend_from_slice(b"\\u0085");
                i += 2;
            }
            [0xe2, 0x80, c @ (0xa8 | 0xa9), ..] => {
                out.extend_from_slice(if c == 0xa8 { b"\\u2028" } else { b"\\u2029" });
                i += 3;
            }
            _ => {
                out.push(json[i]);
                i += 1;
            }
        }
    }
    out
}

fn time(t: Option<Stamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    file: &'a str,
    line: u64,
    lines: u32,
    format: &'static str,
    time: Option<String>,
    level: Option<&'static str>,
    message: &'a str,
    fields: FieldsOut<'a, Cow<'static, str>, String>,
}

pub fn write_record(out: &mut impl Write, r: &Record) -> io::Result<()> {
    let obj = RecordOut {
        kind: "record",
        file: &r.file,
        line: r.line,
        lines: r.lines,
        format: r.format.name(),
        time: time(r.time),
        level: r.level.map(|l| l.as_str()),
        message: &r.message,
        fields: FieldsOut(&r.fields),
    };
    write_line(out, &obj)
}

#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    format: &'static str,
    lines: u64,
    records: u64,
    unknown: u64,
    first: Option<String>,
    last: Option<String>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    path: &'a str,
    error: String,
}

/// A `finding` object and its newline, written by hand: the bytes serde and
/// [`append_line`] give (a test holds them equal), without serde's byte-by-byte
/// escaping.
fn append_finding(out: &mut Vec<u8>, f: &FindingView<'_>) {
    // Writing to a Vec cannot fail.
    out.extend_from_slice(b"{\"type\":\"finding\",\"time\":");
    push_or_null(out, f.time, |out, t| {
        out.push(b'"');
        t.push_rfc3339(out);
        out.push(b'"');
    });
    out.extend_from_slice(b",\"file\":");
    push_json_str(out, f.file);
    out.extend_from_slice(b",\"line\":");
    push_number(out, f.line);
    out.extend_from_slice(b",\"format\":\"");
    out.extend_from_slice(f.format.name().as_bytes());
    out.extend_from_slice(b"\",\"level\":");
    push_or_null(out, f.level, |out, l| {
        out.push(b'"');
        out.extend_from_slice(l.as_str().as_bytes());
        out.push(b'"');
    });
    out.extend_from_slice(b",\"rule\":");
    push_json_str(out, f.rule);
    out.extend_from_slice(b",\"cause\":\"");
    out.extend_from_slice(f.cause.name().as_bytes());
    out.extend_from_slice(b"\",\"status\":");
    push_or_null(out, f.status, |out, s| push_number(out, u64::from(s)));
    out.extend_from_slice(b",\"message\":");
    push_json_str(out, f.message);
    out.extend_from_slice(b",\"fields\":{");
    for (i, (k, v)) in f.fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, k);
        out.push(b':');
        push_json_str(out, v);
    }
    out.extend_from_slice(b"}}\n");
}

/// Appends `n` in decimal (what `write!(out, "{n}")` gives, without the formatter).
fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Appends what `push` writes of `value`, or `null`.
fn push_or_null<T>(out: &mut Vec<u8>, value: Option<T>, push: impl FnOnce(&mut Vec<u8>, T)) {
    match value {
        Some(v) => push(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it, and with U+0085,
/// U+2028 and U+2029 escaped too ([`append_line`]). On x86-64 the bytes are copied
/// sixteen at a time while they are searched for the ones that need a look
/// ([`special_sse2`]); elsewhere the runs between those are found, then copied.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    push_json_str_sse2(out, s);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    push_json_str_runs(out, s);
}

/// What becomes of a byte that [`needs_look`].
enum Escape {
    /// This text stands for the byte and the ones after it (a line separator's).
    Text(&'static [u8], usize),
    /// A control byte without a short escape: `\u00XX`.
    Unicode,
    /// A lead byte that begins no line separator: copied as it is.
    Plain,
}

/// What becomes of byte `b[i]`, a byte [`needs_look`].
fn escape_at(b: &[u8], i: usize) -> Escape {
    match b[i] {
        b'"' => Escape::Text(b"\\\"", 1),
        b'\\' => Escape::Text(b"\\\\", 1),
        0x08 => Escape::Text(b"\\b", 1),
        0x0c => Escape::Text(b"\\f", 1),
        b'\n' => Escape::Text(b"\\n", 1),
        b'\r' => Escape::Text(b"\\r", 1),
        b'\t' => Escape::Text(b"\\t", 1),
        c if c < 0x20 => Escape::Unicode,
        0xc2 if b.get(i + 1) == Some(&0x85) => Escape::Text(b"\\u0085", 2),
        0xe2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xa8) => {
            Escape::Text(b"\\u2028", 3)
        }
        0xe2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xa9) => {
            Escape::Text(b"\\u2029", 3)
        }
        _ => Escape::Plain,
    }
}

/// `\\u00XX` for control byte `c`.
fn unicode_escape(c: u8) -> [u8; 6] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[usize::from(c >> 4)],
        HEX[usize::from(c & 0xf)],
    ]
}

/// [`push_json_str`] with SSE2: each block of sixteen bytes is stored to the output
/// as it is loaded (into room reserved for the worst case), and the output moves on
/// only past the bytes before the first one that needs a look, which is then written
/// in its escaped form. The last few bytes are loaded without reading past the string.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn push_json_str_sse2(out: &mut Vec<u8>, s: &str) {
    use std::arch::x86_64::*;
    let b = s.as_bytes();
    // Every byte escaped as `\u00XX` at worst, the quotes, and a block stored past
    // the end.
    out.reserve(6 * b.len() + 2 + 16);
    // SAFETY: `w` never passes `out.len() + 1 + 6 * i` before a store (an escape is
    // at most six bytes a byte), and a store writes at most 16 bytes from `w`: all
    // within the capacity reserved above. Loads read 16 bytes of `b` from `i` only
    // while `i + 16 <= b.len()`; the rest is read by `load_partial`, in bounds.
    unsafe {
        let base = out.as_mut_ptr();
        let mut w = out.len();
        *base.add(w) = b'"';
        w += 1;
        let mut i = 0;
        while i < b.len() {
            let rest = b.len() - i;
            let (block, valid) = match rest >= 16 {
                true => (_mm_loadu_si128(b.as_ptr().add(i).cast()), 16),
                false => (load_partial(&b[i..]), rest),
            };
            _mm_storeu_si128(base.add(w).cast(), block);
            let found = special_mask_sse2(block) & ((1u32 << valid) - 1);
            if found == 0 {
                i += valid;
                w += valid;
                continue;
            }
            let k = found.trailing_zeros() as usize;
            i += k;
            w += k;
            let escaped = match escape_at(b, i) {
                Escape::Text(text, len) => {
                    std::ptr::copy_nonoverlapping(text.as_ptr(), base.add(w), text.len());
                    (text.len(), len)
                }
                Escape::Plain => {
                    *base.add(w) = b[i];
                    (1, 1)
                }
                Escape::Unicode => {
                    let text = unicode_escape(b[i]);
                    std::ptr::copy_nonoverlapping(text.as_ptr(), base.add(w), 6);
                    (6, 1)
                }
            };
            w += escaped.0;
            i += escaped.1;
        }
        *base.add(w) = b'"';
        out.set_len(w + 1);
    }
}

/// The fewer than 16 bytes of `b` in a block, zeros after them: two overlapping words
/// (or half words) put together, without a call to copy them.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn load_partial(b: &[u8]) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    debug_assert!(b.len() < 16);
    let n = b.len();
    let (lo, hi) = if let (Some(first), Some(last)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        // Bytes 8..n are the top n - 8 bytes of the last word.
        let last = u64::from_le_bytes(*last);
        (
            u64::from_le_bytes(*first),
            last.checked_shr(8 * (16 - n) as u32).unwrap_or(0),
        )
    } else if let (Some(first), Some(last)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        let last = u32::from_le_bytes(*last);
        let top = last.checked_shr(8 * (8 - n) as u32).unwrap_or(0);
        (
            u64::from(u32::from_le_bytes(*first)) | u64::from(top) << 32,
            0,
        )
    } else {
        let word = b
            .iter()
            .rev()
            .fold(0u64, |word, &c| word << 8 | u64::from(c));
        (word, 0)
    };
    // SAFETY: SSE2 is enabled (checked at compile time).
    unsafe { _mm_set_epi64x(hi as i64, lo as i64) }
}

/// [`push_json_str`] without SSE2: the runs between the bytes that need a look
/// ([`next_special`]) are copied as they are. (On x86-64 only its test runs it.)
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn push_json_str_runs(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    // Field names and most values: short, nothing to escape.
    if b.len() < 16 && !short_has_special(b) {
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    out.push(b'"');
    let mut plain = 0;
    let mut i = next_special(b, 0);
    while i < b.len() {
        match escape_at(b, i) {
            Escape::Plain => {
                i = next_special(b, i + 1);
                continue;
            }
            Escape::Text(text, len) => {
                out.extend_from_slice(&b[plain..i]);
                out.extend_from_slice(text);
                i += len;
            }
            Escape::Unicode => {
                out.extend_from_slice(&b[plain..i]);
                out.extend_from_slice(&unicode_escape(b[i]));
                i += 1;
            }
        }
        plain = i;
        i = next_special(b, i);
    }
    out.extend_from_slice(&b[plain..]);
    out.push(b'"');
}

/// The first byte of `b` at or after `from` that [`push_json_str`] must look at (a
/// control byte, `"`, `\\`, or the lead byte 0xc2 or 0xe2 of a line separator), or
/// `b.len()`: sixteen bytes at a time with SSE2 (every x86-64 has it), the last few
/// from a padded copy; elsewhere eight bytes as one word, then one by one.
fn next_special(b: &[u8], from: usize) -> usize {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        let mut i = from;
        while let Some(block) = b.get(i..i + 16) {
            let found = special_sse2(block.try_into().expect("16 bytes"));
            if found != 0 {
                return i + found.trailing_zeros() as usize;
            }
            i += 16;
        }
        // Fewer than 16 left (field values mostly are): the zeros that pad them would
        // read as control bytes, so only the bits of real bytes count.
        let rest = b.get(i..).unwrap_or_default();
        if !rest.is_empty() {
            let mut block = [0u8; 16];
            block[..rest.len()].copy_from_slice(rest);
            let found = special_sse2(&block) & ((1 << rest.len()) - 1);
            if found != 0 {
                return i + found.trailing_zeros() as usize;
            }
        }
        b.len()
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    next_special_words(b, from)
}

/// Bit k set: byte k of `block` is one [`next_special`] stops at.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn special_sse2(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is enabled (checked at compile time); the load reads the 16 bytes
    // of `block`, unaligned.
    special_mask_sse2(unsafe { _mm_loadu_si128(block.as_ptr().cast()) })
}

/// Bit k set: byte k of `x` [`needs_look`].
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn special_mask_sse2(x: std::arch::x86_64::__m128i) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is enabled (checked at compile time).
    unsafe {
        let is = |c: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8));
        // Bytes at most 0x1f: their unsigned maximum with 0x1f is 0x1f.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        let special = _mm_or_si128(
            _mm_or_si128(control, _mm_or_si128(is(b'"'), is(b'\\'))),
            _mm_or_si128(is(0xc2), is(0xe2)),
        );
        _mm_movemask_epi8(special) as u32
    }
}

/// Whether a string of fewer than 16 bytes has a byte [`push_json_str`] must look at:
/// as two words that overlap from 8 bytes on, from 4 bytes on as two half words that
/// overlap, put side by side in one word (field names mostly), else byte by byte.
fn short_has_special(b: &[u8]) -> bool {
    if let (Some(&first), Some(&last)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        return special_word(u64::from_le_bytes(first)) | special_word(u64::from_le_bytes(last))
            != 0;
    }
    if let (Some(&first), Some(&last)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        let word = u64::from(u32::from_le_bytes(first)) | u64::from(u32::from_le_bytes(last)) << 32;
        return special_word(word) != 0;
    }
    b.iter().any(|&c| needs_look(c))
}

/// Whether [`push_json_str`] must look at byte `c`.
fn needs_look(c: u8) -> bool {
    c < 0x20 || matches!(c, b'"' | b'\\' | 0xc2 | 0xe2)
}

/// The high bit of each byte of `w` that [`needs_look`]; exact for the lowest such
/// byte (a borrow only runs upward from a byte that was zero), and zero exactly when
/// no byte needs a look (then nothing borrows).
fn special_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zeros = |v: u64| v.wrapping_sub(ONES) & !v;
    (w.wrapping_sub(ONES * 0x20) & !w
        | zeros(w ^ (ONES * u64::from(b'"')))
        | zeros(w ^ (ONES * u64::from(b'\\')))
        | zeros(w ^ (ONES * 0xc2))
        | zeros(w ^ (ONES * 0xe2)))
        & HIGHS
}

/// [`next_special`] without SSE2: eight bytes as one word, then one by one (on
/// x86-64 only its test runs it).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn next_special_words(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(w) = b.get(i..i + 8) {
        match special_word(u64::from_le_bytes(w.try_into().expect("8 bytes"))) {
            0 => i += 8,
            found => return i + (found.trailing_zeros() / 8) as usize,
        }
    }
    b[i..]
        .iter()
        .position(|&c| needs_look(c))
        .map_or(b.len(), |p| i + p)
}

#[derive(Serialize)]
struct EvidenceOut<'a> {
    file: &'a str,
    line: u64,
    time: Option<String>,
    rule: &'a str,
    cause: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct IncidentOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: usize,
    start: String,
    end: String,
    cause: &'static str,
    status: u16,
    /// A number when the origin's status passed through, a string for Cloudflare's own 52x.
    cloudflare: Value,
    cloudflare_note: &'a str,
    findings: usize,
    causes: BTreeMap<&'static str, usize>,
    files: Vec<&'a str>,
    failed_requests: usize,
    per_minute: &'a [u32],
    evidence: Vec<EvidenceOut<'a>>,
    explanation: &'a str,
    next_steps: &'a [String],
}

fn incident_out(i: &Incident) -> IncidentOut<'_> {
    let cloudflare = if i.cloudflare.status >= 520 {
        Value::String(i.cloudflare.status.to_string())
    } else {
        Value::from(i.cloudflare.status)
    };
    IncidentOut {
        kind: "incident",
        id: i.id,
        start: i.start.to_string(),
        end: i.end.to_string(),
        cause: i.cause.name(),
        status: i.status,
        cloudflare,
        cloudflare_note: &i.cloudflare.note,
        findings: i.findings,
        causes: i.causes.iter().map(|(c, n)| (c.name(), *n)).collect(),
        files: i.files.iter().map(|f| f.as_ref()).collect(),
        failed_requests: i.failed_requests,
        per_minute: &i.per_minute,
        evidence: i
            .evidence
            .iter()
            .map(|f| EvidenceOut {
                file: &f.file,
                line: f.line,
                time: time(f.time),
                rule: &f.rule,
                cause: f.cause.name(),
                message: &f.message,
            })
            .collect(),
        explanation: &i.explanation,
        next_steps: &i.next_steps,
    }
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    files: Vec<FileOut<'a>>,
    lines: u64,
    records: u64,
    findings: usize,
    incidents: usize,
    by_cause: BTreeMap<&'static str, usize>,
    by_status: BTreeMap<String, usize>,
    errors: Vec<ErrorOut<'a>>,
}

/// Findings serialized by one worker at a time, and how many batches are in flight
/// (their text is held until it is written, in order).
const BATCH: usize = 1024;
const BATCHES_IN_FLIGHT: usize = 4;

/// Findings in time order, incidents in time order, then the summary. Findings are
/// read back and serialized in parallel batches, written in order; each window of
/// batches is written while the next is serialized (writing a gigabyte's findings to
/// a pipe or a file takes as long as serializing them).
pub fn write_report(out: &mut (impl Write + Send), report: &Report) -> io::Result<()> {
    use rayon::prelude::*;
    let mut counts = Counts::default();
    let entries = report.findings.entries();
    for e in entries {
        counts.add(e.cause, e.status());
    }
    // Each batch's text goes into a buffer of an earlier batch once that one is written:
    // fresh buffers would be fresh pages, a fault for every 4 KiB of output.
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let serialize = |window: &[crate::store::Entry], buffers: Vec<Vec<u8>>| {
        window
            .par_chunks(BATCH)
            .zip(buffers)
            .map(|(batch, mut text)| -> io::Result<Vec<u8>> {
                text.clear();
                text.reserve(batch.len() * 512);
                report.findings.for_each_view(batch, |f| {
                    append_finding(&mut text, f);
                    Ok(())
                })?;
                Ok(text)
            })
            .collect::<Vec<_>>()
    };
    let mut serialized = Vec::new();
    for window in entries.chunks(BATCH * BATCHES_IN_FLIGHT) {
        let ready = std::mem::take(&mut serialized);
        let buffers = (0..window.len().div_ceil(BATCH))
            .map(|_| spare.pop().unwrap_or_default())
            .collect();
        let (next, written) = rayon::join(
            || serialize(window, buffers),
            || write_all(&mut *out, ready),
        );
        spare.extend(written?);
        serialized = next;
    }
    write_all(out, serialized)?;
    for i in &report.incidents {
        write_incident(out, i)?;
        counts.incidents += 1;
    }
    write_summary(out, &report.files, &counts, &report.errors)
}

/// Writes serialized texts in order; the first that failed to serialize ends it.
/// Returns their buffers, to be filled again.
fn write_all(out: &mut impl Write, texts: Vec<io::Result<Vec<u8>>>) -> io::Result<Vec<Vec<u8>>> {
    texts
        .into_iter()
        .map(|text| {
            let text = text?;
            out.write_all(&text)?;
            Ok(text)
        })
        .collect()
}

/// One `finding` object.
pub fn write_finding(out: &mut impl Write, f: &Finding) -> io::Result<()> {
    let mut line = Vec::new();
    append_finding(&mut line, &FindingView::from(f));
    out.write_all(&line)
}

/// One `incident` object.
pub fn write_incident(out: &mut impl Write, i: &Incident) -> io::Result<()> {
    write_line(out, &incident_out(i))
}

/// What the `summary` counts besides the files: kept as findings and incidents go out,
/// so follow mode needs not keep them.
#[derive(Default)]
pub struct Counts {
    pub findings: usize,
    pub incidents: usize,
    /// Findings per cause and per status, named only when written (a run counts
    /// every finding, on one thread).
    by_cause: BTreeMap<crate::rules::Cause, usize>,
    by_status: Vec<(Option<u16>, usize)>,
}

impl Counts {
    pub fn finding(&mut self, f: &Finding) {
        self.add(f.cause, f.status);
    }

    /// One finding of `cause` with `status`.
    pub fn add(&mut self, cause: crate::rules::Cause, status: Option<u16>) {
        self.findings += 1;
        *self.by_cause.entry(cause).or_insert(0) += 1;
        // A run's findings name a few statuses.
        match self.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => self.by_status.push((status, 1)),
        }
    }

    fn by_cause(&self) -> BTreeMap<&'static str, usize> {
        self.by_cause.iter().map(|(c, &n)| (c.name(), n)).collect()
    }

    fn by_status(&self) -> BTreeMap<String, usize> {
        let name = |s: Option<u16>| s.map_or("none".to_string(), |s| s.to_string());
        self.by_status.iter().map(|&(s, n)| (name(s), n)).collect()
    }
}

/// The closing `summary` object.
pub fn write_summary(
    out: &mut impl Write,
    files: &[FileSummary],
    counts: &Counts,
    errors: &[(String, String)],
) -> io::Result<()> {
    let summary = SummaryOut {
        kind: "summary",
        files: files
            .iter()
            .map(|f| FileOut {
                path: &f.path,
                format: f.format.name(),
                lines: f.lines,
                records: f.records,
                unknown: f.unknown,
                first: time(f.first),
                last: time(f.last),
            })
            .collect(),
        lines: files.iter().map(|f| f.lines).sum(),
        records: files.iter().map(|f| f.records).sum(),
        findings: counts.findings,
        incidents: counts.incidents,
        by_cause: counts.by_cause(),
        by_status: counts.by_status(),
        errors: errors
            .iter()
            .map(|(path, error)| ErrorOut {
                path,
                error: error.clone(),
            })
            .collect(),
    };
    write_line(out, &summary)
}

#[derive(Serialize)]
struct RuleOut<'a> {
    id: &'a str,
    cause: &'static str,
    status: Option<u16>,
    formats: Vec<&'static str>,
    regex: &'a str,
    samples: &'a [String],
    counter: &'a [String],
    origin: &'a str,
}

/// One rule of `--list-rules --json`.
pub fn write_rule(out: &mut impl Write, rule: &crate::rules::Rule) -> io::Result<()> {
    let obj = RuleOut {
        id: &rule.id,
        cause: rule.cause.name(),
        status: rule.status(),
        formats: rule.formats.iter().map(|f| f.name()).collect(),
        regex: rule.regex.as_str(),
        samples: &rule.samples,
        counter: &rule.counter,
        origin: &rule.origin,
    };
    write_line(out, &obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time as its RFC 3339 text, written in place.
    struct TimeOut(Stamp);

    impl Serialize for TimeOut {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&self.0)
        }
    }

    /// A `finding` object as serde writes it: the reference for [`append_finding`].
    #[derive(Serialize)]
    struct FindingOut<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        time: Option<TimeOut>,
        file: &'a str,
        line: u64,
        format: &'static str,
        level: Option<&'static str>,
        rule: &'a str,
        cause: &'static str,
        status: Option<u16>,
        message: &'a str,
        fields: FieldsOut<'a, &'a str, &'a str>,
    }

    /// The serde form of a stored finding, which [`append_finding`] writes by hand.
    fn stored_finding_out<'a>(f: &'a FindingView<'a>) -> FindingOut<'a> {
        FindingOut {
            kind: "finding",
            time: f.time.map(TimeOut),
            file: f.file,
            line: f.line,
            format: f.format.name(),
            level: f.level.map(|l| l.as_str()),
            rule: f.rule,
            cause: f.cause.name(),
            status: f.status,
            message: f.message,
            fields: FieldsOut(&f.fields),
        }
    }

    #[test]
    fn a_finding_written_by_hand_is_what_serde_writes() {
        let mut texts: Vec<String> = vec![
            String::new(),
            "plain text of some length, longer than eight".into(),
            "quote \" backslash \\ slash / tab \t newline \n cr \r".into(),
            "controls \u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f} end".into(),
            "separators \u{85}\u{2028}\u{2029} and \u{2027}\u{202a} é ü 漢字 😀".into(),
            "\u{e2}\u{80}x \u{c2}y".into(),
            "a\"b\\c\nd\"e\"\"\"\u{1}\u{85}f\"\u{2028}\"".into(),
            "é\"é\"é\"é\"ü\u{2029}ü\u{2029}\"\\".into(),
        ];
        // Every byte below 0x80, and the characters that begin with the bytes looked
        // at, at every position of two SSE2 blocks and the words after them.
        let chars = (0u8..0x80)
            .map(char::from)
            .chain(['\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{2030}', 'é']);
        for c in chars {
            for at in 0..42 {
                let mut s = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF".to_string();
                s.insert(at, c);
                texts.push(s);
            }
        }
        // And in strings shorter than a block, at every length.
        for len in 0..20 {
            for at in 0..=len {
                for c in [
                    '"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '\u{85}', '\u{2028}', 'é',
                ] {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz"[..len].to_string();
                    s.insert(at, c);
                    texts.push(s);
                }
            }
        }
        for text in &texts {
            let b = text.as_bytes();
            for from in 0..=b.len() {
                assert_eq!(
                    next_special(b, from),
                    next_special_words(b, from),
                    "{text:?} {from}"
                );
            }
            // Both ways of escaping, after text of every length mod 16 (the output's
            // alignment, and room reserved or not).
            for before in 0..16 {
                let (mut fast, mut runs) = (vec![b'x'; before], vec![b'x'; before]);
                push_json_str(&mut fast, text);
                push_json_str_runs(&mut runs, text);
                assert_eq!(fast, runs, "{text:?} {before}");
            }
        }
        let time = Stamp::new(
            chrono::DateTime::from_timestamp(1_764_000_003, 120_000_000).unwrap(),
            3,
            true,
        );
        for (i, text) in texts.iter().enumerate() {
            let view = FindingView {
                time: (i % 2 == 0).then_some(time),
                file: text,
                line: i as u64 * 1000,
                format: crate::parse::Format::NginxError,
                level: (i % 3 != 0).then_some(crate::parse::Level::Error),
                rule: text,
                cause: crate::rules::Cause::ALL[i % crate::rules::Cause::ALL.len()],
                status: (i % 4 != 0).then_some(502),
                cloudflare: None,
                lifecycle: None,
                matched_line: 0..0,
                message: text,
                fields: vec![(text.as_str(), text.as_str()), ("pid", "12")],
            };
            let mut by_hand = Vec::new();
            append_finding(&mut by_hand, &view);
            let mut by_serde = Vec::new();
            append_line(&mut by_serde, &stored_finding_out(&view)).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&by_hand),
                String::from_utf8_lossy(&by_serde),
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_written_by_hand_are_what_display_writes() {
        for n in [0, 7, 10, 99, 100, 65_535, u64::from(u32::MAX), u64::MAX] {
            let mut by_hand = Vec::new();
            push_number(&mut by_hand, n);
            assert_eq!(String::from_utf8(by_hand).unwrap(), n.to_string());
        }
    }

    #[test]
    fn unicode_line_separators_are_escaped() {
        let mut out = Vec::new();
        write_line(&mut out, &"a\u{2028}b\u{2029}c\u{85}d é").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\"a\\u2028b\\u2029c\\u0085d é\"\n");
        assert_eq!(text.lines().count(), 1);
        let back: String = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(back, "a\u{2028}b\u{2029}c\u{85}d é");
    }
}
