//! The rule loader on arbitrary text: a rule file loads, or its error names
//! `file:line`; nothing panics.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rule_file(data));
