//! Follow mode (`-f`): what the files hold is read, then every path is watched and
//! appended lines go through the same stages as in batch mode — assembler, catalog,
//! correlation. Findings are written as they arrive, each incident once its window
//! has passed, and on SIGINT/SIGTERM the open incidents and the summary.

use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::app::Outcome;
use crate::config::Config;
use crate::correlate::{correlate, promote_unrecovered_stops, ClientErrors, Incident};
use crate::input::tail::{TailEvent, Tailer};
use crate::input::{discover, expand_paths, for_each_line, Source};
use crate::output::sanitize::for_terminal;
use crate::output::style::Style;
use crate::output::{discovered, human, ndjson};
use crate::parse::{Assembler, Record, Stamp, TimeCtx};
use crate::rules::{Finding, Matcher};
use crate::scan::{client_error, detect_in_slice, FileSummary};

/// An entry whose text says more lines belong to it is closed after this long anyway.
const ENTRY_IDLE: Duration = Duration::from_secs(1);
/// How often the loop wakes with nothing to do (to close incidents whose window passed).
const IDLE_WAKE: Duration = Duration::from_secs(1);
/// How often it wakes while partial lines, open entries or stdin may need it.
const BUSY_WAKE: Duration = Duration::from_millis(50);

/// One followed stream (a path, or stdin): its assembler and what it has read.
struct Stream {
    name: Arc<str>,
    asm: Option<Assembler>,
    /// Lines seen before the format was known (a file that starts with one line).
    summary: FileSummary,
    last_time: Option<Stamp>,
    last_input: Instant,
}

impl Stream {
    fn new(name: &str) -> Stream {
        Stream {
            name: name.into(),
            asm: None,
            summary: FileSummary::new(name, crate::parse::Format::Unknown),
            last_time: None,
            last_input: Instant::now(),
        }
    }
}

/// Where findings, records and incidents go, as they come.
struct Sink<'a, W: Write> {
    out: W,
    config: &'a Config,
    matcher: &'a Matcher,
    style: Style,
    /// Findings not yet part of a closed incident.
    pending: Vec<Finding>,
    client_errors: ClientErrors,
    next_incident: usize,
    worst: Option<u16>,
    counts: ndjson::Counts,
    /// Human output on a terminal: a status line is kept at the bottom.
    live: bool,
    status_shown: bool,
    /// The open incident last announced: (start, root cause, status).
    announced: Option<(Stamp, crate::rules::Cause, u16)>,
}

