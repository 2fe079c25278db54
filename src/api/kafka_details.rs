//! Wire types of `GET /api/topics/{name}/details` and `GET /api/groups`:
//! what the admin service reads from Kafka about the topics it governs,
//! beside the registry's own record of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SubscriptionView, TopicView};
use crate::domain::{KafkaState, TopicStatus};

/// What the details and groups answers say in `error` when the admin
/// service was started without `--bootstrap-servers`.
pub const KAFKA_NOT_CONFIGURED: &str = "Kafka is not configured";

/// `GET /api/topics/{name}/details`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopicDetails {
    /// The topic as the registry holds it.
    pub topic: TopicView,
    /// The topic as Kafka reports it now.
    pub kafka: KafkaTopic,
    /// The registry's subscriptions to the topic, newest first.
    pub subscribers: Vec<SubscriptionView>,
    /// The topic's audit trail, newest first.
    pub audit: Vec<AuditEntry>,
}

/// A topic as Kafka reports it. When `configured` is false, or `error` is
/// set, the lists are empty and the figures `null`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KafkaTopic {
    /// Whether the admin service reads Kafka at all.
    pub configured: bool,
    /// Why nothing was read: [`KAFKA_NOT_CONFIGURED`], or what Kafka (or
    /// its silence) said.
    pub error: Option<String>,
    pub partitions: Vec<PartitionDetails>,
    /// The sum over partitions of high minus low watermark: the records
    /// Kafka holds now.
    pub total_messages: Option<i64>,
    /// Records written per second, from the high watermarks seen by
    /// earlier reads; `null` until two reads a second or more apart.
    pub messages_per_second: Option<f64>,
    /// The topic's configs as Kafka describes them (DescribeConfigs).
    pub configs: Vec<TopicConfigEntry>,
    /// The consumer groups with committed offsets on the topic, or with
    /// members assigned it.
    pub groups: Vec<ConsumerGroup>,
    /// Records held by the topic's dead-letter topic `<topic>.dlq` (the
    /// sum of its high minus low watermarks); `null` when it does not
    /// exist, or Kafka was not read.
    #[serde(default)]
    pub dead_letters: Option<i64>,
}

impl KafkaTopic {
    /// The answer when nothing could be read, saying why.
    pub fn unread(configured: bool, error: impl Into<String>) -> Self {
        Self {
            configured,
            error: Some(error.into()),
            ..Self::default()
        }
    }
}

/// One partition: who leads it and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionDetails {
    pub partition: i32,
    /// The leader's broker id; `null` while it has none.
    pub leader: Option<i32>,
    pub replicas: Vec<i32>,
    pub in_sync_replicas: Vec<i32>,
    pub low_watermark: i64,
    pub high_watermark: i64,
    /// `high_watermark - low_watermark`.
    pub messages: i64,
}

/// One topic config as Kafka reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicConfigEntry {
    pub name: String,
    /// `null` for a sensitive config (Kafka never sends those values).
    pub value: Option<String>,
    /// Where the value comes from: `topic`, `broker`, `default`, ...
    pub source: String,
    pub is_default: bool,
    pub is_sensitive: bool,
}

/// A consumer group that reads governed topics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroup {
    pub group: String,
    /// As the group coordinator says: `Stable`, `Empty`, `Dead`, ...
    pub state: String,
    pub members: Vec<GroupMember>,
    /// Per governed topic it reads (in the details: just that topic).
    pub topics: Vec<GroupTopicLag>,
    /// The sum of every known partition lag.
    pub lag: i64,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub client_id: String,
    pub host: String,
    /// Governed topics of which it is assigned partitions.
    pub topics: Vec<String>,
}

/// How far behind a group is on one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTopicLag {
    pub topic: String,
    pub partitions: Vec<PartitionLag>,
    /// The sum of the partitions' known lags.
    pub lag: i64,
}

/// A group's position on one partition. A partition the group never
/// committed on has `committed` and `lag` both `null`: without a commit
/// there is no position to measure from (the group would start where its
/// `auto.offset.reset` says), so no lag figure is made up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLag {
    pub partition: i32,
    pub committed: Option<i64>,
    pub high_watermark: i64,
    /// `high_watermark - committed`.
    pub lag: Option<i64>,
}

/// `GET /api/groups`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupsAnswer {
    /// Whether the admin service reads Kafka at all.
    pub configured: bool,
    /// [`KAFKA_NOT_CONFIGURED`] when it does not.
    pub error: Option<String>,
    pub groups: Vec<ConsumerGroup>,
}

/// One entry of a topic's audit trail: a life-cycle change (`kind`
/// `status`: `from_status`, `to_status`, `reason`) or a Kafka state change
/// (`kind` `kafka`: `kafka_from`, `kafka_to`, `kafka_error`). The other
/// kind's fields are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub kind: AuditKind,
    pub actor: String,
    pub from_status: Option<TopicStatus>,
    pub to_status: Option<TopicStatus>,
    pub reason: Option<String>,
    pub kafka_from: Option<KafkaState>,
    pub kafka_to: Option<KafkaState>,
    pub kafka_error: Option<String>,
}

/// Which audit trail an [`AuditEntry`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    Status,
    Kafka,
}
