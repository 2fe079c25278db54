//! Topic queries, and the one place where a topic changes state.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::RegistryError;
use super::error::is_unique_violation;
use super::models::utc;
use super::models::{NewEvent, NewTopic, Topic, TopicEvent};
use super::schema::{topic_events, topics, user_subscriptions};
use crate::api::{ActiveTopic, Stats};
use crate::domain::{DataType, TopicStatus, Transition};

/// Which topic a change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicRef {
    Id(i32),
    Name(String),
}

impl std::fmt::Display for TopicRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TopicRef::Id(id) => write!(f, "topic {id}"),
            TopicRef::Name(name) => write!(f, "topic '{name}'"),
        }
    }
}

/// The result of asking for a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Changed {
    /// The topic moved to a new state.
    Moved(Topic),
    /// It was already where the (idempotent) transition leads.
    AlreadyThere(Topic),
}

impl Changed {
    pub fn topic(&self) -> &Topic {
        match self {
            Changed::Moved(t) | Changed::AlreadyThere(t) => t,
        }
    }
}

/// Records a topic request as pending, with its creation in the audit trail,
/// unless its requester already has `max_pending` pending requests. The
/// count is read in the same transaction, so racing requests cannot pass it.
pub fn create(
    conn: &mut SqliteConnection,
    new: &NewTopic,
    max_pending: i64,
) -> Result<Topic, RegistryError> {
    conn.immediate_transaction(|conn| {
        let pending: i64 = topics::table
            .filter(topics::created_by.eq(&new.created_by))
            .filter(topics::status.eq(TopicStatus::Pending))
            .count()
            .get_result(conn)?;
        if pending >= max_pending {
            return Err(RegistryError::Conflict(format!(
                "'{}' already has {pending} pending topic requests, the most allowed; \
                 an admin must approve or reject some before it may request more",
                new.created_by
            )));
        }
        let topic: Topic = diesel::insert_into(topics::table)
            .values(new)
            .returning(Topic::as_returning())
            .get_result(conn)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    RegistryError::Conflict(format!("a topic named '{}' already exists", new.name))
                } else {
                    e.into()
                }
            })?;
        record_event(conn, &topic, None, &new.created_by, None, new.created_at)?;
        Ok(topic)
    })
}

/// Topics, newest first; all of them when `statuses` is empty.
pub fn list(
    conn: &mut SqliteConnection,
    statuses: &[TopicStatus],
) -> Result<Vec<Topic>, RegistryError> {
    let mut query = topics::table
        .select(Topic::as_select())
        .order((topics::created_at.desc(), topics::id.desc()))
        .into_boxed();
    if !statuses.is_empty() {
        query = query.filter(topics::status.eq_any(statuses.to_vec()));
    }
    Ok(query.load(conn)?)
}

/// Active topics in the producer's shape, newest first. Reads only the
/// columns that shape needs: the producer and consumers poll this often.
pub fn active(conn: &mut SqliteConnection) -> Result<Vec<ActiveTopic>, RegistryError> {
    let rows: Vec<(String, String, Option<NaiveDateTime>, i32, DataType)> = topics::table
        .filter(topics::status.eq(TopicStatus::Active))
        .order((topics::created_at.desc(), topics::id.desc()))
        .select((
            topics::name,
            topics::description,
            topics::activated_at,
            topics::partitions,
            topics::data_type,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(topic_name, description, activated_at, partitions, data_type)| ActiveTopic {
                topic_name,
                description,
                activated_at: activated_at.map(utc),
                partitions,
                data_type,
            },
        )
        .collect())
}

pub fn find(conn: &mut SqliteConnection, topic: &TopicRef) -> Result<Topic, RegistryError> {
    let query = topics::table.select(Topic::as_select());
    let found = match topic {
        TopicRef::Id(id) => query.filter(topics::id.eq(id)).first(conn).optional()?,
        TopicRef::Name(name) => query.filter(topics::name.eq(name)).first(conn).optional()?,
    };
    found.ok_or_else(|| RegistryError::NotFound(format!("{topic} not found")))
}

