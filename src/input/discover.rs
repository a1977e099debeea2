//! Finds this machine's logs when no PATH is given (or with `--auto`): the nginx and
//! Apache log directories, php-fpm and PHP error logs named in their config, syslog
//! files, docker json-file logs and the journal (`journalctl -o json` as a stream).
//! Every path is looked up under a root (`/`, or `--root`) so a mounted disk or a test
//! tree can stand in. Nothing here reads log content or prints: it returns what it found.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::walk::{expand_paths, strip_rotation, Expanded};
use super::{Input, Source};
use crate::config::Config;

/// How far back rotated copies and the journal are read when `--since` is not given.
pub const DEFAULT_HORIZON_HOURS: i64 = 24;

/// Where discovery looks and how far back.
#[derive(Clone, Debug)]
pub struct Options {
    pub root: PathBuf,
    /// `--since`: also how far back rotated files and the journal are read.
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    /// The `journalctl` to run, if there is one.
    pub journalctl: Option<PathBuf>,
    /// Where the zone for zone-less stamps came from, when the root decided it.
    pub zone_note: Option<String>,
    /// No PATH was named while logs are piped in: say that `-` reads them.
    pub stdin_piped: bool,
}

impl Options {
    pub fn new(root: &Path, config: &Config) -> Options {
        Options {
            root: root.to_path_buf(),
            since: config.since,
            until: config.until,
            now: Utc::now(),
            journalctl: find_program("journalctl"),
            zone_note: config.zone_note.clone(),
            stdin_piped: config.paths.is_empty() && stdin_is_piped(),
        }
    }

    /// Rotated copies last written before this hold nothing worth reading.
    pub fn horizon(&self) -> DateTime<Utc> {
        self.since
            .unwrap_or(self.now - Duration::hours(DEFAULT_HORIZON_HOURS))
    }

    fn is_real_root(&self) -> bool {
        fs::canonicalize(&self.root).is_ok_and(|p| p == Path::new("/"))
    }

    /// A path of the machine (`/var/log/nginx`) under the root.
    fn under_root(&self, path: &str) -> PathBuf {
        let relative: PathBuf = Path::new(path)
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        self.root.join(relative)
    }
}

/// What kind of log a found input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Nginx,
    Apache,
    PhpFpm,
    Php,
    Syslog,
    Docker,
    Journal,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Nginx => "nginx",
            Kind::Apache => "apache",
            Kind::PhpFpm => "php-fpm",
            Kind::Php => "php",
            Kind::Syslog => "syslog",
            Kind::Docker => "docker",
            Kind::Journal => "journal",
        }
    }
}

/// One log that will be read.
#[derive(Clone, Debug)]
pub struct Found {
    pub kind: Kind,
    pub input: Input,
    /// Why it was picked or what it is: `error_log in /etc/php/8.2/fpm/php-fpm.conf`,
    /// `container shop-web-1 (nginx:1.27, running)`.
    pub detail: Option<String>,
}

/// What discovery found, skipped and could not read.
#[derive(Debug, Default)]
pub struct Discovery {
    pub root: PathBuf,
    /// Whether the root is another tree than the machine's own `/`.
    pub other_root: bool,
    pub found: Vec<Found>,
    /// `(what, why)`: logs seen and left out on purpose.
    pub skipped: Vec<(String, String)>,
    /// Rotated copies last written before the horizon, left out.
    pub old_rotations: Vec<PathBuf>,
    pub horizon: Option<DateTime<Utc>>,
    /// The zone zone-less stamps are read in, when the root's own config named it.
    pub zone_note: Option<String>,
    /// `(path, reason)`: logs that exist but cannot be read (exit status 2).
    pub errors: Vec<(String, String)>,
    seen: HashSet<PathBuf>,
}

/// Where discovery looks, for the message when it finds nothing.
pub const PLACES: &[&str] = &[
    "/var/log/nginx",
    "/var/log/apache2",
    "/var/log/httpd",
    "error_log in /etc/php/*/fpm/php-fpm.conf, pool.d/*.conf, /etc/php-fpm.conf, /etc/php-fpm.d/*.conf and php.ini",
    "/var/log/php*-fpm.log, /var/log/php-fpm/",
    "/var/log/syslog, /var/log/messages, /var/log/kern.log",
    "/var/lib/docker/containers/*/*-json.log",
    "the journal (journalctl -o json)",
];

