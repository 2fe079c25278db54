//! Requests to grow an active topic's partitions, and their decisions.

use crate::db::{RegistryConnection, columns_of};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use super::models::{NewTopicChangeRequest, Topic, TopicChangeRequest};
use super::schema::{topic_change_requests, topics};
use super::topics::{TopicRef, find, record_event};
use crate::domain::{ChangeRequestStatus, PartitionIncrease, TopicId, TopicStatus};

/// Records a pending request to raise active topic `id` to `requested`
/// partitions, by `actor`. Refused unless the topic is active and the count
/// exceeds its current one (checked in the write transaction, so an
/// approval racing it is seen), or when the topic already has a pending
/// request: the admin decides one at a time.
pub fn request_partitions(
    conn: &mut RegistryConnection,
    id: TopicId,
    requested: i64,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(TopicChangeRequest, String), RegistryError> {
    conn.write_transaction(|conn| {
        let topic = find(conn, &TopicRef::Id(id))?;
        if topic.status != TopicStatus::Active {
            return Err(RegistryError::TopicNotActive {
                message: format!(
                    "topic '{}' is {}: only an active topic can get more partitions",
                    topic.name, topic.status
                ),
                status: topic.status,
            });
        }
        let increase = PartitionIncrease::parse(topic.partitions, requested)
            .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let pending: i64 = topic_change_requests::table
            .filter(topic_change_requests::topic_id.eq(id))
            .filter(topic_change_requests::status.eq(ChangeRequestStatus::Pending))
            .count()
            .get_result(conn)?;
        if pending > 0 {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' already has a pending partition change; an admin must \
                 approve or reject it first",
                topic.name
            )));
        }
        let request = diesel::insert_into(topic_change_requests::table)
            .values(NewTopicChangeRequest {
                topic_id: id,
                partitions_from: increase.from,
                partitions_to: increase.to,
                requested_by: actor,
                requested_at: now,
            })
            .returning(columns_of::<TopicChangeRequest>())
            .get_result(conn)?;
        Ok((request, topic.name))
    })
}

/// An admin's answer to a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// Decides pending change request `change_id`. Approving sets the topic's
/// partitions to the requested count (the producer then adds them in
/// Kafka) and writes a topic event; it is refused when the topic is no
/// longer active or already has as many partitions.
pub fn decide(
    conn: &mut RegistryConnection,
    change_id: i32,
    decision: Decision,
    actor: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(TopicChangeRequest, String), RegistryError> {
    conn.write_transaction(|conn| {
        let request: TopicChangeRequest = topic_change_requests::table
            .find(change_id)
            .select(TopicChangeRequest::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                RegistryError::NotFound(format!("change request {change_id} not found"))
            })?;
        let topic = find(conn, &TopicRef::Id(request.topic_id))?;
        if request.status != ChangeRequestStatus::Pending {
            return Err(RegistryError::Conflict(format!(
                "change request {change_id} is already {}",
                request.status
            )));
        }
        let status = match decision {
            Decision::Approve => {
                apply_increase(conn, &topic, &request, actor, now)?;
                ChangeRequestStatus::Approved
            }
            Decision::Reject => ChangeRequestStatus::Rejected,
        };
        let decided = diesel::update(topic_change_requests::table.find(change_id))
            .set((
                topic_change_requests::status.eq(status),
                topic_change_requests::decided_by.eq(actor),
                topic_change_requests::decided_at.eq(now),
                topic_change_requests::reason.eq(reason),
            ))
            .returning(columns_of::<TopicChangeRequest>())
            .get_result(conn)?;
        Ok((decided, topic.name))
    })
}

/// Raises the topic's partitions as `request` asks, audited.
fn apply_increase(
    conn: &mut RegistryConnection,
    topic: &Topic,
    request: &TopicChangeRequest,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    if topic.status != TopicStatus::Active {
        return Err(RegistryError::Conflict(format!(
            "topic '{}' is {}: only an active topic can get more partitions; \
             reject this request",
            topic.name, topic.status
        )));
    }
    if request.partitions_to <= topic.partitions {
        return Err(RegistryError::Conflict(format!(
            "topic '{}' already has {} partitions, not fewer than the {} requested; \
             reject this request",
            topic.name, topic.partitions, request.partitions_to
        )));
    }
    let changed: Topic = diesel::update(topics::table.find(topic.id))
        .set((
            topics::partitions.eq(request.partitions_to),
            topics::updated_at.eq(now),
        ))
        .returning(columns_of::<Topic>())
        .get_result(conn)?;
    let reason = format!(
        "partitions {} -> {} (change request {} by {})",
        topic.partitions, request.partitions_to, request.id, request.requested_by
    );
    record_event(
        conn,
        &changed,
        Some(topic.status),
        actor,
        Some(&reason),
        now,
    )
}

/// Change requests in `statuses` (all when empty), newest first, each with
/// its topic's name.
pub fn list(
    conn: &mut RegistryConnection,
    statuses: &[ChangeRequestStatus],
) -> Result<Vec<(TopicChangeRequest, String)>, RegistryError> {
    let mut query = topic_change_requests::table
        .inner_join(topics::table)
        .select((TopicChangeRequest::as_select(), topics::name))
        .order((
            topic_change_requests::requested_at.desc(),
            topic_change_requests::id.desc(),
        ))
        .into_boxed();
    if !statuses.is_empty() {
        query = query.filter(topic_change_requests::status.eq_any(statuses.to_vec()));
    }
    Ok(query.load(conn)?)
}
