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