/// Finds the logs under `opts.root`.
pub fn discover(opts: &Options) -> Discovery {
    let mut d = Discovery {
        root: opts.root.clone(),
        other_root: !opts.is_real_root(),
        horizon: Some(opts.horizon()),
        zone_note: opts.zone_note.clone(),
        ..Discovery::default()
    };
    d.add_dir(opts, Kind::Nginx, "/var/log/nginx", None);
    d.add_dir(opts, Kind::Apache, "/var/log/apache2", None);
    d.add_dir(opts, Kind::Apache, "/var/log/httpd", None);
    add_php(&mut d, opts);
    let syslog = add_syslog(&mut d, opts);
    add_docker(&mut d, opts);
    add_journal(&mut d, opts, syslog);
    if opts.stdin_piped {
        d.skipped.push((
            "stdin".into(),
            "logs piped in are read only when named: logscan -".into(),
        ));
    }
    if d.found.is_empty() && d.errors.is_empty() {
        d.errors.push((
            opts.root.display().to_string(),
            "found no logs to read (name them: logscan PATH...)".into(),
        ));
    }
    d
}

impl Discovery {
    /// The inputs to read and the errors to report, for the run.
    pub fn expanded(&self) -> Expanded {
        Expanded {
            inputs: self.found.iter().map(|f| f.input.clone()).collect(),
            errors: self.errors.clone(),
            notes: Vec::new(),
        }
    }

    /// Every log-like file in a machine directory (walked), if it exists.
    fn add_dir(&mut self, opts: &Options, kind: Kind, dir: &str, detail: Option<&str>) {
        let dir = opts.under_root(dir);
        if !dir.exists() {
            return;
        }
        let walked = expand_paths(&[dir.display().to_string()]);
        for input in walked.inputs {
            if let Source::File(path) = input.source {
                self.add_file(opts, kind, &path, detail.map(str::to_string));
            }
        }
        self.errors.extend(walked.errors.into_iter().map(with_hint));
        self.skipped.extend(walked.notes);
    }

    /// A file to read, unless it was already found, is an old rotated copy or cannot
    /// be read (then it is an error naming the path).
    fn add_file(&mut self, opts: &Options, kind: Kind, path: &Path, detail: Option<String>) {
        let identity = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.seen.insert(identity) {
            return;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if strip_rotation(name) != name && modified(path).is_some_and(|m| m < opts.horizon()) {
            self.old_rotations.push(path.to_path_buf());
            return;
        }
        if let Err(e) = fs::File::open(path) {
            self.errors
                .push(with_hint((path.display().to_string(), e.to_string())));
            return;
        }
        self.found.push(Found {
            kind,
            input: Input::file(path.to_path_buf()),
            detail,
        });
    }

    /// A live log and its rotated copies in the same directory.
    fn add_with_rotations(
        &mut self,
        opts: &Options,
        kind: Kind,
        live: &Path,
        detail: Option<String>,
    ) {
        let (Some(dir), Some(name)) = (live.parent(), live.file_name().and_then(|n| n.to_str()))
        else {
            return;
        };
        for path in siblings(dir, |n| strip_rotation(n) == name) {
            self.add_file(opts, kind, &path, detail.clone());
        }
    }
}

/// Permission problems say how to get past them.
fn with_hint((path, why): (String, String)) -> (String, String) {
    if why.contains("ermission denied") {
        (path, format!("{why}; run logscan as root to read it"))
    } else {
        (path, why)
    }
}

fn modified(path: &Path) -> Option<DateTime<Utc>> {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(DateTime::<Utc>::from)
}

/// Entries of `dir` whose names pass `keep`, sorted.
fn siblings(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(&keep))
        .map(|e| e.path())
        .collect();
    paths.sort();
    paths
}

// ------------------------------------------------------------------ PHP ---

