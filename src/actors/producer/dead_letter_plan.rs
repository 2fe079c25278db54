//! The reconciler's decision about a topic's dead-letter topic
//! (`<topic>.dlq`, where consumers put records that fail the topic's
//! schema), beside the topic's own [`Plan`].
//!
//! Creating and adopting a topic create its dead-letter topic in the same
//! step; this covers the rounds after that: an active topic of topicgate's
//! own that lacks one (created before dead-letter topics existed, or the
//! creation failed) gets it, and a retired topic already gone from Kafka
//! takes its dead-letter topic with it. A foreign (`conflict`) topic never
//! gets one, and nothing is decided while Kafka has the name half way.

use super::topic_plan::{Plan, Seen};
use crate::api::TopicView;
use crate::domain::TopicStatus;

/// Partitions of every dead-letter topic: failures are rare, and one
/// partition keeps them in the order consumers found them.
pub const DEAD_LETTER_PARTITIONS: i32 = 1;

/// What to do about a topic's dead-letter topic this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterPlan {
    /// Nothing to do (it exists, is not ours to touch, or Kafka is busy).
    Keep,
    /// Create it with the topic's replication factor.
    Create { replication_factor: i32 },
    /// The retired topic is gone from Kafka but its dead-letter topic is
    /// not: delete it (unless a live topic holds the name again).
    Delete,
}

/// Decides about the dead-letter topic of `topic`, whose own plan this
/// round is `plan`, given what Kafka shows of the dead-letter name.
pub fn plan(topic: &TopicView, plan: &Plan, dead_letter: Seen) -> DeadLetterPlan {
    match (topic.status, plan, dead_letter) {
        (_, _, Seen::Unsettled) => DeadLetterPlan::Keep,
        // Active and found as asked: the topic is topicgate's own (a
        // foreign one is never activated).
        (
            TopicStatus::Active,
            Plan::Record {
                report,
                publish: true,
            },
            Seen::Absent,
        ) => DeadLetterPlan::Create {
            replication_factor: report
                .replication_factor
                .unwrap_or(topic.replication_factor)
                .max(1),
        },
        // Retired and already gone: `Plan::Retire` (topic still there)
        // deletes both in one step; this is the dead-letter topic left over.
        (TopicStatus::Deleted, Plan::Record { .. }, Seen::Present(_))
            if topic.kafka.state.owns_kafka_topic() =>
        {
            DeadLetterPlan::Delete
        }
        _ => DeadLetterPlan::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::producer::topic_plan::{self, Layout};
    use crate::api::KafkaSide;
    use crate::domain::{DataType, KafkaState, TopicId};

    fn topic(status: TopicStatus, state: KafkaState) -> TopicView {
        TopicView {
            topic_id: TopicId(1),
            topic_name: "orders".into(),
            status,
            partitions: 3,
            replication_factor: 2,
            data_type: DataType::Logs,
            created_at: chrono::Utc::now(),
            approved_at: None,
            activated_at: None,
            created_by: "ops".into(),
            description: String::new(),
            kafka: KafkaSide {
                state,
                ..KafkaSide::default()
            },
            configs: Default::default(),
        }
    }

    const PRESENT: Seen = Seen::Present(Layout {
        partitions: 3,
        replication_factor: 2,
    });
    const DLQ_PRESENT: Seen = Seen::Present(Layout {
        partitions: 1,
        replication_factor: 2,
    });

    /// The dead-letter plan for `topic` when Kafka shows `seen` of the
    /// topic and `dead_letter` of its dead-letter name.
    fn decide(topic: &TopicView, seen: Seen, dead_letter: Seen) -> DeadLetterPlan {
        plan(topic, &topic_plan::plan(topic, seen), dead_letter)
    }

    #[test]
    fn an_active_topic_without_one_gets_one_with_its_replication_factor() {
        let active = topic(TopicStatus::Active, KafkaState::Created);
        assert_eq!(
            decide(&active, PRESENT, Seen::Absent),
            DeadLetterPlan::Create {
                replication_factor: 2
            }
        );
        assert_eq!(decide(&active, PRESENT, DLQ_PRESENT), DeadLetterPlan::Keep);
        assert_eq!(
            decide(&active, PRESENT, Seen::Unsettled),
            DeadLetterPlan::Keep
        );
    }

    #[test]
    fn a_topic_not_found_as_asked_or_not_ours_gets_none() {
        // Drifted (gone from Kafka): nothing to attach it to.
        let active = topic(TopicStatus::Active, KafkaState::Created);
        assert_eq!(
            decide(&active, Seen::Absent, Seen::Absent),
            DeadLetterPlan::Keep
        );
        // Someone else's topic of that name.
        let foreign = topic(TopicStatus::Approved, KafkaState::Conflict);
        assert_eq!(
            decide(&foreign, PRESENT, Seen::Absent),
            DeadLetterPlan::Keep
        );
        // Approved topics get theirs in the create or adopt step.
        let approved = topic(TopicStatus::Approved, KafkaState::Creating);
        assert_eq!(
            decide(&approved, PRESENT, Seen::Absent),
            DeadLetterPlan::Keep
        );
    }

    #[test]
    fn a_retired_topic_gone_from_kafka_takes_its_dead_letter_topic_along() {
        let retired = topic(TopicStatus::Deleted, KafkaState::Created);
        assert_eq!(
            decide(&retired, Seen::Absent, DLQ_PRESENT),
            DeadLetterPlan::Delete
        );
        assert_eq!(
            decide(&retired, Seen::Absent, Seen::Absent),
            DeadLetterPlan::Keep
        );
        // Still in Kafka: the topic's own retirement deletes both.
        assert_eq!(decide(&retired, PRESENT, DLQ_PRESENT), DeadLetterPlan::Keep);
        // A foreign topic's namesake is left alone.
        let foreign = topic(TopicStatus::Deleted, KafkaState::Conflict);
        assert_eq!(
            decide(&foreign, Seen::Absent, DLQ_PRESENT),
            DeadLetterPlan::Keep
        );
    }
}
