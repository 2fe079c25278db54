//! The message path: Kafka -> sink and message store -> offset store.
//!
//! Records are taken in batches of whatever has already arrived, so a busy
//! topic costs one store transaction, one output flush and one offset store
//! per batch, and a quiet one still shows each message at once. Reading and
//! showing borrow from librdkafka's buffers; the message store gets a copy
//! and writes it on its own thread (`store_writer`) while the next batch is
//! read and shown. A batch's offsets are stored for commit only once it has
//! been both shown and stored, in the order the batches came.
//!
//! With validation on, a batch is first sorted ([`Validation`]): records
//! that are not JSON or break their schema are dead-lettered, and the
//! batch's offsets (theirs included) are marked only once Kafka has
//! acknowledged every dead letter and the rest is shown and stored.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::oneshot;

use super::follow::PausedTopics;
use super::kafka::{KafkaHealth, SessionConsumer};
use super::record::Received;
use super::stats::Stats;
use super::store_writer::{OwnedBatch, StoreWriter};
use super::validation::Validation;
use crate::store::{StoreConn, StoreError};

/// Most records handled as one batch.
pub const MAX_BATCH: usize = 2048;

/// Batches that may be shown but not yet stored. Two keep the writer
/// thread busy while the pump works on the next batch.
const STORE_DEPTH: usize = 2;

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
    #[error("the message store's writer stopped")]
    WriterGone,
    #[error("{0}")]
    DeadLetters(String),
}

/// What the writer answered for a batch; `Err(())` when it went away.
type StoreOutcome = Result<Result<usize, StoreError>, ()>;

/// The store outcome of the oldest pending batch; never resolves when
/// nothing is pending.
async fn front_stored(pending: &mut VecDeque<Pending>) -> StoreOutcome {
    match pending.front_mut() {
        Some(front) => (&mut front.stored).await.map_err(|_| ()),
        None => std::future::pending().await,
    }
}

/// A batch that has been shown and is being stored: the offsets to store
/// for commit once the writer is done with it.
struct Pending {
    stored: oneshot::Receiver<Result<usize, StoreError>>,
    offsets: Vec<(String, i32, i64)>,
}

/// Moves messages from one consumer to the store and a sink until stopped.
/// Front ends run it through [`super::engine::Engine`].
pub(super) struct Pump<S> {
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
    /// Topics whose records are dropped (see [`super::follow`]).
    pub paused: PausedTopics,
    /// `None` shows every record as it comes (`--no-validate`).
    pub validation: Option<Validation>,
}

impl<S: Sink> Pump<S> {
    /// Runs until `stop` fires (or its sender is dropped), the limit is
    /// reached, the idle timeout passes, or storing or showing fails.
    pub(super) async fn run(
        mut self,
        mut stop: oneshot::Receiver<()>,
    ) -> Result<PumpEnd, PumpError> {
        let writer = match self.store.take() {
            Some(conn) => {
                let metrics = self.stats.borrow().metrics().cloned();
                Some(StoreWriter::start(conn, metrics).map_err(PumpError::Output)?)
            }
            None => None,
        };
        let mut pending = VecDeque::new();
        let end = self.pump(&mut stop, writer.as_ref(), &mut pending).await;
        // Whatever way the pump ended, batches already shown are committed
        // once they are stored; after a failure, none of the later ones.
        let drained = self.settle(&mut pending, 0).await;
        drop(writer);
        let end = end?;
        drained?;
        Ok(end)
    }

