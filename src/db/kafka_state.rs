//! The Kafka side of topics: the producer's reports, and their audit trail.

use crate::db::{RegistryConnection, columns_of};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use super::models::{NewKafkaEvent, Topic, TopicKafkaEvent};
use super::schema::{topic_kafka_events, topics};
use super::topics::{TopicRef, find};
use crate::domain::{CheckedKafkaReport, KafkaState, TopicId, TopicStatus};

/// What a report did to a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct KafkaReported {
    pub topic: Topic,
    /// State, error, partitions or replication factor differ from before;
    /// `false` when only `kafka_checked_at` moved.
    pub changed: bool,
}

/// Stores where `id` stands in Kafka, stamped `now`, and records an audit
/// event by `actor` when the state or the error changed. The producer
/// reports on every poll, so a repeated report only refreshes the time.
///
/// A `creating` claim for a topic the registry does not want in Kafka
/// (pending, rejected or deleted) is refused: the reconciler creates only after
/// this claim is stored, so an admin's rejection and the claim cannot
/// both win.
///
/// A `conflict` report for a topic that a daemon claimed (`creating`) or
/// created is refused too: a topic of its name in Kafka is then
/// topicgate's own. With several daemons, one may still hold an answer
/// from before another's claim when it finds the new topic in Kafka; its
/// next round sees the claim and adopts the topic instead.
pub fn report(
    conn: &mut RegistryConnection,
    id: TopicId,
    report: &CheckedKafkaReport,
    actor: &str,
    now: NaiveDateTime,
) -> Result<KafkaReported, RegistryError> {
    conn.write_transaction(|conn| {
        let before = find(conn, &TopicRef::Id(id))?;
        if report.state == KafkaState::Creating
            && matches!(
                before.status,
                TopicStatus::Pending | TopicStatus::Rejected | TopicStatus::Deleted
            )
        {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' is {}: topicgate does not want it in Kafka",
                before.name, before.status
            )));
        }
        if report.state == KafkaState::Conflict
            && matches!(
                before.kafka_state,
                KafkaState::Creating | KafkaState::Created
            )
        {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' is {} by topicgate: the topic of its name in Kafka is its own, \
                 not a foreign one",
                before.name, before.kafka_state
            )));
        }
        if report.state == KafkaState::Failed
            && before.kafka_state == KafkaState::NotCreated
            && super::topic_edits::reset_by_edit(conn, id)?
        {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' was edited and is waiting to be created again: \
                 a failure report must follow a new creating claim",
                before.name
            )));
        }
        let worth_an_event =
            before.kafka_state != report.state || before.kafka_error != report.error;
        let changed = worth_an_event
            || before.kafka_partitions != report.partitions
            || before.kafka_replication_factor != report.replication_factor;
        let topic: Topic = diesel::update(topics::table.find(id))
            .set((
                topics::kafka_state.eq(report.state),
                topics::kafka_error.eq(report.error.as_deref()),
                topics::kafka_partitions.eq(report.partitions),
                topics::kafka_replication_factor.eq(report.replication_factor),
                topics::kafka_checked_at.eq(now),
            ))
            .returning(columns_of::<Topic>())
            .get_result(conn)?;
        if worth_an_event {
            diesel::insert_into(topic_kafka_events::table)
                .values(NewKafkaEvent {
                    topic_id: id,
                    from_state: before.kafka_state,
                    to_state: report.state,
                    error: report.error.as_deref(),
                    actor,
                    at: now,
                })
                .execute(conn)?;
        }
        Ok(KafkaReported { topic, changed })
    })
}

/// The newest Kafka state changes, each with its topic's name.
pub fn recent_events(
    conn: &mut RegistryConnection,
    limit: i64,
) -> Result<Vec<(TopicKafkaEvent, String)>, RegistryError> {
    Ok(topic_kafka_events::table
        .inner_join(topics::table)
        .select((TopicKafkaEvent::as_select(), topics::name))
        .order((topic_kafka_events::at.desc(), topic_kafka_events::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// One topic's Kafka state changes, newest first, at most `limit` entries.
pub fn events_of(
    conn: &mut RegistryConnection,
    topic: TopicId,
    limit: i64,
) -> Result<Vec<TopicKafkaEvent>, RegistryError> {
    Ok(topic_kafka_events::table
        .filter(topic_kafka_events::topic_id.eq(topic))
        .select(TopicKafkaEvent::as_select())
        .order((topic_kafka_events::at.desc(), topic_kafka_events::id.desc()))
        .limit(limit)
        .load(conn)?)
}
