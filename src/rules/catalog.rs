//! The rule catalog: `patterns/*.toml` embedded at build time, plus `--patterns DIR`
//! files. Every rule is validated on load — TOML syntax, known cause and formats, a
//! regex that compiles, at least one sample, unique ids — and errors point at
//! `file:line`. Samples are checked by parsing and matching them (`Catalog::check_samples`).

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::cause::Cause;
use super::gate::Gate;
use crate::error::Error;
use crate::parse::Format;

/// The built-in rule files, in matching order: specific programs before generic text.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "patterns/apache.toml",
        include_str!("../../patterns/apache.toml"),
    ),
    (
        "patterns/nginx.toml",
        include_str!("../../patterns/nginx.toml"),
    ),
    (
        "patterns/database.toml",
        include_str!("../../patterns/database.toml"),
    ),
    ("patterns/php.toml", include_str!("../../patterns/php.toml")),
    (
        "patterns/php_fpm.toml",
        include_str!("../../patterns/php_fpm.toml"),
    ),
    (
        "patterns/kernel.toml",
        include_str!("../../patterns/kernel.toml"),
    ),
    (
        "patterns/system.toml",
        include_str!("../../patterns/system.toml"),
    ),
];

/// A service going down or coming back: a stop that no start follows is an outage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Stop,
    Start,
}

/// What status a rule's evidence means for clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    /// The cause's default status.
    Default,
    /// This HTTP status.
    Code(u16),
    /// No client impact (warnings, early signs): `status = "none"`.
    None,
}

/// One validated rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: Arc<str>,
    pub cause: Cause,
    /// Formats it applies to; empty means all.
    pub formats: Vec<Format>,
    pub regex: RuleRegex,
    pub status: RuleStatus,
    pub samples: Vec<String>,
    pub counter: Vec<String>,
    /// What a visitor behind Cloudflare sees when this is the root cause, where it is
    /// one of Cloudflare's own 52x (the web server itself down, hung or resetting).
    pub cloudflare: Option<u16>,
    /// Whether the line marks a service stopping or (re)starting.
    pub lifecycle: Option<Lifecycle>,
    /// Where it was defined: `patterns/nginx.toml:12`.
    pub origin: String,
}

/// A rule's regex, compiled when first used: a run over a large file tries only the
/// few rules its prefilter points to, and compiling all of them took most of the
/// start-up. A user rule's regex is compiled when it is loaded, to name its errors.
#[derive(Clone, Debug)]
pub struct RuleRegex {
    pattern: String,
    compiled: std::sync::OnceLock<Regex>,
    gate: std::sync::OnceLock<Gate>,
    from_prefix: std::sync::OnceLock<Option<PrefixSearch>>,
    /// The names of its groups by index, [`interned`] (for the compiled regex).
    names: std::sync::OnceLock<Box<[Option<&'static str>]>>,
}

/// `name` as a string that lives as long as the process, the same one for the same
/// name: a finding's field names are `'static`, so naming a capture costs no
/// allocation. Called once per group of a rule's regex; the names are a catalog's few.
fn interned(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    match names.iter().find(|&&n| n == name) {
        Some(n) => n,
        None => {
            let n: &'static str = Box::leak(name.into());
            names.push(n);
            n
        }
    }
}

/// A regex whose every match begins with one literal, searched from each occurrence of
/// it with the match anchored there: one pass of the anchored engine (mostly the
/// one-pass DFA) instead of a forward scan, a reverse scan and then the captures.
#[derive(Clone, Debug)]
struct PrefixSearch {
    prefix: memchr::memmem::Finder<'static>,
    regex: regex_automata::meta::Regex,
    /// Its groups' names by index, [`interned`].
    names: Box<[Option<&'static str>]>,
}

impl PrefixSearch {
    /// Shorter prefixes occur too often to be worth it.
    const SHORTEST: usize = 4;

    fn of(pattern: &str) -> Option<PrefixSearch> {
        let hir = regex_syntax::parse(pattern).ok()?;
        let prefixes = regex_syntax::hir::literal::Extractor::new().extract(&hir);
        let prefix = prefixes.longest_common_prefix()?;
        if prefix.len() < PrefixSearch::SHORTEST {
            return None;
        }
        let regex = regex_automata::meta::Regex::new(pattern).ok()?;
        let names = regex
            .group_info()
            .pattern_names(regex_automata::PatternID::ZERO)
            .map(|name| name.map(interned))
            .collect();
        Some(PrefixSearch {
            prefix: memchr::memmem::Finder::new(prefix).into_owned(),
            regex,
            names,
        })
    }

