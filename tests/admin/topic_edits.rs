//! Changing a topic after its request: the admin edits a topic Kafka
//! refused so it is created again, a requester withdraws a pending
//! request, and anyone may ask for more partitions on an active topic,
//! which the admin approves or rejects. Each change is audited.

use crate::support;

use diesel::prelude::*;
use serde_json::{Value, json};
use support::admin::TestAdmin;
use support::kafka::unique_name;
use topicgate::db;
use topicgate::domain::{KafkaState, TopicStatus};

/// `(from_status, to_status, actor, reason)` of a topic's events, oldest first.
fn events_of(
    admin: &TestAdmin,
    wanted: i32,
) -> Vec<(Option<String>, String, String, Option<String>)> {
    use db::schema::topic_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((from_status, to_status, actor, reason))
        .load(&mut conn)
        .expect("topic events")
}

/// `(from_state, to_state, actor)` of a topic's Kafka events, oldest first.
fn kafka_events_of(admin: &TestAdmin, wanted: i32) -> Vec<(String, String, String)> {
    use db::schema::topic_kafka_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_kafka_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((from_state, to_state, actor))
        .load(&mut conn)
        .expect("kafka events")
}

/// An approved topic of 3 partitions, replication factor 3, that the
/// producer reported in `state`.
async fn refused_topic(admin: &TestAdmin, state: &str) -> i32 {
    let id = admin.create_topic(&unique_name("edit"), 3, 3).await;
    admin.approve(id).await;
    admin
        .report_kafka(id, &json!({"state": state, "error": "Kafka said no"}))
        .await;
    id
}

async fn edit(admin: &TestAdmin, id: i32, body: &Value, as_admin: bool) -> support::admin::Answer {
    admin
        .post(&format!("/api/topics/{id}/edit"), body, as_admin)
        .await
}

#[actix_rt::test]
async fn an_edit_of_a_failed_topic_stores_the_values_audits_them_and_retries_creation() {
    let admin = TestAdmin::spawn();
    let id = refused_topic(&admin, "failed").await;

    let answer = edit(
        &admin,
        id,
        &json!({"replication_factor": 1, "partitions": 2}),
        true,
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("edited") && !m.contains("conflict")),
        "{answer:?}"
    );
    let topic = admin.topic(id).await;
    assert_eq!(topic.status, TopicStatus::Approved);
    assert_eq!((topic.partitions, topic.replication_factor), (2, 1));
    assert_eq!(topic.kafka.state, KafkaState::NotCreated);
    assert_eq!(topic.kafka.error, None);

    let (from, to, actor, reason) = events_of(&admin, id).pop().expect("an edit event");
    assert_eq!(
        (from.as_deref(), to.as_str()),
        (Some("approved"), "approved")
    );
    assert_eq!(actor, "admin");
    let reason = reason.unwrap_or_default();
    assert!(
        reason.contains("partitions 3 -> 2") && reason.contains("replication factor 3 -> 1"),
        "{reason}"
    );
    assert_eq!(
        kafka_events_of(&admin, id).pop(),
        Some(("failed".into(), "not_created".into(), "admin".into()))
    );

    // A failure report from before the edit (a refresh sent late) cannot
    // undo it; the producer's next try starts with a claim.
    let stale = admin
        .post_as_producer(
            &format!("/api/topics/{id}/kafka"),
            &json!({"state": "failed", "error": "Kafka said no"}),
            Some(&admin.producer_key),
        )
        .await;
    assert_eq!(stale.status, 409, "{stale:?}");
    assert_eq!(admin.topic(id).await.kafka.state, KafkaState::NotCreated);
    admin.report_kafka(id, &json!({"state": "creating"})).await;

    // A field left out keeps its value.
    admin
        .report_kafka(id, &json!({"state": "failed", "error": "again"}))
        .await;
    let answer = edit(&admin, id, &json!({"partitions": 4}), true).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let topic = admin.topic(id).await;
    assert_eq!((topic.partitions, topic.replication_factor), (4, 1));
}

#[actix_rt::test]
async fn an_edited_conflict_is_retried_and_told_it_may_stay_one() {
    let admin = TestAdmin::spawn();
    let id = refused_topic(&admin, "conflict").await;
    let answer = edit(&admin, id, &json!({}), true).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let message = answer.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("conflict"), "{message}");
    assert_eq!(admin.topic(id).await.kafka.state, KafkaState::NotCreated);
}

