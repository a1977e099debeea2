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

fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\t')
        // Bidi overrides and isolates reorder what follows them on screen.
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
    }
}
