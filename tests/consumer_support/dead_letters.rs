//! Topics with a dead-letter topic, records written by a foreign producer
//! (plain rdkafka, any bytes, any schema id), and the dead letters read
//! back from Kafka.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use topicgate::schema::{SCHEMA_ID_HEADER, dlq_topic_name};

use super::{EXPECT, active_topic};
use crate::support::admin::TestAdmin;
use crate::support::kafka;

/// An active topic (in the registry and in Kafka) and its `<topic>.dlq`
/// (one partition), the way the producer daemon leaves them.
pub async fn topic_with_dlq(
    admin: &TestAdmin,
    bootstrap: &str,
    prefix: &str,
    partitions: i32,
) -> String {
    let topic = active_topic(admin, bootstrap, prefix, partitions).await;
    kafka::create_topic(bootstrap, &dlq_topic_name(&topic), 1, 1, &[]).await;
    topic
}

/// One record as a foreign producer writes it.
#[derive(Debug, Clone)]
pub struct Raw {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    /// The `topicgate-schema-id` header, as written.
    pub schema_id: Option<String>,
}

impl Raw {
    pub fn new(key: &str, value: impl Into<Vec<u8>>) -> Raw {
        Raw {
            key: key.as_bytes().to_vec(),
            value: value.into(),
            schema_id: None,
        }
    }

    pub fn naming(mut self, schema_id: impl ToString) -> Raw {
        self.schema_id = Some(schema_id.to_string());
        self
    }
}

/// Produces `records` to partition 0 of `topic`, in order, and waits for
/// every delivery.
pub async fn produce(bootstrap: &str, topic: &str, records: &[Raw]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .create()
        .expect("a Kafka producer");
    for record in records {
        let mut to = FutureRecord::to(topic)
            .partition(0)
            .key(&record.key)
            .payload(&record.value);
        if let Some(id) = &record.schema_id {
            to = to.headers(OwnedHeaders::new().insert(Header {
                key: SCHEMA_ID_HEADER,
                value: Some(id.as_str()),
            }));
        }
        if let Err((e, _)) = producer.send(to, Duration::from_secs(30)).await {
            panic!("producing to {topic} failed: {e}");
        }
    }
}

/// A dead letter as read back from `<topic>.dlq`.
#[derive(Debug, Clone)]
pub struct Letter {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    /// Every header, by name (lossy UTF-8).
    pub headers: HashMap<String, String>,
}

impl Letter {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }
}

/// Every record of `<topic>.dlq`, once at least `expected` are there
/// (bounded wait); its partition 0 from the start.
pub fn dead_letters(bootstrap: &str, topic: &str, expected: usize) -> Vec<Letter> {
    let dlq = dlq_topic_name(topic);
    let deadline = Instant::now() + EXPECT;
    loop {
        let letters = read_all(bootstrap, &dlq);
        if letters.len() >= expected {
            return letters;
        }
        assert!(
            Instant::now() < deadline,
            "{dlq} holds {} dead letters, not {expected}: {letters:?}",
            letters.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn read_all(bootstrap: &str, dlq: &str) -> Vec<Letter> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", kafka::unique_name("dlq-check"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("a Kafka consumer");
    let (_, high) = consumer
        .fetch_watermarks(dlq, 0, Duration::from_secs(10))
        .expect("the dead-letter topic's watermarks");
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(dlq, 0, Offset::Beginning)
        .expect("an assignment");
    consumer.assign(&assignment).expect("assigning");
    let mut letters = Vec::new();
    let deadline = Instant::now() + EXPECT;
    while (letters.len() as i64) < high && Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(500)) {
            let headers = message
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| {
                            (
                                h.key.to_owned(),
                                String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            letters.push(Letter {
                key: message.key().map(<[u8]>::to_vec),
                value: message.payload().unwrap_or_default().to_vec(),
                headers,
            });
        }
    }
    letters
}
