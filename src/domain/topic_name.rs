use std::fmt;

/// Longest topic name Kafka accepts.
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// Prefix of Kafka's internal topics (`__consumer_offsets`,
/// `__transaction_state`, ...); never a topicgate topic.
pub const RESERVED_PREFIX: &str = "__";

/// A topic name that Kafka will accept and that is not Kafka's own: 1 to
/// 249 characters of `[A-Za-z0-9._-]`, neither `.` nor `..`, and not
/// starting with `__` (nor `._`, `_.` or `..`, which Kafka takes for `__`).
// Written to the registry as TEXT (see db::sql_types).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, diesel::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct TopicName(String);

/// Why a string is not a valid topic name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicNameError {
    #[error("name must not be empty")]
    Empty,
    #[error("name must be at most {MAX_TOPIC_NAME_LEN} characters, got {0}")]
    TooLong(usize),
    #[error("name must not be '.' or '..'")]
    Dots,
    #[error("name may only contain letters, digits, '.', '_' and '-' (found {0:?})")]
    BadCharacter(char),
    #[error(
        "names starting with '{RESERVED_PREFIX}' (or '._', '_.', '..', which Kafka treats \
         alike) are reserved for Kafka's internal topics such as __consumer_offsets"
    )]
    Reserved,
}

impl TopicName {
    pub fn parse(raw: &str) -> Result<Self, TopicNameError> {
        if raw.is_empty() {
            return Err(TopicNameError::Empty);
        }
        let len = raw.chars().count();
        if len > MAX_TOPIC_NAME_LEN {
            return Err(TopicNameError::TooLong(len));
        }
        if raw == "." || raw == ".." {
            return Err(TopicNameError::Dots);
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(TopicNameError::BadCharacter(bad));
        }
        // Creating one of Kafka's internal topics by hand breaks the
        // cluster (a one-partition __consumer_offsets strands most groups).
        // Compared on the collision key: `._x` would collide with `__x`.
        if collision_key(raw).starts_with(RESERVED_PREFIX) {
            return Err(TopicNameError::Reserved);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as Kafka compares names for collisions, and as topicgate
    /// compares them for confusion: Kafka's metric names treat `.` and `_`
    /// alike, and names that differ only in case confuse people and tools.
    /// Two names with the same key cannot both be registered.
    pub fn collision_key(&self) -> String {
        collision_key(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// [`TopicName::collision_key`] of any string, for names read back from
/// storage that were never parsed.
pub fn collision_key(name: &str) -> String {
    name.to_ascii_lowercase().replace('.', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kafka_legal_names() {
        for ok in ["a", "sensor_data", "x.y-z_9", ".x", "_x", "x__y"] {
            assert!(TopicName::parse(ok).is_ok(), "{ok}");
        }
        assert!(TopicName::parse(&"a".repeat(249)).is_ok());
    }

    #[test]
    fn refuses_illegal_names() {
        assert_eq!(TopicName::parse(""), Err(TopicNameError::Empty));
        assert_eq!(TopicName::parse("."), Err(TopicNameError::Dots));
        assert_eq!(TopicName::parse(".."), Err(TopicNameError::Dots));
        assert_eq!(
            TopicName::parse(&"a".repeat(250)),
            Err(TopicNameError::TooLong(250))
        );
        assert_eq!(
            TopicName::parse("has space"),
            Err(TopicNameError::BadCharacter(' '))
        );
        assert_eq!(
            TopicName::parse("ünïcode"),
            Err(TopicNameError::BadCharacter('ü'))
        );
        for internal in [
            "__consumer_offsets",
            "__transaction_state",
            "._x",
            "_.x",
            "...",
        ] {
            assert_eq!(TopicName::parse(internal), Err(TopicNameError::Reserved));
        }
    }

    #[test]
    fn collision_keys_fold_case_and_dots() {
        let key = |raw: &str| TopicName::parse(raw).unwrap().collision_key();
        assert_eq!(key("col.lide"), key("col_lide"));
        assert_eq!(key("Sensor.Data"), key("sensor_data"));
        assert_ne!(key("a-b"), key("a_b"));
    }
}