impl<W: Write> Sink<'_, W> {
    fn record(&mut self, stream: &mut Stream, r: Record) -> io::Result<()> {
        stream.summary.count(&r);
        let time = r.time.or(stream.last_time);
        stream.last_time = time;
        if !self.config.in_range(time.map(|t| t.utc)) {
            return Ok(());
        }
        self.client_errors.extend(client_error(&r));
        if self.config.records {
            self.clear_status()?;
            if self.config.json {
                ndjson::write_record(&mut self.out, &r)?;
            } else {
                human::write_record(&mut self.out, &r)?;
            }
        }
        if let Some(mut f) = self.matcher.find(&r) {
            if r.time.is_none() && time.is_some() {
                f.time = time;
                f.fields
                    .push(("time_inferred".into(), "from the previous entry".into()));
            }
            self.counts.finding(&f);
            if self.config.json {
                ndjson::write_finding(&mut self.out, &f)?;
            } else {
                self.write_finding_line(&f)?;
            }
            if f.time.is_some() {
                self.pending.push(f);
            }
        }
        Ok(())
    }

    /// Removes the status line before anything else is written below it.
    fn clear_status(&mut self) -> io::Result<()> {
        if self.status_shown {
            self.out.write_all(b"\r\x1b[2K")?;
            self.status_shown = false;
        }
        Ok(())
    }

    /// The live status line at the bottom of a terminal: what is followed and found.
    fn show_status(&mut self, files: usize) -> io::Result<()> {
        if !self.live {
            return Ok(());
        }
        self.clear_status()?;
        let open = match self.announced {
            Some((start, cause, status)) => format!(
                " · open: {cause} → {status} since {}",
                start.utc.format("%H:%M:%S")
            ),
            None => String::new(),
        };
        let line = format!(
            "following {files} file(s) · {} findings · {} incidents{open} · Ctrl-C ends",
            self.counts.findings, self.counts.incidents
        );
        write!(self.out, "{}", self.style.dim(&line))?;
        self.status_shown = true;
        Ok(())
    }

    fn write_finding_line(&mut self, f: &Finding) -> io::Result<()> {
        self.clear_status()?;
        let time = f.time.map_or_else(
            || "--:--:--".into(),
            |t| t.utc.format("%H:%M:%S").to_string(),
        );
        let status = f.status.map_or_else(|| "-".into(), |s| s.to_string());
        let line = f.matched_text().chars().take(160).collect::<String>();
        writeln!(
            self.out,
            "{time}  {:>3}  {:<22} {}  {}",
            status,
            f.cause.name(),
            self.style
                .dim(&format!("{}:{}", for_terminal(&f.file), f.line)),
            for_terminal(&line)
        )
    }

    /// Writes the incidents whose window has passed (all of them when `last`).
    fn close_incidents(&mut self, last: bool) -> io::Result<()> {
        let now = Utc::now();
        self.pending.sort_by_key(|f| f.time);
        promote_unrecovered_stops(&mut self.pending, (!last).then_some(now));
        let incidents = correlate(&self.pending, &self.client_errors, self.config.window);
        let mut closed_until = None;
        for mut incident in incidents {
            if !last && incident.end.utc + self.config.window > now {
                self.announce_open(&incident)?;
                break;
            }
            if self
                .announced
                .is_some_and(|(start, _, _)| start == incident.start)
            {
                self.announced = None;
            }
            self.next_incident += 1;
            incident.id = self.next_incident;
            closed_until = Some(incident.end.utc);
            self.worst = self.worst.max(Some(incident.status));
            self.counts.incidents += 1;
            self.write_incident(&incident)?;
        }
        let keep_after = match closed_until {
            Some(t) => t,
            // No incident open: context older than a window and a lead cannot matter any more.
            None => now - self.config.window - chrono::Duration::minutes(2),
        };
        self.pending
            .retain(|f| f.time.is_some_and(|t| t.utc > keep_after));
        self.client_errors.retain(|e| e.time.utc > keep_after);
        Ok(())
    }

    /// Human output: a line when an incident opens, and again when its root cause or
    /// status changes; the full block follows when it closes.
    fn announce_open(&mut self, incident: &Incident) -> io::Result<()> {
        if self.config.json {
            return Ok(());
        }
        let now = (incident.start, incident.cause, incident.status);
        let same_incident = self
            .announced
            .is_some_and(|(start, _, _)| start == incident.start);
        if self.announced == Some(now) {
            return Ok(());
        }
        self.clear_status()?;
        let verb = if same_incident { "now" } else { "opened" };
        writeln!(
            self.out,
            "{} incident {verb}: since {} UTC, root cause {}, clients get {} ({} findings so far)",
            self.style.red("▶"),
            incident.start.utc.format("%H:%M:%S"),
            incident.cause,
            incident.status,
            incident.findings
        )?;
        self.announced = Some(now);
        Ok(())
    }

    fn write_incident(&mut self, incident: &Incident) -> io::Result<()> {
        self.clear_status()?;
        if self.config.json {
            ndjson::write_incident(&mut self.out, incident)
        } else {
            writeln!(self.out)?;
            human::write_incident(&mut self.out, incident, &self.style)?;
            writeln!(self.out)
        }
    }
}

