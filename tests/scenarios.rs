//! Outage scenarios (`testdata/scenarios/<name>/`: logs + `truth.json`) scored by the
//! project's acceptance check `../shared/tools/check_incidents.py` (skipped when absent),
//! and the human report of two multi-file scenarios compared with golden files
//! (`UPDATE_GOLDEN=1 cargo test` rewrites them after a reviewed change).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the scenarios whose files all carry one fixed mtime, a day after the
/// outages: year-less syslog stamps take their year from it, as on the real host.
fn scenarios_copy() -> tempfile::TempDir {
    let dst = tempfile::tempdir().unwrap();
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_564_800); // 2026-11-25T00:00:00Z
    let mut stack = vec![(root().join("testdata/scenarios"), dst.path().to_path_buf())];
    while let Some((from, to)) = stack.pop() {
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let p = e.unwrap().path();
            let target = to.join(p.file_name().unwrap());
            if p.is_dir() {
                stack.push((p, target));
            } else {
                std::fs::copy(&p, &target).unwrap();
                let f = std::fs::File::options().write(true).open(&target).unwrap();
                f.set_modified(mtime).unwrap();
            }
        }
    }
    dst
}

#[test]
fn every_scenario_matches_its_truth_with_no_false_alarm() {
    let checker = root().join("../shared/tools/check_incidents.py");
    if !checker.is_file() {
        eprintln!("skipping: {} is absent", checker.display());
        return;
    }
    let copy = scenarios_copy();
    let out = Command::new("python3")
        .arg(&checker)
        .arg(env!("CARGO_BIN_EXE_logscan"))
        .arg(copy.path())
        .arg("-v")
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("false alarms 0"), "{text}");
}

fn report(dir: &Path, scenario: &str) -> String {
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(scenario).join("truth.json")).unwrap(),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logscan"));
    cmd.args(["--color", "never"])
        .current_dir(dir.join(scenario));
    for a in truth["args"].as_array().into_iter().flatten() {
        cmd.arg(a.as_str().unwrap());
    }
    for f in truth["files"].as_array().unwrap() {
        cmd.arg(f.as_str().unwrap());
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn golden(name: &str, actual: &str) {
    let path: PathBuf = root().join("tests/golden").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  - {e}\n  + {a}", i + 1))
            .collect();
        panic!(
            "{} differs from the report ({} vs {} lines); UPDATE_GOLDEN=1 rewrites it.\n{}",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn human_report_of_docker_and_journal_oom() {
    let copy = scenarios_copy();
    golden("docker-oom-memcg", &report(copy.path(), "docker-oom-memcg"));
}

#[test]
fn human_report_of_memory_limit_across_zones() {
    let copy = scenarios_copy();
    golden("memory-limit", &report(copy.path(), "memory-limit"));
}
