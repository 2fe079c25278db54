//! The Kafka topic configs a request may set: a short whitelist, each key
//! with the values Kafka would take and an operator would want to allow.
//! Anything else is refused before it reaches the registry, so the
//! producer only ever hands Kafka what was checked here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::topic_request::FieldError;

/// `retention.ms`: -1 (keep forever) or one minute up to 365 days.
pub const RETENTION_MS: &str = "retention.ms";
/// `cleanup.policy`: `delete`, `compact` or `compact,delete`.
pub const CLEANUP_POLICY: &str = "cleanup.policy";
/// `max.message.bytes`: 1 KiB up to 8 MiB.
pub const MAX_MESSAGE_BYTES: &str = "max.message.bytes";

/// Shortest finite retention accepted: one minute.
pub const MIN_RETENTION_MS: i64 = 60_000;
/// Longest finite retention accepted: 365 days.
pub const MAX_RETENTION_MS: i64 = 31_536_000_000;
/// Smallest `max.message.bytes` accepted.
pub const MIN_MESSAGE_BYTES: i64 = 1024;
/// Largest `max.message.bytes` accepted.
pub const MAX_MESSAGE_BYTES_LIMIT: i64 = 8_388_608;
/// The `cleanup.policy` values accepted, as Kafka spells them.
pub const CLEANUP_POLICIES: [&str; 3] = ["delete", "compact", "compact,delete"];

/// Every key a request may set, in the order the dashboard shows them.
pub const CONFIG_KEYS: [&str; 3] = [RETENTION_MS, CLEANUP_POLICY, MAX_MESSAGE_BYTES];

/// The field name errors carry, so a client knows where to look.
const FIELD: &str = "configs";

/// Checked topic configs: whitelisted keys, values in range, each value in
/// the one spelling Kafka is given and the registry stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicConfigs(BTreeMap<&'static str, String>);

impl TopicConfigs {
    /// Checks a request's `configs` object. Values may be JSON numbers or
    /// strings; `null` for the whole object means none.
    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let entries = match raw {
            None | Some(Value::Null) => return Ok(Self::default()),
            Some(Value::Object(entries)) => entries,
            Some(_) => {
                return Err(FieldError::new(
                    FIELD,
                    "must be an object of Kafka topic configs",
                ));
            }
        };
        if entries.len() > CONFIG_KEYS.len() {
            return Err(FieldError::new(
                FIELD,
                format!(
                    "at most {} keys are allowed ({}), got {}",
                    CONFIG_KEYS.len(),
                    CONFIG_KEYS.join(", "),
                    entries.len()
                ),
            ));
        }
        let mut checked = BTreeMap::new();
        for (key, value) in entries {
            let (key, value) = check(key, value)?;
            checked.insert(key, value);
        }
        Ok(Self(checked))
    }

    /// Checks one key and its value as text (a form field, a stored row).
    pub fn check_text(key: &str, value: &str) -> Result<(&'static str, String), FieldError> {
        check(key, &Value::String(value.to_owned()))
    }

    /// Builds configs from pairs each checked by [`TopicConfigs::check_text`].
    pub fn from_checked(pairs: impl IntoIterator<Item = (&'static str, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    /// The configs as (key, value) pairs, keys in alphabetical order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(key, value)| (*key, value.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The configs as the API shows them: key to value, both text.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    }
}

/// Checks one entry; the error names the key and what it allows.
fn check(key: &str, value: &Value) -> Result<(&'static str, String), FieldError> {
    match key {
        RETENTION_MS => {
            let allowed = format!(
                "-1 (forever) or an integer from {MIN_RETENTION_MS} to {MAX_RETENTION_MS} \
                 (1 minute to 365 days)"
            );
            let ms = integer(key, value, &allowed)?;
            if ms == -1 || (MIN_RETENTION_MS..=MAX_RETENTION_MS).contains(&ms) {
                Ok((RETENTION_MS, ms.to_string()))
            } else {
                Err(out_of_range(key, &allowed, ms))
            }
        }
        MAX_MESSAGE_BYTES => {
            let allowed =
                format!("an integer from {MIN_MESSAGE_BYTES} to {MAX_MESSAGE_BYTES_LIMIT}");
            let bytes = integer(key, value, &allowed)?;
            if (MIN_MESSAGE_BYTES..=MAX_MESSAGE_BYTES_LIMIT).contains(&bytes) {
                Ok((MAX_MESSAGE_BYTES, bytes.to_string()))
            } else {
                Err(out_of_range(key, &allowed, bytes))
            }
        }
        CLEANUP_POLICY => {
            let allowed = format!("one of {}", CLEANUP_POLICIES.join(" | "));
            match value.as_str().map(str::trim) {
                Some(policy) if CLEANUP_POLICIES.contains(&policy) => {
                    Ok((CLEANUP_POLICY, policy.to_owned()))
                }
                _ => Err(FieldError::new(
                    FIELD,
                    format!("{key} must be {allowed}, got {}", shown(value)),
                )),
            }
        }
        _ => Err(FieldError::new(
            FIELD,
            format!(
                "unknown key '{}': allowed keys are {}",
                shown_key(key),
                CONFIG_KEYS.join(", ")
            ),
        )),
    }
}

/// A whole number given as a JSON integer or a string of digits.
fn integer(key: &str, value: &Value, allowed: &str) -> Result<i64, FieldError> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        FieldError::new(
            FIELD,
            format!("{key} must be {allowed}, got {}", shown(value)),
        )
    })
}

