//! Wire types of the Schema Registry-compatible API under
//! `/schema-registry`, spelled as Confluent's clients expect them.

use serde::{Deserialize, Serialize};

/// The one schema type topicgate serves.
pub const SCHEMA_TYPE_JSON: &str = "JSON";

fn json_schema_type() -> String {
    SCHEMA_TYPE_JSON.to_owned()
}

/// One version of a subject: `GET /subjects/{subject}/versions/{version}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredSchema {
    pub subject: String,
    pub version: i32,
    pub id: i64,
    /// The schema as JSON text, as Confluent sends it.
    pub schema: String,
    #[serde(rename = "schemaType", default = "json_schema_type")]
    pub schema_type: String,
}

/// A schema by id: `GET /schemas/ids/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaText {
    pub schema: String,
    #[serde(rename = "schemaType", default = "json_schema_type")]
    pub schema_type: String,
}

/// Where a schema id is used: `GET /schemas/ids/{id}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectVersion {
    pub subject: String,
    pub version: i32,
}