    /// The first match in `text`, as an unanchored search finds it (the leftmost
    /// start, and there the match leftmost-first semantics pick), with its named
    /// groups that took part.
    fn captures(
        &self,
        text: &str,
        named: &mut Vec<(&'static str, Range<usize>)>,
    ) -> Option<Range<usize>> {
        use regex_automata::{Anchored, Input};
        let mut caps = self.regex.create_captures();
        let bytes = text.as_bytes();
        let mut from = 0;
        // Occurrences may overlap: each is tried, leftmost first.
        while let Some(found) = self.prefix.find(&bytes[from..]) {
            let at = from + found;
            let input = Input::new(text).range(at..).anchored(Anchored::Yes);
            self.regex.search_captures(&input, &mut caps);
            if let Some(m) = caps.get_match() {
                for (group, name) in self.names.iter().enumerate() {
                    if let (Some(name), Some(span)) = (name, caps.get_group(group)) {
                        named.push((name, span.range()));
                    }
                }
                return Some(m.range());
            }
            from = at + 1;
        }
        None
    }
}

impl RuleRegex {
    /// A regex known to compile (the built-in catalog's; a test compiles them all).
    fn lazy(pattern: String) -> RuleRegex {
        RuleRegex {
            pattern,
            compiled: std::sync::OnceLock::new(),
            gate: std::sync::OnceLock::new(),
            from_prefix: std::sync::OnceLock::new(),
            names: std::sync::OnceLock::new(),
        }
    }

    /// A regex compiled now.
    fn compiled(pattern: String) -> Result<RuleRegex, regex::Error> {
        let regex = Regex::new(&pattern)?;
        Ok(RuleRegex {
            pattern,
            compiled: std::sync::OnceLock::from(regex),
            gate: std::sync::OnceLock::new(),
            from_prefix: std::sync::OnceLock::new(),
            names: std::sync::OnceLock::new(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether `text` holds the literals every match needs ([`Gate`]): checked before
    /// the regex runs on a text no set of all rules has vouched for.
    pub fn admits(&self, text: &str) -> bool {
        self.gate
            .get_or_init(|| Gate::of(&self.pattern))
            .admits(text)
    }

    /// The first match in `text` (the one [`Regex::captures`] finds), with the named
    /// groups that took part appended to `named`. A text without the literals every
    /// match needs is turned away first: by the search for the prefix, else by the
    /// [`RuleRegex::admits`] check.
    pub fn captures_named(
        &self,
        text: &str,
        named: &mut Vec<(&'static str, Range<usize>)>,
    ) -> Option<Range<usize>> {
        if let Some(search) = self
            .from_prefix
            .get_or_init(|| PrefixSearch::of(&self.pattern))
        {
            return search.captures(text, named);
        }
        if !self.admits(text) {
            return None;
        }
        let caps = self.captures(text)?;
        let names = self
            .names
            .get_or_init(|| self.capture_names().map(|n| n.map(interned)).collect());
        for (group, name) in names.iter().enumerate() {
            if let (Some(name), Some(m)) = (name, caps.get(group)) {
                named.push((name, m.range()));
            }
        }
        caps.get(0).map(|m| m.range())
    }
}

impl std::ops::Deref for RuleRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            Regex::new(&self.pattern).expect("a lazily compiled rule regex compiles")
        })
    }
}

impl Rule {
    /// The status clients most likely got, or `None` for evidence with no client impact.
    pub fn status(&self) -> Option<u16> {
        match self.status {
            RuleStatus::Default => Some(self.cause.default_status()),
            RuleStatus::Code(c) => Some(c),
            RuleStatus::None => None,
        }
    }

