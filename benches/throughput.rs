//! Throughput of the parse and rule stages on one log, in lines per second.
//! Not a test: run `cargo bench --bench throughput -- FILE` (FILE defaults to a 100 MB
//! nginx error.log made with `../shared/tools/genlogs.py` in the target directory).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use logscan::input::for_each_line;
use logscan::parse::{detect_format, Assembler, TimeCtx, Zone};
use logscan::rules::{catalog, Matcher};

fn input() -> PathBuf {
    if let Some(p) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        return PathBuf::from(p);
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-nginx-100mb.log");
    if !path.exists() {
        let status = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/tools/genlogs.py"
            ))
            .args(["nginx", "100"])
            .arg(&path)
            .status()
            .expect("python3 and ../shared/tools/genlogs.py are needed to make the input");
        assert!(status.success(), "genlogs.py failed");
    }
    path
}

/// Runs the assembler over every line; `on_record` sees each record. Returns (lines, seconds).
fn run(bytes: &[u8], mut on_record: impl FnMut(&logscan::parse::Record)) -> (u64, f64) {
    let ctx = TimeCtx::new(Zone::Utc, None);
    let sample: Vec<String> = bytes
        .split(|&b| b == b'\n')
        .take(200)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let format = detect_format(sample.iter().map(String::as_str), &ctx);
    let start = Instant::now();
    let mut asm = Assembler::new("bench".into(), format, false, ctx);
    let mut lines = 0u64;
    let mut sink = |r: logscan::parse::Record| on_record(&r);
    for_each_line(bytes, |line, n| {
        lines += 1;
        asm.push(line, n, &mut sink);
    });
    asm.finish(&mut sink);
    (lines, start.elapsed().as_secs_f64())
}

fn main() {
    let path = input();
    let bytes = std::fs::read(&path).expect("input readable");
    let mb = bytes.len() as f64 / 1e6;
    let matcher = Matcher::new(catalog::builtin());
    let (lines, parse_s) = run(&bytes, |_| {});
    let mut findings = 0u64;
    let (_, match_s) = run(&bytes, |r| findings += u64::from(matcher.find(r).is_some()));
    println!("input: {} ({mb:.0} MB, {lines} lines)", path.display());
    println!(
        "parse only:        {:>6.2} s  {:>9.0} lines/s  {:>6.0} MB/s",
        parse_s,
        lines as f64 / parse_s,
        mb / parse_s
    );
    println!("parse + catalog:   {:>6.2} s  {:>9.0} lines/s  {:>6.0} MB/s  ({findings} findings, {} rules)", match_s, lines as f64 / match_s, mb / match_s, matcher.rules().len());
}
