//! One generator per active topic: makes records of the topic's data type
//! at the configured pace and hands them to the publisher in batches.
//!
//! A generator waits for the publisher's answer to one batch before it
//! makes the next, so a full publisher buffer slows it down. It runs under
//! an actix `Supervisor`: when it fails (stops without being retired) it is
//! restarted with its sequence number intact. A panic while making records
//! is caught and counts as such a failure, so a bug in one payload type
//! costs that topic a restart instead of taking the producer down with it.
//!
//! When the registry announces a schema for the topic, every record is
//! checked against it before it is handed over (see [`super::schema_gate`]);
//! one that fails is counted and never sent. Until the schema is fetched
//! and compiled the topic's records are held back, never sent unchecked.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::prelude::*;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use super::backoff::Backoff;
use super::pacer::Pacer;
use super::payloads::{PayloadError, PayloadMaker};
use super::publisher::{PublishBatch, Record};
use super::schema_gate::{Marks, SchemaSource, TopicSchema, Unfit, encode_unchecked};
use super::stats::TopicCounters;
use crate::config::Pace;
use crate::domain::Envelope;
use crate::schema::RecordSchema;

/// Makes records for one topic.
pub struct Generator {
    counters: Arc<TopicCounters>,
    publisher: Recipient<PublishBatch>,
    // Shared with the pool so a topic that is deactivated and reactivated
    // keeps counting where it stopped: `seq` only grows within a run.
    seq: Arc<AtomicU64>,
    maker: PayloadMaker,
    pacer: Pacer,
    rng: SmallRng,
    retired: bool,
    /// Set by [`InjectFault`]: making the next batch panics.
    fault_injected: bool,
    /// The topic's schema as the registry last announced it.
    announced: TopicSchema,
    /// The announced schema, compiled; `None` while it is not (or none is
    /// announced).
    marks: Option<Marks>,
    schemas: SchemaSource,
    /// A fetch of the announced schema is on its way.
    fetching: bool,
    /// Waits between fetches of a schema that cannot be had yet.
    fetch_backoff: Backoff,
    /// Whether "cannot fetch" was logged since the last success.
    fetch_warned: bool,
}

/// At most one log line per topic per this long about schema violations;
/// the rest are counted.
const VIOLATION_LOG_EVERY: Duration = Duration::from_secs(60);

/// First and longest wait before fetching a schema again.
const FETCH_RETRY_FIRST: Duration = Duration::from_secs(1);
const FETCH_RETRY_MAX: Duration = Duration::from_secs(30);

/// Asks the generator to make its next batch.
#[derive(Message)]
#[rtype(result = "()")]
struct Tick;

/// Stops the generator for good (its topic is no longer active). The
/// sender must also drop its address, or the supervisor restarts it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;

/// Makes the generator panic while it makes its next batch, to show that
/// the panic is contained and the supervisor restarts the generator.
/// Only for tests of supervision (reached through
/// `producer::ProducerHandle::inject_fault`); the daemon never sends it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct InjectFault;

/// The registry announces another schema (a new version approved) or value
/// format for the topic: records made from now on follow it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UseSchema(pub TopicSchema);

impl Generator {
    /// Starts a supervised generator for the topic `counters` belong to;
    /// fails only if the payload tables of its data type are invalid.
    /// It runs on `thread`, an arbiter of its own in the daemon, so making
    /// and serialising records does not take turns with the publisher.
    /// Its records follow `schema`, compiled from `schemas`.
    pub fn start(
        thread: &ArbiterHandle,
        counters: Arc<TopicCounters>,
        seq: Arc<AtomicU64>,
        pace: Pace,
        publisher: Recipient<PublishBatch>,
        (schema, schemas): (TopicSchema, SchemaSource),
    ) -> Result<Addr<Self>, PayloadError> {
        let mut rng = SmallRng::from_rng(&mut rand::rng());
        let maker = PayloadMaker::new(counters.data_type(), &mut rng)?;
        Ok(Supervisor::start_in_arbiter(thread, move |_| Self {
            counters,
            publisher,
            seq,
            maker,
            pacer: Pacer::new(pace, Instant::now()),
            rng,
            retired: false,
            fault_injected: false,
            announced: schema,
            marks: None,
            schemas,
            fetching: false,
            fetch_backoff: Backoff::new(FETCH_RETRY_FIRST, FETCH_RETRY_MAX),
            fetch_warned: false,
        }))
    }

