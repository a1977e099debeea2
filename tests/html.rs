//! The HTML postmortem end to end: log text with `<script>` and `"><img onerror=…>` stays
//! text; a scenario's page rendered in a real headless Chromium has no console message
//! (the page runs no script, so any message is a CSP violation or an error) and has its
//! incidents in the DOM; its screenshot is kept under `target/tmp/postmortem/`.
//! Without a browser the browser test skips, unless `LOGSCAN_REQUIRE_BROWSER` is set
//! (`.ci/run` sets it after installing Chromium), then it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const HOSTILE: &str = r#"2026/11/24 10:00:01 [error] 811#811: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7, server: example.com, request: "GET /search?q=<script>document.title='pwned'</script> HTTP/1.1", upstream: "http://127.0.0.1:8080/search?q=<script>document.title='pwned'</script>", host: "example.com"><img src=x onerror=document.title='pwned'>"
2026/11/24 10:00:02 [error] 811#811: *4 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: </pre></td></tr></table><script>alert(1)</script> in /var/www/x.php:3
Stack trace:
#0 {main}
  thrown in /var/www/x.php on line 3" while reading response header from upstream, client: 203.0.113.7, server: example.com, request: "GET /x.php?<svg/onload=alert(2)> HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.com"
"#;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn logscan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logscan"))
        .args(args)
        .current_dir(manifest())
        .output()
        .expect("the binary runs")
}

