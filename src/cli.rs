//! The command line, as clap derive definitions. Each field's doc comment is its help text.
//! Nothing here is interpreted: `config.rs` turns it into a `Config`.

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "logscan",
    version,
    about = "Tells why a site behind Cloudflare returned 500, 502, 503 or 504, from the origin's own logs.",
    after_help = "Examples:\n  logscan /var/log/nginx/error.log /var/log/php8.2-fpm.log /var/log/kern.log\n  logscan --records --json error.log | jq 'select(.type==\"record\")'\n  docker logs -t web 2>&1 | logscan -"
)]
pub struct Cli {
    /// Files, directories (walked for log-like names) or `-` for stdin. `.gz` is read transparently.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Write NDJSON objects to stdout instead of the human report.
    #[arg(long)]
    pub json: bool,

    /// Also emit every parsed record (with --json: objects of type "record").
    #[arg(long)]
    pub records: bool,

    /// Read every input as this format instead of detecting it (see --list-formats).
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,

    /// List the known formats and exit.
    #[arg(long)]
    pub list_formats: bool,

    /// Zone for timestamps that carry none (nginx, Apache, php-fpm, BSD syslog): IANA name, `UTC` or `local`.
    #[arg(long, value_name = "ZONE", default_value = "local")]
    pub tz: String,

    /// Only entries at or after TIME: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (in --tz) or relative (`30m`, `2h`, `1d`).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only entries at or before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Load extra rule files (`*.toml`) from DIR; a rule with an existing id replaces it.
    #[arg(long, value_name = "DIR")]
    pub patterns: Option<std::path::PathBuf>,

    /// Print the rule catalog and exit (with --json: one object per rule).
    #[arg(long)]
    pub list_rules: bool,

    /// Findings further apart than this start a new incident (`90s`, `5m`, `1h`).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub window: String,

    /// Worker threads (default: all cores; at most 256). Output is identical for every N.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,

    /// When to colour the human report: auto (a terminal and no NO_COLOR), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// Print nothing; only the exit status tells the outcome.
    #[arg(short, long)]
    pub quiet: bool,
}
