//! Expands the paths on the command line: files as named, `-` as stdin, directories
//! walked recursively for log-like names. Symlink loops, unreadable entries, FIFOs and
//! devices are reported and skipped; they never stop the walk.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::Input;

/// What expanding the paths found.
#[derive(Default, Debug)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    /// `(path, reason)`: paths that could not be read at all (exit status 2).
    pub errors: Vec<(String, String)>,
    /// `(path, reason)`: entries skipped on purpose during a walk.
    pub notes: Vec<(String, String)>,
}

impl Expanded {
    /// Adds what another expansion found, after what this one holds.
    pub fn append(&mut self, other: Expanded) {
        self.inputs.extend(other.inputs);
        self.errors.extend(other.errors);
        self.notes.extend(other.notes);
    }
}

pub fn expand_paths(paths: &[String]) -> Expanded {
    let mut out = Expanded::default();
    for p in paths {
        if p == "-" {
            out.inputs.push(Input::stdin());
            continue;
        }
        let path = PathBuf::from(p);
        match fs::metadata(&path) {
            Err(e) => out.errors.push((p.clone(), e.to_string())),
            Ok(meta) if meta.is_dir() => {
                let mut seen = HashSet::new();
                walk_dir(&path, &mut seen, &mut out);
            }
            Ok(_) => out.inputs.push(Input::file(path)),
        }
    }
    out
}

fn walk_dir(dir: &Path, seen: &mut HashSet<(u64, u64)>, out: &mut Expanded) {
    let name = dir.display().to_string();
    match fs::metadata(dir) {
        Ok(m) if !seen.insert((m.dev(), m.ino())) => {
            out.notes
                .push((name, "symlink loop, not followed again".into()));
            return;
        }
        Ok(_) => {}
        Err(e) => {
            out.errors.push((name, e.to_string()));
            return;
        }
    }
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.errors.push((name, e.to_string()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            // The directory failed part-way (an I/O error, a vanished NFS mount):
            // say so instead of silently reading fewer files.
            Err(e) => out.errors.push((name.clone(), e.to_string())),
        }
    }
    paths.sort();
    for path in paths {
        let shown = path.display().to_string();
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            // A dangling symlink or an entry that vanished: nothing to read.
            Err(e) => {
                out.notes.push((shown, e.to_string()));
                continue;
            }
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            walk_dir(&path, seen, out);
        } else if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_log_like)
        {
            continue;
        } else if kind.is_fifo()
            || kind.is_char_device()
            || kind.is_block_device()
            || kind.is_socket()
        {
            out.notes
                .push((shown, "not a regular file, skipped".into()));
        } else {
            out.inputs.push(Input::walked(path));
        }
    }
}

/// Log-like file names: `*.log`, `error_log`, `*_log`, `*-json.log`, `syslog`, `messages`,
/// rotated copies (`.1`, `-20261124`) and `*.gz`.
pub fn is_log_like(name: &str) -> bool {
    if name.ends_with(".gz") {
        return true;
    }
    let base = strip_rotation(name);
    base.ends_with(".log")
        || base.ends_with("_log")
        || matches!(
            base,
            "syslog" | "messages" | "kern" | "dmesg" | "daemon" | "error_log"
        )
}

/// The live log's name behind a rotated copy: `error.log.2.gz` and `messages-20261124`
/// give `error.log` and `messages`; a live name is returned as it is.
pub fn strip_rotation(name: &str) -> &str {
    let mut base = name.strip_suffix(".gz").unwrap_or(name);
    // Strip rotation suffixes: `.1`, `.12`, `-20261124`.
    loop {
        let stripped = base
            .rsplit_once('.')
            .filter(|(_, n)| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
            .map(|(b, _)| b)
            .or_else(|| {
                base.rsplit_once('-')
                    .filter(|(_, n)| n.len() == 8 && n.bytes().all(|c| c.is_ascii_digit()))
                    .map(|(b, _)| b)
            });
        match stripped {
            Some(b) if !b.is_empty() => base = b,
            _ => break,
        }
    }
    if base.is_empty() {
        name
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_like_names() {
        for yes in [
            "error.log",
            "error_log",
            "access_log",
            "ssl_error_log",
            "abc-json.log",
            "error.log.1",
            "error.log.2.gz",
            "syslog",
            "syslog.1",
            "messages-20261124",
            "kern.log",
            "x.gz",
        ] {
            assert!(is_log_like(yes), "{yes}");
        }
        assert_eq!(strip_rotation("error.log.2.gz"), "error.log");
        assert_eq!(strip_rotation("messages-20261124"), "messages");
        assert_eq!(strip_rotation("4c1e-json.log.1"), "4c1e-json.log");
        assert_eq!(strip_rotation("error.log"), "error.log");
        for no in [
            "nginx.conf",
            "README",
            "php.ini",
            "logrotate",
            "1",
            ".1",
            "x.log.bak",
        ] {
            assert!(!is_log_like(no), "{no}");
        }
    }

    #[test]
    fn walk_picks_logs_and_survives_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("nginx")).unwrap();
        fs::write(root.join("nginx/error.log"), "x\n").unwrap();
        fs::write(root.join("nginx/nginx.conf"), "x\n").unwrap();
        fs::write(root.join("php8.2-fpm.log"), "x\n").unwrap();
        std::os::unix::fs::symlink(root, root.join("nginx/loop")).unwrap();
        let out = expand_paths(&[root.display().to_string(), "/no/such/file".into()]);
        let names: Vec<String> = out.inputs.iter().map(|i| i.name.to_string()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].ends_with("nginx/error.log"));
        assert!(names[1].ends_with("php8.2-fpm.log"));
        assert_eq!(out.errors.len(), 1);
        assert!(out.notes.iter().any(|(_, why)| why.contains("loop")));
    }
}
