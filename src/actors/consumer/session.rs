//! `ConsumerSession`: one user's Kafka consumer, with its message store and
//! the sink that shows its messages.
//!
//! The REPL thread sends one message per command and waits for the
//! [`Reply`]. Records flow one way, on the session's arbiter, through the
//! [`Engine`]: Kafka -> message store -> sink -> offset store. The admin API is
//! asked through an `awc` client, so the session must be started on an
//! arbiter (awc is not `Send`); blocking work (committing, measuring lag,
//! reading history) runs on tokio's blocking pool.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use rdkafka::error::KafkaError;
use tokio::sync::oneshot;

use super::dead_letters::DeadLetterWriter;
use super::dlq_reader::{self, DeadLetterView};
use super::engine::{Engine, EngineHandle, EngineSettings, Output};
use super::follow::{self, PausedTopics};
use super::kafka::KafkaHealth;
use super::pump::Sink;
use super::schemas::SchemaBook;
use super::stats::{self, Counters, PartitionLag, Stats};
use super::subscriptions::{self, Subscribed, SubscriptionError};
use super::validation::{Validation, Validator};
use crate::api::{ActiveTopic, SubscriptionView};
use crate::client::AdminClient;
use crate::config::KafkaSettings;
use crate::domain::TopicName;
use crate::store::{StorePool, StoredMessage};

/// Who the session consumes for, and where from.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub user: String,
    pub group: String,
    pub kafka: KafkaSettings,
    /// How often a running consumer checks the user's subscriptions (and
    /// its topics' current schemas).
    pub subscription_check_interval: Duration,
    /// Check records against their schemas and dead-letter the bad ones.
    pub validate: bool,
}

/// The answer to every session command.
#[derive(Debug, Clone)]
pub enum Reply {
    /// It worked; a sentence saying what happened.
    Done(String),
    /// It did not; a sentence saying why and what to do.
    Problem(String),
    Topics(Vec<ActiveTopic>),
    Subscriptions(Vec<SubscriptionView>),
    Stats(Box<StatsReport>),
    History {
        topic: String,
        messages: Vec<StoredMessage>,
    },
    DeadLetters {
        topic: String,
        letters: Vec<DeadLetterView>,
    },
}

/// Everything `stats` shows.
#[derive(Debug, Clone)]
pub struct StatsReport {
    pub user: String,
    pub group: String,
    pub running_since: Option<DateTime<Utc>>,
    /// The live Kafka subscription.
    pub topics: Vec<String>,
    pub counters: Counters,
    /// Per assigned partition; empty when stopped.
    pub lag: Vec<PartitionLag>,
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// The session actor. See the module documentation.
pub struct ConsumerSession {
    settings: SessionSettings,
    admin: AdminClient,
    store: StorePool,
    sink: Rc<RefCell<dyn Sink>>,
    /// The user's subscriptions the running consumer follows (or a started
    /// one will); it reads those not paused.
    topics: BTreeSet<String>,
    /// Of `topics`, those whose subscription is not active.
    paused: PausedTopics,
    /// Whether a check of the subscriptions is under way.
    checking: bool,
    running: Option<Live>,
    /// Tells a pump that ended on its own from one stopped on request.
    generation: u64,
    stats: Rc<RefCell<Stats>>,
    health: Arc<KafkaHealth>,
    /// The schemas known so far; kept across starts.
    schemas: SchemaBook,
}

/// A running engine.
struct Live {
    generation: u64,
    handle: EngineHandle,
    stop: oneshot::Sender<()>,
    /// Ends once the engine has committed and closed its consumer.
    task: tokio::task::JoinHandle<()>,
    since: DateTime<Utc>,
}

/// Drops a handle on the blocking pool: when it is the consumer's last,
/// dropping closes the consumer, which waits for the broker.
fn release(handle: EngineHandle) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || drop(handle))
}

impl ConsumerSession {
    /// A stopped session; `start` it with [`Start`]. Must be called on the
    /// arbiter the actor will run on.
    pub fn new(
        settings: SessionSettings,
        admin: AdminClient,
        store: StorePool,
        sink: Rc<RefCell<dyn Sink>>,
    ) -> Self {
        Self {
            schemas: SchemaBook::new(admin.clone()),
            settings,
            admin,
            store,
            sink,
            topics: BTreeSet::new(),
            paused: PausedTopics::default(),
            checking: false,
            running: None,
            generation: 0,
            stats: Rc::default(),
            health: Arc::default(),
        }
    }

    fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// The topics read: those followed and not paused.
    fn readable(&self) -> Vec<String> {
        self.paused.readable(&self.topics)
    }

    /// Points the running consumer at the topics to read at once.
    fn resubscribe(&self) -> Result<(), KafkaError> {
        let Some(running) = &self.running else {
            return Ok(());
        };
        running.handle.subscribe(&self.readable())
    }

    /// Asks the admin API for the user's subscriptions, unless a check is
    /// under way or nothing runs, and follows what it answers.
    fn check_subscriptions(&mut self, ctx: &mut Context<Self>) {
        if self.checking || !self.is_running() {
            return;
        }
        self.checking = true;
        let admin = self.admin.clone();
        let user = self.settings.user.clone();
        let schemas = self.settings.validate.then(|| self.schemas.clone());
        ctx.spawn(
            async move {
                if let Some(schemas) = schemas {
                    schemas.refresh().await;
                }
                follow::fetch(&admin, &user).await
            }
            .into_actor(self)
            .map(|answer, act, _| {
                act.checking = false;
                if let Some(subscriptions) = answer {
                    act.follow(&subscriptions);
                }
            }),
        );
    }

    /// Leaves the topics whose subscription went inactive, reads again
    /// those active again, and says so once for each.
    fn follow(&mut self, subscriptions: &[SubscriptionView]) {
        if !self.is_running() {
            // A start reads the subscriptions afresh.
            return;
        }
        let changes = follow::follow(&self.topics, &self.paused, subscriptions);
        if changes.is_empty() {
            return;
        }
        let mut sink = self.sink.borrow_mut();
        if let Err(e) = self.resubscribe() {
            sink.notice(&format!("The consumer could not change its topics: {e}"));
        }
        for change in &changes {
            sink.notice(&change.notice());
        }
    }

    /// Stops the engine and returns a future that ends once it has
    /// committed the stored offsets and closed the consumer (leaving the
    /// group), off the event loop.
    fn stop_running(&mut self) -> Option<impl Future<Output = ()> + 'static> {
        let Live {
            handle, stop, task, ..
        } = self.running.take()?;
        let _ = stop.send(());
        Some(async move {
            // Without this handle the engine holds the last reference, so
            // its own commit-and-close is the one that closes.
            let _ = release(handle).await;
            let _ = task.await;
        })
    }

    /// Opens an engine on `self.topics`, with the message store ready.
    fn open_engine(&self) -> Result<(Engine, crate::store::StoreConn), String> {
        let store = self
            .store
            .get()
            .map_err(|e| format!("message store unavailable: {e}"))?;
        let settings = EngineSettings {
            kafka: &self.settings.kafka,
            group: &self.settings.group,
            user: &self.settings.user,
            metrics: None,
        };
        let engine = Engine::open(&settings, &self.readable(), Arc::clone(&self.health))?;
        Ok((engine, store))
    }

    /// Runs `engine` into the session's sink and store until stopped.
    fn launch(
        &mut self,
        engine: Engine,
        store: crate::store::StoreConn,
        ctx: &mut Context<Self>,
    ) -> String {
        let (stop, stopped) = oneshot::channel();
        self.generation += 1;
        let generation = self.generation;
        let handle = engine.handle();
        let output = Output {
            sink: Rc::clone(&self.sink),
            store: Some(store),
            stats: Rc::clone(&self.stats),
            limit: None,
            idle_timeout: None,
            paused: self.paused.clone(),
            validation: self.settings.validate.then(|| Validation {
                validator: Validator::new(self.schemas.clone()),
                dead_letters: DeadLetterWriter::new(
                    self.settings.kafka.clone(),
                    &self.settings.group,
                ),
            }),
        };
        let addr = ctx.address();
        let task = actix_rt::spawn(async move {
            let end = engine.run(output, stopped).await;
            addr.do_send(EngineEnded {
                generation,
                error: end.err().map(|e| e.to_string()),
            });
        });
        self.running = Some(Live {
            generation,
            handle,
            stop,
            task,
            since: Utc::now(),
        });
        let mut started = format!(
            "Consumer started for {} (group {}). Messages appear as they arrive.",
            self.readable().join(", "),
            self.settings.group
        );
        let paused: Vec<&String> = self
            .topics
            .iter()
            .filter(|t| self.paused.contains(t))
            .collect();
        if !paused.is_empty() {
            let paused: Vec<&str> = paused.into_iter().map(String::as_str).collect();
            started += &format!(
                " Not reading {} until an admin reactivates it.",
                paused.join(", ")
            );
        }
        started
    }

    fn admin_problem(&self, e: &dyn std::fmt::Display, unreachable: bool) -> String {
        match (unreachable, self.is_running()) {
            (true, true) => format!("{e}. Nothing changed; the consumer keeps running."),
            (true, false) => format!("{e}. Nothing changed; check that the admin service runs."),
            _ => e.to_string(),
        }
    }
}

