//! Helpers of the producer daemon's tests: start a daemon against a test
//! admin, read back what it wrote to Kafka, wait for conditions (bounded).

pub mod logs;

use crate::support::kafka::{partition_count, unique_name};
pub use crate::support::wait::eventually;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use topicgate::config::{Pace, ProducerSettings, Secret};
use topicgate::domain::Envelope;
use topicgate::producer::ProducerHandle;

/// The watcher's interval in these tests.
pub const POLL: Duration = Duration::from_secs(1);

/// Starts a daemon polling `admin_url` every [`POLL`].
pub fn start_producer(admin_url: &str, bootstrap: &str, key: &str, pace: Pace) -> ProducerHandle {
    start_producer_with(admin_url, bootstrap, key, |settings| settings.pace = pace)
}

/// Like [`start_producer`], with a chance to change the settings.
pub fn start_producer_with(
    admin_url: &str,
    bootstrap: &str,
    key: &str,
    tune: impl FnOnce(&mut ProducerSettings),
) -> ProducerHandle {
    // Shown with --nocapture (RUST_LOG=info), captured otherwise.
    logs::install();
    let key = Secret::new(key).expect("a valid producer key");
    let mut settings = ProducerSettings::new(admin_url, bootstrap, key);
    settings.poll_interval = POLL;
    settings.summary_interval = Duration::from_secs(2);
    // A group of its own: daemons of other tests on the shared broker
    // must not take this one's topics.
    settings.producer_group = unique_name("producers");
    tune(&mut settings);
    ProducerHandle::start(settings).expect("the producer starts")
}

fn client(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set(
            "group.id",
            format!("producer-tests-{:016x}", rand::random::<u64>()),
        )
        .set("enable.auto.commit", "false")
        .create()
        .expect("a Kafka consumer")
}

/// Partition count and replication factor of `topic`, if Kafka has it.
pub async fn topic_layout(bootstrap: &str, topic: &str) -> Option<(usize, usize)> {
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    blocking(move || {
        let metadata = client(&bootstrap)
            .fetch_metadata(Some(&topic), Duration::from_secs(5))
            .ok()?;
        let found = metadata.topics().iter().find(|t| t.name() == topic)?;
        if found.error().is_some() || found.partitions().is_empty() {
            return None;
        }
        let replicas = found.partitions()[0].replicas().len();
        Some((found.partitions().len(), replicas))
    })
    .await
}

/// One record read back: its key and envelope.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: String,
    pub envelope: Envelope,
}

/// Reads `topic` from the beginning until `want` records arrived or
/// `bound` passed, then a little longer to catch any extra (duplicates).
pub async fn read_all(bootstrap: &str, topic: &str, want: usize, bound: Duration) -> Vec<Received> {
    read_raw(bootstrap, topic, want, bound)
        .await
        .into_iter()
        .map(|raw| Received {
            key: String::from_utf8_lossy(&raw.key).into_owned(),
            envelope: serde_json::from_slice(&raw.value).expect("an envelope"),
        })
        .collect()
}

/// One record read back as Kafka holds it.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    /// Its headers, in order (a header without a value has an empty one).
    pub headers: Vec<(String, Vec<u8>)>,
}

impl RawRecord {
    /// The value of header `name`, if the record has it.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_slice())
    }
}

/// Like [`read_all`], with each record's bytes and headers as they are.
pub async fn read_raw(
    bootstrap: &str,
    topic: &str,
    want: usize,
    bound: Duration,
) -> Vec<RawRecord> {
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    blocking(move || {
        let consumer = client(&bootstrap);
        let partitions = partition_count(&consumer, &topic);
        assert!(partitions > 0, "{topic} does not exist");
        let mut assignment = TopicPartitionList::new();
        for p in 0..partitions as i32 {
            assignment
                .add_partition_offset(&topic, p, Offset::Beginning)
                .expect("assignment");
        }
        consumer.assign(&assignment).expect("assign");
        let deadline = Instant::now() + bound;
        let mut records = Vec::new();
        let mut quiet_until: Option<Instant> = None;
        while Instant::now() < deadline {
            if records.len() >= want {
                let until = *quiet_until.get_or_insert(Instant::now() + Duration::from_secs(2));
                if Instant::now() >= until {
                    break;
                }
            }
            let Some(result) = consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = result.expect("a record");
            let headers = message
                .headers()
                .map(|headers| {
                    headers
                        .iter()
                        .map(|h| (h.key.to_owned(), h.value.unwrap_or_default().to_vec()))
                        .collect()
                })
                .unwrap_or_default();
            records.push(RawRecord {
                key: message.key().unwrap_or_default().to_vec(),
                value: message.payload().unwrap_or_default().to_vec(),
                headers,
            });
        }
        records
    })
    .await
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    actix_rt::task::spawn_blocking(work)
        .await
        .expect("blocking helper")
}

/// Which daemons (their `topicgate-producer` header) wrote to each of
/// `topics` during `window`, reading from the end of every partition; a
/// topic nobody wrote to is missing from the answer.
pub async fn writers_during(
    bootstrap: &str,
    topics: &[String],
    window: Duration,
) -> std::collections::HashMap<String, std::collections::BTreeSet<String>> {
    let (bootstrap, topics) = (bootstrap.to_owned(), topics.to_vec());
    blocking(move || {
        let consumer = client(&bootstrap);
        let mut assignment = TopicPartitionList::new();
        for topic in &topics {
            for p in 0..partition_count(&consumer, topic) as i32 {
                assignment
                    .add_partition_offset(topic, p, Offset::End)
                    .expect("assignment");
            }
        }
        consumer.assign(&assignment).expect("assign");
        let mut writers: std::collections::HashMap<_, std::collections::BTreeSet<_>> =
            Default::default();
        let deadline = Instant::now() + window;
        while Instant::now() < deadline {
            let Some(result) = consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = result.expect("a record");
            let writer = message
                .headers()
                .and_then(|headers| {
                    headers
                        .iter()
                        .find(|h| h.key == topicgate::producer::PRODUCER_HEADER)
                        .and_then(|h| h.value)
                        .map(|value| String::from_utf8_lossy(value).into_owned())
                })
                .unwrap_or_else(|| "(no header)".to_owned());
            writers
                .entry(message.topic().to_owned())
                .or_default()
                .insert(writer);
        }
        writers
    })
    .await
}
