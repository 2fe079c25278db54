//! Dead-letter topics: where a consumer puts the records it cannot use.
//!
//! The dead letters of topic `t` go to `t.dlq`, which the producer's
//! reconciler creates and deletes with `t`. Each keeps the original key and
//! value, and says in headers why and from where it came.

use crate::domain::{MAX_TOPIC_NAME_LEN, collision_key};

/// Suffix of every dead-letter topic's name.
pub const DLQ_SUFFIX: &str = ".dlq";

/// Why the record was refused (cleaned, bounded text).
pub const DLQ_REASON_HEADER: &str = "topicgate-dlq-reason";
/// The topic the record was read from.
pub const DLQ_TOPIC_HEADER: &str = "topicgate-dlq-topic";
/// Its partition there, in ASCII decimal.
pub const DLQ_PARTITION_HEADER: &str = "topicgate-dlq-partition";
/// Its offset there, in ASCII decimal.
pub const DLQ_OFFSET_HEADER: &str = "topicgate-dlq-offset";
/// The id of the schema it was checked against, when there was one.
pub const DLQ_SCHEMA_ID_HEADER: &str = "topicgate-dlq-schema-id";
/// The consumer group that read it.
pub const DLQ_GROUP_HEADER: &str = "topicgate-dlq-consumer-group";

/// Longest topic name whose dead-letter topic Kafka still accepts.
pub const MAX_TOPIC_NAME_LEN_WITH_DLQ: usize = MAX_TOPIC_NAME_LEN - DLQ_SUFFIX.len();

/// The dead-letter topic of `topic`.
pub fn dlq_topic_name(topic: &str) -> String {
    format!("{topic}{DLQ_SUFFIX}")
}

/// Whether `name` is, or would collide in Kafka with, a dead-letter topic's
/// name: Kafka takes `.` and `_` as one, so `t_dlq` collides with `t.dlq`.
pub fn is_dlq_name(name: &str) -> bool {
    collision_key(name).ends_with("_dlq")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_names_and_their_collisions_are_recognised() {
        assert_eq!(dlq_topic_name("payments"), "payments.dlq");
        for dlq in ["payments.dlq", "payments_dlq", "Payments.DLQ", ".dlq"] {
            assert!(is_dlq_name(dlq), "{dlq}");
        }
        for not in ["payments", "dlq", "payments.dlqx", "dlq.payments"] {
            assert!(!is_dlq_name(not), "{not}");
        }
        assert_eq!(
            dlq_topic_name(&"a".repeat(MAX_TOPIC_NAME_LEN_WITH_DLQ)).len(),
            249
        );
    }
}
