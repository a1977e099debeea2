//! Output: receives values from the stages and writes them; calls nothing upstream.
//! `ndjson`, `human` and `html` are siblings that receive the same `app::Report`;
//! `discovered` lists found logs on stderr; `progress` draws a bar there while large
//! inputs are read; `sanitize` guards the terminal.

pub mod discovered;
pub mod html;
pub mod human;
pub mod ndjson;
pub mod progress;
pub mod sanitize;
pub mod style;
