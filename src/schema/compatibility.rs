//! Whether a new schema version may follow the earlier ones.
//!
//! The modes are Confluent's. BACKWARD: consumers using the new schema can
//! read records written with the previous one, so every record the previous
//! schema accepts, the new one accepts too. FORWARD is the reverse, FULL
//! both, and the `_TRANSITIVE` modes check every earlier version instead of
//! the latest only.
//!
//! "Every record `writer` accepts, `reader` accepts" is decided keyword by
//! keyword, and conservatively: a keyword this module does not reason about
//! (`allOf`, `$ref`, `if`, `patternProperties`, ...) must be the same on both
//! sides, or the change is refused with a message saying it could not be
//! shown safe. A refused compatible change costs an admin a look; an
//! accepted incompatible one breaks every consumer of the topic.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How new versions of a subject must relate to the earlier ones.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityMode {
    /// Any change is allowed.
    None,
    /// The new schema reads what the latest one accepted.
    #[default]
    Backward,
    /// The new schema reads what every earlier one accepted.
    BackwardTransitive,
    /// The latest schema reads what the new one accepts.
    Forward,
    /// Every earlier schema reads what the new one accepts.
    ForwardTransitive,
    /// Backward and forward, with the latest.
    Full,
    /// Backward and forward, with every earlier version.
    FullTransitive,
}

impl CompatibilityMode {
    /// The spelling stored in the registry and used on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn transitive(self) -> bool {
        matches!(
            self,
            Self::BackwardTransitive | Self::ForwardTransitive | Self::FullTransitive
        )
    }

    fn backward(self) -> bool {
        matches!(
            self,
            Self::Backward | Self::BackwardTransitive | Self::Full | Self::FullTransitive
        )
    }

    fn forward(self) -> bool {
        matches!(
            self,
            Self::Forward | Self::ForwardTransitive | Self::Full | Self::FullTransitive
        )
    }
}