/// Splits the given paths into followed files, watched directories and stdin; with
/// discovery (no PATH, `--auto`, `--root`), the machine's log files are followed too.
fn targets(config: &Config) -> (Vec<PathBuf>, Vec<PathBuf>, bool) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut stdin = false;
    if let Some(root) = &config.discover {
        let found = discover::discover(&discover::Options::new(root, config));
        if !config.quiet {
            let _ = discovered::write_discovery(&mut io::stderr().lock(), &found);
        }
        for input in found.expanded().inputs {
            match input.source {
                Source::File(f) => files.push(f),
                _ => eprintln!(
                    "logscan: note: {}: not followed (only files are)",
                    for_terminal(&input.name)
                ),
            }
        }
    }
    for p in &config.paths {
        if p == "-" {
            stdin = true;
            continue;
        }
        let path = PathBuf::from(p);
        if path.is_dir() {
            for input in expand_paths(std::slice::from_ref(p)).inputs {
                if let Source::File(f) = input.source {
                    files.push(f);
                }
            }
            dirs.push(path);
        } else {
            // A file, or one that does not exist yet: followed from when it appears.
            files.push(path);
        }
    }
    (files, dirs, stdin)
}

/// Reads stdin on its own thread, a line at a time; `None` marks its end.
fn stdin_lines() -> mpsc::Receiver<Option<Vec<u8>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut input = io::stdin().lock();
        loop {
            let mut line = Vec::new();
            match input.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(_) => {
                    if tx.send(Some(line)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// Feeds bytes of whole lines to a stream's assembler, detecting its format first.
fn feed<W: Write>(
    stream: &mut Stream,
    bytes: &[u8],
    config: &Config,
    sink: &mut Sink<'_, W>,
) -> io::Result<()> {
    stream.last_input = Instant::now();
    if stream.asm.is_none() {
        let ctx = TimeCtx::new(config.zone, Some(Utc::now()));
        let format = config
            .format
            .unwrap_or_else(|| detect_in_slice(bytes, &ctx));
        stream.summary.format = format;
        stream.asm = Some(Assembler::new(
            stream.name.clone(),
            format,
            config.format.is_some(),
            ctx,
        ));
    }
    let mut records = Vec::new();
    let asm = stream.asm.as_mut().expect("just set");
    for_each_line(bytes, |line, n| asm.push(line, n, &mut |r| records.push(r)));
    asm.flush_complete(&mut |r| records.push(r));
    for r in records {
        sink.record(stream, r)?;
    }
    Ok(())
}

/// Ends a stream's current file: its open entry is emitted, line numbers start over.
fn restart<W: Write>(stream: &mut Stream, sink: &mut Sink<'_, W>) -> io::Result<()> {
    let mut records = Vec::new();
    if let Some(mut asm) = stream.asm.take() {
        asm.finish(&mut |r| records.push(r));
    }
    for r in records {
        sink.record(stream, r)?;
    }
    Ok(())
}

/// Emits open entries that waited long enough (or all of them, at exit).
fn close_idle_entries<W: Write>(
    streams: &mut [Stream],
    sink: &mut Sink<'_, W>,
    all: bool,
) -> io::Result<()> {
    for stream in streams.iter_mut() {
        let idle = stream.last_input.elapsed() >= ENTRY_IDLE;
        if let Some(asm) = stream
            .asm
            .as_mut()
            .filter(|a| a.has_pending() && (all || idle))
        {
            let mut records = Vec::new();
            asm.finish(&mut |r| records.push(r));
            for r in records {
                sink.record(stream, r)?;
            }
        }
    }
    Ok(())
}

pub fn run(config: &Config, matcher: &Matcher, poll: bool) -> io::Result<Outcome> {
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        if let Err(e) = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst)) {
            eprintln!("logscan: cannot catch SIGINT/SIGTERM: {e}");
        }
    }
    let (files, dirs, use_stdin) = targets(config);
    let (mut tailer, note) = Tailer::new(files, dirs, poll);
    if let Some(note) = note {
        eprintln!("logscan: note: {note}");
    }
    let mut streams: Vec<Stream> = (0..tailer.len())
        .map(|i| Stream::new(&tailer.path(i).display().to_string()))
        .collect();
    let mut stdin_stream = use_stdin.then(|| (Stream::new("-"), stdin_lines()));
    let stdout = io::stdout();
    let mut sink = Sink {
        out: io::BufWriter::new(stdout.lock()),
        config,
        matcher,
        style: Style::new(config.color),
        pending: Vec::new(),
        client_errors: ClientErrors::new(),
        next_incident: 0,
        worst: None,
        counts: ndjson::Counts::default(),
        live: !config.json && std::io::IsTerminal::is_terminal(&io::stdout()),
        status_shown: false,
        announced: None,
    };
    let mut errors: VecDeque<(String, String)> = VecDeque::new();
    let mut first_round = true;
    while !stop.load(Ordering::SeqCst) {
        if !first_round {
            let busy = tailer.has_timers()
                || stdin_stream.is_some()
                || streams
                    .iter()
                    .any(|s| s.asm.as_ref().is_some_and(Assembler::has_pending));
            tailer.wait(if busy { BUSY_WAKE } else { IDLE_WAKE });
        }
        first_round = false;
        for i in tailer.discover() {
            streams.push(Stream::new(&tailer.path(i).display().to_string()));
        }
        let mut events = Vec::new();
        for (path, e) in tailer.poll(&mut |ev| events.push(ev)) {
            let shown = path.display().to_string();
            if !errors.iter().any(|(p, _)| *p == shown) {
                eprintln!("logscan: {}: {e}", for_terminal(&shown));
                errors.push_back((shown, e.to_string()));
            }
        }
        for ev in events {
            match ev {
                TailEvent::Restart { file } => restart(&mut streams[file], &mut sink)?,
                TailEvent::Lines { file, bytes } => {
                    feed(&mut streams[file], &bytes, config, &mut sink)?
                }
            }
        }
        let mut stdin_ended = false;
        if let Some((stream, rx)) = stdin_stream.as_mut() {
            let mut bytes = Vec::new();
            loop {
                match rx.try_recv() {
                    Ok(Some(line)) => bytes.extend_from_slice(&line),
                    Ok(None) | Err(mpsc::TryRecvError::Disconnected) => {
                        stdin_ended = true;
                        break;
                    }
                    Err(mpsc::TryRecvError::Empty) => break,
                }
            }
            if !bytes.is_empty() {
                feed(stream, &bytes, config, &mut sink)?;
            }
        }
        if stdin_ended {
            if let Some((mut stream, _)) = stdin_stream.take() {
                restart(&mut stream, &mut sink)?;
                streams.push(stream);
            }
            if tailer.is_empty() {
                break;
            }
        }
        close_idle_entries(&mut streams, &mut sink, false)?;
        sink.close_incidents(false)?;
        sink.show_status(streams.len())?;
        sink.out.flush()?;
    }
    sink.clear_status()?;
    // Exit: what is still open is emitted, then the summary.
    let mut events = Vec::new();
    tailer.flush_partials(&mut |ev| events.push(ev));
    for ev in events {
        if let TailEvent::Lines { file, bytes } = ev {
            feed(&mut streams[file], &bytes, config, &mut sink)?;
        }
    }
    if let Some((stream, _)) = stdin_stream.take() {
        streams.push(stream);
    }
    close_idle_entries(&mut streams, &mut sink, true)?;
    sink.close_incidents(true)?;
    let files: Vec<FileSummary> = streams.into_iter().map(|s| s.summary).collect();
    let errors: Vec<(String, String)> = errors.into_iter().collect();
    if config.json {
        ndjson::write_summary(&mut sink.out, &files, &sink.counts, &errors)?;
    } else {
        writeln!(sink.out)?;
        human::write_files(&mut sink.out, &files, &sink.style)?;
    }
    sink.out.flush()?;
    Ok(if !errors.is_empty() {
        Outcome::Errors
    } else if sink.worst.is_some_and(|s| s >= 500) {
        Outcome::Incidents
    } else {
        Outcome::Clean
    })
}
