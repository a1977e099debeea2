//! Wiring: expands inputs, scans them (in parallel unless records stream out in
//! order), and hands the results to the output writers. Only this file and
//! `main.rs` know every stage.

use std::io::{self, Write};

use rayon::prelude::*;

use crate::config::Config;
use crate::input::{expand_paths, Input};
use crate::output::{human, ndjson};
use crate::parse::Record;
use crate::scan::{scan, FileSummary, Scanned};

/// How a run ended, for the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong found.
    Clean,
    /// At least one input could not be read (exit status 2).
    Errors,
}

pub fn run(config: &Config) -> io::Result<Outcome> {
    let expanded = expand_paths(&config.paths);
    let mut errors: Vec<(String, String)> = expanded.errors.clone();
    for (path, why) in &expanded.errors {
        eprintln!(
            "logscan: {}: {why}",
            crate::output::sanitize::for_terminal(path)
        );
    }
    for (path, why) in &expanded.notes {
        eprintln!(
            "logscan: note: {}: {why}",
            crate::output::sanitize::for_terminal(path)
        );
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let scanned = if config.records && !config.quiet {
        scan_in_order(&expanded.inputs, config, &mut out)?
    } else {
        scan_parallel(&expanded.inputs, config)
    };
    let mut files: Vec<FileSummary> = Vec::with_capacity(scanned.len());
    for s in scanned {
        if let Some(e) = &s.error {
            eprintln!(
                "logscan: {}",
                crate::output::sanitize::for_terminal(&e.to_string())
            );
            errors.push((e.path().to_string(), e.reason()));
        }
        files.push(s.summary);
    }
    if !config.quiet {
        if config.json {
            ndjson::write_summary(&mut out, &files, &errors)?;
        } else {
            human::write_files(&mut out, &files)?;
        }
    }
    out.flush()?;
    Ok(if errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Errors
    })
}

/// `--records`: inputs one after another, each record written as it is read.
fn scan_in_order(
    inputs: &[Input],
    config: &Config,
    out: &mut impl Write,
) -> io::Result<Vec<Scanned>> {
    let mut results = Vec::with_capacity(inputs.len());
    let mut write_error: Option<io::Error> = None;
    for input in inputs {
        let mut sink = |r: Record| {
            if write_error.is_some() {
                return;
            }
            let written = if config.json {
                ndjson::write_record(out, &r)
            } else {
                human::write_record(out, &r)
            };
            if let Err(e) = written {
                write_error = Some(e);
            }
        };
        results.push(scan(input, config, &mut sink));
        if let Some(e) = write_error.take() {
            return Err(e);
        }
    }
    Ok(results)
}

/// Inputs in parallel on a pool of `--threads` workers; results kept in input order.
fn scan_parallel(inputs: &[Input], config: &Config) -> Vec<Scanned> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .expect("a thread pool of at least one thread can be built");
    pool.install(|| {
        inputs
            .par_iter()
            .map(|input| scan(input, config, &mut |_record| {}))
            .collect()
    })
}