impl Actor for ConsumerSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.settings.subscription_check_interval, |act, ctx| {
            act.check_subscriptions(ctx)
        });
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        if let Some(stop) = self.stop_running() {
            // The system is going down; commit what we can in the background.
            actix_rt::spawn(stop);
        }
        Running::Stop
    }
}

/// List the active topics.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct ListTopics;

impl Handler<ListTopics> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, _: ListTopics, _: &mut Self::Context) -> Self::Result {
        let admin = self.admin.clone();
        Box::pin(
            async move { admin.active_topics().await }
                .into_actor(self)
                .map(|answer, act, _| match answer {
                    Ok(topics) => Reply::Topics(topics),
                    Err(e) => Reply::Problem(act.admin_problem(&e, e.is_unreachable())),
                }),
        )
    }
}

/// List the user's subscriptions.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct ListSubscriptions;

impl Handler<ListSubscriptions> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, _: ListSubscriptions, _: &mut Self::Context) -> Self::Result {
        let admin = self.admin.clone();
        let user = self.settings.user.clone();
        Box::pin(
            async move { admin.subscriptions(&user).await }
                .into_actor(self)
                .map(|answer, act, _| match answer {
                    Ok(subscriptions) => Reply::Subscriptions(subscriptions),
                    Err(e) => Reply::Problem(act.admin_problem(&e, e.is_unreachable())),
                }),
        )
    }
}

/// Subscribe to a topic: recorded through the admin API, and added to the
/// running consumer at once.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct Subscribe(pub String);

impl Handler<Subscribe> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, Subscribe(topic): Subscribe, _: &mut Self::Context) -> Self::Result {
        let admin = self.admin.clone();
        let user = self.settings.user.clone();
        Box::pin(
            async move {
                let result = subscriptions::subscribe(&admin, &user, &topic).await;
                (topic, result)
            }
            .into_actor(self)
            .map(|(topic, result), act, _| {
                let subscribed = match result {
                    Ok(subscribed) => subscribed,
                    Err(e) => return Reply::Problem(act.admin_problem(&e, e.is_unreachable())),
                };
                act.topics.insert(topic.clone());
                // Only an active topic can be subscribed to.
                act.paused.set(&topic, false);
                if let Err(e) = act.resubscribe() {
                    return Reply::Problem(format!(
                        "Subscribed to '{topic}', but the consumer could not add it: {e}"
                    ));
                }
                let what = match subscribed {
                    Subscribed::New => format!("Subscribed to '{topic}'."),
                    Subscribed::Already => format!("Already subscribed to '{topic}'."),
                };
                if act.is_running() {
                    Reply::Done(format!("{what} Its messages appear as they arrive."))
                } else {
                    Reply::Done(format!(
                        "{what} Start the consumer (5 or `start`) to receive its messages."
                    ))
                }
            }),
        )
    }
}

/// Unsubscribe from a topic: removed through the admin API and from the
/// running consumer at once.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct Unsubscribe(pub String);

