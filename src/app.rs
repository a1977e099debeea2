//! Wiring: expands inputs, scans them (in parallel unless records stream out in
//! order) into one findings store, correlates findings into incidents and hands the
//! results to the output writers, all on one pool of `-j` workers. Only this file and
//! `main.rs` know every stage.

use std::io::{self, Write};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::correlate::{correlate_stored, promote_stored, ClientErrors, Incident};
use crate::error::Error;
use crate::input::{discover, expand_paths, Input};
use crate::isolate::isolated;
use crate::output::progress::Progress;
use crate::output::sanitize::for_terminal;
use crate::output::{discovered, html, human, ndjson};
use crate::parse::Record;
use crate::rules::{catalog, Matcher};
use crate::scan::{latest_dated_time, scan, FileSummary, Scanned};
use crate::store::{Findings, Store};

/// How a run ended, for the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No incident with status >= 500 (exit 0).
    Clean,
    /// At least one incident with status >= 500 (exit 1).
    Incidents,
    /// Something could not be read (exit 2).
    Errors,
}

/// Everything one run found, ready for output.
pub struct Report {
    pub files: Vec<FileSummary>,
    /// In time order (the undated ones last).
    pub findings: Findings,
    pub incidents: Vec<Incident>,
    pub errors: Vec<(String, String)>,
}

/// The catalog: built-in rules, with `--patterns` laid over them (their samples checked).
pub fn load_matcher(config: &Config) -> Result<Matcher, Error> {
    match &config.patterns {
        None => Ok(Matcher::new(catalog::builtin())),
        Some(dir) => {
            let rules = catalog::with_user_rules(dir)?;
            let builtin_ids: Vec<_> = catalog::builtin().into_iter().map(|r| r.id).collect();
            let user_dir = dir.display().to_string();
            // Each regex compiled alone; together they can still pass the size limit.
            let matcher = Matcher::try_new(rules).map_err(|e| Error::Input {
                path: user_dir.clone(),
                msg: format!("the rules together are too large to compile: {e}"),
            })?;
            matcher.check_samples(
                |r| r.origin.starts_with(&user_dir) || !builtin_ids.contains(&r.id),
                false,
            )?;
            Ok(matcher)
        }
    }
}

/// Runs the analysis on a pool of `--threads` workers: scanning, correlation and
/// serialization all run on it.
pub fn run(config: &Config, matcher: &Matcher) -> io::Result<Outcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .expect("a thread pool of at least one thread can be built");
    pool.install(|| run_on_pool(config, matcher))
}

fn run_on_pool(config: &Config, matcher: &Matcher) -> io::Result<Outcome> {
    let mut expanded = expand_paths(&config.paths);
    if let Some(root) = &config.discover {
        let found = discover::discover(&discover::Options::new(root, config));
        if !config.quiet {
            let _ = discovered::write_discovery(&mut io::stderr().lock(), &found);
        }
        expanded.append(found.expanded());
    }
    let mut errors: Vec<(String, String)> = expanded.errors.clone();
    for (path, why) in &expanded.errors {
        eprintln!("logscan: {}: {why}", for_terminal(path));
    }
    for (path, why) in &expanded.notes {
        eprintln!("logscan: note: {}: {why}", for_terminal(path));
    }
    // Not locked: the NDJSON writer writes from whichever worker is free.
    let mut out = io::BufWriter::new(io::stdout());
    let year_reference = latest_dated_time(&expanded.inputs, config.zone);
    let mapped: Vec<Option<u64>> = expanded.inputs.iter().map(mapped_size).collect();
    let progress = progress_for(&mapped, config);
    let store = Arc::new(Store::with_memory(store_memory(&mapped)));
    let scanning = Scanning {
        config,
        matcher,
        year_reference,
        progress: &progress,
        store: &store,
    };
    let scanned = if config.records && !config.quiet {
        scan_in_order(&expanded.inputs, &scanning, &mut out)?
    } else {
        scan_parallel(&expanded.inputs, &scanning)
    };
    progress.finish();
    let mut files = Vec::with_capacity(scanned.len());
    let mut findings = Vec::new();
    let mut client_errors = ClientErrors::new();
    for s in scanned {
        if let Some(e) = &s.error {
            eprintln!("logscan: {}", for_terminal(&e.to_string()));
            errors.push((e.path().to_string(), e.reason()));
        }
        files.push(s.summary);
        crate::store::append(&mut findings, s.findings);
        client_errors.extend(s.client_errors);
    }
    // Time order; findings without a time keep their file order at the end.
    // (Logs mostly come in order: then there is nothing to sort, and no scratch memory.)
    let order = |e: &crate::store::Entry| (e.time.is_none(), e.time);
    if !findings.is_sorted_by_key(order) {
        findings.sort_by_key(order);
    }
    let mut findings = Findings::new(findings, store);
    promote_stored(&mut findings)?;
    let incidents = correlate_stored(&findings, &client_errors, config.window)?;
    let report = Report {
        files,
        findings,
        incidents,
        errors,
    };
    if !config.quiet {
        if config.json {
            ndjson::write_report(&mut out, &report)?;
        } else {
            human::write_report(&mut out, &report, config)?;
        }
    }
    out.flush()?;
    if let Some(path) = &config.html {
        html::write_file(path, &report)?;
    }
    Ok(if !report.errors.is_empty() {
        Outcome::Errors
    } else if report.incidents.iter().any(|i| i.status >= 500) {
        Outcome::Incidents
    } else {
        Outcome::Clean
    })
}

