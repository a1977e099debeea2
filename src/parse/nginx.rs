//! nginx `error.log`: `YYYY/MM/DD HH:MM:SS [level] PID#TID: *CONN message, client: …`.
//! Also the stderr form `nginx: [emerg] …` and a pasted line that lost its date.
//! FastCGI stderr continuation lines are joined by the assembler, not here.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::record::{Fields, Level};
use super::time::{digits, hms, naive, TimeCtx};
use super::Head;

/// Trailing context keys, in the fixed order nginx appends them; quoted ones carry `"…"`.
const CONTEXT: [(&str, bool); 7] = [
    ("client", false),
    ("server", false),
    ("request", true),
    ("subrequest", true),
    ("upstream", true),
    ("host", true),
    ("referrer", true),
];

pub fn head(line: &str, ctx: &TimeCtx) -> Option<Head> {
    let b = line.as_bytes();
    let (time, rest_at) = match date_time(b) {
        Some(naive) => (Some(ctx.local(naive, 0)), 20),
        None => match b.strip_prefix(b"nginx: [") {
            // Written to stderr before the log is open: no stamp, no pid.
            Some(_) => {
                let (level, after) = level(b, 7)?;
                return Some(Head {
                    time: None,
                    level: Some(level),
                    message_at: after,
                    fields: Fields::new(),
                });
            }
            // A pasted line that lost its date still starts with `[level] pid#tid: `.
            None => (None, 0),
        },
    };
    let (level, after) = level(b, rest_at)?;
    let (pid, after) = pid_tid(b, after)?;
    let mut fields: Fields = Vec::with_capacity(1 + 1 + CONTEXT.len());
    fields.push(("pid".into(), pid.to_string()));
    let mut message_at = after;
    if b.get(after) == Some(&b'*') {
        let n = digit_run(&b[after + 1..]);
        if n > 0 && b.get(after + 1 + n) == Some(&b' ') {
            fields.push((
                "connection".into(),
                line[after + 1..after + 1 + n].to_string(),
            ));
            message_at = after + 2 + n;
        }
    }
    context_fields(&line[message_at..], &mut fields);
    Some(Head {
        time,
        level: Some(level),
        message_at,
        fields,
    })
}

/// Bytes of the `YYYY/MM/DD HH:MM:SS` stamp that begins a dated entry.
pub const STAMP_LEN: usize = 19;

/// The fast path's test: whether [`head`] would read `b` as a dated entry, judged by
/// its shape alone (the stamp's digits are read by [`stamp`]), without the fields.
/// `false` means "read it in full": the line may still be an entry of another shape.
pub fn has_head_shape(b: &[u8]) -> bool {
    // Read a word at a time: every line of a large log passes here.
    if b.len() < 29 {
        return has_head_shape_bytewise(b);
    }
    // `YYYY/MM/DD HH:MM:SS`: the separators, in the words at 0 and 8.
    const DATE: (u64, u64) = masked(b"????/??/");
    const TIME: (u64, u64) = masked(b"?? ??:");
    fits(word(b, 0), DATE) && fits(word(b, 8), TIME) && shape_after_stamp(b)
}

/// [`has_head_shape`] for a line whose first [`STAMP_LEN`] bytes are those of a line
/// it accepted (the fast path's run of lines within one second): only what follows
/// the stamp is looked at.
pub fn has_head_shape_after_stamp(b: &[u8]) -> bool {
    if b.len() < 29 {
        return has_head_shape_bytewise(b);
    }
    shape_after_stamp(b)
}

/// The word-wise [`has_head_shape`] past the date and time (`b` has 29 bytes or more).
fn shape_after_stamp(b: &[u8]) -> bool {
    // `:SS [` in the word at 16, then `level] ` from byte 21, compared as one word
    // under the mask of its length.
    const REST: (u64, u64) = masked(b":?? [");
    if !fits(word(b, 16), REST) {
        return false;
    }
    let level = word(b, 21);
    let len = LEVELS
        .iter()
        .find(|&&(word, _)| fits(level, word))
        .map(|&(_, len)| len);
    len.is_some_and(|len| pid_tid_shape(b, 21 + len))
}

