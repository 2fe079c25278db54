use super::text::{TextKind, checked_text};
use super::{DataType, SchemaDocument, TopicConfigs, TopicName, TopicNamePolicy};
use crate::schema::ValueFormat;

/// Longest `created_by` accepted.
pub const MAX_CREATED_BY_LEN: usize = 100;
/// Longest description accepted.
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// Most partitions a topic may ask for.
pub const MAX_PARTITIONS: i64 = 1000;
/// Partitions when the request names none, as in the original system.
pub const DEFAULT_PARTITIONS: i32 = 3;
/// Replication factor when the request names none.
pub const DEFAULT_REPLICATION_FACTOR: i32 = 1;
/// `created_by` when the request names nobody.
pub const ANONYMOUS: &str = "anonymous";

/// A request for a new topic whose every field has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRequest {
    pub name: TopicName,
    pub partitions: i32,
    pub replication_factor: i32,
    pub data_type: DataType,
    pub created_by: String,
    pub description: String,
    /// Kafka topic configs to create it with; empty for the broker's defaults.
    pub configs: TopicConfigs,
    /// The value schema asked for, else the data type's built-in one.
    pub schema: SchemaDocument,
    /// How the producer frames the topic's records.
    pub value_format: ValueFormat,
}

/// A field that broke a rule; the message names both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {rule}")]
pub struct FieldError {
    pub field: &'static str,
    pub rule: String,
}

impl FieldError {
    pub fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self {
            field,
            rule: rule.into(),
        }
    }
}

/// The raw fields of a topic request, as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawTopicRequest<'a> {
    pub name: &'a str,
    pub partitions: Option<i64>,
    pub replication_factor: Option<i64>,
    pub data_type: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub description: Option<&'a str>,
    /// The `configs` object as sent, checked by [`TopicConfigs::parse`].
    pub configs: Option<&'a serde_json::Value>,
    /// The value schema as sent, checked by [`SchemaDocument::parse`].
    pub schema: Option<&'a serde_json::Value>,
    /// `json` or `confluent_json`; `json` when absent.
    pub value_format: Option<&'a str>,
}

impl TopicRequest {
    /// Checks every field; `max_replication_factor` is the cluster's size,
    /// `names` the installation's rules for topic names.
    pub fn parse(
        raw: RawTopicRequest<'_>,
        max_replication_factor: i32,
        names: &TopicNamePolicy,
    ) -> Result<Self, FieldError> {
        let name = names
            .parse_request(raw.name.trim())
            .map_err(|e| FieldError::new("name", e.to_string()))?;
        let partitions = bounded(
            "partitions",
            raw.partitions,
            DEFAULT_PARTITIONS,
            MAX_PARTITIONS,
        )?;
        let replication_factor = bounded(
            "replication_factor",
            raw.replication_factor,
            DEFAULT_REPLICATION_FACTOR,
            i64::from(max_replication_factor),
        )?;
        let data_type = match raw.data_type.map(str::trim).filter(|s| !s.is_empty()) {
            Some(given) => given
                .parse()
                .map_err(|e: String| FieldError::new("data_type", e))?,
            None => DataType::infer_from_name(name.as_str()),
        };
        let created_by = match raw.created_by.map(str::trim).filter(|s| !s.is_empty()) {
            Some(who) => checked_text("created_by", who, MAX_CREATED_BY_LEN, TextKind::Identifier)?,
            None => ANONYMOUS.to_owned(),
        };
        let description = checked_text(
            "description",
            raw.description.unwrap_or("").trim(),
            MAX_DESCRIPTION_LEN,
            TextKind::Prose,
        )?;
        let configs = TopicConfigs::parse(raw.configs)?;
        let schema = match raw.schema {
            Some(schema) => SchemaDocument::parse("schema", schema)?,
            None => SchemaDocument::builtin(data_type),
        };
        let value_format = match raw.value_format.map(str::trim).filter(|s| !s.is_empty()) {
            Some(given) => given.parse::<ValueFormat>().map_err(|_| {
                FieldError::new(
                    "value_format",
                    format!("unknown value format {given:?}; expected json or confluent_json"),
                )
            })?,
            None => ValueFormat::default(),
        };
        Ok(Self {
            name,
            partitions,
            replication_factor,
            data_type,
            created_by,
            description,
            configs,
            schema,
            value_format,
        })
    }
}

/// An optional reason for a change (a rejection, say): blank means none;
/// otherwise at most 1000 printable characters, like a description.
pub fn parse_reason(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => {
            checked_text("reason", reason, MAX_DESCRIPTION_LEN, TextKind::Prose).map(Some)
        }
        None => Ok(None),
    }
}

/// `value` when it lies in 1..=max, `default` when absent.
pub(super) fn bounded(
    field: &'static str,
    value: Option<i64>,
    default: i32,
    max: i64,
) -> Result<i32, FieldError> {
    let Some(value) = value else {
        return Ok(default);
    };
    if !(1..=max).contains(&value) {
        return Err(FieldError::new(
            field,
            format!("must be between 1 and {max}, got {value}"),
        ));
    }
    // In range 1..=max, and max fits in i32.
    Ok(value as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> TopicNamePolicy {
        TopicNamePolicy::default()
    }

    fn raw(name: &str) -> RawTopicRequest<'_> {
        RawTopicRequest {
            name,
            ..Default::default()
        }
    }

    #[test]
    fn fills_in_defaults() {
        let request = TopicRequest::parse(raw("sensor_data"), 3, &names()).unwrap();
        assert_eq!(request.partitions, 3);
        assert_eq!(request.replication_factor, 1);
        assert_eq!(request.data_type, DataType::Sensor);
        assert_eq!(request.created_by, "anonymous");
        assert_eq!(request.description, "");
    }

    #[test]
    fn names_the_broken_field() {
        let too_many = RawTopicRequest {
            partitions: Some(1001),
            ..raw("t")
        };
        let err = TopicRequest::parse(too_many, 3, &names()).unwrap_err();
        assert_eq!(err.field, "partitions");
        let replication = RawTopicRequest {
            replication_factor: Some(4),
            ..raw("t")
        };
        assert_eq!(
            TopicRequest::parse(replication, 3, &names())
                .unwrap_err()
                .field,
            "replication_factor"
        );
        let long = "x".repeat(1001);
        let description = RawTopicRequest {
            description: Some(&long),
            ..raw("t")
        };
        assert_eq!(
            TopicRequest::parse(description, 3, &names())
                .unwrap_err()
                .field,
            "description"
        );
        assert_eq!(
            TopicRequest::parse(raw("bad name"), 3, &names())
                .unwrap_err()
                .field,
            "name"
        );
        let internal = TopicRequest::parse(raw("__consumer_offsets"), 3, &names()).unwrap_err();
        assert_eq!(internal.field, "name");
        assert!(internal.rule.contains("reserved"), "{internal}");
        assert_eq!(parse_reason(Some("  ")), Ok(None));
        assert_eq!(parse_reason(Some(&long)).unwrap_err().field, "reason");
        assert_eq!(parse_reason(Some("dup\u{0}")).unwrap_err().field, "reason");
    }
}
