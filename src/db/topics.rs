//! Topic queries, and the one place where a topic changes state.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{RegistryConnection, columns_of};

use super::RegistryError;
use super::error::is_unique_violation;
use super::models::utc;
use super::models::{NewEvent, NewTopic, Topic, TopicEvent};
use super::schema::{topic_events, topics, user_subscriptions};
use crate::api::{ActiveTopic, Stats};
use crate::domain::{
    DataType, KafkaState, TopicId, TopicName, TopicStatus, Transition, collision_key,
};
use crate::schema::ValueFormat;

/// SQL for a name's collision key (see `TopicName::collision_key`), written
/// exactly as the index `topics_by_collision_key` is, so SQLite uses it.
const COLLISION_KEY_SQL: &str = "replace(lower(topics.name), '.', '_')";

/// Topics that still hold their name: a deleted topic's name may be
/// requested again. Written as the partial indexes of migration 000006
/// are (a literal, not a bound value), so SQLite can use them.
const HOLDS_ITS_NAME_SQL: &str = "topics.status <> 'deleted'";

diesel::define_sql_function! {
    /// SQL's `lower`: the text with its letters in lower case.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Which topic a change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicRef {
    Id(TopicId),
    Name(TopicName),
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

/// Records a topic request as pending, with its creation by `actor` in the
/// audit trail.
///
/// Refused (a conflict) when the name collides with a registered one (same
/// name but for case, or for `.` against `_`), naming the registered topic,
/// or when its requester already has `max_pending` pending requests. Both
/// checks run in the same IMMEDIATE transaction as the insert, which holds
/// SQLite's write lock, so racing requests cannot both pass them.
pub fn create(
    conn: &mut RegistryConnection,
    new: &NewTopic,
    actor: &str,
    max_pending: i64,
) -> Result<Topic, RegistryError> {
    conn.write_transaction(|conn| {
        if let Some(existing) = colliding_name(conn, new.name.as_str())? {
            return Err(RegistryError::Conflict(collision_message(
                new.name.as_str(),
                &existing,
            )));
        }
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
            .returning(columns_of::<Topic>())
            .get_result(conn)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    RegistryError::Conflict(format!("a topic named '{}' already exists", new.name))
                } else {
                    e.into()
                }
            })?;
        record_event(conn, &topic, None, actor, None, new.created_at)?;
        super::topic_configs::store(conn, topic.id, &new.configs)?;
        super::schemas::store_requested(conn, &topic, &new.schema, actor, new.created_at)?;
        Ok(topic)
    })
}

/// A registered name with the same collision key as `name`, if any; `name`
/// itself when it is registered.
fn colliding_name(
    conn: &mut RegistryConnection,
    name: &str,
) -> Result<Option<String>, RegistryError> {
    let mut found: Vec<String> = topics::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Text>(COLLISION_KEY_SQL).eq(collision_key(name)),
        )
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            HOLDS_ITS_NAME_SQL,
        ))
        .select(topics::name)
        .load(conn)?;
    // Older registries may hold several; the exact name explains itself best.
    found.sort_by_key(|existing| existing != name);
    Ok(found.into_iter().next())
}

/// Why `requested` cannot be registered next to `existing`.
fn collision_message(requested: &str, existing: &str) -> String {
    if requested == existing {
        format!("a topic named '{existing}' already exists")
    } else if requested.eq_ignore_ascii_case(existing) {
        format!(
            "'{requested}' collides with the existing topic '{existing}': \
             names that differ only in case are refused"
        )
    } else {
        format!(
            "'{requested}' collides with the existing topic '{existing}': \
             Kafka treats '.' and '_' in topic names as the same"
        )
    }
}

/// Topics, newest first; all of them when `statuses` is empty.
pub fn list(
    conn: &mut RegistryConnection,
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

/// One page of a topic listing, and where it sits in the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicPage {
    pub topics: Vec<Topic>,
    /// How many topics match, on every page together.
    pub total: i64,
    /// The page shown, from 1; a page past the end shows the last one.
    pub page: i64,
    pub per_page: i64,
}

/// Page `page` (from 1) of the topics whose names contain `search` (any
/// case), newest first, `per_page` to a page.
///
/// `search` is matched literally: `%` and `_` (which topic names may
/// contain) are escaped rather than read as wildcards. SQLite's LIKE
/// ignores ASCII case, and topic names are ASCII.
pub fn page(
    conn: &mut RegistryConnection,
    search: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<TopicPage, RegistryError> {
    let per_page = per_page.max(1);
    let pattern = search.map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{}%", escaped.to_ascii_lowercase())
    });
    // One read transaction, so the count and the rows agree.
    conn.read_transaction(|conn| {
        let mut count = topics::table.count().into_boxed();
        let mut rows = topics::table
            .select(Topic::as_select())
            .order((topics::created_at.desc(), topics::id.desc()))
            .into_boxed();
        if let Some(pattern) = &pattern {
            // Case-folded by hand: SQLite's LIKE ignores ASCII case,
            // PostgreSQL's does not, and searches must match alike.
            count = count.filter(lower(topics::name).like(pattern.clone()).escape('\\'));
            rows = rows.filter(lower(topics::name).like(pattern.clone()).escape('\\'));
        }
        let total: i64 = count.get_result(conn)?;
        let last = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, last);
        let topics = rows
            .offset((page - 1) * per_page)
            .limit(per_page)
            .load(conn)?;
        Ok(TopicPage {
            topics,
            total,
            page,
            per_page,
        })
    })
}

