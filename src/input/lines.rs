//! Splits bytes into physical lines: `\n`-terminated, the terminator counted in the
//! bytes a line consumed, a final line without `\n` kept. Slices are borrowed;
//! streams reuse one buffer that grows only for a longer line.

use std::io::{self, BufRead};

/// Calls `f(line, consumed)` for every line of a byte slice.
pub fn for_each_line(bytes: &[u8], mut f: impl FnMut(&[u8], u64)) {
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        f(&bytes[start..end], (end + 1 - start) as u64);
        start = end + 1;
    }
    if start < bytes.len() {
        f(&bytes[start..], (bytes.len() - start) as u64);
    }
}

/// Reads lines from a stream into one reused buffer.
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R) -> LineReader<R> {
        LineReader {
            reader,
            buf: Vec::with_capacity(8 * 1024),
        }
    }

    /// The next line (without `\n`) and the bytes it consumed; `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<(&[u8], u64)>> {
        self.buf.clear();
        let n = self.reader.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        let line = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        Ok(Some((line, n as u64)))
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
}
