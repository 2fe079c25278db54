//! The producers' consumer group: Kafka decides which daemon holds which
//! control partition, and so which daemon generates which topic (see
//! [`super::ownership`]).
//!
//! A thread of its own creates the control topic when it is missing, joins
//! the group and polls it; nobody writes to the control topic, the polls
//! only keep this daemon a live member. The rebalance callbacks run on that
//! thread: a revocation waits until the generator pool has stopped the
//! partitions' generators, so two daemons never generate one topic at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use actix::prelude::*;
use rdkafka::ClientContext;
use rdkafka::admin::{AdminOptions, NewTopic, TopicReplication};
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::generator_pool::{Assigned, GeneratorPool, Revoked};
use super::kafka_context::LoggingContext;
use super::kafka_topics::KafkaAdminClient;
use super::ownership::CONTROL_PARTITIONS;
use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config, explain};

/// How long one poll of the group waits: also how soon a stop is noticed.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// How long a revocation waits for generators to stop. A generator stops
/// within one step; past this the pool is stuck, and holding the group's
/// rebalance longer would not help.
const STOP_GENERATORS_WITHIN: Duration = Duration::from_secs(10);

/// How long Kafka may take to create the control topic.
const CREATE_TIMEOUT: Duration = Duration::from_secs(15);

/// Pause between tries while Kafka cannot be reached or refuses.
const RETRY_EVERY: Duration = Duration::from_secs(2);

/// Where the group is and what its members share.
#[derive(Debug, Clone)]
pub struct GroupSettings {
    pub kafka: KafkaSettings,
    /// The consumer group every daemon joins.
    pub group: String,
    /// The topic of [`CONTROL_PARTITIONS`] partitions the group shares out.
    pub control_topic: String,
    /// This daemon's name, as the group's member (client) id.
    pub instance_id: String,
}

/// The group membership, polled on its own thread until stopped.
pub struct OwnershipGroup {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OwnershipGroup {
    /// Starts the thread that makes the control topic and joins the group;
    /// assignments and revocations go to `pool`.
    pub fn start(
        settings: GroupSettings,
        admin: Arc<KafkaAdminClient>,
        pool: Addr<GeneratorPool>,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("producer-group".into())
            .spawn(move || run(&settings, &admin, pool, &stopping))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Leaves the group (its partitions go to the other daemons at once)
    /// and waits for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            log::error!("the producer group's thread panicked");
        }
    }
}

impl Drop for OwnershipGroup {
    /// Only asks the thread to leave, without waiting: a drop may happen on
    /// the actor thread itself (a start that failed later on), where
    /// waiting would hold up the pool that the revocation waits for.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn run(
    settings: &GroupSettings,
    admin: &KafkaAdminClient,
    pool: Addr<GeneratorPool>,
    stop: &AtomicBool,
) {
    // The admin client's answers are futures; this thread waits on them.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            log::error!("cannot start the producer group's thread: {error}; generating nothing");
            return;
        }
    };
    let mut complained = false;
    while !stop.load(Ordering::Relaxed) {
        match runtime.block_on(ensure_control_topic(admin, &settings.control_topic)) {
            Ok(()) => break,
            Err(error) => {
                if !complained {
                    log::warn!(
                        "cannot make the control topic {}: {error}; will keep trying",
                        settings.control_topic
                    );
                    complained = true;
                }
                std::thread::sleep(RETRY_EVERY);
            }
        }
    }
    if stop.load(Ordering::Relaxed) {
        return;
    }
    let consumer = match join(settings, pool) {
        Ok(consumer) => consumer,
        Err(error) => {
            log::error!(
                "cannot join the producer group {}: {error}; this producer generates nothing",
                settings.group
            );
            return;
        }
    };
    log::info!(
        "joined the producer group {} as {} (control topic {})",
        settings.group,
        settings.instance_id,
        settings.control_topic
    );
    while !stop.load(Ordering::Relaxed) {
        // Nothing is ever written to the control topic; a message would
        // only be someone else's mistake, and is ignored.
        if let Some(Err(error)) = consumer.poll(POLL_EVERY) {
            log::warn!("producer group {}: {error}", settings.group);
        }
    }
    // Leaving revokes this daemon's partitions through the same callback,
    // and the group hands them over without waiting for a session timeout.
    consumer.unsubscribe();
    let _ = consumer.poll(Duration::ZERO);
}

