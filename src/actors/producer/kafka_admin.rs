//! Creates approved topics in Kafka, then marks them active in the registry.
//!
//! Each topic is handled at most once at a time. A failure (broker down,
//! replication factor larger than the cluster, admin API refusing the key)
//! leaves the topic approved, is logged once with its reason, and is tried
//! again after a growing delay when the watcher next reports the topic.
//!
//! A topic that already exists in Kafka is only taken as created when its
//! partition count is the registry's: anything else is someone else's
//! topic (or an old one), and publishing into it would mix data and break
//! the key-to-partition mapping its owners rely on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::types::RDKafkaErrorCode;

use super::backoff::Backoff;
use super::kafka_context::LoggingContext;
use crate::api::TopicView;
use crate::client::{AdminClient as AdminApi, ClientError};
use crate::config::{KafkaSettings, Secret};
use crate::kafka_config::{KafkaRole, client_config, explain};

/// First and longest wait before trying a failed topic again.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// How long Kafka may take to create a topic before the try counts as failed.
const CREATE_TIMEOUT: Duration = Duration::from_secs(15);

/// How long reading an existing topic's metadata may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// The Kafka admin client type the daemon uses.
pub type KafkaAdminClient = AdminClient<LoggingContext>;

/// Creates the Kafka admin client; it connects lazily.
/// A setting librdkafka refuses is named in the error.
pub fn create_admin_client(kafka: &KafkaSettings) -> Result<KafkaAdminClient, String> {
    client_config(kafka, KafkaRole::ProducerAdmin)
        .create_with_context(LoggingContext::new("kafka-admin"))
        .map_err(explain)
}

/// The approved topics as the watcher last saw them.
#[derive(Message)]
#[rtype(result = "()")]
pub struct EnsureTopics(pub Vec<TopicView>);

/// Creates topics in Kafka and activates them through the admin API.
pub struct KafkaAdmin {
    kafka: Arc<KafkaAdminClient>,
    api: AdminApi,
    producer_key: Secret,
    topics: HashMap<String, Attempts>,
}

/// Where one topic stands.
struct Attempts {
    in_flight: bool,
    not_before: Instant,
    backoff: Backoff,
    last_error: Option<String>,
}

/// Why provisioning a topic failed this time.
#[derive(Debug)]
enum Failure {
    Kafka(String),
    /// Kafka already has a topic of that name, laid out otherwise.
    Foreign {
        existing: usize,
        wanted: i32,
    },
    Api(ClientError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Kafka(reason) => write!(f, "Kafka could not create it: {reason}"),
            Failure::Foreign { existing, wanted } => write!(
                f,
                "it already exists in Kafka with {existing} partitions but the registry \
                 asks for {wanted}; refusing to publish into a topic topicgate did not \
                 create as requested (delete it in Kafka, or request another name)"
            ),
            Failure::Api(error) => write!(f, "could not activate it: {error}"),
        }
    }
}

/// How a try ended.
enum Outcome {
    Activated,
    /// The registry no longer wants it activated (deactivated, deleted...).
    Superseded(String),
}

impl KafkaAdmin {
    pub fn new(kafka: Arc<KafkaAdminClient>, admin_url: &str, producer_key: Secret) -> Self {
        Self {
            kafka,
            api: AdminApi::new(admin_url),
            producer_key,
            topics: HashMap::new(),
        }
    }

