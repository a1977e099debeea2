//! The shipped rule catalog checks itself: every sample, read as a log line, is matched
//! by its own rule and no earlier one; every counter-sample matches no rule; every cause
//! of the contract has rules; user rule files are validated with `file:line` errors.

use std::process::Command;

use logscan::rules::{catalog, Cause, Matcher};

#[test]
fn every_sample_matches_its_own_rule_and_no_counter_matches() {
    let matcher = Matcher::new(catalog::builtin());
    let problems = matcher.sample_problems(|_| true, true);
    let text: Vec<String> = problems.iter().map(|e| e.to_string()).collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        text.join("\n")
    );
}

#[test]
fn every_cause_has_rules() {
    let rules = catalog::builtin();
    assert!(rules.len() > 60, "only {} rules", rules.len());
    for &cause in Cause::ALL {
        assert!(
            rules.iter().any(|r| r.cause == cause),
            "no rule for {cause}"
        );
    }
}

#[test]
fn rule_ids_are_unique_across_files() {
    let rules = catalog::builtin();
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_ref()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "duplicate ids across pattern files");
}

fn logscan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn list_rules_json_covers_all_causes() {
    let out = logscan(&["--list-rules", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let causes: std::collections::HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["cause"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(causes.len(), 21);
}

#[test]
fn user_rules_replace_and_bad_ones_are_rejected_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"
[[rule]]
id = "acme-queue-full"
cause = "worker_pool_exhausted"
regex = 'acme queue full \((?P<limit>\d+)\)'
samples = ["2026/11/24 10:00:01 [error] 1#1: *1 acme queue full (64), client: 203.0.113.7"]
"#;
    std::fs::write(dir.path().join("acme.toml"), good).unwrap();
    let log = dir.path().join("error.log");
    std::fs::write(
        &log,
        "2026/11/24 10:00:01 [error] 1#1: *1 acme queue full (64), client: 203.0.113.7\n",
    )
    .unwrap();
    let out = logscan(&[
        "--json",
        "--tz",
        "UTC",
        "--patterns",
        dir.path().to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(r#""rule":"acme-queue-full""#), "{text}");
    assert!(text.contains(r#""limit":"64""#), "{text}");

    std::fs::write(
        dir.path().join("broken.toml"),
        good.replace("acme-queue-full", "acme-two")
            .replace(r"\((?P", r"((?P"),
    )
    .unwrap();
    let out = logscan(&[
        "--patterns",
        dir.path().to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.toml:5:") && stderr.contains("bad regex"),
        "{stderr}"
    );

    std::fs::write(
        dir.path().join("broken.toml"),
        good.replace("acme-queue-full", "acme-two")
            .replace("(64)", "(sixty-four)"),
    )
    .unwrap();
    let out = logscan(&[
        "--patterns",
        dir.path().to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.toml:3:") && stderr.contains("sample is not matched"),
        "{stderr}"
    );
}
