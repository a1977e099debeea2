//! README.md stays true: it opens with the two set-up commands, its report excerpt is
//! what logscan prints on that scenario, and its rule example loads with `--patterns`
//! and yields the fields it promises.

use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The body of the first fenced block that starts right after `opening`.
fn block_after<'a>(text: &'a str, opening: &str) -> &'a str {
    let start = text
        .find(opening)
        .unwrap_or_else(|| panic!("{opening} not in README"))
        + opening.len();
    let end = text[start..].find("```").expect("block closed") + start;
    &text[start..end]
}

#[test]
fn opens_with_the_two_setup_commands() {
    let text = readme();
    assert!(
        text.starts_with("# logscan\n\n```sh\ncargo run --release -- --root testdata/hosts/web1\ncargo test --release\n```\n"),
        "README must open with the two set-up commands"
    );
}

#[test]
fn the_report_excerpt_is_what_logscan_prints() {
    let text = readme();
    let shown = block_after(
        &text,
        "$ logscan --tz America/Chicago journal.json containers/\n",
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/scenarios/docker-oom-memcg");
    let out = Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args([
            "--color",
            "never",
            "--tz",
            "America/Chicago",
            "journal.json",
            "containers/",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        shown,
        String::from_utf8_lossy(&out.stdout),
        "README excerpt is stale"
    );
}

#[test]
fn the_rule_example_loads_and_captures_fields() {
    let text = readme();
    let rules = block_after(&text, "```toml\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/shop.toml"), rules).unwrap();
    // The first sample of the first rule, as a log file.
    let sample = rules
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("\"[24-Nov-2026 10:00:01 UTC] PHP Fatal")
        })
        .expect("the Predis sample")
        .trim()
        .trim_end_matches(',')
        .trim_matches('"')
        .replace("\\\\", "\\");
    std::fs::write(dir.path().join("shop.log"), format!("{sample}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(["--json", "--patterns", "rules", "shop.log"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let finding: serde_json::Value = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|o| o["type"] == "finding")
        .expect("a finding");
    assert_eq!(finding["rule"], "shop-predis-refused");
    assert_eq!(finding["fields"]["reason"], "Connection refused");
    assert_eq!(finding["fields"]["peer"], "127.0.0.1:6379");
    assert!(
        text.contains(r#""fields": {"reason": "Connection refused", "peer": "127.0.0.1:6379"}"#)
    );
}
