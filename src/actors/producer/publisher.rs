//! The process's one Kafka producer.
//!
//! Generators hand the [`Publisher`] batches of envelopes. It serialises
//! them and enqueues them in librdkafka without waiting for any delivery;
//! delivery reports arrive on the producer's polling thread and update the
//! per-topic counters (see [`super::delivery`]).
//!
//! Backpressure: when librdkafka's queue is full (the broker is slow or
//! down) records wait, in order, in a bounded buffer here. Once the buffer
//! holds `buffer_capacity` records, the answer to a generator's batch is
//! held back until the buffer has drained to half, so generators slow down
//! instead of anything being dropped. Records never time out inside
//! librdkafka (`message.timeout.ms=0`), and idempotence lets it retry them
//! without duplicates, so everything accepted is delivered once the broker
//! is back, or is counted as failed and logged.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use tokio::sync::oneshot;

use super::delivery::note_failure;
pub use super::delivery::{DeliveryContext, KafkaProducer};
use super::stats::{ProducerStats, TopicCounters};
use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config, enable_statistics, explain};
use crate::schema::SCHEMA_ID_HEADER;

/// The header naming the daemon that made a record (its `--instance-id`).
pub const PRODUCER_HEADER: &str = "topicgate-producer";

/// How often the buffer is offered to librdkafka again while it is full.
const DRAIN_EVERY: Duration = Duration::from_millis(5);

/// How long generators may be held back before it is worth a warning.
const STALL_WARNING_AFTER: Duration = Duration::from_secs(5);

/// Creates the publisher's producer from its settings; it connects lazily,
/// so a broker that is down is not an error here.
/// A setting librdkafka refuses is named in the error.
/// librdkafka's statistics, when asked for, go to `stats`' daemon figures.
pub fn create_producer(
    settings: &PublisherSettings,
    stats: &ProducerStats,
) -> Result<KafkaProducer, String> {
    let mut config = client_config(&settings.kafka, KafkaRole::Producer);
    if settings.statistics {
        enable_statistics(&mut config);
    }
    config
        .create_with_context(DeliveryContext::new(
            settings.per_record,
            Arc::clone(stats.daemon()),
        ))
        .map_err(explain)
}

/// How the publisher behaves.
#[derive(Debug, Clone)]
pub struct PublisherSettings {
    /// How to reach Kafka; the producer role's defaults apply beneath it.
    pub kafka: KafkaSettings,
    /// Also log every acknowledged record, at debug (for low rates).
    pub per_record: bool,
    /// Records held here while librdkafka's queue is full.
    pub buffer_capacity: usize,
    /// Period of the summary log line.
    pub summary_interval: Duration,
    /// Have librdkafka send its statistics (for `--metrics-bind`).
    pub statistics: bool,
    /// Sent as every record's [`PRODUCER_HEADER`].
    pub instance_id: String,
}

/// One record for the publisher: its key and its envelope, serialised by
/// the generator (on the generators' thread, not the publisher's).
#[derive(Debug, Clone)]
pub struct Record {
    pub key: String,
    pub value: Vec<u8>,
}

/// Records of one topic to publish. The answer comes once they are
/// enqueued or buffered, later when the buffer is full.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PublishBatch {
    pub counters: Arc<TopicCounters>,
    pub records: Vec<Record>,
    /// The schema every record was checked against, sent as each record's
    /// `topicgate-schema-id` header; `None` when the registry announced
    /// none (an admin service older than schemas).
    pub schema_id: Option<i64>,
}

/// Sends everything buffered, then waits up to `timeout` for Kafka to
/// acknowledge everything in flight. Used at shutdown.
#[derive(Message)]
#[rtype(result = "FlushReport")]
pub struct Flush {
    pub timeout: Duration,
}

/// What a [`Flush`] left undelivered (0 when all went well).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    pub undelivered: u64,
}

struct Pending {
    counters: Arc<TopicCounters>,
    key: String,
    value: Vec<u8>,
    schema_id: Option<i64>,
}

enum Sent {
    Enqueued,
    QueueFull,
    Refused(KafkaError),
    Fatal(KafkaError),
}

