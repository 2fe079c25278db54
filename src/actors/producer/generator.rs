//! One generator per active topic: makes records of the topic's data type
//! at the configured pace and hands them to the publisher in batches.
//!
//! A generator waits for the publisher's answer to one batch before it
//! makes the next, so a full publisher buffer slows it down. It runs under
//! an actix `Supervisor`: when it fails (stops without being retired) it is
//! restarted with its sequence number intact. A panic while making records
//! is caught and counts as such a failure, so a bug in one payload type
//! costs that topic a restart instead of taking the producer down with it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix::prelude::*;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use super::pacer::Pacer;
use super::payloads::{PayloadError, PayloadMaker};
use super::publisher::{PublishBatch, Record};
use super::stats::TopicCounters;
use crate::config::Pace;
use crate::domain::Envelope;

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
}

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

impl Generator {
    /// Starts a supervised generator for the topic `counters` belong to;
    /// fails only if the payload tables of its data type are invalid.
    /// It runs on `thread`, an arbiter of its own in the daemon, so making
    /// and serialising records does not take turns with the publisher.
    pub fn start(
        thread: &ArbiterHandle,
        counters: Arc<TopicCounters>,
        seq: Arc<AtomicU64>,
        pace: Pace,
        publisher: Recipient<PublishBatch>,
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
        }))
    }

    fn step(&mut self, ctx: &mut Context<Self>) {
        if self.retired {
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
            match serde_json::to_vec(&envelope) {
                Ok(value) => records.push(Record {
                    key: payload.key,
                    value,
                }),
                // A JSON value always serialises; should that ever change,
                // the record is counted as lost rather than sent broken.
                Err(error) => {
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

impl Handler<InjectFault> for Generator {
    type Result = ();

    fn handle(&mut self, _: InjectFault, _: &mut Self::Context) {
        self.fault_injected = true;
    }
}
