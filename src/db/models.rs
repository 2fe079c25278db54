//! Rows as they are read (`Topic`) and written (`NewTopic`, `NewEvent`).

use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;

use super::schema::{
    schemas, subscription_events, topic_change_requests, topic_events, topic_kafka_events, topics,
    user_subscriptions,
};
use crate::api::{KafkaSide, SubscriptionView, TopicView};
use crate::domain::{
    ChangeRequestStatus, DataType, KafkaState, SchemaDocument, SubscriptionStatus, TopicId,
    TopicName, TopicStatus, UserId,
};
use crate::schema::ValueFormat;

/// Timestamps are stored as UTC without an offset.
pub fn utc(at: NaiveDateTime) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&at)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = topics, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Topic {
    pub id: TopicId,
    pub name: String,
    pub status: TopicStatus,
    pub partitions: i32,
    pub replication_factor: i32,
    pub data_type: DataType,
    pub created_by: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub approved_at: Option<NaiveDateTime>,
    pub activated_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Kafka's side, as the producer last reported it (see `KafkaSide`).
    pub kafka_state: KafkaState,
    pub kafka_error: Option<String>,
    pub kafka_partitions: Option<i32>,
    pub kafka_replication_factor: Option<i32>,
    pub kafka_checked_at: Option<NaiveDateTime>,
    /// How the producer frames its records.
    pub value_format: ValueFormat,
}

impl Topic {
    pub fn view(&self) -> TopicView {
        TopicView {
            topic_id: self.id,
            topic_name: self.name.clone(),
            status: self.status,
            partitions: self.partitions,
            replication_factor: self.replication_factor,
            data_type: self.data_type,
            created_at: utc(self.created_at),
            approved_at: self.approved_at.map(utc),
            activated_at: self.activated_at.map(utc),
            created_by: self.created_by.clone(),
            description: self.description.clone(),
            kafka: KafkaSide {
                state: self.kafka_state,
                error: self.kafka_error.clone(),
                partitions: self.kafka_partitions,
                replication_factor: self.kafka_replication_factor,
                checked_at: self.kafka_checked_at.map(utc),
            },
            // Kept in a table of their own: see `db::topic_configs::attach`.
            configs: Default::default(),
        }
    }
}

/// A validated topic request, ready to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = topics)]
pub struct NewTopic {
    pub name: TopicName,
    pub status: TopicStatus,
    pub partitions: i32,
    pub replication_factor: i32,
    pub data_type: DataType,
    pub created_by: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Stored in `topic_configs`, in the same transaction.
    #[diesel(skip_insertion)]
    pub configs: crate::domain::TopicConfigs,
    pub value_format: ValueFormat,
    /// Stored in `schemas` as pending, in the same transaction.
    #[diesel(skip_insertion)]
    pub schema: SchemaDocument,
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = topic_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TopicEvent {
    pub id: i32,
    pub topic_id: TopicId,
    pub from_status: Option<TopicStatus>,
    pub to_status: TopicStatus,
    pub actor: String,
    pub reason: Option<String>,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = topic_events)]
pub struct NewEvent<'a> {
    pub topic_id: TopicId,
    pub from_status: Option<TopicStatus>,
    pub to_status: TopicStatus,
    pub actor: &'a str,
    pub reason: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// One change of a topic's Kafka state or error, as the producer reported it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = topic_kafka_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TopicKafkaEvent {
    pub id: i32,
    pub topic_id: TopicId,
    pub from_state: KafkaState,
    pub to_state: KafkaState,
    pub error: Option<String>,
    pub actor: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = topic_kafka_events)]
pub struct NewKafkaEvent<'a> {
    pub topic_id: TopicId,
    pub from_state: KafkaState,
    pub to_state: KafkaState,
    pub error: Option<&'a str>,
    pub actor: &'a str,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = user_subscriptions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Subscription {
    pub id: i32,
    pub user_id: UserId,
    pub topic_id: TopicId,
    pub subscribed_at: NaiveDateTime,
    pub status: SubscriptionStatus,
}