#[actix_rt::test]
async fn an_edit_is_refused_when_invalid_unauthorised_or_of_a_topic_in_another_state() {
    let admin = TestAdmin::spawn();
    let id = refused_topic(&admin, "failed").await;
    let before = admin.topic(id).await;

    let unauthorised = edit(&admin, id, &json!({"replication_factor": 1}), false).await;
    assert_eq!(unauthorised.status, 401, "{unauthorised:?}");
    for (body, says) in [
        (json!({"partitions": 0}), "partitions"),
        (json!({"partitions": 1001}), "partitions"),
        (json!({"replication_factor": 0}), "replication_factor"),
        (json!({"replication_factor": 1000}), "replication_factor"),
        (json!({"partitions": "two"}), "partitions"),
        (json!({"replicas": 1}), "replicas"),
    ] {
        let answer = edit(&admin, id, &body, true).await;
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        let error = answer.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{body}: {error}");
    }
    // Once the cluster is known, a factor above its brokers is refused.
    let cluster = admin
        .post_as_producer(
            "/api/cluster",
            &json!({"brokers": 1}),
            Some(&admin.producer_key),
        )
        .await;
    assert_eq!(cluster.status, 200, "{cluster:?}");
    let answer = edit(&admin, id, &json!({"replication_factor": 2}), true).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        answer.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("broker")),
        "{answer:?}"
    );
    assert_eq!(
        admin.topic(id).await,
        before,
        "a refused edit changed nothing"
    );

    // Only approved topics Kafka refused or that collide can be edited.
    let pending = admin.create_topic(&unique_name("edit"), 1, 1).await;
    let approved = admin.create_topic(&unique_name("edit"), 1, 1).await;
    admin.approve(approved).await;
    let created = admin.create_topic(&unique_name("edit"), 1, 1).await;
    admin.approve(created).await;
    admin
        .report_kafka(
            created,
            &json!({"state": "created", "partitions": 1, "replication_factor": 1}),
        )
        .await;
    for other in [pending, approved, created] {
        let events = events_of(&admin, other).len();
        let answer = edit(&admin, other, &json!({"partitions": 2}), true).await;
        assert_eq!(answer.status, 409, "{answer:?}");
        assert_eq!(admin.topic(other).await.partitions, 1);
        assert_eq!(events_of(&admin, other).len(), events);
    }
    let missing = edit(&admin, 999_999, &json!({}), true).await;
    assert_eq!(missing.status, 404, "{missing:?}");
}

async fn withdraw(
    admin: &TestAdmin,
    path: &str,
    body: &Value,
    as_admin: bool,
) -> support::admin::Answer {
    admin.post(path, body, as_admin).await
}

#[actix_rt::test]
async fn a_pending_request_is_withdrawn_by_its_requester_or_the_admin_only() {
    let admin = TestAdmin::spawn();
    // `create_topic` requests as "tests".
    let id = admin.create_topic(&unique_name("withdraw"), 1, 1).await;
    let path = format!("/api/topics/{id}/withdraw");

    let nobody = withdraw(&admin, &path, &json!({}), false).await;
    assert_eq!(nobody.status, 400, "{nobody:?}");
    let someone_else = withdraw(&admin, &path, &json!({"created_by": "mallory"}), false).await;
    assert_eq!(someone_else.status, 403, "{someone_else:?}");
    assert_eq!(someone_else.body["code"], "forbidden", "{someone_else:?}");
    assert_eq!(admin.topic(id).await.status, TopicStatus::Pending);
    assert_eq!(events_of(&admin, id).len(), 1);

    // In the query string as well as in the body.
    let by_requester = withdraw(
        &admin,
        &format!("{path}?created_by=tests"),
        &json!({}),
        false,
    )
    .await;
    assert_eq!(by_requester.status, 200, "{by_requester:?}");
    assert_eq!(admin.topic(id).await.status, TopicStatus::Rejected);
    let (from, to, actor, reason) = events_of(&admin, id).pop().expect("an event");
    assert_eq!(
        (from.as_deref(), to.as_str()),
        (Some("pending"), "rejected")
    );
    assert_eq!(actor, "anonymous (created_by: tests)");
    assert_eq!(reason.as_deref(), Some("withdrawn by tests"));
    let again = withdraw(&admin, &path, &json!({"created_by": "tests"}), false).await;
    assert_eq!(again.status, 409, "{again:?}");

    let other = admin.create_topic(&unique_name("withdraw"), 1, 1).await;
    let by_admin = withdraw(
        &admin,
        &format!("/api/topics/{other}/withdraw"),
        &json!({}),
        true,
    )
    .await;
    assert_eq!(by_admin.status, 200, "{by_admin:?}");
    let (_, _, actor, reason) = events_of(&admin, other).pop().expect("an event");
    assert_eq!(
        (actor.as_str(), reason.as_deref()),
        ("admin", Some("withdrawn by admin"))
    );

    // Approved is past withdrawing, even for its requester.
    let approved = admin.create_topic(&unique_name("withdraw"), 1, 1).await;
    admin.approve(approved).await;
    let late = withdraw(
        &admin,
        &format!("/api/topics/{approved}/withdraw"),
        &json!({"created_by": "tests"}),
        false,
    )
    .await;
    assert_eq!(late.status, 409, "{late:?}");
    assert_eq!(admin.topic(approved).await.status, TopicStatus::Approved);
}

