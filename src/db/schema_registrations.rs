//! Writes through the Schema Registry API: an admin registers a schema
//! version at once (the admin's word is the approval), looks one up, tests
//! compatibility, and sets the compatibility mode of a subject or of all.

use crate::db::{RegistryConnection, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::RegistryError;
use super::models::{NewSchemaVersion, SchemaVersion, Topic};
use super::schema::{schemas, subject_configs};
use super::schemas::{SubjectLookup, VersionRef, next_version};
use super::topics::{TopicRef, find, record_event};
use crate::domain::{ChangeRequestStatus, SchemaDocument, TopicName, TopicStatus};
use crate::schema::compatibility::check;
use crate::schema::{CompatibilityMode, value_subject};

/// The subject that holds the installation-wide default mode.
pub const GLOBAL_SUBJECT: &str = "";

/// What a registration did.
#[derive(Debug, Clone, PartialEq)]
pub enum Registration {
    /// A new version, approved now.
    Registered { id: i64, version: i32 },
    /// The subject already had this schema: its id, nothing written.
    Existing { id: i64, version: i32 },
    /// Refused under the subject's mode; what breaks compatibility.
    Incompatible(Vec<String>),
    /// The subject is not the value subject of a topic approved or later.
    NotATopicSubject(String),
}

/// The topic whose value subject `subject` is, when it is approved,
/// active or inactive; else why not.
pub fn topic_of_subject(
    conn: &mut RegistryConnection,
    subject: &str,
) -> Result<Result<Topic, String>, RegistryError> {
    let refusal = |why: &str| {
        format!(
            "Subject '{subject}' not found: {why}; schemas are registered only under '<topic>-value' of a topicgate topic that is approved or later"
        )
    };
    let Some(name) = subject.strip_suffix("-value") else {
        return Ok(Err(refusal("not a '<topic>-value' subject")));
    };
    let Ok(name) = TopicName::parse(name) else {
        return Ok(Err(refusal("not a topic name")));
    };
    let topic = match find(conn, &TopicRef::Name(name)) {
        Ok(topic) => topic,
        Err(RegistryError::TopicNotFound(_)) => return Ok(Err(refusal("no such topic"))),
        Err(e) => return Err(e),
    };
    if !matches!(
        topic.status,
        TopicStatus::Approved | TopicStatus::Active | TopicStatus::Inactive
    ) {
        return Ok(Err(refusal(&format!("the topic is {}", topic.status))));
    }
    Ok(Ok(topic))
}

/// The approved versions of `topic`'s subject, newest first.
fn approved_newest_first(
    conn: &mut RegistryConnection,
    topic: &Topic,
) -> Result<Vec<SchemaVersion>, RegistryError> {
    Ok(schemas::table
        .filter(schemas::topic_id.eq(topic.id))
        .filter(schemas::status.eq(ChangeRequestStatus::Approved))
        .order(schemas::version.desc())
        .select(SchemaVersion::as_select())
        .load(conn)?)
}

fn parsed(rows: &[SchemaVersion]) -> Result<Vec<Value>, RegistryError> {
    rows.iter()
        .map(|row| {
            serde_json::from_str(&row.schema).map_err(|e| {
                RegistryError::Unexpected(anyhow::anyhow!(
                    "stored schema {} is not JSON: {e}",
                    row.id
                ))
            })
        })
        .collect()
}

/// Registers `schema` as the next approved version of `subject`, checked
/// against the earlier ones under the subject's mode, and audits it as a
/// topic event; the same schema again answers its existing id. One
/// IMMEDIATE transaction, so two registrations cannot both pass the check
/// against the same latest version.
pub fn register(
    conn: &mut RegistryConnection,
    subject: &str,
    schema: &SchemaDocument,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Registration, RegistryError> {
    conn.write_transaction(|conn| {
        let topic = match topic_of_subject(conn, subject)? {
            Ok(topic) => topic,
            Err(why) => return Ok(Registration::NotATopicSubject(why)),
        };
        let earlier = approved_newest_first(conn, &topic)?;
        if let Some(same) = earlier.iter().find(|row| row.schema == schema.as_str()) {
            return Ok(Registration::Existing {
                id: i64::from(same.id),
                version: same.version.unwrap_or_default(),
            });
        }
        let mode = compatibility_of(conn, subject)?;
        let new: Value = serde_json::from_str(schema.as_str())
            .map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("a checked schema: {e}")))?;
        if let Err(problems) = check(mode, &new, &parsed(&earlier)?) {
            return Ok(Registration::Incompatible(problems));
        }
        let subject = value_subject(&topic.name);
        let version = next_version(conn, &subject)?;
        let id: i32 = diesel::insert_into(schemas::table)
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
            .returning(schemas::id)
            .get_result(conn)?;
        let reason = format!("schema version {version} (id {id}) registered under {subject}");
        record_event(conn, &topic, Some(topic.status), actor, Some(&reason), now)?;
        Ok(Registration::Registered {
            id: i64::from(id),
            version,
        })
    })
}

