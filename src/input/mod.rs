//! Input: turns the paths a user named into inputs (files, walked directories, stdin),
//! or finds the machine's logs (`discover`), and reads each one as physical lines —
//! memory-mapped for regular files, streamed through bounded buffers for stdin, `.gz`
//! and a command's stdout (`journalctl -o json`). Nothing here parses or prints.

mod command;
pub mod discover;
mod lines;
pub mod tail;
mod walk;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flate2::read::MultiGzDecoder;

use crate::error::Error;
pub use lines::{for_each_line, LineReader};
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
}

impl Input {
    pub fn file(path: PathBuf) -> Input {
        Input {
            name: path.display().to_string().into(),
            source: Source::File(path),
        }
    }

    pub fn stdin() -> Input {
        Input {
            name: "-".into(),
            source: Source::Stdin,
        }
    }
}

/// An opened input: either all its bytes (mapped) or a stream of them.
pub enum Opened {
    Mapped(Mapped),
    Stream(Box<dyn BufRead + Send>),
}

/// The bytes of a regular file (mapped; empty files have no mapping).
pub enum Mapped {
    Map(memmap2::Mmap),
    Empty,
}

impl Mapped {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Mapped::Map(m) => m,
            Mapped::Empty => &[],
        }
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

/// Opens an input for reading; gzip is recognised by its magic bytes, not its name.
pub fn open(input: &Input) -> Result<Opening, Error> {
    let path = match &input.source {
        Source::Stdin => {
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
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(Error::Input {
            path: input.name.to_string(),
            msg: "is a directory".into(),
        });
    }
    let mtime = meta.modified().ok().map(DateTime::<Utc>::from);
    let mut magic = [0u8; 2];
    let is_gzip = meta.is_file() && {
        let mut f = &file;
        f.read_exact(&mut magic).is_ok() && magic == GZIP_MAGIC
    };
    let opened = if is_gzip {
        let file = File::open(path).map_err(io_err)?;
        Opened::Stream(Box::new(BufReader::with_capacity(
            STREAM_BUFFER,
            MultiGzDecoder::new(BufReader::new(file)),
        )))
    } else if meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is read-only; a log that is truncated while we read it can
        // raise SIGBUS, the same trade-off ripgrep makes for regular files.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io_err)?;
        Opened::Mapped(Mapped::Map(map))
    } else if meta.is_file() {
        Opened::Mapped(Mapped::Empty)
    } else {
        // A FIFO or character device named on the command line: stream it.
        let file = File::open(path).map_err(io_err)?;
        Opened::Stream(Box::new(BufReader::with_capacity(STREAM_BUFFER, file)))
    };
    Ok(Opening { opened, mtime })
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
