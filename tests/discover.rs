//! End-to-end discovery: `logscan --root` on the fake Debian host in `testdata/hosts/web1`
//! (nginx, php-fpm, kern.log, a docker container; see `testdata/hosts/README.md`), the
//! horizon for rotated copies, the journal through a stand-in `journalctl` on PATH, and
//! the message when nothing is found.

mod common;
use common::{objects, of_type};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use serde_json::Value;

const WEB1: &str = "testdata/hosts/web1";
const CONTAINER: &str = "811e0aec8e5edd8be2926ef3ad01c3d8afc1844c70c32aacf1f7764971a12d81";

fn logscan(args: &[&str], path_env: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logscan"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(dir) = path_env {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![dir.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap());
    }
    cmd.output().expect("the binary runs")
}

fn read_paths(objs: &[Value]) -> Vec<String> {
    of_type(objs, "summary")[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// A copy of a tree (files only; mtimes set by the caller).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

fn set_age(path: &Path, age: Duration) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
}

#[test]
fn the_fake_host_is_found_whole_and_its_incident_reported() {
    let out = logscan(&["--root", WEB1], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}{stdout}");
    for (kind, path) in [
        ("nginx", "var/log/nginx/error.log"),
        ("nginx", "var/log/nginx/access.log"),
        ("php-fpm", "var/log/php8.2-fpm.log  (error_log in /etc/php/8.2/fpm/php-fpm.conf)"),
        ("syslog", "var/log/kern.log"),
        (
            "docker",
            "811e0aec8e5e…-json.log  (container shop-api (ghcr.io/example/shop-api:2.14.1, running))",
        ),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.trim_start().starts_with(kind) && l.contains(path)),
            "{kind} {path} not listed:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("logscan: reading 7 logs found under testdata/hosts/web1:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Europe/Berlin, from testdata/hosts/web1/etc/timezone"),
        "{stderr}"
    );
    assert!(stderr.contains("not read: journal"), "{stderr}");
    // auth.log and dpkg.log are in /var/log too, but say nothing about a web site.
    assert!(!stderr.contains("auth.log") && !stdout.contains("auth.log"));
    assert!(
        stdout.starts_with("1 incident: 502 from 2026-11-24 13:02:31 UTC — root cause oom_kill"),
        "{stdout}"
    );
    assert!(stdout.contains("killed node (pid 3391"), "{stdout}");

    let out = logscan(&["--json", "--root", WEB1], None);
    let objs = objects(&out);
    let paths = read_paths(&objs);
    for want in [
        "var/log/nginx/error.log",
        "var/log/nginx/access.log",
        "var/log/php8.2-fpm.log",
        "var/log/kern.log",
        &format!("var/lib/docker/containers/{CONTAINER}/{CONTAINER}-json.log"),
    ] {
        assert!(
            paths.contains(&format!("{WEB1}/{want}")),
            "{want} not read: {paths:?}"
        );
    }
    let incidents = of_type(&objs, "incident");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let i = incidents[0];
    assert_eq!(
        (i["cause"].as_str(), i["status"].as_u64()),
        (Some("oom_kill"), Some(502))
    );
    assert_eq!(i["start"], "2026-11-24T13:02:31Z");
    assert_eq!(i["end"], "2026-11-24T13:03:05Z");
    let files: Vec<&str> = i["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for want in ["kern.log", "error.log", "php8.2-fpm.log"] {
        assert!(
            files.iter().any(|f| f.ends_with(want)),
            "{want} not in {files:?}"
        );
    }
}

#[test]
fn old_rotated_copies_wait_for_since() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("web1");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join(WEB1), &root);
    set_age(
        &root.join("var/log/nginx/error.log.1"),
        Duration::from_secs(3600),
    );
    let old = root.join("var/log/nginx/error.log.2.gz");
    set_age(&old, Duration::from_secs(3 * 86400));
    let root_arg = root.display().to_string();
    let out = logscan(&["--json", "--root", &root_arg], None);
    let paths = read_paths(&objects(&out));
    assert!(
        paths.iter().any(|p| p.ends_with("error.log.1")),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.ends_with("error.log.2.gz")),
        "{paths:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not read: 1 rotated log last written before"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error.log.2.gz); --since reaches further"),
        "{stderr}"
    );

    let out = logscan(&["--json", "--since", "4d", "--root", &root_arg], None);
    assert!(read_paths(&objects(&out))
        .iter()
        .any(|p| p.ends_with("error.log.2.gz")));
}

/// A `journalctl` stand-in: records its arguments, prints a journal export (or fails).
fn fake_journalctl(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("journalctl");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}/args'\n{body}\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn the_journal_is_streamed_from_journalctl_under_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("host");
    std::fs::create_dir_all(root.join("var/log/journal")).unwrap();
    let export = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/scenarios/journal-fpm-segv/journal.json");
    let bin = fake_journalctl(dir.path(), &format!("cat '{}'", export.display()));
    let root_arg = root.display().to_string();
    let out = logscan(
        &[
            "--json",
            "--root",
            &root_arg,
            "--since",
            "2026-11-24T00:00:00Z",
        ],
        Some(&bin),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "  journal  journalctl --root {root_arg} -o json --no-pager --since @1795478400"
        )),
        "{stderr}"
    );
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "--root",
            &root_arg,
            "-o",
            "json",
            "--no-pager",
            "--since",
            "@1795478400"
        ]
    );
    let objs = objects(&out);
    let summary = of_type(&objs, "summary")[0];
    assert_eq!(summary["files"][0]["path"], "journalctl");
    assert_eq!(summary["files"][0]["format"], "journal");
    let incident = of_type(&objs, "incident")[0];
    assert_eq!(incident["cause"], "worker_crash");

    // A failing journalctl is an error named after it, in its own words.
    let bin = fake_journalctl(
        dir.path(),
        "echo 'Failed to open journal directory: Permission denied' >&2; exit 1",
    );
    let out = logscan(&["--json", "--root", &root_arg], Some(&bin));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "logscan: journalctl: exited with exit status: 1: Failed to open journal directory"
        ),
        "{stderr}"
    );
}

#[test]
fn finding_nothing_says_where_it_looked_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let out = logscan(&["--root", &root], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("logscan: found no logs under {root}. Looked in:")),
        "{stderr}"
    );
    assert!(
        stderr.contains("/var/lib/docker/containers/*/*-json.log"),
        "{stderr}"
    );
    assert!(stderr.contains("Name the logs instead"), "{stderr}");
    assert!(
        stderr.contains(&format!("logscan: {root}: found no logs to read")),
        "{stderr}"
    );
}

#[test]
fn root_must_be_a_directory_and_paths_add_to_what_is_found() {
    let out = logscan(&["--root", "testdata/formats/access.log"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--root: testdata/formats/access.log: not a directory"));
    let out = logscan(
        &["--json", "--root", WEB1, "testdata/formats/access.log"],
        None,
    );
    let paths = read_paths(&objects(&out));
    assert_eq!(paths[0], "testdata/formats/access.log");
    assert_eq!(paths.len(), 8, "{paths:?}");
}

#[test]
fn piped_logs_without_a_dash_are_pointed_at_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(["--root", WEB1])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not read: stdin: logs piped in are read only when named: logscan -"),
        "{stderr}"
    );
    // Nothing piped (stdin is /dev/null): no such note.
    let out = logscan(&["--root", WEB1], None);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("stdin"));
}
