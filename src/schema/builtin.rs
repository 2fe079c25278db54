//! The JSON Schema of what each built-in generator emits.
//!
//! A topic requested without a schema gets the one of its data type, so
//! every topic has a schema from its first record. Each describes the whole
//! record value (the [`Envelope`](crate::domain::Envelope)), with bounds
//! that match the payload makers' own limits: a generated record outside
//! them is a bug, and the producer refuses to send it.

use serde_json::{Value, json};

use crate::domain::{DataType, MAX_TOPIC_NAME_LEN};

/// The `$schema` every built-in schema declares.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of a record of `data_type`: the envelope around that type's
/// payload.
pub fn builtin_schema(data_type: DataType) -> Value {
    json!({
        "$schema": DRAFT_2020_12,
        "title": format!("topicgate {} record", data_type.as_str()),
        "type": "object",
        "required": ["topic", "data_type", "payload", "timestamp"],
        "properties": {
            "topic": {"type": "string", "minLength": 1, "maxLength": MAX_TOPIC_NAME_LEN},
            "data_type": {"const": data_type.as_str()},
            "payload": payload_schema(data_type),
            "timestamp": {"type": "string", "format": "date-time"},
        },
    })
}

fn payload_schema(data_type: DataType) -> Value {
    let (required, properties) = match data_type {
        DataType::Sensor => (
            vec!["sensor_id", "temperature", "humidity", "pressure", "seq"],
            json!({
                "sensor_id": {"type": "string", "pattern": "^sensor_[0-9]+$"},
                "temperature": number(-30.0, 60.0),
                "humidity": number(0.0, 100.0),
                "pressure": number(950.0, 1060.0),
            }),
        ),
        DataType::Weather => (
            vec!["city", "temperature", "condition", "wind", "seq"],
            json!({
                "city": {"type": "string", "minLength": 1},
                "temperature": number(-40.0, 55.0),
                "condition": {"enum": [
                    "sunny", "partly_cloudy", "cloudy", "rainy", "stormy", "foggy", "snowy"
                ]},
                "wind": number(0.0, 150.0),
            }),
        ),
        DataType::Payments => (
            vec![
                "transaction_id",
                "customer_id",
                "amount",
                "currency",
                "method",
                "status",
                "seq",
            ],
            json!({
                "transaction_id": {"type": "string", "pattern": "^txn_[0-9a-f]{16}$"},
                "customer_id": {"type": "string", "pattern": "^cust_[0-9]+$"},
                "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 20000},
                "currency": {"enum": ["USD", "EUR", "GBP", "JPY", "CAD", "AUD"]},
                "method": {"enum": [
                    "credit_card", "debit_card", "paypal", "apple_pay", "google_pay",
                    "bank_transfer"
                ]},
                "status": {"enum": ["completed", "pending", "failed"]},
            }),
        ),
        DataType::UserActivity => (
            vec!["user_id", "action", "page", "duration", "seq"],
            json!({
                "user_id": {"type": "string", "pattern": "^user_[0-9]+$"},
                "action": {"enum": [
                    "login", "logout", "page_view", "search", "click", "add_to_cart", "purchase"
                ]},
                "page": {"type": "string", "pattern": "^/"},
                "duration": number(0.0, 3600.0),
            }),
        ),
        DataType::Logs => (
            vec!["service", "level", "message", "response_time_ms", "seq"],
            json!({
                "service": {"type": "string", "minLength": 1},
                "level": {"enum": ["DEBUG", "INFO", "WARN", "ERROR"]},
                "message": {"type": "string"},
                "response_time_ms": {"type": "integer", "minimum": 0},
            }),
        ),
        DataType::Stock => (
            vec!["symbol", "price", "volume", "change_percent", "seq"],
            json!({
                "symbol": {"type": "string", "pattern": "^[A-Z]{1,5}$"},
                "price": {"type": "number", "exclusiveMinimum": 0},
                "volume": {"type": "integer", "minimum": 0},
                "change_percent": {"type": "number"},
            }),
        ),
        DataType::Generic => (
            vec!["id", "source", "value", "category", "seq"],
            json!({
                "id": {"type": "string", "minLength": 1},
                "source": {"type": "string", "minLength": 1},
                "value": number(0.0, 100.0),
                "category": {"enum": ["alpha", "beta", "gamma", "delta"]},
            }),
        ),
    };
    let mut properties = properties;
    if let Some(map) = properties.as_object_mut() {
        // Every generator numbers its records, so consumers can spot gaps.
        map.insert("seq".into(), json!({"type": "integer", "minimum": 0}));
    }
    json!({"type": "object", "required": required, "properties": properties})
}

fn number(minimum: f64, maximum: f64) -> Value {
    json!({"type": "number", "minimum": minimum, "maximum": maximum})
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use strum::IntoEnumIterator;

    use super::*;
    use crate::actors::producer::payloads::PayloadMaker;
    use crate::domain::Envelope;
    use crate::schema::RecordSchema;

    #[test]
    fn every_generated_record_fits_its_types_schema() {
        let mut rng = SmallRng::seed_from_u64(7);
        for data_type in DataType::iter() {
            let schema = RecordSchema::compile(&builtin_schema(data_type)).unwrap();
            let mut maker = PayloadMaker::new(data_type, &mut rng).unwrap();
            for seq in 0..5_000 {
                let payload = maker.make(&mut rng, seq);
                let envelope = Envelope::new("t", data_type, payload.value);
                let value = serde_json::to_value(&envelope).unwrap();
                if let Err(violation) = schema.validate(&value) {
                    panic!("{data_type} record {seq} breaks its schema: {violation}\n{value}");
                }
                // The consumer checks the record's text: the same verdict.
                if let Err(error) = schema.validate_text(&value.to_string()) {
                    panic!("{data_type} record {seq} as text: {error}\n{value}");
                }
            }
        }
    }

    #[test]
    fn a_record_of_another_type_or_shape_is_refused() {
        let sensor = RecordSchema::compile(&builtin_schema(DataType::Sensor)).unwrap();
        let weather = serde_json::to_value(Envelope::new(
            "t",
            DataType::Weather,
            json!({"city": "Oslo", "temperature": 3.0, "condition": "foggy", "wind": 4.0, "seq": 1}),
        ))
        .unwrap();
        assert!(sensor.validate(&weather).is_err());
        let hot = serde_json::to_value(Envelope::new(
            "t",
            DataType::Sensor,
            json!({"sensor_id": "sensor_1", "temperature": "hot", "humidity": 40.0,
                   "pressure": 1000.0, "seq": 1}),
        ))
        .unwrap();
        let violation = sensor.validate(&hot).unwrap_err().to_string();
        assert!(violation.contains("/payload/temperature"), "{violation}");
        let as_text = sensor.validate_text(&hot.to_string()).unwrap_err();
        assert_eq!(as_text.to_string(), violation);
        assert!(sensor.validate_text(&weather.to_string()).is_err());
    }
}
