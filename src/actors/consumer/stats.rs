//! What the session counts as messages go by, and the lag it measures on
//! request.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::Offset;
use rdkafka::consumer::Consumer;

use super::kafka::SessionConsumer;
use super::metrics::ConsumerMetrics;
use super::record::Received;
use super::validation::DeadLetter;

/// How far back the current rate looks.
pub const RATE_WINDOW: Duration = Duration::from_secs(10);

/// How long measuring the lag of all partitions together may take; what is
/// not measured by then is shown as unknown. One budget rather than one per
/// request keeps `stats` quick while the broker is down, when every request
/// would wait out its whole timeout.
const LAG_BUDGET: Duration = Duration::from_secs(2);

/// Counters updated once per processed batch.
#[derive(Debug, Default)]
pub struct Stats {
    total: u64,
    per_topic: BTreeMap<String, u64>,
    /// Records sent to each topic's dead-letter topic.
    dead_letters: BTreeMap<String, u64>,
    /// Batch sizes of the last [`RATE_WINDOW`], oldest first.
    recent: VecDeque<(Instant, u64)>,
    first_message: Option<Instant>,
    last_message_at: Option<DateTime<Utc>>,
    /// The next offset to process, per topic and partition.
    next_offsets: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Where the counts go for `--metrics-bind` as well.
    metrics: Option<ConsumerMetrics>,
}

impl Stats {
    /// Counters that also count into `metrics`.
    pub fn with_metrics(metrics: ConsumerMetrics) -> Self {
        Self {
            metrics: Some(metrics),
            ..Self::default()
        }
    }

    /// The metrics these counts also go to, if any.
    pub fn metrics(&self) -> Option<&ConsumerMetrics> {
        self.metrics.as_ref()
    }

    /// Counts a processed batch.
    pub fn record(&mut self, batch: &[Received<'_>], now: Instant) {
        if batch.is_empty() {
            return;
        }
        for message in batch {
            // Look up by &str first so a known topic costs no allocation.
            match self.per_topic.get_mut(message.topic) {
                Some(n) => *n += 1,
                None => {
                    self.per_topic.insert(message.topic.to_owned(), 1);
                }
            }
            let partitions = match self.next_offsets.get_mut(message.topic) {
                Some(p) => p,
                None => self
                    .next_offsets
                    .entry(message.topic.to_owned())
                    .or_default(),
            };
            let next = partitions.entry(message.partition).or_insert(0);
            *next = (*next).max(message.offset + 1);
        }
        if let Some(metrics) = &self.metrics {
            // One increment per run of a topic, not per record.
            let mut runs = batch.chunk_by(|a, b| a.topic == b.topic);
            for run in runs.by_ref() {
                metrics.add_records(run[0].topic, run.len() as u64);
            }
        }
        let n = batch.len() as u64;
        self.total += n;
        self.first_message.get_or_insert(now);
        self.last_message_at = Some(Utc::now());
        self.recent.push_back((now, n));
        self.forget_before(now);
    }

    /// Counts dead letters Kafka has acknowledged.
    pub fn record_dead_letters(&mut self, letters: &[DeadLetter<'_>]) {
        for run in letters.chunk_by(|a, b| a.topic == b.topic) {
            let topic = run[0].topic;
            *self.dead_letters.entry(topic.to_owned()).or_insert(0) += run.len() as u64;
            if let Some(metrics) = &self.metrics {
                metrics.add_dead_letters(topic, run.len() as u64);
            }
        }
    }

    /// Messages per second over the last [`RATE_WINDOW`] (or since the first
    /// message, when that is more recent).
    pub fn rate(&mut self, now: Instant) -> f64 {
        self.forget_before(now);
        let Some(first) = self.first_message else {
            return 0.0;
        };
        let span = now
            .duration_since(first)
            .clamp(Duration::from_secs(1), RATE_WINDOW);
        let recent: u64 = self.recent.iter().map(|(_, n)| n).sum();
        recent as f64 / span.as_secs_f64()
    }

    fn forget_before(&mut self, now: Instant) {
        while let Some((at, _)) = self.recent.front() {
            if now.duration_since(*at) <= RATE_WINDOW {
                break;
            }
            self.recent.pop_front();
        }
    }

    /// The counters as they are now.
    pub fn snapshot(&mut self, now: Instant) -> Counters {
        Counters {
            total: self.total,
            per_topic: self
                .per_topic
                .iter()
                .map(|(t, n)| (t.clone(), *n))
                .collect(),
            dead_letters: self
                .dead_letters
                .iter()
                .map(|(t, n)| (t.clone(), *n))
                .collect(),
            rate: self.rate(now),
            last_message_at: self.last_message_at,
        }
    }

    /// The next offset to process of each partition seen so far.
    pub fn next_offsets(&self) -> BTreeMap<(String, i32), i64> {
        self.next_offsets
            .iter()
            .flat_map(|(topic, parts)| parts.iter().map(move |(p, o)| ((topic.clone(), *p), *o)))
            .collect()
    }
}

/// The counters part of the statistics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters {
    pub total: u64,
    pub per_topic: Vec<(String, u64)>,
    /// Dead letters written, per topic.
    pub dead_letters: Vec<(String, u64)>,
    pub rate: f64,
    pub last_message_at: Option<DateTime<Utc>>,
}

/// How far one partition's consumer is behind its newest message.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// Next offset to process (processed here, else committed).
    pub position: Option<i64>,
    pub high_watermark: Option<i64>,
}

