//! Makes log text safe for a terminal: every control character that came from a log
//! (ESC, BEL, C1 controls such as U+009B, other C0 but tab) is shown escaped (`\x1b`),
//! never written raw, so a log line can never drive the operator's terminal.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with control characters escaped; borrowed when there are none.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_dangerous(c) {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of `s`, a `…` marking a cut: a log line can run to many
/// megabytes, and a screen shows a few hundred characters.
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((at, _)) => Cow::Owned(format!("{}…", &s[..at])),
        None => Cow::Borrowed(s),
    }
}

/// `s` cut to `max` characters, then escaped for a terminal.
pub fn for_display(s: &str, max: usize) -> String {
    for_terminal(&cut(s, max)).into_owned()
}

fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\t')
        // Bidi overrides and isolates reorder what follows them on screen.
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        // Invisible direction marks, and separators some terminals treat as line breaks.
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_keeps_text() {
        assert_eq!(for_terminal("plain\ttext é"), "plain\ttext é");
        assert_eq!(for_terminal("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(for_terminal("c1\u{9b}31m"), "c1\\x9b31m");
        assert_eq!(for_terminal("line\nbreak\r"), "line\\x0abreak\\x0d");
        assert_eq!(for_terminal("\u{202e}evil"), "\\x202eevil");
        assert_eq!(for_terminal("a\u{2028}b\u{200f}"), "a\\x2028b\\x200f");
    }

    #[test]
    fn long_text_is_cut_before_it_is_escaped() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("ééééé", 3), "ééé…");
        assert_eq!(for_display("\x1b[2J and more", 4), "\\x1b[2J…");
        let huge = "x".repeat(1 << 20);
        assert_eq!(for_display(&huge, 100).chars().count(), 101);
    }
}
