//! The assembler turns physical lines into records: it unwraps container envelopes,
//! recognises entry starts (primary format first, then every other, for mixed streams),
//! joins continuation lines and docker partial messages, and makes every line land in
//! exactly one record — an `unknown` one when no format knows it.

use std::sync::Arc;

use super::docker::{self, Envelope};
use super::record::{Fields, Level, Record};
use super::time::TimeCtx;
use super::{any_text_head, journal, nginx, text_head, Format};

/// Continuation lines joined to one entry at most; later ones become `unknown` records,
/// so one stray timestamp cannot swallow a file.
pub const MAX_CONTINUATION_LINES: u32 = 5000;

/// Text kept of one entry's joined lines (64 MiB): later lines still join it and are
/// counted, but their text is dropped, so a `.gz` of huge lines cannot exhaust memory.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// An entry still open to continuation lines or partial-message pieces.
#[derive(Clone)]
struct Pending {
    record: Record,
    /// Stream or service: continuations never cross it.
    key: Option<String>,
    /// A docker json-file partial: the next piece of the same stream completes it.
    partial: bool,
}

/// Reads one input's lines into records. Feed it with [`Assembler::push`], end with [`Assembler::finish`].
#[derive(Clone)]
pub struct Assembler {
    file: Arc<str>,
    primary: Format,
    forced: bool,
    ctx: TimeCtx,
    next_line: u64,
    offset: u64,
    pending: Option<Pending>,
    /// The fast path's last stamp: its bytes and its reading. A run of lines in the
    /// same second is read once. Cleared whenever a line is read in full, which may
    /// move the clock the stamp was read against.
    quick_stamp: Option<QuickStamp>,
}

impl Assembler {
    /// `forced` (from `--format`) reads every line as `primary` only.
    pub fn new(file: Arc<str>, primary: Format, forced: bool, ctx: TimeCtx) -> Assembler {
        Assembler {
            file,
            primary,
            forced,
            ctx,
            next_line: 1,
            offset: 0,
            pending: None,
            quick_stamp: None,
        }
    }

    /// Starts numbering at `line` and byte `offset`: for a chunk in the middle of a file.
    pub fn starting_at(mut self, line: u64, offset: u64) -> Assembler {
        self.next_line = line;
        self.offset = offset;
        self
    }

    pub fn format(&self) -> Format {
        self.primary
    }

    /// The input it reads, as reported.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Whether `line` begins a new record whatever came before it (`prev` is the line
    /// before). Chunks of a file are cut at such lines, so reading them apart gives the
    /// records reading the whole file gives.
    pub fn starts_record(&self, line: &str, prev: Option<&str>) -> bool {
        if let Some((envelope, format, _)) = self.envelope(line) {
            return match format {
                // The piece after a partial message continues it.
                Format::DockerJson => !prev.and_then(docker::json_file).is_some_and(|p| p.partial),
                Format::DockerCompose => {
                    envelope.time.is_some()
                        || any_text_head(None, &envelope.payload, &self.ctx).is_some()
                }
                _ => true,
            };
        }
        self.text_head(line).is_some()
    }

    /// One physical line, without its `\n`; `consumed` counts the bytes it took, terminator included.
    pub fn push(&mut self, raw: &[u8], consumed: u64, sink: &mut impl FnMut(Record)) {
        self.quick_stamp = None;
        let line_no = self.next_line;
        let offset = self.offset;
        self.next_line += 1;
        self.offset += consumed;
        let decoded = super::text_of(raw);
        let text = decoded.strip_suffix('\r').unwrap_or(&decoded);
        let at = Span {
            line_no,
            offset,
            consumed,
        };

        if self.pending.as_ref().is_some_and(|p| p.partial) && self.continue_partial(text, at, sink)
        {
            return;
        }
        if let Some((envelope, format, level)) = self.envelope(text) {
            self.push_envelope(envelope, format, level, at, sink);
            return;
        }
        if let Some((format, head)) = self.text_head(text) {
            self.flush(sink);
            let message = text[head.message_at..].to_string();
            let record = self.record(
                at,
                format,
                None,
                head.time,
                head.level,
                message,
                head.fields,
            );
            self.pending = Some(Pending {
                record,
                key: None,
                partial: false,
            });
            return;
        }
        if self.continues(None, at) {
            self.append(text, at);
            return;
        }
        self.flush(sink);
        let record = self.record(
            at,
            Format::Unknown,
            None,
            None,
            None,
            text.to_string(),
            Fields::new(),
        );
        sink(record);
    }