    /// Whether records may be made now: the topic has no schema, or its
    /// schema is compiled. Otherwise starts fetching it; the fetch's end
    /// (or a retry's timer) makes the next step.
    fn schema_ready(&mut self, ctx: &mut Context<Self>) -> bool {
        let Some(id) = self.announced.id else {
            self.marks = None;
            return true;
        };
        if self
            .marks
            .as_ref()
            .is_some_and(|marks| marks.announced() == self.announced)
        {
            return true;
        }
        if let Some(schema) = self.schemas.cached(id) {
            return self.use_schema(id, schema, ctx);
        }
        if !self.fetching {
            self.fetch_schema(id, ctx);
        }
        false
    }

    fn fetch_schema(&mut self, id: i64, ctx: &mut Context<Self>) {
        self.fetching = true;
        let source = self.schemas.clone();
        // Made here, on this actor's thread, where it is used.
        let client = source.client();
        let fetch = async move { source.fetch(client, id).await };
        ctx.spawn(fetch.into_actor(self).map(move |result, act, ctx| {
            act.fetching = false;
            // Another schema was announced meanwhile: start over.
            if act.announced.id != Some(id) {
                ctx.notify(Tick);
                return;
            }
            match result {
                Ok(schema) => {
                    if act.use_schema(id, schema, ctx) {
                        ctx.notify(Tick);
                    }
                }
                Err(reason) => act.schema_unusable(id, &reason, ctx),
            }
        }));
    }

    /// Makes the marks of the announced schema `id`, compiled as `schema`;
    /// answers whether records may be made with them.
    fn use_schema(&mut self, id: i64, schema: Arc<RecordSchema>, ctx: &mut Context<Self>) -> bool {
        match Marks::new(self.announced, id, schema) {
            Ok(marks) => {
                if std::mem::take(&mut self.fetch_warned) {
                    log::info!(
                        "{}: schema {id} is available; publishing again",
                        self.counters.topic()
                    );
                    // Not a burst to make up for the time held back.
                    self.pacer.reset(Instant::now());
                }
                self.fetch_backoff.reset();
                self.marks = Some(marks);
                true
            }
            Err(reason) => {
                self.schema_unusable(id, &reason, ctx);
                false
            }
        }
    }

    /// Holds the topic's records back while schema `id` cannot be used;
    /// logged once, tried again after a backoff.
    fn schema_unusable(&mut self, id: i64, reason: &str, ctx: &mut Context<Self>) {
        self.marks = None;
        if !std::mem::replace(&mut self.fetch_warned, true) {
            log::warn!(
                "{}: its schema {id} cannot be had yet ({reason}); holding its records back \
                 and trying again with backoff",
                self.counters.topic()
            );
        }
        ctx.notify_later(Tick, self.fetch_backoff.next_delay());
    }

