//! Topics' value schemas (`schemas`): stored pending with a topic request,
//! approved (numbered) or rejected with it, and read by the Schema
//! Registry API.
//!
//! What the API shows is a subject's *approved* versions, and only for
//! topics that hold their name: a deleted topic's versions are hidden from
//! its subject (a new topic of that name numbers on after them), while its
//! ids still resolve, so records written with them stay readable.

use std::collections::HashMap;

use crate::db::RegistryConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use super::models::{NewSchemaVersion, SchemaVersion, Topic};
use super::schema::{schemas, topics};
use crate::domain::{ChangeRequestStatus, SchemaDocument, TopicId, TopicStatus};
use crate::schema::value_subject;

/// Who the audit columns name for schemas adopted when the registry opens.
const ADOPTED_BY: &str = "topicgate (built-in schema of a topic registered before schemas)";

/// Records `schema` as the pending value schema of the new `topic`; call
/// it in the transaction that inserts the topic.
pub fn store_requested(
    conn: &mut RegistryConnection,
    topic: &Topic,
    schema: &SchemaDocument,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    let subject = value_subject(&topic.name);
    diesel::insert_into(schemas::table)
        .values(NewSchemaVersion {
            topic_id: topic.id,
            subject: &subject,
            version: None,
            schema: schema.as_str(),
            status: ChangeRequestStatus::Pending,
            requested_by: actor,
            created_at: now,
            decided_by: None,
            decided_at: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Approves the pending schema of a topic being approved, numbering it as
/// its subject's next version (1 for a new name). A topic with no schema
/// at all (forged, or from before schemas) gets its data type's built-in
/// one. Call it in the transaction that approves the topic.
pub fn approve_with_topic(
    conn: &mut RegistryConnection,
    topic: &Topic,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    let pending: Vec<i32> = schemas::table
        .filter(schemas::topic_id.eq(topic.id))
        .filter(schemas::status.eq(ChangeRequestStatus::Pending))
        .order(schemas::id.asc())
        .select(schemas::id)
        .load(conn)?;
    for id in pending {
        let subject: String = schemas::table
            .find(id)
            .select(schemas::subject)
            .first(conn)?;
        let version = next_version(conn, &subject)?;
        diesel::update(schemas::table.find(id))
            .set((
                schemas::status.eq(ChangeRequestStatus::Approved),
                schemas::version.eq(Some(version)),
                schemas::decided_by.eq(Some(actor)),
                schemas::decided_at.eq(Some(now)),
            ))
            .execute(conn)?;
    }
    let approved: i64 = schemas::table
        .filter(schemas::topic_id.eq(topic.id))
        .filter(schemas::status.eq(ChangeRequestStatus::Approved))
        .count()
        .get_result(conn)?;
    if approved == 0 {
        insert_approved(
            conn,
            topic,
            &SchemaDocument::builtin(topic.data_type),
            actor,
            now,
        )?;
    }
    Ok(())
}

/// Rejects every pending schema of a topic that is rejected, withdrawn or
/// deleted; call it in that change's transaction.
pub fn reject_pending(
    conn: &mut RegistryConnection,
    topic: TopicId,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    diesel::update(
        schemas::table
            .filter(schemas::topic_id.eq(topic))
            .filter(schemas::status.eq(ChangeRequestStatus::Pending)),
    )
    .set((
        schemas::status.eq(ChangeRequestStatus::Rejected),
        schemas::decided_by.eq(Some(actor)),
        schemas::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives every topic registered before schemas its data type's built-in
/// schema: approved as version 1 for an approved, active or inactive topic,
/// pending for a pending one (approved with it later). Rejected and
/// deleted topics get none. Runs each time the registry opens; once every
/// topic has a schema it finds nothing to do.
pub fn adopt_builtin_schemas(
    conn: &mut RegistryConnection,
    now: NaiveDateTime,
) -> Result<usize, RegistryError> {
    conn.write_transaction(|conn| {
        let with_schema = schemas::table.select(schemas::topic_id);
        let without: Vec<Topic> = topics::table
            .filter(topics::id.ne_all(with_schema))
            .filter(topics::status.eq_any([
                TopicStatus::Pending,
                TopicStatus::Approved,
                TopicStatus::Active,
                TopicStatus::Inactive,
            ]))
            .select(Topic::as_select())
            .load(conn)?;
        for topic in &without {
            let builtin = SchemaDocument::builtin(topic.data_type);
            if topic.status == TopicStatus::Pending {
                store_requested(conn, topic, &builtin, ADOPTED_BY, now)?;
            } else {
                insert_approved(conn, topic, &builtin, ADOPTED_BY, now)?;
            }
        }
        Ok(without.len())
    })
}

/// Inserts `schema` as the next approved version of `topic`'s subject.
fn insert_approved(
    conn: &mut RegistryConnection,
    topic: &Topic,
    schema: &SchemaDocument,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    let subject = value_subject(&topic.name);
    let version = next_version(conn, &subject)?;
    diesel::insert_into(schemas::table)
        .values(NewSchemaVersion {
            topic_id: topic.id,
            subject: &subject,
            version: Some(version),
            schema: schema.as_str(),
            status: ChangeRequestStatus::Approved,
            requested_by: actor,
            created_at: now,
            decided_by: Some(actor),
            decided_at: Some(now),
        })
        .execute(conn)?;
    Ok(())
}

/// The version the subject's next approval gets: one past every version
/// it ever had, a deleted topic's included, so a number never names two
/// schemas.
pub(super) fn next_version(
    conn: &mut RegistryConnection,
    subject: &str,
) -> Result<i32, RegistryError> {
    let highest: Option<i32> = schemas::table
        .filter(schemas::subject.eq(subject))
        .select(diesel::dsl::max(schemas::version))
        .first(conn)?;
    Ok(highest.unwrap_or(0) + 1)
}

/// Which version of a subject a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRef {
    Latest,
    Number(i32),
}

/// What a read of one subject version found.
#[derive(Debug, Clone, PartialEq)]
pub enum SubjectLookup {
    Found(SchemaVersion),
    /// The subject has no visible version at all.
    NoSubject,
    /// The subject exists; this version does not.
    NoVersion,
}

/// Approved versions of topics that hold their name.
macro_rules! visible {
    () => {
        schemas::table
            .inner_join(topics::table)
            .filter(schemas::status.eq(ChangeRequestStatus::Approved))
            .filter(topics::status.ne(TopicStatus::Deleted))
    };
}

/// Every subject with a visible version, in order.
pub fn subjects(conn: &mut RegistryConnection) -> Result<Vec<String>, RegistryError> {
    Ok(visible!()
        .select(schemas::subject)
        .distinct()
        .order(schemas::subject.asc())
        .load(conn)?)
}

/// The visible version numbers of `subject`, ascending; empty when it has none.
pub fn versions(conn: &mut RegistryConnection, subject: &str) -> Result<Vec<i32>, RegistryError> {
    let numbers: Vec<Option<i32>> = visible!()
        .filter(schemas::subject.eq(subject))
        .select(schemas::version)
        .order(schemas::version.asc())
        .load(conn)?;
    Ok(numbers.into_iter().flatten().collect())
}

/// One visible version of `subject`.
pub fn version(
    conn: &mut RegistryConnection,
    subject: &str,
    wanted: VersionRef,
) -> Result<SubjectLookup, RegistryError> {
    let numbers = versions(conn, subject)?;
    let Some(latest) = numbers.last().copied() else {
        return Ok(SubjectLookup::NoSubject);
    };
    let number = match wanted {
        VersionRef::Latest => latest,
        VersionRef::Number(n) if numbers.contains(&n) => n,
        VersionRef::Number(_) => return Ok(SubjectLookup::NoVersion),
    };
    let found = visible!()
        .filter(schemas::subject.eq(subject))
        .filter(schemas::version.eq(Some(number)))
        .select(SchemaVersion::as_select())
        .first(conn)?;
    Ok(SubjectLookup::Found(found))
}

/// The approved schema with this id, whatever became of its topic.
pub fn by_id(
    conn: &mut RegistryConnection,
    id: i64,
) -> Result<Option<SchemaVersion>, RegistryError> {
    let Ok(id) = i32::try_from(id) else {
        return Ok(None);
    };
    Ok(schemas::table
        .find(id)
        .filter(schemas::status.eq(ChangeRequestStatus::Approved))
        .select(SchemaVersion::as_select())
        .first(conn)
        .optional()?)
}

/// The visible subject version an approved schema id is; `None` when no
/// approved schema has the id, an empty list when its topic was deleted.
pub fn subject_versions_of(
    conn: &mut RegistryConnection,
    id: i64,
) -> Result<Option<Vec<(String, i32)>>, RegistryError> {
    if by_id(conn, id)?.is_none() {
        return Ok(None);
    }
    let rows: Vec<(String, Option<i32>)> = visible!()
        .filter(schemas::id.eq(id as i32))
        .select((schemas::subject, schemas::version))
        .load(conn)?;
    Ok(Some(
        rows.into_iter()
            .filter_map(|(subject, version)| version.map(|v| (subject, v)))
            .collect(),
    ))
}

/// The id of each topic's current schema (its latest approved version),
/// for the given topics; topics without one are absent.
pub fn current_ids(
    conn: &mut RegistryConnection,
    topics: &[TopicId],
) -> Result<HashMap<TopicId, i64>, RegistryError> {
    let mut newest: HashMap<TopicId, (i32, i64)> = HashMap::new();
    // SQLite caps bound parameters; the active topics may be many.
    for chunk in topics.chunks(500) {
        let rows: Vec<(TopicId, Option<i32>, i32)> = schemas::table
            .filter(schemas::topic_id.eq_any(chunk))
            .filter(schemas::status.eq(ChangeRequestStatus::Approved))
            .select((schemas::topic_id, schemas::version, schemas::id))
            .load(conn)?;
        for (topic, version, id) in rows {
            let version = version.unwrap_or(0);
            let entry = newest.entry(topic).or_insert((version, i64::from(id)));
            if version > entry.0 {
                *entry = (version, i64::from(id));
            }
        }
    }
    Ok(newest.into_iter().map(|(t, (_, id))| (t, id)).collect())
}
