//! Deleting a retired topic from Kafka, and the decision whether to.
//!
//! A topic the registry deleted leaves Kafka only when topicgate created
//! it there (`KafkaState::owns_kafka_topic`); a foreign topic of the same
//! name, or one never created, is only recorded as `deleted`.

use std::time::Duration;

use rdkafka::admin::AdminOptions;
use rdkafka::types::RDKafkaErrorCode;

use super::kafka_topics::KafkaAdminClient;
use super::topic_plan::{Plan, Seen};
use crate::api::{KafkaReport, TopicView};
use crate::domain::KafkaState;

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

/// The report of a topic topicgate no longer has in Kafka.
pub fn deleted() -> KafkaReport {
    KafkaReport {
        state: KafkaState::Deleted,
        error: None,
        partitions: None,
        replication_factor: None,
    }
}

/// Deletes `topic` from Kafka; one already gone counts as deleted.
pub async fn delete(kafka: &KafkaAdminClient, topic: &str) -> Result<(), String> {
    let options = AdminOptions::new()
        .operation_timeout(Some(DELETE_TIMEOUT))
        .request_timeout(Some(DELETE_TIMEOUT));
    let results = kafka
        .delete_topics(&[topic], &options)
        .await
        .map_err(|e| e.to_string())?;
    match results.into_iter().next() {
        Some(Ok(_)) | Some(Err((_, RDKafkaErrorCode::UnknownTopicOrPartition))) => Ok(()),
        Some(Err((_, code))) => Err(code.to_string()),
        None => Err("Kafka answered without a result for the topic".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::producer::topic_plan::Layout;
    use crate::api::KafkaSide;
    use crate::domain::{DataType, TopicId, TopicStatus};

    fn retired(state: KafkaState) -> TopicView {
        TopicView {
            topic_id: TopicId(1),
            topic_name: "orders".into(),
            status: TopicStatus::Deleted,
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
}
