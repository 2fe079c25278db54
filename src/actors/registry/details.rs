//! What the registry knows of one topic for its details page, and which
//! topics it governs, for the views that read Kafka.

use actix::prelude::*;

use super::TopicRegistry;
use crate::api::{AuditEntry, AuditKind, SubscriptionView, TopicView};
use crate::db::models::utc;
use crate::db::topics::TopicRef;
use crate::db::{self, RegistryError};
use crate::domain::TopicName;

/// How many audit entries of each kind a topic's details carry: enough for
/// a page, bounded however long the topic has lived.
const AUDIT_ENTRIES: i64 = 100;

/// The registry's part of a topic's details.
#[derive(Debug, Clone)]
pub struct TopicRecord {
    pub topic: TopicView,
    pub subscribers: Vec<SubscriptionView>,
    /// Both audit trails merged, newest first.
    pub audit: Vec<AuditEntry>,
}

/// The topic of this name (see `db::topics::find`) with its subscribers
/// and audit trail.
#[derive(Message)]
#[rtype(result = "Result<TopicRecord, RegistryError>")]
pub struct GetTopicRecord(pub TopicName);

impl Handler<GetTopicRecord> for TopicRegistry {
    type Result = Result<TopicRecord, RegistryError>;

    fn handle(&mut self, msg: GetTopicRecord, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let topic = db::topics::find(&mut conn, &TopicRef::Name(msg.0))?;
        let subscribers = db::subscriptions::of_topic(&mut conn, topic.id)?
            .iter()
            .map(|sub| sub.view(&topic.name))
            .collect();
        let status_events = db::topics::events_of(&mut conn, topic.id, AUDIT_ENTRIES)?;
        let kafka_events = db::kafka_state::events_of(&mut conn, topic.id, AUDIT_ENTRIES)?;
        drop(conn);
        let mut audit: Vec<(chrono::NaiveDateTime, AuditEntry)> = status_events
            .into_iter()
            .map(|event| {
                (
                    event.at,
                    AuditEntry {
                        at: utc(event.at),
                        kind: AuditKind::Status,
                        actor: event.actor,
                        from_status: event.from_status,
                        to_status: Some(event.to_status),
                        reason: event.reason,
                        kafka_from: None,
                        kafka_to: None,
                        kafka_error: None,
                    },
                )
            })
            .chain(kafka_events.into_iter().map(|event| {
                (
                    event.at,
                    AuditEntry {
                        at: utc(event.at),
                        kind: AuditKind::Kafka,
                        actor: event.actor,
                        from_status: None,
                        to_status: None,
                        reason: None,
                        kafka_from: Some(event.from_state),
                        kafka_to: Some(event.to_state),
                        kafka_error: event.error,
                    },
                )
            }))
            .collect();
        // Stable: at equal times each kind keeps its own newest-first order.
        audit.sort_by(|(a, _), (b, _)| b.cmp(a));
        Ok(TopicRecord {
            topic: self.one_view(&topic)?,
            subscribers,
            audit: audit.into_iter().map(|(_, entry)| entry).collect(),
        })
    }
}

/// The names of the topics topicgate governs: every topic not deleted.
#[derive(Message)]
#[rtype(result = "Result<Vec<String>, RegistryError>")]
pub struct GovernedTopicNames;

impl Handler<GovernedTopicNames> for TopicRegistry {
    type Result = Result<Vec<String>, RegistryError>;

    fn handle(&mut self, _: GovernedTopicNames, _: &mut Self::Context) -> Self::Result {
        db::topics::governed_names(&mut *self.conn()?)
    }
}
