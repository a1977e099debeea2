//! The contract's 21 causes: names, default statuses and the family ranking that
//! decides an incident's root cause (system > dependency > application > capacity >
//! lifecycle > gateway symptoms).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

macro_rules! causes {
    ($($variant:ident => $name:literal, $family:ident, $status:expr;)*) => {
        /// Why clients got an error.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Cause { $($variant),* }

        impl Cause {
            pub const ALL: &'static [Cause] = &[$(Cause::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Cause::$variant => $name),* }
            }

            pub fn family(self) -> Family {
                match self { $(Cause::$variant => Family::$family),* }
            }

            /// The status clients most likely got when a rule names no other.
            pub fn default_status(self) -> u16 {
                match self { $(Cause::$variant => $status),* }
            }
        }
    };
}

causes! {
    OomKill => "oom_kill", System, 502;
    DiskFull => "disk_full", System, 500;
    TooManyOpenFiles => "too_many_open_files", System, 500;
    MemoryExhausted => "memory_exhausted", System, 500;
    DatabaseUnavailable => "database_unavailable", Dependency, 500;
    DependencyUnavailable => "dependency_unavailable", Dependency, 500;
    PhpFatal => "php_fatal", Application, 500;
    PhpMemoryExhausted => "php_memory_exhausted", Application, 500;
    PhpTimeout => "php_timeout", Application, 500;
    WorkerCrash => "worker_crash", Application, 502;
    ConfigError => "config_error", Application, 500;
    PermissionDenied => "permission_denied", Application, 502;
    WorkerPoolExhausted => "worker_pool_exhausted", Capacity, 503;
    RateLimited => "rate_limited", Capacity, 503;
    Restart => "restart", Lifecycle, 502;
    UpstreamRefused => "upstream_refused", Gateway, 502;
    UpstreamReset => "upstream_reset", Gateway, 502;
    UpstreamTimeout => "upstream_timeout", Gateway, 504;
    UpstreamBadResponse => "upstream_bad_response", Gateway, 502;
    NoLiveUpstreams => "no_live_upstreams", Gateway, 502;
    UpstreamTls => "upstream_tls", Gateway, 502;
}

/// Cause families, most fundamental first: a lower family explains a higher one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    System,
    Dependency,
    Application,
    Capacity,
    Lifecycle,
    Gateway,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cause {
    type Err = String;

    fn from_str(s: &str) -> Result<Cause, String> {
        Cause::ALL
            .iter()
            .find(|c| c.name() == s)
            .copied()
            .ok_or_else(|| format!("unknown cause '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_one_causes_round_trip() {
        assert_eq!(Cause::ALL.len(), 21);
        for &c in Cause::ALL {
            assert_eq!(c.name().parse::<Cause>(), Ok(c));
        }
        assert!(Cause::OomKill.family() < Cause::UpstreamRefused.family());
        assert_eq!(Cause::UpstreamTimeout.default_status(), 504);
    }
}
