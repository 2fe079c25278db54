//! The message store's writer thread.
//!
//! SQLite takes about as long to store a record as the rest of the message
//! path takes to read, parse and show it. Writing on a thread of its own lets
//! a batch be stored while the next one is read and shown, so the two costs
//! overlap on a multi-core machine instead of adding up.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::metrics::ConsumerMetrics;
use super::record::Received;
use crate::store::{self, NewMessage, StoreConn, StoreError};

/// A batch's rows, copied out of librdkafka's buffers so they can cross to
/// the writer thread: one string holds every field, rows hold ranges into it.
pub struct OwnedBatch {
    text: String,
    rows: Vec<OwnedRow>,
    received_at: String,
}

struct OwnedRow {
    topic: (usize, usize),
    partition: i32,
    offset: i64,
    key: Option<(usize, usize)>,
    data_type: (usize, usize),
    sent_at: (usize, usize),
    payload: (usize, usize),
}

impl OwnedBatch {
    pub fn copy(batch: &[Received<'_>], received_at: String) -> Self {
        let size: usize = batch
            .iter()
            .map(|r| {
                r.topic.len()
                    + r.key.map_or(0, str::len)
                    + r.data_type.len()
                    + r.sent_at.len()
                    + r.payload.len()
            })
            .sum();
        let mut text = String::with_capacity(size);
        let mut push = |s: &str| {
            let start = text.len();
            text.push_str(s);
            (start, text.len())
        };
        let rows = batch
            .iter()
            .map(|r| OwnedRow {
                topic: push(r.topic),
                partition: r.partition,
                offset: r.offset,
                key: r.key.map(&mut push),
                data_type: push(&r.data_type),
                sent_at: push(&r.sent_at),
                payload: push(&r.payload),
            })
            .collect();
        Self {
            text,
            rows,
            received_at,
        }
    }

    fn new_messages(&self) -> Vec<NewMessage<'_>> {
        let at = |(start, end): (usize, usize)| &self.text[start..end];
        self.rows
            .iter()
            .map(|row| NewMessage {
                topic: at(row.topic),
                kafka_partition: row.partition,
                kafka_offset: row.offset,
                message_key: row.key.map(at),
                data_type: at(row.data_type),
                sent_at: at(row.sent_at),
                payload: at(row.payload),
                received_at: &self.received_at,
            })
            .collect()
    }
}

struct Job {
    batch: OwnedBatch,
    done: oneshot::Sender<Result<usize, StoreError>>,
}

/// Stores batches in the order they are submitted, one transaction each.
pub struct StoreWriter {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl StoreWriter {
    /// Each batch's store time goes to `metrics` too, when given.
    pub fn start(mut conn: StoreConn, metrics: Option<ConsumerMetrics>) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("message-store".into())
            .spawn(move || {
                // How long storing took, for tuning (RUST_LOG=...=debug).
                let (mut rows, mut busy) = (0, Duration::ZERO);
                for job in queue {
                    let started = Instant::now();
                    let stored =
                        store::messages::insert_batch(&mut conn, &job.batch.new_messages());
                    let took = started.elapsed();
                    busy += took;
                    if let Some(metrics) = &metrics {
                        metrics.observe_store(took.as_secs_f64());
                    }
                    rows += job.batch.rows.len();
                    // The pump may have given up on this batch; that is fine.
                    let _ = job.done.send(stored);
                }
                log::debug!(
                    "message store: {rows} rows in {:.3} s of storing",
                    busy.as_secs_f64()
                );
            })?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Queues a batch; the receiver answers once it is stored (or not).
    pub fn submit(&self, batch: OwnedBatch) -> oneshot::Receiver<Result<usize, StoreError>> {
        let (done, stored) = oneshot::channel();
        if let Some(jobs) = &self.jobs {
            // A send fails only when the thread is gone; dropping `done`
            // then tells the waiter so.
            let _ = jobs.send(Job { batch, done });
        }
        stored
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        // Closing the queue ends the thread after the batches already queued.
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
