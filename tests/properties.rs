//! Properties over arbitrary bytes: records tile the input (the first starts at line 1,
//! each where the last ended, every physical line and byte counted once), and the
//! stream path (stdin, `.gz`) yields the same records as the mmap path for any split
//! of the input into chunks — at the assembler and through `scan` on real files.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::io::Write;

use clap::Parser;
use logscan::config::Config;
use logscan::input::Input;
use logscan::parse::{Format, Record};
use logscan::rules::{catalog, Matcher};
use proptest::prelude::*;

/// Pieces that real and broken logs are made of, so that random files hold entry
/// starts, continuations, partial docker pieces and damage, not only noise.
const PIECES: &[&[u8]] = &[
    b"2026/11/24 10:00:01 [error] 1#1: *1 connect() failed (111: Connection refused), client: 1.2.3.4, request: \"GET / HTTP/1.1\"",
    b"[Tue Nov 24 10:00:01.123456 2026] [proxy:error] [pid 2:tid 3] (111)Connection refused: AH00957: x",
    b"[24-Nov-2026 10:00:01] WARNING: [pool www] child 42 exited on signal 11 (SIGSEGV)",
    b"[24-Nov-2026 10:00:01 UTC] PHP Fatal error:  Uncaught Error: x in /a.php:3",
    b"203.0.113.7 - - [24/Nov/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 502 1 \"-\" \"ua\"",
    b"{\"log\":\"part of a long line \",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:01Z\"}",
    b"{\"log\":\"the end\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:01Z\"}",
    b"{\"__REALTIME_TIMESTAMP\":\"1795514401000000\",\"MESSAGE\":\"Out of memory: Killed process 1 (php)\"}",
    b"2026-11-24T10:00:01.123456789Z NOTICE: ready",
    b"web-1  | 2026/11/24 10:00:01 [error] 1#1: x",
    b"Nov 24 10:00:01 web1 kernel: Out of memory: Killed process 4242 (php-fpm8.2)",
    b"<11>1 2026-11-24T10:00:01Z web1 nginx 811 - - boom",
    b"[  123.456789] segfault at 0",
    b"Stack trace:",
    b"#0 {main}",
    b"  thrown in /a.php on line 3",
    b"-- Boot 1a2b --",
    b"\n",
    b"\r\n",
    b"\0\0\0",
    b"\xff\xfe\xc3",
    b"\x1b[31m",
];

fn log_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => prop::sample::select(PIECES).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..24),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn forced(mode: usize) -> Option<Format> {
    Format::ALL.get(mode).copied()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_line_lands_in_exactly_one_record(bytes in log_bytes(), mode in 0..12usize) {
        let records = harness::assemble_slice(&bytes, forced(mode));
        harness::assert_tiles(&bytes, &records);
    }

    #[test]
    fn any_chunking_of_a_stream_reads_as_the_map_does(
        bytes in log_bytes(),
        mode in 0..12usize,
        chunks in prop::collection::vec(1..80usize, 1..6),
    ) {
        let mapped = harness::assemble_slice(&bytes, forced(mode));
        let streamed = harness::assemble_stream(&bytes, forced(mode), &chunks);
        prop_assert_eq!(mapped, streamed);
    }
}

/// Every record `scan` hands out for one input, its file name blanked.
fn scan_records(input: &Input, config: &Config, matcher: &Matcher) -> Vec<Record> {
    let mut records = Vec::new();
    let mut sink = |mut r: Record| {
        r.file = "".into();
        records.push(r);
    };
    let hidden = logscan::output::progress::Progress::hidden();
    let store = logscan::store::Store::new();
    let scanned = logscan::scan::scan(
        input,
        config,
        matcher,
        None,
        &hidden,
        &store,
        Some(&mut sink),
    );
    assert!(scanned.error.is_none(), "{:?}", scanned.error);
    records
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_mapped_file_and_its_gzip_give_the_same_records(bytes in log_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("x.log");
        std::fs::write(&plain, &bytes).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        let zipped = dir.path().join("x.log.gz");
        std::fs::write(&zipped, gz.finish().unwrap()).unwrap();
        let config = Config::from_cli(logscan::cli::Cli::parse_from(["logscan", "--tz", "UTC"]))
            .unwrap();
        let matcher = Matcher::new(catalog::builtin());
        let mapped = scan_records(&Input::file(plain), &config, &matcher);
        harness::assert_tiles(&bytes, &mapped);
        let streamed = scan_records(&Input::file(zipped), &config, &matcher);
        prop_assert_eq!(mapped, streamed);
    }
}
