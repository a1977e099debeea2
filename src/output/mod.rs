//! Output: receives values from the stages and writes them; calls nothing upstream.
//! `ndjson` and `human` are siblings; `sanitize` guards the terminal.

pub mod human;
pub mod ndjson;
pub mod sanitize;
pub mod style;
