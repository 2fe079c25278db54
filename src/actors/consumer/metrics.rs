//! `tail --metrics-bind`: what the consumer shows Prometheus.
//!
//! - `topicgate_consumer_records_total{topic}`: records shown (printed);
//! - `topicgate_consumer_dead_letters_total{topic}`: records not shown
//!   but written to the topic's dead-letter topic (not JSON, or breaking
//!   their schema), once Kafka acknowledged them;
//! - `topicgate_consumer_lag{group,topic,partition}`: messages behind the
//!   partition's end, as librdkafka's statistics report it
//!   (`consumer_lag`; partitions whose lag is not known yet are absent);
//! - `topicgate_consumer_store_latency_seconds`: one batch's transaction
//!   in the message store.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use rdkafka::Statistics;

use crate::telemetry::metrics::{AtomicHistogram, Registry, latency_buckets, new_registry};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TopicLabels {
    topic: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartitionLabels {
    group: String,
    topic: String,
    partition: i32,
}

/// The consumer's metrics. Cloning shares them.
#[derive(Clone, Debug)]
pub struct ConsumerMetrics {
    registry: Arc<Registry>,
    group: String,
    records: Family<TopicLabels, Counter>,
    dead_letters: Family<TopicLabels, Counter>,
    lag: Family<PartitionLabels, Gauge>,
    store_latency: AtomicHistogram,
}

impl ConsumerMetrics {
    /// Metrics of a consumer in `group`, all at zero.
    pub fn new(group: &str) -> Self {
        let mut registry = new_registry();
        let records = Family::<TopicLabels, Counter>::default();
        registry.register(
            "consumer_records",
            "Records shown, per topic",
            records.clone(),
        );
        let dead_letters = Family::<TopicLabels, Counter>::default();
        registry.register(
            "consumer_dead_letters",
            "Records written to the topic's dead-letter topic, per topic",
            dead_letters.clone(),
        );
        let lag = Family::<PartitionLabels, Gauge>::default();
        registry.register(
            "consumer_lag",
            "Messages between the consumer's position and the partition's end (librdkafka)",
            lag.clone(),
        );
        let store_latency = AtomicHistogram::new(latency_buckets());
        registry.register(
            "consumer_store_latency_seconds",
            "Time to write one batch into the message store",
            store_latency.clone(),
        );
        Self {
            registry: Arc::new(registry),
            group: group.to_owned(),
            records,
            dead_letters,
            lag,
            store_latency,
        }
    }

    /// The registry to serve.
    pub fn registry(&self) -> Arc<Registry> {
        Arc::clone(&self.registry)
    }

    /// Counts `n` records of `topic` shown.
    pub fn add_records(&self, topic: &str, n: u64) {
        self.records
            .get_or_create(&TopicLabels {
                topic: topic.to_owned(),
            })
            .inc_by(n);
    }

    /// Counts `n` dead letters of `topic` written.
    pub fn add_dead_letters(&self, topic: &str, n: u64) {
        self.dead_letters
            .get_or_create(&TopicLabels {
                topic: topic.to_owned(),
            })
            .inc_by(n);
    }

    /// Counts one batch written to the message store in `seconds`.
    pub fn observe_store(&self, seconds: f64) {
        self.store_latency.observe(seconds);
    }

    /// Takes each partition's lag from librdkafka's statistics.
    pub fn note_statistics(&self, statistics: &Statistics) {
        for (topic, figures) in &statistics.topics {
            for (partition, p) in &figures.partitions {
                // -1 is librdkafka's internal partition; a lag of -1 is
                // one not known yet (no position or no end offset).
                if *partition < 0 || p.consumer_lag < 0 {
                    continue;
                }
                self.lag
                    .get_or_create(&PartitionLabels {
                        group: self.group.clone(),
                        topic: topic.clone(),
                        partition: *partition,
                    })
                    .set(p.consumer_lag);
            }
        }
    }
}