fn out_of_range(key: &str, allowed: &str, got: i64) -> FieldError {
    FieldError::new(FIELD, format!("{key} must be {allowed}, got {got}"))
}

/// Longest piece of a refused value or key echoed back in an error.
const SHOWN_LEN: usize = 40;

/// A refused value as an error shows it: short, and never a whole document.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::Object(_) => "an object".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        other => other.to_string(),
    };
    clip(&text)
}

fn shown_key(key: &str) -> String {
    clip(&key.escape_debug().to_string())
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(SHOWN_LEN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(raw: Value) -> Result<TopicConfigs, FieldError> {
        TopicConfigs::parse(Some(&raw))
    }

    fn pairs(configs: &TopicConfigs) -> Vec<(&'static str, &str)> {
        configs.iter().collect()
    }

    #[test]
    fn accepts_numbers_and_strings_and_stores_one_spelling() {
        let configs = parse(json!({
            "retention.ms": "86400000",
            "cleanup.policy": "compact,delete",
            "max.message.bytes": 1048576
        }))
        .unwrap();
        assert_eq!(
            pairs(&configs),
            [
                ("cleanup.policy", "compact,delete"),
                ("max.message.bytes", "1048576"),
                ("retention.ms", "86400000"),
            ]
        );
        assert_eq!(
            pairs(&parse(json!({"retention.ms": -1})).unwrap()),
            [("retention.ms", "-1")]
        );
        assert_eq!(
            pairs(&parse(json!({"retention.ms": " 60000 "})).unwrap()),
            [("retention.ms", "60000")]
        );
        assert!(TopicConfigs::parse(None).unwrap().is_empty());
        assert!(TopicConfigs::parse(Some(&Value::Null)).unwrap().is_empty());
        assert!(parse(json!({})).unwrap().is_empty());
    }

    #[test]
    fn bounds_are_inclusive() {
        for ok in [60_000_i64, 31_536_000_000] {
            assert!(parse(json!({"retention.ms": ok})).is_ok(), "{ok}");
        }
        for bad in [0_i64, -2, 59_999, 31_536_000_001] {
            let err = parse(json!({"retention.ms": bad})).unwrap_err();
            assert_eq!(err.field, "configs");
            assert!(err.rule.contains("retention.ms"), "{err}");
            assert!(err.rule.contains("31536000000"), "{err}");
        }
        for ok in [1024, 8_388_608] {
            assert!(parse(json!({"max.message.bytes": ok})).is_ok(), "{ok}");
        }
        for bad in [1023, 8_388_609] {
            let err = parse(json!({"max.message.bytes": bad})).unwrap_err();
            assert!(err.rule.contains("max.message.bytes"), "{err}");
            assert!(err.rule.contains("1024 to 8388608"), "{err}");
        }
    }

    #[test]
    fn refuses_wrong_types_unknown_keys_and_too_many_keys() {
        for bad in [
            json!({"retention.ms": 60000.5}),
            json!({"retention.ms": "1e5"}),
            json!({"retention.ms": true}),
            json!({"retention.ms": null}),
            json!({"retention.ms": [60000]}),
            json!({"max.message.bytes": "lots"}),
            json!({"cleanup.policy": 1}),
            json!({"cleanup.policy": "delete,compact,delete"}),
            json!({"cleanup.policy": "COMPACT"}),
        ] {
            let err = parse(bad.clone()).unwrap_err();
            let key = bad.as_object().unwrap().keys().next().unwrap().clone();
            assert!(err.rule.contains(&key), "{bad}: {err}");
            assert!(err.rule.contains("must be"), "{bad}: {err}");
        }
        let unknown = parse(json!({"min.insync.replicas": 2})).unwrap_err();
        assert!(unknown.rule.contains("min.insync.replicas"), "{unknown}");
        assert!(unknown.rule.contains("retention.ms"), "{unknown}");
        let too_many = parse(json!({
            "retention.ms": 60000, "cleanup.policy": "delete",
            "max.message.bytes": 2048, "segment.ms": 1
        }))
        .unwrap_err();
        assert!(too_many.rule.contains("at most 3"), "{too_many}");
        let not_an_object = parse(json!(["retention.ms", 60000])).unwrap_err();
        assert_eq!(not_an_object.field, "configs");
        let long_key = "k".repeat(10_000);
        let echoed = parse(json!({ long_key: 1 })).unwrap_err();
        assert!(echoed.rule.len() < 200, "{echoed}");
    }

    #[test]
    fn text_checks_match_json_checks() {
        assert_eq!(
            TopicConfigs::check_text("max.message.bytes", "2048").unwrap(),
            ("max.message.bytes", "2048".to_owned())
        );
        assert!(TopicConfigs::check_text("retention.ms", "10").is_err());
        let configs = TopicConfigs::from_checked([("cleanup.policy", "compact".to_owned())]);
        assert_eq!(
            configs.to_map(),
            BTreeMap::from([("cleanup.policy".to_owned(), "compact".to_owned())])
        );
    }
}