/// Active topics in the producer's shape, newest first, each with the id
/// of its current schema. Reads only the columns that shape needs: the
/// producer and consumers poll this often.
pub fn active(conn: &mut RegistryConnection) -> Result<Vec<ActiveTopic>, RegistryError> {
    type Row = (
        TopicId,
        String,
        String,
        Option<NaiveDateTime>,
        i32,
        DataType,
        ValueFormat,
    );
    // One read transaction, so the schema ids belong to these rows.
    conn.read_transaction(|conn| {
        let rows: Vec<Row> = topics::table
            .filter(topics::status.eq(TopicStatus::Active))
            .order((topics::created_at.desc(), topics::id.desc()))
            .select((
                topics::id,
                topics::name,
                topics::description,
                topics::activated_at,
                topics::partitions,
                topics::data_type,
                topics::value_format,
            ))
            .load(conn)?;
        let ids: Vec<TopicId> = rows.iter().map(|row| row.0).collect();
        let schema_ids = super::schemas::current_ids(conn, &ids)?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    topic_name,
                    description,
                    activated_at,
                    partitions,
                    data_type,
                    value_format,
                )| {
                    ActiveTopic {
                        topic_name,
                        description,
                        activated_at: activated_at.map(utc),
                        partitions,
                        data_type,
                        schema_id: schema_ids.get(&id).copied(),
                        value_format,
                    }
                },
            )
            .collect())
    })
}

/// The topic `topic` names. A name may belong to deleted topics too: the
/// one holding it now wins, else the newest deleted one, so a refusal can
/// say it was deleted.
pub fn find(conn: &mut RegistryConnection, topic: &TopicRef) -> Result<Topic, RegistryError> {
    let query = topics::table.select(Topic::as_select());
    let found = match topic {
        TopicRef::Id(id) => query.filter(topics::id.eq(id)).first(conn).optional()?,
        TopicRef::Name(name) => query
            .filter(topics::name.eq(name))
            .order((
                diesel::dsl::sql::<diesel::sql_types::Bool>(HOLDS_ITS_NAME_SQL).desc(),
                topics::id.desc(),
            ))
            .first(conn)
            .optional()?,
    };
    found.ok_or_else(|| RegistryError::TopicNotFound(format!("{topic} not found")))
}

