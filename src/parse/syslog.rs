//! syslog files (`/var/log/syslog`, `messages`, `kern.log`): BSD `Nov  4 10:00:01 host tag[pid]: msg`
//! (no year: inferred from the file's mtime), RFC 3339 `2026-11-24T10:00:01.123456+00:00 host tag: msg`
//! (also `journalctl -o short-iso`) and RFC 5424 `<PRI>1 TS HOST APP PROCID MSGID SD MSG`.

use super::record::{Fields, Level};
use super::time::{fraction, hms, month_from_abbr, padded_day, rfc3339_prefix, TimeCtx};
use super::Head;

pub fn head(line: &str, ctx: &TimeCtx) -> Option<Head> {
    let (pri, at) = priority(line);
    let b = &line.as_bytes()[at..];
    if let Some(rest) = b.strip_prefix(b"1 ") {
        return rfc5424(line, at + 2, rest, pri);
    }
    let (time, used) = match rfc3339_prefix(b) {
        Some((stamp, used)) => (stamp, used),
        None => {
            let month = month_from_abbr(b)?;
            if b.get(3) != Some(&b' ') {
                return None;
            }
            let (day, dlen) = padded_day(&b[4..])?;
            let t_at = 4 + dlen + 1;
            if b.get(t_at - 1) != Some(&b' ') {
                return None;
            }
            let t = hms(b.get(t_at..)?)?;
            let (nanos, digits, flen) = fraction(&b[t_at + 8..]);
            let naive = ctx.without_year(month, day, t, nanos)?;
            (ctx.local(naive, digits), t_at + 8 + flen)
        }
    };
    if b.get(used) != Some(&b' ') {
        return None;
    }
    let (host_tag, message_at) = host_and_tag(line, at + used + 1)?;
    let mut fields = host_tag;
    if let Some(p) = pri {
        fields.push(("facility".into(), (p >> 3).to_string()));
    }
    Some(Head {
        time: Some(time),
        level: pri.and_then(|p| Level::from_priority(p & 7)),
        message_at,
        fields,
    })
}

