//! Requests by users to change an approved topic's value schema, and the
//! admin's decisions. A topic's first schema comes with its request (see
//! `schemas`); every later pending row is such a change request.

use crate::db::{RegistryConnection, columns_of};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::RegistryError;
use super::change_requests::Decision;
use super::models::{NewSchemaVersion, SchemaVersion, Topic};
use super::schema::{schemas, topics};
use super::schema_registrations::compatibility_of;
use super::schemas::next_version;
use super::topics::{TopicRef, find, record_event};
use crate::domain::{ChangeRequestStatus, SchemaDocument, TopicId, TopicStatus};
use crate::schema::compatibility::check;
use crate::schema::value_subject;

/// Rows that are change requests: every schema row but a topic's first.
/// Asked per row through the index of a topic's schemas; a `NOT IN` over
/// every topic's first row built that whole set on each dashboard
/// refresh (ten thousand topics: most of the page's cost).
pub(super) const IS_CHANGE_SQL: &str = "EXISTS (SELECT 1 FROM schemas AS earlier \
     WHERE earlier.topic_id = schemas.topic_id AND earlier.id < schemas.id)";

/// Why `schema` may not follow `topic`'s approved versions under its
/// subject's mode (empty: it may).
fn incompatibilities(
    conn: &mut RegistryConnection,
    topic: &Topic,
    schema: &SchemaDocument,
) -> Result<Vec<String>, RegistryError> {
    let subject = value_subject(&topic.name);
    let earlier: Vec<String> = schemas::table
        .filter(schemas::topic_id.eq(topic.id))
        .filter(schemas::status.eq(ChangeRequestStatus::Approved))
        .order(schemas::version.desc())
        .select(schemas::schema)
        .load(conn)?;
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text)
            .map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("a stored schema: {e}")))
    };
    let earlier = earlier
        .iter()
        .map(|text| parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    let mode = compatibility_of(conn, &subject)?;
    Ok(check(mode, &parse(schema.as_str())?, &earlier)
        .err()
        .unwrap_or_default())
}

/// Records a pending change of `id`'s schema by `actor`, checked at once:
/// the topic must be approved, active or inactive, have no other pending
/// change, not have this schema already, and the schema must be compatible
/// with the approved versions (`Ok(Err(problems))` otherwise; nothing is
/// stored).
pub fn request(
    conn: &mut RegistryConnection,
    id: TopicId,
    schema: &SchemaDocument,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Result<(SchemaVersion, String), Vec<String>>, RegistryError> {
    conn.write_transaction(|conn| {
        let topic = find(conn, &TopicRef::Id(id))?;
        if !matches!(
            topic.status,
            TopicStatus::Approved | TopicStatus::Active | TopicStatus::Inactive
        ) {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' is {}: only an approved, active or inactive topic's schema can be changed",
                topic.name, topic.status
            )));
        }
        let rows: Vec<SchemaVersion> = schemas::table
            .filter(schemas::topic_id.eq(id))
            .filter(schemas::status.ne(ChangeRequestStatus::Rejected))
            .select(SchemaVersion::as_select())
            .load(conn)?;
        if rows.iter().any(|r| r.status == ChangeRequestStatus::Pending) {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' already has a pending schema change; an admin must approve or reject it first",
                topic.name
            )));
        }
        if let Some(same) = rows.iter().find(|r| r.schema == schema.as_str()) {
            return Err(RegistryError::Conflict(format!(
                "topic '{}' has this schema already, as version {}",
                topic.name,
                same.version.unwrap_or_default()
            )));
        }
        let problems = incompatibilities(conn, &topic, schema)?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let subject = value_subject(&topic.name);
        let row = diesel::insert_into(schemas::table)
            .values(NewSchemaVersion {
                topic_id: id,
                subject: &subject,
                version: None,
                schema: schema.as_str(),
                status: ChangeRequestStatus::Pending,
                requested_by: actor,
                created_at: now,
                decided_by: None,
                decided_at: None,
            })
            .returning(columns_of::<SchemaVersion>())
            .get_result(conn)?;
        Ok(Ok((row, topic.name)))
    })
}

/// Schema change requests in the given states (all when empty), newest
/// first, each with its topic's name.
pub fn list(
    conn: &mut RegistryConnection,
    statuses: &[ChangeRequestStatus],
) -> Result<Vec<(SchemaVersion, String)>, RegistryError> {
    let mut query = schemas::table
        .inner_join(topics::table)
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(IS_CHANGE_SQL))
        .select((SchemaVersion::as_select(), topics::name))
        .order(schemas::id.desc())
        .into_boxed();
    if !statuses.is_empty() {
        query = query.filter(schemas::status.eq_any(statuses.to_vec()));
    }
    Ok(query.load(conn)?)
}

/// Approves (as the subject's next version, after checking compatibility
/// again against what was approved meanwhile) or rejects a pending schema
/// change, and audits it as a topic event. `Ok(Err(problems))` when it is
/// no longer compatible: it stays pending.
pub fn decide(
    conn: &mut RegistryConnection,
    change_id: i32,
    decision: Decision,
    actor: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<Result<(SchemaVersion, String), Vec<String>>, RegistryError> {
    conn.write_transaction(|conn| {
        let row: SchemaVersion = schemas::table
            .find(change_id)
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(IS_CHANGE_SQL))
            .select(SchemaVersion::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                RegistryError::NotFound(format!("schema change {change_id} not found"))
            })?;
        let topic = find(conn, &TopicRef::Id(row.topic_id))?;
        if row.status != ChangeRequestStatus::Pending {
            return Err(RegistryError::Conflict(format!(
                "schema change {change_id} is {} already",
                row.status
            )));
        }
        let (status, version, what) = match decision {
            Decision::Approve => {
                let schema = SchemaDocument::stored(row.schema.clone());
                let problems = incompatibilities(conn, &topic, &schema)?;
                if !problems.is_empty() {
                    return Ok(Err(problems));
                }
                let version = next_version(conn, &row.subject)?;
                (
                    ChangeRequestStatus::Approved,
                    Some(version),
                    format!("approved as version {version}"),
                )
            }
            Decision::Reject => (ChangeRequestStatus::Rejected, None, "rejected".to_owned()),
        };
        let decided: SchemaVersion = diesel::update(schemas::table.find(change_id))
            .set((
                schemas::status.eq(status),
                schemas::version.eq(version),
                schemas::decided_by.eq(Some(actor)),
                schemas::decided_at.eq(Some(now)),
            ))
            .returning(columns_of::<SchemaVersion>())
            .get_result(conn)?;
        let mut audit = format!("schema change {change_id} {what}");
        if let Some(reason) = reason {
            audit.push_str(&format!(": {reason}"));
        }
        record_event(conn, &topic, Some(topic.status), actor, Some(&audit), now)?;
        Ok(Ok((decided, topic.name)))
    })
}
