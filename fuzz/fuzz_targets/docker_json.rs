//! The docker json-file joiner: lines built from the bytes (streams, partial pieces,
//! damaged lines) must join into the records the joiner's model predicts.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::docker_json(data));
