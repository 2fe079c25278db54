//! One page of the message browser: which offsets to read in which
//! partitions, reading them with an assigned consumer, and the cursors
//! that lead to the pages around it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Message, Offset, TopicPartitionList};
use serde::Serialize;

use super::ReaderError;
use super::decode::RecordView;

/// Most records one page may hold.
pub const MAX_LIMIT: usize = 200;
/// Records a page holds unless asked otherwise.
pub const DEFAULT_LIMIT: usize = 20;

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The newest records.
    Newest,
    /// From this offset on (needs a partition).
    Offset(i64),
    /// From the first record at or after this time, ms since the epoch.
    Timestamp(i64),
}

/// A checked request for one page.
#[derive(Debug, Clone)]
pub struct PageQuery {
    /// One partition, or all of them.
    pub partition: Option<i32>,
    pub start: Start,
    /// 1 to [`MAX_LIMIT`].
    pub limit: usize,
}

/// A page of records, oldest first, with where each partition stands.
#[derive(Debug, Serialize)]
pub struct Page {
    pub topic: String,
    pub records: Vec<RecordView>,
    pub partitions: Vec<PartitionCursor>,
    /// False when Kafka did not deliver every record asked for in time.
    pub complete: bool,
}

/// A partition of the page: its watermarks and the offsets at which the
/// pages before and after this one start on it.
#[derive(Debug, Serialize)]
pub struct PartitionCursor {
    pub partition: i32,
    /// The oldest offset Kafka still holds.
    pub low: i64,
    /// The offset the next record will get.
    pub high: i64,
    /// `?partition=P&offset=older` reads the records just before this
    /// page's; `None` at the start of the partition.
    pub older: Option<i64>,
    /// `?partition=P&offset=newer` reads the records just after; `None`
    /// when this page reaches the end.
    pub newer: Option<i64>,
}

/// Offsets `[from, to)` of one partition to read.
#[derive(Debug, Clone, Copy)]
struct Range {
    partition: i32,
    low: i64,
    high: i64,
    from: i64,
    to: i64,
}

/// Reads the page `query` asks of `topic`, whose partitions are `partitions`.
pub fn read_page(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    query: &PageQuery,
    timeout: Duration,
) -> Result<Page, ReaderError> {
    let wanted: Vec<i32> = match query.partition {
        Some(p) if partitions.contains(&p) => vec![p],
        Some(p) => {
            return Err(ReaderError::BadRequest(format!(
                "partition {p} does not exist: topic '{topic}' has partitions 0 to {}",
                partitions.len().saturating_sub(1)
            )));
        }
        None => partitions.to_vec(),
    };
    let starts = match query.start {
        Start::Timestamp(ms) => Some(offsets_for_time(consumer, topic, &wanted, ms, timeout)?),
        _ => None,
    };
    let mut ranges = Vec::with_capacity(wanted.len());
    for partition in wanted {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, timeout)
            .map_err(|e| kafka_failed("reading the watermarks", e))?;
        let limit = query.limit as i64;
        let from = match query.start {
            Start::Newest => (high - limit).max(low),
            // Retention may have removed what was asked for: start at what is left.
            Start::Offset(offset) => offset.clamp(low, high),
            Start::Timestamp(_) => starts
                .as_ref()
                .and_then(|found| found.get(&partition).copied())
                .unwrap_or(high)
                .clamp(low, high),
        };
        let to = (from + limit).min(high);
        ranges.push(Range {
            partition,
            low,
            high,
            from,
            to,
        });
    }
    let (mut records, complete) = read_ranges(consumer, topic, &ranges, timeout)?;
    // Oldest first; across partitions by time, then partition and offset.
    records.sort_by_key(|r| (r.timestamp.unwrap_or(i64::MIN), r.partition, r.offset));
    if records.len() > query.limit {
        match query.start {
            // The newest `limit` records across partitions.
            Start::Newest => drop(records.drain(..records.len() - query.limit)),
            _ => records.truncate(query.limit),
        }
    }
    let partitions = ranges
        .iter()
        .map(|range| cursor(range, &records, query.limit as i64))
        .collect();
    Ok(Page {
        topic: topic.to_owned(),
        records,
        partitions,
        complete,
    })
}

