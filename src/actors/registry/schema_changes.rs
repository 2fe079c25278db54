//! Schema change requests: asked by users, decided by the admin.

use actix::prelude::*;
use chrono::Utc;

use super::TopicRegistry;
use crate::api::SchemaChangeView;
use crate::db::RegistryError;
use crate::db::change_requests::Decision;
use crate::db::schema_changes;
use crate::domain::{ChangeRequestStatus, SchemaDocument, TopicId};

/// Ask for a new value schema; `Err` inside lists why it is incompatible.
#[derive(Message)]
#[rtype(result = "Result<Result<SchemaChangeView, Vec<String>>, RegistryError>")]
pub struct RequestSchemaChange {
    pub topic: TopicId,
    pub schema: SchemaDocument,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<RequestSchemaChange> for TopicRegistry {
    type Result = Result<Result<SchemaChangeView, Vec<String>>, RegistryError>;

    fn handle(&mut self, msg: RequestSchemaChange, _: &mut Self::Context) -> Self::Result {
        let asked = schema_changes::request(
            &mut *self.conn()?,
            msg.topic,
            &msg.schema,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        if asked.is_ok() {
            // The dashboard follows the change feed to show it.
            self.topics_version.bump();
        }
        Ok(asked.map(|(row, name)| row.change_view(&name)))
    }
}

/// Schema change requests in the given states (all when empty).
#[derive(Message)]
#[rtype(result = "Result<Vec<SchemaChangeView>, RegistryError>")]
pub struct ListSchemaChanges(pub Vec<ChangeRequestStatus>);

impl Handler<ListSchemaChanges> for TopicRegistry {
    type Result = Result<Vec<SchemaChangeView>, RegistryError>;

    fn handle(&mut self, msg: ListSchemaChanges, _: &mut Self::Context) -> Self::Result {
        let rows = schema_changes::list(&mut *self.conn()?, &msg.0)?;
        Ok(rows
            .iter()
            .map(|(row, name)| row.change_view(name))
            .collect())
    }
}

/// Approve or reject a schema change; `Err` inside: no longer compatible.
#[derive(Message)]
#[rtype(result = "Result<Result<SchemaChangeView, Vec<String>>, RegistryError>")]
pub struct DecideSchemaChange {
    pub change_id: i32,
    pub decision: Decision,
    pub actor: String,
    pub reason: Option<String>,
}

impl Handler<DecideSchemaChange> for TopicRegistry {
    type Result = Result<Result<SchemaChangeView, Vec<String>>, RegistryError>;

    fn handle(&mut self, msg: DecideSchemaChange, _: &mut Self::Context) -> Self::Result {
        let decided = schema_changes::decide(
            &mut *self.conn()?,
            msg.change_id,
            msg.decision,
            &msg.actor,
            msg.reason.as_deref(),
            Utc::now().naive_utc(),
        )?;
        if decided.is_ok() {
            // An approval changes the active topics' schema ids.
            self.topics_version.bump();
        }
        Ok(decided.map(|(row, name)| row.change_view(&name)))
    }
}
