//! Apache httpd `error_log`: 2.4 `[Www Mmm DD HH:MM:SS.uuuuuu YYYY] [module:level] [pid P:tid T] msg`,
//! 2.2 `[Www Mmm DD HH:MM:SS YYYY] [level] msg`, and `%{cu}t` stamps (`[2026-11-24 10:00:01.123456]`).
//! Entries are single-line (httpd escapes newlines); start-up lines without a stamp continue.

use super::record::{Fields, Level};
use super::time::{digits, fraction, hms, is_weekday, month_from_abbr, naive, padded_day, TimeCtx};
use super::Head;

pub fn head(line: &str, ctx: &TimeCtx) -> Option<Head> {
    // Shared hosts often log with `ErrorLogFormat "%v [%t] …"`: the vhost comes first.
    if !line.starts_with('[') {
        // The vhost is the first word, and ` [` ends it.
        let space = memchr::memchr(b' ', line.as_bytes())?;
        let (vhost, rest) = (&line[..space], line[space + 1..].strip_prefix('[')?);
        if vhost.is_empty() || vhost.contains(char::is_whitespace) || !is_weekday(rest.as_bytes()) {
            return None;
        }
        let offset = vhost.len() + 1;
        let mut h = head(&line[offset..], ctx)?;
        h.message_at += offset;
        h.fields.insert(0, ("vhost".into(), vhost.to_string()));
        return Some(h);
    }
    let b = line.as_bytes();
    let (naive_time, frac_digits, close) = bracket_time(b)?;
    // `] [module:level] ` or `] [level] `
    if b.get(close + 1..close + 3) != Some(b" [") {
        return None;
    }
    let tag_start = close + 3;
    let tag_end = tag_start + b[tag_start..].iter().position(|&c| c == b']')?;
    let tag = &line[tag_start..tag_end];
    let (module, level_word) = match tag.split_once(':') {
        Some((m, l)) => (Some(m), l),
        None => (None, tag),
    };
    let level = Level::from_word(level_word)?;
    let mut fields = Fields::new();
    if let Some(m) = module {
        fields.push(("module".into(), m.to_string()));
    }
    let mut at = tag_end + 1;
    if b.get(at) == Some(&b' ') {
        at += 1;
    }
    if let Some(rest) = line[at..].strip_prefix("[pid ") {
        if let Some(end) = rest.find(']') {
            let inner = &rest[..end];
            let pid = inner.split(':').next().unwrap_or(inner);
            fields.push(("pid".into(), pid.to_string()));
            at += 5 + end + 1;
            if b.get(at) == Some(&b' ') {
                at += 1;
            }
        }
    }
    message_fields(&line[at..], &mut fields);
    Some(Head {
        time: Some(ctx.local(naive_time, frac_digits)),
        level: Some(level),
        message_at: at,
        fields,
    })
}

/// The fast path's test: where the stamp of `b` ends when [`head`] reads `b` as an
/// entry (`[stamp] [module:level] …`, no vhost prefix), judged by its shape; [`stamp`]
/// reads the stamp. `None` means "read it in full".
pub fn quick_shape(b: &[u8]) -> Option<usize> {
    const LEVELS: [&[u8]; 8] = [
        b"emerg", b"alert", b"crit", b"error", b"warn", b"notice", b"info", b"debug",
    ];
    if b.first() != Some(&b'[') {
        return None;
    }
    // The stamp holds no `]`: the first one closes it.
    let close = memchr::memchr(b']', b)?;
    if b.get(close + 1..close + 3) != Some(b" [") {
        return None;
    }
    let tag_start = close + 3;
    let tag = &b[tag_start..tag_start + memchr::memchr(b']', &b[tag_start..])?];
    let level = memchr::memchr(b':', tag).map_or(tag, |i| &tag[i + 1..]);
    (LEVELS.contains(&level) || level.starts_with(b"trace")).then_some(close + 1)
}

/// The time of a line [`quick_shape`] accepted (its stamp ends at `end`), as [`head`] reads it.
pub fn stamp(b: &[u8], end: usize, ctx: &TimeCtx) -> Option<super::Stamp> {
    let (naive_time, frac_digits, close) = bracket_time(b)?;
    (close + 1 == end).then(|| ctx.local(naive_time, frac_digits))
}

