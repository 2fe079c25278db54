//! The daemon's producer: its delivery reports.
//!
//! Delivery reports arrive on the `ThreadedProducer`'s polling thread; each
//! carries the counters of its topic (the record's delivery opaque), so
//! counting needs no lookup and no lock.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Statistics};

use super::kafka_context::LoggingContext;
use super::stats::{ClientFigures, DaemonFigures, TopicCounters};

/// At most one log line per topic per this long about refused records.
pub const FAILURE_LOG_EVERY: Duration = Duration::from_secs(10);

/// The producer's client context: logs like [`LoggingContext`] and counts
/// each delivery report against its topic.
pub struct DeliveryContext {
    logging: LoggingContext,
    per_record: bool,
    daemon: Arc<DaemonFigures>,
}

impl DeliveryContext {
    /// With `per_record`, every acknowledged record is logged at debug as
    /// `Published to {topic}: {data_type}`. librdkafka's statistics, when
    /// configured, go to `daemon`.
    pub fn new(per_record: bool, daemon: Arc<DaemonFigures>) -> Self {
        Self {
            logging: LoggingContext::new("publisher"),
            per_record,
            daemon,
        }
    }
}

/// The figures the metrics show, out of librdkafka's statistics.
fn client_figures(statistics: &Statistics) -> ClientFigures {
    let mut broker_rtt: Vec<(String, f64, f64)> = statistics
        .brokers
        .values()
        // The bootstrap and internal pseudo-brokers never have a round trip.
        .filter(|broker| broker.nodeid >= 0)
        .filter_map(|broker| {
            let rtt = broker.rtt.as_ref()?;
            Some((
                broker.name.clone(),
                rtt.p50 as f64 / 1e6,
                rtt.p99 as f64 / 1e6,
            ))
        })
        .collect();
    broker_rtt.sort_by(|a, b| a.0.cmp(&b.0));
    ClientFigures {
        queued: statistics.msg_cnt as i64,
        queue_max: statistics.msg_max as i64,
        tx_bytes: statistics.tx_bytes,
        broker_rtt,
    }
}

/// Seconds since `created_ms` (a record's create time, unix ms); `None`
/// when the clock went back.
fn seconds_since(created_ms: i64) -> Option<f64> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_millis() as i64;
    let elapsed = now_ms - created_ms;
    (elapsed >= 0).then(|| elapsed as f64 / 1e3)
}

impl ClientContext for DeliveryContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.logging.log_line(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.logging.log_error(&error, reason);
    }

    fn stats(&self, statistics: Statistics) {
        self.daemon.set_client(client_figures(&statistics));
    }
}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = Arc<TopicCounters>;

    fn delivery(&self, result: &DeliveryResult<'_>, counters: Arc<TopicCounters>) {
        match result {
            Ok(message) => {
                // librdkafka stamps each record with its create time when
                // it is enqueued, so the acknowledgement's latency needs no
                // clock of ours per record.
                let latency = message.timestamp().to_millis().and_then(seconds_since);
                counters.add_delivered(message.payload_len(), latency);
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
