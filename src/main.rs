//! Entry point: parse the command line, build the config, run, map the outcome to an exit status.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use logscan::app::{self, Outcome};
use logscan::cli::Cli;
use logscan::config::Config;
use logscan::parse::Format;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.list_formats {
        for f in Format::ALL {
            println!("{:<18} {}", f.name(), f.description());
        }
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_cli(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logscan: {e}");
            return ExitCode::from(2);
        }
    };
    match app::run(&config) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Errors) => ExitCode::from(2),
        // The reader of our output went away (`| head`): not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logscan: {e}");
            ExitCode::from(2)
        }
    }
}
