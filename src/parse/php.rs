//! PHP's two logs: the php-fpm master log (`[24-Nov-2026 10:00:01] WARNING: [pool www] …`,
//! and bare worker lines `NOTICE: PHP message: …`) and PHP's own error_log
//! (`[24-Nov-2026 10:00:01 Europe/Berlin] PHP Fatal error:  …`, zone names honoured).

use super::record::{Fields, Level, Stamp};
use super::time::{digits, fraction, hms, in_named_zone, month_from_abbr, naive, TimeCtx};
use super::Head;

/// The level words php-fpm's zlog writes.
const FPM_LEVELS: [&str; 5] = ["DEBUG", "NOTICE", "WARNING", "ERROR", "ALERT"];

/// `[DD-Mmm-YYYY HH:MM:SS[.frac][ ZONE]] `: the stamp (zone applied), whether a zone was named,
/// and the offset after `] `.
fn bracket_date(line: &str, ctx: &TimeCtx) -> Option<(Stamp, bool, usize)> {
    let b = line.as_bytes();
    if b.len() < 22 || b[0] != b'[' || b[3] != b'-' || b[7] != b'-' || b[12] != b' ' {
        return None;
    }
    let day = digits(&b[1..], 2)?;
    let month = month_from_abbr(&b[4..])?;
    let year = digits(&b[8..], 4)?;
    let t = hms(&b[13..])?;
    let (nanos, frac_digits, flen) = fraction(&b[21..]);
    let at = 21 + flen;
    let close = at + line[at..].find(']')?;
    let naive = naive(year as i32, month, day, t, nanos)?;
    let zone = line[at..close].trim();
    let (stamp, zoned) = if zone.is_empty() {
        (ctx.local(naive, frac_digits), false)
    } else {
        if b[at] != b' ' {
            return None;
        }
        // A zone name PHP printed but the tz database lacks: fall back to --tz.
        match in_named_zone(zone, naive, frac_digits) {
            Some(s) => (s, true),
            None if zone
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"/_+-".contains(&c)) =>
            {
                (ctx.local(naive, frac_digits), true)
            }
            None => return None,
        }
    };
    let after = close + 1 + usize::from(b.get(close + 1) == Some(&b' '));
    Some((stamp, zoned, after))
}

/// An fpm level word followed by `: ` at `at`.
fn fpm_level(line: &str, at: usize) -> Option<(Level, usize)> {
    let rest = &line[at..];
    FPM_LEVELS.iter().find_map(|w| {
        rest.strip_prefix(w)
            .and_then(|r| r.strip_prefix(": "))
            .map(|_| {
                (
                    Level::from_word(w).expect("fpm levels are known"),
                    at + w.len() + 2,
                )
            })
    })
}

/// Bytes of the `[DD-Mon-YYYY HH:MM:SS]` stamp the fast path reads.
pub const FPM_STAMP_LEN: usize = 22;

/// The fast path's test: whether [`fpm_head`] reads `b` as an entry with a plain stamp
/// (`[DD-Mon-YYYY HH:MM:SS] LEVEL: `), judged by its shape; [`fpm_stamp`] reads the stamp.
/// Fractions, zones and undated worker lines are read in full.
pub fn fpm_quick_shape(b: &[u8]) -> bool {
    if b.len() < FPM_STAMP_LEN + 2
        || b[0] != b'['
        || b[3] != b'-'
        || b[7] != b'-'
        || b[12] != b' '
        || b[15] != b':'
        || b[18] != b':'
        || b[21] != b']'
    {
        return false;
    }
    let rest = &b[FPM_STAMP_LEN + usize::from(b[FPM_STAMP_LEN] == b' ')..];
    FPM_LEVELS.iter().any(|w| {
        rest.strip_prefix(w.as_bytes())
            .is_some_and(|r| r.starts_with(b": "))
    })
}

/// The time of a line [`fpm_quick_shape`] accepted, as [`fpm_head`] reads it.
pub fn fpm_stamp(b: &[u8], ctx: &TimeCtx) -> Option<Stamp> {
    let stamp = std::str::from_utf8(b.get(..FPM_STAMP_LEN)?).ok()?;
    match bracket_date(stamp, ctx)? {
        (time, false, _) => Some(time),
        _ => None,
    }
}

