use std::fmt;

/// Longest topic name Kafka accepts.
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// A topic name that Kafka will accept: 1 to 249 characters of
/// `[A-Za-z0-9._-]`, and neither `.` nor `..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
        Ok(Self(raw.to_owned()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kafka_legal_names() {
        for ok in ["a", "sensor_data", "x.y-z_9", "..."] {
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
    }
}
