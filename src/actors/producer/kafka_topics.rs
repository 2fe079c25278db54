//! The reconciler's two questions to Kafka: what is there (one metadata
//! request per round, for every topic) and "create this topic", with
//! Kafka's refusals sorted into those worth retrying and those that are not.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::types::RDKafkaErrorCode;

use super::kafka_context::LoggingContext;
use super::topic_plan::{Layout, Seen};
use crate::config::KafkaSettings;
use crate::domain::TopicConfigs;
use crate::kafka_config::{KafkaRole, client_config, explain};

/// How long Kafka may take to create a topic before the try counts as failed.
const CREATE_TIMEOUT: Duration = Duration::from_secs(15);

/// How long one metadata request may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// The Kafka admin client type the daemon uses.
pub type KafkaAdminClient = AdminClient<LoggingContext>;

/// Creates the Kafka admin client; it connects lazily.
/// A setting librdkafka refuses is named in the error.
pub fn create_admin_client(kafka: &KafkaSettings) -> Result<KafkaAdminClient, String> {
    client_config(kafka, KafkaRole::ProducerAdmin)
        .create_with_context(LoggingContext::new("kafka-admin"))
        .map_err(explain)
}

/// The cluster and its topics as one metadata answer showed them.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub brokers: i32,
    /// The broker that is the cluster's controller, when known.
    pub controller: Option<i32>,
    topics: HashMap<String, Seen>,
}

impl Snapshot {
    /// What the snapshot shows of `topic`.
    pub fn seen(&self, topic: &str) -> Seen {
        self.topics.get(topic).copied().unwrap_or(Seen::Absent)
    }
}

/// Reads the metadata of every topic. Asking for all of them (rather than
/// by name) also never makes a broker auto-create one.
pub async fn snapshot(kafka: &Arc<KafkaAdminClient>) -> Result<Snapshot, String> {
    let kafka = Arc::clone(kafka);
    // librdkafka's metadata call blocks; keep it off the actor's thread.
    actix_rt::task::spawn_blocking(move || {
        let metadata = kafka
            .inner()
            .fetch_metadata(None, METADATA_TIMEOUT)
            .map_err(|e| format!("reading Kafka's metadata: {e}"))?;
        let topics = metadata
            .topics()
            .iter()
            .map(|topic| {
                let seen = match (topic.error(), topic.partitions()) {
                    (Some(code), _)
                        if RDKafkaErrorCode::from(code)
                            == RDKafkaErrorCode::UnknownTopicOrPartition =>
                    {
                        Seen::Absent
                    }
                    (_, []) => Seen::Unsettled,
                    (_, partitions) => Seen::Present(Layout {
                        partitions: count(partitions.len()),
                        replication_factor: count(partitions[0].replicas().len()),
                    }),
                };
                (topic.name().to_owned(), seen)
            })
            .collect();
        // The metadata answer names the controller and librdkafka keeps it,
        // but rust-rdkafka has no call for it; a timeout of 0 reads what
        // librdkafka already knows (-1 when nothing), with no request.
        // SAFETY: the pointer is the live client `kafka` holds for the
        // whole call, and the function only reads librdkafka's state.
        let controller =
            unsafe { rdkafka::bindings::rd_kafka_controllerid(kafka.inner().native_ptr(), 0) };
        Ok(Snapshot {
            brokers: count(metadata.brokers().len()),
            controller: (controller >= 0).then_some(controller),
            topics,
        })
    })
    .await
    .map_err(|e| format!("reading Kafka's metadata: {e}"))?
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Why Kafka did not create a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    /// Kafka cannot do it as asked; asking again changes nothing.
    Refused(String),
    /// It may work later (broker down, timeout, controller moving).
    Transient(String),
    /// Someone created it meanwhile; the next round decides whose it is.
    AlreadyExists,
}

