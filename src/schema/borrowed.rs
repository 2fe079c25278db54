//! Records as the validator reads them on the consumer's hot path: parsed
//! by serde_json into `serde_json_borrow`'s tree, whose strings borrow from
//! the record and whose objects are plain vectors of members.
//!
//! `serde_json::Value` (with `preserve_order`, which the REPL's printer
//! needs) gives every object an index map with a hashed key table and every
//! string its own allocation; on a record of a few hundred bytes that costs
//! several times what the schema walk does. The same parser fills this tree
//! instead, so what counts as JSON (and the 128-level nesting limit) is
//! unchanged; only the representation differs. `jsonschema` validates any
//! representation that implements its `json` traits, which this module
//! does.
//!
//! A name repeated in one object is kept twice. Lookups find its last
//! value, as serde_json, Python and JavaScript readers do; passes over all
//! members (`additionalProperties`, `patternProperties`, sizes) see every
//! copy, so each must fit.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use serde_json::Value;
use serde_json_borrow::{KeyStrType, ObjectAsVec, Value as Borrowed};

/// The record representation `jsonschema` validates on the consumer's hot
/// path; see the module documentation.
pub struct BorrowedJson;

impl Json for BorrowedJson {
    type Node<'a> = &'a Borrowed<'a>;
    type PreparedKey = String;
    type StringBuffer = Borrowed<'static>;

    /// Objects are vectors: a pass over the members beats more than a
    /// couple of linear lookups.
    const KEYS_PER_LOOKUP: usize = 2;
    /// A parsed tree owns its children; no node is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Borrowed<'static>,
        string: &str,
        f: impl FnOnce(Self::Node<'_>) -> T,
    ) -> T {
        *buffer = Borrowed::Str(Cow::Owned(string.to_owned()));
        f(buffer)
    }
}

/// A parsed number, readable as the validator asks.
#[derive(Clone, Copy)]
pub struct BorrowedNumber(serde_json_borrow::Number);

impl BorrowedNumber {
    fn to_serde(self) -> serde_json::Number {
        self.0.into()
    }
}

impl JsonNumber for BorrowedNumber {
    fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }

    fn as_i64(&self) -> Option<i64> {
        self.0.as_i64()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_serde().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(self.to_serde())
    }

    fn is_integer(&self) -> bool {
        match (self.0.as_u64(), self.0.as_i64(), self.0.as_f64()) {
            (Some(_), _, _) | (_, Some(_), _) => true,
            (None, None, Some(float)) => float.fract() == 0.0,
            (None, None, None) => false,
        }
    }

    fn is_written_as_integer(&self) -> bool {
        !self.0.is_f64()
    }
}

