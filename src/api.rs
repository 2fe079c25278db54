//! The REST API's wire types, shared by the admin service that writes them
//! and the clients (producer, consumer) that read them, so both sides agree
//! by construction. Field names follow the original Python service.

mod kafka_details;
mod schema_registry;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    ChangeRequestStatus, DataType, KafkaState, SubscriptionStatus, TopicId, TopicStatus, UserId,
};
use crate::schema::ValueFormat;

pub use kafka_details::{
    AuditEntry, AuditKind, ConsumerGroup, GroupMember, GroupTopicLag, GroupsAnswer,
    KAFKA_NOT_CONFIGURED, KafkaTopic, PartitionDetails, PartitionLag, TopicConfigEntry,
    TopicDetails,
};
pub use schema_registry::{RegisteredSchema, SCHEMA_TYPE_JSON, SchemaText, SubjectVersion};

/// One topic as `GET /api/topics` and `GET /api/topics/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicView {
    pub topic_id: TopicId,
    pub topic_name: String,
    pub status: TopicStatus,
    pub partitions: i32,
    pub replication_factor: i32,
    pub data_type: DataType,
    pub created_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub activated_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub description: String,
    /// The topic's side in Kafka. A field the original service did not
    /// have: its clients ignore it, and an answer without it reads as
    /// `not_created`.
    #[serde(default)]
    pub kafka: KafkaSide,
    /// The Kafka topic configs requested with it (whitelisted keys, values
    /// as text); empty for the broker's defaults and in older answers.
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
}

/// The `kafka` field of a topic: what the producer's reconciler last found
/// in Kafka for it, and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KafkaSide {
    pub state: KafkaState,
    /// Why Kafka refused it (`failed`), whose topic is in the way
    /// (`conflict`), or how it differs (`drifted`).
    pub error: Option<String>,
    /// As found in Kafka; `null` until it exists there.
    pub partitions: Option<i32>,
    pub replication_factor: Option<i32>,
    pub checked_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/topics/{id}/kafka` (producer key): what the
/// reconciler found or did. The registry stamps `checked_at`, and records
/// an audit event only when the state or the error changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KafkaReport {
    pub state: KafkaState,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub partitions: Option<i32>,
    #[serde(default)]
    pub replication_factor: Option<i32>,
}

/// Body of `POST /api/cluster` (producer key): the Kafka cluster as the
/// producer daemon sees it, sent on each of its polls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterReport {
    pub brokers: i32,
    #[serde(default)]
    pub controller: Option<i32>,
    #[serde(default)]
    pub kafka_version: Option<String>,
    /// The reporting daemon's `--instance-id`; absent from producers older
    /// than sharing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The topics the reporting daemon generates now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_topics: Option<Vec<String>>,
}

/// `GET /api/cluster`: the last [`ClusterReport`] and when the producer
/// was last heard from; all `null` before the first report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    pub brokers: Option<i32>,
    pub controller: Option<i32>,
    pub kafka_version: Option<String>,
    pub producer_seen_at: Option<DateTime<Utc>>,
    /// The producer daemons heard from lately, by instance id.
    #[serde(default)]
    pub producers: Vec<ProducerView>,
}

/// One producer daemon in `GET /api/cluster`: what it generates, as of
/// its last report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerView {
    pub instance_id: String,
    pub owned_topics: Vec<String>,
    pub seen_at: DateTime<Utc>,
}

/// One entry of `GET /api/topics/active`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveTopic {
    pub topic_name: String,
    pub description: String,
    pub activated_at: Option<DateTime<Utc>>,
    pub partitions: i32,
    pub data_type: DataType,
    /// Registry id of the topic's current (latest approved) schema; absent
    /// from services older than schemas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_id: Option<i64>,
    /// How record values are laid out; `json` from older services.
    #[serde(default)]
    pub value_format: ValueFormat,
}

/// Body of `POST /api/topics`. Only `name` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateTopicRequest {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Kafka topic configs: `retention.ms`, `cleanup.policy`,
    /// `max.message.bytes`, values as numbers or strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configs: Option<serde_json::Value>,
    /// The value schema (a JSON Schema object); the data type's built-in
    /// one when absent. Pending with the topic, approved with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// `json` (the default) or `confluent_json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_format: Option<String>,
}

/// Answer to `POST /api/topics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicCreated {
    pub message: String,
    pub topic_id: TopicId,
    pub status: TopicStatus,
}

