//! End-to-end hostile input: the built binary on trees, names and bytes an attacker
//! or a broken machine could leave behind. It must not crash, hang, let a log byte
//! drive the terminal, or lose the evidence; every error names its path, exit 2.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const FATAL: &str = "2026/11/24 10:00:01 [error] 811#811: *3 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function wc_get_cart() in /var/www/html/cart.php:12\" while reading response header from upstream, client: 203.0.113.7, server: shop.example.com, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\"";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_logscan"))
}

/// Runs logscan with a deadline: a hang fails the test instead of blocking the suite.
fn run(args: &[&str]) -> Output {
    let child = bin()
        .args(["--tz", "UTC"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.expect("output collected"),
        Err(_) => {
            // SAFETY: kill(2) on the pid of our own child.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("logscan {args:?} did not finish in 60 s");
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first control character other than newline and tab, if any.
fn control_char(out: &[u8]) -> Option<char> {
    text(out)
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
}

fn findings(out: &Output) -> Vec<serde_json::Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("NDJSON"))
        .filter(|o| o["type"] == "finding")
        .collect()
}

#[test]
fn log_text_and_names_never_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "\x1b]0;owned\x07\x1b[2J\u{9b}1m\u{202e}";
    // Log-derived text in every place the report quotes it: the matched line, the
    // explanation's fields (pool, limit, killed process, upstream) and the file name.
    let lines = [
        FATAL.replace("wc_get_cart", &format!("wc{evil}")),
        format!("2026/11/24 10:00:02 [error] 811#811: *4 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7, server: x, request: \"GET /{evil} HTTP/1.1\", upstream: \"http://127.0.0.1:9{evil}/\", host: \"x\""),
        format!("2026/11/24 10:00:03 [alert] 811#811: *5 1024 worker_connections are not enough{evil}"),
    ];
    let name = format!("error{evil}.log");
    std::fs::write(dir.path().join(&name), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        dir.path().join("php-fpm.log"),
        format!("[24-Nov-2026 10:00:01] WARNING: [pool www{evil}] server reached pm.max_children setting (5), consider raising it\n[24-Nov-2026 10:00:02] WARNING: [pool www{evil}] child 42 exited on signal 11 (SIGSEGV) after 1.0 seconds from start\n"),
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    for args in [
        vec!["--color", "never", root],
        vec!["--color", "always", root],
        vec!["--records", "--color", "never", root],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        // `--color always` writes logscan's own SGR codes: strip exactly those.
        let shown = text(&out.stdout);
        let own = [
            "\x1b[1m",
            "\x1b[1;31m",
            "\x1b[32m",
            "\x1b[2m",
            "\x1b[36m",
            "\x1b[0m",
        ];
        let shown = own.iter().fold(shown, |s, code| s.replace(code, ""));
        assert_eq!(control_char(shown.as_bytes()), None, "{args:?}:\n{shown}");
        assert!(shown.contains("\\x1b]0;owned\\x07"), "{shown}");
        assert!(shown.contains("\\x202e"), "bidi override escaped: {shown}");
        assert_eq!(control_char(&out.stderr), None);
    }
    // JSON keeps the bytes, escaped by serde.
    let out = run(&["--json", root]);
    let all = findings(&out);
    assert!(all
        .iter()
        .any(|f| f["message"].as_str().unwrap().contains(evil)));
}

#[test]
fn fifos_devices_loops_and_dangling_links_in_a_walk_are_notes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/error.log"), format!("{FATAL}\n")).unwrap();
    let fifo = root.join("pipe.log");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.log")).unwrap();
    std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("gone"), root.join("dangling.log")).unwrap();
    let out = run(&["--json", root.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(findings(&out).len(), 1);
    for (name, why) in [
        ("pipe.log", "not a regular file"),
        ("zero.log", "not a regular file"),
        ("loop", "symlink loop"),
        ("dangling.log", "No such file"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("logscan: note: ") && l.contains(name) && l.contains(why)),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn thousands_of_files_need_few_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5000 {
        std::fs::write(dir.path().join(format!("site{i}.error.log")), "noise\n").unwrap();
    }
    std::fs::write(dir.path().join("site5000.error.log"), format!("{FATAL}\n")).unwrap();
    // 32 descriptors: stdio, the pool's threads and a handful of open files at most.
    let script = format!(
        "ulimit -n 32 && exec '{}' --json --tz UTC -j 4 '{}'",
        env!("CARGO_BIN_EXE_logscan"),
        dir.path().display()
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(findings(&out).len(), 1);
    let summary = text(&out.stdout);
    assert!(summary.contains("\"errors\":[]"), "{summary}");
}

#[test]
fn a_truncated_gz_gives_what_it_holds_and_names_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let noise = "2026/11/24 10:00:00 [error] 811#811: *1 open() \"/x\" failed (2: No such file or directory)\n";
    gz.write_all(format!("{FATAL}\n").as_bytes()).unwrap();
    for _ in 0..4000 {
        gz.write_all(noise.as_bytes()).unwrap();
    }
    let bytes = gz.finish().unwrap();
    let path = dir.path().join("error.log.1.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let other = dir.path().join("other.log");
    std::fs::write(&other, format!("{FATAL}\n")).unwrap();
    let out = run(&["--json", path.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("logscan: {}: ", path.display())),
        "{stderr}"
    );
    assert_eq!(findings(&out).len(), 2, "both files' evidence is reported");
}

#[test]
fn huge_lines_stay_one_record_and_short_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.log");
    let huge = format!(
        "{}{}\n{FATAL}\n",
        FATAL.replace("wc_get_cart", "huge"),
        "x".repeat(20 << 20)
    );
    std::fs::write(&path, &huge).unwrap();
    let out = run(&["--records", "--json", path.to_str().unwrap()]);
    let records: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|o| o["type"] == "record")
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["line"], 2);
    let out = run(&["--color", "never", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.len() < 20_000,
        "{} bytes shown",
        out.stdout.len()
    );
    let out = run(&["--records", "--color", "never", path.to_str().unwrap()]);
    assert!(
        out.stdout.len() < 40_000,
        "{} bytes shown",
        out.stdout.len()
    );
}

#[test]
fn hostile_numbers_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.json");
    // A forged journal stamp near chrono's limit once overflowed the incident window.
    std::fs::write(
        &path,
        "{\"__REALTIME_TIMESTAMP\":\"8210266876799999999\",\"PRIORITY\":\"3\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":\"Out of memory: Killed process 4242 (php-fpm8.2) total-vm:1kB, anon-rss:1kB\"}\n",
    )
    .unwrap();
    let out = run(&["--json", path.to_str().unwrap()]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(findings(&out).len(), 1);
    for flag in ["--since", "--until"] {
        let out = run(&[flag, "100000000000d", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).starts_with(&format!("logscan: {flag}: ")));
    }
    let out = run(&["--window", "9223372036854775807d", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--window"));
    // Once spent the run spawning a million threads.
    let out = run(&["-j", "1000000", "--json", path.to_str().unwrap()]);
    assert_eq!(findings(&out).len(), 1);
}

#[test]
fn rule_file_errors_name_file_and_line_and_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("evil.toml"),
        "[[rule]]\nid = \"x\"\ncause = \"php_fatal\"\nregex = 'boom'\nsamples = [\"no \\u001b[2J match\"]\n",
    )
    .unwrap();
    let log = dir.path().join("error.log");
    std::fs::write(&log, format!("{FATAL}\n")).unwrap();
    let out = run(&["--patterns", rules.to_str().unwrap(), log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("evil.toml:2: "), "{stderr}");
    assert!(stderr.contains("\\x1b[2J"), "{stderr}");
    assert_eq!(control_char(&out.stderr), None, "{stderr}");
}

#[test]
fn a_walked_file_that_is_unreadable_or_gone_is_named_and_the_rest_read() {
    // Root reads anything: drop to `nobody` where the tests run as root.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.log"), format!("{FATAL}\n")).unwrap();
    std::fs::write(root.join("secret.log"), "x\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        root.join("secret.log"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    let out = if as_root {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_logscan"))
            .args(["--json", "--tz", "UTC", root.to_str().unwrap()])
            .output()
            .expect("setpriv runs")
    } else {
        run(&["--json", root.to_str().unwrap()])
    };
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("secret.log: Permission denied"), "{stderr}");
    assert_eq!(findings(&out).len(), 1, "a.log is still read");
}

