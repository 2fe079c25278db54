//! The one consume loop both front ends drive: open a consumer for some
//! topics with the user's group and offset policy, run the pump into a
//! [`Sink`] until told to stop, then commit and close.
//!
//! The REPL's `ConsumerSession` keeps a [`EngineHandle`] to change the
//! subscription and measure lag while the engine runs; `tail` only opens,
//! checks and runs it.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};
use std::time::Duration;

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::oneshot;

use super::follow::PausedTopics;
use super::kafka::{self, ConsumerOptions, KafkaHealth, SessionConsumer};
use super::metrics::ConsumerMetrics;
use super::pump::{Pump, PumpEnd, PumpError, Sink};
use super::stats::Stats;
use super::validation::Validation;
use crate::config::KafkaSettings;
use crate::store::StoreConn;

/// How long a question about the topics (metadata, committed offsets)
/// may wait for the cluster.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(10);

/// Who consumes: the client id is made from the user, offsets are kept
/// under the group.
pub struct EngineSettings<'a> {
    pub kafka: &'a KafkaSettings,
    pub group: &'a str,
    pub user: &'a str,
    /// Where librdkafka's statistics go (`tail --metrics-bind`).
    pub metrics: Option<&'a ConsumerMetrics>,
}

/// Where a running engine puts what it reads, and when it stops by itself.
pub struct Output<S> {
    pub sink: S,
    /// `None` runs without a message store.
    pub store: Option<StoreConn>,
    pub stats: Rc<RefCell<Stats>>,
    /// Stop after this many messages.
    pub limit: Option<u64>,
    /// Stop when no message arrives for this long.
    pub idle_timeout: Option<Duration>,
    /// Topics left for now, whose records are dropped if they still come.
    pub paused: PausedTopics,
    /// Validation on read; `None` shows every record (`--no-validate`).
    pub validation: Option<Validation>,
}

/// How a run ended: the pump's own end, after which the offsets of
/// everything shown and stored were committed.
pub type RunEnd = Result<PumpEnd, PumpError>;

/// An open consumer, not yet running.
pub struct Engine {
    consumer: Arc<SessionConsumer>,
    health: Arc<KafkaHealth>,
}

/// A view of an engine's consumer for changing its subscription and
/// asking the cluster about it while it runs.
#[derive(Clone)]
pub struct EngineHandle {
    consumer: Arc<SessionConsumer>,
}

/// An [`EngineHandle`] that does not keep the consumer open, for a task
/// that runs beside [`Engine::run`] and must not delay its close.
#[derive(Clone)]
pub struct WeakEngineHandle {
    consumer: Weak<SessionConsumer>,
}

impl WeakEngineHandle {
    /// The handle, while the consumer is open. Drop it soon.
    pub fn upgrade(&self) -> Option<EngineHandle> {
        self.consumer
            .upgrade()
            .map(|consumer| EngineHandle { consumer })
    }
}

impl Engine {
    /// Creates the consumer (at-least-once, new groups from the earliest
    /// message; see [`kafka::create_consumer`]) and subscribes it to
    /// `topics`. Problems are sentences for the user.
    pub fn open(
        settings: &EngineSettings<'_>,
        topics: &[String],
        health: Arc<KafkaHealth>,
    ) -> Result<Engine, String> {
        let client_id = format!("topicgate-consumer-{}", settings.user);
        let options = ConsumerOptions {
            kafka: settings.kafka,
            group: settings.group,
            client_id: &client_id,
            metrics: settings.metrics,
        };
        let consumer = kafka::create_consumer(&options, Arc::clone(&health))
            .map_err(|e| format!("could not create the Kafka consumer: {e}"))?;
        let engine = Engine {
            consumer: Arc::new(consumer),
            health,
        };
        engine
            .handle()
            .subscribe(topics)
            .map_err(|e| format!("could not subscribe to {}: {e}", topics.join(", ")))?;
        Ok(engine)
    }

