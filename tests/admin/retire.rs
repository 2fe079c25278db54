//! Deleting topics: who may, which topics, what stays on record, and the
//! migration that makes room for it on an existing registry.

use crate::support;

use diesel::prelude::*;
use serde_json::json;
use support::admin::TestAdmin;
use topicgate::db;

async fn delete(admin: &TestAdmin, id: i32) -> support::admin::Answer {
    admin
        .post(&format!("/api/topics/{id}/delete"), &json!({}), true)
        .await
}

async fn subscribe(admin: &TestAdmin, user: &str, topic: &str) -> support::admin::Answer {
    admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": user, "topic_name": topic}),
            false,
        )
        .await
}

/// `(user_id, action, actor)` of a topic's subscription events, oldest first.
fn subscription_trail(admin: &TestAdmin, wanted: i32) -> Vec<(String, String, String)> {
    use topicgate::db::schema::subscription_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    subscription_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((user_id, action, actor))
        .load(&mut conn)
        .expect("subscription events")
}

/// `(from_status, to_status, actor, reason)` of a topic, oldest first.
fn status_trail(
    admin: &TestAdmin,
    wanted: i32,
) -> Vec<(Option<String>, String, String, Option<String>)> {
    use topicgate::db::schema::topic_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((from_status, to_status, actor, reason))
        .load(&mut conn)
        .expect("topic events")
}

#[actix_rt::test]
async fn only_topics_kafka_does_not_hold_for_topicgate_can_be_deleted() {
    let admin = TestAdmin::spawn();
    let pending = admin.create_topic("d-pending", 1, 1).await;
    let active = admin.create_topic("d-active", 1, 1).await;
    admin.approve(active).await;
    admin.activate("d-active").await;
    let approved = admin.create_topic("d-approved", 1, 1).await;
    admin.approve(approved).await;
    let creating = admin.create_topic("d-creating", 1, 1).await;
    admin.approve(creating).await;
    admin
        .report_kafka(creating, &json!({"state": "creating"}))
        .await;
    for (id, status, hint) in [
        (
            pending,
            "pending",
            "cannot delete a topic whose status is pending",
        ),
        (
            active,
            "active",
            "cannot delete a topic whose status is active",
        ),
        (approved, "approved", "Kafka state not_created"),
        (creating, "approved", "Kafka state creating"),
    ] {
        let answer = delete(&admin, id).await;
        assert_eq!(answer.status, 409, "{status}: {answer:?}");
        let error = answer.body["error"].as_str().expect("an error message");
        assert!(error.contains(hint), "{status}: {error}");
        assert_eq!(admin.topic(id).await.status.as_str(), status);
    }

    // Without the admin token, or with a body that is no JSON: refused,
    // nothing changed.
    let rejected = admin.create_topic("d-rejected", 1, 1).await;
    admin.reject(rejected).await;
    let anonymous = admin
        .post(&format!("/api/topics/{rejected}/delete"), &json!({}), false)
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    let garbled = awc::Client::default()
        .post(admin.url(&format!("/api/topics/{rejected}/delete")))
        .bearer_auth(&admin.admin_token)
        .insert_header(("Content-Type", "application/json"))
        .send_body("{not json")
        .await
        .expect("an answer");
    assert_eq!(garbled.status().as_u16(), 400);
    assert_eq!(admin.topic(rejected).await.status.as_str(), "rejected");
    assert_eq!(delete(&admin, 99_999).await.status, 404);

    // Rejected, inactive, and approved but refused by Kafka or in
    // conflict with a foreign topic: deleted.
    let inactive = admin.create_topic("d-inactive", 1, 1).await;
    admin.approve(inactive).await;
    admin.activate("d-inactive").await;
    admin.deactivate(inactive).await;
    let failed = admin.create_topic("d-failed", 1, 1).await;
    admin.approve(failed).await;
    admin
        .report_kafka(failed, &json!({"state": "failed", "error": "no"}))
        .await;
    let conflict = admin.create_topic("d-conflict", 1, 1).await;
    admin.approve(conflict).await;
    admin
        .report_kafka(conflict, &json!({"state": "conflict", "error": "foreign"}))
        .await;
    for id in [rejected, inactive, failed, conflict] {
        let answer = delete(&admin, id).await;
        assert_eq!(answer.status, 200, "{id}: {answer:?}");
        assert_eq!(admin.topic(id).await.status.as_str(), "deleted");
    }
    let again = delete(&admin, rejected).await;
    assert_eq!(again.status, 409, "{again:?}");
    assert!(
        again.body["error"]
            .as_str()
            .unwrap()
            .contains("deleted is a final status"),
        "{again:?}"
    );
}

