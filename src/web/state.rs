use actix::Addr;
use actix::dev::{MessageResponse, ToEnvelope};
use actix::{Handler, Message};

use super::cluster::ClusterMemory;
use super::error::ApiError;
use super::listing_cache::ListingCache;
use super::metrics::AdminMetrics;
use super::stats_cache::StatsCache;
use super::stream_slots::StreamSlots;
use crate::actors::registry::TopicRegistry;
use crate::actors::registry::kafka_reader::KafkaReader;
use crate::actors::registry::record_reader::RecordReader;
use crate::config::{AccessSettings, AdminTokenHint, KafkaSettings, Secret};
use crate::db::RegistryError;
use crate::db::topics_version::TopicsVersion;
use crate::domain::TopicNamePolicy;

/// What every handler shares: the registry's address and the secrets.
pub struct AppState {
    pub registry: Addr<TopicRegistry>,
    pub topics_version: TopicsVersion,
    /// Moves with every change to who may read what, subscriptions included.
    pub access_changes: TopicsVersion,
    /// The topic listings' answers, kept until the rows change.
    pub listings: ListingCache,
    /// The counts of `/api/stats`, kept until they may have changed.
    pub stats: StatsCache,
    /// The Kafka cluster as the producer last reported it.
    pub cluster: ClusterMemory,
    pub producer_key: Secret,
    pub admin_token: Secret,
    /// Where the login page says the admin token is.
    pub admin_token_hint: AdminTokenHint,
    pub max_replication_factor: i32,
    pub topic_names: TopicNamePolicy,
    /// Pending topic requests one `created_by` may have at a time.
    pub max_pending_per_requester: i64,
    /// How the topic pages read Kafka; `None` when it is not configured.
    pub kafka: Option<KafkaSettings>,
    /// Secure mode, four eyes, and Kafka credentials for users.
    pub access: AccessSettings,
    /// Reads Kafka for the topic pages and groups; `None` when `kafka` is.
    pub kafka_reader: Option<Addr<KafkaReader>>,
    /// Reads records for the message browser and opens live tails; `None`
    /// without Kafka.
    pub records: Option<Addr<RecordReader>>,
    /// The live tails open now, and how many may be.
    pub streams: StreamSlots,
    /// What `/metrics` shows; handlers count their own events here.
    pub metrics: AdminMetrics,
}

impl AppState {
    /// Sends `msg` to the registry and flattens mailbox and registry errors.
    pub async fn ask<M, T>(&self, msg: M) -> Result<T, ApiError>
    where
        M: Message<Result = Result<T, RegistryError>> + Send + 'static,
        T: Send + 'static,
        TopicRegistry: Handler<M>,
        <TopicRegistry as actix::Actor>::Context: ToEnvelope<TopicRegistry, M>,
        Result<T, RegistryError>: MessageResponse<TopicRegistry, M>,
    {
        Ok(self.registry.send(msg).await??)
    }
}
