//! The Create Topic form's optional Kafka config inputs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{CLEANUP_POLICY, MAX_MESSAGE_BYTES, RETENTION_MS};

/// Longest value kept in a refused form's draft: any valid value is far
/// shorter.
const MAX_KEPT_CHARS: usize = 32;

/// The form's config inputs, as typed; blank means the broker's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFields {
    #[serde(default)]
    pub retention_ms: String,
    #[serde(default)]
    pub cleanup_policy: String,
    #[serde(default)]
    pub max_message_bytes: String,
}

impl ConfigFields {
    /// Each input with its form name, for the oversized-field check.
    pub fn named(&self) -> [(&'static str, &str); 3] {
        [
            ("retention_ms", &self.retention_ms),
            ("cleanup_policy", &self.cleanup_policy),
            ("max_message_bytes", &self.max_message_bytes),
        ]
    }

    /// The filled-in inputs as the API's `configs` object, to be checked
    /// exactly as an API request's are; `None` when all are blank.
    pub fn to_json(&self) -> Option<Value> {
        let entries: Map<String, Value> = [
            (RETENTION_MS, &self.retention_ms),
            (CLEANUP_POLICY, &self.cleanup_policy),
            (MAX_MESSAGE_BYTES, &self.max_message_bytes),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(key, value)| (key.to_owned(), Value::String(value.trim().to_owned())))
        .collect();
        (!entries.is_empty()).then_some(Value::Object(entries))
    }

    /// The inputs cut to a length no valid value reaches, for the draft.
    pub fn bounded(self) -> Self {
        let cut = |text: String| text.chars().take(MAX_KEPT_CHARS).collect();
        Self {
            retention_ms: cut(self.retention_ms),
            cleanup_policy: cut(self.cleanup_policy),
            max_message_bytes: cut(self.max_message_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_inputs_are_left_out() {
        assert_eq!(ConfigFields::default().to_json(), None);
        let fields = ConfigFields {
            retention_ms: " 60000 ".into(),
            cleanup_policy: String::new(),
            max_message_bytes: "2048".into(),
        };
        assert_eq!(
            fields.to_json(),
            Some(serde_json::json!({"retention.ms": "60000", "max.message.bytes": "2048"}))
        );
        let long = ConfigFields {
            retention_ms: "9".repeat(100),
            ..ConfigFields::default()
        }
        .bounded();
        assert_eq!(long.retention_ms.len(), 32);
    }
}
