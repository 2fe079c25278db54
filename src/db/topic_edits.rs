//! Changes to a topic's request after the fact: an admin's edit of a topic
//! Kafka refused, and a requester's withdrawal of a pending one.

use crate::db::{RegistryConnection, columns_of};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use super::models::{NewKafkaEvent, Topic};
use super::schema::{topic_kafka_events, topics};
use super::topics::{TopicRef, find, record_event};
use crate::domain::{KafkaState, TopicEdit, TopicId, TopicStatus, Transition};

/// Stores `edit` on an approved topic whose Kafka state is `failed` or
/// `conflict`, and sets that state back to `not_created` (clearing its
/// error) so the producer's reconciler tries to create it again.
///
/// Both changes are audited: a topic event whose reason gives the values
/// from and to, and a Kafka event for the state. A `conflict` stays one
/// while the foreign topic exists: the reconciler finds it again.
pub fn edit(
    conn: &mut RegistryConnection,
    id: TopicId,
    edit: TopicEdit,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Topic, RegistryError> {
    conn.write_transaction(|conn| {
        let before = find(conn, &TopicRef::Id(id))?;
        let retryable = matches!(
            before.kafka_state,
            KafkaState::Failed | KafkaState::Conflict
        );
        if before.status != TopicStatus::Approved || !retryable {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' cannot be edited: only an approved topic whose Kafka state is \
                 failed or conflict can be (it is {}, Kafka state {})",
                before.name, before.status, before.kafka_state
            )));
        }
        let partitions = edit.partitions.unwrap_or(before.partitions);
        let replication_factor = edit.replication_factor.unwrap_or(before.replication_factor);
        let topic: Topic = diesel::update(topics::table.find(id))
            .set((
                topics::partitions.eq(partitions),
                topics::replication_factor.eq(replication_factor),
                topics::kafka_state.eq(KafkaState::NotCreated),
                topics::kafka_error.eq(None::<String>),
                topics::updated_at.eq(now),
            ))
            .returning(columns_of::<Topic>())
            .get_result(conn)?;
        let reason = format!(
            "edited: partitions {} -> {}, replication factor {} -> {}; \
             creation in Kafka retried (Kafka state was {})",
            before.partitions,
            partitions,
            before.replication_factor,
            replication_factor,
            before.kafka_state
        );
        record_event(conn, &topic, Some(before.status), actor, Some(&reason), now)?;
        diesel::insert_into(topic_kafka_events::table)
            .values(NewKafkaEvent {
                topic_id: id,
                from_state: before.kafka_state,
                to_state: KafkaState::NotCreated,
                error: None,
                actor,
                at: now,
            })
            .execute(conn)?;
        Ok(topic)
    })
}

/// Who withdraws a pending request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withdrawer {
    /// The admin may withdraw any pending request.
    Admin,
    /// Whoever claims to be the requester: must equal the stored
    /// `created_by` (a claim checked against a claim, until users have
    /// credentials).
    Requester(String),
}

/// Withdraws a pending topic: it moves to rejected with the reason
/// "withdrawn by <requester>". Anything but a pending topic is refused, as
/// is a requester other than the one who asked for it.
pub fn withdraw(
    conn: &mut RegistryConnection,
    id: TopicId,
    by: &Withdrawer,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Topic, RegistryError> {
    conn.write_transaction(|conn| {
        let before = find(conn, &TopicRef::Id(id))?;
        if let Withdrawer::Requester(claimed) = by
            && *claimed != before.created_by
        {
            return Err(RegistryError::Forbidden(format!(
                "topic '{}' can be withdrawn only by its requester or an admin",
                before.name
            )));
        }
        if before.status != TopicStatus::Pending {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' cannot be withdrawn: it is {}, and only a pending request can be",
                before.name, before.status
            )));
        }
        let next = Transition::Reject
            .apply(before.status)
            .map_err(|e| RegistryError::Conflict(format!("topic '{}': {e}", before.name)))?;
        let topic: Topic = diesel::update(topics::table.find(id))
            .set((topics::status.eq(next), topics::updated_at.eq(now)))
            .returning(columns_of::<Topic>())
            .get_result(conn)?;
        let reason = match by {
            Withdrawer::Admin => "withdrawn by admin".to_owned(),
            Withdrawer::Requester(requester) => format!("withdrawn by {requester}"),
        };
        record_event(conn, &topic, Some(before.status), actor, Some(&reason), now)?;
        super::schemas::reject_pending(conn, topic.id, actor, now)?;
        Ok(topic)
    })
}

/// Whether the topic's Kafka state was last set by an edit (back to
/// `not_created`) rather than by the producer. A `failed` report then
/// predates the edit: the producer's next try starts with a `creating`
/// claim, so a `failed` straight after the reset is a stale refresh that
/// would undo the edit.
pub fn reset_by_edit(conn: &mut RegistryConnection, id: TopicId) -> Result<bool, RegistryError> {
    use super::schema::topic_kafka_events::dsl as events;
    let last: Option<(KafkaState, String)> = events::topic_kafka_events
        .filter(events::topic_id.eq(id))
        .order(events::id.desc())
        .select((events::to_state, events::actor))
        .first(conn)
        .optional()?;
    Ok(last.is_some_and(|(state, actor)| {
        state == KafkaState::NotCreated && actor != crate::domain::Actor::Producer.to_string()
    }))
}
