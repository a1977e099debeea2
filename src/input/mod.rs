//! Input: turns the paths a user named into inputs (files, walked directories, stdin),
//! or finds the machine's logs (`discover`), and reads each one as physical lines —
//! memory-mapped for regular files (guarded against the file shrinking under the map),
//! streamed through bounded buffers for stdin, `.gz`, FIFOs and a command's stdout
//! (`journalctl -o json`). Nothing here parses or prints.

mod command;
pub mod discover;
mod lines;
mod mmap_guard;
pub mod read_ahead;
pub mod tail;
mod walk;

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flate2::read::MultiGzDecoder;

use crate::error::Error;
pub use lines::{for_each_line, kept, LineReader};
pub use walk::{expand_paths, is_log_like, strip_rotation, Expanded};

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
    /// The stdout of a program (found logs: `journalctl -o json …`), read as a stream.
    Command {
        program: PathBuf,
        args: Vec<String>,
    },
}

/// An input with the name it is reported under.
#[derive(Clone, Debug)]
pub struct Input {
    pub name: Arc<str>,
    pub source: Source,
    /// Found by walking a directory (not named by the user): such a file is opened
    /// without blocking and read only while it is a regular file.
    pub walked: bool,
}

impl Input {
    /// A file the user named.
    pub fn file(path: PathBuf) -> Input {
        Input {
            name: path.display().to_string().into(),
            source: Source::File(path),
            walked: false,
        }
    }

    /// A file found in a directory walk.
    pub fn walked(path: PathBuf) -> Input {
        Input {
            walked: true,
            ..Input::file(path)
        }
    }

    pub fn stdin() -> Input {
        Input {
            name: "-".into(),
            source: Source::Stdin,
            walked: false,
        }
    }
}

/// An opened input: either all its bytes (mapped) or a stream of them.
pub enum Opened {
    Mapped(Mapped),
    Stream(Box<dyn BufRead + Send>),
}

/// The bytes of a regular file (mapped; empty files have no mapping).
pub struct Mapped {
    /// Declared before the map: the guard ends before the map is unmapped.
    guard: Option<mmap_guard::Guard>,
    map: Option<memmap2::Mmap>,
    /// The file, to be read by copying where that is cheaper than the map.
    file: Option<File>,
}

impl Mapped {
    /// Ends the map; a large one on a thread of its own, since tearing down a
    /// gigabyte's page tables takes ~30 ms the rest of the run can use.
    pub fn release(self) {
        const LARGE: usize = 64 << 20;
        if self.bytes().len() >= LARGE {
            // Should no thread be made, the map goes with the closure, here.
            let _ = std::thread::Builder::new()
                .name("unmap".into())
                .spawn(move || drop(self));
        }
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// The mapped file itself (none when it is empty).
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref().filter(|_| self.map.is_some())
    }

    /// The error to report if the file shrank while it was read: the pages past its
    /// new end read as NUL bytes, so the records from there on are not the file's.
    pub fn shrank(&self, name: &str) -> Option<Error> {
        self.guard
            .as_ref()
            .filter(|g| g.hit())
            .map(|_| Error::Input {
                path: name.to_string(),
                msg: "the file shrank while it was read (truncated or rotated with copytruncate); \
                  its end was read as NUL bytes"
                    .into(),
            })
    }
}

/// What reading needs to know of a file besides its bytes.
pub struct Opening {
    pub opened: Opened,
    /// Last modification, for stamps without a year.
    pub mtime: Option<DateTime<Utc>>,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const STREAM_BUFFER: usize = 256 * 1024;

/// Whether a file starts with the gzip magic (read as a stream, of unknown length).
pub fn is_gzip(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 2];
    std::fs::File::open(path).is_ok_and(|mut f| f.read_exact(&mut magic).is_ok())
        && magic == GZIP_MAGIC
}

