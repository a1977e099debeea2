//! Format detection and every parser, through the assembler: arbitrary bytes (the first
//! byte picks `--format` or detection) read on the mmap and the stream path must tile
//! the input into records and agree.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::parse(data));