    /// Emits the entry still open.
    pub fn finish(&mut self, sink: &mut impl FnMut(Record)) {
        self.flush(sink);
    }

    /// The fast path's test: the time of a line that [`Assembler::push`] would read as
    /// the dated head of a primary-format entry (so it ends the open entry whatever
    /// that is), read without building the record. `None` means "push it": the line may
    /// be anything else. Only the busiest formats have such a reading.
    pub fn quick_head(&mut self, raw: &[u8]) -> Option<super::Stamp> {
        let at = match self.primary {
            Format::NginxError if nginx::has_head_shape(raw) => 0..nginx::STAMP_LEN,
            Format::Access => super::access::quick_shape(raw)?,
            Format::ApacheError => 0..super::apache::quick_shape(raw)?,
            Format::PhpFpm if super::php::fpm_quick_shape(raw) => 0..super::php::FPM_STAMP_LEN,
            Format::Syslog => 0..super::syslog::quick_shape(raw)?,
            _ => return None,
        };
        let stamp = &raw[at.clone()];
        if let Some(q) = &self.quick_stamp {
            if same_bytes(&q.bytes[..q.len], stamp) {
                return Some(q.time);
            }
        }
        let time = match self.primary {
            Format::NginxError => nginx::stamp(raw, &self.ctx)?,
            Format::ApacheError => super::apache::stamp(raw, at.end, &self.ctx)?,
            Format::PhpFpm => super::php::fpm_stamp(raw, &self.ctx)?,
            Format::Syslog => super::syslog::stamp(raw, at.end, &self.ctx)?,
            _ => super::access::stamp(stamp)?,
        };
        if stamp.len() > QUICK_STAMP_BYTES {
            self.quick_stamp = None;
            return Some(time);
        }
        let mut bytes = [0; QUICK_STAMP_BYTES];
        bytes[..stamp.len()].copy_from_slice(stamp);
        self.quick_stamp = Some(QuickStamp {
            bytes,
            len: stamp.len(),
            time,
        });
        Some(time)
    }

    /// [`Assembler::quick_head`] for a line that begins with the stamp of the last line
    /// it read (its cached stamp): the same answer, without comparing the stamp's shape
    /// again. `None`: ask `quick_head` (another stamp, a format without the shortcut, or
    /// not a head at all, which `quick_head` then tells).
    #[inline]
    pub fn quick_repeat(&self, raw: &[u8]) -> Option<super::Stamp> {
        let q = self.quick_stamp.as_ref()?;
        match self.primary {
            Format::NginxError
                if raw
                    .get(..nginx::STAMP_LEN)
                    .is_some_and(|stamp| same_bytes(&q.bytes[..q.len], stamp))
                    && nginx::has_head_shape_after_stamp(raw) =>
            {
                Some(q.time)
            }
            _ => None,
        }
    }

    /// Whether [`Assembler::quick_head`] can read any line.
    pub fn has_quick_head(&self) -> bool {
        matches!(
            self.primary,
            Format::NginxError
                | Format::Access
                | Format::ApacheError
                | Format::PhpFpm
                | Format::Syslog
        )
    }

    /// The fast path: a line [`Assembler::quick_head`] read is taken as a one-line entry
    /// of its own, which the caller counts and may later [`Assembler::replay`]. Emits
    /// the entry it ends; returns its line number and offset.
    pub fn skip_head(&mut self, consumed: u64, sink: &mut impl FnMut(Record)) -> (u64, u64) {
        self.flush(sink);
        self.skip_next_head(consumed)
    }

    /// [`Assembler::skip_head`] while a skipped line is held: nothing is pending then
    /// (the skip emitted it), so there is nothing to emit.
    #[inline]
    pub fn skip_next_head(&mut self, consumed: u64) -> (u64, u64) {
        debug_assert!(self.pending.is_none());
        let at = (self.next_line, self.offset);
        self.next_line += 1;
        self.offset += consumed;
        at
    }

