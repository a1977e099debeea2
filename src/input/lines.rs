//! Splits bytes into physical lines: `\n`-terminated, the terminator counted in the
//! bytes a line consumed, a final line without `\n` kept. Slices are borrowed;
//! streams reuse one buffer that grows only for a longer line. A line longer than
//! [`MAX_LINE_BYTES`] keeps its first bytes and is still counted whole, the same way
//! on both paths, so memory stays bounded however long a line runs.

use std::io::{self, BufRead};

/// The most bytes of one physical line that are kept (16 MiB); the rest of the line
/// is skipped but counted in the bytes it consumed. Streams hold up to 200 lines for
/// format detection, so this bounds that too.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The part of a physical line that is kept: its first [`MAX_LINE_BYTES`]. Every
/// reading of a slice (full, fast path, detection) cuts lines here, so they agree.
#[inline]
pub fn kept(line: &[u8]) -> &[u8] {
    &line[..line.len().min(MAX_LINE_BYTES)]
}

/// Calls `f(line, consumed)` for every line of a byte slice.
pub fn for_each_line(bytes: &[u8], f: impl FnMut(&[u8], u64)) {
    for_each_line_capped(bytes, MAX_LINE_BYTES, f);
}

fn for_each_line_capped(bytes: &[u8], cap: usize, mut f: impl FnMut(&[u8], u64)) {
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        f(
            &bytes[start..end.min(start + cap)],
            (end + 1 - start) as u64,
        );
        start = end + 1;
    }
    if start < bytes.len() {
        let end = bytes.len().min(start + cap);
        f(&bytes[start..end], (bytes.len() - start) as u64);
    }
}

/// Reads lines from a stream into one reused buffer.
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    cap: usize,
    /// An error met after part of a line was read: that part is returned first.
    deferred: Option<io::Error>,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R) -> LineReader<R> {
        LineReader::with_cap(reader, MAX_LINE_BYTES)
    }

    fn with_cap(reader: R, cap: usize) -> LineReader<R> {
        LineReader {
            reader,
            buf: Vec::with_capacity(8 * 1024),
            cap,
            deferred: None,
        }
    }

    /// The next line (without `\n`) and the bytes it consumed; `None` at the end. When
    /// reading fails mid-line (a truncated `.gz`), the part read so far comes first
    /// and the error on the next call.
    pub fn next_line(&mut self) -> io::Result<Option<(&[u8], u64)>> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        self.buf.clear();
        let mut consumed = 0u64;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if consumed > 0 => {
                    self.deferred = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            let (used, text, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, &available[..i], true),
                None => (available.len(), available, false),
            };
            let room = self.cap.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&text[..text.len().min(room)]);
            self.reader.consume(used);
            consumed += used as u64;
            if done {
                break;
            }
        }
        Ok((consumed > 0).then_some((&self.buf[..], consumed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice_lines(b: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let mut out = Vec::new();
        for_each_line(b, |l, n| out.push((l.to_vec(), n)));
        out
    }

    fn stream_lines(b: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let mut r = LineReader::new(io::BufReader::with_capacity(3, b));
        let mut out = Vec::new();
        while let Some((l, n)) = r.next_line().unwrap() {
            out.push((l.to_vec(), n));
        }
        out
    }

    #[test]
    fn slices_and_streams_agree() {
        for input in [&b""[..], b"a", b"a\n", b"a\nbc\n\nlast", b"\n\n", b"x\r\ny"] {
            let s = slice_lines(input);
            assert_eq!(s, stream_lines(input), "{input:?}");
            assert_eq!(s.iter().map(|(_, n)| n).sum::<u64>(), input.len() as u64);
        }
        assert_eq!(slice_lines(b"a\nb").len(), 2);
    }

    #[test]
    fn long_lines_keep_their_head_and_count_in_full() {
        let input = b"0123456789\nab\n0123456789";
        let mut sliced = Vec::new();
        for_each_line_capped(input, 4, |l, n| sliced.push((l.to_vec(), n)));
        let mut r = LineReader::with_cap(io::BufReader::with_capacity(3, &input[..]), 4);
        let mut streamed = Vec::new();
        while let Some((l, n)) = r.next_line().unwrap() {
            streamed.push((l.to_vec(), n));
        }
        let want = vec![
            (b"0123".to_vec(), 11),
            (b"ab".to_vec(), 3),
            (b"0123".to_vec(), 10),
        ];
        assert_eq!(sliced, want);
        assert_eq!(streamed, want);
    }

    /// Fails after handing out `good` bytes, as a truncated gzip stream does.
    struct FailsAfter<'a> {
        good: &'a [u8],
    }

    impl io::Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.good.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut short"));
            }
            let n = buf.len().min(self.good.len());
            buf[..n].copy_from_slice(&self.good[..n]);
            self.good = &self.good[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_line_cut_by_an_error_is_kept_before_the_error() {
        let reader = io::BufReader::new(FailsAfter {
            good: b"whole\nhalf a li",
        });
        let mut r = LineReader::new(reader);
        assert_eq!(r.next_line().unwrap(), Some((&b"whole"[..], 6)));
        assert_eq!(r.next_line().unwrap(), Some((&b"half a li"[..], 9)));
        assert!(r.next_line().is_err());
    }
}
