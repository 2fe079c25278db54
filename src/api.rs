//! The REST API's wire types, shared by the admin service that writes them
//! and the clients (producer, consumer) that read them, so both sides agree
//! by construction. Field names follow the original Python service.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{DataType, TopicStatus};

/// One topic as `GET /api/topics` and `GET /api/topics/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicView {
    pub topic_id: i32,
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
}

/// One entry of `GET /api/topics/active`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveTopic {
    pub topic_name: String,
    pub description: String,
    pub activated_at: Option<DateTime<Utc>>,
    pub partitions: i32,
    pub data_type: DataType,
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
}

/// Answer to `POST /api/topics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicCreated {
    pub message: String,
    pub topic_id: i32,
    pub status: TopicStatus,
}

/// Optional body of `POST /api/topics/{id}/reject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RejectRequest {
    #[serde(default)]
    pub reason: Option<String>,
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
    pub user_id: String,
    pub topic_name: String,
    pub subscribed_at: DateTime<Utc>,
    pub status: String,
}

/// Body of `POST /api/subscriptions` and `DELETE /api/subscriptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionRequest {
    pub user_id: String,
    pub topic_name: String,
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

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// Header carrying the producer daemon's shared key.
pub const PRODUCER_KEY_HEADER: &str = "X-Producer-Key";