impl Handler<Unsubscribe> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, Unsubscribe(topic): Unsubscribe, _: &mut Self::Context) -> Self::Result {
        let admin = self.admin.clone();
        let user = self.settings.user.clone();
        Box::pin(
            async move {
                let result = subscriptions::unsubscribe(&admin, &user, &topic).await;
                (topic, result)
            }
            .into_actor(self)
            .map(|(topic, result), act, _| {
                let reply = match result {
                    Ok(()) => Reply::Done(format!("Unsubscribed from '{topic}'.")),
                    // Not recorded, yet perhaps still consumed: drop it below.
                    Err(e @ SubscriptionError::NotSubscribed { .. }) => {
                        Reply::Problem(format!("{e}."))
                    }
                    Err(e) => return Reply::Problem(act.admin_problem(&e, e.is_unreachable())),
                };
                act.paused.set(&topic, false);
                if act.topics.remove(&topic) {
                    if let Err(e) = act.resubscribe() {
                        return Reply::Problem(format!(
                            "Unsubscribed from '{topic}', but the consumer could not drop it: {e}"
                        ));
                    }
                }
                reply
            }),
        )
    }
}

/// Start the consumer on all of the user's subscriptions; restart it when
/// it runs. It resumes where the group last committed.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct Start;

impl Handler<Start> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, _: Start, _: &mut Self::Context) -> Self::Result {
        let stopping = self.stop_running();
        let admin = self.admin.clone();
        let user = self.settings.user.clone();
        Box::pin(
            async move {
                if let Some(stopping) = stopping {
                    stopping.await;
                }
                admin.subscriptions(&user).await
            }
            .into_actor(self)
            .map(|subscribed, act, _| {
                let mut note = String::new();
                match subscribed {
                    Ok(subscriptions) => {
                        act.topics = subscriptions.iter().map(|s| s.topic_name.clone()).collect();
                        act.paused.clear();
                        follow::follow(&act.topics, &act.paused, &subscriptions);
                    }
                    // Consuming does not need the admin API: go on with
                    // the topics this session already knows.
                    Err(e) if e.is_unreachable() && !act.topics.is_empty() => {
                        note = format!(" ({e}; using the topics known to this session.)");
                    }
                    Err(e) => {
                        return Err(Reply::Problem(act.admin_problem(&e, e.is_unreachable())));
                    }
                }
                if act.topics.is_empty() {
                    return Err(Reply::Problem(
                        "You have no subscriptions. Subscribe to a topic first (3 or `subscribe TOPIC`)."
                            .into(),
                    ));
                }
                if act.readable().is_empty() {
                    let topics: Vec<&str> = act.topics.iter().map(String::as_str).collect();
                    return Err(Reply::Problem(format!(
                        "None of your subscriptions is active: an admin deactivated {}.",
                        topics.join(", ")
                    )));
                }
                let (engine, store) = act.open_engine().map_err(Reply::Problem)?;
                Ok((engine, store, note))
            })
            .then(|opened, act, _| {
                // Asked before the engine runs, so its own commits cannot
                // hide a first start.
                let check = opened
                    .as_ref()
                    .ok()
                    .map(|(engine, _, _)| (engine.handle(), act.readable()));
                async move {
                    let unread = match check {
                        Some((handle, topics)) => {
                            let unread = handle.unread_topics(&topics).await;
                            let _ = release(handle).await;
                            unread.ok()
                        }
                        None => None,
                    };
                    (opened, unread)
                }
                .into_actor(act)
            })
            .map(|(opened, unread), act, ctx| {
                let (engine, store, note) = match opened {
                    Ok(opened) => opened,
                    Err(reply) => return reply,
                };
                let started = act.launch(engine, store, ctx);
                let first = match unread {
                    Some(unread) if !unread.is_empty() => format!(
                        " Group {} has read nothing of {} yet: it reads {} from the beginning.",
                        act.settings.group,
                        unread.join(", "),
                        if unread.len() == 1 { "it" } else { "each" },
                    ),
                    _ => String::new(),
                };
                Reply::Done(started + &first + &note)
            }),
        )
    }
}

/// Stop the consumer, committing what was shown and stored.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct Stop;

impl Handler<Stop> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, _: Stop, _: &mut Self::Context) -> Self::Result {
        let stopping = self.stop_running();
        Box::pin(
            async move {
                match stopping {
                    Some(stopping) => {
                        stopping.await;
                        true
                    }
                    None => false,
                }
            }
            .into_actor(self)
            .map(|was_running, _, _| {
                if was_running {
                    Reply::Done("Consumer stopped; it resumes from here on the next start.".into())
                } else {
                    Reply::Problem("The consumer is not running.".into())
                }
            }),
        )
    }
}

/// Show the statistics, with the lag of each assigned partition.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct GetStats;