/// Checks `new` against the earlier versions (newest first) under `mode`.
/// `Err` lists, in plain words, each thing that breaks compatibility.
pub fn check(
    mode: CompatibilityMode,
    new: &Value,
    earlier_newest_first: &[Value],
) -> Result<(), Vec<String>> {
    let earlier = if mode.transitive() {
        earlier_newest_first
    } else {
        &earlier_newest_first[..earlier_newest_first.len().min(1)]
    };
    let mut problems = Vec::new();
    for (back, old) in earlier.iter().enumerate() {
        let which = match back {
            0 => "the latest version".to_owned(),
            n => format!("the version {n} before the latest"),
        };
        if mode.backward() {
            for problem in reads_all(new, old, "") {
                problems.push(format!(
                    "records valid under {which} would be refused: {problem}"
                ));
            }
        }
        if mode.forward() {
            for problem in reads_all(old, new, "") {
                problems.push(format!("{which} would refuse new records: {problem}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Keywords that only describe, never constrain.
const ANNOTATIONS: [&str; 11] = [
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$anchor",
];

/// Keywords [`reads_all`] reasons about; any other must be equal on both
/// sides.
const UNDERSTOOD: [&str; 21] = [
    "type",
    "enum",
    "const",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "pattern",
    "format",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "uniqueItems",
];

/// What keeps `reader` from accepting everything `writer` accepts, at
/// `path` (a JSON pointer into the records); empty when nothing does.
fn reads_all(reader: &Value, writer: &Value, path: &str) -> Vec<String> {
    let at = if path.is_empty() { "/" } else { path };
    match (reader, writer) {
        (Value::Bool(true), _) | (_, Value::Bool(false)) => Vec::new(),
        (Value::Bool(false), _) => vec![format!("{at} no longer accepts any value")],
        // A writer of `true` writes anything, as an empty schema does.
        (Value::Object(_), Value::Bool(true)) => {
            reads_all(reader, &Value::Object(Map::new()), path)
        }
        (Value::Object(r), Value::Object(w)) => object_reads_all(r, w, at, path),
        _ => vec![format!("{at} is not a schema")],
    }
}

fn object_reads_all(
    r: &Map<String, Value>,
    w: &Map<String, Value>,
    at: &str,
    path: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (keyword, value) in r {
        if ANNOTATIONS.contains(&keyword.as_str()) || UNDERSTOOD.contains(&keyword.as_str()) {
            continue;
        }
        if w.get(keyword) != Some(value) {
            problems.push(format!(
                "{at}: \"{keyword}\" was added or changed, and its effect cannot be shown safe"
            ));
        }
    }
    types(r, w, at, &mut problems);
    values(r, w, at, &mut problems);
    bounds(r, w, at, &mut problems);
    for keyword in ["pattern", "format"] {
        if let Some(wanted) = r.get(keyword)
            && w.get(keyword) != Some(wanted)
        {
            problems.push(format!("{at}: \"{keyword}\" {wanted} was added or changed"));
        }
    }
    if r.get("uniqueItems") == Some(&Value::Bool(true))
        && w.get("uniqueItems") != Some(&Value::Bool(true))
    {
        problems.push(format!("{at}: items must now be unique"));
    }
    if let Some(Value::Number(step)) = r.get("multipleOf") {
        let divides = match w.get("multipleOf") {
            Some(Value::Number(w_step)) => match (step.as_f64(), w_step.as_f64()) {
                (Some(r), Some(w)) => r > 0.0 && (w / r).fract() == 0.0,
                _ => false,
            },
            _ => false,
        };
        if !divides {
            problems.push(format!("{at}: \"multipleOf\" {step} was added or changed"));
        }
    }
    required(r, w, at, &mut problems);
    properties(r, w, path, at, &mut problems);
    if let Some(items) = r.get("items") {
        let writer_items = w.get("items").unwrap_or(&Value::Bool(true));
        problems.extend(reads_all(items, writer_items, &format!("{path}/items")));
    }
    problems
}

/// JSON types a schema allows; `None` when it does not say (any type).
fn type_set(schema: &Map<String, Value>) -> Option<Vec<&str>> {
    match schema.get("type")? {
        Value::String(one) => Some(vec![one.as_str()]),
        Value::Array(many) => Some(many.iter().filter_map(Value::as_str).collect()),
        _ => Some(Vec::new()),
    }
}

fn types(r: &Map<String, Value>, w: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let Some(reader) = type_set(r) else { return };
    // A writer held to an enum or const writes only those values' types.
    let writer: Vec<String> = match type_set(w) {
        Some(types) => types.into_iter().map(str::to_owned).collect(),
        None => match fixed_values(w) {
            Some(values) => values.iter().map(|v| json_type(v).to_owned()).collect(),
            None => {
                problems.push(format!(
                    "{at}: only {} allowed now, any type before",
                    reader.join(", ")
                ));
                return;
            }
        },
    };
    for t in writer {
        let accepted =
            reader.contains(&t.as_str()) || (t == "integer" && reader.contains(&"number"));
        if !accepted {
            problems.push(format!("{at}: type {t} is no longer allowed"));
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The only values a schema allows, when it lists them (`enum`, `const`).
fn fixed_values(schema: &Map<String, Value>) -> Option<Vec<&Value>> {
    if let Some(value) = schema.get("const") {
        return Some(vec![value]);
    }
    match schema.get("enum") {
        Some(Value::Array(values)) => Some(values.iter().collect()),
        _ => None,
    }
}

fn values(r: &Map<String, Value>, w: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let Some(allowed) = fixed_values(r) else {
        return;
    };
    match fixed_values(w) {
        None => problems.push(format!("{at}: values are now limited to a list")),
        Some(written) => {
            for value in written {
                if !allowed.contains(&value) {
                    problems.push(format!("{at}: value {value} is no longer allowed"));
                }
            }
        }
    }
}

/// Lower and upper bounds, each with the keywords that set it.
const BOUNDS: [(&str, &str, bool); 10] = [
    // (keyword, what it bounds, is a lower bound)
    ("minimum", "the value", true),
    ("exclusiveMinimum", "the value", true),
    ("maximum", "the value", false),
    ("exclusiveMaximum", "the value", false),
    ("minLength", "the length", true),
    ("maxLength", "the length", false),
    ("minItems", "the number of items", true),
    ("maxItems", "the number of items", false),
    ("minProperties", "the number of properties", true),
    ("maxProperties", "the number of properties", false),
];

fn bounds(r: &Map<String, Value>, w: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    for (keyword, what, lower) in BOUNDS {
        let Some(limit) = r.get(keyword).and_then(Value::as_f64) else {
            continue;
        };
        // The writer's own limit on the same side, by the same keyword or,
        // for numbers, its inclusive/exclusive twin.
        let same = [keyword];
        let twins: &[&str] = match keyword {
            "minimum" => &["minimum", "exclusiveMinimum"],
            "exclusiveMinimum" => &["exclusiveMinimum", "minimum"],
            "maximum" => &["maximum", "exclusiveMaximum"],
            "exclusiveMaximum" => &["exclusiveMaximum", "maximum"],
            _ => &same,
        };
        let exclusive = keyword.starts_with("exclusive");
        let within = twins.iter().any(|twin| {
            let Some(own) = w.get(*twin).and_then(Value::as_f64) else {
                return false;
            };
            let own_exclusive = twin.starts_with("exclusive");
            match (lower, exclusive && !own_exclusive) {
                (true, true) => own > limit,
                (true, false) => own >= limit,
                (false, true) => own < limit,
                (false, false) => own <= limit,
            }
        });
        // A writer held to fixed numbers needs no bound of its own.
        let fixed_fit = fixed_values(w).is_some_and(|values| {
            values.iter().all(|value| match value.as_f64() {
                Some(v) if what == "the value" => match (lower, exclusive) {
                    (true, true) => v > limit,
                    (true, false) => v >= limit,
                    (false, true) => v < limit,
                    (false, false) => v <= limit,
                },
                _ => false,
            })
        });
        if !within && !fixed_fit {
            problems.push(format!(
                "{at}: {what} is now held to \"{keyword}\": {limit}, which earlier records need not meet"
            ));
        }
    }
}

fn string_list(schema: &Map<String, Value>, keyword: &str) -> Vec<String> {
    match schema.get(keyword) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn required(r: &Map<String, Value>, w: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let written = string_list(w, "required");
    for name in string_list(r, "required") {
        if !written.contains(&name) {
            problems.push(format!("{at}: property \"{name}\" is now required"));
        }
    }
}

fn properties(
    r: &Map<String, Value>,
    w: &Map<String, Value>,
    path: &str,
    at: &str,
    problems: &mut Vec<String>,
) {
    let empty = Map::new();
    let r_props = r
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let w_props = w
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let open = Value::Bool(true);
    let r_rest = r.get("additionalProperties").unwrap_or(&open);
    let w_rest = w.get("additionalProperties").unwrap_or(&open);
    // Properties the reader names: the writer wrote them under its own
    // schema for them, or under its additionalProperties.
    for (name, reader) in r_props {
        let writer = w_props.get(name).unwrap_or(w_rest);
        problems.extend(reads_all(
            reader,
            writer,
            &format!("{path}/{}", escape(name)),
        ));
    }
    // Properties only the writer names fall under the reader's
    // additionalProperties.
    for (name, writer) in w_props {
        if !r_props.contains_key(name) {
            problems.extend(reads_all(
                r_rest,
                writer,
                &format!("{path}/{}", escape(name)),
            ));
        }
    }
    // Any other property the writer allows meets the reader's rest too.
    if r_rest != &open {
        for problem in reads_all(r_rest, w_rest, &format!("{path}/*")) {
            problems.push(format!(
                "{at}: other properties are limited now ({problem})"
            ));
        }
    }
}

/// A property name as a JSON pointer token.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::DataType;
    use crate::schema::builtin_schema;

    fn backward(new: Value, old: Value) -> Result<(), Vec<String>> {
        check(CompatibilityMode::Backward, &new, &[old])
    }

    fn person() -> Value {
        json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 50},
                "age": {"type": "integer", "minimum": 0}
            }
        })
    }

    #[test]
    fn an_unchanged_or_relaxed_schema_is_backward_compatible() {
        assert_eq!(backward(person(), person()), Ok(()));
        let relaxed = json!({
            "type": "object",
            "title": "a person",
            "properties": {
                "name": {"type": ["string", "null"], "maxLength": 80},
                "age": {"type": "number"}
            }
        });
        assert_eq!(backward(relaxed, person()), Ok(()));
        // As in Confluent's registry: in a closed object a new optional
        // property is safe, since no earlier record can carry it...
        let mut closed = person();
        closed["additionalProperties"] = json!(false);
        let mut grown = closed.clone();
        grown["properties"]["nickname"] = json!({"type": "string"});
        assert_eq!(backward(grown, closed), Ok(()));
        // ...while in an open one, earlier records may carry it as anything.
        let mut typed = person();
        typed["properties"]["nickname"] = json!({"type": "string"});
        assert!(backward(typed, person()).is_err());
        for data_type in [DataType::Sensor, DataType::Payments, DataType::Logs] {
            let schema = builtin_schema(data_type);
            assert_eq!(backward(schema.clone(), schema), Ok(()), "{data_type}");
        }
    }

    #[test]
    fn tightening_changes_are_named() {
        let mut stricter = person();
        stricter["required"] = json!(["name", "age"]);
        stricter["properties"]["name"]["maxLength"] = json!(20);
        stricter["properties"]["age"]["type"] = json!("string");
        let problems = backward(stricter, person()).unwrap_err();
        let text = problems.join("\n");
        assert!(text.contains("property \"age\" is now required"), "{text}");
        assert!(text.contains("/name: the length"), "{text}");
        assert!(
            text.contains("/age: type integer is no longer allowed"),
            "{text}"
        );
        assert_eq!(problems.len(), 3, "{text}");
    }

    #[test]
    fn closing_an_object_or_narrowing_an_enum_breaks_old_records() {
        let mut closed = person();
        closed["additionalProperties"] = json!(false);
        assert!(backward(closed, person()).is_err());
        let colours = json!({"enum": ["red", "green", "blue"]});
        assert!(backward(json!({"enum": ["red", "green"]}), colours.clone()).is_err());
        assert_eq!(
            backward(json!({"enum": ["red", "green", "blue", "cyan"]}), colours),
            Ok(())
        );
    }

    #[test]
    fn keywords_beyond_the_checker_must_stay_as_they_were() {
        let with_any_of = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(backward(with_any_of.clone(), with_any_of.clone()), Ok(()));
        let other = json!({"anyOf": [{"type": "string"}]});
        let problems = backward(other, with_any_of).unwrap_err();
        assert!(problems[0].contains("cannot be shown safe"), "{problems:?}");
    }

    #[test]
    fn forward_full_and_transitive_modes_look_the_right_way() {
        let old = person();
        let latest = std::slice::from_ref(&old);
        let mut added_required = person();
        added_required["required"] = json!(["name", "age"]);
        // Old readers accept records that always carry age: forward holds.
        assert_eq!(
            check(CompatibilityMode::Forward, &added_required, latest),
            Ok(())
        );
        assert!(check(CompatibilityMode::Full, &added_required, latest).is_err());
        assert_eq!(
            check(CompatibilityMode::None, &json!({"type": "null"}), latest),
            Ok(())
        );
        // Transitive modes look past the latest version.
        let oldest = json!({"type": "object", "properties": {"age": {"type": "string"}}});
        let versions = [old.clone(), oldest];
        assert_eq!(check(CompatibilityMode::Backward, &old, &versions), Ok(()));
        assert!(check(CompatibilityMode::BackwardTransitive, &old, &versions).is_err());
    }

    #[test]
    fn modes_spell_like_confluent() {
        assert_eq!(CompatibilityMode::default().as_str(), "BACKWARD");
        assert_eq!(
            "FULL_TRANSITIVE".parse::<CompatibilityMode>(),
            Ok(CompatibilityMode::FullTransitive)
        );
        assert_eq!(
            serde_json::to_value(CompatibilityMode::None).unwrap(),
            json!("NONE")
        );
        assert!("SIDEWAYS".parse::<CompatibilityMode>().is_err());
    }
}