    pub fn applies_to(&self, format: Format, inner: Option<Format>) -> bool {
        self.formats.is_empty()
            || format == Format::Unknown
            || self.formats.contains(&format)
            || inner.is_some_and(|f| self.formats.contains(&f))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    cause: Spanned<String>,
    #[serde(default)]
    formats: Option<Spanned<Vec<String>>>,
    regex: Spanned<String>,
    #[serde(default)]
    status: Option<Spanned<RawStatus>>,
    #[serde(default)]
    samples: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    counter: Vec<String>,
    #[serde(default)]
    cloudflare: Option<Spanned<i64>>,
    #[serde(default)]
    lifecycle: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawStatus {
    Code(i64),
    Word(String),
}

/// Where a rule file comes from: the built-in catalog's regexes are known to compile.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    BuiltIn,
    User,
}

/// Parses and validates one rule file.
pub fn load_file(name: &str, text: &str) -> Result<Vec<Rule>, Error> {
    load(name, text, Origin::User)
}

fn load(name: &str, text: &str, origin: Origin) -> Result<Vec<Rule>, Error> {
    let line_of = |span: Range<usize>| line_at(text.as_bytes(), span.start);
    let err = |span: Range<usize>, msg: String| Error::Rule {
        file: name.to_string(),
        line: line_of(span),
        msg,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let msg = e.message().to_string();
        err(e.span().unwrap_or(0..0), msg)
    })?;
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(raw.rule.len());
    for spanned in raw.rule {
        let rule_span = spanned.span();
        let r = spanned.into_inner();
        let id = r.id.get_ref().trim().to_string();
        if id.is_empty()
            || !id
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        {
            return Err(err(
                r.id.span(),
                format!("rule id '{id}' must be kebab-case (a-z, 0-9, -)"),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(err(r.id.span(), format!("duplicate rule id '{id}'")));
        }
        let cause: Cause = r
            .cause
            .get_ref()
            .parse()
            .map_err(|e| err(r.cause.span(), e))?;
        let formats = match &r.formats {
            None => Vec::new(),
            Some(f) => f
                .get_ref()
                .iter()
                .map(|name| name.parse::<Format>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| err(f.span(), e))?,
        };
        let pattern = r.regex.get_ref().clone();
        let regex = match origin {
            Origin::BuiltIn => RuleRegex::lazy(pattern),
            Origin::User => RuleRegex::compiled(pattern).map_err(|e| {
                err(
                    r.regex.span(),
                    format!("rule '{id}': bad regex: {}", one_line(&e.to_string())),
                )
            })?,
        };
        let status = match &r.status {
            None => RuleStatus::Default,
            Some(s) => match s.get_ref() {
                RawStatus::Code(c) if (100..=599).contains(c) => RuleStatus::Code(*c as u16),
                RawStatus::Word(w) if w == "none" => RuleStatus::None,
                _ => {
                    return Err(err(
                        s.span(),
                        format!("rule '{id}': status must be an HTTP status (100-599) or \"none\""),
                    ))
                }
            },
        };
        let samples = match r.samples {
            Some(s) if !s.get_ref().is_empty() => s.into_inner(),
            Some(s) => {
                return Err(err(
                    s.span(),
                    format!("rule '{id}': needs at least one sample line"),
                ))
            }
            None => {
                return Err(err(
                    rule_span,
                    format!("rule '{id}': needs at least one sample line (samples = [...])"),
                ))
            }
        };
        let cloudflare = match &r.cloudflare {
            None => None,
            Some(c) if (520..=530).contains(c.get_ref()) => Some(*c.get_ref() as u16),
            Some(c) => {
                return Err(err(
                    c.span(),
                    format!("rule '{id}': cloudflare must be one of Cloudflare's 520-530 codes"),
                ))
            }
        };
        let lifecycle = match &r.lifecycle {
            None => None,
            Some(l) => match l.get_ref().as_str() {
                "stop" => Some(Lifecycle::Stop),
                "start" => Some(Lifecycle::Start),
                _ => {
                    return Err(err(
                        l.span(),
                        format!("rule '{id}': lifecycle must be \"stop\" or \"start\""),
                    ))
                }
            },
        };
        rules.push(Rule {
            cloudflare,
            lifecycle,
            id: id.into(),
            cause,
            formats,
            regex,
            status,
            samples,
            counter: r.counter,
            origin: format!("{name}:{}", line_of(r.id.span())),
        });
    }
    Ok(rules)
}

/// The 1-based line of byte `at` (bytes, not chars: a span may point anywhere).
fn line_at(bytes: &[u8], at: usize) -> usize {
    memchr::memchr_iter(b'\n', &bytes[..at.min(bytes.len())]).count() + 1
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The built-in rules followed by nothing else.
pub fn builtin() -> Vec<Rule> {
    BUILTIN
        .iter()
        .flat_map(|(name, text)| {
            load(name, text, Origin::BuiltIn)
                .unwrap_or_else(|e| panic!("built-in catalog is invalid: {e}"))
        })
        .collect()
}

/// Built-in rules with the `*.toml` files of `dir` laid over them: a rule whose id
/// exists replaces it, and user rules are tried first.
pub fn with_user_rules(dir: &Path) -> Result<Vec<Rule>, Error> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut user = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: name.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Rule {
            file: name.clone(),
            line: line_at(e.as_bytes(), e.utf8_error().valid_up_to()),
            msg: "not UTF-8 text (a rule file is TOML)".into(),
        })?;
        user.extend(load_file(&name, &text)?);
    }
    let replaced: HashSet<Arc<str>> = user.iter().map(|r| r.id.clone()).collect();
    let mut rules = user;
    rules.extend(builtin().into_iter().filter(|r| !replaced.contains(&r.id)));
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_interned_once() {
        let a = interned(&String::from("errno"));
        let b = interned(&String::from("errno"));
        assert!(std::ptr::eq(a, b));
        assert_eq!(interned("upstream"), "upstream");
        assert!(!std::ptr::eq(interned("upstream"), a));
    }

