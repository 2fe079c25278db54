//! Deleting a retired topic from Kafka, and the decision whether to.
//!
//! A topic the registry deleted leaves Kafka only when topicgate created
//! it there (`KafkaState::owns_kafka_topic`); a foreign topic of the same
//! name, or one never created, is only recorded as `deleted`.

use std::collections::HashSet;
use std::time::Duration;

use rdkafka::admin::AdminOptions;
use rdkafka::types::RDKafkaErrorCode;

use super::kafka_topics::KafkaAdminClient;
use super::topic_plan::{Plan, Seen};
use crate::api::{KafkaReport, TopicView};
use crate::domain::{KafkaState, TopicStatus};
use crate::schema::dlq_topic_name;

/// How long Kafka may take to delete a topic before the try counts as failed.
const DELETE_TIMEOUT: Duration = Duration::from_secs(15);

/// The plan for a topic whose registry status is `deleted`.
pub fn plan(topic: &TopicView, seen: Seen) -> Plan {
    match seen {
        Seen::Unsettled => Plan::Wait,
        Seen::Present(_) if topic.kafka.state.owns_kafka_topic() => Plan::Retire,
        // Never created, already gone, or someone else's: Kafka is left
        // alone and the registry told there is nothing of ours there.
        Seen::Absent | Seen::Present(_) => Plan::Record {
            report: deleted(),
            publish: false,
        },
    }
}

/// Names that a topic not deleted claims in Kafka: a name requested again
/// after its deletion belongs to the new topic once that one claimed it,
/// and the retired topic must not delete it.
pub fn names_held_by_live_topics(topics: &[TopicView]) -> HashSet<&str> {
    topics
        .iter()
        .filter(|t| t.status != TopicStatus::Deleted && t.kafka.state.owns_kafka_topic())
        .map(|t| t.topic_name.as_str())
        .collect()
}

/// The report of a topic topicgate no longer has in Kafka.
pub fn deleted() -> KafkaReport {
    KafkaReport {
        state: KafkaState::Deleted,
        error: None,
        partitions: None,
        replication_factor: None,
    }
}

/// Deletes `topic` and its dead-letter topic from Kafka in one request;
/// one already gone counts as deleted. Both must go for this to succeed,
/// so a dead-letter topic is never left behind once `deleted` is recorded.
pub async fn delete(kafka: &KafkaAdminClient, topic: &str) -> Result<(), String> {
    let dead_letter = dlq_topic_name(topic);
    let names = [topic, dead_letter.as_str()];
    let options = AdminOptions::new()
        .operation_timeout(Some(DELETE_TIMEOUT))
        .request_timeout(Some(DELETE_TIMEOUT));
    let results = kafka
        .delete_topics(&names, &options)
        .await
        .map_err(|e| e.to_string())?;
    if results.len() < names.len() {
        return Err("Kafka answered without a result for every topic".to_owned());
    }
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
            Err((name, code)) => return Err(format!("{name}: {code}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::producer::topic_plan::Layout;
    use crate::api::KafkaSide;
    use crate::domain::{DataType, TopicId};

    fn retired(state: KafkaState) -> TopicView {
        topic(TopicStatus::Deleted, state)
    }

    fn topic(status: TopicStatus, state: KafkaState) -> TopicView {
        TopicView {
            topic_id: TopicId(1),
            topic_name: "orders".into(),
            status,
            partitions: 3,
            replication_factor: 1,
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
        replication_factor: 1,
    });

    #[test]
    fn only_topicgates_own_topic_is_deleted_from_kafka() {
        for state in [
            KafkaState::Creating,
            KafkaState::Created,
            KafkaState::Drifted,
        ] {
            assert_eq!(plan(&retired(state), PRESENT), Plan::Retire, "{state}");
        }
        for state in [
            KafkaState::Conflict,
            KafkaState::Failed,
            KafkaState::NotCreated,
        ] {
            assert_eq!(
                plan(&retired(state), PRESENT),
                Plan::Record {
                    report: deleted(),
                    publish: false
                },
                "{state}"
            );
        }
        assert_eq!(
            plan(&retired(KafkaState::Created), Seen::Absent),
            Plan::Record {
                report: deleted(),
                publish: false
            }
        );
        assert_eq!(
            plan(&retired(KafkaState::Created), Seen::Unsettled),
            Plan::Wait
        );
    }

    #[test]
    fn a_name_requested_again_is_held_once_the_new_topic_claims_it() {
        let old = retired(KafkaState::Created);
        let waiting = topic(TopicStatus::Approved, KafkaState::NotCreated);
        assert!(names_held_by_live_topics(&[old.clone(), waiting]).is_empty());
        let claimed = topic(TopicStatus::Approved, KafkaState::Creating);
        assert_eq!(
            names_held_by_live_topics(&[old.clone(), claimed]),
            HashSet::from(["orders"])
        );
        let foreign = topic(TopicStatus::Approved, KafkaState::Conflict);
        assert!(names_held_by_live_topics(&[old, foreign]).is_empty());
    }
}
