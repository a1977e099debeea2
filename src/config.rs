//! Turns the parsed command line into a validated `Config`: zone, time range, format.
//! Nothing after this point sees clap.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::parse::{time::rfc3339_prefix, Format, Zone};

/// The most worker threads a run starts, whatever `-j` asks for.
pub const MAX_THREADS: usize = 256;

/// Everything a run needs, validated.
#[derive(Clone, Debug)]
pub struct Config {
    pub paths: Vec<String>,
    pub json: bool,
    pub records: bool,
    /// `--format`: read every input as this format.
    pub format: Option<Format>,
    /// Zone for zone-less stamps.
    pub zone: Zone,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub threads: usize,
    pub quiet: bool,
    /// `--patterns DIR`.
    pub patterns: Option<std::path::PathBuf>,
    pub list_rules: bool,
    /// `--window`: the gap that separates incidents.
    pub window: Duration,
    /// Colour the human report (decided once: `--color`, `NO_COLOR`, whether stdout is a terminal).
    pub color: bool,
}

impl Config {
    pub fn from_cli(cli: crate::cli::Cli) -> Result<Config, String> {
        let zone =
            Zone::parse(&cli.tz).ok_or_else(|| format!("--tz: unknown time zone '{}'", cli.tz))?;
        let now = Utc::now();
        let since = cli
            .since
            .as_deref()
            .map(|s| parse_time(s, zone, now).map_err(|e| format!("--since: {e}")))
            .transpose()?;
        let until = cli
            .until
            .as_deref()
            .map(|s| parse_time(s, zone, now).map_err(|e| format!("--until: {e}")))
            .transpose()?;
        let format = cli
            .format
            .as_deref()
            .map(|f| f.parse::<Format>().map_err(|e| format!("--format: {e}")))
            .transpose()?;
        let threads = match cli.threads {
            Some(0) => return Err("--threads: must be at least 1".into()),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        // The pool starts every thread at once: `-j 1000000` would spend the run
        // (and the machine's memory) spawning them.
        let threads = threads.min(MAX_THREADS);
        let window = parse_duration(&cli.window)
            .filter(|d| *d > Duration::zero())
            .ok_or_else(|| {
                format!(
                    "--window: cannot read '{}' (use e.g. 90s, 5m, 1h)",
                    cli.window
                )
            })?;
        let color = match cli.color.as_str() {
            "always" => true,
            "never" => false,
            _ => {
                std::io::IsTerminal::is_terminal(&std::io::stdout())
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Config {
            color,
            patterns: cli.patterns,
            list_rules: cli.list_rules,
            window,
            paths: cli.paths,
            json: cli.json,
            records: cli.records,
            format,
            zone,
            since,
            until,
            threads,
            quiet: cli.quiet,
        })
    }

    /// Whether a time lies inside `--since`/`--until` (entries without a time always do).
    pub fn in_range(&self, t: Option<DateTime<Utc>>) -> bool {
        let Some(t) = t else { return true };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }
}

/// RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in `zone`, or a duration before `now` (`30m`, `2h`, `1d`, `45s`).
pub fn parse_time(s: &str, zone: Zone, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Some(d) = parse_duration(s) {
        return now
            .checked_sub_signed(d)
            .ok_or_else(|| format!("'{s}' reaches back before any date"));
    }
    if let Some((stamp, used)) = rfc3339_prefix(s.as_bytes()) {
        if used == s.len() {
            return Ok(stamp.utc);
        }
    }
    for layout in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, layout) {
            return Ok(zone.to_utc(naive));
        }
    }
    Err(format!(
        "cannot read '{s}': use RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' or a duration like 30m, 2h, 1d"
    ))
}

/// `90s`, `30m`, `2h`, `1d`; `None` for anything else, a huge number included.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    if n < 0 {
        return None;
    }
    match unit {
        's' => Duration::try_seconds(n),
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_forms() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            parse_time("2h", berlin, now).unwrap(),
            now - Duration::hours(2)
        );
        assert_eq!(
            parse_time("2026-11-24T10:00:00Z", berlin, now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("2026-11-24 11:00", berlin, now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
        );
        assert!(parse_time("yesterday", berlin, now).is_err());
        assert_eq!(parse_duration("5m"), Some(Duration::minutes(5)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("m"), None);
        // Once a panic: numbers past what a duration holds are refused, not fatal.
        assert_eq!(parse_duration("9223372036854775807d"), None);
        assert!(parse_time("100000000000d", berlin, now).is_err());
    }
}
