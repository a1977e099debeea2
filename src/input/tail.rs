//! Following files as they grow (`--follow`): every file is tracked by identity
//! (device, inode) and by a fingerprint of its first bytes, not by name, so that
//! rename rotation (keep reading the old file to its end, late writes included, then
//! the new file at the path), copytruncate (start again from offset 0), delete and
//! re-create, and files that appear later all lose no line and repeat none.
//! Only whole lines are handed on; a line without its `\n` waits for the rest, or
//! for [`PARTIAL_IDLE`] for writers that never end their last line.

use std::collections::HashSet;
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::walk::is_log_like;

/// How long an unterminated last line waits for its `\n`.
pub const PARTIAL_IDLE: Duration = Duration::from_secs(2);
/// How long a rotated-away file is still read for late writes (nginx writes to the
/// old file until it reopens its logs).
const DRAIN_FOR: Duration = Duration::from_secs(10);
/// Bytes of a file's beginning kept to notice it was truncated and rewritten.
const FINGERPRINT: usize = 256;
/// Read at most this much per file per round, so one busy file cannot starve the others.
const READ_BUDGET: usize = 8 << 20;

/// What following produced for one file.
#[derive(Debug)]
pub enum TailEvent {
    /// The file behind the path is a new one (rotated, truncated, re-created): what
    /// follows is a new stream, with line numbers from 1.
    Restart { file: usize },
    /// Whole lines (each with its `\n`, the last possibly without after an idle wait).
    Lines { file: usize, bytes: Vec<u8> },
}

/// An open file being read.
struct Handle {
    file: File,
    id: (u64, u64),
    offset: u64,
    fingerprint: Vec<u8>,
    partial: Vec<u8>,
    partial_since: Option<Instant>,
}

/// A path followed.
struct Tracked {
    path: PathBuf,
    current: Option<Handle>,
    /// Rotated-away handles still read for late writes, with when they were retired.
    draining: Vec<(Handle, Instant)>,
}

/// Wakes the follow loop: file system events (inotify) or a polling interval.
pub enum Waker {
    Events {
        _watcher: notify::RecommendedWatcher,
        rx: mpsc::Receiver<()>,
    },
    Poll(Duration),
}

pub struct Tailer {
    files: Vec<Tracked>,
    /// Directories named by the user: new log-like files in them are followed too.
    dirs: Vec<PathBuf>,
    waker: Waker,
}

impl Tailer {
    /// Follows `files` (existing or not yet) from offset 0, and new log-like files in `dirs`.
    pub fn new(files: Vec<PathBuf>, dirs: Vec<PathBuf>, poll: bool) -> (Tailer, Option<String>) {
        let mut note = None;
        let waker = if poll {
            Waker::Poll(Duration::from_millis(250))
        } else {
            match event_waker(&files, &dirs) {
                Ok(w) => w,
                Err(e) => {
                    note = Some(format!(
                        "file events unavailable ({e}); polling every 250 ms"
                    ));
                    Waker::Poll(Duration::from_millis(250))
                }
            }
        };
        let files = files
            .into_iter()
            .map(|path| Tracked {
                path,
                current: None,
                draining: Vec::new(),
            })
            .collect();
        (Tailer { files, dirs, waker }, note)
    }