/// The cursor of `range` after the page kept `records`.
fn cursor(range: &Range, records: &[RecordView], limit: i64) -> PartitionCursor {
    let shown = records.iter().filter(|r| r.partition == range.partition);
    let first = shown.clone().map(|r| r.offset).min().unwrap_or(range.from);
    let next = shown.map(|r| r.offset + 1).max().unwrap_or(range.from);
    PartitionCursor {
        partition: range.partition,
        low: range.low,
        high: range.high,
        older: (first > range.low).then(|| (first - limit).max(range.low)),
        newer: (next < range.high).then_some(next),
    }
}

/// The first offset at or after `ms` in each partition; a partition with
/// no such record is left out (its page starts at its end).
fn offsets_for_time(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    ms: i64,
    timeout: Duration,
) -> Result<HashMap<i32, i64>, ReaderError> {
    let mut asked = TopicPartitionList::new();
    for &partition in partitions {
        asked
            .add_partition_offset(topic, partition, Offset::Offset(ms))
            .map_err(|e| kafka_failed("asking for offsets by time", e))?;
    }
    let found = consumer
        .offsets_for_times(asked, timeout)
        .map_err(|e| kafka_failed("finding offsets by time", e))?;
    Ok(found
        .elements()
        .iter()
        .filter_map(|element| match element.offset() {
            Offset::Offset(offset) => Some((element.partition(), offset)),
            _ => None,
        })
        .collect())
}

/// Reads every offset of `ranges` with an explicit assignment (no group,
/// no commit); returns what arrived by the deadline and whether that was
/// all of it.
fn read_ranges(
    consumer: &BaseConsumer,
    topic: &str,
    ranges: &[Range],
    timeout: Duration,
) -> Result<(Vec<RecordView>, bool), ReaderError> {
    let mut open: HashMap<i32, Range> = ranges
        .iter()
        .filter(|range| range.from < range.to)
        .map(|range| (range.partition, *range))
        .collect();
    if open.is_empty() {
        return Ok((Vec::new(), true));
    }
    let mut assignment = TopicPartitionList::new();
    for range in open.values() {
        assignment
            .add_partition_offset(topic, range.partition, Offset::Offset(range.from))
            .map_err(|e| kafka_failed("assigning partitions", e))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|e| kafka_failed("assigning partitions", e))?;
    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    while !open.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match consumer.poll(left) {
            None => {}
            Some(Ok(message)) => {
                let Some(range) = open.get(&message.partition()) else {
                    continue;
                };
                // A record fetched for an earlier assignment, or past the range.
                if message.topic() != topic || message.offset() < range.from {
                    continue;
                }
                if message.offset() < range.to {
                    records.push(RecordView::read(&message));
                }
                // Offsets may skip (compaction, transaction markers).
                if message.offset() + 1 >= range.to {
                    open.remove(&message.partition());
                }
            }
            Some(Err(KafkaError::MessageConsumption(RDKafkaErrorCode::OffsetOutOfRange))) => {
                // Retention removed the rest while we read.
                log::info!("records of '{topic}' went away while being read");
                open.clear();
            }
            Some(Err(e)) => log::warn!("reading '{topic}': {e}"),
        }
    }
    let complete = open.is_empty();
    // Nothing keeps being fetched between pages.
    if let Err(e) = consumer.unassign() {
        log::warn!("unassigning '{topic}': {e}");
    }
    Ok((records, complete))
}

/// A Kafka call that failed; timeouts and unreachable brokers say so.
pub(super) fn kafka_failed(doing: &str, error: KafkaError) -> ReaderError {
    ReaderError::Unavailable(format!("Kafka did not answer {doing}: {error}"))
}
