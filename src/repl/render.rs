//! How the consumer shows things: messages, tables, statistics, replies.
//! Colour (ANSI, as `anstyle` styles) only when asked for; by default
//! `anstream` decides from stdout and the environment (a terminal,
//! `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`, `TERM`). Every field that comes
//! from Kafka, the store or the admin API is shown through [`sanitize`]
//! before a style wraps it, so only our own styles reach the terminal.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Effects, Style as Look};
use chrono::{DateTime, Utc};

mod dead_letters;

pub use dead_letters::dead_letters;

use super::pretty_json;
use super::sanitize;
use crate::actors::consumer::record::Received;
use crate::actors::consumer::session::StatsReport;
use crate::api::{ActiveTopic, SubscriptionView};
use crate::config::ColorChoice;
use crate::store::StoredMessage;

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

const BOLD: Look = Look::new().effects(Effects::BOLD);
const DIM: Look = Look::new().effects(Effects::DIMMED);
const RED: Look = AnsiColor::Red.on_default();
const GREEN: Look = AnsiColor::Green.on_default();
const YELLOW: Look = AnsiColor::Yellow.on_default();
const CYAN: Look = AnsiColor::Cyan.on_default();
const TOPIC: Look = AnsiColor::Cyan.on_default().effects(Effects::BOLD);

impl Style {
    pub const PLAIN: Style = Style { colour: false };
    pub const COLOUR: Style = Style { colour: true };

    /// Colour when `choice` says so; `auto` asks `anstream` about stdout:
    /// a terminal that takes colour, unless `NO_COLOR` or `CLICOLOR=0` say
    /// otherwise, or any stream when `CLICOLOR_FORCE` is set.
    pub fn for_stdout(choice: ColorChoice) -> Style {
        let colour = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        };
        Style { colour }
    }

    /// Appends `text`, made visible, in `look` when colouring. The text is
    /// sanitized first, so the only escapes written are the style's own.
    fn paint(self, out: &mut String, look: Look, text: &str) {
        if self.colour {
            let _ = write!(out, "{look}");
            sanitize::push_visible(out, text);
            let _ = write!(out, "{look:#}");
        } else {
            sanitize::push_visible(out, text);
        }
    }

    fn painted(self, look: Look, text: &str) -> String {
        let mut out = String::new();
        self.paint(&mut out, look, text);
        out
    }

    /// A success line.
    pub fn done(self, text: &str) -> String {
        self.painted(GREEN, text) + "\n"
    }

    /// A failure line.
    pub fn problem(self, text: &str) -> String {
        self.painted(RED, text) + "\n"
    }

    /// A line about the consumer itself.
    pub fn notice(self, text: &str) -> String {
        self.painted(YELLOW, text) + "\n"
    }
}

/// The fields of a message that are shown, from Kafka or from the store.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a str>,
    pub data_type: &'a str,
    pub sent_at: &'a str,
    pub payload: &'a str,
}

impl<'a> From<&'a Received<'a>> for Shown<'a> {
    fn from(m: &'a Received<'a>) -> Self {
        Shown {
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            key: m.key,
            data_type: &m.data_type,
            sent_at: &m.sent_at,
            payload: &m.payload,
        }
    }
}

impl<'a> From<&'a StoredMessage> for Shown<'a> {
    fn from(m: &'a StoredMessage) -> Self {
        Shown {
            topic: &m.topic,
            partition: m.kafka_partition,
            offset: m.kafka_offset,
            key: m.message_key.as_deref(),
            data_type: &m.data_type,
            sent_at: &m.sent_at,
            payload: &m.payload,
        }
    }
}

const RULE: &str = "------------------------------------------------------------";

/// Bytes shown of one field of a message (topic, type, time, key); a
/// record's fields are as untrusted as its payload, and as bounded.
pub const MAX_FIELD: usize = 1024;

/// Appends one message: topic, data type, timestamp, partition and offset,
/// then the payload as indented JSON, each field made visible and bounded.
pub fn message(out: &mut String, style: Style, m: Shown<'_>) {
    style.paint(out, DIM, RULE);
    out.push('\n');
    out.push_str("Topic: ");
    style.paint(out, TOPIC, &field(m.topic));
    out.push_str("  Type: ");
    style.paint(out, YELLOW, &field(m.data_type));
    out.push_str("\nTime: ");
    out.push_str(&field(m.sent_at));
    out.push('\n');
    let mut position = format!("Partition: {}  Offset: {}", m.partition, m.offset);
    if let Some(key) = m.key {
        let _ = write!(position, "  Key: {}", field(key));
    }
    style.paint(out, DIM, &position);
    out.push('\n');
    pretty_json::push_payload(out, m.payload);
    out.push('\n');
}

