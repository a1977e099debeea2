//! Entry point: parse the command line, build the config, run, map the outcome to an exit status.
//! Errors go to stderr escaped: a rule file or a path can hold terminal control bytes.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use logscan::app::{self, Outcome};
use logscan::cli::{Cli, Command};
use logscan::config::Config;
use logscan::manual;
use logscan::output::ndjson;
use logscan::output::sanitize::for_terminal;
use logscan::parse::Format;
use logscan::rules::Matcher;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(command) = &cli.command {
        return match print_about_itself(command) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                eprintln!("logscan: {e}");
                ExitCode::from(2)
            }
            _ => ExitCode::SUCCESS,
        };
    }
    if cli.list_formats {
        for f in Format::ALL {
            println!("{:<18} {}", f.name(), f.description());
        }
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_cli(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logscan: {}", for_terminal(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let matcher = match app::load_matcher(&config) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("logscan: {}", for_terminal(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    if config.list_rules {
        return match list_rules(&matcher, config.json) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => ExitCode::from(2),
            _ => ExitCode::SUCCESS,
        };
    }
    let outcome = if config.follow {
        logscan::follow::run(&config, &matcher, config.poll)
    } else {
        app::run(&config, &matcher)
    };
    match outcome {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Incidents) => ExitCode::from(1),
        Ok(Outcome::Errors) => ExitCode::from(2),
        // The reader of our output went away (`| head`): not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logscan: {}", for_terminal(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// `logscan completions SHELL` and `logscan man`.
fn print_about_itself(command: &Command) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match command {
        Command::Completions { shell } => manual::write_completions(*shell, &mut out),
        Command::Man => manual::write_man_page(&mut out)?,
    }
    io::Write::flush(&mut out)
}

fn list_rules(matcher: &Matcher, json: bool) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        for rule in matcher.rules() {
            ndjson::write_rule(&mut out, rule)?;
        }
    } else {
        use std::io::Write;
        for rule in matcher.rules() {
            let status = rule.status().map_or("-".to_string(), |s| s.to_string());
            let formats: Vec<&str> = rule.formats.iter().map(|f| f.name()).collect();
            let formats = if formats.is_empty() {
                "all".to_string()
            } else {
                formats.join(",")
            };
            writeln!(
                out,
                "{:<40} {:<24} {:>4}  {}",
                rule.id,
                rule.cause.name(),
                status,
                formats
            )?;
        }
    }
    io::Write::flush(&mut out)
}
