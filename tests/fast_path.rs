//! The fast path end to end: large inputs (the prefilter and the skipped heads, chunks,
//! the findings store moving to its temporary file) report exactly what the full
//! reading reports. `--records` reads every record in full, in order; its findings,
//! incidents and summary must equal those of the plain run, from a file and from stdin.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn logscan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_logscan"))
}

/// Every error log, access log and Apache log of the scenarios, concatenated again and
/// again to about `bytes`: real entries in every shape the tests know, many times over
/// (out of time order at each seam, which the summary's first/last must survive).
fn big_log(name: &str, pick: impl Fn(&Path) -> bool, bytes: usize) -> PathBuf {
    let mut pieces = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("testdata/scenarios")
        .expect("testdata/scenarios")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files.into_iter().filter(|f| pick(f)) {
            let mut text = std::fs::read(&f).expect("readable");
            if !text.ends_with(b"\n") {
                text.push(b'\n');
            }
            pieces.push(text);
        }
    }
    assert!(!pieces.is_empty(), "no scenario logs for {name}");
    let path =
        std::env::temp_dir().join(format!("logscan-fast-path-{}-{name}", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut written = 0;
    while written < bytes {
        for p in &pieces {
            out.write_all(p).unwrap();
            written += p.len();
        }
    }
    out.flush().unwrap();
    path
}

/// The NDJSON lines of a run other than records, with `--records` or without.
fn report(path: &Path, records: bool, stdin: bool) -> Vec<String> {
    let mut cmd = logscan();
    cmd.args(["--json", "--tz", "UTC", "--no-progress"]);
    if records {
        cmd.arg("--records");
    }
    let out = if stdin {
        cmd.arg("-")
            .stdin(Stdio::from(std::fs::File::open(path).unwrap()))
            .output()
            .unwrap()
    } else {
        cmd.arg(path).output().unwrap()
    };
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with(r#"{"type":"record""#))
        .map(str::to_string)
        .collect()
}

fn same_as_full_reading(format: &str, pick: impl Fn(&Path) -> bool, min_findings: usize) {
    let name = format;
    // Past the fast path's 4 MiB threshold and one 16 MiB chunk; enough findings for
    // the store to spill.
    let path = big_log(name, pick, 40 << 20);
    let full = report(&path, true, false);
    let findings = full
        .iter()
        .filter(|l| l.contains(r#""type":"finding""#))
        .count();
    assert!(findings >= min_findings, "{name}: only {findings} findings");
    let summary = full.last().expect("a summary");
    assert!(
        summary.contains(&format!(r#""format":"{format}""#)),
        "read as another format: {summary}"
    );
    assert!(
        full.iter().any(|l| l.contains(r#""type":"incident""#)),
        "{name}: no incident"
    );
    assert_eq!(report(&path, false, false), full, "{name}: from the file");
    assert_eq!(
        report(&path, false, true),
        report(&path, true, true),
        "{name}: from stdin"
    );
    std::fs::remove_file(&path).unwrap();
}

fn named(path: &Path, names: &[&str]) -> bool {
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    names.contains(&file)
}

#[test]
fn nginx_error_logs_read_fast_report_what_a_full_reading_does() {
    same_as_full_reading(
        "nginx-error",
        |p| {
            named(p, &["error.log"])
                && std::fs::read(p).is_ok_and(|t| t.len() > 20 && t[4] == b'/' && t[7] == b'/')
        },
        10_000,
    );
}

#[test]
fn access_logs_read_fast_report_what_a_full_reading_does() {
    same_as_full_reading("access", |p| named(p, &["access.log", "access_log"]), 0);
}

#[test]
fn apache_error_logs_read_fast_report_what_a_full_reading_does() {
    same_as_full_reading(
        "apache-error",
        |p| {
            named(p, &["error_log", "error.log"])
                && std::fs::read_to_string(p).is_ok_and(|t| t.starts_with('[') && t.contains("] ["))
        },
        10_000,
    );
}

#[test]
fn php_fpm_logs_read_fast_report_what_a_full_reading_does() {
    same_as_full_reading(
        "php-fpm",
        |p| {
            std::fs::read(p).is_ok_and(|t| {
                t.len() > 24
                    && t[0] == b'['
                    && t[3] == b'-'
                    && t[7] == b'-'
                    && t[21] == b']'
                    && (t[23..].starts_with(b"NOTICE: ") || t[23..].starts_with(b"WARNING: "))
            })
        },
        1_000,
    );
}

#[test]
fn syslog_files_read_fast_report_what_a_full_reading_does() {
    same_as_full_reading(
        "syslog",
        |p| {
            std::fs::read(p).is_ok_and(|t| {
                let months = [
                    "Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ",
                    "Nov ", "Dec ",
                ];
                months.iter().any(|m| t.starts_with(m.as_bytes()))
            })
        },
        1_000,
    );
}
