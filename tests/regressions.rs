//! Replays what the fuzzers found, on stable Rust: every file in `fuzz/regressions/<target>/`
//! goes through the same oracle as the fuzz target of that name (`fuzz/harness.rs`).
//! The format fixtures and hostile samples in `testdata/` go through it too.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `check` on every kept input of `target`; returns how many there were.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let files = files_under(&root().join("fuzz/regressions").join(target));
    for path in &files {
        let data = std::fs::read(path).expect("a kept input is readable");
        let run = std::panic::catch_unwind(|| check(&data));
        assert!(run.is_ok(), "{} fails again", path.display());
    }
    files.len()
}

#[test]
fn kept_fuzz_inputs_stay_fixed() {
    let mut kept = 0;
    kept += replay("parse", harness::parse);
    kept += replay("report", harness::report);
    kept += replay("docker_json", harness::docker_json);
    kept += replay("rule_file", harness::rule_file);
    assert!(
        kept > 0,
        "fuzz/regressions/ holds the inputs the fuzzers found"
    );
}

#[test]
fn fixtures_pass_the_fuzz_oracles() {
    let files = files_under(&root().join("testdata"));
    assert!(files.len() > 20);
    for path in files {
        let data = std::fs::read(&path).unwrap();
        // Byte 16 selects detection, as a file on the command line gets it.
        let mut detected = vec![16u8];
        detected.extend_from_slice(&data);
        harness::parse(&detected);
        harness::report(&detected);
        for format in 0..11u8 {
            let mut forced = vec![format];
            forced.extend_from_slice(&data);
            harness::parse(&forced);
        }
    }
    for path in files_under(&root().join("patterns")) {
        harness::rule_file(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn the_oracles_catch_what_they_guard() {
    // A human report that let a log's ESC through must be caught.
    assert_eq!(harness::terminal_control(b"ok\tline\n"), None);
    assert_eq!(harness::terminal_control(b"x\x1b[2J"), Some('\x1b'));
    assert_eq!(
        harness::terminal_control("c1 \u{9b}".as_bytes()),
        Some('\u{9b}')
    );
    // Records that skip a line must be caught.
    let records = harness::assemble_slice(b"a\nb\n", None);
    let mut gap = records.clone();
    gap.remove(0);
    assert!(std::panic::catch_unwind(|| harness::assert_tiles(b"a\nb\n", &gap)).is_err());
    harness::assert_tiles(b"a\nb\n", &records);
}

#[test]
fn an_endless_chain_of_docker_partials_is_cut_at_the_cap() {
    // Op 2: stdout, partial, stamped; length 0. Once joined without bound.
    let chain = [2u8, 0].repeat(logscan::parse::MAX_CONTINUATION_LINES as usize + 10);
    let (file, _) = harness::docker_lines(&chain);
    let records = harness::assemble_slice(&file, Some(logscan::parse::Format::DockerJson));
    let lines: Vec<u32> = records.iter().map(|r| r.lines).collect();
    assert_eq!(lines, [logscan::parse::MAX_CONTINUATION_LINES, 10]);
    harness::docker_json(&chain);
}
