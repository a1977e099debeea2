//! End-to-end: runs the built binary on `testdata/` and checks what users and scripts rely on:
//! exit statuses, errors naming their path, and records that tile every file exactly once.

mod common;
use common::{objects, of_type};

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn logscan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// Every physical line of `path` is covered by exactly one record.
fn assert_tiles(path: &str, records: &[&Value]) {
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let lines = text.split(|&b| b == b'\n').count() - usize::from(text.ends_with(b"\n"));
    let mut next = 1;
    for r in records.iter().filter(|r| r["file"] == path) {
        assert_eq!(
            r["line"].as_u64().unwrap(),
            next,
            "{path}: gap or overlap at line {next}"
        );
        next += r["lines"].as_u64().unwrap();
    }
    assert_eq!(next as usize, lines + 1, "{path}: lines not all covered");
}

#[test]
fn every_format_fixture_is_read_whole_and_detected() {
    let want = [
        ("testdata/formats/nginx-error.log", "nginx-error"),
        ("testdata/formats/apache-error.log", "apache-error"),
        ("testdata/formats/php8.2-fpm.log", "php-fpm"),
        ("testdata/formats/php_errors.log", "php-errorlog"),
        ("testdata/formats/access.log", "access"),
        ("testdata/formats/web-json.log", "docker-json"),
        ("testdata/formats/docker-t.log", "docker-timestamps"),
        ("testdata/formats/compose.log", "docker-compose"),
        ("testdata/formats/kern.log", "syslog"),
        ("testdata/formats/journal.json", "journal"),
        ("testdata/formats/dmesg.log", "dmesg"),
    ];
    for (path, format) in want {
        let out = logscan(&["--records", "--json", "--tz", "UTC", path]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let objs = objects(&out);
        let records = of_type(&objs, "record");
        assert_tiles(path, &records);
        let summary = of_type(&objs, "summary")[0];
        assert_eq!(summary["files"][0]["format"], format, "{path}");
        assert_eq!(summary["files"][0]["unknown"], 0, "{path}");
        assert_eq!(objs.last().unwrap()["type"], "summary");
    }
}

#[test]
fn php_errorlog_zone_name_and_multiline_trace() {
    let out = logscan(&["--records", "--json", "testdata/formats/php_errors.log"]);
    let objs = objects(&out);
    let first = of_type(&objs, "record")[0];
    assert_eq!(
        first["time"], "2026-11-24T10:00:01Z",
        "Europe/Berlin 11:00 is 10:00 UTC"
    );
    assert_eq!(first["lines"], 5);
    assert_eq!(first["level"], "fatal");
}

#[test]
fn tz_moves_zone_less_stamps_only() {
    let out = logscan(&[
        "--records",
        "--json",
        "--tz",
        "America/New_York",
        "testdata/formats/nginx-error.log",
    ]);
    let objs = objects(&out);
    assert_eq!(of_type(&objs, "record")[0]["time"], "2026-11-24T15:00:01Z");
    let out = logscan(&[
        "--records",
        "--json",
        "--tz",
        "America/New_York",
        "testdata/formats/web-json.log",
    ]);
    let objs = objects(&out);
    assert_eq!(
        of_type(&objs, "record")[0]["time"],
        "2026-11-24T10:00:01.123456789Z"
    );
}

#[test]
fn missing_path_is_named_and_the_rest_still_reported() {
    let out = logscan(&["--json", "no/such/file.log", "testdata/formats/access.log"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no/such/file.log"), "{stderr}");
    let objs = objects(&out);
    let summary = of_type(&objs, "summary")[0];
    assert_eq!(summary["files"].as_array().unwrap().len(), 1);
    assert_eq!(summary["errors"][0]["path"], "no/such/file.log");
}

#[test]
fn directories_are_walked_and_gzip_and_stdin_read() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/formats/nginx-error.log"),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &src).unwrap();
    std::fs::write(dir.path().join("error.log.2.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("nginx.conf"), "not a log").unwrap();
    let out = logscan(&["--json", dir.path().to_str().unwrap()]);
    let objs = objects(&out);
    let files = &of_type(&objs, "summary")[0]["files"];
    assert_eq!(files.as_array().unwrap().len(), 1);
    assert_eq!(files[0]["format"], "nginx-error");
    assert_eq!(files[0]["lines"], 7);

    let mut child = Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(["--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &src).unwrap();
    let out = child.wait_with_output().unwrap();
    let objs = objects(&out);
    assert_eq!(of_type(&objs, "summary")[0]["files"][0]["path"], "-");
    assert_eq!(of_type(&objs, "summary")[0]["files"][0]["records"], 4);
}

#[test]
fn damaged_bytes_never_reach_the_terminal_raw() {
    let out = logscan(&["--records", "testdata/bad/damaged.log"]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    assert!(
        !out.stdout.contains(&0x1b),
        "ESC from a log must be escaped"
    );
    assert!(
        !out.stdout.contains(&0x07),
        "BEL from a log must be escaped"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\x1b]0;pwned"));
    let out = logscan(&["--records", "--json", "testdata/bad/damaged.log"]);
    let objs = objects(&out);
    assert_tiles("testdata/bad/damaged.log", &of_type(&objs, "record"));
}

#[test]
fn bad_flags_exit_2() {
    assert_eq!(logscan(&["--tz", "Mars/Base", "x"]).status.code(), Some(2));
    assert_eq!(logscan(&["--format", "nope", "x"]).status.code(), Some(2));
    assert_eq!(
        logscan(&["--since", "yesterday", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(logscan(&["--bogus"]).status.code(), Some(2));
    let out = logscan(&["--list-formats"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("docker-compose"));
}

#[test]
fn completions_man_page_version_and_help() {
    for (shell, marker) in [
        ("bash", "_logscan()"),
        ("zsh", "#compdef logscan"),
        ("fish", "complete -c logscan"),
    ] {
        let out = logscan(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(
            text.contains("--html") && text.contains("--root"),
            "{shell}"
        );
    }
    assert_eq!(logscan(&["completions", "tcsh"]).status.code(), Some(2));
    let man = logscan(&["man"]);
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.contains(".TH logscan 1") && page.contains(".SH EXAMPLES"),
        "{page}"
    );
    let version = logscan(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("logscan {}", env!("CARGO_PKG_VERSION"))
    );
    let help = String::from_utf8_lossy(&logscan(&["--help"]).stdout).into_owned();
    for example in [
        "logscan --since 2h --html postmortem.html",
        "journalctl -o json -f | logscan -f -",
        "logscan --json | jq -c 'select(.type==\"incident\") | {start, cause, status}'",
        "Exit status: 0 no incident",
    ] {
        assert!(help.contains(example), "{example} missing from --help");
    }
}
