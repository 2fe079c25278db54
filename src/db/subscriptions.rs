//! Who subscribes to which topic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::RegistryError;
use super::error::is_unique_violation;
use super::models::{NewSubscription, NewSubscriptionEvent, Subscription};
use super::schema::{subscription_events, user_subscriptions};
use super::topics::{TopicRef, find};
use crate::domain::TopicStatus;

/// Subscribes `user_id` to an ACTIVE topic and audits it as done by
/// `actor`. A second subscription to the same topic is refused by the
/// table's unique key, so concurrent duplicates leave exactly one row.
pub fn subscribe(
    conn: &mut SqliteConnection,
    user_id: &str,
    topic_name: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Subscription, RegistryError> {
    conn.immediate_transaction(|conn| {
        let topic = find(conn, &TopicRef::Name(topic_name.to_owned()))?;
        if topic.status != TopicStatus::Active {
            return Err(RegistryError::Conflict(format!(
                "topic '{topic_name}' is {}; only active topics can be subscribed to",
                topic.status
            )));
        }
        let subscription = diesel::insert_into(user_subscriptions::table)
            .values(NewSubscription {
                user_id,
                topic_id: topic.id,
                subscribed_at: now,
                status: "active",
            })
            .returning(Subscription::as_returning())
            .get_result(conn)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    RegistryError::Conflict(format!(
                        "user '{user_id}' is already subscribed to '{topic_name}'"
                    ))
                } else {
                    RegistryError::from(e)
                }
            })?;
        record(conn, topic.id, user_id, "subscribed", actor, now)?;
        Ok(subscription)
    })
}

/// Removes a subscription and audits it as done by `actor`; `NotFound`
/// when there was none.
pub fn unsubscribe(
    conn: &mut SqliteConnection,
    user_id: &str,
    topic_name: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    let none = || {
        RegistryError::NotFound(format!(
            "user '{user_id}' has no subscription to '{topic_name}'"
        ))
    };
    conn.immediate_transaction(|conn| {
        let topic = find(conn, &TopicRef::Name(topic_name.to_owned())).map_err(|e| match e {
            RegistryError::NotFound(_) => none(),
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
