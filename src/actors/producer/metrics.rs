//! The producer daemon's `/metrics` (`--metrics-bind`), read at scrape
//! time from the counters the pipeline already keeps ([`ProducerStats`]),
//! so publishing a record costs no more than its atomic increments.
//!
//! - `topicgate_producer_records_total{topic}`, `..._bytes_total{topic}`:
//!   records and payload bytes Kafka acknowledged;
//! - `topicgate_producer_delivery_errors_total{topic}`: records refused;
//! - `topicgate_producer_schema_violations_total{topic}`: records made
//!   that failed the topic's schema, so were never sent;
//! - `topicgate_producer_delivery_latency_seconds{topic}`: enqueue to
//!   acknowledgement;
//! - `topicgate_producer_generators_running`;
//! - `topicgate_producer_admin_up` (1/0) and
//!   `topicgate_producer_admin_last_success_timestamp_seconds`;
//! - from librdkafka's statistics: `topicgate_producer_queue_fill_ratio`
//!   (`msg_cnt / msg_max`), `topicgate_producer_queue_messages`,
//!   `topicgate_producer_kafka_tx_bytes_total` and
//!   `topicgate_producer_broker_rtt_seconds{broker,percentile}` (`p50`, `p99`;
//!   not `quantile`, which Prometheus keeps for summaries).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use super::stats::ProducerStats;
use crate::telemetry::metrics::{Registry, new_registry};

/// The registry the producer's metrics listener serves.
pub fn registry(stats: ProducerStats) -> Registry {
    let mut registry = new_registry();
    registry.register_collector(Box::new(ProducerCollector { stats }));
    registry
}

#[derive(Debug)]
struct ProducerCollector {
    stats: ProducerStats,
}

/// Writes one counter family with a `topic` label.
fn per_topic(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(String, u64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (topic, value) in values {
        let labels = [("topic", topic.as_str())];
        ConstCounter::new(*value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

/// Writes one unlabelled gauge.
fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: f64,
) -> Result<(), std::fmt::Error> {
    let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    ConstGauge::new(value).encode(metric)
}

impl Collector for ProducerCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let topics = self.stats.all_counters();
        let snapshots: Vec<_> = topics.iter().map(|c| (c.snapshot(), c)).collect();
        let column = |pick: &dyn Fn(&super::stats::TopicStats) -> u64| -> Vec<(String, u64)> {
            snapshots
                .iter()
                .map(|(s, _)| (s.topic.clone(), pick(s)))
                .collect()
        };
        per_topic(
            &mut encoder,
            "producer_records",
            "Records Kafka acknowledged, per topic",
            &column(&|s| s.delivered),
        )?;
        let bytes: Vec<(String, u64)> = snapshots
            .iter()
            .map(|(s, c)| (s.topic.clone(), c.delivered_bytes()))
            .collect();
        per_topic(
            &mut encoder,
            "producer_bytes",
            "Payload bytes Kafka acknowledged, per topic",
            &bytes,
        )?;
        per_topic(
            &mut encoder,
            "producer_delivery_errors",
            "Records Kafka refused for good, per topic",
            &column(&|s| s.failed),
        )?;
        per_topic(
            &mut encoder,
            "producer_schema_violations",
            "Records that failed the topic's schema and were not sent, per topic",
            &column(&|s| s.schema_violations),
        )?;
        {
            let mut family = encoder.encode_descriptor(
                "producer_delivery_latency_seconds",
                "Time from handing a record to librdkafka to its acknowledgement",
                None,
                MetricType::Histogram,
            )?;
            for (snapshot, counters) in &snapshots {
                let labels = [("topic", snapshot.topic.as_str())];
                counters
                    .delivery_latency()
                    .encode(family.encode_family(&labels)?)?;
            }
        }

        let daemon = self.stats.daemon();
        gauge(
            &mut encoder,
            "producer_generators_running",
            "Topics a generator is producing records for",
            daemon.generators_running() as f64,
        )?;
        let (reachable, last_success) = daemon.admin_reachability();
        gauge(
            &mut encoder,
            "producer_admin_up",
            "1 when the last poll of the admin API was answered, else 0",
            if reachable { 1.0 } else { 0.0 },
        )?;
        gauge(
            &mut encoder,
            "producer_admin_last_success_timestamp_seconds",
            "Unix time of the last answered poll of the admin API (0: none yet)",
            last_success as f64,
        )?;

        // Before librdkafka's first statistics there is nothing to say.
        let Some(client) = daemon.client() else {
            return Ok(());
        };
        let fill = if client.queue_max > 0 {
            client.queued as f64 / client.queue_max as f64
        } else {
            0.0
        };
        gauge(
            &mut encoder,
            "producer_queue_fill_ratio",
            "librdkafka's queue: messages held over the most it holds",
            fill,
        )?;
        gauge(
            &mut encoder,
            "producer_queue_messages",
            "Messages in librdkafka's queue, waiting or in flight",
            client.queued as f64,
        )?;
        {
            let metric = encoder.encode_descriptor(
                "producer_kafka_tx_bytes",
                "Bytes the producer's Kafka client sent to brokers",
                None,
                MetricType::Counter,
            )?;
            ConstCounter::new(client.tx_bytes.max(0) as u64).encode(metric)?;
        }
        let mut rtt = encoder.encode_descriptor(
            "producer_broker_rtt_seconds",
            "Round-trip time to each broker, percentiles of librdkafka's window",
            None,
            MetricType::Gauge,
        )?;
        for (broker, p50, p99) in &client.broker_rtt {
            for (percentile, value) in [("p50", p50), ("p99", p99)] {
                let labels = [("broker", broker.as_str()), ("percentile", percentile)];
                ConstGauge::new(*value).encode(rtt.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}