fn send(producer: &KafkaProducer, pending: &Pending, instance_id: &str) -> Sent {
    let mut headers = OwnedHeaders::new_with_capacity(2).insert(Header {
        key: PRODUCER_HEADER,
        value: Some(instance_id.as_bytes()),
    });
    if let Some(id) = pending.schema_id {
        let id = id.to_string();
        headers = headers.insert(Header {
            key: SCHEMA_ID_HEADER,
            value: Some(id.as_bytes()),
        });
    }
    let record =
        BaseRecord::with_opaque_to(pending.counters.topic(), Arc::clone(&pending.counters))
            .key(pending.key.as_str())
            .payload(pending.value.as_slice())
            .headers(headers);
    match producer.send(record) {
        Ok(()) => Sent::Enqueued,
        Err((error, _)) => match error.rdkafka_error_code() {
            Some(RDKafkaErrorCode::QueueFull) => Sent::QueueFull,
            Some(RDKafkaErrorCode::Fatal) => Sent::Fatal(error),
            _ => Sent::Refused(error),
        },
    }
}

/// The process's one Kafka producer, behind a bounded buffer.
pub struct Publisher {
    settings: PublisherSettings,
    producer: KafkaProducer,
    stats: ProducerStats,
    backlog: VecDeque<Pending>,
    // Generators whose last batch is waiting for room in the buffer.
    waiters: Vec<oneshot::Sender<()>>,
    drain_scheduled: bool,
    held_back_since: Option<Instant>,
    stall_warned: bool,
    // Delivered, failed and schema-violating records of each topic at the
    // last summary.
    summarised: HashMap<String, (u64, u64, u64)>,
}

impl Publisher {
    pub fn new(settings: PublisherSettings, stats: ProducerStats) -> Result<Self, String> {
        let producer = create_producer(&settings, &stats)?;
        Ok(Self {
            settings,
            producer,
            stats,
            backlog: VecDeque::new(),
            waiters: Vec::new(),
            drain_scheduled: false,
            held_back_since: None,
            stall_warned: false,
            summarised: HashMap::new(),
        })
    }

    /// Starts the publisher under a supervisor.
    pub fn start(settings: PublisherSettings, stats: ProducerStats) -> Result<Addr<Self>, String> {
        let publisher = Self::new(settings, stats)?;
        Ok(actix::Supervisor::start(move |_| publisher))
    }

    fn accept(&mut self, batch: PublishBatch, ctx: &mut Context<Self>) {
        let (counters, schema_id) = (batch.counters, batch.schema_id);
        counters.add_accepted(batch.records.len() as u64);
        for record in batch.records {
            let pending = Pending {
                counters: Arc::clone(&counters),
                key: record.key,
                value: record.value,
                schema_id,
            };
            // Behind a non-empty buffer, to keep each key's records in order.
            if !self.backlog.is_empty() {
                self.backlog.push_back(pending);
                continue;
            }
            match send(&self.producer, &pending, &self.settings.instance_id) {
                Sent::Enqueued => {}
                Sent::QueueFull => self.backlog.push_back(pending),
                Sent::Refused(error) => refused(&pending, &error),
                Sent::Fatal(error) => {
                    self.backlog.push_back(pending);
                    self.fail(error, ctx);
                }
            }
        }
        self.schedule_drain(ctx);
    }

    fn schedule_drain(&mut self, ctx: &mut Context<Self>) {
        if !self.backlog.is_empty() && !self.drain_scheduled {
            self.drain_scheduled = true;
            ctx.run_later(DRAIN_EVERY, |act, ctx| act.drain(ctx));
        }
    }

    fn drain(&mut self, ctx: &mut Context<Self>) {
        self.drain_scheduled = false;
        while let Some(pending) = self.backlog.front() {
            match send(&self.producer, pending, &self.settings.instance_id) {
                Sent::Enqueued => {}
                Sent::QueueFull => break,
                Sent::Refused(error) => refused(pending, &error),
                Sent::Fatal(error) => return self.fail(error, ctx),
            }
            self.backlog.pop_front();
        }
        if self.backlog.len() <= self.settings.buffer_capacity / 2 {
            self.release_waiters();
        }
        if let Some(since) = self.held_back_since
            && !self.stall_warned
            && since.elapsed() >= STALL_WARNING_AFTER
        {
            self.stall_warned = true;
            log::warn!(
                "Kafka is not taking records (slow or unreachable): {} buffered, generators are waiting",
                self.backlog.len()
            );
        }
        self.schedule_drain(ctx);
    }