    pub fn path(&self, file: usize) -> &Path {
        &self.files[file].path
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Waits until something may have changed, at most `timeout`.
    pub fn wait(&self, timeout: Duration) {
        match &self.waker {
            Waker::Events { rx, .. } => {
                if rx.recv_timeout(timeout).is_ok() {
                    // Coalesce a burst of events into one round.
                    while rx.try_recv().is_ok() {}
                }
            }
            Waker::Poll(every) => std::thread::sleep((*every).min(timeout)),
        }
    }

    /// Files that appeared in the followed directories since the last call: their indexes.
    pub fn discover(&mut self) -> Vec<usize> {
        let known: HashSet<PathBuf> = self.files.iter().map(|t| t.path.clone()).collect();
        let mut found = Vec::new();
        for dir in &self.dirs {
            let mut stack = vec![dir.clone()];
            while let Some(d) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&d) else {
                    continue;
                };
                let mut paths: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                paths.sort();
                for p in paths {
                    match std::fs::metadata(&p) {
                        Ok(m) if m.is_dir() => stack.push(p),
                        Ok(m) if m.is_file() => {
                            let log_like = p
                                .file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(is_log_like);
                            // Compressed rotations are archives, not live logs.
                            let archive = p.extension().is_some_and(|e| e == "gz");
                            if log_like && !archive && !known.contains(&p) && !found.contains(&p) {
                                found.push(p);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        let first = self.files.len();
        for path in found {
            self.files.push(Tracked {
                path,
                current: None,
                draining: Vec::new(),
            });
        }
        (first..self.files.len()).collect()
    }

    /// Reads what every followed file gained; `idle_flush` also hands on unterminated
    /// lines that waited [`PARTIAL_IDLE`]. Errors are per file and not fatal.
    pub fn poll(&mut self, out: &mut dyn FnMut(TailEvent)) -> Vec<(PathBuf, io::Error)> {
        let mut errors = Vec::new();
        for (i, t) in self.files.iter_mut().enumerate() {
            if let Err(e) = poll_one(i, t, out) {
                errors.push((t.path.clone(), e));
            }
        }
        errors
    }

    /// Whether a partial line or a draining file may need a timed visit.
    pub fn has_timers(&self) -> bool {
        self.files.iter().any(|t| {
            !t.draining.is_empty() || t.current.as_ref().is_some_and(|h| !h.partial.is_empty())
        })
    }

    /// Hands on every unterminated line now (at exit).
    pub fn flush_partials(&mut self, out: &mut dyn FnMut(TailEvent)) {
        for (i, t) in self.files.iter_mut().enumerate() {
            for h in t
                .draining
                .iter_mut()
                .map(|(h, _)| h)
                .chain(t.current.as_mut())
            {
                if !h.partial.is_empty() {
                    out(TailEvent::Lines {
                        file: i,
                        bytes: std::mem::take(&mut h.partial),
                    });
                }
            }
        }
    }
}

fn event_waker(files: &[PathBuf], dirs: &[PathBuf]) -> notify::Result<Waker> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |_event: notify::Result<notify::Event>| {
        let _ = tx.send(());
    })?;
    // Parents of files, so that renames and re-creations are seen; the directories as given.
    let mut watched = HashSet::new();
    for f in files {
        let parent = f
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if watched.insert(parent.to_path_buf()) {
            watcher.watch(parent, RecursiveMode::NonRecursive)?;
        }
    }
    for d in dirs {
        if watched.insert(d.clone()) {
            watcher.watch(d, RecursiveMode::Recursive)?;
        }
    }
    Ok(Waker::Events {
        _watcher: watcher,
        rx,
    })
}

fn identity(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

fn open(path: &Path) -> io::Result<Handle> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    Ok(Handle {
        id: identity(&meta),
        file,
        offset: 0,
        fingerprint: Vec::new(),
        partial: Vec::new(),
        partial_since: None,
    })
}

fn poll_one(i: usize, t: &mut Tracked, out: &mut dyn FnMut(TailEvent)) -> io::Result<()> {
    // Late writes to rotated-away files first: they come before the new file's lines.
    let now = Instant::now();
    for (h, since) in t.draining.iter_mut() {
        if read_new(h, i, out)? {
            *since = now;
        }
    }
    t.draining
        .retain(|(_, since)| now.duration_since(*since) < DRAIN_FOR);

    let at_path = std::fs::metadata(&t.path).ok().filter(Metadata::is_file);
    match (&mut t.current, at_path) {
        (None, None) => {}
        (None, Some(_)) => {
            let h = t.current.insert(open(&t.path)?);
            out(TailEvent::Restart { file: i });
            read_new(h, i, out)?;
        }
        (Some(h), at_path) => {
            if h.file.metadata()?.len() < h.offset || rewritten(h)? {
                // copytruncate, or truncated and written again past our offset.
                h.offset = 0;
                h.fingerprint.clear();
                h.partial.clear();
                h.partial_since = None;
                out(TailEvent::Restart { file: i });
            }
            read_new(h, i, out)?;
            if let Some(m) = at_path {
                if identity(&m) != h.id {
                    // Rotated (renamed or deleted and re-created): keep the old file for
                    // late writes, start the new one from its beginning.
                    let old = t.current.replace(open(&t.path)?).expect("matched Some");
                    t.draining.push((old, now));
                    out(TailEvent::Restart { file: i });
                    read_new(t.current.as_mut().expect("just set"), i, out)?;
                }
            }
        }
    }
    Ok(())
}

/// Whether the file's first bytes are no longer the ones we read: it was truncated and
/// filled again beyond our offset before we looked.
fn rewritten(h: &mut Handle) -> io::Result<bool> {
    if h.fingerprint.is_empty() {
        return Ok(false);
    }
    let mut now = vec![0u8; h.fingerprint.len()];
    let n = read_at_full(&h.file, &mut now, 0)?;
    Ok(n < now.len() || now != h.fingerprint)
}

fn read_at_full(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64)? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// Reads what the file gained past our offset and hands on its whole lines.
/// Returns whether anything was read.
fn read_new(h: &mut Handle, i: usize, out: &mut dyn FnMut(TailEvent)) -> io::Result<bool> {
    // Positioned reads: the same handle is read again from 0 after a truncation.
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while buf.len() < READ_BUDGET {
        let r = h.file.read_at(&mut chunk, h.offset + buf.len() as u64)?;
        if r == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..r]);
    }
    let n = buf.len();
    if n == 0 {
        if !h.partial.is_empty() && h.partial_since.is_some_and(|s| s.elapsed() >= PARTIAL_IDLE) {
            out(TailEvent::Lines {
                file: i,
                bytes: std::mem::take(&mut h.partial),
            });
            h.partial_since = None;
        }
        return Ok(false);
    }
    if h.fingerprint.len() < FINGERPRINT && h.offset < FINGERPRINT as u64 {
        let start = h.offset as usize;
        let take = (FINGERPRINT - start).min(buf.len());
        if h.fingerprint.len() == start {
            h.fingerprint.extend_from_slice(&buf[..take]);
        }
    }
    h.offset += n as u64;
    let mut data = std::mem::take(&mut h.partial);
    data.extend_from_slice(&buf);
    match memchr::memrchr(b'\n', &data) {
        Some(last) => {
            h.partial = data.split_off(last + 1);
            h.partial_since = (!h.partial.is_empty()).then(Instant::now);
            out(TailEvent::Lines {
                file: i,
                bytes: data,
            });
        }
        None => {
            h.partial = data;
            h.partial_since.get_or_insert_with(Instant::now);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(t: &mut Tailer) -> (Vec<String>, usize) {
        let mut lines = Vec::new();
        let mut restarts = 0;
        let errors = t.poll(&mut |ev| match ev {
            TailEvent::Lines { bytes, .. } => lines.push(String::from_utf8(bytes).unwrap()),
            TailEvent::Restart { .. } => restarts += 1,
        });
        assert!(errors.is_empty(), "{errors:?}");
        (lines, restarts)
    }

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn rotation_truncation_and_partial_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("error.log");
        append(&path, "a\nb\n");
        let (mut t, _) = Tailer::new(vec![path.clone()], vec![], true);
        assert_eq!(collect(&mut t), (vec!["a\nb\n".to_string()], 1));
        append(&path, "c\nhal");
        assert_eq!(collect(&mut t).0, vec!["c\n".to_string()]);
        append(&path, "f\n");
        assert_eq!(collect(&mut t).0, vec!["half\n".to_string()]);
        // Rename rotation with a late write to the old file, then the new file.
        std::fs::rename(&path, dir.path().join("error.log.1")).unwrap();
        append(&dir.path().join("error.log.1"), "late\n");
        assert_eq!(collect(&mut t).0, vec!["late\n".to_string()]);
        append(&path, "new\n");
        let (lines, restarts) = collect(&mut t);
        assert_eq!(lines, vec!["new\n".to_string()]);
        assert_eq!(restarts, 1);
        // copytruncate: truncated, then written again past the old offset.
        std::fs::write(&path, "").unwrap();
        append(&path, "after truncation, a longer line than before\n");
        let (lines, restarts) = collect(&mut t);
        assert_eq!(
            lines,
            vec!["after truncation, a longer line than before\n".to_string()]
        );
        assert_eq!(restarts, 1);
        assert_eq!(collect(&mut t), (vec![], 0), "nothing is read twice");
    }

    #[test]
    fn files_that_appear_later() {
        let dir = tempfile::tempdir().unwrap();
        let later = dir.path().join("later.log");
        let (mut t, _) = Tailer::new(vec![later.clone()], vec![dir.path().to_path_buf()], true);
        assert_eq!(collect(&mut t).0.len(), 0);
        append(&later, "x\n");
        append(&dir.path().join("other_log"), "y\n");
        assert_eq!(t.discover(), vec![1]);
        let (lines, _) = collect(&mut t);
        assert_eq!(lines, vec!["x\n".to_string(), "y\n".to_string()]);
    }
}