/// `text` made visible and cut to [`MAX_FIELD`] bytes, with a note.
fn field(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_FIELD) + 16);
    sanitize::push_visible_bounded(&mut out, text, MAX_FIELD);
    out
}

/// The numbered menu of the original consumer, and the typed commands.
pub fn menu(style: Style, user: &str) -> String {
    let mut out = String::new();
    style.paint(
        &mut out,
        BOLD,
        &format!("=== topicgate consumer: {user} ==="),
    );
    out.push_str(
        "\n  1. View Available Topics        topics\
         \n  2. View My Subscriptions        subs\
         \n  3. Subscribe to Topic           subscribe TOPIC\
         \n  4. Unsubscribe from Topic       unsubscribe TOPIC\
         \n  5. Start/Restart Consumer       start\
         \n  6. Stop Consumer                stop\
         \n  7. Show Statistics              stats\
         \n     Show stored messages         history TOPIC [N]\
         \n     Show dead letters            dlq TOPIC [N]\
         \n  0. Exit                         exit\
         \nEnter a number or a command; Tab completes commands and topic names.\n",
    );
    out
}

/// The active topics as a table.
pub fn topics(style: Style, topics: &[ActiveTopic]) -> String {
    if topics.is_empty() {
        return style.notice("No active topics yet.");
    }
    let mut out = String::new();
    style.paint(
        &mut out,
        BOLD,
        &format!("Active topics ({}):", topics.len()),
    );
    out.push('\n');
    let names: Vec<String> = topics.iter().map(|t| field(&t.topic_name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (t, name) in topics.iter().zip(&names) {
        let _ = write!(out, "  ");
        style.paint(&mut out, CYAN, &format!("{name:width$}"));
        let _ = write!(
            out,
            "  {:<13} {} partition(s)",
            t.data_type.as_str(),
            t.partitions
        );
        if !t.description.is_empty() {
            let _ = write!(out, "  {}", field(&t.description));
        }
        out.push('\n');
    }
    out
}

/// The user's subscriptions as a table.
pub fn subscriptions(style: Style, user: &str, subs: &[SubscriptionView]) -> String {
    if subs.is_empty() {
        return style.notice(&format!(
            "{user} has no subscriptions. Subscribe with 3 or `subscribe TOPIC`."
        ));
    }
    let mut out = String::new();
    style.paint(
        &mut out,
        BOLD,
        &format!("Subscriptions of {user} ({}):", subs.len()),
    );
    out.push('\n');
    let names: Vec<String> = subs.iter().map(|s| field(&s.topic_name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (s, name) in subs.iter().zip(&names) {
        out.push_str("  ");
        style.paint(&mut out, CYAN, &format!("{name:width$}"));
        let _ = writeln!(
            out,
            "  since {}  ({})",
            s.subscribed_at.format("%Y-%m-%d %H:%M:%S UTC"),
            field(s.status.as_str())
        );
    }
    out
}

/// The statistics report.
pub fn stats(style: Style, report: &StatsReport, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    style.paint(
        &mut out,
        BOLD,
        &format!("Statistics for {} (group {}):", report.user, report.group),
    );
    out.push('\n');
    match report.running_since {
        Some(since) => {
            out.push_str("  Consumer:      ");
            style.paint(&mut out, GREEN, "running");
            let _ = writeln!(out, " since {} ({} ago)", clock(since), ago(since, now));
        }
        None => {
            out.push_str("  Consumer:      ");
            style.paint(&mut out, YELLOW, "stopped");
            out.push('\n');
        }
    }
    let topics = if report.topics.is_empty() {
        "none".to_owned()
    } else {
        field(&report.topics.join(", "))
    };
    let _ = writeln!(out, "  Topics:        {topics}");
    let c = &report.counters;
    let _ = writeln!(out, "  Messages:      {} processed", c.total);
    for (topic, n) in &c.per_topic {
        let _ = writeln!(out, "    {}: {n}", field(topic));
    }
    if !c.dead_letters.is_empty() {
        let total: u64 = c.dead_letters.iter().map(|(_, n)| n).sum();
        let _ = writeln!(
            out,
            "  Dead letters:  {total} (not JSON, or breaking the schema)"
        );
        for (topic, n) in &c.dead_letters {
            let _ = writeln!(out, "    {}: {n}", field(topic));
        }
    }
    let _ = writeln!(out, "  Rate:          {:.1} msg/s (last 10 s)", c.rate);
    match c.last_message_at {
        Some(at) => {
            let _ = writeln!(out, "  Last message:  {} ({} ago)", clock(at), ago(at, now));
        }
        None => out.push_str("  Last message:  none yet\n"),
    }
    if !report.lag.is_empty() {
        out.push_str("  Lag:\n");
        for p in &report.lag {
            let known = |v: Option<i64>| v.map_or("?".to_owned(), |v| v.to_string());
            let _ = writeln!(
                out,
                "    {}[{}]: {} behind (at {}, end {})",
                field(&p.topic),
                p.partition,
                known(p.lag()),
                known(p.position),
                known(p.high_watermark)
            );
        }
    } else if report.running_since.is_some() {
        out.push_str("  Lag:           no partitions assigned yet\n");
    }
    if let Some((at, error)) = &report.last_error {
        out.push_str("  Last Kafka error: ");
        style.paint(&mut out, RED, &field(error));
        let recovered = c.last_message_at.is_some_and(|last| last > *at);
        let since = if recovered {
            "; messages have arrived since"
        } else {
            ""
        };
        let _ = writeln!(out, " ({} ago{since})", ago(*at, now));
    }
    out
}

/// Stored messages of one topic, oldest first.
pub fn history(style: Style, topic: &str, messages: &[StoredMessage]) -> String {
    if messages.is_empty() {
        return style.notice(&format!("No stored messages for '{topic}'."));
    }
    // Rules above and below set stored messages apart from live ones,
    // which keep arriving on the same screen.
    let mut out = String::new();
    style.paint(
        &mut out,
        DIM,
        &format!(
            "{HISTORY_RULE} history of '{topic}': the {} newest stored message(s), oldest first {HISTORY_RULE}",
            messages.len()
        ),
    );
    out.push('\n');
    for m in messages {
        message(&mut out, style, m.into());
    }
    style.paint(
        &mut out,
        DIM,
        &format!("{HISTORY_RULE} end of history of '{topic}' {HISTORY_RULE}"),
    );
    out.push('\n');
    out
}

/// The rule around `history` output.
const HISTORY_RULE: &str = "────────";

fn clock(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_messages_carry_every_field_and_no_escapes() {
        let mut out = String::new();
        message(
            &mut out,
            Style::PLAIN,
            Shown {
                topic: "sensor_data",
                partition: 1,
                offset: 42,
                key: Some("sensor_7"),
                data_type: "sensor",
                sent_at: "2026-11-27T10:15:00.123Z",
                payload: r#"{"sensor_id":"sensor_7","temperature":25.3}"#,
            },
        );
        for part in [
            "Topic: sensor_data",
            "Type: sensor",
            "Time: 2026-11-27T10:15:00.123Z",
            "Partition: 1  Offset: 42  Key: sensor_7",
            "{\n  \"sensor_id\": \"sensor_7\",\n  \"temperature\": 25.3\n}",
        ] {
            assert!(out.contains(part), "{part:?} missing from:\n{out}");
        }
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn hostile_fields_show_as_escapes_and_are_bounded() {
        let hostile = "\x1b]0;owned\x07\x1b]52;c;QUJD\x07\x1b[2J\x1b[?1049h\u{9b}31m\x7f\r\n";
        let long_key = "k".repeat(10 * MAX_FIELD);
        let payload = serde_json::to_string(&serde_json::json!({ hostile: hostile })).unwrap();
        let mut out = String::new();
        message(
            &mut out,
            Style::PLAIN,
            Shown {
                topic: hostile,
                partition: 0,
                offset: 1,
                key: Some(&long_key),
                data_type: hostile,
                sent_at: hostile,
                payload: &payload,
            },
        );
        let controls: Vec<char> = out
            .chars()
            .filter(|c| sanitize::is_control(*c) && *c != '\n')
            .collect();
        assert!(controls.is_empty(), "{controls:?} in {out}");
        assert!(out.contains("Topic: \\u001b]0;owned\\u0007"), "{out}");
        assert!(out.contains("\\u009b31m\\u007f\\r\\n"), "{out}");
        assert!(out.contains(&format!("… ({} more bytes not shown)", 9 * MAX_FIELD)));
        assert!(out.len() < 3 * MAX_FIELD, "{}", out.len());
    }

    #[test]
    fn colour_wraps_in_ansi_codes() {
        assert_eq!(Style::COLOUR.done("ok"), "\x1b[32mok\x1b[0m\n");
        assert_eq!(Style::PLAIN.done("ok"), "ok\n");
    }

    #[test]
    fn colour_wraps_escapes_from_data_only_as_visible_text() {
        assert_eq!(
            Style::COLOUR.problem("\x1b[2Jbad\u{9b}31m"),
            "\x1b[31m\\u001b[2Jbad\\u009b31m\x1b[0m\n"
        );
    }
}