    /// A match and the spans of its named groups.
    type Matched<'r> = (Range<usize>, Vec<(&'r str, Range<usize>)>);

    /// What the regex crate's own search finds: the match and its named groups.
    fn reference<'r>(regex: &'r Regex, text: &str) -> Option<Matched<'r>> {
        let caps = regex.captures(text)?;
        let named = regex
            .capture_names()
            .flatten()
            .filter_map(|n| Some((n, caps.name(n)?.range())))
            .collect();
        Some((caps.get(0)?.range(), named))
    }

    /// The search from the literal prefix finds what the regex crate finds, on every
    /// rule's samples and counter-samples, alone, repeated, behind text that holds the
    /// prefix without matching, and cut short.
    #[test]
    fn prefix_search_finds_what_the_regex_finds() {
        let mut anchored = 0;
        for rule in builtin() {
            let search = PrefixSearch::of(rule.regex.as_str());
            anchored += usize::from(search.is_some());
            let prefix = search
                .as_ref()
                .map(|s| String::from_utf8_lossy(s.prefix.needle()).into_owned())
                .unwrap_or_default();
            for sample in rule.samples.iter().chain(&rule.counter) {
                let mut texts = vec![
                    sample.clone(),
                    format!("{sample} {sample}"),
                    format!("{prefix}{prefix} x {sample}"),
                ];
                let cut: String = sample
                    .chars()
                    .take(sample.chars().count() * 2 / 3)
                    .collect();
                texts.push(cut);
                for text in &texts {
                    let want = reference(&rule.regex, text);
                    let mut named = Vec::new();
                    let got = rule
                        .regex
                        .captures_named(text, &mut named)
                        .map(|m| (m, named));
                    assert_eq!(got, want, "{}: {text}", rule.id);
                }
            }
        }
        assert!(anchored > 50, "only {anchored} rules have a prefix");
    }

    const GOOD: &str = r#"
[[rule]]
id = "x-refused"
cause = "upstream_refused"
formats = ["nginx-error"]
regex = 'connect\(\) failed \(111: '
samples = ["2026/11/24 10:00:01 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream"]
"#;

    fn error_of(text: &str) -> String {
        load_file("user.toml", text).unwrap_err().to_string()
    }

    /// Built-in regexes compile when first used: each must compile, alone and in the set.
    #[test]
    fn every_builtin_regex_compiles() {
        let rules = builtin();
        for r in &rules {
            assert!(Regex::new(r.regex.as_str()).is_ok(), "{}", r.id);
        }
        assert!(crate::rules::Matcher::try_new(rules).is_ok());
    }

    #[test]
    fn loads_a_good_file() {
        let rules = load_file("user.toml", GOOD).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].status(), Some(502));
        assert_eq!(rules[0].origin, "user.toml:3");
    }

    #[test]
    fn errors_name_file_and_line() {
        assert!(error_of("[[rule]\nid = 1").starts_with("user.toml:1:"));
        let bad_regex = GOOD.replace(r"connect\(\) failed \(111: ", "connect((");
        let e = error_of(&bad_regex);
        assert!(
            e.starts_with("user.toml:6:") && e.contains("bad regex"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("upstream_refused", "gremlins"));
        assert!(
            e.starts_with("user.toml:4:") && e.contains("unknown cause"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("nginx-error", "nginx"));
        assert!(e.starts_with("user.toml:5:"), "{e}");
        let e = error_of(&format!("{GOOD}\n{GOOD}"));
        assert!(e.contains("duplicate rule id"), "{e}");
        let e = error_of(&GOOD.replace("samples = [", "samples = []\nx = ["));
        assert!(e.contains("user.toml:"), "{e}");
        let no_samples: String = GOOD
            .lines()
            .filter(|l| !l.starts_with("samples"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(error_of(&no_samples).contains("needs at least one sample"));
        let e = error_of(&GOOD.replace("formats", "status = \"maybe\"\nformats"));
        assert!(e.contains("status must be"), "{e}");
    }

    #[test]
    fn a_rule_file_that_is_not_utf8_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes.extend_from_slice(b"# caf\xe9\n");
        std::fs::write(dir.path().join("latin1.toml"), bytes).unwrap();
        let e = with_user_rules(dir.path()).unwrap_err().to_string();
        assert!(
            e.ends_with("latin1.toml:8: not UTF-8 text (a rule file is TOML)"),
            "{e}"
        );
    }
}
