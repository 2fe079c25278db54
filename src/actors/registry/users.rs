//! Users and their tokens, and what Kafka access the registry wants.

use actix::prelude::*;
use chrono::Utc;

use super::TopicRegistry;
use crate::db::kafka_grants::{self, GrantRow};
use crate::db::users::{self, UserRecord};
use crate::db::{self, RegistryError};
use crate::domain::{Roles, UserId};
use crate::identity::{Person, TokenHash};

/// Create a user (or revive a deleted one) with its first token.
#[derive(Message)]
#[rtype(result = "Result<UserRecord, RegistryError>")]
pub struct CreateUser {
    pub user_id: UserId,
    pub roles: Roles,
    pub token: TokenHash,
    pub actor: String,
}

impl Handler<CreateUser> for TopicRegistry {
    type Result = Result<UserRecord, RegistryError>;

    fn handle(&mut self, msg: CreateUser, _: &mut Self::Context) -> Self::Result {
        let user = users::create(
            &mut *self.conn()?,
            &msg.user_id,
            &msg.roles,
            &msg.token,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        self.access_changes.bump();
        Ok(user)
    }
}

/// The person a token belongs to, if any.
#[derive(Message)]
#[rtype(result = "Result<Option<Person>, RegistryError>")]
pub struct Authenticate(pub TokenHash);

impl Handler<Authenticate> for TopicRegistry {
    type Result = Result<Option<Person>, RegistryError>;

    fn handle(&mut self, msg: Authenticate, _: &mut Self::Context) -> Self::Result {
        Ok(users::authenticate(&mut *self.conn()?, &msg.0)?
            .map(|(user_id, roles)| Person { user_id, roles }))
    }
}

/// Replace a user's tokens with a new one (its Kafka password rotates too).
#[derive(Message)]
#[rtype(result = "Result<UserRecord, RegistryError>")]
pub struct RotateToken {
    pub user_id: UserId,
    pub token: TokenHash,
    pub actor: String,
}

impl Handler<RotateToken> for TopicRegistry {
    type Result = Result<UserRecord, RegistryError>;

    fn handle(&mut self, msg: RotateToken, _: &mut Self::Context) -> Self::Result {
        let user = users::rotate_token(
            &mut *self.conn()?,
            &msg.user_id,
            &msg.token,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        self.access_changes.bump();
        Ok(user)
    }
}

/// Delete a user: tokens, subscriptions, and (through the reconciler) its
/// Kafka credential and ACLs.
#[derive(Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct DeleteUser {
    pub user_id: UserId,
    pub actor: String,
}

impl Handler<DeleteUser> for TopicRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, msg: DeleteUser, _: &mut Self::Context) -> Self::Result {
        users::delete(
            &mut *self.conn()?,
            &msg.user_id,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        self.access_changes.bump();
        Ok(())
    }
}

/// The live users.
#[derive(Message)]
#[rtype(result = "Result<Vec<UserRecord>, RegistryError>")]
pub struct ListUsers;

impl Handler<ListUsers> for TopicRegistry {
    type Result = Result<Vec<UserRecord>, RegistryError>;

    fn handle(&mut self, _: ListUsers, _: &mut Self::Context) -> Self::Result {
        users::list(&mut *self.conn()?)
    }
}

/// One live user.
#[derive(Message)]
#[rtype(result = "Result<UserRecord, RegistryError>")]
pub struct GetUser(pub UserId);

impl Handler<GetUser> for TopicRegistry {
    type Result = Result<UserRecord, RegistryError>;

    fn handle(&mut self, msg: GetUser, _: &mut Self::Context) -> Self::Result {
        users::live(&mut *self.conn()?, &msg.0)
    }
}

/// Everything the access reconciler compares Kafka with, read at once.
#[derive(Debug)]
pub struct AccessSnapshot {
    /// Live users, and deleted ones Kafka may still hold a credential for.
    pub users: Vec<UserRecord>,
    /// (user, topic) for every active subscription to an active topic.
    pub readers: Vec<(UserId, String)>,
    pub active_topics: Vec<String>,
    /// The ACLs topicgate created and manages.
    pub ledger: Vec<GrantRow>,
}

/// Read an [`AccessSnapshot`].
#[derive(Message)]
#[rtype(result = "Result<AccessSnapshot, RegistryError>")]
pub struct ReadAccess;

impl Handler<ReadAccess> for TopicRegistry {
    type Result = Result<AccessSnapshot, RegistryError>;

    fn handle(&mut self, _: ReadAccess, _: &mut Self::Context) -> Self::Result {
        let conn = &mut *self.conn()?;
        // One read transaction, so the four lists agree with each other.
        conn.read_transaction(|conn| {
            Ok(AccessSnapshot {
                users: users::for_kafka(conn)?,
                readers: kafka_grants::readers(conn)?,
                active_topics: kafka_grants::active_topic_names(conn)?,
                ledger: kafka_grants::ledger(conn)?,
            })
        })
    }
}

/// What the reconciler changed in Kafka, for the registry to remember.
#[derive(Message, Default)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct AccessApplied {
    pub created: Vec<GrantRow>,
    pub removed: Vec<GrantRow>,
    /// (user, generation now held by Kafka, `None` for no credential).
    pub credentials: Vec<(UserId, Option<i32>)>,
}

impl Handler<AccessApplied> for TopicRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, msg: AccessApplied, _: &mut Self::Context) -> Self::Result {
        let conn = &mut *self.conn()?;
        kafka_grants::remember(conn, &msg.created)?;
        kafka_grants::forget(conn, &msg.removed)?;
        for (user, generation) in &msg.credentials {
            db::users::mark_kafka_applied(conn, user, *generation)?;
        }
        Ok(())
    }
}