/// Asks for a larger pipe buffer when `fd` is a pipe (Linux: up to the system's
/// `pipe-max-size`, 1 MiB by default): the writer and logscan then take turns a
/// sixteenth as often as with the 64 KiB default. Nothing changes where it cannot.
fn widen_pipe(fd: libc::c_int) {
    #[cfg(target_os = "linux")]
    // SAFETY: fcntl on a descriptor this process owns; it only reads or sets the size
    // of its pipe buffer, and fails harmlessly on anything that is not a pipe.
    unsafe {
        libc::fcntl(
            fd,
            libc::F_SETPIPE_SZ,
            STREAM_BUFFER.max(1 << 20) as libc::c_int,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = fd;
}

/// Reads a piece of a mapped file with its pages mapped in one call first
/// (`MADV_POPULATE_READ`, Linux 5.14+) instead of a page fault every few pages, and
/// their entries dropped on this thread after (`MADV_DONTNEED` holds the map's lock only
/// for reading): tearing down a large map is shared out as it is read, not left to one
/// `munmap` at the end that stalls every thread. A byte read again later is mapped again
/// from the page cache, unchanged. Only for a file mapping: dropping the pages of
/// anonymous memory would zero them. Where the kernel does not know the advice, the
/// piece is simply read.
pub fn read_mapped<T>(bytes: &[u8], read: impl FnOnce(&[u8]) -> T) -> T {
    const PAGE: usize = 4096;
    let start = bytes.as_ptr() as usize;
    let end = start + bytes.len();
    // Every page the piece touches (a map starts on a page boundary, so rounding down
    // stays inside it).
    advise(start & !(PAGE - 1), end, Advice::Populate);
    let result = read(bytes);
    // Only the pages wholly inside it: those at its ends may still be read.
    advise(
        start.next_multiple_of(PAGE),
        end & !(PAGE - 1),
        Advice::Drop,
    );
    result
}

enum Advice {
    Populate,
    Drop,
}

/// Gives the kernel `advice` on the pages from `from` to `to` (a range of one of this
/// process's read-only file mappings); nothing when the range is empty.
fn advise(from: usize, to: usize, advice: Advice) {
    #[cfg(target_os = "linux")]
    if to > from {
        let advice = match advice {
            Advice::Populate => libc::MADV_POPULATE_READ,
            Advice::Drop => libc::MADV_DONTNEED,
        };
        // SAFETY: the range lies in one of this process's read-only file mappings,
        // never written; filling or dropping its page-table entries changes no byte
        // anyone reads.
        unsafe {
            libc::madvise(from as *mut libc::c_void, to - from, advice);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (from, to, advice);
}

/// Opens an input for reading; gzip is recognised by its magic bytes, not its name.
pub fn open(input: &Input) -> Result<Opening, Error> {
    let path = match &input.source {
        Source::Stdin => {
            widen_pipe(0);
            let reader = BufReader::with_capacity(STREAM_BUFFER, io::stdin());
            return Ok(Opening {
                opened: Opened::Stream(maybe_gunzip(reader, &input.name)?),
                mtime: None,
            });
        }
        Source::Command { program, args } => {
            let output = command::CommandOutput::spawn(program, args, &input.name)?;
            return Ok(Opening {
                opened: Opened::Stream(Box::new(BufReader::with_capacity(STREAM_BUFFER, output))),
                mtime: None,
            });
        }
        Source::File(p) => p,
    };
    let io_err = |source| Error::Io {
        path: input.name.to_string(),
        source,
    };
    // A walked entry was a regular file when the directory was read; opened without
    // blocking, a FIFO put in its place since cannot hang the run.
    let flags = if input.walked { libc::O_NONBLOCK } else { 0 };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(Error::Input {
            path: input.name.to_string(),
            msg: "is a directory".into(),
        });
    }
    if input.walked && !meta.is_file() {
        return Err(Error::Input {
            path: input.name.to_string(),
            msg: "no longer a regular file (replaced since the directory was read), skipped".into(),
        });
    }
    let mtime = meta.modified().ok().and_then(sane_time);
    // Read at an offset, so the file's position stays at its start.
    let mut magic = [0u8; 2];
    let is_gzip =
        meta.is_file() && file.read_exact_at(&mut magic, 0).is_ok() && magic == GZIP_MAGIC;
    let opened = if is_gzip {
        Opened::Stream(Box::new(BufReader::with_capacity(
            STREAM_BUFFER,
            MultiGzDecoder::new(BufReader::new(file)),
        )))
    } else if meta.is_file() && meta.len() > 0 {
        map_or_stream(file).map_err(io_err)?
    } else if meta.is_file() {
        Opened::Mapped(Mapped {
            guard: None,
            map: None,
            file: None,
        })
    } else {
        // A FIFO or character device named on the command line: stream it.
        Opened::Stream(Box::new(BufReader::with_capacity(STREAM_BUFFER, file)))
    };
    Ok(Opening { opened, mtime })
}

/// Maps a regular file under a SIGBUS guard (see `mmap_guard`); streams it when no
/// guard is to be had, since an unguarded map of a shrinking file kills the process.
fn map_or_stream(file: File) -> io::Result<Opened> {
    // SAFETY: the map is read-only and guarded: a page past the end of a file that
    // shrinks while mapped reads as zeros instead of raising SIGBUS.
    let map = unsafe { memmap2::Mmap::map(&file) }?;
    Ok(match mmap_guard::Guard::new(map.as_ptr(), map.len()) {
        Some(guard) => Opened::Mapped(Mapped {
            guard: Some(guard),
            map: Some(map),
            file: Some(file),
        }),
        None => Opened::Stream(Box::new(BufReader::with_capacity(STREAM_BUFFER, file))),
    })
}

/// A file time as UTC, if it lies in years 1..=9999 (a forged mtime can hold any
/// value, and later date arithmetic must not overflow).
fn sane_time(t: std::time::SystemTime) -> Option<DateTime<Utc>> {
    let secs = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok()?,
        Err(e) => i64::try_from(e.duration().as_secs()).ok()?.checked_neg()?,
    };
    let time = DateTime::<Utc>::from_timestamp(secs, 0)?;
    (1..=9999)
        .contains(&chrono::Datelike::year(&time))
        .then_some(time)
}

/// Wraps a stream in a gzip decoder when it starts with the gzip magic.
fn maybe_gunzip<R: BufRead + Send + 'static>(
    mut reader: R,
    name: &str,
) -> Result<Box<dyn BufRead + Send>, Error> {
    let head = reader.fill_buf().map_err(|source| Error::Io {
        path: name.to_string(),
        source,
    })?;
    if head.starts_with(&GZIP_MAGIC) {
        Ok(Box::new(BufReader::with_capacity(
            STREAM_BUFFER,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walked_file_gone_or_turned_into_a_fifo_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let gone = Input::walked(dir.path().join("rotated-away.log"));
        let e = open(&gone).err().expect("an error");
        assert!(e.to_string().contains("rotated-away.log"), "{e}");
        // A FIFO without a writer: a blocking open would wait forever.
        let fifo = dir.path().join("error.log");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let e = open(&Input::walked(fifo)).err().expect("an error");
        assert!(e.to_string().contains("no longer a regular file"), "{e}");
    }

    #[test]
    fn gzip_is_known_by_its_magic_and_the_file_is_read_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.log");
        std::fs::write(&path, b"\x1f\x8c not gzip\n").unwrap();
        let Opened::Mapped(m) = open(&Input::walked(path)).unwrap().opened else {
            panic!("a plain file is mapped");
        };
        assert_eq!(m.bytes(), b"\x1f\x8c not gzip\n");
        assert!(m.shrank("plain.log").is_none());
    }

    #[test]
    fn forged_mtimes_are_ignored() {
        let far = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1 << 40);
        assert_eq!(sane_time(far), None);
        let ok = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_564_800);
        assert!(sane_time(ok).is_some());
    }
}