/// The fast path's test: where the stamp of `b` ends when [`head`] reads it as a BSD
/// entry (`Mmm dd HH:MM:SS[.frac] host tag[pid]: `), judged by its shape; [`stamp`] reads
/// the stamp. RFC 3339, RFC 5424 and `<PRI>` lines give `None`: they are read in full.
pub fn quick_shape(b: &[u8]) -> Option<usize> {
    month_from_abbr(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let (_, dlen) = padded_day(b.get(4..)?)?;
    let t_at = 4 + dlen + 1;
    if b.get(t_at - 1) != Some(&b' ') {
        return None;
    }
    hms(b.get(t_at..)?)?;
    let (_, _, flen) = fraction(b.get(t_at + 8..)?);
    let used = t_at + 8 + flen;
    if b.get(used) != Some(&b' ') {
        return None;
    }
    host_and_tag_shape(b.get(used + 1..)?).then_some(used)
}

/// The time of a stamp [`quick_shape`] found (ending at `end`), as [`head`] reads it.
pub fn stamp(b: &[u8], end: usize, ctx: &TimeCtx) -> Option<super::Stamp> {
    let month = month_from_abbr(b)?;
    let (day, dlen) = padded_day(b.get(4..)?)?;
    let t_at = 4 + dlen + 1;
    let t = hms(b.get(t_at..)?)?;
    let (nanos, digits, flen) = fraction(b.get(t_at + 8..)?);
    if t_at + 8 + flen != end {
        return None;
    }
    let naive = ctx.without_year(month, day, t, nanos)?;
    Some(ctx.local(naive, digits))
}

/// [`host_and_tag`]'s test, on bytes: `host tag[pid]:`.
fn host_and_tag_shape(rest: &[u8]) -> bool {
    let Some(host_end) = memchr::memchr(b' ', rest) else {
        return false;
    };
    if host_end == 0 || rest[host_end - 1] == b':' {
        return false;
    }
    let tag = &rest[host_end + 1..];
    let mut i = tag
        .iter()
        .take_while(|&&c| !c.is_ascii_whitespace() && c != b':' && c != b'[')
        .count();
    if i == 0 {
        return false;
    }
    if tag.get(i) == Some(&b'[') {
        let Some(end) = memchr::memchr(b']', &tag[i..]) else {
            return false;
        };
        i += end + 1;
    }
    tag.get(i) == Some(&b':')
}

/// An optional `<PRI>` prefix.
fn priority(line: &str) -> (Option<u8>, usize) {
    if let Some(rest) = line.strip_prefix('<') {
        if let Some(end) = rest.find('>') {
            if (1..=3).contains(&end) {
                if let Ok(p) = rest[..end].parse::<u8>() {
                    return (Some(p), end + 2);
                }
            }
        }
    }
    (None, 0)
}

/// `host tag[pid]: ` at `at`: fields and the message offset.
fn host_and_tag(line: &str, at: usize) -> Option<(Fields, usize)> {
    let rest = &line[at..];
    let host_end = rest.find(' ')?;
    let host = &rest[..host_end];
    if host.is_empty() || host.ends_with(':') {
        return None;
    }
    let tag_part = &rest[host_end + 1..];
    let tag_len = tag_part
        .bytes()
        .take_while(|&c| !c.is_ascii_whitespace() && c != b':' && c != b'[')
        .count();
    if tag_len == 0 {
        return None;
    }
    let mut fields: Fields = vec![
        ("host".into(), host.to_string()),
        ("tag".into(), tag_part[..tag_len].to_string()),
    ];
    let mut i = tag_len;
    if tag_part.as_bytes().get(i) == Some(&b'[') {
        let end = tag_part[i..].find(']')?;
        fields.push(("pid".into(), tag_part[i + 1..i + end].to_string()));
        i += end + 1;
    }
    if !tag_part[i..].starts_with(':') {
        return None;
    }
    i += 1;
    if tag_part.as_bytes().get(i) == Some(&b' ') {
        i += 1;
    }
    Some((fields, at + host_end + 1 + i))
}

/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`.
fn rfc5424(line: &str, at: usize, rest: &[u8], pri: Option<u8>) -> Option<Head> {
    let (time, used) = rfc3339_prefix(rest)?;
    let mut i = at + used + 1;
    let mut fields = Fields::new();
    for key in ["host", "tag", "pid", "msgid"] {
        let part = line.get(i..)?;
        let end = part.find(' ').unwrap_or(part.len());
        if &part[..end] != "-" {
            fields.push((key.into(), part[..end].to_string()));
        }
        i += end + 1;
    }
    // Structured data: `-` or one or more `[…]` blocks.
    let sd = line.get(i..).unwrap_or("");
    if let Some(rest) = sd.strip_prefix('-') {
        // `- MSG`; a damaged line may put any character (a multi-byte one too) after `-`.
        i += 1 + usize::from(rest.starts_with(' '));
    } else if sd.starts_with('[') {
        i += sd.find("] ").map_or(sd.len(), |e| e + 2);
    }
    Some(Head {
        time: Some(time),
        level: pri.and_then(|p| Level::from_priority(p & 7)),
        message_at: i.min(line.len()),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::field;
    use chrono::{TimeZone, Utc};

    fn ctx() -> TimeCtx {
        TimeCtx::new(
            super::super::Zone::Utc,
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()),
        )
    }

    #[test]
    fn bsd_kernel_line() {
        let line = "Nov 24 10:00:01 web1 kernel: [1234567.123456] Out of memory: Killed process 4242 (php-fpm8.2)";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert_eq!(field(&h.fields, "host"), Some("web1"));
        assert_eq!(field(&h.fields, "tag"), Some("kernel"));
        assert!(line[h.message_at..].starts_with("[1234567.123456] Out of memory"));
    }

    #[test]
    fn space_padded_day_pid_and_year_rollback() {
        let line = "Dec  4 09:00:01 web1 php-fpm[811]: [WARNING] [pool www] server reached pm.max_children setting (5)";
        let h = head(line, &ctx()).unwrap();
        // A December line in a file last written in November is from last year.
        assert_eq!(h.time.unwrap().to_string(), "2025-12-04T09:00:01Z");
        assert_eq!(field(&h.fields, "pid"), Some("811"));
        assert!(line[h.message_at..].starts_with("[WARNING]"));
    }

    #[test]
    fn rfc3339_and_5424() {
        let h = head(
            "2026-11-24T11:00:01.123456+01:00 web1 kernel: Memory cgroup out of memory",
            &ctx(),
        )
        .unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01.123456Z");
        let line = "<11>1 2026-11-24T10:00:01.123Z web1 nginx 811 - - boom";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(&line[h.message_at..], "boom");
        assert_eq!(field(&h.fields, "tag"), Some("nginx"));
        let line = r#"<165>1 2026-11-24T10:00:01Z web1 app - ID47 [exampleSDID@32473 iut="3"] msg"#;
        assert_eq!(&line[head(line, &ctx()).unwrap().message_at..], "msg");
    }

    #[test]
    fn rfc5424_without_a_space_after_the_nil_structured_data() {
        // Once a panic: the message offset landed inside `é`.
        let line = "<11>1 2026-11-24T10:00:01Z web1 nginx 811 - -\u{e9} boom";
        assert_eq!(
            &line[head(line, &ctx()).unwrap().message_at..],
            "\u{e9} boom"
        );
        let line = "<11>1 2026-11-24T10:00:01Z web1 nginx 811 - -";
        assert_eq!(&line[head(line, &ctx()).unwrap().message_at..], "");
    }

    #[test]
    fn sshd_with_parens_in_tag() {
        let line = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(field(&h.fields, "tag"), Some("sshd(pam_unix)"));
        assert_eq!(&line[h.message_at..], "check pass; user unknown");
    }

    #[test]
    fn damaged_lines() {
        assert!(head("Nov 24 10:00 web1 kernel: x", &ctx()).is_none());
        assert!(head("Nov 24 10:00:01", &ctx()).is_none());
        assert!(head("Foo 24 10:00:01 web1 kernel: x", &ctx()).is_none());
        assert!(head("2026/11/24 10:00:01 [error] 1#1: x", &ctx()).is_none());
    }
}
