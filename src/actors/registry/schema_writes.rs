//! Writes through the Schema Registry API (admin only).

use actix::prelude::*;
use chrono::Utc;

use super::TopicRegistry;
use crate::db::RegistryError;
use crate::db::schema_registrations::{self as registrations, GLOBAL_SUBJECT, Registration};
use crate::db::schemas::{SubjectLookup, VersionRef};
use crate::domain::SchemaDocument;
use crate::schema::CompatibilityMode;

/// Register a schema version under a subject now.
#[derive(Message)]
#[rtype(result = "Result<Registration, RegistryError>")]
pub struct RegisterSchema {
    pub subject: String,
    pub schema: SchemaDocument,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<RegisterSchema> for TopicRegistry {
    type Result = Result<Registration, RegistryError>;

    fn handle(&mut self, msg: RegisterSchema, _: &mut Self::Context) -> Self::Result {
        let done = registrations::register(
            &mut *self.conn()?,
            &msg.subject,
            &msg.schema,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        // A new version changes the active topics' schema ids.
        if matches!(done, Registration::Registered { .. }) {
            self.topics_version.bump();
        }
        Ok(done)
    }
}

/// Find the version of a subject that is this schema.
#[derive(Message)]
#[rtype(result = "Result<SubjectLookup, RegistryError>")]
pub struct LookupSchema {
    pub subject: String,
    pub schema: SchemaDocument,
}

impl Handler<LookupSchema> for TopicRegistry {
    type Result = Result<SubjectLookup, RegistryError>;

    fn handle(&mut self, msg: LookupSchema, _: &mut Self::Context) -> Self::Result {
        registrations::lookup(&mut *self.conn()?, &msg.subject, &msg.schema)
    }
}

/// Whether a schema could follow a subject's versions (up to one).
#[derive(Message)]
#[rtype(result = "Result<Result<Vec<String>, SubjectLookup>, RegistryError>")]
pub struct TestCompatibility {
    pub subject: String,
    pub version: VersionRef,
    pub schema: SchemaDocument,
}

impl Handler<TestCompatibility> for TopicRegistry {
    type Result = Result<Result<Vec<String>, SubjectLookup>, RegistryError>;

    fn handle(&mut self, msg: TestCompatibility, _: &mut Self::Context) -> Self::Result {
        registrations::test_compatibility(
            &mut *self.conn()?,
            &msg.subject,
            msg.version,
            &msg.schema,
        )
    }
}

/// The compatibility mode of a subject (`None`: the global default).
#[derive(Message)]
#[rtype(result = "Result<CompatibilityMode, RegistryError>")]
pub struct GetCompatibility(pub Option<String>);

impl Handler<GetCompatibility> for TopicRegistry {
    type Result = Result<CompatibilityMode, RegistryError>;

    fn handle(&mut self, msg: GetCompatibility, _: &mut Self::Context) -> Self::Result {
        let subject = msg.0.as_deref().unwrap_or(GLOBAL_SUBJECT);
        registrations::compatibility_of(&mut *self.conn()?, subject)
    }
}

/// Set the compatibility mode of a subject (`None`: the global default);
/// `Err` inside says why the subject is not a topic's.
#[derive(Message)]
#[rtype(result = "Result<Result<(), String>, RegistryError>")]
pub struct SetCompatibility {
    pub subject: Option<String>,
    pub mode: CompatibilityMode,
    pub actor: String,
}

impl Handler<SetCompatibility> for TopicRegistry {
    type Result = Result<Result<(), String>, RegistryError>;

    fn handle(&mut self, msg: SetCompatibility, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        match msg.subject {
            Some(subject) => {
                let set = registrations::set_subject_compatibility(
                    &mut conn,
                    &subject,
                    msg.mode,
                    &msg.actor,
                    Utc::now().naive_utc(),
                )?;
                if set.is_ok() {
                    // Its audit entry is in the dashboard's activity list.
                    self.topics_version.touch();
                }
                Ok(set)
            }
            None => {
                registrations::set_compatibility(&mut conn, GLOBAL_SUBJECT, msg.mode)?;
                Ok(Ok(()))
            }
        }
    }
}
