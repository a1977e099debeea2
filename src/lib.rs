//! logscan: reads an origin's logs (nginx, Apache, php-fpm, PHP, docker, kernel,
//! journal) and explains why a site behind Cloudflare returned 5xx.
//! Stages: input → parse → (rules → correlate) → output; `app` wires them.

pub mod app;
pub mod cli;
pub mod config;
pub mod correlate;
pub mod error;
pub mod follow;
pub mod input;
pub mod isolate;
pub mod manual;
pub mod output;
pub mod parse;
pub mod rules;
pub mod scan;
pub mod store;