/// Optional body of `POST /api/topics/{id}/reject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RejectRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of `POST /api/topics/{id}/edit`: new values for an approved topic
/// Kafka refused (or that collides); a field left out keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditTopicRequest {
    #[serde(default)]
    pub partitions: Option<i64>,
    #[serde(default)]
    pub replication_factor: Option<i64>,
}

/// Body of `POST /api/topics/{id}/withdraw` (or its query string): who
/// withdraws. A claim, as `created_by` is: it must equal the topic's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WithdrawRequest {
    #[serde(default)]
    pub created_by: Option<String>,
}

/// Body of `POST /api/topics/{id}/partitions`: the count an active topic
/// should grow to, and who asks (a claim, as `created_by` is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionsRequest {
    pub partitions: i64,
    #[serde(default)]
    pub requested_by: Option<String>,
}

/// A request to change an active topic, as `GET /api/topic-changes`
/// lists it and `POST /api/topics/{id}/partitions` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicChangeRequestView {
    pub change_id: i32,
    pub topic_id: TopicId,
    pub topic_name: String,
    pub partitions_from: i32,
    pub partitions_to: i32,
    pub status: ChangeRequestStatus,
    /// Who asked, as the audit trail records it ("admin" or a claim).
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// Body of `POST /api/topics/{id}/schema`: a new value schema for an
/// approved topic, and who asks (a claim, as `created_by` is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaChangeRequest {
    pub schema: serde_json::Value,
    #[serde(default)]
    pub requested_by: Option<String>,
}

/// A request to change a topic's value schema, as `GET /api/schema-changes`
/// lists it. Its `change_id` is the schema's registry id, which it keeps
/// once approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaChangeView {
    pub change_id: i64,
    pub topic_id: TopicId,
    pub topic_name: String,
    pub subject: String,
    /// The schema asked for.
    pub schema: serde_json::Value,
    pub status: ChangeRequestStatus,
    /// The subject version it became, once approved.
    pub version: Option<i32>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/topics/activate_by_name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivateByName {
    pub topic_name: String,
}

/// One entry of `GET /api/subscriptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub subscription_id: i32,
    pub user_id: UserId,
    pub topic_name: String,
    pub subscribed_at: DateTime<Utc>,
    /// Parsed leniently, so a client also reads what older servers send.
    pub status: SubscriptionStatus,
}

/// Body of `POST /api/subscriptions` and `DELETE /api/subscriptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionRequest {
    pub user_id: String,
    pub topic_name: String,
}

/// Body of `POST /api/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub user_id: String,
    pub roles: Vec<String>,
}

/// A user as `GET /api/users` lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub user_id: String,
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// Answer to `POST /api/users` and `POST /api/users/{id}/tokens`: the
/// token, shown this once (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserToken {
    pub user_id: String,
    pub roles: Vec<String>,
    pub token: String,
}

/// Answer to `GET /api/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub roles: Vec<String>,
    /// True for the shared admin token, which is no registered user.
    #[serde(default)]
    pub bootstrap_admin: bool,
}

/// Answer to `GET /api/me/kafka-credentials`: how the caller logs in to
/// Kafka. Never cached, never logged.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct KafkaCredentials {
    pub mechanism: String,
    pub username: String,
    pub password: String,
    pub bootstrap_servers: String,
    /// `SASL_PLAINTEXT` or `SASL_SSL`, as the admin service itself connects.
    #[serde(default)]
    pub security_protocol: Option<String>,
}

impl std::fmt::Debug for KafkaCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaCredentials")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("security_protocol", &self.security_protocol)
            .finish()
    }
}

/// Answer to `GET /api/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub total_topics: i64,
    pub pending_topics: i64,
    pub approved_topics: i64,
    pub active_topics: i64,
    pub rejected_topics: i64,
    pub inactive_topics: i64,
    pub total_subscriptions: i64,
    pub timestamp: DateTime<Utc>,
}

/// Answer to `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub timestamp: DateTime<Utc>,
    pub database: String,
}

/// The `{"message": ...}` answer of the state-changing endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub message: String,
}

/// Answer to `GET /api/topics/changes`: the topics table's version, and
/// whether it differs from the `since` the request gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicChanges {
    pub version: u64,
    pub changed: bool,
}

/// The body of every error answer: the sentence old clients show, and the
/// machine-readable reason new clients decide by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// Absent only in answers from servers older than the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// The topic's status, with [`ErrorCode::TopicNotActive`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_status: Option<TopicStatus>,
}

impl ErrorBody {
    /// An error body with its code and no topic status.
    pub fn new(error: impl Into<String>, code: ErrorCode) -> Self {
        Self {
            error: error.into(),
            code: Some(code),
            topic_status: None,
        }
    }
}

