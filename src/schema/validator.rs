//! Compiled schemas: checking a schema that arrived over HTTP, and records
//! against a schema.
//!
//! Compiling is the expensive part (regexes, `$ref` resolution), so each
//! schema is compiled once and kept by id in a [`SchemaCache`]; validating a
//! record then walks the compiled tree only.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use serde_json::Value;
use serde_json_borrow::Value as Borrowed;

use super::borrowed::BorrowedJson;
use super::builtin::DRAFT_2020_12;

/// Largest schema document accepted, as compact JSON.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;
/// Deepest nesting of objects and arrays accepted in a schema document.
pub const MAX_SCHEMA_DEPTH: usize = 32;
/// Longest violation text kept; the rest of a long value is cut off.
const MAX_VIOLATION_CHARS: usize = 300;

/// Why a schema document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("a schema must be a JSON object")]
    NotAnObject,
    #[error("the schema is {0} bytes; at most {MAX_SCHEMA_BYTES} are accepted")]
    TooLarge(usize),
    #[error("the schema nests deeper than {MAX_SCHEMA_DEPTH} levels")]
    TooDeep,
    #[error(
        "only JSON Schema draft 2020-12 is supported (\"$schema\": \"{DRAFT_2020_12}\"), not {0}"
    )]
    UnsupportedDraft(String),
    #[error("not a valid JSON Schema: {0}")]
    Invalid(String),
}

/// A schema compiled for validating records; cheap to share between
/// threads. It is compiled twice: for records the producer holds as
/// `serde_json::Value`s, and for record text the consumer reads (see
/// [`super::borrowed`]).
pub struct RecordSchema {
    validator: jsonschema::Validator,
    text: jsonschema::Validator<BorrowedJson>,
}

impl fmt::Debug for RecordSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordSchema")
    }
}

/// The first way a record breaks its schema: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the record, `/` for the record itself.
    pub path: String,
    /// What is wrong there, cut to a few hundred characters.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl RecordSchema {
    /// Compiles `schema` as draft 2020-12, with `format` asserted (a
    /// `date-time` must be one). Remote `$ref`s are never fetched: the crate
    /// is built without its HTTP and file resolvers, so such a schema fails
    /// here instead of making a service call out.
    pub fn compile(schema: &Value) -> Result<Self, SchemaError> {
        let invalid =
            |error: jsonschema::ValidationError<'_>| SchemaError::Invalid(cut(&error.to_string()));
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(schema)
            .map_err(invalid)?;
        let text = jsonschema::options_for::<BorrowedJson>()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(schema)
            .map_err(invalid)?;
        Ok(Self { validator, text })
    }

    /// `Ok` when `value` fits, else the first violation found.
    pub fn validate(&self, value: &Value) -> Result<(), Violation> {
        // `is_valid` stops at the first failure without building errors,
        // several times faster than collecting them; only a record that
        // fails pays for finding out where.
        if self.validator.is_valid(value) {
            return Ok(());
        }
        Err(first_violation(self.validator.iter_errors(value)))
    }

    /// Like [`RecordSchema::validate`] for a record's text, parsed as
    /// serde_json parses it but into a borrowed tree (see
    /// [`super::borrowed`]), several times cheaper than a `Value`.
    pub fn validate_text(&self, text: &str) -> Result<(), TextError> {
        let parsed: Borrowed<'_> = serde_json::from_str(text).map_err(TextError::NotJson)?;
        if self.text.is_valid(&parsed) {
            return Ok(());
        }
        Err(TextError::Violation(first_violation(
            self.text.iter_errors(&parsed),
        )))
    }
}

/// Why a record's text failed [`RecordSchema::validate_text`]; the text
/// is what a dead letter's reason says.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("{0}")]
    Violation(Violation),
}

/// The first of `errors`, which is never empty for a record that failed.
fn first_violation<'i>(
    mut errors: impl Iterator<Item = jsonschema::ValidationError<'i>>,
) -> Violation {
    match errors.next() {
        Some(error) => {
            let path = error.instance_path().to_string();
            Violation {
                path: if path.is_empty() { "/".into() } else { path },
                message: cut(&error.to_string()),
            }
        }
        // The two walks agree; should they ever not, the record is still
        // refused, since one of them found it wanting.
        None => Violation {
            path: "/".into(),
            message: "does not match the schema".into(),
        },
    }
}

