//! Isolates one input's scan: a panic while reading it (a bug the fuzzers have not
//! found yet) becomes that input's error, naming its path, so the other inputs are
//! still read and reported and the run ends with exit status 2 instead of aborting.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::Error;
use crate::input::Input;
use crate::parse::Format;
use crate::scan::{FileSummary, Scanned};

/// Runs `scan` for `input`; a panic inside it is returned as the input's error.
pub fn isolated(input: &Input, scan: impl FnOnce() -> Scanned) -> Scanned {
    // Unwind safety: after a panic nothing of the scan's state is used again but
    // what the sink already received, which is whole records.
    catch_unwind(AssertUnwindSafe(scan)).unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Scanned {
            summary: FileSummary {
                path: input.name.to_string(),
                format: Format::Unknown,
                lines: 0,
                records: 0,
                unknown: 0,
                first: None,
                last: None,
            },
            findings: Vec::new(),
            client_errors: Vec::new(),
            error: Some(Error::Input {
                path: input.name.to_string(),
                msg: format!("internal error, reading stopped (please report it): {why}"),
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_inputs_error() {
        let input = Input::file("bad.log".into());
        let scanned = isolated(&input, || panic!("boom at line {}", 7));
        let e = scanned.error.expect("an error");
        assert_eq!(e.path(), "bad.log");
        assert!(
            e.to_string()
                .ends_with("(please report it): boom at line 7"),
            "{e}"
        );
        assert_eq!(scanned.summary.path, "bad.log");
    }
}
