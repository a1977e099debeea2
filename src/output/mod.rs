//! Output: receives values from the stages and writes them; calls nothing upstream.
//! `ndjson` and `human` are siblings that receive the same `app::Report`;
//! `discovered` lists found logs on stderr; `sanitize` guards the terminal.

pub mod discovered;
pub mod human;
pub mod ndjson;
pub mod sanitize;
pub mod style;