    /// A handle on the consumer that outlives [`Engine::run`]'s start.
    pub fn handle(&self) -> EngineHandle {
        EngineHandle {
            consumer: Arc::clone(&self.consumer),
        }
    }

    /// Runs the pump into `output` until `stop` fires (or its sender is
    /// dropped), the limit or idle timeout is reached, or showing or storing
    /// fails; then commits what was shown and stored and closes the
    /// consumer, leaving the group. A failed final commit is recorded in
    /// the health the engine was opened with.
    ///
    /// The close happens when the last [`EngineHandle`] is dropped too:
    /// drop them before awaiting this so it happens here.
    pub async fn run<S: Sink>(self, output: Output<S>, stop: oneshot::Receiver<()>) -> RunEnd {
        let pump = Pump {
            consumer: Arc::clone(&self.consumer),
            store: output.store,
            sink: output.sink,
            stats: output.stats,
            health: Arc::clone(&self.health),
            limit: output.limit,
            idle_timeout: output.idle_timeout,
            paused: output.paused,
            validation: output.validation,
        };
        let end = pump.run(stop).await;
        if let Some(e) = kafka::commit_and_close(self.consumer).await {
            self.health
                .record_error(format!("final commit failed: {e}"));
        }
        end
    }
}

impl EngineHandle {
    /// Points the consumer at `topics` at once; none unsubscribes it.
    pub fn subscribe(&self, topics: &[String]) -> Result<(), KafkaError> {
        if topics.is_empty() {
            self.consumer.unsubscribe();
            return Ok(());
        }
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        self.consumer.subscribe(&names)
    }

    /// A handle that lets the consumer close without it.
    pub fn downgrade(&self) -> WeakEngineHandle {
        WeakEngineHandle {
            consumer: Arc::downgrade(&self.consumer),
        }
    }

    /// The consumer, for blocking questions such as its lag.
    pub fn consumer(&self) -> &Arc<SessionConsumer> {
        &self.consumer
    }

    /// Of `topics`, those Kafka does not know, asked on the blocking pool.
    pub async fn missing_topics(&self, topics: &[String]) -> Result<Vec<String>, KafkaError> {
        let consumer = Arc::clone(&self.consumer);
        let wanted = topics.to_vec();
        blocking(move || {
            let mut missing = Vec::new();
            for topic in wanted {
                if partitions(&consumer, &topic)?.is_empty() {
                    missing.push(topic);
                }
            }
            Ok(missing)
        })
        .await
    }

    /// Of `topics`, those in which the group has committed no offset, so
    /// the engine reads them from the beginning. Asked on the blocking pool.
    pub async fn unread_topics(&self, topics: &[String]) -> Result<Vec<String>, KafkaError> {
        let consumer = Arc::clone(&self.consumer);
        let wanted = topics.to_vec();
        blocking(move || {
            let mut unread = Vec::new();
            for topic in wanted {
                let mut tpl = TopicPartitionList::new();
                for partition in partitions(&consumer, &topic)? {
                    tpl.add_partition(&topic, partition);
                }
                let committed = consumer.committed_offsets(tpl, CLUSTER_TIMEOUT)?;
                let any = committed
                    .elements()
                    .iter()
                    .any(|e| matches!(e.offset(), Offset::Offset(_)));
                if !any {
                    unread.push(topic);
                }
            }
            Ok(unread)
        })
        .await
    }
}

/// The partitions of `topic`; none when Kafka does not know it.
fn partitions(consumer: &SessionConsumer, topic: &str) -> Result<Vec<i32>, KafkaError> {
    let metadata = consumer.fetch_metadata(Some(topic), CLUSTER_TIMEOUT)?;
    Ok(metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect())
}

/// Runs a blocking question about the cluster off the event loop.
async fn blocking<T: Send + 'static>(
    question: impl FnOnce() -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, KafkaError> {
    match tokio::task::spawn_blocking(question).await {
        Ok(answer) => answer,
        Err(e) => {
            log::warn!("asking the cluster failed: {e}");
            Err(KafkaError::Canceled)
        }
    }
}
