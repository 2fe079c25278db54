//! Making untrusted text safe to show on a terminal.
//!
//! Everything that reaches the consumer from Kafka, the message store or the
//! admin API may carry control characters that a terminal obeys rather than
//! shows: ESC starts sequences that retitle the window, write the clipboard
//! (OSC 52) or clear the screen; U+009B is a one-character CSI for terminals
//! that read C1 controls. Every field shown to a person goes through
//! [`push_visible`], which writes those characters as visible escapes
//! (`\u001b`); the layout (newlines, indentation, colour) is added by the
//! renderer around the fields.

pub mod json;

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a terminal could take `c` as a control rather than text: the C0
/// controls (U+0000–U+001F, ESC and BEL among them), DEL, and the C1
/// controls (U+0080–U+009F, U+009B CSI among them).
pub fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')
}

/// Whether `text` can be printed as it is.
pub fn is_visible(text: &str) -> bool {
    // Every control is below 0x20, is 0x7f, or starts with the byte 0xc2 in
    // UTF-8; a byte scan is enough to find none.
    !text.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) || !text.chars().any(is_control)
}

/// Appends `text` with every control written as an escape: `\n`, `\r`, `\t`,
/// else `\u00XX`, as JSON writes them.
pub fn push_visible(out: &mut String, text: &str) {
    if is_visible(text) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_control(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// `text` with every control written as an escape (see [`push_visible`]).
pub fn visible(text: &str) -> Cow<'_, str> {
    if is_visible(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    push_visible(&mut out, text);
    Cow::Owned(out)
}

/// Appends at most `limit` bytes of `text` (cut at a character boundary),
/// made visible, and a note of how many bytes were left out.
pub fn push_visible_bounded(out: &mut String, text: &str, limit: usize) {
    let shown = head(text, limit);
    push_visible(out, shown);
    if shown.len() < text.len() {
        let _ = write!(out, "… ({} more bytes not shown)", text.len() - shown.len());
    }
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a
/// character boundary.
pub fn head(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        let hostile = "a\x1b]0;owned\x07b\x1b[2J\u{9b}?1049h\x7f\r\n\tz";
        let shown = visible(hostile);
        assert_eq!(
            shown,
            "a\\u001b]0;owned\\u0007b\\u001b[2J\\u009b?1049h\\u007f\\r\\n\\tz"
        );
        assert!(!shown.chars().any(is_control));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in [
            "sensor_data",
            "température 25 °C",
            "\u{a0}non-breaking",
            "日本語",
        ] {
            assert!(matches!(visible(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn every_c0_c1_and_del_is_a_control() {
        let controls: Vec<u32> = (0..0x110000)
            .filter_map(char::from_u32)
            .filter(|c| is_control(*c))
            .map(u32::from)
            .collect();
        let expected: Vec<u32> = (0..0x20).chain([0x7f]).chain(0x80..0xa0).collect();
        assert_eq!(controls, expected);
    }

    #[test]
    fn bounded_text_is_cut_on_a_character_boundary_with_a_note() {
        let mut out = String::new();
        push_visible_bounded(&mut out, "ééé\x1b", 3);
        assert_eq!(out, "é… (5 more bytes not shown)");
        let mut out = String::new();
        push_visible_bounded(&mut out, "short\x1b", 100);
        assert_eq!(out, "short\\u001b");
    }
}
