//! Kernel ring buffer dumps: `dmesg` (`[  123.456789] msg`, seconds since boot, no wall time),
//! `dmesg -T` (`[Tue Nov 24 10:00:01 2026] msg`, local time), `--time-format iso`
//! and `dmesg -x` facility/level prefixes (`kern  :err   : `).

use super::record::{Fields, Level};
use super::time::{
    digits, hms, is_weekday, month_from_abbr, naive, padded_day, rfc3339_prefix, TimeCtx,
};
use super::Head;

pub fn head(line: &str, ctx: &TimeCtx) -> Option<Head> {
    let (level, at) = decoded_prefix(line);
    let b = &line.as_bytes()[at..];
    if let Some(inner) = b.strip_prefix(b"[") {
        let close = inner.iter().position(|&c| c == b']')?;
        let stamp = &inner[..close];
        let message_at = at + close + 2 + usize::from(inner.get(close + 1) == Some(&b' '));
        if let Some(uptime) = uptime(stamp) {
            return Some(Head {
                time: None,
                level,
                message_at,
                fields: vec![("uptime".into(), uptime.to_string())],
            });
        }
        let naive = ctime(stamp)?;
        return Some(Head {
            time: Some(ctx.local(naive, 0)),
            level,
            message_at,
            fields: Fields::new(),
        });
    }
    // --time-format iso: `2026-11-24T10:00:01,123456+01:00 msg` (comma before the fraction).
    let (time, used) = rfc3339_prefix(b)?;
    if b.get(19) != Some(&b',') || b.get(used) != Some(&b' ') {
        return None;
    }
    Some(Head {
        time: Some(time),
        level,
        message_at: at + used + 1,
        fields: Fields::new(),
    })
}

/// `   123.456789` (right-aligned seconds since boot).
fn uptime(stamp: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(stamp).ok()?.trim_start();
    let (secs, micros) = s.split_once('.')?;
    let ok = !secs.is_empty()
        && secs.bytes().all(|c| c.is_ascii_digit())
        && !micros.is_empty()
        && micros.bytes().all(|c| c.is_ascii_digit());
    ok.then_some(s)
}

/// `Tue Nov 24 10:00:01 2026` (`%a %b %e %H:%M:%S %Y`, day space-padded).
fn ctime(s: &[u8]) -> Option<chrono::NaiveDateTime> {
    if is_weekday(s) && s.get(3) == Some(&b' ') && s.get(7) == Some(&b' ') {
        let month = month_from_abbr(&s[4..])?;
        let (day, used) = padded_day(&s[8..])?;
        let t_at = 8 + used + 1;
        let t = hms(s.get(t_at..)?)?;
        if s.get(t_at + 8) != Some(&b' ') || s.len() != t_at + 13 {
            return None;
        }
        return naive(digits(&s[t_at + 9..], 4)? as i32, month, day, t, 0);
    }
    localized_ctime(std::str::from_utf8(s).ok()?)
}

/// util-linux translates `dmesg -T`'s day and month names: `Mi Okt 14 03:12:09 2026`.
/// The shape is the same, so the month is looked up in the common locales.
fn localized_ctime(s: &str) -> Option<chrono::NaiveDateTime> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let [weekday, month, day, time, year] = words.as_slice() else {
        return None;
    };
    if weekday.chars().count() > 4 || !weekday.chars().all(char::is_alphabetic) {
        return None;
    }
    let month = localized_month(month)?;
    let day: u32 = day.parse().ok()?;
    let t = hms(time.as_bytes())?;
    if time.len() != 8 || year.len() != 4 {
        return None;
    }
    naive(year.parse().ok()?, month, day, t, 0)
}

/// Month abbreviations as glibc writes them in English, German, Spanish, Italian,
/// Portuguese and Dutch (`%b`), dots and case ignored.
fn localized_month(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &["jan", "ene", "gen"],
        &["feb", "fev", "fév"],
        &["mar", "mär", "mrt"],
        &["apr", "abr", "avr"],
        &["may", "mai", "mag", "mei"],
        &["jun", "giu"],
        &["jul", "lug"],
        &["aug", "ago"],
        &["sep", "set"],
        &["oct", "okt", "ott", "out"],
        &["nov"],
        &["dec", "dez", "dic", "déc"],
    ];
    let lower = word.trim_end_matches('.').to_lowercase();
    let prefix: String = lower.chars().take(3).collect();
    MONTHS
        .iter()
        .position(|names| names.contains(&prefix.as_str()))
        .map(|i| i as u32 + 1)
}

/// `dmesg -x`: `kern  :err   : ` before the stamp.
fn decoded_prefix(line: &str) -> (Option<Level>, usize) {
    let Some((facility, rest)) = line.split_once(':') else {
        return (None, 0);
    };
    let facility = facility.trim_end();
    if !matches!(
        facility,
        "kern" | "user" | "daemon" | "syslog" | "mail" | "auth" | "authpriv" | "local0"
    ) {
        return (None, 0);
    }
    let Some((level, _)) = rest.split_once(": ") else {
        return (None, 0);
    };
    match Level::from_word(level.trim()) {
        Some(l) => (Some(l), line.len() - rest.len() + level.len() + 2),
        None => (None, 0),
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
    fn uptime_has_no_wall_time() {
        let line = "[  123.456789] Out of memory: Killed process 4242 (php-fpm8.2)";
        let h = head(line, &ctx()).unwrap();
        assert!(h.time.is_none());
        assert_eq!(field(&h.fields, "uptime"), Some("123.456789"));
        assert!(line[h.message_at..].starts_with("Out of memory"));
    }

    #[test]
    fn human_and_iso_stamps() {
        let h = head(
            "[Tue Nov  3 10:00:01 2026] php-fpm[42]: segfault at 0",
            &ctx(),
        )
        .unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-03T10:00:01Z");
        let line = "2026-11-24T11:00:01,123456+01:00 Out of memory";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01.123456Z");
        assert_eq!(&line[h.message_at..], "Out of memory");
    }

    #[test]
    fn translated_day_and_month_names() {
        let h = head(
            "[Mi Okt 14 03:12:09 2026] Out of memory: Killed process 51000 (php-fpm8.2)",
            &ctx(),
        )
        .unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-10-14T03:12:09Z");
        let h = head("[mié dic  2 10:00:01 2026] x", &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-12-02T10:00:01Z");
        assert!(head("[Mi Xyz 14 03:12:09 2026] x", &ctx()).is_none());
    }

    #[test]
    fn decoded_facility_and_level() {
        let line = "kern  :err   : [  12.000001] Memory cgroup out of memory";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(&line[h.message_at..], "Memory cgroup out of memory");
    }

    #[test]
    fn foreign_lines() {
        assert!(head("[Tue Nov 24 10:00:01 2026] [error] x", &ctx()).is_some()); // apache is tried first
        assert!(head("[pool www] x", &ctx()).is_none());
        assert!(head("2026-11-24T10:00:01.123Z web1 x: y", &ctx()).is_none());
        assert!(head("[abc.def] x", &ctx()).is_none());
    }
}
