//! A Kafka record as the message browser and the live tail show it: JSON
//! with its parts as text, every part bounded.

use rdkafka::Message;
use rdkafka::message::Headers;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::actors::consumer::record::Received;

/// Values longer than this are cut (and marked `truncated`): one record
/// must not make a page, or a stream's buffer, unbounded.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Keys and header values longer than this are cut.
const MAX_TEXT_BYTES: usize = 4 * 1024;
/// Headers shown per record; the rest are counted in `truncated`.
const MAX_HEADERS: usize = 64;

/// One record, read.
#[derive(Debug, Serialize)]
pub struct RecordView {
    pub partition: i32,
    pub offset: i64,
    /// The key as text (invalid UTF-8 shows as U+FFFD), cut.
    pub key: Option<String>,
    pub headers: Vec<HeaderView>,
    /// Kafka's timestamp, milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// The envelope as JSON when the value is a JSON document, else the
    /// value as text; always one line of JSON, so it fits an SSE `data:`.
    pub value: Box<RawValue>,
    /// Whether the value, the key, a header or the header list was cut.
    pub truncated: bool,
}

/// A record header, its value as text.
#[derive(Debug, Serialize)]
pub struct HeaderView {
    pub name: String,
    pub value: Option<String>,
}

impl RecordView {
    /// Reads `message`; never fails: what is not JSON is shown as text.
    pub fn read<M: Message>(message: &M) -> Self {
        let mut truncated = false;
        let key = message.key().map(|key| {
            let (text, cut) = lossy_prefix(key, MAX_TEXT_BYTES);
            truncated |= cut;
            text
        });
        let mut headers = Vec::new();
        if let Some(found) = message.headers() {
            truncated |= found.count() > MAX_HEADERS;
            for header in found.iter().take(MAX_HEADERS) {
                let value = header.value.map(|value| {
                    let (text, cut) = lossy_prefix(value, MAX_TEXT_BYTES);
                    truncated |= cut;
                    text
                });
                headers.push(HeaderView {
                    name: lossy_prefix(header.key.as_bytes(), MAX_TEXT_BYTES).0,
                    value,
                });
            }
        }
        let payload = message.payload();
        let value = match payload {
            None => raw_json("null".to_owned()),
            Some(bytes) if bytes.len() > MAX_VALUE_BYTES => {
                truncated = true;
                text_json(&lossy_prefix(bytes, MAX_VALUE_BYTES).0)
            }
            // The consumer's reading: an envelope as it came, another JSON
            // document as itself, anything else as text.
            Some(_) => {
                let received = Received::read(message);
                let json = match received.envelope_text() {
                    Some(envelope) => envelope.to_owned(),
                    None => received.payload.into_owned(),
                };
                one_line(json)
            }
        };
        RecordView {
            partition: message.partition(),
            offset: message.offset(),
            key,
            headers,
            timestamp: message.timestamp().to_millis(),
            value,
            truncated,
        }
    }
}

/// The first `max` bytes of `bytes` as text (lossy), cut on a character
/// boundary, and whether anything was cut.
fn lossy_prefix(bytes: &[u8], max: usize) -> (String, bool) {
    if bytes.len() <= max {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let mut text = String::from_utf8_lossy(&bytes[..max]).into_owned();
    // A character cut in half reads as one U+FFFD at the end; drop it.
    if text.ends_with('\u{fffd}') {
        text.pop();
    }
    (text, true)
}

/// JSON text kept as it is (already checked to be JSON).
fn raw_json(json: String) -> Box<RawValue> {
    RawValue::from_string(json).unwrap_or_else(|_| text_json("(unreadable value)"))
}

/// `text` as a JSON string.
fn text_json(text: &str) -> Box<RawValue> {
    let quoted = serde_json::Value::String(text.to_owned()).to_string();
    // A serialised string is always valid JSON.
    RawValue::from_string(quoted).unwrap_or_default()
}

/// JSON text on one line: whitespace between tokens may hold line breaks,
/// which would end an SSE `data:` line, so such text is written compact.
fn one_line(json: String) -> Box<RawValue> {
    if !json.contains(['\n', '\r']) {
        return raw_json(json);
    }
    match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(value) => raw_json(value.to_string()),
        // Deeper than serde_json parses into a tree: shown as text.
        Err(_) => text_json(&json),
    }
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::{Header, OwnedHeaders, OwnedMessage};

    use super::*;

    fn record(value: Option<Vec<u8>>, key: Option<Vec<u8>>) -> OwnedMessage {
        let headers = OwnedHeaders::new().insert(Header {
            key: "trace",
            value: Some(&b"a\xffb"[..]),
        });
        OwnedMessage::new(
            value,
            key,
            "t".into(),
            Timestamp::CreateTime(1_795_000_000_000),
            1,
            9,
            Some(headers),
        )
    }

    fn shown(message: &OwnedMessage) -> serde_json::Value {
        serde_json::to_value(RecordView::read(message)).unwrap()
    }

    #[test]
    fn json_values_are_json_and_others_text() {
        let pretty = b"{\n  \"a\": [1,\n 2]\n}".to_vec();
        let view = RecordView::read(&record(Some(pretty), Some(b"k\xff".to_vec())));
        assert_eq!(view.value.get(), r#"{"a":[1,2]}"#);
        assert_eq!(view.key.as_deref(), Some("k\u{fffd}"));
        assert_eq!(view.headers[0].value.as_deref(), Some("a\u{fffd}b"));
        assert!(!view.truncated);
        let text = shown(&record(Some(b"plain <b>text</b>".to_vec()), None));
        assert_eq!(text["value"], "plain <b>text</b>");
        assert_eq!(text["timestamp"], 1_795_000_000_000_i64);
        assert_eq!(text["key"], serde_json::Value::Null);
        assert_eq!(shown(&record(None, None))["value"], serde_json::Value::Null);
    }

    #[test]
    fn long_values_are_cut_on_a_character() {
        let long = "é".repeat(MAX_VALUE_BYTES);
        let view = RecordView::read(&record(Some(long.into_bytes()), None));
        assert!(view.truncated);
        let value: String = serde_json::from_str(view.value.get()).unwrap();
        assert!(value.len() <= MAX_VALUE_BYTES && value.chars().all(|c| c == 'é'));
    }
}