/// `[Www Mmm DD HH:MM:SS[.frac] YYYY]` or `[YYYY-MM-DD HH:MM:SS[.frac]]`: time, digits, offset of `]`.
fn bracket_time(b: &[u8]) -> Option<(chrono::NaiveDateTime, u8, usize)> {
    let b1 = b.strip_prefix(b"[")?;
    if is_weekday(b1) && b1.get(3) == Some(&b' ') {
        let month = month_from_abbr(&b1[4..])?;
        if b1.get(7) != Some(&b' ') {
            return None;
        }
        let (day, used) = padded_day(&b1[8..])?;
        let t_at = 8 + used + 1;
        let t = hms(b1.get(t_at..)?)?;
        let (nanos, frac_digits, flen) = fraction(&b1[t_at + 8..]);
        let y_at = t_at + 8 + flen + 1;
        if b1.get(y_at - 1) != Some(&b' ') {
            return None;
        }
        let year = digits(b1.get(y_at..)?, 4)?;
        if b1.get(y_at + 4) != Some(&b']') {
            return None;
        }
        return Some((
            naive(year as i32, month, day, t, nanos)?,
            frac_digits,
            y_at + 5,
        ));
    }
    // ErrorLogFormat "%{cu}t": compact ISO-like, local time.
    if b1.len() > 20 && b1[4] == b'-' && b1[7] == b'-' && b1[10] == b' ' {
        let (y, m, d) = (digits(b1, 4)?, digits(&b1[5..], 2)?, digits(&b1[8..], 2)?);
        let t = hms(&b1[11..])?;
        let (nanos, frac_digits, flen) = fraction(&b1[19..]);
        if b1.get(19 + flen) != Some(&b']') {
            return None;
        }
        return Some((naive(y as i32, m, d, t, nanos)?, frac_digits, 19 + flen + 1));
    }
    None
}

/// `[client IP:PORT]`, `[remote …]`, `AHnnnnn:` and the `(status)text:` errno inside the message.
fn message_fields(message: &str, fields: &mut Fields) {
    for key in ["client", "remote"] {
        if let Some(i) = message.find(&format!("[{key} ")) {
            let rest = &message[i + key.len() + 2..];
            if let Some(end) = rest.find(']') {
                fields.push((key.into(), rest[..end].to_string()));
            }
        }
    }
    if let Some(i) = message.find("AH") {
        let code = &message.as_bytes()[i + 2..];
        if code.len() > 5 && code[..5].iter().all(u8::is_ascii_digit) && code[5] == b':' {
            fields.push(("code".into(), message[i..i + 7].to_string()));
        }
    }
    if let Some(rest) = message.strip_prefix('(') {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 && rest.as_bytes().get(n) == Some(&b')') {
            fields.push(("errno".into(), rest[..n].to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::field;

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    #[test]
    fn apache_24_with_microseconds_module_and_ah_code() {
        let line = "[Tue Nov 24 10:00:01.123456 2026] [proxy:error] [pid 2345:tid 140213] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8080 (localhost:8080) failed";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01.123456Z");
        assert_eq!(h.level, Some(Level::Error));
        assert!(line[h.message_at..].starts_with("(111)Connection refused: AH00957"));
        assert_eq!(field(&h.fields, "module"), Some("proxy"));
        assert_eq!(field(&h.fields, "pid"), Some("2345"));
        assert_eq!(field(&h.fields, "code"), Some("AH00957"));
        assert_eq!(field(&h.fields, "errno"), Some("111"));
    }

    #[test]
    fn apache_22_and_prefork_pid_and_client() {
        let line = "[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2000-10-11T14:32:52Z");
        assert_eq!(field(&h.fields, "client"), Some("127.0.0.1"));
        assert!(field(&h.fields, "module").is_none());
        let line = "[Tue Nov 04 10:00:01.000001 2026] [php7:error] [pid 30079] [client 203.0.113.7:51234] PHP Fatal error:  Uncaught Error: boom in /var/www/a.php:3";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(field(&h.fields, "pid"), Some("30079"));
        assert_eq!(field(&h.fields, "client"), Some("203.0.113.7:51234"));
        assert!(line[h.message_at..].starts_with("[client 203.0.113.7:51234] PHP Fatal error"));
    }

    #[test]
    fn space_padded_day_and_compact_iso_stamp() {
        let h = head("[Tue Nov  4 10:00:01 2026] [notice] resuming", &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-04T10:00:01Z");
        let h = head("[2026-11-24 10:00:01.5] [core:warn] [pid 1] x", &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01.5Z");
    }

    #[test]
    fn vhost_prefixed_lines() {
        let line = "shop.example.com [Tue Apr 12 14:46:03 2016] [error] [client 203.0.113.7:34602] End of script output before headers: card.php";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(field(&h.fields, "vhost"), Some("shop.example.com"));
        assert_eq!(h.time.unwrap().to_string(), "2016-04-12T14:46:03Z");
        assert!(line[h.message_at..].starts_with("[client 203.0.113.7:34602] End of script"));
        assert!(head("two words [Tue Apr 12 14:46:03 2016] [error] x", &ctx()).is_none());
    }

    #[test]
    fn damaged_and_foreign_lines() {
        assert!(head("[Tue Nov 24 10:00:01 2026] no level here", &ctx()).is_none());
        assert!(head("[Tue Nov 24 10:00 2026] [error] x", &ctx()).is_none());
        assert!(head(
            "AH00526: Syntax error on line 12 of /etc/apache2/x.conf:",
            &ctx()
        )
        .is_none());
        assert!(head("[24-Nov-2026 10:00:01] WARNING: x", &ctx()).is_none());
    }
}
