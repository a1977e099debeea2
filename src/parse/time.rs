//! Time handling for parsers: the `--tz` zone for zone-less stamps, IANA zone names
//! (PHP's error_log), RFC 3339 prefixes, month names and syslog's missing year.
//! The only place in `parse` that knows about zones.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::record::Stamp;

/// The zone that zone-less timestamps are read in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zone {
    Utc,
    Local,
    Named(Tz),
}

impl Zone {
    /// `UTC`, `local` or an IANA name such as `Europe/Berlin`.
    pub fn parse(name: &str) -> Option<Zone> {
        match name {
            "UTC" | "utc" | "Z" | "GMT" => Some(Zone::Utc),
            "local" | "Local" => Some(Zone::Local),
            _ => name.parse::<Tz>().ok().map(Zone::Named),
        }
    }

    /// Converts a wall-clock time in this zone to UTC. In a DST gap the time is
    /// read with the offset before the gap; in a DST overlap the earlier instant wins.
    pub fn to_utc(&self, naive: NaiveDateTime) -> DateTime<Utc> {
        self.to_utc_after(naive, None)
    }

    /// Like [`Zone::to_utc`], but a wall time that happens twice (the hour repeated when
    /// summer time ends) is read as its second occurrence when the log was already past
    /// the first one: logs run forward.
    pub fn to_utc_after(
        &self,
        naive: NaiveDateTime,
        previous: Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        match self {
            Zone::Utc => Utc.from_utc_datetime(&naive),
            Zone::Local => resolve(
                chrono::Local.from_local_datetime(&naive),
                naive,
                previous,
                |n| chrono::Local.from_local_datetime(n),
            ),
            Zone::Named(tz) => resolve(tz.from_local_datetime(&naive), naive, previous, |n| {
                tz.from_local_datetime(n)
            }),
        }
    }
}

fn resolve<Z: TimeZone>(
    result: LocalResult<DateTime<Z>>,
    naive: NaiveDateTime,
    previous: Option<DateTime<Utc>>,
    again: impl Fn(&NaiveDateTime) -> LocalResult<DateTime<Z>>,
) -> DateTime<Utc> {
    match result {
        LocalResult::Ambiguous(first, second) => {
            let (first, second) = (first.with_timezone(&Utc), second.with_timezone(&Utc));
            // Past the first occurrence already (allowing a little disorder): the second.
            match previous {
                Some(p) if p > first + Duration::minutes(10) => second,
                _ => first,
            }
        }
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::None => {
            // A wall time inside a spring-forward gap: one hour later, read with the
            // offset after the gap, is the same instant as this time with the offset before it.
            match again(&(naive + Duration::hours(1))) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => Utc.from_utc_datetime(&naive),
            }
        }
    }
}

/// What a parser needs to turn a stamp into UTC.
#[derive(Clone, Debug)]
pub struct TimeCtx {
    pub zone: Zone,
    /// A wall-clock time that stamps without a year lie before (by at most `ahead`):
    /// the file's mtime, or when the other logs end; `None` means "now".
    pub reference: Option<NaiveDateTime>,
    pub ahead: Duration,
    /// The last zone-less stamp read (wall clock and UTC), to place a repeated
    /// wall-clock hour; a run of lines in the same second converts once.
    last_local: std::cell::Cell<Option<(NaiveDateTime, DateTime<Utc>)>>,
}

impl Default for TimeCtx {
    fn default() -> TimeCtx {
        TimeCtx {
            zone: Zone::Utc,
            reference: None,
            ahead: Duration::days(1),
            last_local: std::cell::Cell::new(None),
        }
    }
}

impl TimeCtx {
    /// Year-less stamps lie before the file's mtime (a day of slack for clock skew).
    pub fn new(zone: Zone, mtime: Option<DateTime<Utc>>) -> TimeCtx {
        TimeCtx::with_reference(zone, mtime, Duration::days(1))
    }

    /// Year-less stamps lie before `reference`, or at most `ahead` after it.
    pub fn with_reference(
        zone: Zone,
        reference: Option<DateTime<Utc>>,
        ahead: Duration,
    ) -> TimeCtx {
        let reference = reference.map(|t| match zone {
            Zone::Utc => t.naive_utc(),
            Zone::Local => t.with_timezone(&chrono::Local).naive_local(),
            Zone::Named(tz) => t.with_timezone(&tz).naive_local(),
        });
        TimeCtx {
            zone,
            reference,
            ahead,
            last_local: std::cell::Cell::new(None),
        }
    }

