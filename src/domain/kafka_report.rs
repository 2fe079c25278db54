//! A Kafka state report from the producer, checked before the registry
//! stores it. The producer holds a key, but what it relays (Kafka's error
//! text above all) comes from a broker: it is shown on the dashboard and
//! in logs, so it is cleaned rather than trusted.

use super::text::readable_text;
use super::{FieldError, KafkaState};

/// Longest Kafka error message kept; broker messages are a line or two.
pub const MAX_KAFKA_ERROR_LEN: usize = 1_000;

/// Kafka stores a replication factor in 16 bits.
const MAX_REPLICATION_FACTOR: i32 = i16::MAX as i32;

/// What the reconciler found in Kafka for one topic, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedKafkaReport {
    pub state: KafkaState,
    /// Readable, at most [`MAX_KAFKA_ERROR_LEN`] characters; `None` when
    /// nothing readable was sent.
    pub error: Option<String>,
    pub partitions: Option<i32>,
    pub replication_factor: Option<i32>,
}

impl CheckedKafkaReport {
    /// Cleans the error text and refuses sizes Kafka cannot have.
    pub fn parse(
        state: KafkaState,
        error: Option<&str>,
        partitions: Option<i32>,
        replication_factor: Option<i32>,
    ) -> Result<Self, FieldError> {
        let error = error
            .map(|raw| readable_text(raw, MAX_KAFKA_ERROR_LEN))
            .filter(|clean| !clean.is_empty());
        if let Some(n) = partitions.filter(|n| *n < 1) {
            return Err(FieldError::new(
                "partitions",
                format!("must be at least 1, got {n}"),
            ));
        }
        if let Some(n) = replication_factor.filter(|n| !(1..=MAX_REPLICATION_FACTOR).contains(n)) {
            return Err(FieldError::new(
                "replication_factor",
                format!("must be between 1 and {MAX_REPLICATION_FACTOR}, got {n}"),
            ));
        }
        Ok(Self {
            state,
            error,
            partitions,
            replication_factor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_is_cleaned_and_capped() {
        let long = "x".repeat(5_000);
        let report =
            CheckedKafkaReport::parse(KafkaState::Failed, Some(&long), None, None).unwrap();
        assert_eq!(report.error.unwrap().chars().count(), MAX_KAFKA_ERROR_LEN);
        let report =
            CheckedKafkaReport::parse(KafkaState::Failed, Some("\u{1B}\n "), None, None).unwrap();
        assert_eq!(report.error, None);
    }

    #[test]
    fn sizes_kafka_cannot_have_are_refused() {
        let state = KafkaState::Created;
        assert_eq!(
            CheckedKafkaReport::parse(state, None, Some(0), None)
                .unwrap_err()
                .field,
            "partitions"
        );
        assert_eq!(
            CheckedKafkaReport::parse(state, None, Some(1), Some(40_000))
                .unwrap_err()
                .field,
            "replication_factor"
        );
        assert!(CheckedKafkaReport::parse(state, None, Some(12), Some(3)).is_ok());
    }
}
