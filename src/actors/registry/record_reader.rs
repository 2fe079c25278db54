//! `RecordReader`: reads records of registered topics for the admin
//! service's message browser, and opens the consumers of its live tails.
//!
//! It only looks: its clients are `KafkaRole::AdminReader` consumers
//! without a group, given explicit offsets with `assign` (never
//! `subscribe`), and they never commit. librdkafka's calls block, so the
//! reader runs on a `SyncArbiter` of its own, away from the HTTP workers,
//! and every call has a timeout.

pub mod decode;
pub mod page;

use std::time::Duration;

use actix::prelude::*;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config};
use page::{Page, PageQuery, kafka_failed};

/// How long one Kafka request (metadata, watermarks, offsets) may take.
const KAFKA_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a page may take to read once its offsets are known.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The group the readers name but never join (see `reader_config`).
const READER_GROUP: &str = "topicgate-admin-reader";

/// Why records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    /// The request asks for something the topic does not have.
    #[error("{0}")]
    BadRequest(String),
    /// The topic is registered, but Kafka has no topic of that name.
    #[error("{0}")]
    NotInKafka(String),
    /// Kafka did not answer in time, or refused.
    #[error("{0}")]
    Unavailable(String),
}

/// The message browser's reader: each thread keeps one consumer, made on
/// first use and reassigned for every page.
pub struct RecordReader {
    settings: KafkaSettings,
    browser: Option<BaseConsumer>,
}

impl RecordReader {
    /// Starts `threads` readers of the Kafka `settings` describe.
    pub fn start(settings: KafkaSettings, threads: usize) -> Addr<RecordReader> {
        SyncArbiter::start(threads, move || RecordReader {
            settings: settings.clone(),
            browser: None,
        })
    }

    fn browser(&mut self) -> Result<&BaseConsumer, ReaderError> {
        if self.browser.is_none() {
            let consumer = reader_config(&self.settings)
                .create()
                .map_err(|e| kafka_failed("making a reader", e))?;
            self.browser = Some(consumer);
        }
        self.browser
            .as_ref()
            .ok_or_else(|| ReaderError::Unavailable("no Kafka reader".into()))
    }

    /// The partitions of `topic` as Kafka's metadata lists them.
    fn partitions(&mut self, topic: &str) -> Result<Vec<i32>, ReaderError> {
        let metadata = self
            .browser()?
            .fetch_metadata(Some(topic), KAFKA_TIMEOUT)
            .map_err(|e| kafka_failed("for the topic's metadata", e))?;
        let found = metadata.topics().iter().find(|t| t.name() == topic);
        match found {
            Some(t) if t.error().is_none() && !t.partitions().is_empty() => {
                let mut ids: Vec<i32> = t.partitions().iter().map(|p| p.id()).collect();
                ids.sort_unstable();
                Ok(ids)
            }
            _ => Err(ReaderError::NotInKafka(format!(
                "topic '{topic}' is registered but does not exist in Kafka"
            ))),
        }
    }
}

impl Actor for RecordReader {
    type Context = SyncContext<Self>;
}

/// Read one page of `topic`'s records.
#[derive(Message)]
#[rtype(result = "Result<Page, ReaderError>")]
pub struct BrowseRecords {
    pub topic: String,
    pub query: PageQuery,
}

impl Handler<BrowseRecords> for RecordReader {
    type Result = Result<Page, ReaderError>;

    fn handle(&mut self, msg: BrowseRecords, _: &mut Self::Context) -> Self::Result {
        let partitions = self.partitions(&msg.topic)?;
        page::read_page(
            self.browser()?,
            &msg.topic,
            &partitions,
            &msg.query,
            READ_TIMEOUT,
        )
    }
}

/// The offsets the next records of each partition of `topic` will get,
/// for a live tail: assigned there, it sees exactly what is produced after
/// this answer. Explicit offsets rather than `Offset::End`, which
/// librdkafka resolves later: a record produced in between would be missed.
#[derive(Message)]
#[rtype(result = "Result<TailStart, ReaderError>")]
pub struct OpenTail {
    pub topic: String,
}

/// Where a live tail starts: `(partition, offset)` for every partition.
#[derive(Debug)]
pub struct TailStart {
    pub topic: String,
    pub offsets: Vec<(i32, i64)>,
}

impl Handler<OpenTail> for RecordReader {
    type Result = Result<TailStart, ReaderError>;

    fn handle(&mut self, msg: OpenTail, _: &mut Self::Context) -> Self::Result {
        let topic = msg.topic;
        let partitions = self.partitions(&topic)?;
        let browser = self.browser()?;
        let mut offsets = Vec::with_capacity(partitions.len());
        for partition in partitions {
            let (_, high) = browser
                .fetch_watermarks(&topic, partition, KAFKA_TIMEOUT)
                .map_err(|e| kafka_failed("reading the watermarks", e))?;
            offsets.push((partition, high));
        }
        Ok(TailStart { topic, offsets })
    }
}

impl TailStart {
    /// A consumer of its own for the tail, assigned at its offsets. It is
    /// made on the caller's async runtime, where rdkafka's stream consumer
    /// runs its wake-ups; making and assigning it does not block.
    pub fn consumer(&self, settings: &KafkaSettings) -> Result<StreamConsumer, ReaderError> {
        let mut config = reader_config(settings);
        // Each tail fetches on its own: with librdkafka's default (answer
        // as soon as one byte is there) ten tails of a busy topic keep the
        // broker answering thousands of tiny fetches a second, and on a
        // small machine that starves everything. Waiting for 64 KiB or
        // 50 ms batches them, for at most 50 ms of latency.
        config
            .set("fetch.min.bytes", "65536")
            .set("fetch.wait.max.ms", "50");
        let consumer: StreamConsumer = config
            .create()
            .map_err(|e| kafka_failed("making a tail", e))?;
        let mut assignment = TopicPartitionList::new();
        for &(partition, offset) in &self.offsets {
            assignment
                .add_partition_offset(&self.topic, partition, Offset::Offset(offset))
                .map_err(|e| kafka_failed("assigning partitions", e))?;
        }
        consumer
            .assign(&assignment)
            .map_err(|e| kafka_failed("assigning partitions", e))?;
        Ok(consumer)
    }
}

/// The reader's librdkafka configuration. librdkafka refuses `assign`
/// without a `group.id`, so the readers name one; they never subscribe,
/// so they never join it, and never commit to it (`AdminReader`).
fn reader_config(settings: &KafkaSettings) -> rdkafka::ClientConfig {
    let mut config = client_config(settings, KafkaRole::AdminReader);
    config
        .set("group.id", READER_GROUP)
        // librdkafka fetches ahead into a queue of up to 64 MiB per
        // consumer by default; a page needs at most 200 records, and a
        // tail whose client stalls stops taking records, so each of the
        // `--max-streams` consumers would hold that much. 2 MiB each.
        .set("queued.max.messages.kbytes", "2048");
    config
}
