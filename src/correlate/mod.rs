//! Correlation: findings from every file on one UTC clock are grouped into incidents
//! (`incident.rs`), each incident gets its root cause and status (`root_cause.rs`),
//! the Cloudflare view and an explanation built from its evidence (`explain.rs`).
//! `evidence.rs` names the few facts of a finding they decide on, so that a stored
//! run's entries can stand in for its findings.

mod evidence;
mod explain;
pub use evidence::named_fields;
pub use explain::plural;
mod incident;
pub(crate) mod lifecycle;
mod root_cause;

pub use incident::{correlate, correlate_stored, ClientError, ClientErrors, Cloudflare, Incident};
pub use lifecycle::{promote_stored, promote_unrecovered_stops};