impl Subscription {
    pub fn view(&self, topic_name: &str) -> SubscriptionView {
        SubscriptionView {
            subscription_id: self.id,
            user_id: self.user_id.clone(),
            topic_name: topic_name.to_owned(),
            subscribed_at: utc(self.subscribed_at),
            status: self.status.clone(),
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = user_subscriptions)]
pub struct NewSubscription<'a> {
    pub user_id: &'a UserId,
    pub topic_id: TopicId,
    pub subscribed_at: NaiveDateTime,
    pub status: SubscriptionStatus,
}

/// One row of the subscriptions' audit trail: who started or stopped
/// reading a topic, and on whose word.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = subscription_events)]
pub struct NewSubscriptionEvent<'a> {
    pub topic_id: TopicId,
    pub user_id: &'a UserId,
    /// `subscribed`, `unsubscribed`, or `deactivated` / `reactivated` when
    /// its topic was (the table checks it).
    pub action: &'a str,
    pub actor: &'a str,
    pub at: NaiveDateTime,
}

impl NewTopic {
    /// A pending topic from a checked request.
    pub fn pending(request: crate::domain::TopicRequest, now: NaiveDateTime) -> Self {
        Self {
            name: request.name,
            status: TopicStatus::Pending,
            partitions: request.partitions,
            replication_factor: request.replication_factor,
            data_type: request.data_type,
            created_by: request.created_by,
            description: request.description,
            configs: request.configs,
            value_format: request.value_format,
            schema: request.schema,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A request to raise an active topic's partitions, and its decision.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = topic_change_requests, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TopicChangeRequest {
    pub id: i32,
    pub topic_id: TopicId,
    pub partitions_from: i32,
    pub partitions_to: i32,
    pub status: ChangeRequestStatus,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
}

impl TopicChangeRequest {
    pub fn view(&self, topic_name: &str) -> crate::api::TopicChangeRequestView {
        crate::api::TopicChangeRequestView {
            change_id: self.id,
            topic_id: self.topic_id,
            topic_name: topic_name.to_owned(),
            partitions_from: self.partitions_from,
            partitions_to: self.partitions_to,
            status: self.status,
            requested_by: self.requested_by.clone(),
            requested_at: utc(self.requested_at),
            decided_by: self.decided_by.clone(),
            decided_at: self.decided_at.map(utc),
            reason: self.reason.clone(),
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = topic_change_requests)]
pub struct NewTopicChangeRequest<'a> {
    pub topic_id: TopicId,
    pub partitions_from: i32,
    pub partitions_to: i32,
    pub requested_by: &'a str,
    pub requested_at: NaiveDateTime,
}

/// One version of a topic's value schema (see migration 000009).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = schemas, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SchemaVersion {
    /// The global schema id.
    pub id: i32,
    pub topic_id: TopicId,
    /// `<topic>-value`.
    pub subject: String,
    /// Numbered once approved; `None` while pending and when rejected.
    pub version: Option<i32>,
    /// Canonical JSON text.
    pub schema: String,
    pub status: ChangeRequestStatus,
    /// Who asked, as the audit trail records it.
    pub requested_by: String,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

impl SchemaVersion {
    /// The row as a schema change request (see `db::schema_changes`).
    pub fn change_view(&self, topic_name: &str) -> crate::api::SchemaChangeView {
        crate::api::SchemaChangeView {
            change_id: i64::from(self.id),
            topic_id: self.topic_id,
            topic_name: topic_name.to_owned(),
            subject: self.subject.clone(),
            // Stored as checked JSON; `null` would mean a hand-edited row.
            schema: serde_json::from_str(&self.schema).unwrap_or_default(),
            status: self.status,
            version: self.version,
            requested_by: self.requested_by.clone(),
            requested_at: utc(self.created_at),
            decided_by: self.decided_by.clone(),
            decided_at: self.decided_at.map(utc),
        }
    }
}

/// A schema version to insert: pending, or approved at once with its
/// version number.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schemas)]
pub struct NewSchemaVersion<'a> {
    pub topic_id: TopicId,
    pub subject: &'a str,
    pub version: Option<i32>,
    pub schema: &'a str,
    pub status: ChangeRequestStatus,
    pub requested_by: &'a str,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<&'a str>,
    pub decided_at: Option<NaiveDateTime>,
}