    /// Reads a skipped head line after all, because the lines after it continue it or
    /// it must be matched: exactly as [`Assembler::push`] would have read it in its place.
    pub fn replay(
        &mut self,
        raw: &[u8],
        (line_no, offset): (u64, u64),
        consumed: u64,
        sink: &mut impl FnMut(Record),
    ) {
        let resume = (self.next_line, self.offset);
        self.next_line = line_no;
        self.offset = offset;
        self.push(raw, consumed, sink);
        debug_assert_eq!((self.next_line, self.offset), resume);
    }

    /// Follow mode: emits the open entry unless its own text says more lines belong
    /// to it (an nginx FastCGI message whose closing quote has not come, an uncaught
    /// exception before its `thrown in` line, a docker partial message).
    pub fn flush_complete(&mut self, sink: &mut impl FnMut(Record)) {
        if self.pending.as_ref().is_some_and(|p| !expects_more(p)) {
            self.flush(sink);
        }
    }

    /// Whether an entry is still open.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    fn envelope<'a>(&self, text: &'a str) -> Option<(Envelope<'a>, Format, Option<Level>)> {
        let allowed = |f: Format| !self.forced || self.primary == f;
        if text.starts_with('{') {
            if allowed(Format::Journal) {
                if let Some((e, level)) = journal::json_entry(text) {
                    return Some((e, Format::Journal, level));
                }
            }
            if allowed(Format::DockerJson) {
                if let Some(e) = docker::json_file(text) {
                    return Some((e, Format::DockerJson, None));
                }
            }
        }
        if allowed(Format::DockerCompose) {
            if let Some(e) = docker::compose(text) {
                return Some((e, Format::DockerCompose, None));
            }
        }
        if allowed(Format::DockerTimestamps) {
            if let Some(e) = docker::timestamps(text) {
                return Some((e, Format::DockerTimestamps, None));
            }
        }
        if allowed(Format::Journal) && journal::is_marker(text) {
            let e = Envelope {
                time: None,
                payload: text.into(),
                fields: Fields::new(),
                key: String::new(),
                partial: false,
            };
            return Some((e, Format::Journal, None));
        }
        None
    }

    fn push_envelope(
        &mut self,
        envelope: Envelope<'_>,
        format: Format,
        level: Option<Level>,
        at: Span,
        sink: &mut impl FnMut(Record),
    ) {
        let payload = envelope.payload.as_ref();
        let inner = any_text_head(None, payload, &self.ctx);
        // A compose line without a stamp of its own that looks like the rest of an
        // entry (a stack frame, an indented line) continues its service's entry.
        if inner.is_none()
            && envelope.time.is_none()
            && format == Format::DockerCompose
            && looks_like_continuation(payload)
            && self.continues(Some(&envelope.key), at)
        {
            self.append(payload, at);
            return;
        }
        self.flush(sink);
        let mut fields = envelope.fields;
        let (inner_format, time, level, message) = match inner {
            Some((f, head)) => {
                fields.extend(head.fields);
                let time = envelope.time.or(head.time);
                (
                    Some(f),
                    time,
                    head.level.or(level),
                    payload[head.message_at..].to_string(),
                )
            }
            None => (None, envelope.time, level, payload.to_string()),
        };
        let record = self.record(at, format, inner_format, time, level, message, fields);
        let open = envelope.partial || (format == Format::DockerCompose && envelope.time.is_none());
        if open {
            self.pending = Some(Pending {
                record,
                key: Some(envelope.key),
                partial: envelope.partial,
            });
        } else {
            self.finalize_and_emit(record, sink);
        }
    }

    /// The next piece of a docker partial message: joined without a separator.
    fn continue_partial(&mut self, text: &str, at: Span, sink: &mut impl FnMut(Record)) -> bool {
        let Some(piece) = docker::json_file(text) else {
            return false;
        };
        let pending = self.pending.as_mut().expect("checked by the caller");
        if pending.key.as_deref() != Some(piece.key.as_str()) {
            return false;
        }
        if pending.record.message.len() < MAX_MESSAGE_BYTES {
            pending.record.message.push_str(&piece.payload);
        }
        pending.record.lines += 1;
        pending.record.len += at.consumed;
        // An endless chain of partials (a damaged or hostile log) is cut like runaway
        // continuations, so one record never grows without bound.
        if piece.partial && pending.record.lines < MAX_CONTINUATION_LINES {
            return true;
        }
        // Whole again: read the joined payload with the inner formats.
        let mut done = self.pending.take().expect("present").record;
        if let Some((f, head)) = any_text_head(None, &done.message, &self.ctx) {
            done.inner = Some(f);
            done.time = done.time.or(head.time);
            done.level = head.level;
            done.fields.extend(head.fields);
            done.message = done.message[head.message_at..].to_string();
        }
        self.finalize_and_emit(done, sink);
        true
    }

    /// The entry a line starts, if any. A line indented by a paste or an installer's
    /// output (`  nginx: [emerg] …`) still starts an entry: the indent is not part of it.
    /// So does one written just after a run of NUL bytes, the hole `copytruncate`
    /// leaves when the writer's offset runs ahead of the truncated file.
    fn text_head(&self, text: &str) -> Option<(Format, super::Head)> {
        let head = |line: &str| {
            if self.forced {
                text_head(self.primary, line, &self.ctx).map(|h| (self.primary, h))
            } else {
                any_text_head(Some(self.primary), line, &self.ctx)
            }
        };
        if let Some(found) = head(text) {
            return Some(found);
        }
        let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\0');
        if trimmed.len() == text.len() || trimmed.is_empty() {
            return None;
        }
        let indent = text.len() - trimmed.len();
        head(trimmed).map(|(f, mut h)| {
            h.message_at += indent;
            (f, h)
        })
    }

    /// Whether a line without a stamp of its own joins the open entry.
    fn continues(&self, key: Option<&String>, _at: Span) -> bool {
        let Some(p) = &self.pending else {
            return false;
        };
        !p.partial
            && p.key.as_ref() == key
            && p.record.format.takes_continuations()
            && p.record.lines < MAX_CONTINUATION_LINES
    }

    fn append(&mut self, text: &str, at: Span) {
        let p = self.pending.as_mut().expect("continues() checked it");
        if !text.trim().is_empty() && p.record.message.len() < MAX_MESSAGE_BYTES {
            // httpd writes one physical line per entry: a continuation there is a
            // hard-wrapped paste, and the entry's words run on across the break.
            if p.record.is_format(Format::ApacheError) {
                p.record.message.push(' ');
                p.record.message.push_str(text.trim());
            } else {
                p.record.message.push('\n');
                p.record.message.push_str(text);
            }
        }
        p.record.lines += 1;
        p.record.len += at.consumed;
    }

    fn flush(&mut self, sink: &mut impl FnMut(Record)) {
        // Asked first: `take` moves the whole entry out even to find there is none, and
        // the fast path flushes before each line it skips, nearly always with none.
        if self.pending.is_none() {
            return;
        }
        if let Some(p) = self.pending.take() {
            self.finalize_and_emit(p.record, sink);
        }
    }

    fn finalize_and_emit(&self, mut record: Record, sink: &mut impl FnMut(Record)) {
        // A FastCGI stderr entry carries nginx's `, client: …` context on its last line.
        if record.lines > 1
            && record.is_format(Format::NginxError)
            && !record.fields.iter().any(|(k, _)| k == "client")
        {
            let last = record.message.rsplit('\n').next().unwrap_or("").to_string();
            nginx::context_fields(&last, &mut record.fields);
        }
        sink(record);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        at: Span,
        format: Format,
        inner: Option<Format>,
        time: Option<super::Stamp>,
        level: Option<Level>,
        message: String,
        mut fields: Fields,
    ) -> Record {
        if let Some(f) = inner {
            fields.push(("inner_format".into(), f.name().to_string()));
        }
        Record {
            file: Arc::clone(&self.file),
            line: at.line_no,
            lines: 1,
            offset: at.offset,
            len: at.consumed,
            format,
            inner,
            time,
            level,
            message,
            fields,
        }
    }
}

