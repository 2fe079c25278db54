//! Messages that change a topic after its request: edits, withdrawals and
//! partition change requests.

use actix::prelude::*;
use chrono::Utc;

use super::TopicRegistry;
use crate::api::{TopicChangeRequestView, TopicView};
use crate::db::RegistryError;
use crate::db::change_requests::{self, Decision};
use crate::db::topic_edits::{self, Withdrawer};
use crate::domain::{ChangeRequestStatus, TopicEdit, TopicId};

/// Edit an approved topic Kafka refused, and have it created again.
#[derive(Message)]
#[rtype(result = "Result<TopicView, RegistryError>")]
pub struct EditTopic {
    pub topic: TopicId,
    pub edit: TopicEdit,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<EditTopic> for TopicRegistry {
    type Result = Result<TopicView, RegistryError>;

    fn handle(&mut self, msg: EditTopic, _: &mut Self::Context) -> Self::Result {
        let topic = topic_edits::edit(
            &mut *self.conn()?,
            msg.topic,
            msg.edit,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        self.topics_version.bump();
        // With its configs, as every other answer of the registry.
        self.one_view(&topic)
    }
}

/// Withdraw a pending topic request.
#[derive(Message)]
#[rtype(result = "Result<TopicView, RegistryError>")]
pub struct WithdrawTopic {
    pub topic: TopicId,
    pub by: Withdrawer,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<WithdrawTopic> for TopicRegistry {
    type Result = Result<TopicView, RegistryError>;

    fn handle(&mut self, msg: WithdrawTopic, _: &mut Self::Context) -> Self::Result {
        let topic = topic_edits::withdraw(
            &mut *self.conn()?,
            msg.topic,
            &msg.by,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        self.topics_version.bump();
        // With its configs, as every other answer of the registry.
        self.one_view(&topic)
    }
}

/// Ask for more partitions on an active topic.
#[derive(Message)]
#[rtype(result = "Result<TopicChangeRequestView, RegistryError>")]
pub struct RequestPartitions {
    pub topic: TopicId,
    pub partitions: i64,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<RequestPartitions> for TopicRegistry {
    type Result = Result<TopicChangeRequestView, RegistryError>;

    fn handle(&mut self, msg: RequestPartitions, _: &mut Self::Context) -> Self::Result {
        let (request, name) = change_requests::request_partitions(
            &mut *self.conn()?,
            msg.topic,
            msg.partitions,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        // The dashboard follows the change feed to show the new request.
        self.topics_version.bump();
        Ok(request.view(&name))
    }
}

/// Approve or reject a change request.
#[derive(Message)]
#[rtype(result = "Result<TopicChangeRequestView, RegistryError>")]
pub struct DecideChange {
    pub change_id: i32,
    pub decision: Decision,
    pub actor: String,
    pub reason: Option<String>,
}

impl Handler<DecideChange> for TopicRegistry {
    type Result = Result<TopicChangeRequestView, RegistryError>;

    fn handle(&mut self, msg: DecideChange, _: &mut Self::Context) -> Self::Result {
        let (request, name) = change_requests::decide(
            &mut *self.conn()?,
            msg.change_id,
            msg.decision,
            &msg.actor,
            msg.reason.as_deref(),
            Utc::now().naive_utc(),
        )?;
        self.topics_version.bump();
        Ok(request.view(&name))
    }
}

/// Change requests in the given states (all when empty), newest first.
#[derive(Message)]
#[rtype(result = "Result<Vec<TopicChangeRequestView>, RegistryError>")]
pub struct ListChanges(pub Vec<ChangeRequestStatus>);

impl Handler<ListChanges> for TopicRegistry {
    type Result = Result<Vec<TopicChangeRequestView>, RegistryError>;

    fn handle(&mut self, msg: ListChanges, _: &mut Self::Context) -> Self::Result {
        let rows = change_requests::list(&mut *self.conn()?, &msg.0)?;
        Ok(rows.iter().map(|(r, name)| r.view(name)).collect())
    }
}
