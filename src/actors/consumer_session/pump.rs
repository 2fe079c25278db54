//! The message path: Kafka -> message store -> sink -> offset store.
//!
//! Records are taken in batches of whatever has already arrived, so a busy
//! topic costs one store transaction, one output flush and one offset store
//! per batch, and a quiet one still shows each message at once. Nothing is
//! copied on the way: every stage borrows from librdkafka's buffers.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::BorrowedMessage;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::oneshot;

use super::kafka::{KafkaHealth, SessionConsumer};
use super::record::Received;
use super::stats::Stats;
use crate::store::{self, StoreConn, StoreError};

/// Most records handled as one batch.
pub const MAX_BATCH: usize = 2048;

/// Where processed messages are shown.
pub trait Sink {
    /// Shows a batch, in order. An error stops the pump before the batch's
    /// offsets are stored.
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()>;

    /// Shows a line about the consumer itself (it stopped, say).
    fn notice(&mut self, text: &str) {
        log::info!("{text}");
    }
}

impl<S: Sink + ?Sized> Sink for Rc<RefCell<S>> {
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()> {
        self.borrow_mut().deliver(batch)
    }

    fn notice(&mut self, text: &str) {
        self.borrow_mut().notice(text);
    }
}

/// Why a pump finished normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PumpEnd {
    /// Asked to stop.
    Stopped,
    /// Processed as many messages as it was asked to.
    Limit,
    /// No message arrived within the idle timeout.
    Idle,
}

/// Why a pump gave up. Nothing of the failed batch was committed.
#[derive(Debug, thiserror::Error)]
pub enum PumpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing output failed: {0}")]
    Output(#[from] io::Error),
}

/// Moves messages from one consumer to the store and a sink until stopped.
pub struct Pump<S> {
    pub consumer: Arc<SessionConsumer>,
    /// `None` runs without a message store.
    pub store: Option<StoreConn>,
    pub sink: S,
    pub stats: Rc<RefCell<Stats>>,
    pub health: Arc<KafkaHealth>,
    /// Stop after this many messages.
    pub limit: Option<u64>,
    /// Stop when no message arrives for this long.
    pub idle_timeout: Option<Duration>,
}

impl<S: Sink> Pump<S> {
    /// Runs until `stop` fires (or its sender is dropped), the limit is
    /// reached, the idle timeout passes, or storing or showing fails.
    pub async fn run(mut self, mut stop: oneshot::Receiver<()>) -> Result<PumpEnd, PumpError> {
        let consumer = Arc::clone(&self.consumer);
        let mut processed: u64 = 0;
        let mut batches: u64 = 0;
        let end = loop {
            let room = match self.limit {
                Some(limit) if processed >= limit => break PumpEnd::Limit,
                Some(limit) => usize::try_from(limit - processed)
                    .unwrap_or(MAX_BATCH)
                    .min(MAX_BATCH),
                None => MAX_BATCH,
            };
            let mut stream = consumer.stream();
            let idle = async {
                match self.idle_timeout {
                    Some(timeout) => tokio::time::sleep(timeout).await,
                    None => std::future::pending().await,
                }
            };
            let first = tokio::select! {
                biased;
                _ = &mut stop => break PumpEnd::Stopped,
                next = stream.next() => next,
                () = idle => break PumpEnd::Idle,
            };
            let mut batch: Vec<BorrowedMessage<'_>> = Vec::with_capacity(room.min(64));
            self.take(first, &mut batch);
            // Whatever else has already arrived joins this batch.
            while batch.len() < room {
                match stream.next().now_or_never() {
                    Some(next) => self.take(next, &mut batch),
                    None => break,
                }
            }
            drop(stream);
            self.process(&batch)?;
            processed += batch.len() as u64;
            batches += 1;
        };
        log::debug!("pump ended ({end:?}): {processed} messages in {batches} batches");
        Ok(end)
    }

    fn take<'c>(
        &self,
        next: Option<Result<BorrowedMessage<'c>, KafkaError>>,
        batch: &mut Vec<BorrowedMessage<'c>>,
    ) {
        match next {
            Some(Ok(message)) => batch.push(message),
            Some(Err(e)) => {
                log::warn!("Kafka: {e}");
                self.health.record_error(e.to_string());
            }
            None => {}
        }
    }

    /// Stores, shows, then marks the batch's offsets for commit: a crash at
    /// any point before the last step means Kafka delivers these again.
    fn process(&mut self, messages: &[BorrowedMessage<'_>]) -> Result<(), PumpError> {
        if messages.is_empty() {
            return Ok(());
        }
        let batch: Vec<Received<'_>> = messages.iter().map(Received::read).collect();
        if let Some(conn) = self.store.as_mut() {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let rows: Vec<_> = batch.iter().map(|r| r.row(&now)).collect();
            store::messages::insert_batch(conn, &rows)?;
        }
        self.sink.deliver(&batch)?;
        self.store_offsets(&batch);
        self.stats.borrow_mut().record(&batch, Instant::now());
        Ok(())
    }

    fn store_offsets(&self, batch: &[Received<'_>]) {
        // A batch spans few partitions; a linear scan beats hashing here.
        let mut next: Vec<(&str, i32, i64)> = Vec::new();
        for message in batch {
            match next
                .iter_mut()
                .find(|(t, p, _)| *p == message.partition && *t == message.topic)
            {
                Some(entry) => entry.2 = entry.2.max(message.offset + 1),
                None => next.push((message.topic, message.partition, message.offset + 1)),
            }
        }
        let mut tpl = TopicPartitionList::with_capacity(next.len());
        for (topic, partition, offset) in next {
            if let Err(e) = tpl.add_partition_offset(topic, partition, Offset::Offset(offset)) {
                log::warn!("offset {topic}[{partition}]@{offset}: {e}");
            }
        }
        if let Err(e) = self.consumer.store_offsets(&tpl) {
            // Happens when a rebalance took the partition away meanwhile:
            // its new owner reads these messages again and the store keeps
            // them once.
            log::info!("could not store offsets ({e}); they will be delivered again");
        }
    }
}
