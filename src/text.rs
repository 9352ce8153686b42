//! Text from a model shown on a terminal: never raw control characters.
//!
//! Names, descriptions and sources are written by anyone who sends a model. An ANSI
//! escape (`\x1b[2J`), a NUL or a right-to-left override in them must not reach the
//! analyst's terminal as a command; it is shown visibly escaped (`\u{1b}`) instead.

use std::borrow::Cow;

/// Whether `c` would act on a terminal (or reorder text) rather than print as itself.
/// Newlines and tabs print as themselves and are left alone.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as `\u{…}`; borrowed when there is none.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().saturating_add(8));
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// Push `c`, escaped when unsafe.
pub fn push_visible(out: &mut String, c: char) {
    if is_unsafe(c) {
        out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_nul_are_shown_not_sent() {
        assert_eq!(visible("plain £ text\n\tok"), "plain £ text\n\tok");
        assert_eq!(visible("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(visible("nul\0here"), "nul\\u{0}here");
        assert_eq!(visible("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(visible("del\u{7f}\r"), "del\\u{7f}\\u{d}");
        assert_eq!(visible("c1\u{9b}2J"), "c1\\u{9b}2J");
    }
}