/// Whether two short byte strings are equal, compared eight bytes at a time (a stamp is
/// compared on nearly every line; a memcmp call per line cost more than the compare).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return a == b;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    // Whole words, then the last eight bytes (overlapping the last word).
    (0..a.len() / 8).all(|i| word(a, i * 8) == word(b, i * 8))
        && word(a, a.len() - 8) == word(b, b.len() - 8)
}

/// The longest stamp the fast path caches.
const QUICK_STAMP_BYTES: usize = 40;

/// The fast path's last stamp: its bytes and its reading.
#[derive(Clone)]
struct QuickStamp {
    bytes: [u8; QUICK_STAMP_BYTES],
    len: usize,
    time: super::Stamp,
}

/// Whether an open entry's text says that more lines belong to it.
fn expects_more(p: &Pending) -> bool {
    if p.partial {
        return true;
    }
    let m = &p.record.message;
    if let Some((_, after)) = m.split_once("FastCGI sent in stderr: \"") {
        return !after.contains("\" while ") && !after.contains(", client: ");
    }
    let uncaught = m.contains("Uncaught ") || m.starts_with("Stack trace:");
    uncaught && !m.lines().any(|l| l.trim_start().starts_with("thrown in "))
}

/// The shapes a continuation line takes inside a container stream, where a line of an
/// unknown program is its own entry: indented text, stack frames, chained exceptions,
/// further PHP messages and the closing line of an nginx FastCGI message.
fn looks_like_continuation(payload: &str) -> bool {
    payload.starts_with([' ', '\t'])
        || payload
            .strip_prefix('#')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        || [
            "Stack trace:",
            "Next ",
            "PHP message: ",
            "PHP Stack trace:",
            "PHP   ",
        ]
        .iter()
        .any(|p| payload.starts_with(p))
        || (payload.contains("\" while ") && payload.contains(", client: "))
}