#[actix_rt::test]
async fn a_deleted_topic_keeps_its_record_and_trail_loses_its_readers_and_frees_its_name() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("orders.eu", 2, 1).await;
    admin.approve(id).await;
    admin.activate("orders.eu").await;
    for user in ["alice", "bob"] {
        assert_eq!(subscribe(&admin, user, "orders.eu").await.status, 201);
    }
    admin.deactivate(id).await;
    let answer = admin
        .post(
            &format!("/api/topics/{id}/delete"),
            &json!({"reason": "retired with the EU shop"}),
            true,
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["message"], "Topic 'orders.eu' deleted");

    let topic = admin.topic(id).await;
    assert_eq!(topic.status.as_str(), "deleted");
    assert_eq!(
        (topic.topic_name.as_str(), topic.partitions),
        ("orders.eu", 2)
    );
    let active = admin.get("/api/topics/active").await;
    assert!(!active.body.to_string().contains("orders.eu"), "{active:?}");
    let trail = status_trail(&admin, id);
    assert_eq!(trail.len(), 5, "{trail:?}");
    assert_eq!(
        trail[4],
        (
            Some("inactive".to_owned()),
            "deleted".to_owned(),
            "admin".to_owned(),
            Some("retired with the EU shop".to_owned())
        )
    );

    // Its readers are gone, each removal audited.
    let subscriptions = admin.get("/api/subscriptions").await;
    assert_eq!(subscriptions.body, json!([]), "{subscriptions:?}");
    let removals: Vec<_> = subscription_trail(&admin, id)
        .into_iter()
        .filter(|(_, action, _)| action == "deleted")
        .collect();
    assert_eq!(
        removals,
        [
            ("alice".to_owned(), "deleted".to_owned(), "admin".to_owned()),
            ("bob".to_owned(), "deleted".to_owned(), "admin".to_owned()),
        ]
    );
    let refused = subscribe(&admin, "carol", "orders.eu").await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert!(refused.body["error"].as_str().unwrap().contains("deleted"));

    // The name, and names Kafka would take for it, may be requested again;
    // the new topic is a topic of its own, and holds the name from then on.
    let again = admin.create_topic("orders.eu", 1, 1).await;
    assert_ne!(again, id);
    let twin = admin
        .post(
            "/api/topics",
            &json!({"name": "orders_eu", "created_by": "tests"}),
            false,
        )
        .await;
    assert_eq!(twin.status, 409, "{twin:?}");
    admin.approve(again).await;
    admin.activate("orders.eu").await;
    assert_eq!(subscribe(&admin, "carol", "orders.eu").await.status, 201);
    assert_eq!(admin.topic(id).await.status.as_str(), "deleted");
    assert_eq!(
        subscription_trail(&admin, id).len(),
        6,
        "2 subscribed, 2 deactivated, 2 deleted"
    );
    assert_eq!(
        subscription_trail(&admin, again),
        [(
            "carol".to_owned(),
            "subscribed".to_owned(),
            "anonymous (user_id: carol)".to_owned()
        )]
    );
    let stats = admin.get("/api/stats").await;
    assert_eq!(stats.body["total_topics"], 1, "{stats:?}");
}

