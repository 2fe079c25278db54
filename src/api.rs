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