    async fn pump(
        &mut self,
        stop: &mut oneshot::Receiver<()>,
        writer: Option<&StoreWriter>,
        pending: &mut VecDeque<Pending>,
    ) -> Result<PumpEnd, PumpError> {
        let consumer = Arc::clone(&self.consumer);
        let mut processed: u64 = 0;
        let mut batches: u64 = 0;
        let mut last_message = Instant::now();
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
                    Some(timeout) => {
                        tokio::time::sleep_until((last_message + timeout).into()).await
                    }
                    None => std::future::pending().await,
                }
            };
            let first = tokio::select! {
                biased;
                _ = &mut *stop => break PumpEnd::Stopped,
                next = stream.next() => next,
                // While no message comes, batches finish storing: commit
                // them now rather than when the next message arrives.
                stored = front_stored(pending) => {
                    self.finish_front(pending, stored)?;
                    continue;
                }
                () = idle => break PumpEnd::Idle,
            };
            last_message = Instant::now();
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
            match self.process(&batch, writer, pending, stop).await? {
                Some(shown) => processed += shown as u64,
                // Stopped while the batch waited: none of it is marked.
                None => break PumpEnd::Stopped,
            }
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

    /// Dead-letters the batch's bad records (with validation on), shows the
    /// rest and hands it to the store; marks offsets for commit as batches
    /// finish storing. A crash at any point before a batch's offsets are
    /// marked means Kafka delivers it again. Returns how many messages it
    /// showed; `None` when `stop` fired while the batch waited (for a
    /// schema or a dead-letter topic), and nothing of it was marked.
    async fn process(
        &mut self,
        messages: &[BorrowedMessage<'_>],
        writer: Option<&StoreWriter>,
        pending: &mut VecDeque<Pending>,
        stop: &mut oneshot::Receiver<()>,
    ) -> Result<Option<usize>, PumpError> {
        let (batch, offsets) = match &mut self.validation {
            None => {
                let batch = readable(messages, &self.paused);
                let offsets = next_offsets(batch.iter().map(|r| (r.topic, r.partition, r.offset)));
                (batch, offsets)
            }
            Some(validation) => {
                let taken: Vec<&BorrowedMessage<'_>> = messages
                    .iter()
                    .filter(|m| !self.paused.contains(m.topic()))
                    .collect();
                if taken.is_empty() {
                    return Ok(Some(0));
                }
                let Some(sorted) = validation
                    .validator
                    .sort(&taken, &mut self.sink, stop)
                    .await
                else {
                    return Ok(None);
                };
                if !sorted.dead.is_empty() {
                    let written = validation
                        .dead_letters
                        .write(&sorted.dead, &mut self.sink, stop)
                        .await
                        .map_err(PumpError::DeadLetters)?;
                    if !written {
                        return Ok(None);
                    }
                    self.stats.borrow_mut().record_dead_letters(&sorted.dead);
                }
                let offsets =
                    next_offsets(taken.iter().map(|m| (m.topic(), m.partition(), m.offset())));
                (sorted.valid, offsets)
            }
        };
        if offsets.is_empty() {
            return Ok(Some(0));
        }
        let stored = writer.map(|writer| {
            if batch.is_empty() {
                // Only dead letters: nothing to store, but marked in turn
                // behind the batches still being stored.
                let (done, stored) = oneshot::channel();
                let _ = done.send(Ok(0));
                return stored;
            }
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            writer.submit(OwnedBatch::copy(&batch, now))
        });
        if !batch.is_empty() {
            self.sink.deliver(&batch)?;
            self.stats.borrow_mut().record(&batch, Instant::now());
        }
        match stored {
            Some(stored) => {
                pending.push_back(Pending { stored, offsets });
                self.settle(pending, STORE_DEPTH).await?;
            }
            None => self.store_offsets(&offsets),
        }
        Ok(Some(batch.len()))
    }

    /// Marks the offsets of stored batches for commit, oldest first, until
    /// at most `keep` batches are left waiting for the writer. Batches the
    /// writer has already finished are taken without waiting.
    async fn settle(&self, pending: &mut VecDeque<Pending>, keep: usize) -> Result<(), PumpError> {
        loop {
            let must_wait = pending.len() > keep;
            let Some(front) = pending.front_mut() else {
                break;
            };
            let outcome = if must_wait {
                Some((&mut front.stored).await.map_err(|_| ()))
            } else {
                match front.stored.try_recv() {
                    Ok(stored) => Some(Ok(stored)),
                    Err(oneshot::error::TryRecvError::Empty) => None,
                    Err(oneshot::error::TryRecvError::Closed) => Some(Err(())),
                }
            };
            let Some(outcome) = outcome else { break };
            self.finish_front(pending, outcome)?;
        }
        Ok(())
    }

    /// Takes the oldest pending batch, whose store outcome is `outcome`:
    /// marks its offsets for commit, or gives up on it and all later ones.
    fn finish_front(
        &self,
        pending: &mut VecDeque<Pending>,
        outcome: StoreOutcome,
    ) -> Result<(), PumpError> {
        let done = pending.pop_front().ok_or(PumpError::WriterGone)?;
        match outcome {
            Ok(Ok(_)) => {
                self.store_offsets(&done.offsets);
                Ok(())
            }
            Ok(Err(e)) => {
                pending.clear();
                Err(e.into())
            }
            Err(()) => {
                pending.clear();
                Err(PumpError::WriterGone)
            }
        }
    }

    fn store_offsets(&self, next: &[(String, i32, i64)]) {
        let mut tpl = TopicPartitionList::with_capacity(next.len());
        for (topic, partition, offset) in next {
            let (topic, partition, offset) = (topic.as_str(), *partition, *offset);
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

/// The records of `messages` to show, store and mark. Those of a paused
/// topic, fetched before Kafka took its partitions away, are left out, so
/// their offsets stay unmarked and they are read again on resumption.
fn readable<'a, M: Message>(messages: &'a [M], paused: &PausedTopics) -> Vec<Received<'a>> {
    if paused.is_empty() {
        messages.iter().map(Received::read).collect()
    } else {
        messages
            .iter()
            .filter(|m| !paused.contains(m.topic()))
            .map(Received::read)
            .collect()
    }
}

/// The next offset to commit for each partition of the records
/// (topic, partition, offset) of a batch.
fn next_offsets<'a>(records: impl Iterator<Item = (&'a str, i32, i64)>) -> Vec<(String, i32, i64)> {
    // A batch spans few partitions; a linear scan beats hashing here.
    let mut next: Vec<(String, i32, i64)> = Vec::new();
    for (topic, partition, offset) in records {
        match next
            .iter_mut()
            .find(|(t, p, _)| *p == partition && t == topic)
        {
            Some(entry) => entry.2 = entry.2.max(offset + 1),
            None => next.push((topic.to_owned(), partition, offset + 1)),
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;

    fn record(topic: &str, offset: i64) -> OwnedMessage {
        OwnedMessage::new(
            Some(br#"{"seq": 1}"#.to_vec()),
            None,
            topic.into(),
            Timestamp::NotAvailable,
            0,
            offset,
            None,
        )
    }

    #[test]
    fn records_of_a_paused_topic_are_neither_shown_nor_marked() {
        let batch = [record("kept", 4), record("left", 7), record("kept", 5)];
        let paused = PausedTopics::default();
        assert_eq!(readable(&batch, &paused).len(), 3);
        paused.set("left", true);
        let shown = readable(&batch, &paused);
        assert!(shown.iter().all(|r| r.topic == "kept"), "{shown:?}");
        let places = shown.iter().map(|r| (r.topic, r.partition, r.offset));
        assert_eq!(next_offsets(places), [("kept".to_owned(), 0, 6)]);
    }
}
