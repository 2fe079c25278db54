//! Reads of the topics' value schemas, for the Schema Registry API.

use actix::prelude::*;

use super::TopicRegistry;
use crate::db::RegistryError;
use crate::db::models::SchemaVersion;
use crate::db::schemas::{self, SubjectLookup, VersionRef};

/// Every subject with an approved version.
#[derive(Message)]
#[rtype(result = "Result<Vec<String>, RegistryError>")]
pub struct ListSubjects;

impl Handler<ListSubjects> for TopicRegistry {
    type Result = Result<Vec<String>, RegistryError>;

    fn handle(&mut self, _: ListSubjects, _: &mut Self::Context) -> Self::Result {
        schemas::subjects(&mut *self.conn()?)
    }
}

/// The approved version numbers of a subject (empty: no such subject).
#[derive(Message)]
#[rtype(result = "Result<Vec<i32>, RegistryError>")]
pub struct SubjectVersions(pub String);

impl Handler<SubjectVersions> for TopicRegistry {
    type Result = Result<Vec<i32>, RegistryError>;

    fn handle(&mut self, msg: SubjectVersions, _: &mut Self::Context) -> Self::Result {
        schemas::versions(&mut *self.conn()?, &msg.0)
    }
}

/// One approved version of a subject.
#[derive(Message)]
#[rtype(result = "Result<SubjectLookup, RegistryError>")]
pub struct GetSubjectVersion {
    pub subject: String,
    pub version: VersionRef,
}

impl Handler<GetSubjectVersion> for TopicRegistry {
    type Result = Result<SubjectLookup, RegistryError>;

    fn handle(&mut self, msg: GetSubjectVersion, _: &mut Self::Context) -> Self::Result {
        schemas::version(&mut *self.conn()?, &msg.subject, msg.version)
    }
}

/// The approved schema with a global id.
#[derive(Message)]
#[rtype(result = "Result<Option<SchemaVersion>, RegistryError>")]
pub struct GetSchemaById(pub i64);

impl Handler<GetSchemaById> for TopicRegistry {
    type Result = Result<Option<SchemaVersion>, RegistryError>;

    fn handle(&mut self, msg: GetSchemaById, _: &mut Self::Context) -> Self::Result {
        schemas::by_id(&mut *self.conn()?, msg.0)
    }
}

/// The subject versions a schema id is (`None`: no approved schema has it).
#[derive(Message)]
#[rtype(result = "Result<Option<Vec<(String, i32)>>, RegistryError>")]
pub struct SchemaIdVersions(pub i64);

impl Handler<SchemaIdVersions> for TopicRegistry {
    type Result = Result<Option<Vec<(String, i32)>>, RegistryError>;

    fn handle(&mut self, msg: SchemaIdVersions, _: &mut Self::Context) -> Self::Result {
        schemas::subject_versions_of(&mut *self.conn()?, msg.0)
    }
}
