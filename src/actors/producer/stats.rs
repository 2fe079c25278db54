//! Per-topic counters of the producer daemon, shared between the actors
//! that update them and whoever wants to read them (logs, tests, benches).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::domain::DataType;
use crate::telemetry::metrics::{AtomicHistogram, latency_buckets};

/// The live counters of one topic. The publisher counts what it accepted,
/// Kafka's delivery reports count what was acknowledged or failed.
#[derive(Debug)]
pub struct TopicCounters {
    topic: String,
    data_type: DataType,
    accepted: AtomicU64,
    delivered: AtomicU64,
    /// Payload bytes of the delivered records.
    delivered_bytes: AtomicU64,
    failed: AtomicU64,
    restarts: AtomicU64,
    /// Records made that failed the topic's schema, and so were not sent.
    schema_violations: AtomicU64,
    /// From handing a record to librdkafka to its acknowledgement.
    delivery_latency: AtomicHistogram,
    // When the last failure was logged, so a broken topic logs a line per
    // interval and not one per record.
    failure_logged: Mutex<Option<Instant>>,
    /// When the last schema violation was logged, likewise.
    violation_logged: Mutex<Option<Instant>>,
}

impl TopicCounters {
    fn new(topic: &str, data_type: DataType) -> Self {
        Self {
            topic: topic.to_owned(),
            data_type,
            accepted: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            delivered_bytes: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            schema_violations: AtomicU64::new(0),
            delivery_latency: AtomicHistogram::new(latency_buckets()),
            failure_logged: Mutex::new(None),
            violation_logged: Mutex::new(None),
        }
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn data_type(&self) -> DataType {
        self.data_type
    }

    pub fn add_accepted(&self, n: u64) {
        self.accepted.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one acknowledged record of `bytes` payload bytes, and how
    /// long it took when that is known.
    pub fn add_delivered(&self, bytes: usize, latency_seconds: Option<f64>) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
        self.delivered_bytes
            .fetch_add(bytes as u64, Ordering::Relaxed);
        if let Some(seconds) = latency_seconds {
            self.delivery_latency.observe(seconds);
        }
    }

    /// Payload bytes delivered so far.
    pub fn delivered_bytes(&self) -> u64 {
        self.delivered_bytes.load(Ordering::Relaxed)
    }

    /// The delivery latency histogram (shared, for the metrics).
    pub fn delivery_latency(&self) -> &AtomicHistogram {
        &self.delivery_latency
    }

    pub fn add_failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add_restart(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one record that failed the topic's schema (not sent).
    pub fn add_schema_violation(&self) {
        self.schema_violations.fetch_add(1, Ordering::Relaxed);
    }

    /// True when a failure of this topic should be logged now: the first
    /// one, then at most one per `every`.
    pub fn should_log_failure(&self, every: std::time::Duration) -> bool {
        due(&self.failure_logged, every)
    }

    /// Like [`Self::should_log_failure`], for schema violations.
    pub fn should_log_violation(&self, every: std::time::Duration) -> bool {
        due(&self.violation_logged, every)
    }

    /// The counters as they are now.
    pub fn snapshot(&self) -> TopicStats {
        // Delivery reports are read first: a record is accepted before it
        // can be delivered, so `pending` never comes out negative.
        let delivered = self.delivered.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        TopicStats {
            topic: self.topic.clone(),
            data_type: self.data_type,
            accepted: self.accepted.load(Ordering::Relaxed),
            delivered,
            failed,
            restarts: self.restarts.load(Ordering::Relaxed),
            schema_violations: self.schema_violations.load(Ordering::Relaxed),
        }
    }
}

/// True (and notes now) when nothing was noted in `last` for `every`.
fn due(last: &Mutex<Option<Instant>>, every: std::time::Duration) -> bool {
    let mut last = last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let now = Instant::now();
    match *last {
        Some(at) if now.duration_since(at) < every => false,
        _ => {
            *last = Some(now);
            true
        }
    }
}

/// A copy of one topic's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicStats {
    pub topic: String,
    pub data_type: DataType,
    /// Records the publisher took from generators.
    pub accepted: u64,
    /// Records Kafka acknowledged (all in-sync replicas have them).
    pub delivered: u64,
    /// Records Kafka refused for good; each was logged.
    pub failed: u64,
    /// Times the topic's generator was restarted after failing.
    pub restarts: u64,
    /// Records that failed the topic's schema; never sent.
    pub schema_violations: u64,
}

impl TopicStats {
    /// Records accepted but not yet acknowledged or refused.
    pub fn pending(&self) -> u64 {
        self.accepted.saturating_sub(self.delivered + self.failed)
    }
}

/// All topics' counters of one daemon run, and the daemon's own figures.
/// Cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct ProducerStats {
    topics: Arc<Mutex<HashMap<String, Arc<TopicCounters>>>>,
    daemon: Arc<DaemonFigures>,
}