#[derive(Clone, Copy)]
struct Span {
    line_no: u64,
    offset: u64,
    consumed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_slice_equality() {
        let text = b"2026/11/24 10:00:01 [error] 2026/11/24 10:00:02";
        for i in 0..text.len() {
            for j in i..text.len() {
                for k in 0..text.len() {
                    let (a, b) = (&text[i..j], &text[k..(k + j - i).min(text.len())]);
                    assert_eq!(same_bytes(a, b), a == b, "{i} {j} {k}");
                }
            }
        }
    }
    use crate::parse::detect_format;

    /// Runs text through detection and the assembler, as the app does.
    pub fn assemble(text: &str) -> Vec<Record> {
        let ctx = TimeCtx::default();
        let format = detect_format(text.lines(), &ctx);
        let mut asm = Assembler::new("t.log".into(), format, false, ctx);
        let mut out = Vec::new();
        let mut sink = |r| out.push(r);
        for piece in text.split_inclusive('\n') {
            let line = piece.strip_suffix('\n').unwrap_or(piece);
            asm.push(line.as_bytes(), piece.len() as u64, &mut sink);
        }
        asm.finish(&mut sink);
        out
    }

    fn covers_every_line_once(text: &str, records: &[Record]) {
        let total = text.split_inclusive('\n').count() as u64;
        let mut next = 1;
        for r in records {
            assert_eq!(r.line, next, "records must tile the file: {records:#?}");
            next += u64::from(r.lines);
        }
        assert_eq!(next, total + 1);
        assert_eq!(
            records.iter().map(|r| r.len).sum::<u64>(),
            text.len() as u64
        );
    }