    /// A zone-less stamp, read in `--tz`.
    pub fn local(&self, naive: NaiveDateTime, frac_digits: u8) -> Stamp {
        let last = self.last_local.get();
        let utc = match last {
            // The same wall time again reads the same: `to_utc_after` is idempotent.
            Some((n, utc)) if n == naive => utc,
            _ => {
                let utc = self.zone.to_utc_after(naive, last.map(|(_, u)| u));
                self.last_local.set(Some((naive, utc)));
                utc
            }
        };
        Stamp::new(utc, frac_digits, false)
    }

    /// A stamp with no year (BSD syslog): the latest year that does not put it
    /// further than `ahead` after the reference (so December entries in a January
    /// file land in the previous year).
    pub fn without_year(
        &self,
        month: u32,
        day: u32,
        hms: (u32, u32, u32),
        nanos: u32,
    ) -> Option<NaiveDateTime> {
        let reference = self.reference.unwrap_or_else(|| match self.zone {
            Zone::Utc => Utc::now().naive_utc(),
            Zone::Local => chrono::Local::now().naive_local(),
            Zone::Named(tz) => Utc::now().with_timezone(&tz).naive_local(),
        });
        let limit = reference + self.ahead;
        // Feb 29 may lie up to eight years back (1900-style century gaps aside).
        for year in (reference.year() - 8..=reference.year() + 1).rev() {
            if let Some(t) = naive(year, month, day, hms, nanos) {
                if t <= limit {
                    return Some(t);
                }
            }
        }
        None
    }
}

/// Builds a wall-clock time, or `None` for an impossible date.
pub fn naive(
    year: i32,
    month: u32,
    day: u32,
    hms: (u32, u32, u32),
    nanos: u32,
) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(hms.0, hms.1, hms.2, nanos)
}

/// A zone given by IANA name in the log itself (PHP `[24-Nov-2026 10:00:01 Europe/Berlin]`).
pub fn in_named_zone(name: &str, naive: NaiveDateTime, frac_digits: u8) -> Option<Stamp> {
    let zone = Zone::parse(name)?;
    if zone == Zone::Local {
        return None;
    }
    Some(Stamp::new(zone.to_utc(naive), frac_digits, true))
}

/// `Jan`..`Dec` (English, as every format here writes them with `LC_ALL=C`).
pub fn month_from_abbr(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b = b.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(b))
        .map(|i| i as u32 + 1)
}

/// Whether `b` starts with a weekday abbreviation.
pub fn is_weekday(b: &[u8]) -> bool {
    matches!(
        b.get(..3),
        Some(b"Mon" | b"Tue" | b"Wed" | b"Thu" | b"Fri" | b"Sat" | b"Sun")
    )
}

/// Exactly `n` ASCII digits at the start of `b`.
pub fn digits(b: &[u8], n: usize) -> Option<u32> {
    let part = b.get(..n)?;
    let mut v: u32 = 0;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// One or two digits, the first possibly a space (`%e`, syslog's ` 4`), then returns (value, len).
pub fn padded_day(b: &[u8]) -> Option<(u32, usize)> {
    match b {
        [b' ', d, ..] if d.is_ascii_digit() => Some((u32::from(d - b'0'), 2)),
        [a, d, ..] if a.is_ascii_digit() && d.is_ascii_digit() => {
            Some((u32::from(a - b'0') * 10 + u32::from(d - b'0'), 2))
        }
        [d, ..] if d.is_ascii_digit() => Some((u32::from(d - b'0'), 1)),
        _ => None,
    }
}

/// `HH:MM:SS` at the start of `b`.
pub fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let t = (digits(b, 2)?, digits(&b[3..], 2)?, digits(&b[6..], 2)?);
    (t.0 < 24 && t.1 < 60 && t.2 < 61).then_some(t)
}

/// An optional fraction `.ddd` (or `,ddd`) at the start of `b`: (nanoseconds, digits, bytes used).
pub fn fraction(b: &[u8]) -> (u32, u8, usize) {
    if !matches!(b.first(), Some(b'.' | b',')) {
        return (0, 0, 0);
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return (0, 0, 0);
    }
    let mut nanos: u64 = 0;
    for (i, &c) in b[1..=n].iter().enumerate() {
        if i < 9 {
            nanos = nanos * 10 + u64::from(c - b'0');
        }
    }
    for _ in n..9 {
        nanos *= 10;
    }
    (nanos as u32, n.min(9) as u8, n + 1)
}