/// Why the API refused, as the `code` of an error body. Clients decide by
/// it (with the HTTP status), never by the `error` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    /// Authenticated or not, this caller may not do this.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    Conflict,
    PayloadTooLarge,
    UriTooLong,
    UnsupportedMediaType,
    TooManyRequests,
    Internal,
    /// No topic has that name (or id).
    TopicNotFound,
    /// The topic exists but is not active; `topic_status` says what it is.
    TopicNotActive,
    /// The user already has this subscription; nothing changed.
    AlreadySubscribed,
    /// The user has no such subscription.
    NotSubscribed,
    /// Kafka has, or is about to have, the topic topicgate created for it:
    /// it cannot be rejected (deactivate it instead).
    KafkaTopicExists,
    /// Kafka holds a topic of that name that topicgate did not create:
    /// topicgate will not activate it or write into it.
    KafkaConflict,
    /// A code this client does not know (from a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The generic code of an HTTP error status.
    pub fn for_status(status: u16) -> Self {
        match status {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::RequestTimeout,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            414 => ErrorCode::UriTooLong,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::TooManyRequests,
            500..=599 => ErrorCode::Internal,
            _ => ErrorCode::Unknown,
        }
    }
}

/// Header carrying the producer daemon's shared key.
pub const PRODUCER_KEY_HEADER: &str = "X-Producer-Key";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_user_id;

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    #[test]
    fn typed_ids_and_statuses_keep_the_json_byte_for_byte() {
        let topic = TopicView {
            topic_id: TopicId(7),
            topic_name: "sensor_data".into(),
            status: TopicStatus::Active,
            partitions: 3,
            replication_factor: 1,
            data_type: DataType::UserActivity,
            created_at: at("2026-11-27T10:00:00Z"),
            approved_at: None,
            activated_at: Some(at("2026-11-27T10:05:00Z")),
            created_by: "ops".into(),
            description: String::new(),
            kafka: KafkaSide::default(),
            configs: BTreeMap::new(),
        };
        // The original service's fields, as it wrote them...
        let original = r#"{"topic_id":7,"topic_name":"sensor_data","status":"active","partitions":3,"replication_factor":1,"data_type":"user_activity","created_at":"2026-11-27T10:00:00Z","approved_at":null,"activated_at":"2026-11-27T10:05:00Z","created_by":"ops","description":""}"#;
        // ...then the Kafka side, a field of its own at the end.
        let json = format!(
            r#"{},"kafka":{{"state":"not_created","error":null,"partitions":null,"replication_factor":null,"checked_at":null}},"configs":{{}}}}"#,
            original.strip_suffix('}').unwrap()
        );
        assert_eq!(serde_json::to_string(&topic).unwrap(), json);
        assert_eq!(serde_json::from_str::<TopicView>(&json).unwrap(), topic);
        // An answer without it (an older admin service) still reads.
        assert_eq!(serde_json::from_str::<TopicView>(original).unwrap(), topic);

        let subscription = SubscriptionView {
            subscription_id: 2,
            user_id: parse_user_id("alice").unwrap(),
            topic_name: "sensor_data".into(),
            subscribed_at: at("2026-11-27T11:00:00Z"),
            status: SubscriptionStatus::Active,
        };
        let json = r#"{"subscription_id":2,"user_id":"alice","topic_name":"sensor_data","subscribed_at":"2026-11-27T11:00:00Z","status":"active"}"#;
        assert_eq!(serde_json::to_string(&subscription).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<SubscriptionView>(json).unwrap(),
            subscription
        );

        let created = TopicCreated {
            message: "m".into(),
            topic_id: TopicId(9),
            status: TopicStatus::Pending,
        };
        assert_eq!(
            serde_json::to_string(&created).unwrap(),
            r#"{"message":"m","topic_id":9,"status":"pending"}"#
        );
    }

    #[test]
    fn a_client_reads_subscription_statuses_it_does_not_know() {
        let from_server = |status: &str| {
            let json = format!(
                r#"{{"subscription_id":1,"user_id":"bob","topic_name":"t","subscribed_at":"2026-11-27T11:00:00Z","status":"{status}"}}"#
            );
            serde_json::from_str::<SubscriptionView>(&json)
                .unwrap()
                .status
        };
        assert!(from_server("active").is_active());
        assert!(from_server("Active").is_active());
        assert!(!from_server("inactive").is_active());
        assert_eq!(
            from_server("suspended"),
            SubscriptionStatus::Other("suspended".into())
        );
    }
}