/// The eight bytes of `b` from `at`, as a little-endian word.
fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Whether word `w` has the bytes of a [`masked`] pattern.
fn fits(w: u64, (pattern, mask): (u64, u64)) -> bool {
    w & mask == pattern
}

/// `level] ` for each level, the commonest first, as [`masked`] words with their length.
const LEVELS: [((u64, u64), usize); 8] = {
    const TEXTS: [&[u8]; 8] = [
        b"error] ",
        b"warn] ",
        b"notice] ",
        b"crit] ",
        b"alert] ",
        b"emerg] ",
        b"info] ",
        b"debug] ",
    ];
    let mut levels = [((0, 0), 0); 8];
    let mut i = 0;
    while i < TEXTS.len() {
        levels[i] = (masked(TEXTS[i]), TEXTS[i].len());
        i += 1;
    }
    levels
};

/// Up to eight bytes as a little-endian word and the mask of the bytes that count:
/// `?` matches any byte, bytes past the text are not compared.
const fn masked(text: &[u8]) -> (u64, u64) {
    let (mut word, mut mask) = (0u64, 0u64);
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'?' {
            word |= (text[i] as u64) << (8 * i);
            mask |= 0xff << (8 * i);
        }
        i += 1;
    }
    (word, mask)
}

/// [`has_head_shape`] a byte at a time: for short lines, and the reference its tests
/// hold the word-wise reading to.
fn has_head_shape_bytewise(b: &[u8]) -> bool {
    if b.len() < 28
        || b[4] != b'/'
        || b[7] != b'/'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b' '
        || b[20] != b'['
    {
        return false;
    }
    let rest = &b[21..];
    let Some(end) = rest.iter().take(7).position(|&c| c == b']') else {
        return false;
    };
    matches!(
        &rest[..end],
        b"emerg" | b"alert" | b"crit" | b"error" | b"warn" | b"notice" | b"info" | b"debug"
    ) && rest.get(end + 1) == Some(&b' ')
        && pid_tid_shape(b, 21 + end + 2)
}

/// The time of a line [`has_head_shape`] accepted, as [`head`] reads it.
pub fn stamp(b: &[u8], ctx: &TimeCtx) -> Option<super::Stamp> {
    date_time(b).map(|naive| ctx.local(naive, 0))
}

/// `YYYY/MM/DD HH:MM:SS ` at the start.
fn date_time(b: &[u8]) -> Option<chrono::NaiveDateTime> {
    if b.len() < 20 || b[4] != b'/' || b[7] != b'/' || b[10] != b' ' || b[19] != b' ' {
        return None;
    }
    let (y, m, d) = (digits(b, 4)?, digits(&b[5..], 2)?, digits(&b[8..], 2)?);
    naive(y as i32, m, d, hms(&b[11..])?, 0)
}

/// `[level] ` at `at`: the level and the offset after it.
fn level(b: &[u8], at: usize) -> Option<(Level, usize)> {
    let rest = b.get(at..)?;
    let rest = rest.strip_prefix(b"[")?;
    let end = rest.iter().position(|&c| c == b']')?;
    let word = std::str::from_utf8(&rest[..end]).ok()?;
    let level = Level::from_word(word)?;
    (rest.get(end + 1) == Some(&b' ')).then_some((level, at + end + 3))
}

/// `PID#TID: ` at `at`.
fn pid_tid(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let rest = b.get(at..)?;
    let p = digit_run(rest);
    if p == 0 || rest.get(p) != Some(&b'#') {
        return None;
    }
    let t = digit_run(&rest[p + 1..]);
    if t == 0 || rest.get(p + 1 + t..p + 3 + t) != Some(b": ") {
        return None;
    }
    let pid = std::str::from_utf8(&rest[..p]).ok()?.parse().ok()?;
    Some((pid, at + p + t + 3))
}