#[actix_rt::test]
async fn the_rebuild_of_topics_keeps_every_row_and_link_of_an_older_registry() {
    use diesel_migrations::MigrationHarness;
    use topicgate::db::schema::{
        subscription_events, topic_events, topic_kafka_events, topics, user_subscriptions,
    };

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older-registry.db");
    let count_all = |conn: &mut SqliteConnection| -> [i64; 5] {
        [
            topics::table.count().get_result(conn).unwrap(),
            user_subscriptions::table.count().get_result(conn).unwrap(),
            topic_events::table.count().get_result(conn).unwrap(),
            topic_kafka_events::table.count().get_result(conn).unwrap(),
            subscription_events::table.count().get_result(conn).unwrap(),
        ]
    };
    let before;
    {
        // The registry as the previous release left it, filled through the
        // API of that release's schema: five migrations.
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        for _ in 0..5 {
            conn.run_next_migration(db::MIGRATIONS).unwrap();
        }
        let now = chrono::Utc::now().naive_utc();
        for (id, name, status) in [(1, "kept_on", "active"), (2, "kept_off", "inactive")] {
            diesel::insert_into(topics::table)
                .values((
                    topics::id.eq(id),
                    topics::name.eq(name),
                    topics::status.eq(status),
                    topics::partitions.eq(1),
                    topics::replication_factor.eq(1),
                    topics::data_type.eq("sensor"),
                    topics::created_by.eq("tests"),
                    topics::description.eq(""),
                    topics::created_at.eq(now),
                    topics::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(user_subscriptions::table)
                .values((
                    user_subscriptions::user_id.eq("alice"),
                    user_subscriptions::topic_id.eq(id),
                    user_subscriptions::subscribed_at.eq(now),
                    user_subscriptions::status.eq("active"),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(topic_events::table)
                .values((
                    topic_events::topic_id.eq(id),
                    topic_events::to_status.eq(status),
                    topic_events::actor.eq("tests"),
                    topic_events::at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(topic_kafka_events::table)
                .values((
                    topic_kafka_events::topic_id.eq(id),
                    topic_kafka_events::from_state.eq("creating"),
                    topic_kafka_events::to_state.eq("created"),
                    topic_kafka_events::actor.eq("producer"),
                    topic_kafka_events::at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(subscription_events::table)
                .values((
                    subscription_events::topic_id.eq(id),
                    subscription_events::user_id.eq("alice"),
                    subscription_events::action.eq("subscribed"),
                    subscription_events::actor.eq("tests"),
                    subscription_events::at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        before = count_all(&mut conn);
    }
    assert_eq!(before, [2, 2, 2, 2, 2]);

    // Opened as the service opens it: foreign keys on, the rest migrated.
    let admin = TestAdmin::spawn_with(|settings| settings.database_url = path.clone().into());
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    assert_eq!(count_all(&mut conn), before);
    #[derive(QueryableByName, Debug)]
    struct Violation {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table: String,
    }
    let violations: Vec<String> = diesel::sql_query("PRAGMA foreign_key_check")
        .load::<Violation>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|v| v.table)
        .collect();
    assert!(violations.is_empty(), "{violations:?}");

    // The links still lead where they did: deleting the inactive topic
    // through the API reaches its subscription and keeps every trail.
    assert_eq!(delete(&admin, 2).await.status, 200);
    assert_eq!(
        count_all(&mut conn),
        [2, 1, 3, 2, 3],
        "one subscription removed, its removal and the deletion audited"
    );
    assert_eq!(admin.topic(1).await.status.as_str(), "active");
    let still = admin.get("/api/subscriptions").await;
    assert_eq!(still.body.as_array().map(Vec::len), Some(1), "{still:?}");
}

#[actix_rt::test]
async fn reverting_the_rebuild_keeps_deleted_topics_as_rejected_with_their_links() {
    use diesel_migrations::MigrationHarness;
    use topicgate::db::schema::{subscription_events, topic_events, topics};

    let admin = TestAdmin::spawn();
    let id = admin.create_topic("reverted", 1, 1).await;
    admin.approve(id).await;
    admin.activate("reverted").await;
    assert_eq!(subscribe(&admin, "alice", "reverted").await.status, 201);
    admin.deactivate(id).await;
    assert_eq!(delete(&admin, id).await.status, 200);
    admin.stop(true).await;

    // With foreign keys on, as every registry connection has them.
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    let events_before: i64 = topic_events::table.count().get_result(&mut conn).unwrap();
    // Later migrations go first, down to and including the rebuild.
    loop {
        let migrations = db::migrations_for(&conn);
        let reverted = conn.revert_last_migration(migrations).unwrap();
        if reverted
            .to_string()
            .replace('-', "")
            .starts_with("20261127000006")
        {
            break;
        }
    }
    let status: String = topics::table
        .find(id)
        .select(topics::status)
        .first(&mut conn)
        .unwrap();
    assert_eq!(status, "rejected");
    let events_after: i64 = topic_events::table.count().get_result(&mut conn).unwrap();
    assert_eq!(events_after, events_before);
    let actions: Vec<String> = subscription_events::table
        .order(subscription_events::id.asc())
        .select(subscription_events::action)
        .load(&mut conn)
        .unwrap();
    assert_eq!(actions, ["subscribed", "deactivated", "unsubscribed"]);
    // And forward again: the registry opens as before.
    db::migrate(&mut conn).unwrap();
}
