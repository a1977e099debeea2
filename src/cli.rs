//! The command line, as clap derive definitions. Each field's doc comment is its help text
//! (and its man page and completion text). Nothing here is interpreted: `config.rs` turns
//! it into a `Config`; `main.rs` answers the `completions` and `man` subcommands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Examples for the three uses, shown after the options in `--help` and in the man page.
pub const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "After an outage, on the origin (finds nginx, Apache, php-fpm, PHP, syslog, journal and docker logs):",
        &["logscan", "logscan --since 2h --html postmortem.html"],
    ),
    (
        "Name the logs yourself, or read a stream:",
        &[
            "logscan /var/log/nginx/error.log /var/log/php8.2-fpm.log /var/log/kern.log",
            "docker logs -t web 2>&1 | logscan -",
        ],
    ),
    (
        "While it is happening: follow the logs, findings as they are written (Ctrl-C ends):",
        &["logscan -f /var/log/nginx/ /var/log/php8.2-fpm.log", "journalctl -o json -f | logscan -f -"],
    ),
    (
        "In scripts, with jq:",
        &[
            "logscan --json | jq -c 'select(.type==\"incident\") | {start, cause, status}'",
            "logscan --records --json error.log | jq 'select(.type==\"record\")'",
        ],
    ),
];

/// What the exit status means (contract).
pub const EXIT_STATUS: &str =
    "0 no incident with status 500 or above, 1 at least one, 2 an error (bad flag, unreadable path, invalid rule file).";

fn after_help() -> String {
    let mut text = String::from("Examples:\n");
    for (what, commands) in EXAMPLES {
        text.push_str(&format!("  {what}\n"));
        for c in *commands {
            text.push_str(&format!("    {c}\n"));
        }
    }
    text.push_str(&format!("\nExit status: {EXIT_STATUS}"));
    text
}

#[derive(Debug, Parser)]
#[command(
    name = "logscan",
    version,
    about = "Tells why a site behind Cloudflare returned 500, 502, 503 or 504, from the origin's own logs.",
    long_about = "Tells why a site behind Cloudflare returned 500, 502, 503 or 504, from the origin's own logs: \
what broke, when, how many requests it hit and what to do next, with the log lines that prove it. \
Without a PATH it finds this machine's logs itself.",
    after_help = after_help(),
    disable_help_subcommand = true,
    // `logscan completions bash` is the subcommand: only as the first word, and then
    // without options or paths; a log file named `completions` or `man` is read when an
    // option or another path comes first, or written `./man`.
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files, directories (walked for log-like names) or `-` for stdin. `.gz` is read
    /// transparently. Without any, this machine's logs are found (see --auto).
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Find this machine's logs and read them: nginx, Apache, php-fpm and PHP error logs
    /// (from their config), syslog/messages/kern.log, the journal and docker containers.
    /// The default when no PATH is given; with PATHs, reads both.
    #[arg(long)]
    pub auto: bool,

    /// Look for logs under DIR instead of `/` (a mounted disk, a copied /var/log tree);
    /// implies --auto. The journal is read from DIR/var/log/journal when it exists.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Write NDJSON objects to stdout instead of the human report.
    #[arg(long)]
    pub json: bool,

    /// Also write the report as one self-contained HTML page to FILE: a postmortem to share.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Also emit every parsed record (with --json: objects of type "record").
    #[arg(long)]
    pub records: bool,

    /// Read every input as this format instead of detecting it (see --list-formats).
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,

    /// List the known formats and exit.
    #[arg(long)]
    pub list_formats: bool,

    /// Zone for timestamps that carry none (nginx, Apache, php-fpm, BSD syslog): IANA name, `UTC`
    /// or `local` (the default; with --root, the zone in DIR/etc/timezone or DIR/etc/localtime).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Only entries at or after TIME: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (in --tz) or relative
    /// (`30m`, `2h`, `1d`). Found logs: also how far back the journal and rotated files are read (default 24h).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only entries at or before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Analyze what is there, then keep watching the paths (rotation, truncation and new
    /// files included) and report findings as they are written; stop with Ctrl-C.
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// With --follow: poll for changes every 250 ms instead of using file system events
    /// (for NFS, overlay and other file systems without them).
    #[arg(long, requires = "follow")]
    pub poll: bool,

    /// Load extra rule files (`*.toml`) from DIR; a rule with an existing id replaces it.
    #[arg(long, value_name = "DIR")]
    pub patterns: Option<PathBuf>,

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

    /// Print nothing; only the exit status tells the outcome (--html is still written).
    #[arg(short, long)]
    pub quiet: bool,

    /// Never draw the progress bar that large inputs get on a terminal's stderr.
    #[arg(long)]
    pub no_progress: bool,
}

/// What logscan can print about itself instead of reading logs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a completion script for SHELL to stdout,
    /// e.g. `logscan completions bash > /etc/bash_completion.d/logscan`.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout,
    /// e.g. `logscan man > /usr/local/share/man/man1/logscan.1`.
    Man,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn subcommands_and_paths_do_not_mix() {
        let cli = Cli::try_parse_from(["logscan", "completions", "zsh"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Completions {
                shell: clap_complete::Shell::Zsh
            })
        ));
        let cli = Cli::try_parse_from(["logscan", "./completions", "man"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.paths, ["./completions", "man"]);
        // Once an option or a path is given, later words are paths.
        let cli = Cli::try_parse_from(["logscan", "--json", "man"]).unwrap();
        assert!(cli.command.is_none() && cli.paths == ["man"]);
        assert!(Cli::try_parse_from(["logscan", "man", "--json"]).is_err());
        let cli = Cli::try_parse_from(["logscan"]).unwrap();
        assert!(cli.command.is_none() && cli.paths.is_empty());
    }
}
