//! `journalctl -o json`: one JSON object per entry, every value a string, `MESSAGE` possibly an
//! array of bytes (non-UTF-8 or control characters) or of strings (a field set twice), or null.
//! Also the `-- Logs begin at … --` / `-- Boot … --` lines of the text outputs.

use std::borrow::Cow;

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value};

use super::docker::Envelope;
use super::record::{Fields, Level, Stamp};

/// Journal fields kept on a record, under shorter names.
const KEPT: [(&str, &str); 7] = [
    ("_SYSTEMD_UNIT", "unit"),
    ("SYSLOG_IDENTIFIER", "tag"),
    ("_PID", "pid"),
    ("_HOSTNAME", "host"),
    ("_TRANSPORT", "transport"),
    ("CONTAINER_NAME", "container"),
    ("_COMM", "comm"),
];

/// 9999-12-31T23:59:59.999999Z in microseconds since the epoch.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

/// One entry: its envelope (time from `__REALTIME_TIMESTAMP`, payload `MESSAGE`) and level.
pub fn json_entry(line: &str) -> Option<(Envelope<'static>, Option<Level>)> {
    if !line.starts_with('{') || !line.contains("\"__REALTIME_TIMESTAMP\"") {
        return None;
    }
    let obj: Map<String, Value> = serde_json::from_str(line).ok()?;
    let micros: i64 = text(obj.get("__REALTIME_TIMESTAMP")?)?.parse().ok()?;
    // Years 1970..=9999 only, like every other format's stamps: a forged value near
    // chrono's limits would overflow the window arithmetic later.
    let time = Some(micros)
        .filter(|m| (0..=MAX_MICROS).contains(m))
        .and_then(|m| Utc.timestamp_micros(m).single())
        .map(|t| Stamp::new(t, 6, true));
    let level = obj
        .get("PRIORITY")
        .and_then(text)
        .and_then(|p| p.parse().ok())
        .and_then(Level::from_priority);
    let payload = obj.get("MESSAGE").and_then(text).unwrap_or_default();
    let mut fields = Fields::new();
    for (key, name) in KEPT {
        if let Some(v) = obj.get(key).and_then(text) {
            fields.push((name.into(), v));
        }
    }
    let key = obj
        .get("_PID")
        .or_else(|| obj.get("_SYSTEMD_UNIT"))
        .and_then(text)
        .unwrap_or_default();
    let envelope = Envelope {
        time,
        payload: Cow::Owned(payload.trim_end_matches('\n').to_string()),
        fields,
        key,
        partial: false,
    };
    Some((envelope, level))
}

/// A journal value as text: a string, a number, bytes (`[104,105]`) or the first of several strings.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(|b| b.as_u64().map(|b| b as u8))
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Value::Array(items) => items.iter().find_map(text),
        _ => None,
    }
}

/// `journalctl -o short-iso` (and `short-iso-precise`): a syslog line whose RFC 3339
/// stamp writes its offset without a colon (`2026-11-24T11:00:01+0100 web1 nginx[811]: …`),
/// which rsyslog never does.
pub fn short_iso_head(line: &str, ctx: &super::TimeCtx) -> Option<super::Head> {
    let b = line.as_bytes();
    let (_, used) = super::time::rfc3339_prefix(b)?;
    let offset = &b[..used];
    let colon_less = offset.len() > 5
        && matches!(offset[offset.len() - 5], b'+' | b'-')
        && offset[offset.len() - 4..].iter().all(u8::is_ascii_digit);
    if !colon_less {
        return None;
    }
    super::syslog::head(line, ctx)
}

/// `-- Logs begin at … --`, `-- Boot 1a2b… --`, `-- No entries --`, `-- Reboot --`.
pub fn is_marker(line: &str) -> bool {
    line.starts_with("-- ") && line.trim_end().ends_with(" --")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::field;

    #[test]
    fn entry_with_string_values() {
        let line = r#"{"__REALTIME_TIMESTAMP":"1795514401123456","PRIORITY":"3","SYSLOG_IDENTIFIER":"kernel","_TRANSPORT":"kernel","MESSAGE":"Memory cgroup out of memory: Killed process 4242 (php-fpm)","_HOSTNAME":"web1"}"#;
        let (e, level) = json_entry(line).unwrap();
        assert_eq!(e.time.unwrap().to_string(), "2026-11-24T10:00:01.123456Z");
        assert_eq!(level, Some(Level::Error));
        assert!(e.payload.starts_with("Memory cgroup"));
        assert_eq!(field(&e.fields, "tag"), Some("kernel"));
    }

    #[test]
    fn byte_array_and_multi_valued_and_null_message() {
        let line = r#"{"__REALTIME_TIMESTAMP":"1795514401000000","MESSAGE":[104,105,255]}"#;
        assert_eq!(json_entry(line).unwrap().0.payload, "hi\u{fffd}");
        let line = r#"{"__REALTIME_TIMESTAMP":"1795514401000000","MESSAGE":["a","b"]}"#;
        assert_eq!(json_entry(line).unwrap().0.payload, "a");
        let line = r#"{"__REALTIME_TIMESTAMP":"1795514401000000","MESSAGE":null}"#;
        assert_eq!(json_entry(line).unwrap().0.payload, "");
        assert!(json_entry(r#"{"__REALTIME_TIMESTAMP":"x"}"#).is_none());
        // Past year 9999 the entry is kept without a time.
        let line = r#"{"__REALTIME_TIMESTAMP":"8210266876799999999","MESSAGE":"x"}"#;
        assert!(json_entry(line).unwrap().0.time.is_none());
        let line = r#"{"__REALTIME_TIMESTAMP":"253402300799999999","MESSAGE":"x"}"#;
        assert!(json_entry(line).unwrap().0.time.is_some());
        assert!(json_entry(r#"{"log":"x"}"#).is_none());
    }

    #[test]
    fn short_iso_lines() {
        let ctx = super::super::TimeCtx::default();
        let h = short_iso_head("2026-11-24T11:00:01+0100 web1 nginx[811]: boom", &ctx).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert!(short_iso_head("2026-11-24T11:00:01+01:00 web1 nginx[811]: boom", &ctx).is_none());
        assert!(short_iso_head("2026-11-24T11:00:01.5Z web1 nginx[811]: boom", &ctx).is_none());
    }

    #[test]
    fn markers() {
        assert!(is_marker(
            "-- Logs begin at Mon 2026-11-23 10:00:01 UTC, end at Tue 2026-11-24 10:00:01 UTC. --"
        ));
        assert!(is_marker("-- Boot 1a2b3c --"));
        assert!(!is_marker("-- x"));
    }
}
