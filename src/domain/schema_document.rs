//! A topic's value schema as the registry stores it: a checked JSON Schema
//! document, kept as canonical JSON text.

use serde_json::{Map, Value};

use super::{DataType, FieldError};
use crate::schema::{builtin_schema, check_schema_document};

/// A valid JSON Schema (draft 2020-12) within the limits, as canonical
/// JSON text: object keys sorted, no insignificant white space. Equal
/// schemas are equal strings, so "is this one registered?" is a string
/// comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDocument(String);

impl SchemaDocument {
    /// Checks a schema that arrived in a request (`field` names it in the
    /// error): a JSON object that `check_schema_document` accepts (which
    /// bounds its size and depth).
    pub fn parse(field: &'static str, schema: &Value) -> Result<Self, FieldError> {
        check_schema_document(schema).map_err(|e| FieldError::new(field, e.to_string()))?;
        Ok(Self(canonical_json(schema)))
    }

    /// The built-in schema of a data type: what the producer's records of
    /// that type look like.
    pub fn builtin(data_type: DataType) -> Self {
        Self(canonical_json(&builtin_schema(data_type)))
    }

    /// The canonical JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `value` as compact JSON with every object's keys in sorted order. The
/// crate keeps JSON objects in their written order (serde_json's
/// `preserve_order`), so the order is imposed here.
pub fn canonical_json(value: &Value) -> String {
    sorted(value).to_string()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(map.len());
            for key in keys {
                out.insert(key.clone(), sorted(&map[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_text_ignores_key_order_and_white_space() {
        let a: Value = serde_json::from_str(
            r#"{ "type": "object", "properties": {"b": {}, "a": {"type": "number"}} }"#,
        )
        .unwrap();
        let b = json!({"properties": {"a": {"type": "number"}, "b": {}}, "type": "object"});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(
            canonical_json(&a),
            r#"{"properties":{"a":{"type":"number"},"b":{}},"type":"object"}"#
        );
    }

    #[test]
    fn refuses_what_is_not_a_schema_object() {
        for bad in [json!("string"), json!([1]), json!(3)] {
            assert_eq!(
                SchemaDocument::parse("schema", &bad).unwrap_err().field,
                "schema"
            );
        }
        let huge = json!({"description": "x".repeat(crate::schema::validator::MAX_SCHEMA_BYTES)});
        let err = SchemaDocument::parse("schema", &huge).unwrap_err();
        assert!(err.rule.contains("at most"), "{err}");
        assert!(SchemaDocument::parse("schema", &json!({"type": "object"})).is_ok());
    }
}