/// Applies `transition` to a topic, checked against the domain's table, and
/// writes the change to the audit trail in the same transaction.
///
/// Deactivating or reactivating a topic sets its subscriptions' status in
/// the same transaction (see `subscriptions::follow_topic`).
///
/// Activation is idempotent: the producer may activate a topic it already
/// activated (say, after a restart) and gets `AlreadyThere`.
pub fn transition(
    conn: &mut RegistryConnection,
    topic: &TopicRef,
    transition: Transition,
    actor: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<Changed, RegistryError> {
    conn.write_transaction(|conn| {
        let current = find(conn, topic)?;
        if transition == Transition::Activate && current.status == TopicStatus::Active {
            return Ok(Changed::AlreadyThere(current));
        }
        let next = transition
            .apply(current.status)
            .map_err(|e| RegistryError::Conflict(format!("{topic}: {e}")))?;
        // Checked here, in the write transaction, so a Kafka report cannot
        // slip in between the check and the change.
        refuse_what_kafka_forbids(&current, transition)?;
        // Conditional on the status just read: writers already run one at
        // a time, and this keeps a transition from ever applying to a
        // state it was not checked against.
        let target = topics::table
            .find(current.id)
            .filter(topics::status.eq(current.status));
        let changed: Option<Topic> = match transition {
            Transition::Approve | Transition::Reactivate => diesel::update(target)
                .set((
                    topics::status.eq(next),
                    topics::updated_at.eq(now),
                    topics::approved_at.eq(now),
                ))
                .returning(columns_of::<Topic>())
                .get_result(conn),
            Transition::Activate => diesel::update(target)
                .set((
                    topics::status.eq(next),
                    topics::updated_at.eq(now),
                    topics::activated_at.eq(now),
                ))
                .returning(columns_of::<Topic>())
                .get_result(conn),
            Transition::Reject | Transition::Deactivate | Transition::Delete => {
                diesel::update(target)
                    .set((topics::status.eq(next), topics::updated_at.eq(now)))
                    .returning(columns_of::<Topic>())
                    .get_result(conn)
            }
        }
        .optional()?;
        let changed = changed.ok_or_else(|| {
            RegistryError::Conflict(format!("{topic}: its status changed meanwhile"))
        })?;
        record_event(conn, &changed, Some(current.status), actor, reason, now)?;
        super::subscriptions::follow_topic(conn, changed.id, transition, actor, now)?;
        // The schema is decided with the topic, in the same transaction.
        match transition {
            Transition::Approve => super::schemas::approve_with_topic(conn, &changed, actor, now)?,
            Transition::Reject | Transition::Delete => {
                super::schemas::reject_pending(conn, changed.id, actor, now)?
            }
            Transition::Activate | Transition::Deactivate | Transition::Reactivate => {}
        }
        Ok(Changed::Moved(changed))
    })
}

/// Kafka's side vetoes three changes: deleting an approved topic Kafka
/// may be creating is refused like rejecting it. Of the other two: rejecting a topic that Kafka has (or
/// is being asked to create) would orphan it there, and activating one
/// whose name a foreign topic holds would write into someone else's data.
fn refuse_what_kafka_forbids(current: &Topic, transition: Transition) -> Result<(), RegistryError> {
    use crate::api::ErrorCode;
    let refusal = match (transition, current.kafka_state) {
        (Transition::Reject, KafkaState::Creating | KafkaState::Created) => (
            format!(
                "topic '{}' cannot be rejected: Kafka has it, or is creating it, \
                 as topicgate asked (Kafka state {}); deactivate it once active instead",
                current.name, current.kafka_state
            ),
            ErrorCode::KafkaTopicExists,
        ),
        (Transition::Delete, state)
            if current.status == TopicStatus::Approved
                && !matches!(state, KafkaState::Failed | KafkaState::Conflict) =>
        {
            (
                format!(
                    "topic '{}' cannot be deleted: it is approved and on its way into Kafka \
                     (Kafka state {state}); an approved topic may be deleted only once Kafka \
                     refused it (failed) or a foreign topic holds its name (conflict)",
                    current.name
                ),
                ErrorCode::KafkaTopicExists,
            )
        }
        (Transition::Activate, KafkaState::Conflict) => (
            format!(
                "topic '{}' cannot be activated: a topic of this name already exists \
                 in Kafka and topicgate did not create it, so it will not write into it",
                current.name
            ),
            ErrorCode::KafkaConflict,
        ),
        _ => return Ok(()),
    };
    let (message, code) = refusal;
    Err(RegistryError::Kafka { message, code })
}

/// Writes one row of the audit trail for `topic` as it now stands.
pub(super) fn record_event(
    conn: &mut RegistryConnection,
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
    conn: &mut RegistryConnection,
    limit: i64,
) -> Result<Vec<(TopicEvent, String)>, RegistryError> {
    Ok(topic_events::table
        .inner_join(topics::table)
        .select((TopicEvent::as_select(), topics::name))
        .order((topic_events::at.desc(), topic_events::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// The names of the topics that hold their name (every one not deleted).
pub fn governed_names(conn: &mut RegistryConnection) -> Result<Vec<String>, RegistryError> {
    Ok(topics::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            HOLDS_ITS_NAME_SQL,
        ))
        .select(topics::name)
        .order(topics::name.asc())
        .load(conn)?)
}

/// One topic's audit trail, newest first, at most `limit` entries.
pub fn events_of(
    conn: &mut RegistryConnection,
    topic: TopicId,
    limit: i64,
) -> Result<Vec<TopicEvent>, RegistryError> {
    Ok(topic_events::table
        .filter(topic_events::topic_id.eq(topic))
        .select(TopicEvent::as_select())
        .order((topic_events::at.desc(), topic_events::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// Counts per state, and of subscriptions.
pub fn stats(
    conn: &mut RegistryConnection,
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
        // Deleted topics are history, not topics: the total stays the sum
        // of the counts shown.
        total_topics: per_status
            .iter()
            .filter(|(status, _)| *status != TopicStatus::Deleted)
            .map(|(_, n)| n)
            .sum(),
        pending_topics: count(TopicStatus::Pending),
        approved_topics: count(TopicStatus::Approved),
        active_topics: count(TopicStatus::Active),
        rejected_topics: count(TopicStatus::Rejected),
        inactive_topics: count(TopicStatus::Inactive),
        total_subscriptions,
        timestamp: now,
    })
}

/// Proves the registry can be opened and read now. A fresh connection
/// (not one from the pool, whose cache may hide a vanished or damaged
/// file or a lost server); for SQLite one that refuses to create a
/// missing file.
pub fn check_readable(url: &crate::db::DatabaseUrl) -> Result<(), RegistryError> {
    let opened = match url.sqlite_path() {
        Some(path) => crate::db::connection::establish(&crate::db::DatabaseUrl::Sqlite(
            format!("file:{}?mode=rw", path.display()).into(),
        )),
        None => crate::db::connection::establish(url),
    };
    let mut conn =
        opened.map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("opening {url}: {e}")))?;
    topics::table
        .select(topics::id)
        .first::<i32>(&mut conn)
        .optional()?;
    Ok(())
}