/// Creates the control topic with [`CONTROL_PARTITIONS`] partitions and
/// a replication factor of three, or of the broker count when smaller.
/// One that exists already is fine (another daemon made it).
async fn ensure_control_topic(admin: &KafkaAdminClient, topic: &str) -> Result<(), String> {
    let metadata = admin
        .inner()
        .fetch_metadata(Some(topic), CREATE_TIMEOUT)
        .map_err(|e| format!("reading Kafka's metadata: {e}"))?;
    if metadata
        .topics()
        .iter()
        .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty())
    {
        return Ok(());
    }
    let brokers = i32::try_from(metadata.brokers().len()).unwrap_or(i32::MAX);
    let replication = brokers.clamp(1, 3);
    let new_topic = NewTopic::new(
        topic,
        CONTROL_PARTITIONS,
        TopicReplication::Fixed(replication),
    );
    let options = AdminOptions::new()
        .operation_timeout(Some(CREATE_TIMEOUT))
        .request_timeout(Some(CREATE_TIMEOUT));
    let created = admin
        .create_topics([&new_topic], &options)
        .await
        .map_err(|e| e.to_string())?;
    match created.into_iter().next() {
        Some(Ok(_)) | Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => {
            log::info!(
                "control topic {topic} ready ({CONTROL_PARTITIONS} partitions, replication {replication})"
            );
            Ok(())
        }
        Some(Err((_, code))) => Err(code.to_string()),
        None => Err("Kafka answered without a result for the topic".to_owned()),
    }
}

fn join(
    settings: &GroupSettings,
    pool: Addr<GeneratorPool>,
) -> Result<BaseConsumer<GroupContext>, String> {
    let mut config = client_config(
        &settings.kafka,
        KafkaRole::ProducerGroup {
            group: &settings.group,
        },
    );
    // Tells the daemons apart in the group's description, unless the
    // operator chose a client id.
    if settings.kafka.client_id.is_none() {
        config.set("client.id", &settings.instance_id);
    }
    let consumer: BaseConsumer<GroupContext> = config
        .create_with_context(GroupContext {
            log: LoggingContext::new("producer-group"),
            pool,
        })
        .map_err(explain)?;
    consumer
        .subscribe(&[settings.control_topic.as_str()])
        .map_err(|e| e.to_string())?;
    Ok(consumer)
}

/// Logs like every client, and turns rebalances into the pool's
/// assignments and revocations.
struct GroupContext {
    log: LoggingContext,
    pool: Addr<GeneratorPool>,
}

impl GroupContext {
    fn partitions(list: &rdkafka::TopicPartitionList) -> Vec<i32> {
        list.elements().iter().map(|e| e.partition()).collect()
    }
}

impl ClientContext for GroupContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.log.log_line(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.log.log_error(&error, reason);
    }
}

impl ConsumerContext for GroupContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(list) = rebalance {
            let partitions = Self::partitions(list);
            // Lost, not handed over: Kafka was out of reach for longer
            // than the session timeout (a broker restart). The generators
            // go on into their bounded buffer, as a lone producer's always
            // did; the assignment on rejoining says what this daemon holds
            // then, and stops what went to others meanwhile.
            if consumer.assignment_lost() {
                log::warn!(
                    "lost control partitions {partitions:?} (Kafka out of reach); \
                     generating on until the group is joined again"
                );
                return;
            }
            log::info!("control partitions {partitions:?} revoked; stopping their generators");
            // Blocks the group's thread on purpose: the revocation is not
            // complete, and no other daemon is assigned these partitions,
            // until their generators have stopped.
            let (done, stopped) = mpsc::channel();
            self.pool.do_send(Revoked { partitions, done });
            match stopped.recv_timeout(STOP_GENERATORS_WITHIN) {
                Ok(()) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    log::warn!("the generator pool is gone; nothing to stop")
                }
                Err(RecvTimeoutError::Timeout) => log::error!(
                    "generators did not stop within {STOP_GENERATORS_WITHIN:?} of a revocation"
                ),
            }
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                let partitions = Self::partitions(list);
                log::info!("control partitions {partitions:?} assigned");
                self.pool.do_send(Assigned(partitions));
            }
            Rebalance::Revoke(_) => {}
            Rebalance::Error(error) => log::warn!("producer group rebalance failed: {error}"),
        }
    }
}
