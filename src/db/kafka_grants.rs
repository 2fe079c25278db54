//! What Kafka access the registry wants, and the ledger of the ACLs
//! topicgate created (the only ones it ever removes).

use crate::db::{RegistryConnection, on_backend};
use diesel::prelude::*;

use super::RegistryError;
use super::schema::{kafka_acl_grants, topics, user_subscriptions};
use crate::domain::{SubscriptionStatus, TopicStatus, UserId};

/// One allowed operation of one principal on one named resource, in
/// Kafka's own words (`User:alice`, `TOPIC`, `orders`, `READ`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Queryable, Insertable)]
#[diesel(table_name = kafka_acl_grants)]
pub struct GrantRow {
    pub principal: String,
    pub resource_type: String,
    pub resource_name: String,
    pub operation: String,
}

/// The ACLs topicgate created and has not removed since.
pub fn ledger(conn: &mut RegistryConnection) -> Result<Vec<GrantRow>, RegistryError> {
    Ok(kafka_acl_grants::table.load(conn)?)
}

/// Records ACLs just created in Kafka.
pub fn remember(conn: &mut RegistryConnection, grants: &[GrantRow]) -> Result<(), RegistryError> {
    conn.write_transaction(|conn| {
        for grant in grants {
            let insert = diesel::insert_into(kafka_acl_grants::table)
                .values(grant)
                .on_conflict_do_nothing();
            on_backend!(conn, |conn| insert.execute(conn))?;
        }
        Ok(())
    })
}

/// Forgets ACLs just removed from Kafka.
pub fn forget(conn: &mut RegistryConnection, grants: &[GrantRow]) -> Result<(), RegistryError> {
    conn.write_transaction(|conn| {
        for grant in grants {
            diesel::delete(kafka_acl_grants::table.find((
                &grant.principal,
                &grant.resource_type,
                &grant.resource_name,
                &grant.operation,
            )))
            .execute(conn)?;
        }
        Ok(())
    })
}

/// Who reads what: every active subscription to an active topic.
pub fn readers(conn: &mut RegistryConnection) -> Result<Vec<(UserId, String)>, RegistryError> {
    Ok(user_subscriptions::table
        .inner_join(topics::table)
        .filter(user_subscriptions::status.eq(SubscriptionStatus::Active))
        .filter(topics::status.eq(TopicStatus::Active))
        .select((user_subscriptions::user_id, topics::name))
        .load(conn)?)
}

/// The names of the active topics: the ones the producer may write.
pub fn active_topic_names(conn: &mut RegistryConnection) -> Result<Vec<String>, RegistryError> {
    Ok(topics::table
        .filter(topics::status.eq(TopicStatus::Active))
        .select(topics::name)
        .load(conn)?)
}
