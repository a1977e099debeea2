//! Words for an incident: the one-sentence explanation, the concrete next steps and
//! what a visitor behind Cloudflare saw — built from the evidence's own fields (pool,
//! script, limit, killed process, upstream), never generic where the log says more.

use super::evidence::Seen;
use super::Cloudflare;
use crate::parse::field;
use crate::rules::{Cause, Finding};

/// `1 request`, `3 requests`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `134217728` → `128M`.
fn human_bytes(s: &str) -> String {
    match s.parse::<u64>() {
        Ok(b) if b >= 1 << 20 => format!("{}M", b >> 20),
        Ok(b) if b >= 1 << 10 => format!("{}K", b >> 10),
        _ => s.to_string(),
    }
}

/// The script and line a PHP message names: `/var/www/a.php:12`, from the rule's
/// captures or from PHP's own ` in FILE on line N` / ` in FILE:N` wording.
fn php_location(root: &Finding) -> Option<String> {
    if let Some(file) = field(&root.fields, "file").or_else(|| field(&root.fields, "script")) {
        return Some(match field(&root.fields, "line") {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        });
    }
    let (before, after) = root.matched_text().rsplit_once(" on line ")?;
    let line: String = after.chars().take_while(char::is_ascii_digit).collect();
    let file = before.rsplit_once(" in ")?.1;
    (!line.is_empty() && file.starts_with('/')).then(|| format!("{file}:{line}"))
}

/// The first line of the root message, shortened.
fn headline(root: &Finding) -> String {
    let text = root.matched_text().trim();
    // The wrappers other programs put around the message that matters.
    let mut text = text;
    for prefix in ["[client ", "[remote "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.split_once("] ").map_or(rest, |(_, r)| r);
        }
    }
    for marker in [
        "FastCGI sent in stderr: \"",
        "Got error '",
        "said into stderr: \"",
        "PHP message: ",
    ] {
        if let Some((_, rest)) = text.split_once(marker) {
            text = rest;
        }
    }
    for tail in ["\" while ", ", client: ", ", referer: ", "' while "] {
        if let Some((head, _)) = text.split_once(tail) {
            text = head;
        }
    }
    let text = text.trim_end_matches(['"', '\'']);
    match text.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The service a dependency error names: `Failed to connect to HOST port N`, `Could
/// not resolve host: HOST`, Guzzle's `for https://HOST/…`, or a `tcp://host:port`.
fn service_in(text: &str) -> Option<String> {
    if let Some((_, rest)) = text.split_once("Failed to connect to ") {
        let mut words = rest.split_whitespace();
        if let (Some(host), Some("port"), Some(port)) = (words.next(), words.next(), words.next()) {
            return Some(format!(
                "{host}:{}",
                port.trim_end_matches(|c: char| !c.is_ascii_digit())
            ));
        }
    }
    if let Some((_, rest)) = text.split_once("Could not resolve host: ") {
        return rest.split_whitespace().next().map(str::to_string);
    }
    let url_host = |rest: &str| {
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ']' | ')' | '"' | '\'' | ',' | '/'))
            .unwrap_or(rest.len());
        Some(rest[..end].to_string()).filter(|h| !h.is_empty())
    };
    for marker in [" for https://", " for http://"] {
        if let Some((_, rest)) = text.split_once(marker) {
            return url_host(rest);
        }
    }
    for scheme in ["tcp://", "tls://", "unix://", "redis://", "rediss://"] {
        if let Some((_, rest)) = text.split_once(scheme) {
            return url_host(rest);
        }
    }
    None
}

/// What kind of service an exception class or message names.
fn service_kind(text: &str) -> Option<&'static str> {
    [
        ("Redis", "Redis"),
        ("Memcache", "Memcached"),
        ("Elastic", "Elasticsearch"),
        ("cURL error", "the HTTP API"),
        ("GuzzleHttp", "the HTTP API"),
    ]
    .iter()
    .find(|(needle, _)| text.contains(needle))
    .map(|(_, kind)| *kind)
}

/// The gateway lines' upstream peer, without scheme and URI: `127.0.0.1:9000`,
/// `unix:/run/php/php8.2-fpm.sock`.
fn upstream(root: &Finding, seen: &Seen) -> Option<String> {
    let raw = seen
        .pick(root, "upstream")
        .or_else(|| seen.pick(root, "socket"))
        .or_else(|| seen.pick(root, "addr"))?;
    let peer = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    let peer = match peer.strip_prefix("unix:") {
        // nginx writes `unix:/path.sock:` plus the URI after a colon.
        Some(path) => format!("unix:{}", path.split(':').next().unwrap_or(path)),
        None => peer.split('/').next().unwrap_or(peer).to_string(),
    };
    Some(if peer.is_empty() {
        raw.to_string()
    } else {
        peer
    })
}