/// Whether [`pid_tid`] reads `PID#TID: ` at `at`, without parsing the numbers where
/// they cannot overflow.
fn pid_tid_shape(b: &[u8], at: usize) -> bool {
    let Some(rest) = b.get(at..) else {
        return false;
    };
    // Most lines: the numbers and `#` within sixteen bytes, judged at once.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(block) = rest.first_chunk::<16>() {
        // Bit k: byte k is not a digit. No bit above 15: a run of digits to the end of
        // the block counts past 16 and is left to the word-wise check below.
        let not_digit = !digit_mask_sse2(block) as u32;
        let p = not_digit.trailing_zeros() as usize;
        if (1..15).contains(&p) {
            if rest[p] != b'#' {
                return false;
            }
            let t = (not_digit >> (p + 1)).trailing_zeros() as usize;
            if p + 1 + t < 16 {
                return t > 0 && rest.get(p + 1 + t..p + 3 + t) == Some(b": ");
            }
        }
    }
    let p = digit_run(rest);
    if p == 0 || p > 19 || rest.get(p) != Some(&b'#') {
        // More than 19 digits may not fit a u64: let the parser decide.
        return p > 19 && pid_tid(b, at).is_some();
    }
    let t = digit_run(&rest[p + 1..]);
    t > 0 && rest.get(p + 1 + t..p + 3 + t) == Some(b": ")
}

/// Bit k set: byte k of `block` is an ASCII digit.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn digit_mask_sse2(block: &[u8; 16]) -> u16 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is enabled (checked at compile time); the load reads the 16 bytes
    // of `block`, unaligned.
    unsafe {
        let x = _mm_loadu_si128(block.as_ptr().cast());
        // Signed compares: bytes from 0x80 are negative, below `0`.
        let from_zero = _mm_cmpgt_epi8(x, _mm_set1_epi8(b'0' as i8 - 1));
        let to_nine = _mm_cmplt_epi8(x, _mm_set1_epi8(b'9' as i8 + 1));
        _mm_movemask_epi8(_mm_and_si128(from_zero, to_nine)) as u16
    }
}

/// How many ASCII digits `b` begins with; eight bytes are judged at once.
fn digit_run(b: &[u8]) -> usize {
    let bytewise = |b: &[u8]| {
        b.iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(b.len())
    };
    let Some(word) = b.get(..8) else {
        return bytewise(b);
    };
    // Digits become 0..=9; a byte is not a digit when it is then 10 or more, which
    // adding 0x76 to its low seven bits carries into its high bit (no carry leaves it).
    let t = u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ 0x3030_3030_3030_3030;
    let not_digit =
        (((t & 0x7f7f_7f7f_7f7f_7f7f) + 0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080;
    match not_digit {
        0 => 8 + bytewise(&b[8..]),
        _ => not_digit.trailing_zeros() as usize / 8,
    }
}

/// Reads `, client: …, server: …, request: "…"` … from the end of a message.
pub fn context_fields(message: &str, fields: &mut Fields) {
    // The last occurrence (the message may quote one): found forward, which memchr
    // does with SIMD, unlike its search backwards.
    static CLIENT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(", client: "));
    static UPSTREAM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(", upstream: \""));
    let bytes = message.as_bytes();
    let Some(start) = CLIENT
        .find_iter(bytes)
        .last()
        .or_else(|| UPSTREAM.find_iter(bytes).last())
    else {
        return;
    };
    let mut rest = &message[start..];
    for (key, quoted) in CONTEXT {
        let prefix_len = 2 + key.len() + 2; // ", key: "
        let Some(after) = rest
            .strip_prefix(", ")
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix(": "))
        else {
            continue;
        };
        let (value, used) = if quoted {
            let Some(body) = after.strip_prefix('"') else {
                continue;
            };
            // The value ends at the quote that precedes the next key (or the end). A
            // value cut short (nginx truncates long entries) may lack that quote, and
            // the byte before the key may then be inside a multi-byte character.
            let (end, quote) = match next_key(body) {
                Some(i) if i > 0 && body.as_bytes()[i - 1] == b'"' => (i - 1, 1),
                Some(i) => (i, 0),
                None => (body.len(), 0),
            };
            (
                body[..end].trim_end_matches('"'),
                prefix_len + 1 + end + quote,
            )
        } else {
            let end = next_key(after).unwrap_or(after.len());
            (&after[..end], prefix_len + end)
        };
        fields.push((key.into(), value.to_string()));
        rest = rest.get(used.min(rest.len())..).unwrap_or("");
    }
}

