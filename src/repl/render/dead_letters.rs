//! `dlq TOPIC [N]`: the newest dead letters of a topic. Every field comes
//! from Kafka, so each is shown made visible and bounded.

use std::fmt::Write as _;

use super::{DIM, HISTORY_RULE, Style, field};
use crate::actors::consumer::dlq_reader::DeadLetterView;

/// The dead letters of `topic`, oldest first, between rules.
pub fn dead_letters(style: Style, topic: &str, letters: &[DeadLetterView]) -> String {
    if letters.is_empty() {
        return style.notice(&format!("No dead letters for '{topic}'."));
    }
    let mut out = String::new();
    style.paint(
        &mut out,
        DIM,
        &format!(
            "{HISTORY_RULE} dead letters of '{topic}': the {} newest, oldest first {HISTORY_RULE}",
            letters.len()
        ),
    );
    out.push('\n');
    let known = |v: &Option<String>| v.as_deref().map_or("?".to_owned(), field);
    for letter in letters {
        let _ = writeln!(
            out,
            "[{}] {}[{}]@{} (schema {}, group {})",
            letter.offset,
            known(&letter.original_topic),
            known(&letter.original_partition),
            known(&letter.original_offset),
            letter.schema_id.as_deref().map_or("none".to_owned(), field),
            known(&letter.group),
        );
        let _ = writeln!(out, "  reason: {}", known(&letter.reason));
        let bytes = |b: &Option<Vec<u8>>| {
            b.as_deref()
                .map_or("(none)".to_owned(), |b| field(&String::from_utf8_lossy(b)))
        };
        let _ = writeln!(out, "  key:    {}", bytes(&letter.key));
        let _ = writeln!(out, "  value:  {}", bytes(&letter.value));
    }
    style.paint(
        &mut out,
        DIM,
        &format!("{HISTORY_RULE} end of dead letters of '{topic}' {HISTORY_RULE}"),
    );
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_letters_are_shown_harmless() {
        let attack = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m";
        let letter = DeadLetterView {
            partition: 0,
            offset: 3,
            timestamp: None,
            reason: Some(format!("not JSON {attack}")),
            original_topic: Some(format!("t{attack}")),
            original_partition: Some("0".into()),
            original_offset: Some("7".into()),
            schema_id: None,
            group: Some("g".into()),
            key: Some(attack.as_bytes().to_vec()),
            value: Some(format!("v {attack}").into_bytes()),
        };
        let shown = dead_letters(Style::PLAIN, "t", &[letter]);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(shown.contains("\\u001b]0;pwned"), "{shown}");
        assert!(shown.contains("t\\u001b]0;pwned"), "{shown}");
    }
}
