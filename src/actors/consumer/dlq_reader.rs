//! Reading the newest dead letters of a topic back from Kafka, for the
//! REPL's `dlq TOPIC [N]`. The reader only looks: explicit offsets, no
//! group joined, nothing committed. It blocks: call it on a blocking thread.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config, explain};
use crate::schema::{
    DLQ_GROUP_HEADER, DLQ_OFFSET_HEADER, DLQ_PARTITION_HEADER, DLQ_REASON_HEADER,
    DLQ_SCHEMA_ID_HEADER, DLQ_TOPIC_HEADER, dlq_topic_name,
};

/// How long one question to Kafka (metadata, watermarks) may take.
const KAFKA_TIMEOUT: Duration = Duration::from_secs(5);
/// How long reading the letters may take once their offsets are known.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The group the reader names but never joins (librdkafka wants one).
const READER_GROUP: &str = "topicgate-consumer-dlq-reader";

/// Most dead letters one `dlq` shows.
pub const MAX_LETTERS: usize = 1000;

/// One dead letter as read back. Every field comes from Kafka and is
/// untrusted: shown only through the terminal-safe rendering.
#[derive(Debug, Clone)]
pub struct DeadLetterView {
    /// Its place in the dead-letter topic.
    pub partition: i32,
    pub offset: i64,
    /// When it was written (ms since the epoch), if known.
    pub timestamp: Option<i64>,
    pub reason: Option<String>,
    pub original_topic: Option<String>,
    pub original_partition: Option<String>,
    pub original_offset: Option<String>,
    pub schema_id: Option<String>,
    pub group: Option<String>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

/// The newest `count` dead letters of `topic` (at most [`MAX_LETTERS`]),
/// oldest first. Problems are sentences for the user.
pub fn newest(
    kafka: &KafkaSettings,
    topic: &str,
    count: usize,
) -> Result<Vec<DeadLetterView>, String> {
    let dlq = dlq_topic_name(topic);
    let count = count.clamp(1, MAX_LETTERS) as i64;
    let mut config = client_config(kafka, KafkaRole::DeadLetterReader);
    config.set("group.id", READER_GROUP);
    let consumer: BaseConsumer = config.create().map_err(explain)?;
    let metadata = consumer
        .fetch_metadata(Some(&dlq), KAFKA_TIMEOUT)
        .map_err(|e| format!("Kafka did not answer: {e}"))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == dlq && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(format!("Kafka has no topic {dlq}"));
    }
    // The newest `count` of each partition; the newest `count` of all are
    // among them.
    let mut assignment = TopicPartitionList::new();
    let mut ends = Vec::new();
    for partition in partitions {
        let (low, high) = consumer
            .fetch_watermarks(&dlq, partition, KAFKA_TIMEOUT)
            .map_err(|e| format!("Kafka did not answer: {e}"))?;
        let from = low.max(high - count);
        if from < high {
            assignment
                .add_partition_offset(&dlq, partition, Offset::Offset(from))
                .map_err(|e| e.to_string())?;
            ends.push((partition, high));
        }
    }
    if ends.is_empty() {
        return Ok(Vec::new());
    }
    consumer.assign(&assignment).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + READ_TIMEOUT;
    let mut letters = Vec::new();
    while !ends.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match consumer.poll(left) {
            Some(Ok(message)) => {
                let Some(at) = ends.iter().position(|(p, _)| *p == message.partition()) else {
                    continue;
                };
                if message.offset() + 1 >= ends[at].1 {
                    ends.swap_remove(at);
                }
                letters.push(view(&message));
            }
            Some(Err(e)) => log::warn!("reading {dlq}: {e}"),
            None => {}
        }
    }
    letters.sort_by_key(|l| (l.timestamp, l.partition, l.offset));
    let skip = letters.len().saturating_sub(count as usize);
    Ok(letters.split_off(skip))
}

fn view<M: Message>(message: &M) -> DeadLetterView {
    let header = |name: &str| -> Option<String> {
        let headers = message.headers()?;
        let found = headers.iter().find(|h| h.key == name)?;
        Some(String::from_utf8_lossy(found.value?).into_owned())
    };
    DeadLetterView {
        partition: message.partition(),
        offset: message.offset(),
        timestamp: message.timestamp().to_millis(),
        reason: header(DLQ_REASON_HEADER),
        original_topic: header(DLQ_TOPIC_HEADER),
        original_partition: header(DLQ_PARTITION_HEADER),
        original_offset: header(DLQ_OFFSET_HEADER),
        schema_id: header(DLQ_SCHEMA_ID_HEADER),
        group: header(DLQ_GROUP_HEADER),
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
    }
}