    fn step(&mut self, ctx: &mut Context<Self>) {
        if self.retired {
            return;
        }
        if !self.schema_ready(ctx) {
            return;
        }
        let step = self.pacer.next(Instant::now(), &mut self.rng);
        if step.batch == 0 {
            ctx.notify_later(Tick, step.wait);
            return;
        }
        let records = match catch_unwind(AssertUnwindSafe(|| self.make(step.batch))) {
            Ok(records) => records,
            Err(_) => {
                // The maker's state may be what panicked: start it afresh.
                // Stopping without being retired makes the supervisor
                // restart this generator.
                log::error!(
                    "generator for {} panicked while making records",
                    self.counters.topic()
                );
                // A maker was built for this type once, so building one
                // again succeeds; if not, the old one is kept.
                if let Ok(maker) = PayloadMaker::new(self.counters.data_type(), &mut self.rng) {
                    self.maker = maker;
                }
                ctx.stop();
                return;
            }
        };
        let batch = PublishBatch {
            counters: Arc::clone(&self.counters),
            records,
            schema_id: self.marks.as_ref().map(Marks::id),
        };
        let wait = step.wait;
        let sent = self
            .publisher
            .send(batch)
            .into_actor(self)
            .map(move |answer, act, ctx| match answer {
                Ok(()) if wait.is_zero() => ctx.notify(Tick),
                Ok(()) => {
                    ctx.notify_later(Tick, wait);
                }
                Err(error) => {
                    log::error!(
                        "generator for {}: publisher unreachable ({error})",
                        act.counters.topic()
                    );
                    ctx.stop();
                }
            });
        ctx.spawn(sent);
    }

    fn make(&mut self, count: usize) -> Vec<Record> {
        if std::mem::take(&mut self.fault_injected) {
            panic!(
                "fault injected into the generator for {}",
                self.counters.topic()
            );
        }
        let topic = self.counters.topic();
        let data_type = self.counters.data_type();
        let mut records = Vec::with_capacity(count);
        for _ in 0..count {
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            let payload = self.maker.make(&mut self.rng, seq);
            let envelope = Envelope::new(topic, data_type, payload.value);
            let value = match &self.marks {
                Some(marks) => marks.encode(envelope),
                None => encode_unchecked(&envelope),
            };
            match value {
                Ok(value) => records.push(Record {
                    key: payload.key,
                    value,
                }),
                Err(Unfit::Violation(violation)) => {
                    self.counters.add_schema_violation();
                    if self.counters.should_log_violation(VIOLATION_LOG_EVERY) {
                        log::error!(
                            "a record made for {topic} fails its schema {} and is not sent: \
                             {violation} (more in the next minute are only counted)",
                            self.marks.as_ref().map_or(0, Marks::id)
                        );
                    }
                }
                // A JSON value always serialises; should that ever change,
                // the record is counted as lost rather than sent broken.
                Err(Unfit::Serialise(error)) => {
                    self.counters.add_failed();
                    log::warn!("cannot serialise a record for {topic}: {error}");
                }
            }
        }
        records
    }
}

impl Actor for Generator {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if self.retired {
            return;
        }
        log::info!(
            "generating {} records for {}",
            self.counters.data_type(),
            self.counters.topic()
        );
        ctx.notify(Tick);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if self.retired {
            log::info!("stopped generating for {}", self.counters.topic());
        }
    }
}

impl Supervised for Generator {
    fn restarting(&mut self, _: &mut Self::Context) {
        // Retired while someone still held its address: not a failure; it
        // idles until the last address is dropped, then stops for good.
        if self.retired {
            return;
        }
        self.counters.add_restart();
        self.pacer.reset(Instant::now());
        // A fetch in flight went with the old context.
        self.fetching = false;
        log::warn!(
            "generator for {} failed and was restarted (next seq {})",
            self.counters.topic(),
            self.seq.load(Ordering::Relaxed)
        );
    }
}

impl Handler<Tick> for Generator {
    type Result = ();

    fn handle(&mut self, _: Tick, ctx: &mut Self::Context) {
        self.step(ctx);
    }
}

impl Handler<Retire> for Generator {
    type Result = ();

    fn handle(&mut self, _: Retire, ctx: &mut Self::Context) {
        self.retired = true;
        ctx.stop();
    }
}

impl Handler<UseSchema> for Generator {
    type Result = ();

    fn handle(&mut self, msg: UseSchema, _: &mut Self::Context) {
        // The next step notices and switches (fetching it if need be).
        self.announced = msg.0;
    }
}

impl Handler<InjectFault> for Generator {
    type Result = ();

    fn handle(&mut self, _: InjectFault, _: &mut Self::Context) {
        self.fault_injected = true;
    }
}
