//! The daemon's producer configuration and its delivery reports.
//!
//! Delivery reports arrive on the `ThreadedProducer`'s polling thread; each
//! carries the counters of its topic (the record's delivery opaque), so
//! counting needs no lookup and no lock.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::KafkaError;
use rdkafka::producer::{DeliveryResult, ProducerContext, ThreadedProducer};

use super::kafka_context::LoggingContext;
use super::stats::TopicCounters;

/// At most one log line per topic per this long about refused records.
pub const FAILURE_LOG_EVERY: Duration = Duration::from_secs(10);

/// The librdkafka settings of the daemon's producer; the benchmark's
/// baseline uses the same ones so the comparison is fair.
pub fn producer_config(bootstrap_servers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap_servers)
        .set("client.id", "topicgate-producer")
        // Exactly once per partition, in order, even across retries.
        .set("enable.idempotence", "true")
        .set("acks", "all")
        // Never give up on a record: a broker that is down delays records,
        // it does not lose them. Shutdown bounds the wait instead.
        .set("message.timeout.ms", "0")
        // Notice a broker that is back within a couple of seconds.
        .set("reconnect.backoff.max.ms", "2000")
        .set("linger.ms", "5")
        .set_log_level(RDKafkaLogLevel::Warning);
    config
}

/// The producer's client context: logs like [`LoggingContext`] and counts
/// each delivery report against its topic.
pub struct DeliveryContext {
    logging: LoggingContext,
    per_record: bool,
}

impl DeliveryContext {
    /// With `per_record`, every acknowledged record is logged at debug as
    /// `Published to {topic}: {data_type}`.
    pub fn new(per_record: bool) -> Self {
        Self {
            logging: LoggingContext::new("publisher"),
            per_record,
        }
    }
}

impl ClientContext for DeliveryContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.logging.log_line(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.logging.log_error(&error, reason);
    }
}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = Arc<TopicCounters>;

    fn delivery(&self, result: &DeliveryResult<'_>, counters: Arc<TopicCounters>) {
        match result {
            Ok(_) => {
                counters.add_delivered();
                if self.per_record {
                    log::debug!(
                        "Published to {}: {}",
                        counters.topic(),
                        counters.data_type()
                    );
                }
            }
            Err((error, _)) => note_failure(&counters, error),
        }
    }
}

/// The daemon's Kafka producer type.
pub type KafkaProducer = ThreadedProducer<DeliveryContext>;

/// Counts a record Kafka refused for good and logs it, at most one line
/// per topic per [`FAILURE_LOG_EVERY`].
pub fn note_failure(counters: &TopicCounters, error: &KafkaError) {
    counters.add_failed();
    if counters.should_log_failure(FAILURE_LOG_EVERY) {
        log::warn!(
            "Kafka refused a record for {}: {error} ({} refused so far)",
            counters.topic(),
            counters.snapshot().failed
        );
    }
}