/// Offset of the next `, key: ` of the context list in `s`.
/// Where the first `, key: ` of a context key begins.
fn next_key(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    memchr::memchr_iter(b',', b).find(|&i| {
        let Some(rest) = b[i + 1..].strip_prefix(b" ") else {
            return false;
        };
        CONTEXT.iter().any(|(k, _)| {
            rest.strip_prefix(k.as_bytes())
                .is_some_and(|r| r.starts_with(b": "))
        })
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn head_shape_by_words_agrees_with_bytes() {
        let line = b"2026/11/24 10:00:01 [notice] 12#345: *6 signal process started";
        let levels = [
            "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "err", "warning",
            "ERROR", "noticex",
        ];
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for level in levels {
            let text = format!("2026/11/24 10:00:01 [{level}] 12#345: *6 x");
            cases.push(text.into_bytes());
        }
        // Every byte of the head changed to each separator, digit or letter in turn,
        // and every length.
        for i in 0..40 {
            for c in [
                b'/', b':', b' ', b'[', b']', b'#', b'0', b'7', b'a', b'\n', 0xff,
            ] {
                let mut l = line.to_vec();
                l[i] = c;
                cases.push(l);
            }
        }
        for n in 0..line.len() {
            cases.push(line[..n].to_vec());
        }
        for case in cases {
            assert_eq!(
                has_head_shape(&case),
                has_head_shape_bytewise(&case),
                "{}",
                String::from_utf8_lossy(&case)
            );
        }
        assert!(has_head_shape(line));
    }

    #[test]
    fn digit_runs_by_words_agree_with_bytes() {
        let bytewise = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
        for len in 0..12 {
            for at in 0..len {
                for c in 0..=255u8 {
                    let mut b = vec![b'5'; len];
                    b[at] = c;
                    assert_eq!(digit_run(&b), bytewise(&b), "{b:?}");
                }
            }
        }
    }

    /// The fast shape test agrees with the parser, overflow included.
    #[test]
    fn pid_tid_shape_agrees_with_pid_tid() {
        for case in [
            "1#1: x",
            "123#456: x",
            "#1: x",
            "1#: x",
            "1#1:x",
            "1#1",
            "12345678901234567890#1: x",
            "99999999999999999999#1: x",
            "1234567890123456789#1: x",
            "a#1: x",
            "12345678901234#1: x",
            "123456789012345#1: x",
            "1234567#12345678: x",
            "1234567#1234567: xxxxxxxx",
            "1#123456789012345678: x",
            "1#1:  xxxxxxxxxxxxxxxx",
            "1#1 : xxxxxxxxxxxxxxxx",
            "1#\u{e9}: xxxxxxxxxxxxxxxx",
            "12#34; xxxxxxxxxxxxxxxx",
            "1##1: xxxxxxxxxxxxxxxx",
        ] {
            let b = case.as_bytes();
            assert_eq!(pid_tid_shape(b, 0), pid_tid(b, 0).is_some(), "{case}");
        }
        // Every length of either number, each separator, short and long lines.
        for pid in 0..22 {
            for tid in 0..22 {
                for (hash, colon) in [("#", ": "), ("#", ":x"), ("x", ": "), ("#", " :")] {
                    for tail in ["", "x", "*1 connect() failed (111: Connection refused)"] {
                        let case =
                            format!("{}{hash}{}{colon}{tail}", "7".repeat(pid), "3".repeat(tid));
                        for at in [0, 3] {
                            let line = format!("{}{case}", "#".repeat(at));
                            let b = line.as_bytes();
                            assert_eq!(pid_tid_shape(b, at), pid_tid(b, at).is_some(), "{line}");
                        }
                    }
                }
            }
        }
    }

    use super::*;
    use crate::parse::record::field;

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    #[test]
    fn full_line_with_context() {
        let line = r#"2026/11/24 10:00:01 [error] 1234#1234: *56 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7, server: example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/", host: "example.com""#;
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
        assert_eq!(h.level, Some(Level::Error));
        assert!(line[h.message_at..].starts_with("connect() failed"));
        assert_eq!(field(&h.fields, "pid"), Some("1234"));
        assert_eq!(field(&h.fields, "connection"), Some("56"));
        assert_eq!(field(&h.fields, "client"), Some("203.0.113.7"));
        assert_eq!(field(&h.fields, "server"), Some("example.com"));
        assert_eq!(field(&h.fields, "request"), Some("GET / HTTP/1.1"));
        assert_eq!(field(&h.fields, "upstream"), Some("http://127.0.0.1:8080/"));
        assert_eq!(field(&h.fields, "host"), Some("example.com"));
    }

    #[test]
    fn crit_socket_line_and_no_connection() {
        let line = "2026/11/24 10:00:01 [notice] 1#1: signal process started";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.level, Some(Level::Notice));
        assert_eq!(&line[h.message_at..], "signal process started");
        let line = r#"2026/11/24 10:00:01 [crit] 9#9: *5 connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory) while connecting to upstream, client: 203.0.113.7, server: _, request: "GET /index.php HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.com""#;
        let h = head(line, &ctx()).unwrap();
        assert_eq!(h.level, Some(Level::Crit));
        assert_eq!(
            field(&h.fields, "upstream"),
            Some("fastcgi://unix:/run/php/php8.2-fpm.sock:")
        );
    }

    #[test]
    fn stderr_form_and_dateless_paste() {
        let h = head(
            "nginx: [emerg] unknown directive \"foo\" in /etc/nginx/nginx.conf:12",
            &ctx(),
        )
        .unwrap();
        assert_eq!(h.level, Some(Level::Emerg));
        assert!(h.time.is_none());
        let h = head(
            "[error] 3118#0: *1 connect() failed (111: Connection refused)",
            &ctx(),
        )
        .unwrap();
        assert!(h.time.is_none());
        assert_eq!(field(&h.fields, "pid"), Some("3118"));
    }

    #[test]
    fn zone_of_tz_applies() {
        let berlin = TimeCtx::new(crate::parse::Zone::parse("Europe/Berlin").unwrap(), None);
        let h = head("2026/11/24 11:00:01 [error] 1#1: x", &berlin).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-24T10:00:01Z");
    }

    #[test]
    fn damaged_lines_are_not_heads() {
        assert!(head("2026/11/24 10:00 [error] 1#1: short time", &ctx()).is_none());
        assert!(head("2026/11/24 10:00:01 [bogus] 1#1: x", &ctx()).is_none());
        assert!(head("2026/11/24 10:00:01 [error] x#1: x", &ctx()).is_none());
        assert!(head("Stack trace:", &ctx()).is_none());
        assert!(head("", &ctx()).is_none());
    }

    #[test]
    fn unquoted_value_before_a_key_after_a_multibyte_character() {
        // Found by fuzzing: the byte before `, host: ` was inside `\u{fffd}`.
        let line = "2026/11/24 10:00:01 [error] 1#1: *2 x, client: 1, request: \"GET / HTTP/2.0\u{fffd}, host: \"example.com\"";
        let h = head(line, &ctx()).unwrap();
        assert_eq!(field(&h.fields, "request"), Some("GET / HTTP/2.0\u{fffd}"));
        assert_eq!(field(&h.fields, "host"), Some("example.com"));
    }

    #[test]
    fn cut_line_keeps_what_is_there() {
        // nginx cuts entries at 2048 bytes: the closing quote may be gone.
        let line = r#"2026/11/24 10:00:01 [error] 1#1: *2 upstream timed out (110: Operation timed out) while reading response header from upstream, client: 203.0.113.9, server: example.com, request: "GET /slow HTTP/1.1", upstream: "http://10.0.0.2:80/sl"#;
        let h = head(line, &ctx()).unwrap();
        assert_eq!(field(&h.fields, "request"), Some("GET /slow HTTP/1.1"));
        assert_eq!(field(&h.fields, "upstream"), Some("http://10.0.0.2:80/sl"));
    }
}
