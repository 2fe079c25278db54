//! Record schemas: what each topic's values must look like.
//!
//! Every topic has a JSON Schema (draft 2020-12), approved with the topic
//! and served by the admin service's Schema Registry-compatible API. The
//! producer validates each record before sending it; the consumer validates
//! each record it reads and sends those that fail to the topic's
//! dead-letter topic. This module holds what all roles share: the built-in
//! schemas, compiled validation, the wire marks and the dead-letter names.

pub mod borrowed;
pub mod builtin;
pub mod compatibility;
pub mod dlq;
pub mod validator;
pub mod wire;

pub use builtin::builtin_schema;
pub use compatibility::CompatibilityMode;
pub use dlq::{
    DLQ_GROUP_HEADER, DLQ_OFFSET_HEADER, DLQ_PARTITION_HEADER, DLQ_REASON_HEADER,
    DLQ_SCHEMA_ID_HEADER, DLQ_SUFFIX, DLQ_TOPIC_HEADER, MAX_TOPIC_NAME_LEN_WITH_DLQ,
    dlq_topic_name, is_dlq_name,
};
pub use validator::{
    RecordSchema, SchemaCache, SchemaError, TextError, Violation, check_schema_document,
};
pub use wire::{
    SCHEMA_ID_HEADER, ValueFormat, frame_confluent, schema_id_from_header, unframe_confluent,
};

/// The Schema Registry subject of a topic's record values (Confluent's
/// TopicNameStrategy).
pub fn value_subject(topic: &str) -> String {
    format!("{topic}-value")
}
