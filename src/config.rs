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
    /// Where the zone came from when `--root` decided it: `Europe/Berlin, from ROOT/etc/timezone`.
    pub zone_note: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub threads: usize,
    pub quiet: bool,
    /// Draw a progress bar on stderr while large inputs are read: stderr is a
    /// terminal, and neither `--no-progress`, `-q` nor `--follow` was given.
    pub progress: bool,
    /// `--patterns DIR`.
    pub patterns: Option<std::path::PathBuf>,
    pub list_rules: bool,
    /// `--window`: the gap that separates incidents.
    pub window: Duration,
    /// `--follow`, and whether to poll instead of using file system events.
    pub follow: bool,
    pub poll: bool,
    /// Colour the human report (decided once: `--color`, `NO_COLOR`, whether stdout is a terminal).
    pub color: bool,
    /// `--html FILE`: also write the report as a self-contained page.
    pub html: Option<std::path::PathBuf>,
    /// Find this machine's logs under this root (`/`, or `--root`): no PATH, `--auto` or `--root`.
    pub discover: Option<std::path::PathBuf>,
}

impl Config {
    pub fn from_cli(cli: crate::cli::Cli) -> Result<Config, String> {
        let (tz, zone_note) = match (&cli.tz, &cli.root) {
            (Some(tz), _) => (tz.clone(), None),
            (None, Some(root)) => match zone_of_root(root) {
                Some((name, from)) => {
                    let note = format!("{name}, from {}", from.display());
                    (name, Some(note))
                }
                None => ("local".into(), None),
            },
            (None, None) => ("local".into(), None),
        };
        let zone = Zone::parse(&tz).ok_or_else(|| match &zone_note {
            Some(note) => format!("unknown time zone ({note}); give --tz"),
            None => format!("--tz: unknown time zone '{tz}'"),
        })?;
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
        let discover = match (cli.root, cli.auto || cli.paths.is_empty()) {
            (Some(root), _) if !root.is_dir() => {
                return Err(format!("--root: {}: not a directory", root.display()))
            }
            (Some(root), _) => Some(root),
            (None, true) => Some("/".into()),
            (None, false) => None,
        };
        Ok(Config {
            follow: cli.follow,
            poll: cli.poll,
            zone_note,
            html: cli.html,
            discover,
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
            progress: !cli.no_progress
                && !cli.quiet
                && !cli.follow
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        })
    }

    /// Whether a time lies inside `--since`/`--until` (entries without a time always do).
    pub fn in_range(&self, t: Option<DateTime<Utc>>) -> bool {
        let Some(t) = t else { return true };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }
}

/// The zone of the machine whose disk is mounted at `root`: Debian's `etc/timezone`,
/// else the zone `etc/localtime` links to (`../usr/share/zoneinfo/Europe/Berlin`).
fn zone_of_root(root: &std::path::Path) -> Option<(String, std::path::PathBuf)> {
    let file = root.join("etc/timezone");
    if let Ok(text) = std::fs::read_to_string(&file) {
        let name = text.trim();
        if !name.is_empty() {
            return Some((name.to_string(), file));
        }
    }
    let link = root.join("etc/localtime");
    let target = std::fs::read_link(&link).ok()?;
    let target = target.to_str()?;
    let (_, name) = target.split_once("zoneinfo/")?;
    Some((name.to_string(), link))
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
    fn a_root_brings_its_own_zone() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(zone_of_root(dir.path()), None);
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::os::unix::fs::symlink(
            "/usr/share/zoneinfo/America/Chicago",
            dir.path().join("etc/localtime"),
        )
        .unwrap();
        assert_eq!(zone_of_root(dir.path()).unwrap().0, "America/Chicago");
        std::fs::write(dir.path().join("etc/timezone"), "Europe/Berlin\n").unwrap();
        let (name, from) = zone_of_root(dir.path()).unwrap();
        assert_eq!(
            (name.as_str(), from),
            ("Europe/Berlin", dir.path().join("etc/timezone"))
        );
    }

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