/// What the daemon as a whole looks like, for the metrics: written by the
/// actors that know (generator pool, topic watcher, librdkafka's
/// statistics), read at scrape time.
#[derive(Debug, Default)]
pub struct DaemonFigures {
    generators_running: AtomicU64,
    /// 1 while the last poll of the admin API was answered, else 0.
    admin_reachable: AtomicU64,
    /// Unix seconds of the last answered poll; 0 before the first.
    admin_last_success: AtomicU64,
    /// The last statistics librdkafka sent; `None` before the first.
    client: Mutex<Option<ClientFigures>>,
}

/// The figures kept from librdkafka's statistics of the producer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientFigures {
    /// Messages in librdkafka's queue, and the most it holds
    /// (`queue.buffering.max.messages`).
    pub queued: i64,
    pub queue_max: i64,
    /// Bytes the client sent to brokers, in total.
    pub tx_bytes: i64,
    /// Round-trip time to each broker (name, p50 and p99 in seconds).
    pub broker_rtt: Vec<(String, f64, f64)>,
}

impl DaemonFigures {
    pub fn set_generators_running(&self, n: usize) {
        self.generators_running.store(n as u64, Ordering::Relaxed);
    }

    pub fn generators_running(&self) -> u64 {
        self.generators_running.load(Ordering::Relaxed)
    }

    /// Notes whether the admin API answered a poll just now.
    pub fn note_admin_poll(&self, answered: bool) {
        self.admin_reachable
            .store(u64::from(answered), Ordering::Relaxed);
        if answered {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            self.admin_last_success.store(now, Ordering::Relaxed);
        }
    }

    /// Whether the last poll was answered, and when one last was (unix s).
    pub fn admin_reachability(&self) -> (bool, u64) {
        (
            self.admin_reachable.load(Ordering::Relaxed) == 1,
            self.admin_last_success.load(Ordering::Relaxed),
        )
    }

    pub fn set_client(&self, figures: ClientFigures) {
        *self
            .client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(figures);
    }

    pub fn client(&self) -> Option<ClientFigures> {
        self.client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl ProducerStats {
    /// The counters of `topic`, created on first use.
    pub fn counters(&self, topic: &str, data_type: DataType) -> Arc<TopicCounters> {
        let mut topics = self.lock();
        Arc::clone(
            topics
                .entry(topic.to_owned())
                .or_insert_with(|| Arc::new(TopicCounters::new(topic, data_type))),
        )
    }

    /// The daemon's own figures.
    pub fn daemon(&self) -> &Arc<DaemonFigures> {
        &self.daemon
    }

    /// Every topic's live counters, by name (for the metrics).
    pub fn all_counters(&self) -> Vec<Arc<TopicCounters>> {
        let mut all: Vec<Arc<TopicCounters>> = self.lock().values().cloned().collect();
        all.sort_by(|a, b| a.topic.cmp(&b.topic));
        all
    }

    /// One topic's counters, if it ever had a generator.
    pub fn topic(&self, topic: &str) -> Option<TopicStats> {
        self.lock().get(topic).map(|c| c.snapshot())
    }

    /// Every topic's counters, by name.
    pub fn snapshot(&self) -> Vec<TopicStats> {
        let mut all: Vec<TopicStats> = self.lock().values().map(|c| c.snapshot()).collect();
        all.sort_by(|a, b| a.topic.cmp(&b.topic));
        all
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TopicCounters>>> {
        self.topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_shared_by_topic() {
        let stats = ProducerStats::default();
        let a = stats.counters("orders", DataType::Generic);
        let again = stats.counters("orders", DataType::Generic);
        a.add_accepted(3);
        again.add_delivered(10, Some(0.002));
        a.add_failed();
        let snapshot = stats.topic("orders").unwrap();
        assert_eq!(
            (snapshot.accepted, snapshot.delivered, snapshot.failed),
            (3, 1, 1)
        );
        assert_eq!(snapshot.pending(), 1);
        assert!(stats.topic("other").is_none());
    }

    #[test]
    fn failures_are_logged_at_most_once_per_interval() {
        let stats = ProducerStats::default();
        let c = stats.counters("t", DataType::Logs);
        let every = std::time::Duration::from_secs(60);
        assert!(c.should_log_failure(every));
        assert!(!c.should_log_failure(every));
        // Violations are limited apart from delivery failures.
        assert!(c.should_log_violation(every));
        assert!(!c.should_log_violation(every));
    }
}
