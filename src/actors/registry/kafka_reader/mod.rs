//! `KafkaReader`: the admin service's read-only view of Kafka, for the
//! topic pages and the consumer groups.
//!
//! It owns one metadata client and one admin client, made from the admin
//! service's `--bootstrap-servers` with `KafkaRole::AdminReader` (nothing
//! it does creates a topic, joins a group or commits). librdkafka's
//! metadata, watermark, group and offset calls block, so they run on
//! tokio's blocking threads, never on an HTTP worker; each has its own
//! timeout ([`CALL_TIMEOUT`]), and a whole read is cut off after
//! [`READ_BOUND`], so a broker that is down gives an error, not a hung page.

mod assignment;
mod groups;
mod offsets;
mod rate;
mod topic;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::BaseConsumer;

use crate::api::{ConsumerGroup, KafkaTopic};
use crate::config::KafkaSettings;
use crate::domain::readable_text;
use crate::kafka_config::{KafkaRole, client_config, explain};
use rate::RateBook;

/// How long one request to Kafka may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a whole read (metadata, watermarks, configs, groups) may take.
const READ_BOUND: Duration = Duration::from_secs(10);

/// Longest error text from Kafka passed on.
const MAX_ERROR_CHARS: usize = 500;

/// The clients every read shares.
struct Clients {
    /// Metadata, watermarks and the group list; it never subscribes.
    metadata: BaseConsumer,
    /// DescribeConfigs and ListConsumerGroupOffsets.
    admin: AdminClient<DefaultClientContext>,
}

/// Reads topics and consumer groups from Kafka; see the module docs.
pub struct KafkaReader {
    clients: Arc<Clients>,
    rates: Arc<Mutex<RateBook>>,
}

impl KafkaReader {
    /// Makes the clients (they connect lazily) and starts the actor.
    pub fn start(settings: &KafkaSettings) -> Result<Addr<KafkaReader>, String> {
        let config = client_config(settings, KafkaRole::AdminReader);
        let clients = Clients {
            metadata: config.create().map_err(explain)?,
            admin: config.create().map_err(explain)?,
        };
        Ok(KafkaReader {
            clients: Arc::new(clients),
            rates: Arc::default(),
        }
        .start())
    }
}

impl Actor for KafkaReader {
    type Context = Context<Self>;
}

/// A governed topic as Kafka reports it now. Never fails: what could not
/// be read is said in the answer's `error`.
#[derive(Message)]
#[rtype(result = "KafkaTopic")]
pub struct ReadTopic(pub String);

impl Handler<ReadTopic> for KafkaReader {
    type Result = ResponseFuture<KafkaTopic>;

    fn handle(&mut self, msg: ReadTopic, _: &mut Self::Context) -> Self::Result {
        let read = topic::read(self.clients.clone(), self.rates.clone(), msg.0);
        Box::pin(async move {
            match bounded(read).await {
                Ok(topic) => topic,
                Err(error) => KafkaTopic::unread(true, error),
            }
        })
    }
}

/// The consumer groups that read any of these topics (committed offsets
/// or members assigned them), by group id.
#[derive(Message)]
#[rtype(result = "Result<Vec<ConsumerGroup>, String>")]
pub struct ReadGroups(pub Vec<String>);

impl Handler<ReadGroups> for KafkaReader {
    type Result = ResponseFuture<Result<Vec<ConsumerGroup>, String>>;

    fn handle(&mut self, msg: ReadGroups, _: &mut Self::Context) -> Self::Result {
        let clients = self.clients.clone();
        Box::pin(bounded(blocking(move || {
            let partitions = groups::governed_partitions(&clients, &msg.0)?;
            groups::read(&clients, &partitions, &mut BTreeMap::new())
        })))
    }
}

/// `read`, or an error once it took longer than [`READ_BOUND`].
async fn bounded<T>(read: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    actix_rt::time::timeout(READ_BOUND, read)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "Kafka did not answer within {} s",
                READ_BOUND.as_secs()
            ))
        })
}

/// Runs blocking librdkafka calls on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    actix_rt::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(format!("reading Kafka failed: {e}")))
}

/// Kafka's error, cleaned and bounded, after what was being done.
fn kafka_error(doing: &str, error: impl std::fmt::Display) -> String {
    readable_text(&format!("{doing}: {error}"), MAX_ERROR_CHARS)
}
