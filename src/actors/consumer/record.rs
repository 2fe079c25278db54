//! Reading a Kafka record as an envelope without copying it.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use rdkafka::Message;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::domain::DataType;
use crate::schema::unframe_confluent;

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
    /// The key when it is UTF-8.
    pub key: Option<&'a str>,
    /// The key as it came.
    pub raw_key: Option<&'a [u8]>,
    pub data_type: Cow<'a, str>,
    pub sent_at: Cow<'a, str>,
    /// The payload as JSON text.
    pub payload: Cow<'a, str>,
    /// The record's value when it is an envelope (valid UTF-8 and JSON).
    envelope: Option<&'a str>,
}

impl<'a> Received<'a> {
    /// Reads `message`; never fails, see [`Received`].
    pub fn read<M: Message>(message: &'a M) -> Self {
        let value = message.payload().unwrap_or_default();
        // A Confluent-framed value shows as the JSON it carries.
        let value = unframe_confluent(value).map_or(value, |(_, json)| json);
        let raw_key = message.key();
        let key = raw_key.and_then(|k| std::str::from_utf8(k).ok());
        let (topic, partition, offset) = (message.topic(), message.partition(), message.offset());
        // Checked as UTF-8 once, as a whole; parsing a `str` then skips the
        // check for each string in it.
        let envelope = std::str::from_utf8(value)
            .ok()
            .and_then(|text| Some((text, serde_json::from_str::<EnvelopeRef<'a>>(text).ok()?)));
        if let Some((text, envelope)) = envelope {
            return Received {
                topic,
                partition,
                offset,
                key,
                raw_key,
                data_type: envelope.data_type,
                sent_at: envelope.timestamp,
                payload: Cow::Borrowed(envelope.payload.get()),
                envelope: Some(text),
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
            raw_key,
            data_type: Cow::Borrowed(DataType::Generic.as_str()),
            sent_at: Cow::Owned(sent_at),
            payload: Cow::Owned(foreign_payload(value)),
            envelope: None,
        }
    }

    /// The record's value when it is an envelope, so the JSON output can
    /// pass it through as it came.
    pub fn envelope_text(&self) -> Option<&'a str> {
        self.envelope
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
    fn reads_envelopes_and_keeps_their_text() {
        let value = br#"{"topic":"sensor_data","data_type":"sensor","payload":{"t":1},"timestamp":"2026-11-27T10:15:00.123Z"}"#;
        let message = record(value);
        let received = Received::read(&message);
        assert_eq!((received.partition, received.offset), (2, 7));
        assert_eq!(received.key, Some("sensor_1"));
        assert_eq!(received.data_type, "sensor");
        assert_eq!(received.sent_at, "2026-11-27T10:15:00.123Z");
        assert_eq!(received.payload, r#"{"t":1}"#);
        assert_eq!(
            received.envelope_text().map(str::as_bytes),
            Some(&value[..])
        );
    }

    #[test]
    fn reads_foreign_values_as_generic_payloads() {
        for (value, payload) in [
            (&b"[1,2]"[..], "[1,2]"),
            (b"plain text", "\"plain text\""),
            // Invalid UTF-8 shows, lossy, with the replacement character.
            (b"bad \xff\xfe bytes", "\"bad \u{fffd}\u{fffd} bytes\""),
        ] {
            let message = record(value);
            let received = Received::read(&message);
            assert_eq!(received.data_type, DataType::Generic.as_str());
            assert_eq!(received.payload, payload);
            assert!(
                received.sent_at.starts_with("2026-"),
                "{}",
                received.sent_at
            );
            assert_eq!(received.envelope_text(), None);
        }
    }

    #[test]
    fn reads_envelopes_nested_deeper_than_the_parser_allows() {
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        let envelope = format!(
            r#"{{"topic":"t","data_type":"generic","payload":{deep},"timestamp":"2026-11-27T10:15:00.123Z"}}"#
        );
        let message = record(envelope.as_bytes());
        let received = Received::read(&message);
        assert_eq!(received.payload, deep);
        assert_eq!(received.envelope_text(), Some(envelope.as_str()));
    }
}