    #[test]
    fn nginx_fastcgi_trace_is_one_record_with_context() {
        let text = "2026/11/24 10:00:01 [error] 811#811: *3 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: boom in /var/www/html/index.php:3\nStack trace:\n#0 {main}\n  thrown in /var/www/html/index.php on line 3\" while reading response header from upstream, client: 203.0.113.7, server: example.com, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"example.com\"\n2026/11/24 10:00:02 [error] 811#811: *4 open() \"/x\" failed (2: No such file or directory)\n";
        let records = assemble(text);
        covers_every_line_once(text, &records);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].lines, 4);
        assert!(records[0].message.contains("  thrown in"));
        assert_eq!(
            crate::parse::field(&records[0].fields, "client"),
            Some("203.0.113.7")
        );
    }

    #[test]
    fn php_errorlog_trace_and_leading_garbage() {
        let text = "#1 {main}\n[24-Nov-2026 10:00:01 UTC] PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/db.php:5\nStack trace:\n#0 /var/www/db.php(5): PDO->__construct()\n#1 {main}\n  thrown in /var/www/db.php on line 5\n[24-Nov-2026 10:00:02 UTC] PHP Warning:  x in /a.php on line 1";
        let records = assemble(text);
        covers_every_line_once(text, &records);
        assert_eq!(records[0].format, Format::Unknown);
        assert_eq!(records[1].lines, 5);
        assert_eq!(records[2].format, Format::PhpErrorlog);
    }

    #[test]
    fn docker_partials_are_joined_and_inner_format_parsed() {
        let text = concat!(
            r#"{"log":"2026/11/24 10:00:01 [error] 29#29: *3 upstream timed ","stream":"stderr","time":"2026-11-24T10:00:05.5Z"}"#,
            "\n",
            r#"{"log":"out (110: Operation timed out)\n","stream":"stderr","time":"2026-11-24T10:00:05.5Z"}"#,
            "\n",
            r#"{"log":"plain app output\n","stream":"stdout","time":"2026-11-24T10:00:06Z"}"#,
            "\n",
            "not json at all\n",
        );
        let records = assemble(text);
        covers_every_line_once(text, &records);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].lines, 2);
        assert_eq!(records[0].inner, Some(Format::NginxError));
        assert_eq!(
            records[0].message,
            "*3 upstream timed out (110: Operation timed out)".replacen("*3 ", "", 1)
        );
        // The docker stamp wins over nginx's own.
        assert_eq!(
            records[0].time.unwrap().to_string(),
            "2026-11-24T10:00:05.5Z"
        );
        assert_eq!(records[1].format, Format::DockerJson);
        assert_eq!(records[1].inner, None);
        assert_eq!(records[2].format, Format::Unknown);
    }

    #[test]
    fn compose_services_never_share_continuations() {
        let text = "php-1  | NOTICE: PHP message: PHP Fatal error:  Uncaught Error: x in /a.php:7\nweb-1  | 2026/11/24 10:00:01 [error] 29#29: y\nphp-1  | Stack trace:\nphp-1  | #0 {main}\n";
        let records = assemble(text);
        covers_every_line_once(text, &records);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].inner, Some(Format::PhpFpm));
        assert_eq!(records[1].inner, Some(Format::NginxError));
        assert_eq!(
            records[2].lines, 2,
            "trace pieces without an open entry of their service join each other"
        );
    }

    #[test]
    fn mixed_stream_reads_each_line_in_its_own_format() {
        let text = "2026/11/24 10:00:01 [error] 1#1: *1 connect() failed (111: Connection refused)\n203.0.113.7 - - [24/Nov/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 502 157 \"-\" \"curl\"\nnginx: [emerg] host not found in upstream \"php\" in /etc/nginx/conf.d/default.conf:3\n";
        let records = assemble(text);
        covers_every_line_once(text, &records);
        let formats: Vec<Format> = records.iter().map(|r| r.format).collect();
        assert_eq!(
            formats,
            [Format::NginxError, Format::Access, Format::NginxError]
        );
    }

    #[test]
    fn quick_repeat_answers_as_quick_head() {
        // After a line's stamp is cached, every line that starts with it (each byte of
        // the rest changed to a separator, digit or letter in turn, every length, every
        // level) gets from `quick_repeat` what `quick_head` gives, or no answer at all
        // only where the stamp differs.
        let first = b"2026/11/24 10:00:01 [notice] 12#345: *6 signal process started";
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for i in 0..48 {
            for c in [b'/', b':', b' ', b'[', b']', b'#', b'0', b'7', b'a', 0xff] {
                let mut l = first.to_vec();
                l[i] = c;
                cases.push(l);
            }
        }
        cases.extend((0..first.len()).map(|n| first[..n].to_vec()));
        for level in ["emerg", "error", "warn", "info", "err", "ERROR", "noticex"] {
            cases.push(format!("2026/11/24 10:00:01 [{level}] 1#2: x").into_bytes());
            cases.push(
                format!("2026/11/24 10:00:01 [{level}] 1#2: xxxxxxxxxxxxxxxxxxx").into_bytes(),
            );
        }
        let mut asm = Assembler::new("t".into(), Format::NginxError, false, TimeCtx::default());
        assert!(asm.quick_head(first).is_some());
        for case in cases {
            let repeat = asm.quick_repeat(&case);
            let head = asm.clone().quick_head(&case);
            let same_stamp = case.len() >= 19 && case[..19] == first[..19];
            let text = String::from_utf8_lossy(&case);
            match same_stamp {
                true => assert_eq!(repeat, head, "{text}"),
                false => assert_eq!(repeat, None, "{text}"),
            }
        }
    }

    #[test]
    fn crlf_invalid_utf8_and_missing_final_newline() {
        let bytes: &[u8] = b"2026/11/24 10:00:01 [error] 1#1: caf\xe9\r\n\x00\x00\x00\r\nplain";
        let ctx = TimeCtx::default();
        let mut asm = Assembler::new("t".into(), Format::NginxError, false, ctx);
        let mut out = Vec::new();
        let mut sink = |r| out.push(r);
        let mut offset = 0;
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            let line = piece.strip_suffix(b"\n").unwrap_or(piece);
            asm.push(line, piece.len() as u64, &mut sink);
            offset += piece.len();
        }
        asm.finish(&mut sink);
        assert_eq!(offset, bytes.len());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].lines, 3);
        assert_eq!(out[0].message, "caf\u{fffd}\n\0\0\0\nplain");
    }

    #[test]
    fn indented_entries_start_records_and_wrapped_apache_lines_run_on() {
        let text = "[24-Nov-2026 10:00:01] NOTICE: fpm is running, pid 1\n  nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n  thrown in /a.php on line 3\n";
        let records = assemble(text);
        covers_every_line_once(text, &records);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].format, Format::NginxError);
        assert_eq!(records[1].lines, 2);
        let text = "[Sat Nov 21 10:00:01.123456 2026] [proxy_fcgi:error] [pid 1:tid 2] (70007)The timeout specified has expired: [client 203.0.113.7:5] AH01075: Error\ndispatching request to : (polling)\n [Sat Nov 21 10:00:02.123456 2026] [core:notice] [pid 1] x\n";
        let records = assemble(text);
        covers_every_line_once(text, &records);
        assert_eq!(records.len(), 2);
        assert!(records[0]
            .message
            .ends_with("AH01075: Error dispatching request to : (polling)"));
    }

    #[test]
    fn complete_entries_flush_early_open_ones_wait() {
        let ctx = TimeCtx::default();
        let mut asm = Assembler::new("t".into(), Format::NginxError, false, ctx);
        let mut out = Vec::new();
        let mut sink = |r| out.push(r);
        asm.push(
            b"2026/11/24 10:00:01 [error] 1#1: *1 connect() failed (111: Connection refused)",
            80,
            &mut sink,
        );
        asm.flush_complete(&mut sink);
        assert!(!asm.has_pending());
        asm.push(b"2026/11/24 10:00:02 [error] 1#1: *2 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: x in /a.php:3", 100, &mut sink);
        asm.flush_complete(&mut sink);
        assert!(asm.has_pending(), "the trace is still coming");
        asm.push(b"Stack trace:", 13, &mut sink);
        asm.push(b"  thrown in /a.php on line 3\" while reading response header from upstream, client: 203.0.113.7", 90, &mut sink);
        asm.flush_complete(&mut sink);
        assert!(!asm.has_pending());
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].lines, 3);
    }

    #[test]
    fn runaway_continuations_are_capped() {
        let mut text = String::from("2026/11/24 10:00:01 [error] 1#1: start\n");
        for _ in 0..MAX_CONTINUATION_LINES + 10 {
            text.push_str("junk\n");
        }
        let records = assemble(&text);
        covers_every_line_once(&text, &records);
        assert_eq!(records[0].lines, MAX_CONTINUATION_LINES);
        assert_eq!(records.len(), 12);
    }
}
