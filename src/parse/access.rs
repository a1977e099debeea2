//! nginx/Apache access logs in common or combined layout (optionally vhost-prefixed):
//! `203.0.113.7 - - [24/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 502 166 "-" "UA"`.
//! The status is what clients got; it later confirms a 5xx.

use std::sync::LazyLock;

use chrono::{Duration, TimeZone, Utc};
use memchr::memmem::Finder;

use super::record::{Fields, Level, Stamp};
use super::time::{digits, hms, month_from_abbr, naive};
use super::Head;

pub fn head(line: &str) -> Option<Head> {
    let (open, words, n) = words_before_stamp(line)?;
    let prefix = &words[..n];
    let b = &line.as_bytes()[open + 2..];
    // dd/Mon/yyyy:HH:MM:SS +zzzz]
    if b.len() < 28
        || b[2] != b'/'
        || b[6] != b'/'
        || b[11] != b':'
        || b[20] != b' '
        || b[26] != b']'
    {
        return None;
    }
    let time = stamp(b)?;
    let rest = &line[open + 2 + 27..];
    let rest = rest.strip_prefix(" \"")?;
    let mut fields: Fields = vec![("client".into(), prefix[prefix.len() - 3].to_string())];
    if prefix.len() == 4 {
        fields.push(("host".into(), prefix[0].to_string()));
    }
    // The request line may hold quotes of its own: the status follows the last `" NNN `.
    // A custom log_format may put something else there: the line is still an access line.
    let level = match request_and_status(rest) {
        Some((request, status)) => {
            fields.push(("request".into(), request.to_string()));
            fields.push(("status".into(), status.to_string()));
            match status {
                500..=599 => Level::Error,
                400..=499 => Level::Warn,
                _ => Level::Info,
            }
        }
        None => Level::Info,
    };
    Some(Head {
        time: Some(time),
        level: Some(level),
        message_at: 0,
        fields,
    })
}

/// Where the first ` [` is, and the words before it (how many): `client ident user`
/// or `vhost client ident user`, none empty. Read word by word, so that any other
/// line is turned away within its first words.
fn words_before_stamp(line: &str) -> Option<(usize, [&str; 4], usize)> {
    let mut words = [""; 4];
    let mut n = 0;
    let mut at = 0;
    loop {
        let space = at + memchr::memchr(b' ', &line.as_bytes()[at..])?;
        let word = &line[at..space];
        if word.is_empty() || n == 4 {
            return None;
        }
        words[n] = word;
        n += 1;
        if line.as_bytes().get(space + 1) == Some(&b'[') {
            return (n >= 3).then_some((space, words, n));
        }
        at = space + 1;
    }
}

/// The fast path's test: where the stamp (`dd/Mon/yyyy:HH:MM:SS +zzzz`) of `raw` is when
/// [`head`] reads it as an access line whose status is not a server error, and nothing
/// else would read it first (a container envelope). A 5xx line, or anything unsure,
/// gives `None`: it is read in full. [`stamp`] reads the stamp.
pub fn quick_shape(raw: &[u8]) -> Option<std::ops::Range<usize>> {
    let b = raw.strip_suffix(b"\r").unwrap_or(raw);
    // What the assembler tries before the text formats: JSON envelopes, journal markers,
    // `docker logs -t` stamps, `compose` prefixes (`name  | `), colour codes.
    if b.first() == Some(&b'{')
        || b.starts_with(b"-- ")
        || b.get(..5)
            .is_some_and(|p| p[..4].iter().all(u8::is_ascii_digit) && p[4] == b'-')
        || memchr::memchr(0x1b, b).is_some()
    {
        return None;
    }
    let name = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        .count();
    let pad = b[name..].iter().take_while(|&&c| c == b' ').count();
    if name > 0 && pad > 0 && b.get(name + pad) == Some(&b'|') {
        return None;
    }
    static SPACE_BRACKET: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(" ["));
    let open = SPACE_BRACKET.find(b)?;
    let parts = b[..open].split(|&c| c == b' ');
    let (mut count, mut empty) = (0, false);
    for p in parts {
        count += 1;
        empty |= p.is_empty();
    }
    if !(3..=4).contains(&count) || empty {
        return None;
    }
    let d = &b[open + 2..];
    if d.len() < 28
        || d[2] != b'/'
        || d[6] != b'/'
        || d[11] != b':'
        || d[20] != b' '
        || d[26] != b']'
        || !d[27..].starts_with(b" \"")
    {
        return None;
    }
    match request_and_status_bytes(&d[29..]) {
        Some((_, status)) if status >= 500 => None,
        _ => Some(open + 2..open + 2 + 26),
    }
}