/// An RFC 3339 / ISO 8601 timestamp with a zone at the start of `b`
/// (`2026-11-24T10:00:01.123456789Z`, `…+01:00`, `…+0100`): the stamp and the bytes used.
pub fn rfc3339_prefix(b: &[u8]) -> Option<(Stamp, usize)> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let (y, mo, d) = (digits(b, 4)?, digits(&b[5..], 2)?, digits(&b[8..], 2)?);
    let t = hms(&b[11..])?;
    let (nanos, frac_digits, flen) = fraction(&b[19..]);
    let mut i = 19 + flen;
    let offset_secs: i64 = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let h = digits(&b[i + 1..], 2)?;
            let (m, used) = match b.get(i + 3) {
                Some(b':') => (digits(&b[i + 4..], 2)?, 6),
                _ => (digits(&b[i + 3..], 2)?, 5),
            };
            i += used;
            let secs = i64::from(h * 3600 + m * 60);
            if sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    let local = naive(y as i32, mo, d, t, nanos)?;
    let utc = Utc.from_utc_datetime(&(local - Duration::seconds(offset_secs)));
    Some((Stamp::new(utc, frac_digits, true), i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        let (s, n) = rfc3339_prefix(b"2026-11-24T10:00:01.123456789Z rest").unwrap();
        assert_eq!(n, 30);
        assert_eq!(s.to_string(), "2026-11-24T10:00:01.123456789Z");
        let (s, _) = rfc3339_prefix(b"2026-11-24T11:00:01.5+01:00 x").unwrap();
        assert_eq!(s.to_string(), "2026-11-24T10:00:01.5Z");
        let (s, _) = rfc3339_prefix(b"2026-11-24T05:00:01-0500 x").unwrap();
        assert_eq!(s.to_string(), "2026-11-24T10:00:01Z");
        assert!(rfc3339_prefix(b"2026-11-24T10:00:01 no zone").is_none());
        assert!(rfc3339_prefix(b"2026-13-24T10:00:01Z").is_none());
    }

    #[test]
    fn named_zones_and_dst() {
        let s = in_named_zone("Europe/Berlin", at("2026-11-24 11:00:01"), 0).unwrap();
        assert_eq!(s.to_string(), "2026-11-24T10:00:01Z");
        let s = in_named_zone("Europe/Berlin", at("2026-07-24 12:00:01"), 0).unwrap();
        assert_eq!(s.to_string(), "2026-07-24T10:00:01Z");
        // 2026-10-25 02:30 happens twice in Berlin: the earlier (summer time) wins.
        let z = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            z.to_utc(at("2026-10-25 02:30:00")).to_string(),
            "2026-10-25 00:30:00 UTC"
        );
        // 2026-03-29 02:30 does not exist in Berlin: read with the winter offset.
        assert_eq!(
            z.to_utc(at("2026-03-29 02:30:00")).to_string(),
            "2026-03-29 01:30:00 UTC"
        );
        assert!(in_named_zone("Mars/Olympus", at("2026-11-24 11:00:01"), 0).is_none());
    }

    #[test]
    fn the_repeated_hour_is_read_in_log_order() {
        let ctx = TimeCtx::new(Zone::parse("Europe/Berlin").unwrap(), None);
        let first = ctx.local(at("2026-10-25 02:30:00"), 0);
        assert_eq!(first.to_string(), "2026-10-25T00:30:00Z");
        let later = ctx.local(at("2026-10-25 02:59:00"), 0);
        assert_eq!(later.to_string(), "2026-10-25T00:59:00Z");
        // The clock went back: 02:05 now is the second 02:05.
        let again = ctx.local(at("2026-10-25 02:05:00"), 0);
        assert_eq!(again.to_string(), "2026-10-25T01:05:00Z");
    }

    #[test]
    fn syslog_year_rolls_back_across_new_year() {
        let ctx = TimeCtx {
            reference: Some(at("2027-01-02 08:00:00")),
            ..TimeCtx::default()
        };
        assert_eq!(
            ctx.without_year(12, 31, (23, 59, 0), 0),
            Some(at("2026-12-31 23:59:00"))
        );
        assert_eq!(
            ctx.without_year(1, 2, (7, 0, 0), 0),
            Some(at("2027-01-02 07:00:00"))
        );
        // Feb 29 only exists in a leap year: found four years back.
        assert_eq!(
            ctx.without_year(2, 29, (0, 0, 0), 0),
            Some(at("2024-02-29 00:00:00"))
        );
    }

    #[test]
    fn pieces() {
        assert_eq!(month_from_abbr(b"Nov"), Some(11));
        assert_eq!(month_from_abbr(b"Foo"), None);
        assert_eq!(padded_day(b" 4 "), Some((4, 2)));
        assert_eq!(padded_day(b"24"), Some((24, 2)));
        assert_eq!(hms(b"10:00:01"), Some((10, 0, 1)));
        assert_eq!(hms(b"25:00:01"), None);
        assert_eq!(fraction(b".123456 "), (123_456_000, 6, 7));
        assert_eq!(fraction(b" x"), (0, 0, 0));
    }
}
