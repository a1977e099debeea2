//! What correlation reads of a finding. Grouping, counting and ranking need only a
//! few facts ([`Evidence`]): a stored run's entries carry them, so an incident of a
//! million findings is judged without reading them back. Only the root line, the
//! evidence lines and the fields an explanation names ([`Seen`]) are read whole.

use std::sync::Arc;

use crate::parse::{field, Stamp};
use crate::rules::{Cause, Finding, Lifecycle};
use crate::store::Entry;

/// The facts of one finding that correlation decides on.
pub trait Evidence {
    fn time(&self) -> Option<Stamp>;
    fn status(&self) -> Option<u16>;
    fn cause(&self) -> Cause;
    fn lifecycle(&self) -> Option<Lifecycle>;
    /// Written by the front server (nginx, Apache), directly or inside a container log.
    fn front_server(&self) -> bool;
    /// Tells files apart (names come from [`Names`]).
    fn file_key(&self) -> usize;
    /// Which of the fields an explanation may name it has ([`named_fields`]).
    fn named(&self) -> u16;

    /// Whether clients got a server error.
    fn has_impact(&self) -> bool {
        self.status().is_some_and(|s| s >= 500)
    }
}

/// Findings and entries name the facts alike.
macro_rules! evidence_from_fields {
    ($type:ty, $status:expr, $front:expr, $file_key:expr, $named:expr) => {
        impl Evidence for $type {
            fn time(&self) -> Option<Stamp> {
                self.time
            }
            fn status(&self) -> Option<u16> {
                $status(self)
            }
            fn cause(&self) -> Cause {
                self.cause
            }
            fn lifecycle(&self) -> Option<Lifecycle> {
                self.lifecycle
            }
            fn front_server(&self) -> bool {
                $front(self)
            }
            fn file_key(&self) -> usize {
                $file_key(self)
            }
            fn named(&self) -> u16 {
                $named(self)
            }
        }
    };
}

evidence_from_fields!(
    &Finding,
    |f: &&Finding| f.status,
    |f: &&Finding| f.from_front_server(),
    |f: &&Finding| Arc::as_ptr(&f.file) as *const u8 as usize,
    |f: &&Finding| named_fields(&f.fields)
);
evidence_from_fields!(
    Entry,
    |e: &Entry| Entry::status(e),
    |e: &Entry| e.front_server,
    |e: &Entry| e.file as usize,
    |e: &Entry| e.named
);

/// Where the names of the files findings come from.
pub trait Names<E> {
    fn file_name(&self, evidence: &E) -> Arc<str>;
}

/// Findings carry their file name.
pub struct OwnNames;

impl Names<&Finding> for OwnNames {
    fn file_name(&self, f: &&Finding) -> Arc<str> {
        Arc::clone(&f.file)
    }
}

impl Names<Entry> for crate::store::Findings {
    fn file_name(&self, e: &Entry) -> Arc<str> {
        crate::store::Findings::file_name(self, e)
    }
}

/// The fields an explanation may name.
const NAMED: [&str; 11] = [
    "pool", "comm", "pid", "rss", "limit", "script", "signal", "zone", "upstream", "socket", "addr",
];

/// One bit per [`NAMED`] field that `fields` hold: an entry keeps them, so the search
/// for a field reads back only the findings that have it.
pub fn named_fields(fields: &crate::parse::Fields) -> u16 {
    fields
        .iter()
        .filter_map(|(k, _)| NAMED.iter().position(|n| n == k))
        .fold(0, |bits, i| bits | 1 << i)
}

/// What an explanation needs of an incident besides its root line: the first value of
/// each named field among the findings of the root's cause, and counts.
#[derive(Default)]
pub struct Seen {
    picks: Vec<(&'static str, String)>,
    /// Findings of the root's cause that show client impact.
    pub root_cause_impact: usize,
    /// Findings with client impact other than the root line.
    pub other_impact: usize,
}

impl Seen {
    /// Reads `members` (`load` reads one whole) for the fields the root line lacks, in
    /// order, until each is found or the findings of the root's cause run out.
    pub fn of<E: Evidence, Err>(
        root: &Finding,
        root_at: usize,
        members: &[E],
        load: &mut impl FnMut(usize) -> Result<Finding, Err>,
    ) -> Result<Seen, Err> {
        let mut missing: u16 = !named_fields(&root.fields) & ((1 << NAMED.len()) - 1);
        let mut picks = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if missing == 0 {
                break;
            }
            if i == root_at || m.cause() != root.cause || m.named() & missing == 0 {
                continue;
            }
            let f = load(i)?;
            for (bit, name) in NAMED.iter().enumerate() {
                if missing & (1 << bit) != 0 {
                    if let Some(v) = field(&f.fields, name) {
                        picks.push((*name, v.to_string()));
                        missing &= !(1 << bit);
                    }
                }
            }
        }
        let impact = members.iter().filter(|m| m.has_impact()).count();
        Ok(Seen {
            picks,
            root_cause_impact: members
                .iter()
                .filter(|m| m.cause() == root.cause && m.has_impact())
                .count(),
            other_impact: impact - usize::from(root.status.is_some_and(|s| s >= 500)),
        })
    }

    /// A field of the root finding, or of another finding of the same cause that has it.
    pub fn pick<'a>(&'a self, root: &'a Finding, name: &str) -> Option<&'a str> {
        field(&root.fields, name).or_else(|| {
            self.picks
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        })
    }
}