    fn ensure(&mut self, view: TopicView, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let attempts = self
            .topics
            .entry(view.topic_name.clone())
            .or_insert_with(|| Attempts {
                in_flight: false,
                not_before: now,
                backoff: Backoff::new(RETRY_FIRST, RETRY_MAX),
                last_error: None,
            });
        if attempts.in_flight || now < attempts.not_before {
            return;
        }
        attempts.in_flight = true;
        let name = view.topic_name.clone();
        let kafka = Arc::clone(&self.kafka);
        let api = self.api.clone();
        let key = self.producer_key.clone();
        let work = async move {
            create_topic(&kafka, &view).await?;
            match api.activate_by_name(&view.topic_name, key.expose()).await {
                Ok(_) => Ok(Outcome::Activated),
                // 404 and 409: the topic changed state meanwhile; the
                // watcher will report it again if it is still approved.
                Err(ClientError::Api {
                    status: 404 | 409,
                    message,
                    ..
                }) => Ok(Outcome::Superseded(message)),
                Err(error) => Err(Failure::Api(error)),
            }
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |result, act, _| act.finished(&name, result)),
        );
    }

    fn finished(&mut self, name: &str, result: Result<Outcome, Failure>) {
        match result {
            Ok(outcome) => {
                let earlier = self.topics.remove(name).map_or(0, |a| a.backoff.failures());
                match outcome {
                    Outcome::Activated if earlier > 0 => {
                        log::info!(
                            "topic {name} created in Kafka and activated after {} failed tries",
                            earlier
                        )
                    }
                    Outcome::Activated => log::info!("topic {name} created in Kafka and activated"),
                    Outcome::Superseded(why) => log::info!("topic {name} not activated: {why}"),
                }
            }
            Err(failure) => {
                let Some(attempts) = self.topics.get_mut(name) else {
                    return;
                };
                attempts.in_flight = false;
                let delay = attempts.backoff.next_delay();
                attempts.not_before = Instant::now() + delay;
                let reason = failure.to_string();
                // Once per reason: a broker that stays down is not news.
                if attempts.last_error.as_deref() != Some(reason.as_str()) {
                    // A foreign topic needs a person; a broker outage does not.
                    let level = match failure {
                        Failure::Foreign { .. } => log::Level::Error,
                        _ => log::Level::Warn,
                    };
                    log::log!(
                        level,
                        "topic {name} stays approved: {reason}; will try again with backoff"
                    );
                    attempts.last_error = Some(reason);
                } else {
                    log::debug!("topic {name}: still failing, next try in {delay:?}");
                }
            }
        }
    }
}

/// Creates the topic as requested. One that already exists counts as
/// created only with the partition count the registry asks for.
async fn create_topic(kafka: &Arc<KafkaAdminClient>, view: &TopicView) -> Result<(), Failure> {
    let partitions = view.partitions.max(1);
    let topic = NewTopic::new(
        &view.topic_name,
        partitions,
        TopicReplication::Fixed(view.replication_factor.max(1)),
    );
    let options = AdminOptions::new()
        .operation_timeout(Some(CREATE_TIMEOUT))
        .request_timeout(Some(CREATE_TIMEOUT));
    let results = kafka
        .create_topics([&topic], &options)
        .await
        .map_err(|e| Failure::Kafka(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) => {}
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {
                let existing = partition_count(kafka, &view.topic_name).await?;
                if existing != partitions as usize {
                    return Err(Failure::Foreign {
                        existing,
                        wanted: partitions,
                    });
                }
            }
            Err((_, code)) => return Err(Failure::Kafka(code.to_string())),
        }
    }
    Ok(())
}

/// How many partitions Kafka's metadata shows for an existing `topic`.
async fn partition_count(kafka: &Arc<KafkaAdminClient>, topic: &str) -> Result<usize, Failure> {
    let (kafka, topic) = (Arc::clone(kafka), topic.to_owned());
    // librdkafka's metadata call blocks; keep it off the actor's thread.
    actix_rt::task::spawn_blocking(move || {
        let metadata = kafka
            .inner()
            .fetch_metadata(Some(&topic), METADATA_TIMEOUT)
            .map_err(|e| format!("reading the metadata of the existing topic: {e}"))?;
        let found = metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .ok_or("Kafka says it exists but its metadata does not list it yet")?;
        match found.error() {
            Some(error) => Err(format!(
                "reading the metadata of the existing topic: {:?}",
                RDKafkaErrorCode::from(error)
            )),
            None if found.partitions().is_empty() => {
                Err("the existing topic has no partitions in the metadata yet".to_owned())
            }
            None => Ok(found.partitions().len()),
        }
    })
    .await
    .map_err(|e| Failure::Kafka(format!("reading the metadata of the existing topic: {e}")))?
    .map_err(Failure::Kafka)
}

impl Actor for KafkaAdmin {
    type Context = Context<Self>;
}

impl Supervised for KafkaAdmin {
    fn restarting(&mut self, _: &mut Self::Context) {
        // Tries in flight were cancelled with the old context.
        for attempts in self.topics.values_mut() {
            attempts.in_flight = false;
        }
        log::warn!("Kafka topic creator restarted");
    }
}

impl Handler<EnsureTopics> for KafkaAdmin {
    type Result = ();

    fn handle(&mut self, msg: EnsureTopics, ctx: &mut Self::Context) {
        // Forget topics that are no longer approved, unless being worked on.
        let approved: std::collections::HashSet<&str> =
            msg.0.iter().map(|t| t.topic_name.as_str()).collect();
        self.topics
            .retain(|name, attempts| attempts.in_flight || approved.contains(name.as_str()));
        for view in msg.0 {
            self.ensure(view, ctx);
        }
    }
}