/// "The backend 127.0.0.1:9000" or "The backend" when no line named it.
fn the_backend(up: &Option<String>) -> String {
    up.as_ref()
        .map_or("The backend".to_string(), |u| format!("The backend {u}"))
}

pub fn explain(root: &Finding, seen: &Seen, status: u16, failed: usize) -> (String, Vec<String>) {
    let n = seen.root_cause_impact.max(1);
    let times = if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    };
    let hits = if failed > 0 {
        format!(" {failed} requests got {status}.")
    } else {
        String::new()
    };
    let pool = seen
        .pick(root, "pool")
        .map_or(String::new(), |p| format!(" in pool '{p}'"));
    let (what, steps): (String, Vec<String>) = match root.cause {
        Cause::OomKill => {
            let comm = seen.pick(root, "comm").unwrap_or("a process");
            let pid = seen.pick(root, "pid").map_or(String::new(), |p| format!(" (pid {p}"));
            let rss = seen.pick(root, "rss")
                .and_then(|r| r.parse::<u64>().ok())
                .map_or(String::new(), |kb| format!(", {} MB resident", kb / 1024));
            let detail = if pid.is_empty() { String::new() } else { format!("{pid}{rss})") };
            let kills = seen.root_cause_impact;
            let kills = if kills > 1 { format!(" ({kills} kills in all)") } else { String::new() };
            let lower = comm.to_ascii_lowercase();
            let tune = if lower.contains("php") {
                "Lower `pm.max_children` so that children × peak memory fits in RAM, or lower `memory_limit`.".to_string()
            } else if lower.contains("mysql") || lower.contains("mariadb") {
                "Lower `innodb_buffer_pool_size` and `max_connections` so the database fits beside the web stack.".to_string()
            } else {
                format!("Find why {comm} grew, and cap it (worker counts, cache sizes, a memory limit).")
            };
            (
                format!("The kernel ran out of memory and killed {comm}{detail}{kills}; the requests it was serving failed."),
                vec![
                    "See what used the memory: `ps aux --sort=-rss | head` and the OOM report in `journalctl -k`.".into(),
                    tune,
                    "Add RAM or swap, or give the container a memory limit with headroom.".into(),
                ],
            )
        }
        Cause::DiskFull => (
            format!("A filesystem is full (errno 28, {times}): writes failed. {}", headline(root)),
            vec![
                "Find the full filesystem: `df -h` and `df -i`; then what grew: `du -xsh /var/* | sort -h`.".into(),
                "Free space (old logs, caches, nginx temp files) and fix log rotation.".into(),
            ],
        ),
        Cause::TooManyOpenFiles => (
            format!("A process ran out of file descriptors (errno 24, {times})."),
            vec![
                "Raise the limit: `worker_rlimit_nofile` (nginx), `LimitNOFILE=` in the systemd unit, `rlimit_files` (php-fpm).".into(),
                "Look for a descriptor leak: `ls /proc/<pid>/fd | wc -l` over time.".into(),
            ],
        ),
        Cause::MemoryExhausted => (
            format!("The system could not allocate memory (errno 12, {times}): {}", headline(root)),
            vec![
                "Check free memory and swap (`free -m`) and what holds it (`ps aux --sort=-rss | head`).".into(),
                "Lower the number of workers or add memory.".into(),
            ],
        ),
        Cause::DatabaseUnavailable => (
            format!("The application could not use its database ({times}): {}", headline(root)),
            vec![
                "Check the database server: `systemctl status mysql` (or the db container) and its error log at that time.".into(),
                "[2002] refused / no such file: the server is down or host/socket is wrong; [1040]: raise `max_connections` or pool connections; 2006 gone away: server restarted or `wait_timeout`.".into(),
            ],
        ),
        Cause::DependencyUnavailable => {
            // The service the application called: a rule's capture, or the `tcp://…`
            // in the message; nginx's `host:` is the site itself, never the dependency.
            let service = field(&root.fields, "addr")
                .map(str::to_string)
                .or_else(|| service_in(root.matched_text()))
                .or_else(|| (!root.program().starts_with("nginx")).then(|| field(&root.fields, "host")).flatten().map(str::to_string))
                .map(|addr| match service_kind(root.matched_text()) {
                    Some(kind) => format!("{kind} at {addr}"),
                    None => addr,
                })
                .or_else(|| service_kind(root.matched_text()).map(str::to_string))
                .unwrap_or_else(|| "A service the application depends on".to_string());
            let full = root.matched_text().contains("OOM command not allowed");
            let what = if full { "refused writes" } else { "could not be reached" };
            (
                format!("{service} {what} ({times}): {}", headline(root)),
                vec![
                    if full {
                        format!("{service} is up but full: raise `maxmemory` or set an eviction policy (`maxmemory-policy allkeys-lru`).")
                    } else {
                        format!("Check that {service} is running and reachable from the application host (`nc -vz` host port).")
                    },
                    "Make the application degrade gracefully (timeouts, fallbacks) when it is down.".into(),
                ],
            )
        }
        Cause::PhpFatal => {
            let at = php_location(root).map_or(String::new(), |l| format!(" in {l}"));
            (
                format!("PHP stopped with a fatal error{at} ({times}): {}", headline(root)),
                vec![
                    format!("Fix the error{at}, or roll back the deploy that introduced it."),
                    "Reproduce it with the failing request from the evidence lines.".into(),
                ],
            )
        }
        Cause::PhpMemoryExhausted => {
            let limit = seen.pick(root, "limit").map_or("its".to_string(), human_bytes);
            let at = php_location(root).map_or(String::new(), |l| format!(" in {l}"));
            (
                format!("PHP reached memory_limit ({limit}){at} ({times}); those requests failed."),
                vec![
                    format!("Find why the code{at} needs so much memory (large result sets, unbounded loops)."),
                    format!("Only if the need is legitimate: raise `memory_limit` above {limit} for that script or pool."),
                ],
            )
        }
        Cause::PhpTimeout => {
            let script = seen.pick(root, "script").unwrap_or("the slow script");
            (
                format!("PHP requests ran past their time limit ({times}) in {script}."),
                vec![
                    "Find what is slow: set `request_slowlog_timeout` and `slowlog` in the php-fpm pool; check slow database queries.".into(),
                    "Keep `max_execution_time`, `request_terminate_timeout` and nginx's `fastcgi_read_timeout` consistent.".into(),
                ],
            )
        }
        Cause::WorkerCrash => {
            let signal = seen.pick(root, "signal").map_or(String::new(), |s| format!(" (signal {s})"));
            let killed = root.matched_text().contains("SIGKILL") || seen.pick(root, "signal") == Some("9");
            (
                format!("Worker processes died{signal}{pool} ({times}); the requests they served got no answer."),
                if killed {
                    vec![
                        "SIGKILL is almost always the OOM killer or a container memory limit: look for `Killed process` in `journalctl -k` / `dmesg`, and `OOMKilled` in `docker inspect`.".into(),
                        "If it was memory: lower `pm.max_children` or `memory_limit`, or raise the limit.".into(),
                    ]
                } else {
                    vec![
                        "Get a backtrace: enable core dumps, or look for `segfault at` lines in `dmesg` naming the library.".into(),
                        "Disable recently added or updated PHP extensions (opcache JIT, xdebug, imagick) and retest.".into(),
                    ]
                },
            )
        }
        Cause::ConfigError => {
            let text = root.matched_text();
            let credentials = text.contains("Access denied for user") || text.contains("password authentication failed") || text.contains("NOAUTH");
            let test = match root.program().as_str() {
                _ if credentials => "Check the credentials the application uses for its database or cache (user, password, grants).",
                "nginx" => "Test the configuration with `nginx -t` and fix the file and line it names.",
                "Apache httpd" => "Test the configuration with `apachectl configtest` and fix the file and line it names.",
                "php-fpm" => "Test the configuration with `php-fpm -t` (or `php-fpm8.2 -t`) and fix what it names.",
                _ => "Test the configuration (`nginx -t`, `apachectl configtest`, `php-fpm -t`) and fix the file and line it names.",
            };
            (
                format!("The configuration is broken ({times}): {}", headline(root)),
                vec![test.into(), "Roll back the last configuration or deploy change if the fix is not obvious.".into()],
            )
        }
        Cause::PermissionDenied => (
            format!("Access was refused (errno 13, {times}): {}", headline(root)),
            vec![
                "For a php-fpm socket: `listen.owner`, `listen.group` and `listen.mode` must let the web server user connect.".into(),
                "Check file ownership and modes, and SELinux/AppArmor denials (`ausearch -m avc`, `dmesg | grep DENIED`).".into(),
            ],
        ),
        Cause::WorkerPoolExhausted => {
            let limit = seen.pick(root, "limit").map_or(String::new(), |l| format!(" (limit {l})"));
            let apache = root.program() == "Apache httpd";
            let setting = if apache { "`MaxRequestWorkers`" } else { "`pm.max_children`" };
            (
                format!("All workers were busy{pool}{limit}, reached {times}; new requests queued until they timed out or were refused."),
                vec![
                    format!("If memory allows, raise {setting}{pool}{limit}: workers × average RSS must fit in RAM."),
                    if apache {
                        "Find what holds workers: `mod_status` (`/server-status`), slow backends, keep-alive settings.".into()
                    } else {
                        "Find the slow requests that hold workers: `request_slowlog_timeout` + `slowlog`, database locks, external calls.".into()
                    },
                ],
            )
        }
        Cause::RateLimited => {
            let zone = seen.pick(root, "zone").map_or(String::new(), |z| format!(" zone \"{z}\""));
            (
                format!("nginx rate limiting{zone} rejected requests ({times})."),
                vec![
                    "If the traffic was legitimate, raise `rate`/`burst` for that zone; otherwise the limit did its job.".into(),
                    "See who was limited: the client addresses in the evidence, or the access log.".into(),
                ],
            )
        }
        Cause::Restart => {
            let who = root.program();
            let at = root
                .time
                .map_or(String::new(), |t| format!(" at {}", t.utc.format("%H:%M:%S")));
            let after = seen.other_impact;
            let front = matches!(who.as_str(), "nginx" | "Apache httpd");
            let outcome = if field(&root.fields, "recovered").is_some() && front {
                format!(
                    "and did not start again within {} s: nothing answered clients",
                    super::lifecycle::RECOVERY_SECS
                )
            } else if field(&root.fields, "recovered").is_some() {
                format!(
                    "and did not start again within {} s; {} failed meanwhile",
                    super::lifecycle::RECOVERY_SECS,
                    plural(after, "request")
                )
            } else {
                format!("and {} failed until it was back", plural(after, "request"))
            };
            (
                format!("{who} was stopped{at} (\"{}\") {outcome}.", headline(root)),
                vec![
                    format!("Find who stopped {who}: `journalctl -u <unit>` around that time, deploy tools, logrotate, the OOM killer."),
                    format!("Check that {who} is running now (`systemctl status`, `docker ps`), and prefer graceful reloads."),
                ],
            )
        }
        Cause::UpstreamRefused => {
            let up = upstream(root, seen);
            (
                format!(
                    "Nothing accepted connections at {} ({times}): the backend was down or listening elsewhere.",
                    up.as_deref().unwrap_or("the backend")
                ),
                vec![
                    "Check the backend: `systemctl status 'php*-fpm'` (or the app container) and `ss -ltnp` for what listens.".into(),
                    format!(
                        "Make sure the upstream{} in the web server config matches the backend's `listen`.",
                        up.as_ref().map_or(String::new(), |u| format!(" {u}"))
                    ),
                ],
            )
        }
        Cause::UpstreamReset => {
            let up = upstream(root, seen);
            (
                format!("{} closed connections mid-request ({times}): it crashed, was killed or restarted.", the_backend(&up)),
                vec![
                    "Look in the backend's log (php-fpm: `exited on signal`) and the kernel log (OOM) at that time.".into(),
                    "Check `request_terminate_timeout` and `pm.max_requests` in the php-fpm pool.".into(),
                ],
            )
        }
        Cause::UpstreamTimeout => {
            let up = upstream(root, seen);
            (
                format!("{} did not answer in time ({times}).", the_backend(&up)),
                vec![
                    "Find the slow requests: php-fpm `slowlog`, slow database queries, calls to external APIs.".into(),
                    "Check whether the backend's workers were all busy (`pm.max_children`); raise timeouts only if the work is legitimately slow.".into(),
                ],
            )
        }
        Cause::UpstreamBadResponse => (
            format!("The backend sent a response the web server could not use ({times}): {}", headline(root)),
            vec![
                "For `too big header`: raise `fastcgi_buffer_size`/`proxy_buffer_size` (e.g. 32k) and the buffers.".into(),
                "For an invalid header: make sure the backend speaks the protocol configured (HTTP vs FastCGI).".into(),
            ],
        ),
        Cause::NoLiveUpstreams => (
            format!("Every server of the upstream group was marked down ({times}); the real failure is in the lines before."),
            vec![
                "Read the earlier upstream errors to see why the servers failed.".into(),
                "Review `max_fails`/`fail_timeout` so one slow period does not take the whole group out.".into(),
            ],
        ),
        Cause::UpstreamTls => (
            format!("TLS to the backend failed ({times}): {}", headline(root)),
            vec![
                "Check `proxy_ssl_server_name on`, the backend certificate and the protocols both sides allow.".into(),
            ],
        ),
    };
    (format!("{what}{hits}"), steps)
}