impl<'a> Node<'a, BorrowedJson> for &'a Borrowed<'a> {
    type Object = &'a ObjectAsVec<'a>;
    type Array = &'a [Borrowed<'a>];
    type Number = BorrowedNumber;

    fn as_object(&self) -> Option<&'a ObjectAsVec<'a>> {
        match self {
            Borrowed::Object(members) => Some(members),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Borrowed<'a>]> {
        match self {
            Borrowed::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Borrowed::Str(text) => Some(Cow::Borrowed(text.as_ref())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<BorrowedNumber> {
        match self {
            Borrowed::Number(number) => Some(BorrowedNumber(*number)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            Borrowed::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Borrowed::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            Borrowed::Null => JsonType::Null,
            Borrowed::Bool(_) => JsonType::Boolean,
            Borrowed::Number(_) => JsonType::Number,
            Borrowed::Str(_) => JsonType::String,
            Borrowed::Array(_) => JsonType::Array,
            Borrowed::Object(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        // `const` and `enum` of strings are the common case: compared in
        // place rather than through a built `Value`.
        match (self, expected) {
            (Borrowed::Str(text), Value::String(wanted)) => text.as_ref() == wanted,
            (Borrowed::Str(_), _) | (_, Value::String(_)) => false,
            _ => jsonschema::json::cmp::equal(&to_serde(self), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(to_serde(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<Borrowed<'a>>(*self) as usize
        ))
    }
}

/// The same value as a `serde_json::Value`, for error messages and the
/// validator's rare comparisons.
fn to_serde(value: &Borrowed<'_>) -> Value {
    Value::from(value)
}

/// Every member of an object, repeated names included, in order.
pub struct Members<'a>(std::slice::Iter<'a, (KeyStrType<'a>, Borrowed<'a>)>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Borrowed<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (&**name, value))
    }
}

impl<'a> Object<'a, BorrowedJson> for &'a ObjectAsVec<'a> {
    type Node = &'a Borrowed<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        ObjectAsVec::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Borrowed<'a>> {
        // The last of a repeated name, as other readers take it.
        self.as_vec()
            .iter()
            .rev()
            .find(|(name, _)| **name == **key)
            .map(|(_, value)| value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.as_vec().iter())
    }
}

impl<'a> Array<'a, BorrowedJson> for &'a [Borrowed<'a>] {
    type Node = &'a Borrowed<'a>;
    type ElementsIter = std::slice::Iter<'a, Borrowed<'a>>;

    fn len(&self) -> usize {
        <[Borrowed<'a>]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Borrowed<'a>> {
        (*self).iter()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::{RecordSchema, TextError};

    #[test]
    fn the_representation_keeps_the_validators_contract() {
        let text = jsonschema::json::conformance::document().to_string();
        let parsed: Borrowed<'_> = serde_json::from_str(&text).unwrap();
        jsonschema::json::conformance::assert_conformance::<BorrowedJson>(&&parsed);
    }

    /// The consumer's verdict on a record's text is the producer's on the
    /// same record as a `Value`, on the cases where representations differ.
    #[test]
    fn text_and_value_get_the_same_verdict() {
        let schema = RecordSchema::compile(&json!({
            "type": "object",
            "properties": {
                "n": {"type": "integer", "minimum": -5, "maximum": 18446744073709551615u64},
                "x": {"type": "number", "exclusiveMaximum": 1e3, "multipleOf": 0.5},
                "s": {"type": "string", "minLength": 2, "maxLength": 3},
                "e": {"enum": ["a", 1, null, [1, 2], {"k": true}]},
                "c": {"const": 2},
                "u": {"type": "array", "uniqueItems": true},
                "at": {"type": "string", "format": "date-time"}
            },
            "additionalProperties": false
        }))
        .unwrap();
        for record in [
            r#"{"n": 3}"#,
            r#"{"n": 3.0}"#,
            r#"{"n": 1e2}"#,
            r#"{"n": 3.5}"#,
            r#"{"n": -6}"#,
            r#"{"n": 18446744073709551615}"#,
            r#"{"n": 18446744073709551616}"#,
            r#"{"x": 999.5}"#,
            r#"{"x": 1000}"#,
            r#"{"x": 0.25}"#,
            r#"{"x": -0.0}"#,
            r#"{"s": "\u00e9\u00e9"}"#,
            r#"{"s": "🦀🦀🦀"}"#,
            r#"{"s": "🦀🦀🦀🦀"}"#,
            r#"{"s": "a"}"#,
            r#"{"e": "a"}"#,
            r#"{"e": 1.0}"#,
            r#"{"e": [1, 2]}"#,
            r#"{"e": [2, 1]}"#,
            r#"{"e": {"k": true}}"#,
            r#"{"e": "b"}"#,
            r#"{"c": 2.0}"#,
            r#"{"c": "2"}"#,
            r#"{"u": [1, 1.0]}"#,
            r#"{"u": [{"a": 1}, {"a": 2}]}"#,
            r#"{"at": "2026-11-28T06:00:00.123Z"}"#,
            r#"{"at": "yesterday"}"#,
            r#"{"other": 1}"#,
            r#"{"\u006e": 4}"#,
            r#"[]"#,
            r#""text""#,
        ] {
            let value: Value = serde_json::from_str(record).unwrap();
            let by_value = schema.validate(&value).map_err(|v| v.to_string());
            let by_text = schema.validate_text(record).map_err(|e| e.to_string());
            assert_eq!(by_text, by_value, "{record}");
        }
    }

    #[test]
    fn a_repeated_name_counts_by_its_last_value() {
        let schema = RecordSchema::compile(&json!({
            "type": "object",
            "properties": {"a": {"type": "integer"}},
            "required": ["a"]
        }))
        .unwrap();
        // Whether the validator looks names up or passes over the members
        // (it picks by the object's size), the value readers take, the
        // last, must fit.
        assert!(schema.validate_text(r#"{"a": 1, "a": 2}"#).is_ok());
        assert!(schema.validate_text(r#"{"a": 1, "a": "x"}"#).is_err());
        let many = r#"{"b": 0, "c": 0, "d": 0, "e": 0, "a": 1, "a": "x"}"#;
        assert!(schema.validate_text(many).is_err());
    }

    #[test]
    fn text_that_is_not_json_or_nests_too_deep_is_refused() {
        let schema = RecordSchema::compile(&json!({})).unwrap();
        for text in ["", "{", "{\"a\": 1} trailing", "nope", "{\"a\": NaN}"] {
            assert!(
                matches!(schema.validate_text(text), Err(TextError::NotJson(_))),
                "{text:?}"
            );
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            schema.validate_text(&deep),
            Err(TextError::NotJson(_))
        ));
    }
}
