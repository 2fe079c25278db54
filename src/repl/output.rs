//! Sinks that write `tail`'s messages to a stream (stdout), and the JSON
//! lines that `tail --json` and `history --json` print.

use std::io::{self, Write};

use super::render::{self, Style};
use super::sanitize::json::{write_terminal_safe, write_value};
use crate::actors::consumer::pump::Sink;
use crate::actors::consumer::record::Received;

/// One JSON envelope per line (see [`write_json_line`]), or with
/// [`JsonLines::with_meta`] one envelope and its record's place per line
/// (see [`write_json_line_with_meta`]); the stream is flushed once per
/// batch, before the batch's offsets are stored.
pub struct JsonLines<W: Write> {
    out: W,
    meta: bool,
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W) -> Self {
        Self { out, meta: false }
    }

    /// Adds partition, offset and key to each line when `meta` is set.
    pub fn with_meta(self, meta: bool) -> Self {
        Self { meta, ..self }
    }
}

impl<W: Write> Sink for JsonLines<W> {
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()> {
        if self.meta {
            for message in batch {
                write_json_line_with_meta(&mut self.out, message)?;
            }
        } else {
            for message in batch {
                write_json_line(&mut self.out, message)?;
            }
        }
        self.out.flush()
    }

    fn notice(&mut self, text: &str) {
        notice_on_stderr(text);
    }
}

/// A line about the consumer itself, on stderr so stdout stays the
/// messages alone. It may quote the admin API or Kafka: made visible.
fn notice_on_stderr(text: &str) {
    eprintln!("topicgate-consumer: {}", super::sanitize::visible(text));
}

/// Messages as the REPL shows them.
pub struct Readable<W: Write> {
    out: W,
    style: Style,
    text: String,
}

impl<W: Write> Readable<W> {
    pub fn new(out: W, style: Style) -> Self {
        Self {
            out,
            style,
            text: String::new(),
        }
    }
}

impl<W: Write> Sink for Readable<W> {
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()> {
        for message in batch {
            self.text.clear();
            render::message(&mut self.text, self.style, message.into());
            self.out.write_all(self.text.as_bytes())?;
        }
        self.out.flush()
    }

    fn notice(&mut self, text: &str) {
        notice_on_stderr(text);
    }
}

/// Writes `message` as one envelope on one line, with the newline. An
/// envelope is passed through as it came, the same JSON value, with only
/// its control characters rewritten (see [`write_terminal_safe`]); another
/// value is wrapped in a `generic` envelope.
pub fn write_json_line<W: Write>(out: &mut W, message: &Received<'_>) -> io::Result<()> {
    match message.envelope_text() {
        Some(envelope) => {
            write_terminal_safe(out, envelope)?;
            out.write_all(b"\n")
        }
        None => write_envelope_line(
            out,
            message.topic,
            &message.data_type,
            &message.payload,
            &message.sent_at,
        ),
    }
}

/// Writes `{"topic":..,"data_type":..,"payload":..,"timestamp":..}` and a
/// newline, with no control characters; `payload` is JSON text.
pub fn write_envelope_line<W: Write>(
    out: &mut W,
    topic: &str,
    data_type: &str,
    payload: &str,
    timestamp: &str,
) -> io::Result<()> {
    write_envelope_fields(out, topic, data_type, payload, timestamp)?;
    out.write_all(b"}\n")
}

/// Writes `message` as an envelope with the record's place in Kafka:
/// `{"topic":..,"data_type":..,"payload":..,"timestamp":..,"partition":..,
/// "offset":..,"key":..}` and a newline. The key is untrusted text: JSON-
/// escaped, made valid UTF-8, `null` when the record has none.
pub fn write_json_line_with_meta<W: Write>(out: &mut W, message: &Received<'_>) -> io::Result<()> {
    write_envelope_fields(
        out,
        message.topic,
        &message.data_type,
        &message.payload,
        &message.sent_at,
    )?;
    write!(
        out,
        ",\"partition\":{},\"offset\":{},\"key\":",
        message.partition, message.offset
    )?;
    match message.raw_key {
        Some(key) => write_value(out, &String::from_utf8_lossy(key))?,
        None => out.write_all(b"null")?,
    }
    out.write_all(b"}\n")
}

/// An envelope's four fields, without the closing brace.
fn write_envelope_fields<W: Write>(
    out: &mut W,
    topic: &str,
    data_type: &str,
    payload: &str,
    timestamp: &str,
) -> io::Result<()> {
    out.write_all(b"{\"topic\":")?;
    write_value(out, topic)?;
    out.write_all(b",\"data_type\":")?;
    write_value(out, data_type)?;
    out.write_all(b",\"payload\":")?;
    write_terminal_safe(out, payload)?;
    out.write_all(b",\"timestamp\":")?;
    write_value(out, timestamp)
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;
    use crate::domain::{DataType, Envelope};
    use crate::repl::sanitize::is_control;

    fn record(value: &[u8]) -> OwnedMessage {
        OwnedMessage::new(
            Some(value.to_vec()),
            Some(b"sensor_1".to_vec()),
            "sensor_data".into(),
            Timestamp::CreateTime(1_795_000_000_000),
            2,
            7,
            None,
        )
    }

    fn json_line(value: &[u8]) -> String {
        let message = record(value);
        let mut out = Vec::new();
        write_json_line(&mut out, &Received::read(&message)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn passes_one_line_envelopes_through() {
        let value = r#"{"topic":"sensor_data","data_type":"sensor","payload":{"t":1},"timestamp":"2026-11-27T10:15:00.123Z"}"#;
        assert_eq!(json_line(value.as_bytes()), format!("{value}\n"));
    }

    #[test]
    fn puts_envelopes_that_span_lines_on_one() {
        let envelope = Envelope::new(
            "sensor_data",
            DataType::Sensor,
            serde_json::json!({"a": [1, 2]}),
        );
        let pretty = serde_json::to_vec_pretty(&envelope).unwrap();
        let out = json_line(&pretty);
        assert_eq!(out.matches('\n').count(), 1);
        assert!(out.ends_with('\n'));
        let back: Envelope = serde_json::from_str(&out).unwrap();
        assert_eq!(back, envelope);
    }

    #[test]
    fn wraps_foreign_values_as_generic_envelopes() {
        for value in [
            &b"plain text"[..],
            b"[1,2]",
            b"\x1b]0;x\x07\xc2\x9b\x7f\xff",
        ] {
            let out = json_line(value);
            assert!(!out.trim_end().chars().any(is_control), "{out:?}");
            let back: Envelope = serde_json::from_str(&out).unwrap();
            assert_eq!(back.data_type, DataType::Generic);
            assert_eq!(back.topic, "sensor_data");
            assert!(back.timestamp.starts_with("2026-"), "{}", back.timestamp);
        }
    }

    #[test]
    fn escapes_every_control_and_keeps_the_value() {
        let value = "{\"topic\":\"t\",\r\"data_type\":\"\u{9b}2J\",\"payload\":{\"s\":\"\\u001b]52;c;QUJD\\u0007\u{7f}\u{85}\"},\"timestamp\":\"x\"}";
        let out = json_line(value.as_bytes());
        assert!(!out.trim_end().chars().any(is_control), "{out:?}");
        assert!(out.contains("\\u009b2J"), "{out}");
        assert!(
            out.contains("\\u001b]52;c;QUJD\\u0007\\u007f\\u0085"),
            "{out}"
        );
        let before: serde_json::Value = serde_json::from_str(value).unwrap();
        let after: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(before, after);
    }
}
