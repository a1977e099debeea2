//! Helpers the end-to-end tests share: reading the binary's NDJSON output.

use std::process::Output;

use serde_json::Value;

/// Every NDJSON object the run wrote, each line required to be JSON.
pub fn objects(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The objects of one `type`.
pub fn of_type<'a>(objs: &'a [Value], t: &str) -> Vec<&'a Value> {
    objs.iter().filter(|o| o["type"] == t).collect()
}
