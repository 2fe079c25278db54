//! Rules for free text that people type: identifiers (`created_by`,
//! `user_id`) and prose (descriptions, reasons).
//!
//! Identifiers are shown next to each other in tables and logs and compared
//! by people, so characters that are invisible or that reorder the text
//! around them would let one name pass for another (or hide a line in a
//! log). Prose may span lines, so it keeps newline and tab.

use super::FieldError;

/// What a piece of text is, and so which characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A name a person or team goes by: no control, bidi or zero-width characters.
    Identifier,
    /// Free prose: no control characters except newline and tab.
    Prose,
}

/// Checks `value` (already trimmed) against `kind` and a length limit.
pub fn checked_text(
    field: &'static str,
    value: &str,
    max: usize,
    kind: TextKind,
) -> Result<String, FieldError> {
    let len = value.chars().count();
    if len > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters, got {len}"),
        ));
    }
    if let Some(bad) = value.chars().find(|&c| refused(kind, c)) {
        return Err(FieldError::new(
            field,
            format!(
                "must not contain {} (found U+{:04X})",
                describe(bad),
                bad as u32
            ),
        ));
    }
    Ok(value.to_owned())
}

/// Makes text from a machine we do not control (Kafka's error messages)
/// safe to store and show: line breaks, tabs and other control characters
/// become spaces, bidi and zero-width characters are dropped, runs of
/// spaces shrink to one, and more than `max` characters end in `…`. Unlike
/// [`checked_text`] it never refuses: the message is still worth keeping.
pub fn readable_text(value: &str, max: usize) -> String {
    let mut clean = String::with_capacity(value.len());
    for c in value.chars() {
        if is_bidi_control(c) || is_zero_width(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            if !clean.is_empty() && !clean.ends_with(' ') {
                clean.push(' ');
            }
        } else {
            clean.push(c);
        }
    }
    let clean = clean.trim_end();
    if clean.chars().count() <= max {
        return clean.to_owned();
    }
    let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn refused(kind: TextKind, c: char) -> bool {
    match kind {
        TextKind::Identifier => c.is_control() || is_bidi_control(c) || is_zero_width(c),
        TextKind::Prose => c.is_control() && c != '\n' && c != '\t',
    }
}

fn describe(c: char) -> &'static str {
    if c.is_control() {
        "control characters"
    } else if is_bidi_control(c) {
        "bidirectional control characters"
    } else {
        "zero-width characters"
    }
}

/// Unicode's `Bidi_Control` property: marks, embeddings, overrides and
/// isolates that change the display order of the text around them.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Characters that take no space: zero-width space, (non-)joiners, word
/// joiner, the byte-order mark and the Mongolian vowel separator.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{180E}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_refuse_invisible_and_reordering_characters() {
        for bad in [
            "a\u{0}b",
            "a\nb",
            "a\tb",
            "a\u{7F}",
            "a\u{85}",
            "\u{202E}gpj",
            "a\u{200B}b",
            "\u{2066}x",
            "\u{FEFF}x",
            "a\u{200D}b",
        ] {
            let err = checked_text("user_id", bad, 100, TextKind::Identifier).unwrap_err();
            assert_eq!(err.field, "user_id", "{bad:?}");
        }
        assert_eq!(
            checked_text("user_id", "Zoë-team_1 (ops)", 100, TextKind::Identifier).unwrap(),
            "Zoë-team_1 (ops)"
        );
    }

    #[test]
    fn readable_text_flattens_controls_and_caps_the_length() {
        assert_eq!(
            readable_text(
                "  broker\r\n\tsaid:\u{1B}[31m no \u{202E}way\u{200B}  ",
                100
            ),
            "broker said: [31m no way"
        );
        assert_eq!(readable_text("abcdef", 6), "abcdef");
        assert_eq!(readable_text("abcdefg", 6), "abcde…");
        assert_eq!(readable_text("abcdefg", 6).chars().count(), 6);
        assert_eq!(readable_text("ééééééé", 3), "éé…");
        assert_eq!(readable_text("\u{0}\u{7}", 10), "");
    }

    #[test]
    fn prose_keeps_newline_and_tab_only() {
        assert!(checked_text("description", "a\n\tb", 10, TextKind::Prose).is_ok());
        for bad in ["a\rb", "a\u{1B}[31m", "a\u{7F}", "a\u{9B}"] {
            assert!(checked_text("description", bad, 10, TextKind::Prose).is_err());
        }
    }
}
