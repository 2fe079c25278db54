//! Who subscribes to which topic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::RegistryError;
use super::models::{NewSubscription, NewSubscriptionEvent, Subscription};
use super::schema::{subscription_events, user_subscriptions};
use super::topics::{TopicRef, find};
use crate::domain::TopicStatus;

/// Subscribes `user_id` to an ACTIVE topic and audits it as done by
/// `actor`. Returns whether it created the subscription: `Ok(false)` when
/// the user had it already, which changes nothing. The table's unique key
/// decides, so concurrent duplicates leave exactly one row and one event.
pub fn subscribe(
    conn: &mut SqliteConnection,
    user_id: &str,
    topic_name: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, RegistryError> {
    conn.immediate_transaction(|conn| {
        let topic = find(conn, &TopicRef::Name(topic_name.to_owned()))?;
        if topic.status != TopicStatus::Active {
            return Err(RegistryError::TopicNotActive {
                message: format!(
                    "topic '{topic_name}' is {}; only active topics can be subscribed to",
                    topic.status
                ),
                status: topic.status,
            });
        }
        let inserted = diesel::insert_into(user_subscriptions::table)
            .values(NewSubscription {
                user_id,
                topic_id: topic.id,
                subscribed_at: now,
                status: "active",
            })
            .on_conflict((user_subscriptions::user_id, user_subscriptions::topic_id))
            .do_nothing()
            .execute(conn)?;
        if inserted == 0 {
            return Ok(false);
        }
        record(conn, topic.id, user_id, "subscribed", actor, now)?;
        Ok(true)
    })
}

/// Removes a subscription and audits it as done by `actor`;
/// `NotSubscribed` when there was none.
pub fn unsubscribe(
    conn: &mut SqliteConnection,
    user_id: &str,
    topic_name: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    let none = || {
        RegistryError::NotSubscribed(format!(
            "user '{user_id}' has no subscription to '{topic_name}'"
        ))
    };
    conn.immediate_transaction(|conn| {
        let topic = find(conn, &TopicRef::Name(topic_name.to_owned())).map_err(|e| match e {
            RegistryError::TopicNotFound(_) => none(),
            other => other,
        })?;
        let removed = diesel::delete(
            user_subscriptions::table
                .filter(user_subscriptions::user_id.eq(user_id))
                .filter(user_subscriptions::topic_id.eq(topic.id)),
        )
        .execute(conn)?;
        if removed == 0 {
            return Err(none());
        }
        record(conn, topic.id, user_id, "unsubscribed", actor, now)
    })
}

fn record(
    conn: &mut SqliteConnection,
    topic_id: i32,
    user_id: &str,
    action: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), RegistryError> {
    diesel::insert_into(subscription_events::table)
        .values(NewSubscriptionEvent {
            topic_id,
            user_id,
            action,
            actor,
            at,
        })
        .execute(conn)?;
    Ok(())
}

/// Subscriptions with their topic names, newest first; one user's when
/// `user_id` is given.
pub fn list(
    conn: &mut SqliteConnection,
    user_id: Option<&str>,
) -> Result<Vec<(Subscription, String)>, RegistryError> {
    use super::schema::topics;
    let mut query = user_subscriptions::table
        .inner_join(topics::table)
        .select((Subscription::as_select(), topics::name))
        .order((
            user_subscriptions::subscribed_at.desc(),
            user_subscriptions::id.desc(),
        ))
        .into_boxed();
    if let Some(user_id) = user_id {
        query = query.filter(user_subscriptions::user_id.eq(user_id));
    }
    Ok(query.load(conn)?)
}
