//! The session's Kafka client: made from the shared configuration, with a context that logs
//! what the client reports and remembers the last error for `stats`.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rdkafka::Statistics;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::topic_partition_list::TopicPartitionList;

use super::metrics::ConsumerMetrics;
use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config, enable_statistics, explain};

/// The session's consumer type.
pub type SessionConsumer = StreamConsumer<SessionContext>;

/// What the Kafka client last reported, shared between librdkafka's
/// threads (which write it) and the session (which shows it).
#[derive(Debug, Default)]
pub struct KafkaHealth {
    inner: Mutex<HealthState>,
}

#[derive(Debug, Default, Clone)]
struct HealthState {
    last_error: Option<(DateTime<Utc>, String)>,
    assignment: Vec<(String, i32)>,
}

impl KafkaHealth {
    /// Remembers `error` as the latest problem.
    pub fn record_error(&self, error: impl Into<String>) {
        self.state().last_error = Some((Utc::now(), error.into()));
    }

    /// The latest problem and when it happened.
    pub fn last_error(&self) -> Option<(DateTime<Utc>, String)> {
        self.state().last_error.clone()
    }

    /// The partitions this consumer was last assigned, sorted.
    pub fn assignment(&self) -> Vec<(String, i32)> {
        self.state().assignment.clone()
    }

    fn set_assignment(&self, tpl: &TopicPartitionList) {
        let mut assigned: Vec<(String, i32)> = tpl
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition()))
            .collect();
        assigned.sort();
        self.state().assignment = assigned;
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HealthState> {
        // The state is plain data; a panic elsewhere cannot leave it torn.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Logs rebalances, commit failures and client errors, and keeps them in
/// [`KafkaHealth`].
pub struct SessionContext {
    health: Arc<KafkaHealth>,
    metrics: Option<ConsumerMetrics>,
}

impl SessionContext {
    /// librdkafka's statistics, when configured, go to `metrics`.
    pub fn new(health: Arc<KafkaHealth>, metrics: Option<ConsumerMetrics>) -> Self {
        Self { health, metrics }
    }
}

impl ClientContext for SessionContext {
    fn error(&self, error: KafkaError, reason: &str) {
        log::warn!("Kafka: {error}: {reason}");
        self.health.record_error(format!("{error}: {reason}"));
    }

    fn stats(&self, statistics: Statistics) {
        if let Some(metrics) = &self.metrics {
            metrics.note_statistics(&statistics);
        }
    }
}

impl ConsumerContext for SessionContext {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                self.health.set_assignment(tpl);
                log::info!("assigned partitions: {}", describe(tpl));
            }
            Rebalance::Revoke(tpl) => {
                self.health.set_assignment(&TopicPartitionList::new());
                log::info!("revoked partitions: {}", describe(tpl));
            }
            Rebalance::Error(e) => {
                log::warn!("rebalance failed: {e}");
                self.health.record_error(format!("rebalance failed: {e}"));
            }
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => log::debug!("committed offsets: {}", describe_offsets(offsets)),
            // Nothing new to commit since the last time: not a problem.
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => {
                log::warn!("committing offsets failed: {e}");
                self.health
                    .record_error(format!("committing offsets failed: {e}"));
            }
        }
    }
}

/// Settings of the session's consumer.
pub struct ConsumerOptions<'a> {
    pub kafka: &'a KafkaSettings,
    pub group: &'a str,
    /// The client id unless the operator chose one.
    pub client_id: &'a str,
    /// Where librdkafka's statistics go (`tail --metrics-bind`); with
    /// `None` it sends none.
    pub metrics: Option<&'a ConsumerMetrics>,
}

/// Creates a consumer for at-least-once delivery: offsets are stored only
/// after a message was stored and shown (`enable.auto.offset.store=false`),
/// and stored offsets are committed in the background. A new group starts at
/// the earliest message. A setting librdkafka refuses is named in the error.
pub fn create_consumer(
    options: &ConsumerOptions<'_>,
    health: Arc<KafkaHealth>,
) -> Result<SessionConsumer, String> {
    let role = KafkaRole::Consumer {
        group: options.group,
        client_id: options.client_id,
    };
    let mut config = client_config(options.kafka, role);
    if options.metrics.is_some() {
        enable_statistics(&mut config);
    }
    config
        .create_with_context(SessionContext::new(health, options.metrics.cloned()))
        .map_err(explain)
}

fn describe(tpl: &TopicPartitionList) -> String {
    let parts: Vec<String> = tpl
        .elements()
        .iter()
        .map(|e| format!("{}[{}]", e.topic(), e.partition()))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn describe_offsets(tpl: &TopicPartitionList) -> String {
    let parts: Vec<String> = tpl
        .elements()
        .iter()
        .map(|e| format!("{}[{}]@{:?}", e.topic(), e.partition(), e.offset()))
        .collect();
    parts.join(", ")
}

/// Commits the stored offsets and closes `consumer` (leaving its group) on
/// the blocking pool, as both block on the broker. Returns the final
/// commit's error; having nothing to commit is not one.
pub async fn commit_and_close(consumer: Arc<SessionConsumer>) -> Option<KafkaError> {
    let closed = tokio::task::spawn_blocking(move || {
        let committed = consumer.commit_consumer_state(CommitMode::Sync);
        drop(consumer);
        committed
    })
    .await;
    match closed {
        Ok(Ok(())) | Ok(Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset))) => None,
        Ok(Err(e)) => {
            log::warn!("final commit failed: {e}");
            Some(e)
        }
        Err(e) => {
            log::warn!("closing the consumer failed: {e}");
            None
        }
    }
}
