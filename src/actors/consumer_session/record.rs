//! Reading a Kafka record as an envelope without copying it.

use std::borrow::Cow;
use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use rdkafka::Message;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::domain::DataType;

/// The parts of an envelope the consumer needs, borrowed from the record.
/// Strings are `Cow` because one with escapes cannot be borrowed.
#[derive(Deserialize)]
struct EnvelopeRef<'a> {
    #[serde(borrow)]
    data_type: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
}

/// One received record, read as an envelope. A record that is not an
/// envelope (another producer's) is shown as a `generic` one carrying the
/// record's value, stamped with the record's Kafka timestamp.
#[derive(Debug, Clone)]
pub struct Received<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a str>,
    pub data_type: Cow<'a, str>,
    pub sent_at: Cow<'a, str>,
    /// The payload as JSON text.
    pub payload: Cow<'a, str>,
    /// The record's value when it is an envelope on one line, so the JSON
    /// output can pass it through untouched.
    line: Option<&'a str>,
}

impl<'a> Received<'a> {
    /// Reads `message`; never fails, see [`Received`].
    pub fn read<M: Message>(message: &'a M) -> Self {
        let value = message.payload().unwrap_or_default();
        let key = message.key().and_then(|k| std::str::from_utf8(k).ok());
        let (topic, partition, offset) = (message.topic(), message.partition(), message.offset());
        if let Ok(envelope) = serde_json::from_slice::<EnvelopeRef<'a>>(value) {
            // from_slice succeeded, so the value is valid UTF-8.
            let text = std::str::from_utf8(value).ok();
            return Received {
                topic,
                partition,
                offset,
                key,
                data_type: envelope.data_type,
                sent_at: envelope.timestamp,
                payload: Cow::Borrowed(envelope.payload.get()),
                line: text.filter(|t| !t.contains('\n')),
            };
        }
        let sent_at = message
            .timestamp()
            .to_millis()
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .unwrap_or_else(Utc::now)
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        Received {
            topic,
            partition,
            offset,
            key,
            data_type: Cow::Borrowed(DataType::Generic.as_str()),
            sent_at: Cow::Owned(sent_at),
            payload: Cow::Owned(foreign_payload(value)),
            line: None,
        }
    }

    /// Writes the record as one envelope on one line (with the newline).
    pub fn write_json_line<W: Write>(&self, out: &mut W) -> io::Result<()> {
        match self.line {
            Some(line) => {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")
            }
            None => write_envelope_line(
                out,
                self.topic,
                &self.data_type,
                &self.payload,
                &self.sent_at,
            ),
        }
    }
}

/// Writes `{"topic":..,"data_type":..,"payload":..,"timestamp":..}` and a
/// newline; `payload` is JSON text, compacted when it spans lines.
pub fn write_envelope_line<W: Write>(
    out: &mut W,
    topic: &str,
    data_type: &str,
    payload: &str,
    timestamp: &str,
) -> io::Result<()> {
    out.write_all(b"{\"topic\":")?;
    serde_json::to_writer(&mut *out, topic)?;
    out.write_all(b",\"data_type\":")?;
    serde_json::to_writer(&mut *out, data_type)?;
    out.write_all(b",\"payload\":")?;
    out.write_all(one_line(payload).as_bytes())?;
    out.write_all(b",\"timestamp\":")?;
    serde_json::to_writer(&mut *out, timestamp)?;
    out.write_all(b"}\n")
}

/// JSON text on one line. Newlines inside JSON strings are escaped, so a raw
/// newline is always whitespace between tokens and compacting keeps the value.
fn one_line(json: &str) -> Cow<'_, str> {
    if !json.contains('\n') {
        return Cow::Borrowed(json);
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => Cow::Owned(value.to_string()),
        Err(_) => Cow::Owned(json.replace(['\n', '\r'], " ")),
    }
}

/// A non-envelope value as JSON text: itself when it is JSON, else a string.
fn foreign_payload(value: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<&RawValue>(value) {
        return json.get().to_owned();
    }
    serde_json::Value::String(String::from_utf8_lossy(value).into_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;
    use crate::domain::Envelope;

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

    #[test]
    fn passes_one_line_envelopes_through() {
        let value = br#"{"topic":"sensor_data","data_type":"sensor","payload":{"t":1},"timestamp":"2026-11-27T10:15:00.123Z"}"#;
        let message = record(value);
        let received = Received::read(&message);
        assert_eq!((received.partition, received.offset), (2, 7));
        assert_eq!(received.key, Some("sensor_1"));
        assert_eq!(received.data_type, "sensor");
        assert_eq!(received.payload, r#"{"t":1}"#);
        let mut out = Vec::new();
        received.write_json_line(&mut out).unwrap();
        assert_eq!(out, [&value[..], b"\n"].concat());
    }

    #[test]
    fn compacts_envelopes_that_span_lines() {
        let envelope = Envelope::new(
            "sensor_data",
            DataType::Sensor,
            serde_json::json!({"a": [1, 2]}),
        );
        let pretty = serde_json::to_vec_pretty(&envelope).unwrap();
        let message = record(&pretty);
        let mut out = Vec::new();
        Received::read(&message).write_json_line(&mut out).unwrap();
        assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 1);
        let back: Envelope = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, envelope);
    }

    #[test]
    fn wraps_foreign_values_as_generic_envelopes() {
        for value in [&b"plain text"[..], b"[1,2]"] {
            let message = record(value);
            let mut out = Vec::new();
            Received::read(&message).write_json_line(&mut out).unwrap();
            let back: Envelope = serde_json::from_slice(&out).unwrap();
            assert_eq!(back.data_type, DataType::Generic);
            assert_eq!(back.topic, "sensor_data");
            assert!(back.timestamp.starts_with("2026-"), "{}", back.timestamp);
        }
    }
}