/// php-fpm's own log and PHP's error logs: from `error_log` in the php-fpm config
/// (global and per pool, `$pool` expanded) and php.ini, then the distributions'
/// default places in case the config cannot be read.
fn add_php(d: &mut Discovery, opts: &Options) {
    for conf in fpm_config_files(opts) {
        let Ok(text) = fs::read_to_string(&conf) else {
            continue;
        };
        for v in ini_values(&text) {
            let kind = match v.key.as_str() {
                "error_log" => Kind::PhpFpm,
                "php_admin_value[error_log]" | "php_value[error_log]" => Kind::Php,
                _ => continue,
            };
            let value = v.value.replace("$pool", &v.section);
            add_configured(d, opts, kind, &value, &conf, &v.key);
        }
    }
    for pattern in [
        "/etc/php/*/fpm/php.ini",
        "/etc/php/*/fpm/conf.d/*.ini",
        "/etc/php/*/apache2/php.ini",
        "/etc/php/*/apache2/conf.d/*.ini",
        "/etc/php.ini",
        "/etc/php.d/*.ini",
        "/usr/local/etc/php/php.ini",
        "/usr/local/etc/php/conf.d/*.ini",
    ] {
        for ini in glob(opts, pattern) {
            let text = fs::read_to_string(&ini).unwrap_or_default();
            for v in ini_values(&text)
                .into_iter()
                .filter(|v| v.key == "error_log")
            {
                add_configured(d, opts, Kind::Php, &v.value, &ini, "error_log");
            }
        }
    }
    // Debian's /var/log/php8.2-fpm.log, Red Hat's /var/log/php-fpm/.
    for path in siblings(&opts.under_root("/var/log"), |n| {
        let base = strip_rotation(n);
        base.starts_with("php") && base.ends_with("fpm.log")
    }) {
        d.add_file(opts, Kind::PhpFpm, &path, None);
    }
    d.add_dir(opts, Kind::PhpFpm, "/var/log/php-fpm", None);
}

/// php-fpm's main config files, the files their absolute `include=` globs name, and
/// the distributions' pool directories; each once, in that order.
fn fpm_config_files(opts: &Options) -> Vec<PathBuf> {
    let mut confs: Vec<PathBuf> = Vec::new();
    for pattern in [
        "/etc/php/*/fpm/php-fpm.conf",
        "/etc/php-fpm.conf",
        "/usr/local/etc/php-fpm.conf",
    ] {
        for main in glob(opts, pattern) {
            let text = fs::read_to_string(&main).unwrap_or_default();
            confs.push(main);
            confs.extend(
                ini_values(&text)
                    .into_iter()
                    .filter(|v| v.key == "include" && v.value.starts_with('/'))
                    .flat_map(|v| glob(opts, &v.value)),
            );
        }
    }
    for pattern in [
        "/etc/php/*/fpm/pool.d/*.conf",
        "/etc/php-fpm.d/*.conf",
        "/usr/local/etc/php-fpm.d/*.conf",
    ] {
        confs.extend(glob(opts, pattern));
    }
    let mut unique = HashSet::new();
    confs.retain(|c| unique.insert(c.clone()));
    confs
}

/// An `error_log` value from a config file: a path to read, or a note saying where
/// those lines go instead.
fn add_configured(
    d: &mut Discovery,
    opts: &Options,
    kind: Kind,
    value: &str,
    conf: &Path,
    key: &str,
) {
    let conf_name = conf.display().to_string();
    let skip = |why: &str| (format!("{key} = {value} ({conf_name})"), why.to_string());
    if value.is_empty() {
        return;
    }
    if value == "syslog" {
        d.skipped.push(skip("goes to syslog, read from there"));
    } else if value.starts_with("/proc/") || value.starts_with("/dev/") {
        d.skipped.push(skip(
            "goes to the process's stderr (docker logs, the journal)",
        ));
    } else if !value.starts_with('/') || value.contains("${") {
        d.skipped.push(skip(
            "not an absolute path, not followed; name the file to read it",
        ));
    } else {
        let path = opts.under_root(value);
        if path.exists() {
            let detail = format!("{key} in {}", shown_in_root(opts, conf));
            d.add_with_rotations(opts, kind, &path, Some(detail));
        } else {
            d.skipped.push(skip("does not exist (yet)"));
        }
    }
}

/// A config file as the machine knows it: `/etc/php/8.2/fpm/php-fpm.conf` even under `--root`.
fn shown_in_root(opts: &Options, path: &Path) -> String {
    match path.strip_prefix(&opts.root) {
        Ok(rel) if !opts.is_real_root() => format!("/{}", rel.display()),
        _ => path.display().to_string(),
    }
}

/// One `key = value` of an ini-style file (php.ini, php-fpm.conf), with its section.
#[derive(Debug, PartialEq)]
struct IniValue {
    section: String,
    key: String,
    value: String,
}

