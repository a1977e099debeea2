//! Container log envelopes: docker's json-file driver (`{"log":…,"stream":…,"time":…}`),
//! `docker logs -t` (`2026-11-24T10:00:01.123456789Z payload`) and `docker compose logs`
//! (`web-1  | payload`, v1 `web_1 |`, optional `-t` stamp and ANSI colour).
//! Only the envelope is read here; the payload goes to the text formats.

use std::borrow::Cow;

use serde::Deserialize;

use super::record::{Fields, Stamp};
use super::time::rfc3339_prefix;

/// A container line with its envelope taken off.
#[derive(Debug, PartialEq)]
pub struct Envelope<'a> {
    pub time: Option<Stamp>,
    pub payload: Cow<'a, str>,
    pub fields: Fields,
    /// The stream or service this line belongs to: continuations never cross it.
    pub key: String,
    /// A json-file partial message (the daemon split a line at 16 KiB): more follows.
    pub partial: bool,
}

#[derive(Deserialize)]
struct JsonFileLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(default, borrow)]
    stream: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    time: Option<Cow<'a, str>>,
}

/// One line of a json-file log.
pub fn json_file(line: &str) -> Option<Envelope<'_>> {
    if !line.starts_with('{') {
        return None;
    }
    let parsed: JsonFileLine = serde_json::from_str(line).ok()?;
    let time = parsed
        .time
        .as_deref()
        .and_then(|t| rfc3339_prefix(t.as_bytes()).map(|(s, _)| s));
    let stream = parsed.stream.map(Cow::into_owned).unwrap_or_default();
    let partial = !parsed.log.ends_with('\n');
    let payload = match parsed.log {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_suffix('\n').unwrap_or(s)),
        Cow::Owned(mut s) => {
            if s.ends_with('\n') {
                s.pop();
            }
            Cow::Owned(s)
        }
    };
    let mut fields = Fields::new();
    if !stream.is_empty() {
        fields.push(("stream".into(), stream.clone()));
    }
    Some(Envelope {
        time,
        payload,
        fields,
        key: stream,
        partial,
    })
}

/// One line of `docker logs -t` output (the runtime's stamp is always UTC, `Z`).
pub fn timestamps(line: &str) -> Option<Envelope<'_>> {
    let (time, used) = rfc3339_prefix(line.as_bytes())?;
    if line.as_bytes().get(used - 1) != Some(&b'Z') {
        return None;
    }
    let payload = match line.as_bytes().get(used) {
        Some(b' ') => &line[used + 1..],
        None => "",
        Some(_) => return None,
    };
    Some(Envelope {
        time: Some(time),
        payload: Cow::Borrowed(payload),
        fields: Fields::new(),
        key: String::new(),
        partial: false,
    })
}

/// One line of `docker compose logs` output.
pub fn compose(line: &str) -> Option<Envelope<'_>> {
    let plain = strip_csi(line);
    let (service, payload_at) = compose_prefix(&plain)?;
    let service = service.to_string();
    let rest = &plain[payload_at..];
    let (time, payload) = match rfc3339_prefix(rest.as_bytes()) {
        Some((stamp, used)) if rest.as_bytes().get(used) == Some(&b' ') => {
            (Some(stamp), &rest[used + 1..])
        }
        _ => (None, rest),
    };
    let payload = match plain {
        Cow::Borrowed(_) => Cow::Borrowed(&line[line.len() - payload.len()..]),
        Cow::Owned(_) => Cow::Owned(payload.to_string()),
    };
    Some(Envelope {
        time,
        payload,
        fields: vec![("container".into(), service.clone())],
        key: service,
        partial: false,
    })
}

/// `name<pad> | ` → (name, payload offset). Names are `[A-Za-z0-9_.-]+` (`web-1`, `web_1`).
fn compose_prefix(line: &str) -> Option<(&str, usize)> {
    let name_len = line
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        .count();
    if name_len == 0 {
        return None;
    }
    let pad = line[name_len..].bytes().take_while(|&c| c == b' ').count();
    let bar = name_len + pad;
    if pad == 0 || line.as_bytes().get(bar) != Some(&b'|') {
        return None;
    }
    let at = match line.as_bytes().get(bar + 1) {
        Some(b' ') => bar + 2,
        None => bar + 1,
        Some(_) => return None,
    };
    Some((&line[..name_len], at))
}

/// Removes ANSI CSI sequences (`ESC [ … m` colours, `ESC [ 2K` line erase), which
/// compose wraps its prefix in.
pub fn strip_csi(s: &str) -> Cow<'_, str> {
    if memchr::memchr(0x1b, s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let n = after
            .bytes()
            .take_while(|c| c.is_ascii_digit() || matches!(c, b';' | b'?'))
            .count();
        if after.as_bytes().get(n).is_some_and(u8::is_ascii_alphabetic) {
            rest = &after[n + 1..];
        } else {
            out.push_str("\x1b[");
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_file_full_and_partial() {
        let line = r#"{"log":"2026/11/24 10:00:01 [error] 29#29: *3 upstream timed out (110: Operation timed out)\n","stream":"stderr","time":"2026-11-24T10:00:01.123456789Z"}"#;
        let e = json_file(line).unwrap();
        assert!(!e.partial);
        assert_eq!(
            e.time.unwrap().to_string(),
            "2026-11-24T10:00:01.123456789Z"
        );
        assert!(e.payload.starts_with("2026/11/24 10:00:01 [error]"));
        assert!(!e.payload.ends_with('\n'));
        assert_eq!(e.key, "stderr");
        let e =
            json_file(r#"{"log":"aaaa","stream":"stdout","time":"2026-11-24T10:00:01Z"}"#).unwrap();
        assert!(e.partial);
        assert!(json_file(r#"{"log":"x""#).is_none());
        assert!(json_file(r#"{"MESSAGE":"x"}"#).is_none());
    }

    #[test]
    fn docker_logs_timestamps() {
        let e = timestamps("2026-11-24T10:00:01.123456789Z [24-Nov-2026 10:00:01] NOTICE: ready")
            .unwrap();
        assert_eq!(e.payload, "[24-Nov-2026 10:00:01] NOTICE: ready");
        assert!(timestamps("2026-11-24T10:00:01+01:00 web1 kernel: x").is_none());
        assert!(timestamps("2026-11-24T10:00:01.5Zjunk").is_none());
    }

    #[test]
    fn compose_v1_v2_colour_and_timestamps() {
        let e = compose("web-1    | 2026/11/24 10:00:01 [error] 29#29: x").unwrap();
        assert_eq!(e.key, "web-1");
        assert_eq!(e.payload, "2026/11/24 10:00:01 [error] 29#29: x");
        assert!(e.time.is_none());
        let e = compose("php_1  | NOTICE: PHP message: y").unwrap();
        assert_eq!(e.key, "php_1");
        assert_eq!(compose("\x1b[2Kweb-1  | x").unwrap().payload, "x");
        let e = compose("\x1b[36mweb-1  |\x1b[0m 2026-11-24T10:00:01.000000000Z hello").unwrap();
        assert_eq!(e.payload, "hello");
        assert_eq!(
            e.time.unwrap().to_string(),
            "2026-11-24T10:00:01.000000000Z"
        );
        assert!(compose("no bar here").is_none());
        assert!(compose("a|b").is_none());
    }
}
