//! The daemon's producer: its delivery reports.
//!
//! Delivery reports arrive on the `ThreadedProducer`'s polling thread; each
//! carries the counters of its topic (the record's delivery opaque), so
//! counting needs no lookup and no lock.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::producer::{DeliveryResult, ProducerContext, ThreadedProducer};

use super::kafka_context::LoggingContext;
use super::stats::TopicCounters;

/// At most one log line per topic per this long about refused records.
pub const FAILURE_LOG_EVERY: Duration = Duration::from_secs(10);

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
