//! Who subscribes to which topic.

use crate::db::{RegistryConnection, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use super::models::{NewSubscription, NewSubscriptionEvent, Subscription};
use super::schema::{subscription_events, user_subscriptions};
use super::topics::{TopicRef, find};
use crate::domain::{SubscriptionStatus, TopicId, TopicName, TopicStatus, Transition, UserId};

/// Subscribes `user_id` to an ACTIVE topic and audits it as done by
/// `actor`. Returns whether it created the subscription: `Ok(false)` when
/// the user had it already, which changes nothing. The table's unique key
/// decides, so concurrent duplicates leave exactly one row and one event.
pub fn subscribe(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    topic_name: &TopicName,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, RegistryError> {
    conn.write_transaction(|conn| {
        let topic = find(conn, &TopicRef::Name(topic_name.clone()))?;
        if topic.status != TopicStatus::Active {
            return Err(RegistryError::TopicNotActive {
                message: format!(
                    "topic '{topic_name}' is {}; only active topics can be subscribed to",
                    topic.status
                ),
                status: topic.status,
            });
        }
        let insert = diesel::insert_into(user_subscriptions::table)
            .values(NewSubscription {
                user_id,
                topic_id: topic.id,
                subscribed_at: now,
                status: SubscriptionStatus::Active,
            })
            .on_conflict((user_subscriptions::user_id, user_subscriptions::topic_id))
            .do_nothing();
        let inserted = on_backend!(conn, |conn| insert.execute(conn))?;
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
    conn: &mut RegistryConnection,
    user_id: &UserId,
    topic_name: &TopicName,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    let none = || {
        RegistryError::NotSubscribed(format!(
            "user '{user_id}' has no subscription to '{topic_name}'"
        ))
    };
    conn.write_transaction(|conn| {
        let topic = find(conn, &TopicRef::Name(topic_name.clone())).map_err(|e| match e {
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

/// Makes the subscriptions of topic `topic_id` follow its `transition`:
/// deactivating the topic sets every active subscription of it to
/// `inactive`, reactivating sets every inactive one back to `active`; each
/// change is audited as done by `actor`. Other transitions change nothing.
///
/// Runs inside the caller's transaction (the topic's own change), so the
/// topic and its subscriptions never disagree. Returns how many changed.
pub fn follow_topic(
    conn: &mut RegistryConnection,
    topic_id: TopicId,
    transition: Transition,
    actor: &str,
    now: NaiveDateTime,
) -> Result<usize, RegistryError> {
    let (from, to) = match transition {
        Transition::Deactivate => (SubscriptionStatus::Active, SubscriptionStatus::Inactive),
        Transition::Reactivate => (SubscriptionStatus::Inactive, SubscriptionStatus::Active),
        Transition::Delete => return remove_all(conn, topic_id, actor, now),
        Transition::Approve | Transition::Activate | Transition::Reject => return Ok(0),
    };
    let changed: Vec<UserId> = diesel::update(
        user_subscriptions::table
            .filter(user_subscriptions::topic_id.eq(topic_id))
            .filter(user_subscriptions::status.eq(from)),
    )
    .set(user_subscriptions::status.eq(to))
    .returning(user_subscriptions::user_id)
    .get_results(conn)?;
    let action = transition.past_tense();
    for user_id in &changed {
        record(conn, topic_id, user_id, action, actor, now)?;
    }
    Ok(changed.len())
}

/// A deleted topic has no readers: its subscriptions go, each removal
/// audited (action `deleted`) so who read it stays on record.
fn remove_all(
    conn: &mut RegistryConnection,
    topic_id: TopicId,
    actor: &str,
    now: NaiveDateTime,
) -> Result<usize, RegistryError> {
    let removed: Vec<UserId> =
        diesel::delete(user_subscriptions::table.filter(user_subscriptions::topic_id.eq(topic_id)))
            .returning(user_subscriptions::user_id)
            .get_results(conn)?;
    for user_id in &removed {
        record(conn, topic_id, user_id, "deleted", actor, now)?;
    }
    Ok(removed.len())
}

/// A deleted user reads nothing: their subscriptions go, each removal
/// audited as an unsubscription by whoever deleted the user. Runs inside
/// the caller's transaction.
pub fn remove_user(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    actor: &str,
    now: NaiveDateTime,
) -> Result<usize, RegistryError> {
    let removed: Vec<TopicId> =
        diesel::delete(user_subscriptions::table.filter(user_subscriptions::user_id.eq(user_id)))
            .returning(user_subscriptions::topic_id)
            .get_results(conn)?;
    for topic_id in &removed {
        record(conn, *topic_id, user_id, "unsubscribed", actor, now)?;
    }
    Ok(removed.len())
}

fn record(
    conn: &mut RegistryConnection,
    topic_id: TopicId,
    user_id: &UserId,
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
    conn: &mut RegistryConnection,
    user_id: Option<&UserId>,
) -> Result<Vec<(Subscription, String)>, RegistryError> {
    listing(conn, user_id, None)
}

/// The `limit` newest subscriptions with their topics' names: a registry
/// may hold a hundred thousand, more than a page can show.
pub fn newest(
    conn: &mut RegistryConnection,
    limit: i64,
) -> Result<Vec<(Subscription, String)>, RegistryError> {
    listing(conn, None, Some(limit))
}

fn listing(
    conn: &mut RegistryConnection,
    user_id: Option<&UserId>,
    limit: Option<i64>,
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
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    Ok(query.load(conn)?)
}

/// The subscriptions to one topic, newest first.
pub fn of_topic(
    conn: &mut RegistryConnection,
    topic: TopicId,
) -> Result<Vec<Subscription>, RegistryError> {
    Ok(user_subscriptions::table
        .filter(user_subscriptions::topic_id.eq(topic))
        .select(Subscription::as_select())
        .order((
            user_subscriptions::subscribed_at.desc(),
            user_subscriptions::id.desc(),
        ))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::models::NewTopic;
    use crate::db::topics::{create, transition};
    use crate::domain::{
        RawTopicRequest, TopicNamePolicy, TopicRequest, Transition, parse_user_id,
    };

    /// A registry file with one active topic named `name`.
    fn registry_with_active_topic(
        dir: &tempfile::TempDir,
        name: &str,
    ) -> (crate::db::DbConn, TopicName) {
        let pool = crate::db::open(dir.path().join("registry.db"), 1).unwrap();
        let mut conn = pool.get().unwrap();
        let now = chrono::Utc::now().naive_utc();
        let raw = RawTopicRequest {
            name,
            ..Default::default()
        };
        let request = TopicRequest::parse(raw, 1, &TopicNamePolicy::default()).unwrap();
        let topic_name = request.name.clone();
        let topic = create(&mut conn, &NewTopic::pending(request, now), "tests", 10).unwrap();
        for step in [Transition::Approve, Transition::Activate] {
            transition(&mut conn, &TopicRef::Id(topic.id), step, "tests", None, now).unwrap();
        }
        (conn, topic_name)
    }

    #[test]
    fn statuses_and_ids_round_trip_through_the_registry_file() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, topic) = registry_with_active_topic(&dir, "round_trip");
        let alice = parse_user_id("alice").unwrap();
        let now = chrono::Utc::now().naive_utc();
        assert!(subscribe(&mut conn, &alice, &topic, "tests", now).unwrap());
        assert!(!subscribe(&mut conn, &alice, &topic, "tests", now).unwrap());
        let alices = list(&mut conn, Some(&alice)).unwrap();
        assert_eq!(alices.len(), 1);
        let written = alices[0].0.clone();
        assert_eq!(written.status, SubscriptionStatus::Active);

        // The column is plain text: what the schema allows, a row may hold.
        let column: String = user_subscriptions::table
            .select(user_subscriptions::status)
            .first(&mut conn)
            .unwrap();
        assert_eq!(column, "active");
        let bob = parse_user_id("bob").unwrap();
        subscribe(&mut conn, &bob, &topic, "tests", now).unwrap();
        for (stored, read) in [
            ("INACTIVE", SubscriptionStatus::Inactive),
            ("paused", SubscriptionStatus::Other("paused".into())),
        ] {
            diesel::update(user_subscriptions::table.filter(user_subscriptions::user_id.eq(&bob)))
                .set(user_subscriptions::status.eq(stored))
                .execute(&mut conn)
                .unwrap();
            let rows = list(&mut conn, Some(&bob)).unwrap();
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].0.status, read);
            assert_eq!(rows[0].0.user_id, bob);
            assert_eq!(rows[0].0.topic_id, written.topic_id);
        }
        assert_eq!(
            list(&mut conn, Some(&alice)).unwrap(),
            vec![(written, topic.to_string())]
        );
    }

    #[test]
    fn a_stored_user_id_is_checked_as_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, topic) = registry_with_active_topic(&dir, "checked_reads");
        let alice = parse_user_id("alice").unwrap();
        let now = chrono::Utc::now().naive_utc();
        subscribe(&mut conn, &alice, &topic, "tests", now).unwrap();
        // As a hand-edited registry might hold it: a right-to-left override.
        diesel::update(user_subscriptions::table)
            .set(user_subscriptions::user_id.eq("eve\u{202e}nimda"))
            .execute(&mut conn)
            .unwrap();
        let err = format!("{:?}", list(&mut conn, None).unwrap_err());
        assert!(err.contains("invalid user_id"), "{err}");
    }
}