/// Checks a schema that arrived from outside before anything keeps it: an
/// object within the size and depth limits, declaring draft 2020-12 or no
/// draft, valid against the draft's meta-schema, and compilable.
pub fn check_schema_document(schema: &Value) -> Result<(), SchemaError> {
    let Value::Object(map) = schema else {
        return Err(SchemaError::NotAnObject);
    };
    let size = serde_json::to_vec(schema).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_SCHEMA_BYTES {
        return Err(SchemaError::TooLarge(size));
    }
    if depth(schema) > MAX_SCHEMA_DEPTH {
        return Err(SchemaError::TooDeep);
    }
    match map.get("$schema") {
        None => {}
        Some(Value::String(draft)) if draft.trim_end_matches('#') == DRAFT_2020_12 => {}
        Some(other) => return Err(SchemaError::UnsupportedDraft(cut(&other.to_string()))),
    }
    jsonschema::draft202012::meta::validate(schema)
        .map_err(|error| SchemaError::Invalid(cut(&error.to_string())))?;
    RecordSchema::compile(schema).map(|_| ())
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_VIOLATION_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// Compiled schemas by registry id, shared by every clone. Ids are never
/// reused for another schema, so an entry never goes stale.
#[derive(Debug, Clone, Default)]
pub struct SchemaCache {
    schemas: Arc<RwLock<HashMap<i64, Arc<RecordSchema>>>>,
}

impl SchemaCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, id: i64) -> Option<Arc<RecordSchema>> {
        let schemas = self
            .schemas
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        schemas.get(&id).cloned()
    }

    /// Keeps `schema` under `id` and hands it back shared. A schema another
    /// thread cached meanwhile wins, so everyone validates with one copy.
    pub fn insert(&self, id: i64, schema: RecordSchema) -> Arc<RecordSchema> {
        let mut schemas = self
            .schemas
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        schemas
            .entry(id)
            .or_insert_with(|| Arc::new(schema))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schema_documents_are_checked_before_use() {
        assert_eq!(
            check_schema_document(&json!([1])),
            Err(SchemaError::NotAnObject)
        );
        assert!(check_schema_document(&json!({"type": "object"})).is_ok());
        assert!(
            check_schema_document(&json!({"$schema": DRAFT_2020_12, "type": "string"})).is_ok()
        );
        assert!(matches!(
            check_schema_document(&json!({"$schema": "http://json-schema.org/draft-07/schema#"})),
            Err(SchemaError::UnsupportedDraft(_))
        ));
        assert!(matches!(
            check_schema_document(&json!({"type": "no-such-type"})),
            Err(SchemaError::Invalid(_))
        ));
        assert!(matches!(
            check_schema_document(&json!({"type": "string", "pattern": "(unclosed"})),
            Err(SchemaError::Invalid(_))
        ));
    }

    #[test]
    fn remote_references_are_refused_not_fetched() {
        let schema = json!({"$ref": "http://127.0.0.1:9/elsewhere.json"});
        assert!(matches!(
            check_schema_document(&schema),
            Err(SchemaError::Invalid(_))
        ));
    }

    #[test]
    fn oversized_and_overdeep_schemas_are_refused() {
        let big = json!({"description": "x".repeat(MAX_SCHEMA_BYTES)});
        assert!(matches!(
            check_schema_document(&big),
            Err(SchemaError::TooLarge(_))
        ));
        let mut deep = json!({"type": "object"});
        for _ in 0..MAX_SCHEMA_DEPTH {
            deep = json!({"properties": {"a": deep}});
        }
        assert_eq!(check_schema_document(&deep), Err(SchemaError::TooDeep));
    }

    #[test]
    fn a_violation_names_the_place_and_stays_short() {
        let schema = RecordSchema::compile(&json!({
            "type": "object",
            "properties": {"a": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}
        }))
        .unwrap();
        assert!(schema.validate(&json!({"a": 1})).is_ok());
        let violation = schema
            .validate(&json!({"a": "x".repeat(5_000)}))
            .unwrap_err();
        assert_eq!(violation.path, "/a");
        assert!(violation.message.chars().count() <= MAX_VIOLATION_CHARS + 1);
        assert!(schema.validate(&json!({"at": "yesterday"})).is_err());
        assert_eq!(schema.validate(&json!(3)).unwrap_err().path, "/");
    }

    #[test]
    fn the_cache_keeps_one_compiled_copy_per_id() {
        let cache = SchemaCache::new();
        assert!(cache.get(1).is_none());
        let first = cache.insert(
            1,
            RecordSchema::compile(&json!({"type": "integer"})).unwrap(),
        );
        let second = cache.insert(
            1,
            RecordSchema::compile(&json!({"type": "string"})).unwrap(),
        );
        assert!(Arc::ptr_eq(&first, &second));
        assert!(cache.clone().get(1).unwrap().validate(&json!(5)).is_ok());
    }
}