/// The time of a stamp [`quick_shape`] found, as [`head`] reads it.
pub fn stamp(b: &[u8]) -> Option<Stamp> {
    if b.len() < 26 {
        return None;
    }
    let day = digits(b, 2)?;
    let month = month_from_abbr(&b[3..])?;
    let year = digits(&b[7..], 4)?;
    let t = hms(&b[12..])?;
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset = i64::from(digits(&b[22..], 2)? * 3600 + digits(&b[24..], 2)? * 60) * sign;
    let local = naive(year as i32, month, day, t, 0)?;
    let utc = Utc.from_utc_datetime(&(local - Duration::seconds(offset)));
    Some(Stamp::new(utc, 0, true))
}

/// [`request_and_status`] on bytes: where the request ends (its closing quote) and
/// the status.
fn request_and_status_bytes(rest: &[u8]) -> Option<(usize, u16)> {
    // Built once: `memmem::find` would build a searcher on every call, a few a line.
    static QUOTE_SPACE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\" "));
    let mut at = 0;
    while let Some(i) = QUOTE_SPACE.find(&rest[at..]) {
        let b = &rest[at + i + 2..];
        if b.len() >= 3
            && b[..3].iter().all(u8::is_ascii_digit)
            && b.get(3).is_none_or(|&c| c == b' ')
        {
            let status = b[..3]
                .iter()
                .fold(0u16, |v, &c| v * 10 + u16::from(c - b'0'));
            return Some((at + i, status));
        }
        at += i + 2;
    }
    None
}

/// Splits `GET / HTTP/1.1" 502 166 …` into the request and the status.
fn request_and_status(rest: &str) -> Option<(&str, u16)> {
    // The request ends at an ASCII quote: a character boundary.
    let (end, status) = request_and_status_bytes(rest.as_bytes())?;
    Some((&rest[..end], status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::field;

    #[test]
    fn the_stamp_follows_three_or_four_words() {
        let at = |l: &str| words_before_stamp(l).map(|(open, _, n)| (open, n));
        assert_eq!(at("1.2.3.4 - - [x"), Some((11, 3)));
        assert_eq!(at("host 1.2.3.4 - - [x"), Some((16, 4)));
        assert_eq!(at("a b [x"), None);
        assert_eq!(at("a b c d e [x"), None);
        assert_eq!(at("a  b c [x"), None);
        assert_eq!(at("a b c"), None);
        assert_eq!(at("#0 {main} [x] y"), None);
    }

    #[test]
    fn combined_line() {
        let line = r#"203.0.113.7 - - [24/Nov/2026:11:00:01 +0100] "GET /cart HTTP/2.0" 502 166 "-" "Mozilla/5.0""#;
        let h = head(line).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert_eq!(field(&h.fields, "status"), Some("502"));
        assert_eq!(field(&h.fields, "client"), Some("203.0.113.7"));
        assert_eq!(field(&h.fields, "request"), Some("GET /cart HTTP/2.0"));
        assert_eq!(h.level, Some(Level::Error));
    }

    #[test]
    fn vhost_prefix_common_log_and_quotes_in_request() {
        let line = r#"shop.example.com:443 198.51.100.2 - bob [24/Nov/2026:10:00:01 -0500] "GET /a"b HTTP/1.1" 404 12"#;
        let h = head(line).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T15:00:01Z");
        assert_eq!(field(&h.fields, "host"), Some("shop.example.com:443"));
        assert_eq!(field(&h.fields, "request"), Some(r#"GET /a"b HTTP/1.1"#));
        assert_eq!(field(&h.fields, "status"), Some("404"));
    }

    #[test]
    fn damaged_lines() {
        assert!(head(r#"203.0.113.7 - - [24/Nov/2026:10:00:01] "GET /" 200 1"#).is_none());
        let custom =
            head(r#"203.0.113.7 - - [24/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" rt=1.2"#)
                .unwrap();
        assert!(field(&custom.fields, "status").is_none());
        assert!(head("[Tue Nov 24 10:00:01 2026] [error] x").is_none());
    }
}
