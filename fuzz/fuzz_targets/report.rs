//! The whole batch pipeline on arbitrary bytes: records, rules, incidents, explanations,
//! and both reports; the human one must carry no raw control character from the log.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::report(data));