/// Creates `topic` with `(partitions, replication_factor)` and the topic
/// configs the registry holds for it. The configs are checked again
/// against the whitelist: a registry edited by hand must not hand Kafka
/// anything the admin service would have refused.
pub async fn create(
    kafka: &KafkaAdminClient,
    topic: &str,
    (partitions, replication_factor): (i32, i32),
    configs: &BTreeMap<String, String>,
) -> Result<(), CreateError> {
    let configs = checked_configs(configs)?;
    let mut new_topic = NewTopic::new(
        topic,
        partitions,
        TopicReplication::Fixed(replication_factor),
    );
    for (key, value) in configs.iter() {
        new_topic = new_topic.set(key, value);
    }
    let options = AdminOptions::new()
        .operation_timeout(Some(CREATE_TIMEOUT))
        .request_timeout(Some(CREATE_TIMEOUT));
    let results = kafka
        .create_topics([&new_topic], &options)
        .await
        .map_err(|e| CreateError::Transient(e.to_string()))?;
    match results.into_iter().next() {
        Some(Ok(_)) => Ok(()),
        Some(Err((_, code))) => Err(classify(code)),
        None => Err(CreateError::Transient(
            "Kafka answered without a result for the topic".to_owned(),
        )),
    }
}

/// The registry's configs for a topic, each checked as a request's would be.
fn checked_configs(configs: &BTreeMap<String, String>) -> Result<TopicConfigs, CreateError> {
    configs
        .iter()
        .map(|(key, value)| TopicConfigs::check_text(key, value))
        .collect::<Result<Vec<_>, _>>()
        .map(TopicConfigs::from_checked)
        .map_err(|e| {
            CreateError::Refused(format!(
                "not asked: the registry holds configs outside the whitelist ({})",
                e.rule
            ))
        })
}

/// Sorts a CreateTopics error code. Only what no retry can fix counts as
/// refused: anything else (timeouts, a controller moving, brokers down,
/// authorisation that an operator may still grant) is tried again.
pub fn classify(code: RDKafkaErrorCode) -> CreateError {
    use RDKafkaErrorCode as Code;
    match code {
        Code::TopicAlreadyExists => CreateError::AlreadyExists,
        Code::InvalidReplicationFactor
        | Code::InvalidPartitions
        | Code::InvalidTopic
        | Code::PolicyViolation
        | Code::InvalidConfig
        | Code::InvalidReplicaAssignment
        | Code::InvalidRequest => CreateError::Refused(code.to_string()),
        _ => CreateError::Transient(code.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_no_retry_fixes_is_refused_with_the_brokers_reason() {
        let refused = classify(RDKafkaErrorCode::InvalidReplicationFactor);
        let CreateError::Refused(reason) = refused else {
            panic!("{refused:?}")
        };
        assert!(reason.contains("replication factor"), "{reason}");
        for code in [
            RDKafkaErrorCode::InvalidPartitions,
            RDKafkaErrorCode::InvalidTopic,
            RDKafkaErrorCode::PolicyViolation,
            RDKafkaErrorCode::InvalidConfig,
        ] {
            assert!(matches!(classify(code), CreateError::Refused(_)), "{code}");
        }
    }

    #[test]
    fn configs_outside_the_whitelist_are_refused_before_kafka_sees_them() {
        let stored = |key: &str, value: &str| BTreeMap::from([(key.to_owned(), value.to_owned())]);
        assert!(checked_configs(&stored("retention.ms", "60000")).is_ok());
        for (key, value) in [("retention.ms", "5"), ("segment.bytes", "1")] {
            let refused = checked_configs(&stored(key, value)).unwrap_err();
            let CreateError::Refused(reason) = refused else {
                panic!("{refused:?}")
            };
            assert!(reason.contains(key), "{reason}");
        }
    }

    #[test]
    fn outages_and_timeouts_are_tried_again() {
        for code in [
            RDKafkaErrorCode::RequestTimedOut,
            RDKafkaErrorCode::OperationTimedOut,
            RDKafkaErrorCode::AllBrokersDown,
            RDKafkaErrorCode::NotController,
            RDKafkaErrorCode::BrokerTransportFailure,
        ] {
            assert!(
                matches!(classify(code), CreateError::Transient(_)),
                "{code}"
            );
        }
        assert_eq!(
            classify(RDKafkaErrorCode::TopicAlreadyExists),
            CreateError::AlreadyExists
        );
    }
}