/// The approved version of `subject` whose schema is `schema`, if any.
pub fn lookup(
    conn: &mut RegistryConnection,
    subject: &str,
    schema: &SchemaDocument,
) -> Result<SubjectLookup, RegistryError> {
    let versions = super::schemas::versions(conn, subject)?;
    if versions.is_empty() {
        return Ok(SubjectLookup::NoSubject);
    }
    for version in versions {
        if let SubjectLookup::Found(row) =
            super::schemas::version(conn, subject, VersionRef::Number(version))?
            && row.schema == schema.as_str()
        {
            return Ok(SubjectLookup::Found(row));
        }
    }
    Ok(SubjectLookup::NoVersion)
}

/// Whether `schema` may follow `subject`'s versions up to `wanted`, under
/// the subject's mode: `Ok(Err(problems))` when not, `Ok(Ok(lookup))` with
/// `NoSubject`/`NoVersion` when there is nothing to compare with.
pub fn test_compatibility(
    conn: &mut RegistryConnection,
    subject: &str,
    wanted: VersionRef,
    schema: &SchemaDocument,
) -> Result<Result<Vec<String>, SubjectLookup>, RegistryError> {
    let versions = super::schemas::versions(conn, subject)?;
    let Some(&latest) = versions.last() else {
        return Ok(Err(SubjectLookup::NoSubject));
    };
    let upto = match wanted {
        VersionRef::Latest => latest,
        VersionRef::Number(n) if versions.contains(&n) => n,
        VersionRef::Number(_) => return Ok(Err(SubjectLookup::NoVersion)),
    };
    let mut earlier = Vec::new();
    for version in versions.iter().rev().filter(|v| **v <= upto) {
        if let SubjectLookup::Found(row) =
            super::schemas::version(conn, subject, VersionRef::Number(*version))?
        {
            earlier.push(row);
        }
    }
    let mode = compatibility_of(conn, subject)?;
    let new: Value = serde_json::from_str(schema.as_str())
        .map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("a checked schema: {e}")))?;
    Ok(Ok(check(mode, &new, &parsed(&earlier)?)
        .err()
        .unwrap_or_default()))
}

/// The mode set for `subject` itself, if any (`GLOBAL_SUBJECT` for the default).
pub fn configured_mode(
    conn: &mut RegistryConnection,
    subject: &str,
) -> Result<Option<CompatibilityMode>, RegistryError> {
    let stored: Option<String> = subject_configs::table
        .find(subject)
        .select(subject_configs::compatibility)
        .first(conn)
        .optional()?;
    stored
        .map(|text| {
            text.parse().map_err(|e| {
                RegistryError::Unexpected(anyhow::anyhow!("stored compatibility {text:?}: {e}"))
            })
        })
        .transpose()
}

/// The mode that applies to `subject`: its own, else the global default,
/// else BACKWARD (Confluent's default).
pub fn compatibility_of(
    conn: &mut RegistryConnection,
    subject: &str,
) -> Result<CompatibilityMode, RegistryError> {
    if let Some(mode) = configured_mode(conn, subject)? {
        return Ok(mode);
    }
    Ok(configured_mode(conn, GLOBAL_SUBJECT)?.unwrap_or_default())
}

/// Sets the mode of `subject` (`GLOBAL_SUBJECT` for the default).
pub fn set_compatibility(
    conn: &mut RegistryConnection,
    subject: &str,
    mode: CompatibilityMode,
) -> Result<(), RegistryError> {
    let upsert = diesel::insert_into(subject_configs::table)
        .values((
            subject_configs::subject.eq(subject),
            subject_configs::compatibility.eq(mode.as_str()),
        ))
        .on_conflict(subject_configs::subject)
        .do_update()
        .set(subject_configs::compatibility.eq(mode.as_str()));
    on_backend!(conn, |conn| upsert.execute(conn))?;
    Ok(())
}

/// Sets the mode of `subject`, a topic's value subject, and audits it as a
/// topic event; `Err` says why the subject is not one.
pub fn set_subject_compatibility(
    conn: &mut RegistryConnection,
    subject: &str,
    mode: CompatibilityMode,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Result<(), String>, RegistryError> {
    conn.write_transaction(|conn| {
        let topic = match topic_of_subject(conn, subject)? {
            Ok(topic) => topic,
            Err(why) => return Ok(Err(why)),
        };
        set_compatibility(conn, subject, mode)?;
        let reason = format!("compatibility of {subject} set to {mode}");
        record_event(conn, &topic, Some(topic.status), actor, Some(&reason), now)?;
        Ok(Ok(()))
    })
}
