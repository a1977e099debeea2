//! Progress on stderr while large inputs are read: bytes, rate and time left
//! (indicatif). Shown only on a terminal, only for runs that last (it appears after
//! a moment), never with `--no-progress`, `-q` or `--follow`. Workers report bytes
//! through an atomic counter; a ticker thread draws.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears: short runs never show one.
const DELAY: Duration = Duration::from_millis(400);

/// Bytes read so far, drawn as a bar when enabled.
pub struct Progress {
    shared: Option<Arc<Shared>>,
}

struct Shared {
    bar: ProgressBar,
    done: AtomicU64,
    /// Set when reading is over; held while the bar is switched on, so that a bar
    /// never appears after it was cleared.
    finished: Mutex<bool>,
}

impl Progress {
    /// No bar; `advance` costs nothing.
    pub fn hidden() -> Progress {
        Progress { shared: None }
    }

    /// A bar for `total` bytes (`None`: unknown, as for stdin or `.gz`), drawn on
    /// stderr once the run has lasted a moment.
    pub fn new(total: Option<u64>) -> Progress {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let style = match total {
            Some(_) => ProgressStyle::with_template(
                "{spinner} reading {bytes}/{total_bytes} [{wide_bar}] {binary_bytes_per_sec}, {eta} left",
            ),
            None => ProgressStyle::with_template("{spinner} reading {bytes} {binary_bytes_per_sec}"),
        }
        .expect("the templates are valid")
        .progress_chars("=> ");
        bar.set_style(style);
        let shared = Arc::new(Shared {
            bar,
            done: AtomicU64::new(0),
            finished: Mutex::new(false),
        });
        let ticker = Arc::clone(&shared);
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            loop {
                {
                    let finished = ticker.finished.lock().unwrap_or_else(|e| e.into_inner());
                    if *finished {
                        return;
                    }
                    if ticker.bar.is_hidden() {
                        ticker.bar.set_draw_target(ProgressDrawTarget::stderr());
                    }
                    ticker.bar.set_position(ticker.done.load(Ordering::Relaxed));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Progress {
            shared: Some(shared),
        }
    }

    /// `bytes` more of the input have been read.
    pub fn advance(&self, bytes: u64) {
        if let Some(s) = &self.shared {
            s.done.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// Reading is over: the bar is cleared before the report is written.
    pub fn finish(&self) {
        if let Some(s) = &self.shared {
            let mut finished = s.finished.lock().unwrap_or_else(|e| e.into_inner());
            if !*finished {
                *finished = true;
                s.bar.finish_and_clear();
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_bar_counts_nothing_and_a_shown_one_counts_bytes() {
        let hidden = Progress::hidden();
        hidden.advance(10);
        hidden.finish();
        let shown = Progress::new(Some(100));
        shown.advance(30);
        shown.advance(12);
        let done = shown.shared.as_ref().unwrap().done.load(Ordering::Relaxed);
        assert_eq!(done, 42);
        shown.finish();
    }
}
