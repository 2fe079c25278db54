use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::DataType;

/// The JSON value of every Kafka record topicgate produces.
///
/// ```json
/// {"topic": "sensor_data", "data_type": "sensor",
///  "payload": {"sensor_id": "sensor_42", "temperature": 25.3},
///  "timestamp": "2026-11-27T10:15:00.123Z"}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub topic: String,
    pub data_type: DataType,
    pub payload: serde_json::Value,
    /// RFC 3339 in UTC with milliseconds.
    pub timestamp: String,
}

impl Envelope {
    pub fn new(topic: impl Into<String>, data_type: DataType, payload: serde_json::Value) -> Self {
        Self::at(topic, data_type, payload, Utc::now())
    }

    pub fn at(
        topic: impl Into<String>,
        data_type: DataType,
        payload: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            topic: topic.into(),
            data_type,
            payload,
            timestamp: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }

    /// The envelope as the JSON value serialising it gives (same keys, same
    /// order), moving the payload instead of copying it: what the producer
    /// checks against a schema before it writes the bytes.
    pub fn into_json(self) -> serde_json::Value {
        let mut object = serde_json::Map::with_capacity(4);
        object.insert("topic".into(), self.topic.into());
        object.insert("data_type".into(), self.data_type.as_str().into());
        object.insert("payload".into(), self.payload);
        object.insert("timestamp".into(), self.timestamp.into());
        serde_json::Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_the_wire_shape() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T10:15:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let envelope = Envelope::at(
            "sensor_data",
            DataType::Sensor,
            serde_json::json!({"sensor_id": "sensor_42"}),
            at,
        );
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "topic": "sensor_data",
                "data_type": "sensor",
                "payload": {"sensor_id": "sensor_42"},
                "timestamp": "2026-11-27T10:15:00.123Z"
            })
        );
        let back: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, envelope);
    }

    #[test]
    fn into_json_is_what_serialising_gives_byte_for_byte() {
        use strum::IntoEnumIterator;
        for data_type in DataType::iter() {
            let envelope = Envelope::new("t", data_type, serde_json::json!({"b": 1, "a": [2]}));
            let serialised = serde_json::to_vec(&envelope).unwrap();
            assert_eq!(
                serde_json::to_vec(&envelope.into_json()).unwrap(),
                serialised
            );
        }
    }
}
