//! Keeps exactly one generator running per active topic this daemon owns,
//! following the schema the registry announces for it. Ownership comes
//! from the producers' consumer group (see [`super::ownership_group`]): a
//! topic's generator runs only while its control partition is assigned
//! here, and stops before a revocation completes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use actix::prelude::*;
use futures_util::future::join_all;
use tokio::sync::watch;

use super::generator::{Generator, InjectFault, Retire, UseSchema};
use super::ownership::Owned;
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

/// Control partitions assigned to this daemon, all of them: their topics
/// get generators, and only theirs.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Assigned(pub Vec<i32>);

/// Control partitions taken from this daemon. Answers once their topics'
/// generators have taken their last step, so the partition moves to
/// another daemon only after this one stopped generating its topics.
/// `done` hears once they have (or is dropped if the pool is gone); a
/// plain channel, since the group's thread waits outside any runtime.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Revoked {
    pub partitions: Vec<i32>,
    pub done: std::sync::mpsc::Sender<()>,
}

/// The topics this daemon generates now, sorted; watched by whoever
/// reports them (the reconciler's cluster report).
pub type OwnedTopics = watch::Receiver<Vec<String>>;

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
    /// Every active topic, owned here or not, as last told.
    active: Vec<ActiveTopic>,
    /// The control partitions held now.
    owned: Owned,
    /// Tells of the names in `running` whenever they change.
    owned_topics: watch::Sender<Vec<String>>,
    closed: bool,
}

impl GeneratorPool {
    /// Starts the pool owning no control partition: it generates nothing
    /// until the group assigns it some. Also answers the watch of the
    /// topics it generates.
    pub fn start(
        publisher: Recipient<PublishBatch>,
        stats: ProducerStats,
        pace: Pace,
        schemas: SchemaSource,
    ) -> (Addr<Self>, OwnedTopics) {
        let thread = Arbiter::new();
        let (owned_topics, watching) = watch::channel(Vec::new());
        let pool = Supervisor::start(move |_| Self {
            thread,
            publisher,
            stats,
            pace,
            schemas,
            running: HashMap::new(),
            sequences: HashMap::new(),
            active: Vec::new(),
            owned: Owned::default(),
            owned_topics,
            closed: false,
        });
        (pool, watching)
    }

    /// Runs generators for the owned active topics only; answers the
    /// retirement of those stopped, to be awaited by whoever must know.
    fn follow(&mut self) -> impl Future<Output = ()> + use<> {
        let owned: Vec<ActiveTopic> = self
            .active
            .iter()
            .filter(|topic| self.owned.owns(&topic.name))
            .cloned()
            .collect();
        let retired = self.set_running(owned);
        let mut names: Vec<String> = self.running.keys().cloned().collect();
        names.sort();
        self.owned_topics.send_if_modified(|known| {
            let changed = *known != names;
            *known = names;
            changed
        });
        async move {
            join_all(retired).await;
        }
    }

    fn set_running(&mut self, topics: Vec<ActiveTopic>) -> Vec<Request<Generator, Retire>> {
        let mut retired = Vec::new();
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
                if self.active.iter().any(|topic| topic.name == name) {
                    log::info!("{name} is generated by another producer from now on");
                } else {
                    log::info!("{name} is no longer active");
                }
                // Dropping the last address after Retire keeps the
                // supervisor from starting it again.
                retired.push(generator.send(Retire));
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
        retired
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

    fn handle(&mut self, msg: SetActive, ctx: &mut Self::Context) {
        if !self.closed {
            self.active = msg.0;
            ctx.spawn(self.follow().into_actor(self));
        }
    }
}

impl Handler<Assigned> for GeneratorPool {
    type Result = ();

    fn handle(&mut self, msg: Assigned, ctx: &mut Self::Context) {
        self.owned.replace(msg.0);
        log::info!(
            "this producer holds {} control partitions now",
            self.owned.count()
        );
        if !self.closed {
            ctx.spawn(self.follow().into_actor(self));
        }
    }
}

impl Handler<Revoked> for GeneratorPool {
    type Result = ();

    fn handle(&mut self, msg: Revoked, ctx: &mut Self::Context) {
        self.owned.remove(msg.partitions);
        log::info!(
            "this producer holds {} control partitions now",
            self.owned.count()
        );
        let done = msg.done;
        if self.closed {
            let _ = done.send(());
            return;
        }
        ctx.spawn(self.follow().into_actor(self).map(move |(), _, _| {
            let _ = done.send(());
        }));
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
        self.owned_topics.send_replace(Vec::new());
        self.stats.daemon().set_generators_running(0);
        let thread = self.thread.handle();
        Box::pin(async move {
            join_all(retired).await;
            thread.stop();
        })
    }
}