/// Inputs smaller than this in all are read too fast to need a progress bar.
const PROGRESS_BYTES: u64 = 64 << 20;

/// The progress bar for inputs of these sizes ([`mapped_size`]): sized when all are
/// plain regular files, open-ended when a stream or a `.gz` is among them.
fn progress_for(mapped: &[Option<u64>], config: &Config) -> Progress {
    if !config.progress {
        return Progress::hidden();
    }
    let total: Option<u64> = mapped.iter().copied().sum();
    match total {
        Some(t) if t < PROGRESS_BYTES => Progress::hidden(),
        total => Progress::new(total),
    }
}

/// The size of an input read by mapping it (a regular file, not gzip); `None` for a
/// stream.
fn mapped_size(input: &Input) -> Option<u64> {
    match &input.source {
        crate::input::Source::File(p) if !crate::input::is_gzip(p) => std::fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len()),
        _ => None,
    }
}

/// How many bytes of findings the store holds in memory: more when every input is a
/// regular file (mapped), little when a stream is read (its peak memory is bounded).
fn store_memory(mapped: &[Option<u64>]) -> usize {
    match mapped.iter().all(Option::is_some) {
        true => crate::store::MAPPED_MEMORY_BYTES,
        false => crate::store::MEMORY_BYTES,
    }
}

/// What every input's scan shares.
struct Scanning<'a> {
    config: &'a Config,
    matcher: &'a Matcher,
    year_reference: Option<chrono::DateTime<chrono::Utc>>,
    progress: &'a Progress,
    store: &'a Store,
}

impl Scanning<'_> {
    fn scan(&self, input: &Input, sink: Option<&mut dyn FnMut(Record)>) -> Scanned {
        isolated(input, || {
            scan(
                input,
                self.config,
                self.matcher,
                self.year_reference,
                self.progress,
                self.store,
                sink,
            )
        })
    }
}

/// `--records`: inputs one after another, each record written as it is read.
fn scan_in_order(
    inputs: &[Input],
    scanning: &Scanning<'_>,
    out: &mut impl Write,
) -> io::Result<Vec<Scanned>> {
    let config = scanning.config;
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
        results.push(scanning.scan(input, Some(&mut sink)));
        if let Some(e) = write_error.take() {
            return Err(e);
        }
    }
    Ok(results)
}

/// Inputs in parallel on the run's pool (large files in chunks too);
/// results kept in input order.
fn scan_parallel(inputs: &[Input], scanning: &Scanning<'_>) -> Vec<Scanned> {
    inputs
        .par_iter()
        .map(|input| scanning.scan(input, None))
        .collect()
}