impl PartitionLag {
    /// Messages not processed yet, when both ends are known.
    pub fn lag(&self) -> Option<i64> {
        Some((self.high_watermark? - self.position?).max(0))
    }
}

/// Measures the lag of each assigned partition. Blocks on network round
/// trips, so callers run it away from the message path.
pub fn measure_lag(
    consumer: &SessionConsumer,
    assignment: &[(String, i32)],
    processed: &BTreeMap<(String, i32), i64>,
) -> Vec<PartitionLag> {
    let deadline = Instant::now() + LAG_BUDGET;
    let time_left =
        || Some(deadline.saturating_duration_since(Instant::now())).filter(|t| !t.is_zero());
    let committed = consumer.committed(LAG_BUDGET).ok();
    assignment
        .iter()
        .map(|(topic, partition)| {
            let committed_offset = committed
                .as_ref()
                .and_then(|tpl| tpl.find_partition(topic, *partition))
                .and_then(|e| match e.offset() {
                    Offset::Offset(o) => Some(o),
                    _ => None,
                });
            let watermarks = time_left()
                .and_then(|timeout| consumer.fetch_watermarks(topic, *partition, timeout).ok());
            // With nothing processed or committed, a new group starts at the
            // earliest message (auto.offset.reset=earliest).
            let position = processed
                .get(&(topic.clone(), *partition))
                .copied()
                .or(committed_offset)
                .or(watermarks.map(|(low, _)| low));
            PartitionLag {
                topic: topic.clone(),
                partition: *partition,
                position,
                high_watermark: watermarks.map(|(_, high)| high),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;

    fn message(topic: &str, partition: i32, offset: i64) -> OwnedMessage {
        OwnedMessage::new(
            Some(b"{}".to_vec()),
            None,
            topic.into(),
            Timestamp::NotAvailable,
            partition,
            offset,
            None,
        )
    }

    #[test]
    fn counts_per_topic_and_tracks_offsets() {
        let messages = [
            message("a", 0, 5),
            message("a", 1, 9),
            message("b", 0, 1),
            message("a", 0, 6),
        ];
        let batch: Vec<Received<'_>> = messages.iter().map(Received::read).collect();
        let mut stats = Stats::default();
        let start = Instant::now();
        stats.record(&batch, start);
        let counters = stats.snapshot(start);
        assert_eq!(counters.total, 4);
        assert_eq!(
            counters.per_topic,
            [("a".to_owned(), 3), ("b".to_owned(), 1)]
        );
        assert_eq!(stats.next_offsets()[&("a".to_owned(), 0)], 7);
        assert_eq!(stats.next_offsets()[&("a".to_owned(), 1)], 10);
        // Four messages in the first second: the rate spans at least a second.
        assert_eq!(stats.rate(start), 4.0);
        // Long after, the window is empty.
        assert_eq!(stats.rate(start + RATE_WINDOW * 2), 0.0);
    }
}
