//! Runs over the real logs in `../shared/corpus` (skipped when it is absent): no crash,
//! and every physical line of every file lands in exactly one record.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("skipping: {} is absent", root.display());
        return None;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("md" | "tsv" | "csv" | "json" | "jsonl" | "out")
            ) && p.file_name().is_some_and(|n| n != "LICENSE")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    Some(files)
}

#[test]
fn every_corpus_line_lands_in_exactly_one_record() {
    let Some(files) = corpus_files() else { return };
    assert!(files.len() > 50);
    for file in files {
        let out = Command::new(env!("CARGO_BIN_EXE_logscan"))
            .args(["--records", "--json", "--tz", "UTC"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: {:?}",
            file.display(),
            out
        );
        let text = std::fs::read(&file).unwrap();
        let lines = text.split(|&b| b == b'\n').count() - usize::from(text.ends_with(b"\n"));
        let mut next = 1u64;
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let o: serde_json::Value = serde_json::from_str(l).unwrap();
            if o["type"] == "record" {
                assert_eq!(o["line"].as_u64(), Some(next), "{}", file.display());
                next += o["lines"].as_u64().unwrap();
            }
        }
        assert_eq!(next as usize, lines + 1, "{}", file.display());
    }
}

/// What logscan reports for one file: findings per cause, and incidents as cause/status.
fn findings_of(file: &Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(["--json", "--tz", "UTC"])
        .arg(file)
        .output()
        .unwrap();
    let mut by_cause = String::from("-");
    let mut incidents = Vec::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let o: serde_json::Value = serde_json::from_str(l).unwrap();
        match o["type"].as_str() {
            Some("summary") => {
                let counts: Vec<String> = o["by_cause"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                if !counts.is_empty() {
                    by_cause = counts.join(",");
                }
            }
            Some("incident") => {
                incidents.push(format!("{}/{}", o["cause"].as_str().unwrap(), o["status"]))
            }
            _ => {}
        }
    }
    let incidents = if incidents.is_empty() {
        "-".to_string()
    } else {
        incidents.join(" ")
    };
    (by_cause, incidents)
}

/// The findings on the real pastes of `../shared/corpus/issues` were checked by hand against
/// what each issue's discussion concluded (ISSUES.tsv); they are pinned in
/// `tests/corpus_findings.tsv` so a rule or parser change that moves them is seen.
#[test]
fn findings_on_real_pastes_stay_as_reviewed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus");
    if !corpus.join("issues").is_dir() {
        eprintln!("skipping: {} is absent", corpus.display());
        return;
    }
    let pinned_path = root.join("tests/corpus_findings.tsv");
    let pinned = std::fs::read_to_string(&pinned_path).unwrap();
    let header: String = pinned
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let rows: Vec<(&str, &str, &str)> = pinned
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap(),
                f.next().unwrap_or("-"),
                f.next().unwrap_or("-"),
            )
        })
        .collect();
    if std::env::var_os("PIN_CORPUS").is_some() {
        let mut out = header;
        for (path, _, _) in &rows {
            let (by_cause, incidents) = findings_of(&corpus.join(path));
            out.push_str(&format!("{path}\t{by_cause}\t{incidents}\n"));
        }
        std::fs::write(&pinned_path, out).unwrap();
        return;
    }
    let mut changed = Vec::new();
    for (path, by_cause, incidents) in &rows {
        let got = findings_of(&corpus.join(path));
        if got != (by_cause.to_string(), incidents.to_string()) {
            changed.push(format!(
                "{path}\n  pinned: {by_cause} | {incidents}\n  now:    {} | {}",
                got.0, got.1
            ));
        }
    }
    assert!(rows.len() > 90, "only {} pinned files", rows.len());
    assert!(
        changed.is_empty(),
        "{} files changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
}