    fn release_waiters(&mut self) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(());
        }
        if self.held_back_since.take().is_some() && self.stall_warned {
            self.stall_warned = false;
            log::info!("Kafka is taking records again; generators resume");
        }
    }

    /// A fatal producer error: the producer cannot be used any more, so
    /// the actor stops and its supervisor restarts it with a new one.
    fn fail(&mut self, error: KafkaError, ctx: &mut Context<Self>) {
        log::error!("the Kafka producer failed for good ({error}); restarting it");
        ctx.stop();
    }

    /// One info line per interval: records, rate and errors of each topic
    /// that had any, and what waits in the buffer.
    fn log_summary(&mut self) {
        let interval = self.settings.summary_interval;
        let seconds = interval.as_secs_f64().max(0.001);
        let mut parts = Vec::new();
        for topic in self.stats.snapshot() {
            let (delivered_before, failed_before, violations_before) = self
                .summarised
                .insert(
                    topic.topic.clone(),
                    (topic.delivered, topic.failed, topic.schema_violations),
                )
                .unwrap_or_default();
            let records = topic.delivered.saturating_sub(delivered_before);
            let errors = topic.failed.saturating_sub(failed_before);
            let violations = topic.schema_violations.saturating_sub(violations_before);
            if records == 0 && errors == 0 && violations == 0 && topic.pending() == 0 {
                continue;
            }
            // Only when there are any: a schema violation is a bug.
            let violations = match violations {
                0 => String::new(),
                n => format!(", {n} failed the schema and were not sent"),
            };
            parts.push(format!(
                "{} {records} records ({:.1}/s, {errors} errors, {} pending{violations})",
                topic.topic,
                records as f64 / seconds,
                topic.pending(),
            ));
        }
        if !self.backlog.is_empty() {
            parts.push(format!(
                "{} records buffered waiting for Kafka",
                self.backlog.len()
            ));
        }
        if !parts.is_empty() {
            log::info!(
                "published in the last {}: {}",
                humantime::format_duration(interval),
                parts.join("; ")
            );
        }
    }
}

fn refused(pending: &Pending, error: &KafkaError) {
    note_failure(&pending.counters, error);
}

impl Actor for Publisher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.settings.summary_interval, |act, _| act.log_summary());
        self.schedule_drain(ctx);
    }
}

impl Supervised for Publisher {
    fn restarting(&mut self, _: &mut Self::Context) {
        self.drain_scheduled = false;
        match create_producer(&self.settings, &self.stats) {
            Ok(producer) => self.producer = producer,
            Err(error) => log::error!("cannot create a new Kafka producer: {error}"),
        }
        // Nothing buffered is lost: the new producer starts with it.
        log::info!(
            "publisher restarted with {} buffered records",
            self.backlog.len()
        );
    }
}

impl Handler<PublishBatch> for Publisher {
    type Result = Response<()>;

    fn handle(&mut self, batch: PublishBatch, ctx: &mut Self::Context) -> Self::Result {
        self.accept(batch, ctx);
        if self.backlog.len() < self.settings.buffer_capacity {
            return Response::reply(());
        }
        self.held_back_since.get_or_insert_with(Instant::now);
        let (room, wait) = oneshot::channel();
        self.waiters.push(room);
        Response::fut(async move {
            // A dropped sender (publisher restarted) also means: go on.
            let _ = wait.await;
        })
    }
}

impl Handler<Flush> for Publisher {
    type Result = ResponseFuture<FlushReport>;

    fn handle(&mut self, flush: Flush, _: &mut Self::Context) -> Self::Result {
        let deadline = Instant::now() + flush.timeout;
        let mut backlog = std::mem::take(&mut self.backlog);
        self.release_waiters();
        let producer = self.producer.clone();
        let instance_id = self.settings.instance_id.clone();
        Box::pin(async move {
            while let Some(pending) = backlog.front() {
                match send(&producer, pending, &instance_id) {
                    Sent::Enqueued => {}
                    Sent::QueueFull if Instant::now() < deadline => {
                        actix_rt::time::sleep(DRAIN_EVERY).await;
                        continue;
                    }
                    Sent::QueueFull => break,
                    Sent::Refused(error) | Sent::Fatal(error) => refused(pending, &error),
                }
                backlog.pop_front();
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            let flusher = producer.clone();
            let flushed = actix_rt::task::spawn_blocking(move || flusher.flush(remaining)).await;
            let undelivered = backlog.len() as u64 + producer.in_flight_count().max(0) as u64;
            match flushed {
                Ok(Ok(())) if undelivered == 0 => log::info!("all records delivered"),
                Ok(Ok(())) | Ok(Err(_)) => log::warn!(
                    "{undelivered} records were still undelivered after {:?}",
                    flush.timeout
                ),
                Err(error) => log::error!("flushing the producer failed: {error}"),
            }
            FlushReport { undelivered }
        })
    }
}
