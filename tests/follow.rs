//! Follow mode end to end: the binary follows real files in a temp directory while the
//! test appends, rotates (rename with late writes, copytruncate, delete and re-create),
//! writes a line in two halves and a stack trace slowly, and creates a file after start.
//! Each planted line must come out as exactly one finding; SIGINT ends with a summary.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

struct Follow {
    child: Child,
    rx: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl Follow {
    fn start(args: &[&str]) -> Follow {
        let mut child = Command::new(env!("CARGO_BIN_EXE_logscan"))
            .args(["--follow", "--json", "--tz", "UTC"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let v: Value = serde_json::from_str(&line).expect("every line is JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut f = Follow {
            child,
            rx,
            seen: Vec::new(),
        };
        f.settle(Duration::from_millis(700));
        f
    }

    /// Collects output for a while.
    fn settle(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while let Ok(v) = self
            .rx
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push(v);
        }
    }

    fn findings(&self, cause: &str) -> usize {
        self.seen
            .iter()
            .filter(|v| v["type"] == "finding" && v["cause"] == cause)
            .count()
    }

    /// Waits until a finding of `cause` came (at most 3 s), returns how many there are.
    fn wait_for(&mut self, cause: &str) -> usize {
        let end = Instant::now() + Duration::from_secs(3);
        while self.findings(cause) == 0 && Instant::now() < end {
            if let Ok(v) = self.rx.recv_timeout(Duration::from_millis(50)) {
                self.seen.push(v);
            }
        }
        self.settle(Duration::from_millis(300));
        self.findings(cause)
    }

    fn stop(mut self) -> (Option<i32>, Vec<Value>) {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        self.settle(Duration::from_millis(300));
        (status.code(), self.seen)
    }
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn line(sec: u32, body: &str) -> String {
    format!("2026/11/24 10:00:{sec:02} [error] 811#811: *{sec} {body}, client: 203.0.113.7, server: shop.example.com, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\"\n")
}

const REFUSED: &str = "connect() to unix:/run/php/php8.2-fpm.sock failed (111: Connection refused) while connecting to upstream";
const TIMEOUT: &str =
    "upstream timed out (110: Connection timed out) while reading response header from upstream";
const RESET: &str =
    "recv() failed (104: Connection reset by peer) while reading response header from upstream";
const TOO_BIG: &str = "upstream sent too big header while reading response header from upstream";

#[test]
fn rotation_truncation_and_recreation_lose_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(
        &log,
        &line(
            0,
            "open() \"/var/www/html/favicon.ico\" failed (2: No such file or directory)",
        ),
    );
    let mut f = Follow::start(&[log.to_str().unwrap()]);

    append(&log, &line(1, REFUSED));
    assert_eq!(f.wait_for("upstream_refused"), 1, "appended line");

    // Rename rotation; nginx writes once more to the old file before it reopens.
    std::fs::rename(&log, dir.path().join("error.log.1")).unwrap();
    append(&dir.path().join("error.log.1"), &line(2, TIMEOUT));
    std::thread::sleep(Duration::from_millis(200));
    append(&log, &line(3, RESET));
    assert_eq!(
        f.wait_for("upstream_timeout"),
        1,
        "late write to the rotated file"
    );
    assert_eq!(
        f.wait_for("upstream_reset"),
        1,
        "first line of the new file"
    );

    // copytruncate: copied away, truncated, then a longer line than before.
    std::fs::copy(&log, dir.path().join("error.log.2")).unwrap();
    std::fs::write(&log, "").unwrap();
    append(&log, &line(4, &format!("{TOO_BIG} {}", "x".repeat(400))));
    assert_eq!(f.wait_for("upstream_bad_response"), 1, "after copytruncate");

    // Deleted and re-created.
    std::fs::remove_file(&log).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    append(
        &log,
        &line(
            5,
            "pwrite() \"/var/lib/nginx/body/0000000042\" failed (28: No space left on device)",
        ),
    );
    assert_eq!(f.wait_for("disk_full"), 1, "re-created file");

    let (code, seen) = f.stop();
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    assert_eq!(seen.last().unwrap()["type"], "summary");
    for cause in [
        "upstream_refused",
        "upstream_timeout",
        "upstream_reset",
        "upstream_bad_response",
        "disk_full",
    ] {
        let n = seen
            .iter()
            .filter(|v| v["type"] == "finding" && v["cause"] == cause)
            .count();
        assert_eq!(n, 1, "{cause} exactly once");
    }
}

#[test]
fn half_lines_slow_traces_and_files_created_later() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("error.log");
    append(&log, "");
    let mut f = Follow::start(&[dir.path().to_str().unwrap()]);

    // A line written in two halves.
    let whole = line(1, REFUSED);
    let (a, b) = whole.split_at(whole.len() / 2);
    append(&log, a);
    std::thread::sleep(Duration::from_millis(600));
    append(&log, b);
    assert_eq!(f.wait_for("upstream_refused"), 1);

    // A PHP stack trace relayed by nginx, written a line at a time.
    let trace = [
        "2026/11/24 10:00:02 [error] 811#811: *9 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: boom in /var/www/html/index.php:3\n",
        "Stack trace:\n",
        "#0 {main}\n",
        "  thrown in /var/www/html/index.php on line 3\" while reading response header from upstream, client: 203.0.113.7, server: shop.example.com\n",
    ];
    for piece in trace {
        append(&log, piece);
        std::thread::sleep(Duration::from_millis(150));
    }
    assert_eq!(f.wait_for("php_fatal"), 1);
    let fatal = f
        .seen
        .iter()
        .find(|v| v["cause"] == "php_fatal")
        .unwrap()
        .clone();
    assert!(
        fatal["message"].as_str().unwrap().contains("thrown in"),
        "the trace stays one finding"
    );

    // A file created after start in the followed directory.
    let later = dir.path().join("php8.2-fpm.log");
    append(&later, "[24-Nov-2026 10:00:05] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it\n");
    assert_eq!(f.wait_for("worker_pool_exhausted"), 1);

    let (code, seen) = f.stop();
    assert!(matches!(code, Some(0 | 1)));
    assert_eq!(seen.last().unwrap()["type"], "summary");
}

#[test]
fn stdin_is_followed_until_it_ends() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(["--follow", "--json", "--tz", "UTC", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(line(1, REFUSED).as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let objs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        objs.iter()
            .filter(|v| v["cause"] == "upstream_refused" && v["type"] == "finding")
            .count(),
        1
    );
    assert!(objs.iter().any(|v| v["type"] == "incident"));
    assert_eq!(objs.last().unwrap()["type"], "summary");
    assert_eq!(out.status.code(), Some(1));
}