impl Handler<GetStats> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, _: GetStats, _: &mut Self::Context) -> Self::Result {
        let report = StatsReport {
            user: self.settings.user.clone(),
            group: self.settings.group.clone(),
            running_since: self.running.as_ref().map(|r| r.since),
            topics: self.readable(),
            counters: self.stats.borrow_mut().snapshot(Instant::now()),
            lag: Vec::new(),
            last_error: self.health.last_error(),
        };
        // Lag needs round trips to the brokers: measured on the blocking
        // pool, never on the message path.
        let lag_inputs = self.running.as_ref().map(|running| {
            (
                Arc::clone(running.handle.consumer()),
                self.health.assignment(),
                self.stats.borrow().next_offsets(),
            )
        });
        Box::pin(
            async move {
                let mut report = report;
                if let Some((consumer, assignment, processed)) = lag_inputs {
                    report.lag = tokio::task::spawn_blocking(move || {
                        stats::measure_lag(&consumer, &assignment, &processed)
                    })
                    .await
                    .unwrap_or_default();
                }
                Reply::Stats(Box::new(report))
            }
            .into_actor(self),
        )
    }
}

/// Show the newest stored messages of a topic.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct History {
    pub topic: String,
    pub limit: i64,
}

impl Handler<History> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(&mut self, History { topic, limit }: History, _: &mut Self::Context) -> Self::Result {
        let pool = self.store.clone();
        Box::pin(
            async move {
                let query_topic = topic.clone();
                let found = tokio::task::spawn_blocking(move || {
                    let mut conn = pool.get()?;
                    crate::store::messages::history(&mut conn, &query_topic, limit)
                })
                .await;
                match found {
                    Ok(Ok(messages)) => Reply::History { topic, messages },
                    Ok(Err(e)) => Reply::Problem(e.to_string()),
                    Err(e) => Reply::Problem(format!("reading history failed: {e}")),
                }
            }
            .into_actor(self),
        )
    }
}

/// Show the newest dead letters of a topic, read from Kafka.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct DeadLetters {
    pub topic: String,
    pub limit: usize,
}

impl Handler<DeadLetters> for ConsumerSession {
    type Result = ResponseActFuture<Self, Reply>;

    fn handle(
        &mut self,
        DeadLetters { topic, limit }: DeadLetters,
        _: &mut Self::Context,
    ) -> Self::Result {
        let kafka = self.settings.kafka.clone();
        Box::pin(
            async move {
                if let Err(e) = TopicName::parse(&topic) {
                    return Reply::Problem(format!("'{topic}' is not a valid topic name: {e}"));
                }
                let wanted = topic.clone();
                let read =
                    tokio::task::spawn_blocking(move || dlq_reader::newest(&kafka, &wanted, limit))
                        .await;
                match read {
                    Ok(Ok(letters)) => Reply::DeadLetters { topic, letters },
                    Ok(Err(e)) => Reply::Problem(format!(
                        "Reading the dead letters of '{topic}' failed: {e}."
                    )),
                    Err(e) => Reply::Problem(format!("reading dead letters failed: {e}")),
                }
            }
            .into_actor(self),
        )
    }
}

/// Stop consuming before the process exits.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for ConsumerSession {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Shutdown, _: &mut Self::Context) -> Self::Result {
        let stopping = self.stop_running();
        Box::pin(
            async move {
                if let Some(stopping) = stopping {
                    stopping.await;
                }
            }
            .into_actor(self),
        )
    }
}

/// Sent by an engine's task when it has ended, committed and closed.
#[derive(Message)]
#[rtype(result = "()")]
struct EngineEnded {
    generation: u64,
    error: Option<String>,
}

impl Handler<EngineEnded> for ConsumerSession {
    type Result = ();

    fn handle(&mut self, ended: EngineEnded, _: &mut Self::Context) {
        // An engine stopped on request was already taken out of `running`.
        if self.running.as_ref().map(|r| r.generation) != Some(ended.generation) {
            return;
        }
        let problem = ended
            .error
            .unwrap_or_else(|| "the message stream ended".into());
        self.sink.borrow_mut().notice(&format!(
            "Consumer stopped: {problem}. Start it again with 5 or `start`."
        ));
        if let Some(live) = self.running.take() {
            release(live.handle);
        }
    }
}