/// The settings of an ini-style file: `;` and `#` comments, `[section]` headers,
/// values with their quotes and trailing comments taken off.
fn ini_values(text: &str) -> Vec<IniValue> {
    let mut section = String::new();
    let mut values = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with([';', '#']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = match value.strip_prefix('"').and_then(|v| v.split_once('"')) {
            Some((quoted, _)) => quoted,
            None => value.split(';').next().unwrap_or("").trim(),
        };
        values.push(IniValue {
            section: section.clone(),
            key: key.trim().to_string(),
            value: value.to_string(),
        });
    }
    values
}

/// Paths under the root that match `pattern` (absolute; `*` and `?` within one
/// component, as in the `include=` globs of php-fpm), sorted.
fn glob(opts: &Options, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![opts.root.clone()];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for dir in &current {
            if part.contains(['*', '?']) {
                next.extend(siblings(dir, |n| wildcard_match(part, n)));
            } else {
                let p = dir.join(part);
                if p.exists() {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    current.sort();
    current
}

/// Shell-style `*` and `?` matching of one name; `*` never matches a leading dot.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

// --------------------------------------------------------------- syslog ---

/// What the syslog text files hold, for deciding how to read the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SyslogFiles {
    /// None: the journal is the only system log.
    Absent,
    /// `kern.log` only: the journal still holds the services' lines.
    KernelOnly,
    /// `syslog` or `messages`, written recently: rsyslog copies every journal entry there.
    Everything,
}

/// `/var/log/syslog` (Debian) or `/var/log/messages` (Red Hat), else `kern.log`:
/// `syslog` already holds every kernel line of `kern.log`, and reading both would
/// count each OOM kill twice.
fn add_syslog(d: &mut Discovery, opts: &Options) -> SyslogFiles {
    let var_log = opts.under_root("/var/log");
    let all = ["syslog", "messages"]
        .into_iter()
        .map(|n| var_log.join(n))
        .find(|p| p.is_file());
    let kern = var_log.join("kern.log");
    match all {
        Some(all) => {
            d.add_with_rotations(opts, Kind::Syslog, &all, None);
            if kern.is_file() {
                d.skipped.push((
                    kern.display().to_string(),
                    format!("its kernel lines are also in {}", all.display()),
                ));
            }
            fresh(&all, opts, SyslogFiles::Everything)
        }
        None if kern.is_file() => {
            d.add_with_rotations(opts, Kind::Syslog, &kern, Some("kernel".into()));
            fresh(&kern, opts, SyslogFiles::KernelOnly)
        }
        None => SyslogFiles::Absent,
    }
}

/// What a syslog file covers of the journal's span: nothing when it was last written
/// before the horizon (rsyslog stopped or was removed; the journal has the rest).
fn fresh(file: &Path, opts: &Options, covers: SyslogFiles) -> SyslogFiles {
    if modified(file).is_some_and(|m| m >= opts.horizon()) {
        covers
    } else {
        SyslogFiles::Absent
    }
}

// --------------------------------------------------------------- docker ---

/// json-file logs of every container (and their rotated copies), named from the
/// container's `config.v2.json`. A stopped container last written before the horizon
/// is left out; the data root comes from `/etc/docker/daemon.json` when set there.
fn add_docker(d: &mut Discovery, opts: &Options) {
    let daemon = read_json(&opts.under_root("/etc/docker/daemon.json"));
    let data_root = daemon["data-root"]
        .as_str()
        .or(daemon["graph"].as_str())
        .unwrap_or("/var/lib/docker")
        .to_string();
    let containers = opts.under_root(&data_root).join("containers");
    if !containers.exists() {
        return;
    }
    if let Err(e) = fs::read_dir(&containers) {
        d.errors
            .push(with_hint((containers.display().to_string(), e.to_string())));
        return;
    }
    for dir in siblings(&containers, |_| true)
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let container = Container::read(&dir, &id);
        let json_log = format!("{id}-json.log");
        let logs = siblings(&dir, |n| strip_rotation(n) == json_log);
        let stale = modified(&dir.join(&json_log)).is_none_or(|m| m < opts.horizon());
        if logs.is_empty() {
            d.skipped.push((
                format!("container {}", container.name),
                "no json-file log (its log driver writes elsewhere, e.g. the journal)".into(),
            ));
        } else if container.running == Some(false) && stale {
            d.skipped.push((
                format!("container {}", container.name),
                "stopped and not written since the horizon; name its log to read it".into(),
            ));
        } else {
            for log in logs {
                d.add_file(opts, Kind::Docker, &log, Some(container.detail()));
            }
        }
    }
}

/// What a container's `config.v2.json` says about it.
struct Container {
    /// `Name` without docker's leading `/`, else the short id.
    name: String,
    image: Option<String>,
    running: Option<bool>,
}

impl Container {
    fn read(dir: &Path, id: &str) -> Container {
        let config = read_json(&dir.join("config.v2.json"));
        Container {
            name: config["Name"]
                .as_str()
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_else(|| id.chars().take(12).collect()),
            image: config["Config"]["Image"].as_str().map(str::to_string),
            running: config["State"]["Running"].as_bool(),
        }
    }

    /// `container shop-api (ghcr.io/example/shop-api:2.14.1, running)`.
    fn detail(&self) -> String {
        let state = self.running.map(|r| if r { "running" } else { "stopped" });
        let what: Vec<&str> = self.image.as_deref().into_iter().chain(state).collect();
        if what.is_empty() {
            format!("container {}", self.name)
        } else {
            format!("container {} ({})", self.name, what.join(", "))
        }
    }
}

/// A JSON file's value, or `null` when it is missing or not JSON.
fn read_json(path: &Path) -> serde_json::Value {
    fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

// -------------------------------------------------------------- journal ---

/// The journal through `journalctl -o json`, from the horizon (`--since` or the last
/// 24 h) to `--until`. Left out where `syslog`/`messages` already holds every entry;
/// without its kernel lines where `kern.log` holds them. Under another root it is read
/// with `journalctl --root` from `ROOT/var/log/journal`, and only when that exists.
fn add_journal(d: &mut Discovery, opts: &Options, syslog: SyslogFiles) {
    let skip = |d: &mut Discovery, why: String| d.skipped.push(("journal".into(), why));
    if syslog == SyslogFiles::Everything {
        return skip(
            d,
            "syslog holds the same entries (rsyslog writes them there)".into(),
        );
    }
    let Some(program) = &opts.journalctl else {
        return skip(d, "journalctl not found".into());
    };
    let mut args: Vec<String> = Vec::new();
    if !opts.is_real_root() {
        let dir = opts.under_root("/var/log/journal");
        if !dir.is_dir() {
            let why = "under --root the journal is read only from there";
            return skip(d, format!("no {} ({why})", dir.display()));
        }
        args.extend(["--root".to_string(), opts.root.display().to_string()]);
    }
    let (span_args, mut detail) = journal_span(opts);
    args.extend(span_args);
    if syslog == SyslogFiles::KernelOnly {
        // Matches on one field are alternatives: every transport but the kernel's.
        args.extend(
            [
                "_TRANSPORT=syslog",
                "_TRANSPORT=journal",
                "_TRANSPORT=stdout",
            ]
            .map(String::from),
        );
        detail.push_str("; kernel lines come from kern.log");
    }
    d.found.push(Found {
        kind: Kind::Journal,
        input: Input {
            name: Arc::from("journalctl"),
            source: Source::Command {
                program: program.clone(),
                args,
            },
            walked: false,
        },
        detail: Some(detail),
    });
}

/// `-o json --no-pager --since @… [--until @…]` over the horizon, and how to say it.
fn journal_span(opts: &Options) -> (Vec<String>, String) {
    let since = opts.horizon();
    let mut args: Vec<String> = ["-o", "json", "--no-pager", "--since"]
        .map(String::from)
        .into();
    args.push(format!("@{}", since.timestamp()));
    let mut detail = format!("since {}", since.format("%Y-%m-%d %H:%M:%S UTC"));
    if let Some(until) = opts.until {
        args.extend(["--until".to_string(), format!("@{}", until.timestamp())]);
        detail.push_str(&format!(" until {}", until.format("%Y-%m-%d %H:%M:%S UTC")));
    }
    if opts.since.is_none() {
        detail.push_str(&format!(
            ": the last {DEFAULT_HORIZON_HOURS} h, --since reaches further"
        ));
    }
    (args, detail)
}

/// Whether stdin is a pipe or a file (`cmd | logscan`), not a terminal or /dev/null.
fn stdin_is_piped() -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::metadata("/dev/stdin").is_ok_and(|m| m.file_type().is_fifo() || m.is_file())
}

/// A program on `PATH`, as `which` finds it.
fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    fn opts(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            since: None,
            until: None,
            now: now(),
            journalctl: None,
            zone_note: None,
            stdin_piped: false,
        }
    }

    fn write(root: &Path, path: &str, text: &str) -> PathBuf {
        let p = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    fn set_mtime(p: &Path, t: DateTime<Utc>) {
        let f = fs::File::options().write(true).open(p).unwrap();
        f.set_modified(t.into()).unwrap();
    }

    fn found(d: &Discovery) -> Vec<(Kind, String)> {
        d.found
            .iter()
            .map(|f| (f.kind, f.input.name.to_string()))
            .collect()
    }

    #[test]
    fn php_logs_come_from_the_fpm_config_and_php_ini() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "/etc/php/8.2/fpm/php-fpm.conf",
            "[global]\npid = /run/php/php8.2-fpm.pid\nerror_log = /var/log/php8.2-fpm.log ; the master\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n");
        write(root, "/etc/php/8.2/fpm/pool.d/shop.conf",
            "[shop]\nuser = shop\nphp_admin_value[error_log] = /var/log/php/$pool-error.log\n;php_admin_value[error_log] = /var/log/commented.log\n");
        write(
            root,
            "/etc/php/8.2/fpm/php.ini",
            "[PHP]\nerror_log = \"/srv/logs/php errors.log\"\n",
        );
        write(root, "/etc/php/8.2/cli/php.ini", "error_log = syslog\n");
        write(
            root,
            "/etc/php-fpm.d/www.conf",
            "[www]\nphp_admin_value[error_log] = syslog\n",
        );
        write(root, "/var/log/php8.2-fpm.log", "x\n");
        let old = write(root, "/var/log/php8.2-fpm.log.3.gz", "x\n");
        set_mtime(&old, now() - Duration::days(3));
        write(root, "/var/log/php/shop-error.log", "x\n");
        let rotated = write(root, "/var/log/php/shop-error.log.1", "x\n");
        set_mtime(&rotated, now() - Duration::hours(3));
        write(root, "/srv/logs/php errors.log", "x\n");
        write(root, "/var/log/commented.log", "x\n");
        let d = discover(&opts(root));
        let got = found(&d);
        let r = |p: &str| root.join(p).display().to_string();
        assert_eq!(
            got,
            vec![
                (Kind::PhpFpm, r("var/log/php8.2-fpm.log")),
                (Kind::Php, r("var/log/php/shop-error.log")),
                (Kind::Php, r("var/log/php/shop-error.log.1")),
                (Kind::Php, r("srv/logs/php errors.log")),
            ]
        );
        assert_eq!(
            d.found[1].detail.as_deref(),
            Some("php_admin_value[error_log] in /etc/php/8.2/fpm/pool.d/shop.conf")
        );
        assert_eq!(d.old_rotations, vec![old]);
        assert!(d
            .skipped
            .iter()
            .any(|(w, why)| w.contains("www.conf") && why.contains("syslog")));
        assert!(d.errors.is_empty(), "{:?}", d.errors);
    }

    #[test]
    fn syslog_wins_over_kern_log_and_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in ["/var/log/syslog", "/var/log/syslog.1"] {
            let p = write(root, p, "x\n");
            set_mtime(&p, now() - Duration::hours(1));
        }
        write(root, "/var/log/kern.log", "x\n");
        fs::create_dir_all(root.join("var/log/journal")).unwrap();
        let mut o = opts(root);
        o.journalctl = Some("/bin/true".into());
        let d = discover(&o);
        let names: Vec<String> = found(&d).into_iter().map(|(_, n)| n).collect();
        assert!(
            names[0].ends_with("/var/log/syslog") && names[1].ends_with("syslog.1"),
            "{names:?}"
        );
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(d.skipped.iter().any(|(w, _)| w.ends_with("kern.log")));
        assert!(d
            .skipped
            .iter()
            .any(|(w, why)| w == "journal" && why.contains("same entries")));
    }

    #[test]
    fn journal_under_a_root_leaves_kernel_lines_to_kern_log() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let kern = write(root, "/var/log/kern.log", "x\n");
        set_mtime(&kern, now() - Duration::minutes(5));
        let mut o = opts(root);
        o.journalctl = Some("/usr/bin/journalctl".into());
        o.until = Some(now());
        let d = discover(&o);
        assert!(d
            .skipped
            .iter()
            .any(|(w, why)| w == "journal" && why.contains("var/log/journal")));
        fs::create_dir_all(root.join("var/log/journal")).unwrap();
        let d = discover(&o);
        let journal = d
            .found
            .iter()
            .find(|f| f.kind == Kind::Journal)
            .expect("journal read");
        let Source::Command { program, args } = &journal.input.source else {
            panic!("journal is a command");
        };
        assert_eq!(program, Path::new("/usr/bin/journalctl"));
        let since = format!("@{}", (now() - Duration::hours(24)).timestamp());
        let until = format!("@{}", now().timestamp());
        let root_arg = root.display().to_string();
        let want = [
            "--root",
            &root_arg,
            "-o",
            "json",
            "--no-pager",
            "--since",
            &since,
            "--until",
            &until,
            "_TRANSPORT=syslog",
            "_TRANSPORT=journal",
            "_TRANSPORT=stdout",
        ];
        assert_eq!(args, &want);
        assert!(journal.detail.as_deref().unwrap().contains("the last 24 h"));

        // A kern.log rsyslog stopped writing leaves the kernel's lines to the journal.
        set_mtime(&kern, now() - Duration::days(9));
        let d = discover(&o);
        let journal = d.found.iter().find(|f| f.kind == Kind::Journal).unwrap();
        let Source::Command { args, .. } = &journal.input.source else {
            panic!("journal is a command");
        };
        assert!(
            !args.iter().any(|a| a.starts_with("_TRANSPORT=")),
            "{args:?}"
        );
    }

    #[test]
    fn docker_containers_are_named_from_their_config() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (a, b, c) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
        let base = "/srv/docker/containers";
        write(
            root,
            "/etc/docker/daemon.json",
            r#"{"data-root": "/srv/docker"}"#,
        );
        write(
            root,
            &format!("{base}/{a}/config.v2.json"),
            r#"{"Name":"/shop-web-1","Config":{"Image":"nginx:1.27"},"State":{"Running":true}}"#,
        );
        write(root, &format!("{base}/{a}/{a}-json.log"), "{}\n");
        write(root, &format!("{base}/{a}/{a}-json.log.1"), "{}\n");
        write(
            root,
            &format!("{base}/{b}/config.v2.json"),
            r#"{"Name":"/old-job","State":{"Running":false}}"#,
        );
        let stale = write(root, &format!("{base}/{b}/{b}-json.log"), "{}\n");
        set_mtime(&stale, now() - Duration::days(40));
        write(
            root,
            &format!("{base}/{c}/config.v2.json"),
            r#"{"Name":"/journald-app"}"#,
        );
        let d = discover(&opts(root));
        let got = found(&d);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got.iter().all(|(k, _)| *k == Kind::Docker));
        assert_eq!(
            d.found[0].detail.as_deref(),
            Some("container shop-web-1 (nginx:1.27, running)")
        );
        assert!(d
            .skipped
            .iter()
            .any(|(w, why)| w == "container old-job" && why.contains("stopped")));
        assert!(d
            .skipped
            .iter()
            .any(|(w, why)| w == "container journald-app" && why.contains("json-file")));
    }

    #[test]
    fn nothing_found_is_an_error_that_names_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = discover(&opts(dir.path()));
        assert!(d.found.is_empty());
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].0, dir.path().display().to_string());
        assert!(d.errors[0].1.contains("found no logs"));
    }

    #[test]
    fn ini_values_and_wildcards() {
        let v = ini_values(
            "; c\n[www]\nkey = \"quoted ; value\" ; trailing\nother=plain ; c\n# hash\n",
        );
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].section.as_str(), v[0].value.as_str()),
            ("www", "quoted ; value")
        );
        assert_eq!(v[1].value, "plain");
        assert!(wildcard_match("*.conf", "www.conf"));
        assert!(wildcard_match("php*-fpm.log", "php8.2-fpm.log"));
        assert!(wildcard_match("8.?", "8.2"));
        assert!(!wildcard_match("*.conf", "www.conf.bak"));
        assert!(!wildcard_match("*.conf", ".hidden.conf"));
    }
}