/// A directory for this test's pages and screenshots that outlives the run.
fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("postmortem");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the hostile log under a hostile file name and renders its page.
fn hostile_page(dir: &Path) -> PathBuf {
    let log = dir.join("evil<b>&\"name.log");
    std::fs::write(&log, HOSTILE).unwrap();
    let page = dir.join("hostile.html");
    let out = logscan(&[
        "-q",
        "--tz",
        "UTC",
        "--html",
        page.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    page
}

#[test]
fn log_text_never_becomes_markup_or_script() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(hostile_page(dir.path())).unwrap();
    for tag in [
        "<script",
        "<img",
        "<svg/",
        "</pre></td></tr></table>",
        "<b>",
    ] {
        assert!(!page.contains(tag), "{tag} reached the page raw");
    }
    assert!(page.contains("q=&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=document.title=&#39;pwned&#39;&gt;"));
    assert!(page.contains("evil&lt;b&gt;&amp;&quot;name.log"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // The page's only element names are ours: count tags that are not in our vocabulary.
    let ours = [
        "html", "head", "meta", "title", "style", "body", "main", "header", "p", "h1", "h2", "h3",
        "dl", "dt", "dd", "div", "section", "figure", "svg", "g", "rect", "text", "line", "ul",
        "ol", "li", "span", "em", "code", "table", "thead", "tbody", "tr", "th", "td", "pre",
        "details", "summary", "footer", "wbr", "!doctype",
    ];
    for tag in page.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            ours.contains(&name.to_ascii_lowercase().as_str()),
            "unexpected <{name}"
        );
    }
}

#[test]
fn html_write_errors_name_the_path() {
    let out = logscan(&[
        "--tz",
        "UTC",
        "--html",
        "/no/such/dir/postmortem.html",
        "testdata/scenarios/rate-limit/error.log",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("logscan: /no/such/dir/postmortem.html: "),
        "{stderr}"
    );
}

// ---------------------------------------------------------------- browser ---

/// Chromium or Chrome: `LOGSCAN_BROWSER`, else the usual names on PATH.
fn find_browser() -> Option<PathBuf> {
    if let Some(b) = std::env::var_os("LOGSCAN_BROWSER") {
        return Some(PathBuf::from(b));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

/// Runs the browser headless on `page` with `extra` flags; kills it after a minute.
fn headless(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> Output {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish within a minute", browser.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The DOM after load, and every console message the page caused.
fn render(browser: &Path, profile: &Path, page: &Path) -> (String, Vec<String>) {
    let out = headless(browser, profile, page, &["--dump-dom"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

fn screenshot(browser: &Path, profile: &Path, page: &Path, png: &Path) {
    let _ = std::fs::remove_file(png);
    let shot = format!("--screenshot={}", png.display());
    let out = headless(browser, profile, page, &[&shot, "--window-size=1200,2400"]);
    let bytes = std::fs::read(png).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\n{}",
            png.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (w, h) = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1200, 2400), "screenshot size");
}

#[test]
fn postmortem_renders_in_a_real_browser() {
    let Some(browser) = find_browser() else {
        assert!(
            std::env::var_os("LOGSCAN_REQUIRE_BROWSER").is_none(),
            "LOGSCAN_REQUIRE_BROWSER is set but no chromium/google-chrome is on PATH"
        );
        eprintln!(
            "SKIPPED postmortem_renders_in_a_real_browser: no chromium or google-chrome on PATH \
             (install Debian's chromium, or set LOGSCAN_BROWSER; .ci/run installs it when it can)"
        );
        return;
    };
    let out_dir = output_dir();
    let profile = tempfile::tempdir().unwrap();

    // The console check must be able to fail: a page that logs is caught.
    let control = out_dir.join("control.html");
    std::fs::write(
        &control,
        "<!doctype html><title>c</title><script>console.error('control message')</script>",
    )
    .unwrap();
    let (_, console) = render(&browser, profile.path(), &control);
    assert!(
        console.iter().any(|l| l.contains("control message")),
        "console messages are not captured with this browser: {console:?}"
    );

    // A scenario with two log sources (journal and docker) and one incident.
    let scenario = "testdata/scenarios/docker-oom-memcg";
    let page = out_dir.join("docker-oom-memcg.html");
    let json = logscan_scenario(scenario, &["--json", "--html", page.to_str().unwrap()]);
    let incidents: Vec<Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|o| o["type"] == "incident")
        .collect();
    assert!(!incidents.is_empty());
    let (dom, console) = render(&browser, profile.path(), &page);
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert_eq!(
        dom.matches("<section class=\"incident\"").count(),
        incidents.len(),
        "incidents in the DOM"
    );
    for i in &incidents {
        let heading = format!("Incident {} · {}", i["id"], i["cause"].as_str().unwrap());
        assert!(dom.contains(&heading), "{heading} not in the DOM");
        let first = i["evidence"][0]["message"].as_str().unwrap();
        let words: String = first.chars().take(40).collect();
        assert!(
            dom.contains(&words.replace('&', "&amp;")),
            "evidence {words} not in the DOM"
        );
    }
    assert!(
        dom.contains("<g class=\"band\">"),
        "no incident band on the timeline"
    );
    let png = out_dir.join("docker-oom-memcg.png");
    screenshot(&browser, profile.path(), &page, &png);
    eprintln!("screenshot: {}", png.display());

    // Hostile log text: nothing it carries becomes an element, nothing runs.
    let page = hostile_page(&out_dir);
    let (dom, console) = render(&browser, profile.path(), &page);
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        !dom.contains("<img") && !dom.contains("<script"),
        "injected element in the DOM"
    );
    assert!(
        dom.contains("<title>Postmortem: 502"),
        "the title was changed"
    );
    screenshot(
        &browser,
        profile.path(),
        &page,
        &out_dir.join("hostile.png"),
    );
}

/// Runs logscan on a scenario with the args and files its truth names.
fn logscan_scenario(dir: &str, extra: &[&str]) -> Output {
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest().join(dir).join("truth.json")).unwrap(),
    )
    .unwrap();
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    for a in truth["args"].as_array().into_iter().flatten() {
        args.push(a.as_str().unwrap().to_string());
    }
    for f in truth["files"].as_array().unwrap() {
        args.push(format!("{dir}/{}", f.as_str().unwrap()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = logscan(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