#[test]
fn binary_garbage_around_evidence_keeps_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..200_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        bytes.push(seed as u8);
    }
    bytes.extend_from_slice(b"\n\0\0\0\r\n");
    bytes.extend_from_slice(FATAL.replace("cart.php", "c\u{e9}rt.php").as_bytes());
    bytes.extend_from_slice(b"\r\n\xff\xfe\0");
    let path = dir.path().join("garbage.log");
    std::fs::write(&path, &bytes).unwrap();
    let out = run(&["--records", "--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let objs: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: u64 = objs
        .iter()
        .filter(|o| o["type"] == "record")
        .map(|o| o["lines"].as_u64().unwrap())
        .sum();
    let physical = bytes.split(|&b| b == b'\n').count() as u64;
    assert_eq!(lines, physical, "every line of the garbage is a record's");
    assert!(Path::new(&path).exists());
}

#[test]
fn user_rules_too_large_together_are_an_error_naming_the_directory() {
    // Each regex fits the size limit alone; with the catalog it once panicked.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let sample = format!("{}zz", "a".repeat(200));
    std::fs::write(
        rules.join("big.toml"),
        format!("[[rule]]\nid = \"big\"\ncause = \"php_fatal\"\nregex = '\\w{{200}}zz'\nsamples = [\"{sample}\"]\n"),
    )
    .unwrap();
    let log = dir.path().join("error.log");
    std::fs::write(&log, format!("{FATAL}\n")).unwrap();
    let out = run(&["--patterns", rules.to_str().unwrap(), log.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "logscan: {}: the rules together are too large",
            rules.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_gzip_bomb_of_long_continuation_lines_stays_within_memory() {
    // 48 continuation lines of 16 MiB: 768 MiB of text joined to one nginx entry,
    // a few megabytes compressed. Lines and entries keep bounded text.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"2026/11/24 10:00:00 [notice] 1#1: start\n")
        .unwrap();
    let line = vec![b'x'; 16 << 20];
    for _ in 0..48 {
        gz.write_all(&line).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let out = run(&["--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"lines\":49"));
    // SAFETY: getrusage fills the struct it is given.
    let peak_kib = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    };
    assert!(
        peak_kib < 400 << 10,
        "peak RSS of a child: {} MiB",
        peak_kib >> 10
    );
}

#[test]
fn every_bad_fixture_is_read_whole_and_keeps_its_evidence() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bad");
    let want: [(&str, i32, &[&str]); 5] = [
        ("damaged.log", 0, &[]),
        ("nul-holes.log", 1, &["php-uncaught-exception"]),
        ("long-line.log", 1, &["php-uncaught-exception"]),
        (
            "mixed-streams-json.log",
            1,
            &["nginx-upstream-timeout", "fpm-max-children"],
        ),
        ("cut.log.gz", 2, &["php-uncaught-exception"]),
    ];
    let mut fixtures: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    fixtures.sort();
    let mut named: Vec<String> = want.iter().map(|(n, _, _)| n.to_string()).collect();
    named.sort();
    assert_eq!(
        fixtures, named,
        "every fixture in testdata/bad has expectations here"
    );
    for (name, code, rules) in want {
        let path = root.join(name);
        let out = run(&["--records", "--json", path.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}: {}",
            text(&out.stderr)
        );
        let objs: Vec<serde_json::Value> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got: Vec<&str> = objs
            .iter()
            .filter(|o| o["type"] == "finding")
            .map(|o| o["rule"].as_str().unwrap())
            .collect();
        assert_eq!(got, rules, "{name}");
        if name.ends_with(".gz") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let physical = bytes.split(|&b| b == b'\n').count() - usize::from(bytes.ends_with(b"\n"));
        let mut next = 1;
        for r in objs.iter().filter(|o| o["type"] == "record") {
            assert_eq!(r["line"], next, "{name}: records tile the file");
            next += r["lines"].as_u64().unwrap();
        }
        assert_eq!(next as usize, physical + 1, "{name}");
    }
    // The entry written right after a copytruncate hole is read as nginx's.
    let out = run(&[
        "--records",
        "--json",
        root.join("nul-holes.log").to_str().unwrap(),
    ]);
    let first: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["format"], "nginx-error");
}

#[test]
fn a_file_truncated_while_it_is_scanned_is_reported_not_fatal() {
    // Without the SIGBUS guard this kills the test binary: the sink truncates the
    // mapped file after the first record, and the scan reads on into the lost pages.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("error.log");
    let line = "2026/11/24 10:00:00 [error] 811#811: *1 open() \"/x\" failed (2: No such file or directory), client: 203.0.113.9, padding padding padding padding padding padding";
    let body: String = (0..2000).map(|_| format!("{line}\n")).collect();
    std::fs::write(&path, &body).unwrap();
    let cli = <logscan::cli::Cli as clap::Parser>::parse_from(["logscan", "--tz", "UTC"]);
    let config = logscan::config::Config::from_cli(cli).unwrap();
    let matcher = logscan::rules::Matcher::new(logscan::rules::catalog::builtin());
    let input = logscan::input::Input::file(path.clone());
    let mut records = 0;
    let mut sink = |_| {
        records += 1;
        if records == 1 {
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(10).unwrap();
        }
    };
    let scanned = logscan::scan::scan(
        &input,
        &config,
        &matcher,
        None,
        &logscan::output::progress::Progress::hidden(),
        &logscan::store::Store::new(),
        Some(&mut sink),
    );
    let e = scanned.error.expect("the shrink is reported");
    assert_eq!(e.path(), path.display().to_string());
    assert!(e.to_string().contains("shrank while it was read"), "{e}");
    assert!(
        records < 2000,
        "the lost part is not read as the file's lines"
    );
}