/// Applies `transition` to a topic, checked against the domain's table, and
/// writes the change to the audit trail in the same transaction.
///
/// Activation is idempotent: the producer may activate a topic it already
/// activated (say, after a restart) and gets `AlreadyThere`.
pub fn transition(
    conn: &mut SqliteConnection,
    topic: &TopicRef,
    transition: Transition,
    actor: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<Changed, RegistryError> {
    conn.immediate_transaction(|conn| {
        let current = find(conn, topic)?;
        if transition == Transition::Activate && current.status == TopicStatus::Active {
            return Ok(Changed::AlreadyThere(current));
        }
        let next = transition
            .apply(current.status)
            .map_err(|e| RegistryError::Conflict(format!("{topic}: {e}")))?;
        let target = topics::table.find(current.id);
        let changed: Topic = match transition {
            Transition::Approve | Transition::Reactivate => diesel::update(target)
                .set((
                    topics::status.eq(next),
                    topics::updated_at.eq(now),
                    topics::approved_at.eq(now),
                ))
                .returning(Topic::as_returning())
                .get_result(conn)?,
            Transition::Activate => diesel::update(target)
                .set((
                    topics::status.eq(next),
                    topics::updated_at.eq(now),
                    topics::activated_at.eq(now),
                ))
                .returning(Topic::as_returning())
                .get_result(conn)?,
            Transition::Reject | Transition::Deactivate => diesel::update(target)
                .set((topics::status.eq(next), topics::updated_at.eq(now)))
                .returning(Topic::as_returning())
                .get_result(conn)?,
        };
        record_event(conn, &changed, Some(current.status), actor, reason, now)?;
        Ok(Changed::Moved(changed))
    })
}

fn record_event(
    conn: &mut SqliteConnection,
    topic: &Topic,
    from_status: Option<TopicStatus>,
    actor: &str,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), RegistryError> {
    diesel::insert_into(topic_events::table)
        .values(NewEvent {
            topic_id: topic.id,
            from_status,
            to_status: topic.status,
            actor,
            reason,
            at,
        })
        .execute(conn)?;
    Ok(())
}

/// The newest audit-trail entries, each with its topic's name.
pub fn recent_events(
    conn: &mut SqliteConnection,
    limit: i64,
) -> Result<Vec<(TopicEvent, String)>, RegistryError> {
    Ok(topic_events::table
        .inner_join(topics::table)
        .select((TopicEvent::as_select(), topics::name))
        .order((topic_events::at.desc(), topic_events::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// Counts per state, and of subscriptions.
pub fn stats(
    conn: &mut SqliteConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Stats, RegistryError> {
    let per_status: Vec<(TopicStatus, i64)> = topics::table
        .group_by(topics::status)
        .select((topics::status, diesel::dsl::count_star()))
        .load(conn)?;
    let count = |wanted: TopicStatus| {
        per_status
            .iter()
            .find(|(status, _)| *status == wanted)
            .map_or(0, |(_, n)| *n)
    };
    let total_subscriptions = user_subscriptions::table.count().get_result(conn)?;
    Ok(Stats {
        total_topics: per_status.iter().map(|(_, n)| n).sum(),
        pending_topics: count(TopicStatus::Pending),
        approved_topics: count(TopicStatus::Approved),
        active_topics: count(TopicStatus::Active),
        rejected_topics: count(TopicStatus::Rejected),
        inactive_topics: count(TopicStatus::Inactive),
        total_subscriptions,
        timestamp: now,
    })
}

/// Proves the registry file can be opened and read now. A fresh connection
/// (not one from the pool, whose cache may hide a vanished or damaged file)
/// that refuses to create a missing file.
pub fn check_readable(path: &std::path::Path) -> Result<(), RegistryError> {
    use diesel::Connection;
    let url = format!("file:{}?mode=rw", path.display());
    let mut conn = SqliteConnection::establish(&url).map_err(|e| {
        RegistryError::Unexpected(anyhow::anyhow!("opening {}: {e}", path.display()))
    })?;
    topics::table
        .select(topics::id)
        .first::<i32>(&mut conn)
        .optional()?;
    Ok(())
}