/// Words for a burst of 5xx that only an access log shows.
pub fn access_only(
    requests: usize,
    status: u16,
    start: crate::parse::Stamp,
    end: crate::parse::Stamp,
) -> (String, Vec<String>) {
    let meaning = match status {
        504 => "the backend did not answer in time",
        503 => "the server was unable to serve (busy or limiting)",
        502 => "the backend gave no valid answer",
        _ => "the application failed while running",
    };
    (
        format!(
            "The access log shows {} answered {status} ({meaning}); no other log given explains it.",
            plural(requests, "request")
        ),
        vec![
            format!(
                "Run logscan on the web server's error log, php-fpm's log and the kernel log for {} to {} UTC.",
                start.utc.format("%H:%M"),
                end.utc.format("%H:%M")
            ),
            "Look at the failing requests' URLs: one endpoint or the whole site?".into(),
        ],
    )
}

/// What a visitor behind Cloudflare saw: the origin's status passed through, or
/// Cloudflare's own 52x when the origin's web server itself was down (521: connection
/// refused), hung (524: no answer within 100 s) or reset connections (520).
pub fn cloudflare_view(root: &Finding, status: u16) -> Cloudflare {
    let own = root.cloudflare.or_else(|| {
        // The OOM killer taking the web server itself: nothing listens until it restarts.
        let comm = field(&root.fields, "comm")?.to_ascii_lowercase();
        let web_server = ["nginx", "httpd", "apache2"]
            .iter()
            .any(|w| comm.starts_with(w));
        (root.cause == Cause::OomKill && web_server).then_some(521)
    });
    let note = match own.unwrap_or(status) {
        520 => "the origin reset or closed connections without an answer: Cloudflare shows 520 (web server returned an unknown error)",
        521 => "the origin's web server refused connections (it was down): Cloudflare shows 521 (web server is down)",
        522 => "the origin did not complete the TCP handshake: Cloudflare shows 522 (connection timed out)",
        524 => "the origin accepted connections but sent no answer within 100 s: Cloudflare shows 524 (a timeout occurred)",
        500 => "the origin answered 500 and Cloudflare passed it on",
        502 => "the origin answered 502 and Cloudflare passed it on, with its own 502 page",
        503 => "the origin answered 503 and Cloudflare passed it on",
        504 => "the origin's gateway timed out first (504) and Cloudflare passed it on; a backend slower than Cloudflare's 100 s would show 524",
        _ => "the origin's status, passed on by Cloudflare",
    };
    Cloudflare {
        status: own.unwrap_or(status),
        note: note.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn finding(message: &str, fields: &[(&'static str, &str)]) -> Finding {
        Finding {
            time: None,
            file: Arc::from("error.log"),
            line: 1,
            format: crate::parse::Format::NginxError,
            level: None,
            rule: Arc::from("r"),
            cause: Cause::UpstreamRefused,
            status: Some(502),
            cloudflare: None,
            lifecycle: None,
            message: message.into(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).into(), v.to_string()))
                .collect(),
            matched_line: 0..message.len(),
        }
    }

    #[test]
    fn upstream_peer_without_scheme_or_uri() {
        let f = finding(
            "x",
            &[("upstream", "fastcgi://unix:/run/php/php8.2-fpm.sock:")],
        );
        assert_eq!(
            upstream(&f, &Seen::default()).unwrap(),
            "unix:/run/php/php8.2-fpm.sock"
        );
        let f = finding("x", &[("upstream", "http://[::1]:3000/api/events")]);
        assert_eq!(upstream(&f, &Seen::default()).unwrap(), "[::1]:3000");
        assert_eq!(
            the_backend(&upstream(&finding("x", &[]), &Seen::default())),
            "The backend"
        );
    }

    #[test]
    fn headline_drops_wrappers() {
        let f = finding(
            r#"FastCGI sent in stderr: "PHP message: PHP Fatal error:  boom in /a.php on line 3" while reading response header from upstream, client: 203.0.113.7"#,
            &[],
        );
        assert_eq!(headline(&f), "PHP Fatal error:  boom in /a.php on line 3");
        let f = finding(
            "[client 192.0.2.1] PHP Fatal error:  x, referer: http://example.com/",
            &[],
        );
        assert_eq!(headline(&f), "PHP Fatal error:  x");
    }
}
