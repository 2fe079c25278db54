//! Keeps exactly one generator running per active topic, following the
//! schema the registry announces for it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use actix::prelude::*;
use futures_util::future::join_all;

use super::generator::{Generator, InjectFault, Retire, UseSchema};
use super::publisher::PublishBatch;
use super::schema_gate::{SchemaSource, TopicSchema};
use super::stats::ProducerStats;
use crate::config::Pace;
use crate::domain::DataType;

/// A topic that should have a generator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActiveTopic {
    pub name: String,
    pub data_type: DataType,
    /// Its schema and value format, as the registry announces them.
    pub schema: TopicSchema,
}

/// The complete set of active topics: generators start for new ones and
/// stop for those missing.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetActive(pub Vec<ActiveTopic>);

/// Makes the generator of `topic` fail; answers whether there was one.
/// Only for tests of supervision.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct InjectFaultInto {
    pub topic: String,
}

/// Stops every generator and ignores later [`SetActive`]s (shutdown).
/// Answers once each generator has taken its last step.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopAll;

/// Owns the generators; restarted by its supervisor should it fail.
pub struct GeneratorPool {
    /// The thread every generator runs on, apart from the publisher's, so
    /// making records and handing them to librdkafka overlap.
    thread: Arbiter,
    publisher: Recipient<PublishBatch>,
    stats: ProducerStats,
    pace: Pace,
    /// Where generators get compiled schemas (one cache for all).
    schemas: SchemaSource,
    /// Each running generator and the schema it was last told.
    running: HashMap<String, (Addr<Generator>, TopicSchema)>,
    sequences: HashMap<String, Arc<AtomicU64>>,
    closed: bool,
}

impl GeneratorPool {
    pub fn start(
        publisher: Recipient<PublishBatch>,
        stats: ProducerStats,
        pace: Pace,
        schemas: SchemaSource,
    ) -> Addr<Self> {
        let thread = Arbiter::new();
        Supervisor::start(move |_| Self {
            thread,
            publisher,
            stats,
            pace,
            schemas,
            running: HashMap::new(),
            sequences: HashMap::new(),
            closed: false,
        })
    }

    fn set_active(&mut self, topics: Vec<ActiveTopic>) {
        let wanted: HashMap<String, (DataType, TopicSchema)> = topics
            .into_iter()
            .map(|t| (t.name, (t.data_type, t.schema)))
            .collect();
        let gone: Vec<String> = self
            .running
            .keys()
            .filter(|name| !wanted.contains_key(*name))
            .cloned()
            .collect();
        for name in gone {
            if let Some((generator, _)) = self.running.remove(&name) {
                log::info!("{name} is no longer active");
                // Dropping the last address after Retire keeps the
                // supervisor from starting it again.
                generator.do_send(Retire);
            }
        }
        for (name, (data_type, schema)) in wanted {
            if let Some((generator, told)) = self.running.get_mut(&name) {
                if *told != schema {
                    match schema.id {
                        Some(id) => log::info!(
                            "{name}: records follow schema {id} from now on ({})",
                            schema.value_format
                        ),
                        None => log::info!("{name}: no schema announced any more"),
                    }
                    generator.do_send(UseSchema(schema));
                    *told = schema;
                }
                continue;
            }
            let counters = self.stats.counters(&name, data_type);
            let seq = Arc::clone(self.sequences.entry(name.clone()).or_default());
            match Generator::start(
                &self.thread.handle(),
                counters,
                seq,
                self.pace,
                self.publisher.clone(),
                (schema, self.schemas.clone()),
            ) {
                Ok(generator) => {
                    self.running.insert(name, (generator, schema));
                }
                Err(e) => log::error!("cannot generate records for {name}: {e}"),
            }
        }
        self.stats
            .daemon()
            .set_generators_running(self.running.len());
    }
}

impl Actor for GeneratorPool {
    type Context = Context<Self>;
}

impl Supervised for GeneratorPool {
    fn restarting(&mut self, _: &mut Self::Context) {
        log::warn!(
            "generator pool restarted; {} generators kept",
            self.running.len()
        );
    }
}

impl Handler<SetActive> for GeneratorPool {
    type Result = ();

    fn handle(&mut self, msg: SetActive, _: &mut Self::Context) {
        if !self.closed {
            self.set_active(msg.0);
        }
    }
}

impl Handler<InjectFaultInto> for GeneratorPool {
    type Result = bool;

    fn handle(&mut self, msg: InjectFaultInto, _: &mut Self::Context) -> bool {
        match self.running.get(&msg.topic) {
            Some((generator, _)) => {
                generator.do_send(InjectFault);
                true
            }
            None => false,
        }
    }
}

impl Handler<StopAll> for GeneratorPool {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: StopAll, _: &mut Self::Context) -> Self::Result {
        self.closed = true;
        let retired: Vec<_> = self
            .running
            .drain()
            .map(|(_, (g, _))| g.send(Retire))
            .collect();
        self.stats.daemon().set_generators_running(0);
        let thread = self.thread.handle();
        Box::pin(async move {
            join_all(retired).await;
            thread.stop();
        })
    }
}