/// An active topic of 3 partitions.
async fn active_topic(admin: &TestAdmin) -> i32 {
    let name = unique_name("grow");
    let id = admin.create_topic(&name, 3, 1).await;
    admin.approve(id).await;
    admin
        .report_kafka(
            id,
            &json!({"state": "created", "partitions": 3, "replication_factor": 1}),
        )
        .await;
    admin.activate(&name).await;
    id
}

async fn ask_partitions(admin: &TestAdmin, id: i32, body: &Value) -> support::admin::Answer {
    admin
        .post(&format!("/api/topics/{id}/partitions"), body, false)
        .await
}

#[actix_rt::test]
async fn more_partitions_are_requested_by_anyone_and_decided_by_the_admin() {
    let admin = TestAdmin::spawn();
    let id = active_topic(&admin).await;

    for (body, status) in [
        (json!({"partitions": 3}), 400),
        (json!({"partitions": 2}), 400),
        (json!({"partitions": 1001}), 400),
        (json!({"partitions": "six"}), 400),
        (json!({}), 400),
        (
            json!({"partitions": 6, "requested_by": "bad\u{7}name"}),
            400,
        ),
    ] {
        let answer = ask_partitions(&admin, id, &body).await;
        assert_eq!(answer.status, status, "{body}: {answer:?}");
        assert!(answer.body["error"].is_string(), "{answer:?}");
    }
    let approved_only = admin.create_topic(&unique_name("grow"), 1, 1).await;
    admin.approve(approved_only).await;
    let not_active = ask_partitions(&admin, approved_only, &json!({"partitions": 2})).await;
    assert_eq!(not_active.status, 409, "{not_active:?}");
    assert_eq!(
        not_active.body["code"], "topic_not_active",
        "{not_active:?}"
    );
    let listed = admin.get("/api/topic-changes").await;
    assert_eq!(listed.body, json!([]), "refusals recorded nothing");

    let asked = ask_partitions(
        &admin,
        id,
        &json!({"partitions": 6, "requested_by": "alice"}),
    )
    .await;
    assert_eq!(asked.status, 201, "{asked:?}");
    assert_eq!(asked.body["status"], "pending");
    assert_eq!(
        asked.body["requested_by"],
        "anonymous (requested_by: alice)"
    );
    assert_eq!(
        (&asked.body["partitions_from"], &asked.body["partitions_to"]),
        (&json!(3), &json!(6))
    );
    let change = asked.body["change_id"].as_i64().expect("change_id");
    let twice = ask_partitions(&admin, id, &json!({"partitions": 8})).await;
    assert_eq!(
        twice.status, 409,
        "one pending request per topic: {twice:?}"
    );
    let pending = admin.get("/api/topic-changes?status=pending").await;
    assert_eq!(
        pending.body.as_array().map(Vec::len),
        Some(1),
        "{pending:?}"
    );
    let bad_filter = admin.get("/api/topic-changes?status=maybe").await;
    assert_eq!(bad_filter.status, 400, "{bad_filter:?}");
    assert_eq!(admin.topic(id).await.partitions, 3, "not before approval");

    let approve_path = format!("/api/topic-changes/{change}/approve");
    let unauthorised = admin.post(&approve_path, &json!({}), false).await;
    assert_eq!(unauthorised.status, 401, "{unauthorised:?}");
    let approved = admin.post(&approve_path, &json!({}), true).await;
    assert_eq!(approved.status, 200, "{approved:?}");
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["decided_by"], "admin");
    let topic = admin.topic(id).await;
    assert_eq!(topic.partitions, 6);
    assert_eq!(topic.status, TopicStatus::Active);
    let (_, to, actor, reason) = events_of(&admin, id).pop().expect("an event");
    assert_eq!((to.as_str(), actor.as_str()), ("active", "admin"));
    assert!(
        reason.is_some_and(|r| r.contains("partitions 3 -> 6") && r.contains("alice")),
        "audited"
    );
    let again = admin.post(&approve_path, &json!({}), true).await;
    assert_eq!(again.status, 409, "{again:?}");

    // A rejection changes nothing but the request, and keeps its reason.
    let asked = ask_partitions(&admin, id, &json!({"partitions": 8})).await;
    assert_eq!(asked.status, 201, "{asked:?}");
    let change = asked.body["change_id"].as_i64().expect("change_id");
    let rejected = admin
        .post(
            &format!("/api/topic-changes/{change}/reject"),
            &json!({"reason": "not needed"}),
            true,
        )
        .await;
    assert_eq!(rejected.status, 200, "{rejected:?}");
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["reason"], "not needed");
    assert_eq!(admin.topic(id).await.partitions, 6);
    let missing = admin
        .post("/api/topic-changes/999999/approve", &json!({}), true)
        .await;
    assert_eq!(missing.status, 404, "{missing:?}");
}