pub fn fpm_head(line: &str, ctx: &TimeCtx) -> Option<Head> {
    let (time, level, message_at) = match bracket_date(line, ctx) {
        Some((stamp, false, after)) => {
            let (level, at) = fpm_level(line, after)?;
            (Some(stamp), level, at)
        }
        Some((_, true, _)) => return None,
        // Worker output with decorate_workers_output = no: no stamp, but an entry start.
        None => {
            let (level, at) = fpm_level(line, 0)?;
            (None, level, at)
        }
    };
    let mut fields = Fields::new();
    let message = &line[message_at..];
    if let Some(rest) = message.strip_prefix("[pool ") {
        if let Some(end) = rest.find(']') {
            fields.push(("pool".into(), rest[..end].to_string()));
            if let Some(child) = rest[end..].strip_prefix("] child ") {
                let n = child.bytes().take_while(u8::is_ascii_digit).count();
                if n > 0 {
                    fields.push(("child".into(), child[..n].to_string()));
                }
            }
        }
    }
    Some(Head {
        time,
        level: Some(level),
        message_at,
        fields,
    })
}

/// PHP's error types, as `php_error_cb` names them, longest first.
const PHP_TYPES: [&str; 11] = [
    "Recoverable fatal error",
    "Catchable fatal error",
    "Strict Standards",
    "Fatal error",
    "Parse error",
    "Deprecated",
    "Warning",
    "Notice",
    "Unknown error",
    "User Deprecated",
    "Error",
];

pub fn errorlog_head(line: &str, ctx: &TimeCtx) -> Option<Head> {
    let (stamp, zoned, after) = bracket_date(line, ctx)?;
    let message = &line[after..];
    if !zoned && fpm_level(line, after).is_some() {
        return None; // a php-fpm master line
    }
    let mut fields = Fields::new();
    let level = message.strip_prefix("PHP ").and_then(|rest| {
        PHP_TYPES.iter().find_map(|t| {
            rest.strip_prefix(t)
                .filter(|r| r.starts_with(':'))
                .map(|_| {
                    fields.push(("php_type".into(), t.to_string()));
                    Level::from_word(t).unwrap_or(Level::Error)
                })
        })
    });
    Some(Head {
        time: Some(stamp),
        level,
        message_at: after,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::field;
    use crate::parse::Zone;

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    #[test]
    fn fpm_master_line_with_pool() {
        let line = "[24-Nov-2026 10:00:01] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it";
        let h = fpm_head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert_eq!(h.level, Some(Level::Warn));
        assert_eq!(field(&h.fields, "pool"), Some("www"));
        assert!(line[h.message_at..].starts_with("[pool www] server reached"));
        assert!(errorlog_head(line, &ctx()).is_none());
    }

    #[test]
    fn fpm_debug_microseconds_child_and_bare_worker_line() {
        let line = "[24-Nov-2026 10:00:01.123456] WARNING: [pool www] child 4242 exited on signal 9 (SIGKILL) after 12.5 seconds from start";
        let h = fpm_head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01.123456Z");
        assert_eq!(field(&h.fields, "child"), Some("4242"));
        let h = fpm_head(
            "NOTICE: PHP message: PHP Fatal error:  Uncaught Error: x in /a.php:7",
            &ctx(),
        )
        .unwrap();
        assert!(h.time.is_none());
        assert_eq!(h.level, Some(Level::Notice));
        assert!(fpm_head("Stack trace:", &ctx()).is_none());
        assert!(fpm_head("NOTICEABLE: x", &ctx()).is_none());
    }

    #[test]
    fn errorlog_honours_zone_names() {
        let line = "[24-Nov-2026 11:00:01 Europe/Berlin] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/html/a.php on line 12";
        let h = errorlog_head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert!(h.time.unwrap().zoned);
        assert_eq!(h.level, Some(Level::Fatal));
        assert_eq!(field(&h.fields, "php_type"), Some("Fatal error"));
        let h = errorlog_head(
            "[24-Nov-2026 10:00:01 UTC] PHP Warning:  x in /a.php on line 1",
            &ctx(),
        )
        .unwrap();
        assert_eq!(h.level, Some(Level::Warn));
        assert!(fpm_head("[24-Nov-2026 10:00:01 UTC] PHP Warning:  x", &ctx()).is_none());
    }

    #[test]
    fn errorlog_without_zone_uses_tz_and_user_messages_have_no_level() {
        let ny = TimeCtx::new(Zone::parse("America/New_York").unwrap(), None);
        let h = errorlog_head("[24-Nov-2026 05:00:01] my own error_log() text", &ny).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert!(h.level.is_none());
    }

    #[test]
    fn damaged_lines() {
        assert!(errorlog_head("[24-Nov-2026 10:00] PHP Warning: x", &ctx()).is_none());
        assert!(errorlog_head("[24-Foo-2026 10:00:01 UTC] x", &ctx()).is_none());
        assert!(errorlog_head("[24-Nov-2026 10:00:01 UTC", &ctx()).is_none());
        assert!(errorlog_head("#0 /var/www/a.php(5): f()", &ctx()).is_none());
    }
}
