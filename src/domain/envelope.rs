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
}
