//! A stream read ahead on a thread of its own: the next bytes of a pipe or of a
//! decompressed `.gz` arrive while the blocks already read are analyzed, instead of
//! the two taking turns. A few chunks are in flight at most, so memory stays bounded.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// Bytes handed over at a time, and how many such chunks may wait.
const CHUNK: usize = 1 << 20;
const IN_FLIGHT: usize = 3;

pub struct ReadAhead {
    chunks: Receiver<io::Result<Vec<u8>>>,
    /// Chunks read out go back to the reading thread to be filled again.
    empty: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
    /// The stream ended (or failed, the error already returned).
    done: bool,
}

impl ReadAhead {
    /// Reads `inner` on a new thread; hands it back when no thread can be made.
    pub fn new(inner: Box<dyn BufRead + Send>) -> Result<ReadAhead, Box<dyn BufRead + Send>> {
        let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT + 2);
        // The stream follows the thread, so that it is not lost if none can be made.
        let (inner_tx, inner_rx) = mpsc::channel::<Box<dyn BufRead + Send>>();
        let spawned = std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || {
                let Ok(mut inner) = inner_rx.recv() else {
                    return;
                };
                loop {
                    let mut chunk = empty_rx.try_recv().unwrap_or_default();
                    chunk.clear();
                    let more = fill(&mut *inner, &mut chunk);
                    // Bytes read before an error come first; a gone reader ends it all.
                    if !chunk.is_empty() && full_tx.send(Ok(chunk)).is_err() {
                        return;
                    }
                    match more {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(e) => {
                            let _ = full_tx.send(Err(e));
                            return;
                        }
                    }
                }
            });
        if spawned.is_err() {
            return Err(inner);
        }
        inner_tx.send(inner).map_err(|mpsc::SendError(back)| back)?;
        Ok(ReadAhead {
            chunks: full_rx,
            empty: empty_tx,
            current: Vec::new(),
            at: 0,
            done: false,
        })
    }
}

/// Reads into `chunk` until it holds [`CHUNK`] bytes (`Ok(true)`: there may be more)
/// or the stream ends (`Ok(false)`) or fails.
fn fill(inner: &mut dyn BufRead, chunk: &mut Vec<u8>) -> io::Result<bool> {
    chunk.reserve(CHUNK);
    while chunk.len() < CHUNK {
        let available = match inner.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(false);
        }
        let n = available.len().min(CHUNK - chunk.len());
        chunk.extend_from_slice(&available[..n]);
        inner.consume(n);
    }
    Ok(true)
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.current.len() && !self.done {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    let used = std::mem::replace(&mut self.current, chunk);
                    // The reading thread may have ended: the buffer is just dropped.
                    let _ = self.empty.try_send(used);
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.current[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.current.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives its bytes a few at a time, then fails, like a truncated `.gz`.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at == self.bytes.len() {
                return match self.fail_at_end {
                    true => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut")),
                    false => Ok(0),
                };
            }
            let n = out.len().min(7).min(self.bytes.len() - self.at);
            out[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn read_all(fail_at_end: bool, len: usize) -> (Vec<u8>, Option<io::ErrorKind>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let inner = io::BufReader::with_capacity(
            1000,
            Trickle {
                bytes,
                at: 0,
                fail_at_end,
            },
        );
        let mut ahead = ReadAhead::new(Box::new(inner)).unwrap_or_else(|_| panic!("a thread"));
        let mut got = Vec::new();
        loop {
            match ahead.fill_buf() {
                Ok([]) => return (got, None),
                Ok(b) => {
                    let n = b.len().min(4096);
                    got.extend_from_slice(&b[..n]);
                    ahead.consume(n);
                }
                Err(e) => return (got, Some(e.kind())),
            }
        }
    }

    #[test]
    fn every_byte_arrives_in_order() {
        for len in [0, 1, 4095, CHUNK, CHUNK + 1, 3 * CHUNK + 12345] {
            let (got, error) = read_all(false, len);
            let want: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            assert!(got == want, "{len}");
            assert_eq!(error, None);
        }
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        let len = 2 * CHUNK + 99;
        let (got, error) = read_all(true, len);
        assert_eq!(got.len(), len);
        assert_eq!(error, Some(io::ErrorKind::UnexpectedEof));
    }
}
