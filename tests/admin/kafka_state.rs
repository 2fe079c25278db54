//! The registry's side of Kafka reconciliation: the producer reports where
//! each topic stands in Kafka and what the cluster looks like; the registry
//! stores, audits and shows it.

use crate::support;

use diesel::prelude::*;
use serde_json::{Value, json};
use support::admin::TestAdmin;
use topicgate::db;
use topicgate::domain::{KafkaState, MAX_KAFKA_ERROR_LEN, TopicStatus};

/// `(from_state, to_state, error, actor)` of a topic's Kafka events, oldest first.
fn kafka_events_of(
    admin: &TestAdmin,
    wanted: i32,
) -> Vec<(String, String, Option<String>, String)> {
    use db::schema::topic_kafka_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_kafka_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((from_state, to_state, error, actor))
        .load(&mut conn)
        .expect("kafka events")
}

/// The change feed's version now.
async fn feed_version(admin: &TestAdmin) -> u64 {
    let answer = admin.get("/api/topics/changes").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["version"].as_u64().expect("a version")
}

async fn approved_topic(admin: &TestAdmin, prefix: &str) -> i32 {
    let id = admin
        .create_topic(&support::kafka::unique_name(prefix), 1, 1)
        .await;
    admin.approve(id).await;
    id
}

#[actix_rt::test]
async fn a_kafka_report_needs_the_producer_key() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-key").await;
    let path = format!("/api/topics/{id}/kafka");
    let report = json!({"state": "failed", "error": "forged"});
    let none = admin.post_as_producer(&path, &report, None).await;
    assert_eq!(none.status, 401, "{none:?}");
    assert!(none.body["error"].is_string(), "{none:?}");
    let wrong = admin
        .post_as_producer(&path, &report, Some("not-the-producer-key"))
        .await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let admin_token = admin
        .post_as_producer(&path, &report, Some(&admin.admin_token))
        .await;
    assert_eq!(admin_token.status, 401, "{admin_token:?}");
    // The admin's bearer token does not stand in for the key either.
    let as_admin = admin.post(&path, &report, true).await;
    assert_eq!(as_admin.status, 401, "{as_admin:?}");

    let topic = admin.topic(id).await;
    assert_eq!(topic.kafka.state, KafkaState::NotCreated);
    assert_eq!(topic.kafka.error, None);
    assert!(kafka_events_of(&admin, id).is_empty());
}

#[actix_rt::test]
async fn a_bad_kafka_report_is_refused_and_changes_nothing() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-bad").await;
    let key = Some(admin.producer_key.as_str());
    let path = format!("/api/topics/{id}/kafka");
    for (body, field) in [
        (json!({"state": "exploded"}), "state"),
        (json!({"error": "no state"}), "state"),
        (json!({"state": "created", "partitions": 0}), "partitions"),
        (
            json!({"state": "created", "partitions": 3, "replication_factor": -1}),
            "replication_factor",
        ),
        (
            json!({"state": "created", "partitions": "three"}),
            "partitions",
        ),
        (json!("created"), ""),
    ] {
        let answer = admin.post_as_producer(&path, &body, key).await;
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        let error = answer.body["error"].as_str().expect("an error message");
        assert!(error.contains(field), "{body}: {error}");
    }
    let unknown = admin
        .post_as_producer(
            "/api/topics/999999/kafka",
            &json!({"state": "created"}),
            key,
        )
        .await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    assert_eq!(unknown.body["code"], "topic_not_found", "{unknown:?}");

    let topic = admin.topic(id).await;
    assert_eq!(topic.kafka, Default::default());
    assert!(kafka_events_of(&admin, id).is_empty());
}

#[actix_rt::test]
async fn repeated_reports_are_audited_once_and_a_change_again() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-audit").await;

    let creating = admin.report_kafka(id, &json!({"state": "creating"})).await;
    assert_eq!(creating.kafka.state, KafkaState::Creating);
    let first_check = creating.kafka.checked_at.expect("stamped");

    let refusal = json!({
        "state": "failed",
        "error": "Replication factor: 3 larger than available brokers: 1.",
    });
    let version = feed_version(&admin).await;
    let failed = admin.report_kafka(id, &refusal).await;
    let after_change = feed_version(&admin).await;
    assert!(after_change > version, "a change moves the feed");
    let again = admin.report_kafka(id, &refusal).await;
    assert_eq!(
        feed_version(&admin).await,
        after_change,
        "a repeated report does not wake the feed"
    );
    assert_eq!(again.kafka.state, KafkaState::Failed);
    assert_eq!(again.kafka.error, failed.kafka.error);
    assert!(again.kafka.checked_at >= failed.kafka.checked_at);
    assert!(failed.kafka.checked_at >= Some(first_check));

    // A different error is a change of its own, even in the same state.
    admin
        .report_kafka(
            id,
            &json!({"state": "failed", "error": "Topic name is invalid"}),
        )
        .await;
    assert_eq!(
        kafka_events_of(&admin, id),
        [
            (
                "not_created".into(),
                "creating".into(),
                None,
                "producer".into()
            ),
            (
                "creating".into(),
                "failed".into(),
                Some("Replication factor: 3 larger than available brokers: 1.".into()),
                "producer".into()
            ),
            (
                "failed".into(),
                "failed".into(),
                Some("Topic name is invalid".into()),
                "producer".into()
            ),
        ]
    );

    // The sizes alone move the feed (the dashboard shows them) but are
    // not worth an audit event.
    let created = admin
        .report_kafka(
            id,
            &json!({"state": "created", "partitions": 1, "replication_factor": 1}),
        )
        .await;
    let before_resize = feed_version(&admin).await;
    admin
        .report_kafka(
            id,
            &json!({"state": "created", "partitions": 4, "replication_factor": 1}),
        )
        .await;
    assert!(feed_version(&admin).await > before_resize);
    assert_eq!(created.kafka.error, None, "a success clears the error");
    assert_eq!(kafka_events_of(&admin, id).len(), 4);
}

#[actix_rt::test]
async fn kafka_error_text_is_cleaned_and_capped() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-text").await;
    let hostile = format!(
        "Broker:\r\n\u{1b}[31mPolicy\u{202e} violation\u{200b}\t{}",
        "x".repeat(5_000)
    );
    let topic = admin
        .report_kafka(id, &json!({"state": "failed", "error": hostile}))
        .await;
    let error = topic.kafka.error.expect("an error");
    assert!(
        error.starts_with("Broker: [31mPolicy violation xxx"),
        "{error}"
    );
    assert!(error.ends_with('…'), "{error}");
    assert_eq!(error.chars().count(), MAX_KAFKA_ERROR_LEN);
    assert!(!error.chars().any(char::is_control), "{error:?}");
    let events = kafka_events_of(&admin, id);
    assert_eq!(events[0].2.as_deref(), Some(error.as_str()));
}

#[actix_rt::test]
async fn the_kafka_side_shows_in_every_topic_answer() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-shown").await;
    let untouched = approved_topic(&admin, "kafka-untouched").await;
    admin
        .report_kafka(
            id,
            &json!({"state": "created", "partitions": 1, "replication_factor": 1}),
        )
        .await;

    let one = admin.get(&format!("/api/topics/{id}")).await;
    assert_eq!(one.status, 200);
    let kafka = &one.body["kafka"];
    assert_eq!(kafka["state"], "created", "{one:?}");
    assert_eq!(kafka["partitions"], 1);
    assert_eq!(kafka["replication_factor"], 1);
    assert!(kafka["error"].is_null());
    assert!(kafka["checked_at"].is_string(), "{kafka}");

    let all = admin.get("/api/topics").await;
    let by_id = |wanted: i32| -> Value {
        all.body
            .as_array()
            .expect("a list")
            .iter()
            .find(|t| t["topic_id"] == wanted)
            .expect("listed")["kafka"]
            .clone()
    };
    assert_eq!(by_id(id), *kafka);
    assert_eq!(
        by_id(untouched),
        json!({"state": "not_created", "error": null, "partitions": null,
               "replication_factor": null, "checked_at": null})
    );
}

#[actix_rt::test]
async fn kafka_state_changes_show_in_the_dashboards_recent_activity() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-activity").await;
    admin.report_kafka(id, &json!({"state": "creating"})).await;
    admin
        .report_kafka(
            id,
            &json!({"state": "failed", "error": "Policy <b>violation</b>"}),
        )
        .await;
    let mut response = awc::Client::default()
        .get(admin.url("/"))
        .send()
        .await
        .expect("the dashboard answers");
    assert_eq!(response.status().as_u16(), 200);
    let html = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    let activity = &html[html.find("id=\"activity\"").expect("an activity list")..];
    let text: String = activity.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("Kafka: creating &rarr; <span class=\"kafka failed\">failed</span>: Policy &lt;b&gt;violation&lt;/b&gt;")
            || text.contains("Kafka: creating → <span class=\"kafka failed\">failed</span>: Policy &lt;b&gt;violation&lt;/b&gt;"),
        "{text}"
    );
    assert!(text.contains("Kafka: not_created"), "{text}");
}

#[actix_rt::test]
async fn topics_the_old_producer_created_migrate_as_created() {
    use diesel_migrations::MigrationHarness;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old-registry.db");
    {
        // The registry as it was before the Kafka columns.
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        for _ in 0..3 {
            conn.run_next_migration(db::MIGRATIONS).unwrap();
        }
        let now = chrono::Utc::now().naive_utc();
        for (name, status) in [
            ("old_pending", "pending"),
            ("old_approved", "approved"),
            ("old_active", "active"),
            ("old_inactive", "inactive"),
            ("old_rejected", "rejected"),
        ] {
            diesel::sql_query(
                "INSERT INTO topics (name, status, data_type, created_by, created_at, updated_at)
                 VALUES (?, ?, 'logs', 'tests', ?, ?)",
            )
            .bind::<diesel::sql_types::Text, _>(name)
            .bind::<diesel::sql_types::Text, _>(status)
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .execute(&mut conn)
            .unwrap();
        }
    }
    let admin = TestAdmin::spawn_with(|settings| settings.database_url = path.clone().into());
    let mut states: Vec<(String, TopicStatus, KafkaState)> = admin
        .topics()
        .await
        .into_iter()
        .map(|t| (t.topic_name, t.status, t.kafka.state))
        .collect();
    states.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        states,
        [
            (
                "old_active".into(),
                TopicStatus::Active,
                KafkaState::Created
            ),
            (
                "old_approved".into(),
                TopicStatus::Approved,
                KafkaState::NotCreated
            ),
            (
                "old_inactive".into(),
                TopicStatus::Inactive,
                KafkaState::Created
            ),
            (
                "old_pending".into(),
                TopicStatus::Pending,
                KafkaState::NotCreated
            ),
            (
                "old_rejected".into(),
                TopicStatus::Rejected,
                KafkaState::NotCreated
            ),
        ]
    );
}

#[actix_rt::test]
async fn the_cluster_report_is_kept_and_shown_to_anyone() {
    let admin = TestAdmin::spawn();
    let empty = admin.get("/api/cluster").await;
    assert_eq!(empty.status, 200, "{empty:?}");
    assert_eq!(
        empty.body,
        json!({"brokers": null, "controller": null, "kafka_version": null,
               "producer_seen_at": null, "producers": []})
    );

    let report = json!({"brokers": 3, "controller": 1, "kafka_version": "3.9.0"});
    let none = admin.post_as_producer("/api/cluster", &report, None).await;
    assert_eq!(none.status, 401, "{none:?}");
    let wrong = admin
        .post_as_producer("/api/cluster", &report, Some("wrong"))
        .await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let key = Some(admin.producer_key.as_str());
    for (bad, field) in [
        (json!({"brokers": 0}), "brokers"),
        (json!({"brokers": -2}), "brokers"),
        (json!({"brokers": 1_000_000}), "brokers"),
        (json!({"brokers": 1, "controller": -1}), "controller"),
        (
            json!({"brokers": 1, "kafka_version": "3.9\u{1b}[2J"}),
            "kafka_version",
        ),
        (
            json!({"brokers": 1, "kafka_version": "9".repeat(65)}),
            "kafka_version",
        ),
        (json!({"controller": 1}), "brokers"),
        (
            json!({"brokers": 1, "instance_id": "east\u{7}"}),
            "instance_id",
        ),
        (
            json!({"brokers": 1, "instance_id": "e".repeat(101)}),
            "instance_id",
        ),
        (json!({"brokers": 1, "instance_id": "  "}), "instance_id"),
        (
            json!({"brokers": 1, "instance_id": "east", "owned_topics": ["ok", "a/b"]}),
            "owned_topics",
        ),
    ] {
        let answer = admin.post_as_producer("/api/cluster", &bad, key).await;
        assert_eq!(answer.status, 400, "{bad}: {answer:?}");
        let error = answer.body["error"].as_str().expect("an error");
        assert!(error.contains(field), "{bad}: {error}");
    }
    assert_eq!(admin.get("/api/cluster").await.body, empty.body);

    let taken = admin.post_as_producer("/api/cluster", &report, key).await;
    assert_eq!(taken.status, 200, "{taken:?}");
    let shown = admin.get("/api/cluster").await;
    assert_eq!(shown.body, taken.body);
    assert_eq!(shown.body["brokers"], 3);
    assert_eq!(shown.body["controller"], 1);
    assert_eq!(shown.body["kafka_version"], "3.9.0");
    let seen: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(shown.body["producer_seen_at"].clone()).expect("a time");
    assert!(seen <= chrono::Utc::now());
    assert_eq!(
        shown.body["producers"],
        json!([]),
        "an old producer names no one"
    );

    // Daemons that name themselves are listed with what they generate.
    for (id, owned) in [("east", json!(["b", "a"])), ("west", json!(["c"]))] {
        let report = json!({"brokers": 3, "instance_id": id, "owned_topics": owned});
        let taken = admin.post_as_producer("/api/cluster", &report, key).await;
        assert_eq!(taken.status, 200, "{taken:?}");
    }
    let producers = admin.get("/api/cluster").await.body["producers"].clone();
    let listed: Vec<(String, Value)> = producers
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (
                p["instance_id"].as_str().unwrap().to_owned(),
                p["owned_topics"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("east".to_owned(), json!(["a", "b"])),
            ("west".to_owned(), json!(["c"]))
        ]
    );
}

/// `(from_status, to_status, reason)` of a topic's life-cycle events.
pub(crate) fn status_events_of(
    admin: &TestAdmin,
    wanted: i32,
) -> Vec<(Option<String>, String, Option<String>)> {
    use db::schema::topic_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((from_status, to_status, reason))
        .load(&mut conn)
        .expect("events")
}

async fn reject(admin: &TestAdmin, id: i32, reason: &str) -> support::admin::Answer {
    admin
        .post(
            &format!("/api/topics/{id}/reject"),
            &json!({"reason": reason}),
            true,
        )
        .await
}

#[actix_rt::test]
async fn an_approved_topic_is_rejected_only_while_kafka_does_not_have_it() {
    let admin = TestAdmin::spawn();

    // Nothing asked of Kafka yet: rejecting leaves nothing behind.
    let untouched = approved_topic(&admin, "reject-untouched").await;
    let answer = reject(&admin, untouched, "not needed after all").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(admin.topic(untouched).await.status, TopicStatus::Rejected);

    let id = approved_topic(&admin, "reject-kafka").await;
    for state in ["creating", "created"] {
        admin.report_kafka(id, &json!({"state": state})).await;
        let before = status_events_of(&admin, id).len();
        let refused = reject(&admin, id, "too late").await;
        assert_eq!(refused.status, 409, "{state}: {refused:?}");
        assert_eq!(refused.body["code"], "kafka_topic_exists", "{refused:?}");
        let error = refused.body["error"].as_str().unwrap();
        assert!(error.contains("deactivate"), "{error}");
        assert_eq!(admin.topic(id).await.status, TopicStatus::Approved);
        assert_eq!(
            status_events_of(&admin, id).len(),
            before,
            "a refusal wrote"
        );
    }

    admin
        .report_kafka(
            id,
            &json!({"state": "failed", "error": "Replication factor larger than brokers"}),
        )
        .await;
    let answer = reject(&admin, id, "the cluster is too small for it").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let topic = admin.topic(id).await;
    assert_eq!(topic.status, TopicStatus::Rejected);
    assert_eq!(
        status_events_of(&admin, id).last().unwrap(),
        &(
            Some("approved".into()),
            "rejected".into(),
            Some("the cluster is too small for it".into())
        )
    );

    // A reconciler that still had it queued cannot claim it any more, so
    // it never creates a rejected topic.
    let key = Some(admin.producer_key.as_str());
    let late = admin
        .post_as_producer(
            &format!("/api/topics/{id}/kafka"),
            &json!({"state": "creating"}),
            key,
        )
        .await;
    assert_eq!(late.status, 409, "{late:?}");
    assert_eq!(admin.topic(id).await.kafka.state, KafkaState::Failed);
    let pending = admin
        .create_topic(&support::kafka::unique_name("claim-pending"), 1, 1)
        .await;
    let early = admin
        .post_as_producer(
            &format!("/api/topics/{pending}/kafka"),
            &json!({"state": "creating"}),
            key,
        )
        .await;
    assert_eq!(early.status, 409, "{early:?}");
    assert_eq!(
        admin.topic(pending).await.kafka.state,
        KafkaState::NotCreated
    );
}

#[actix_rt::test]
async fn a_conflict_report_for_a_topic_topicgate_claimed_or_created_is_refused() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "claimed").await;
    let name = admin.topic(id).await.topic_name;
    let key = Some(admin.producer_key.as_str());
    let conflict = json!({"state": "conflict", "error": "found in Kafka with 1 partition",
                          "partitions": 1, "replication_factor": 1});
    // One daemon claimed it; another, answered before the claim, then
    // finds the new topic in Kafka and takes it for a foreign one.
    for state in ["creating", "created"] {
        admin.report_kafka(id, &json!({"state": state})).await;
        let late = admin
            .post_as_producer(&format!("/api/topics/{id}/kafka"), &conflict, key)
            .await;
        assert_eq!(late.status, 409, "{late:?}");
        assert!(
            late.body["error"].as_str().unwrap().contains("its own"),
            "{late:?}"
        );
        assert_eq!(admin.topic(id).await.kafka.state.as_str(), state);
    }
    let activated = admin
        .post_as_producer(
            "/api/topics/activate_by_name",
            &json!({"topic_name": name}),
            key,
        )
        .await;
    assert_eq!(activated.status, 200, "{activated:?}");
}

#[actix_rt::test]
async fn a_topic_whose_name_a_foreign_kafka_topic_holds_is_never_activated() {
    let admin = TestAdmin::spawn();
    let name = support::kafka::unique_name("foreign");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    admin
        .report_kafka(
            id,
            &json!({"state": "conflict", "error": "found in Kafka with 6 partitions",
                    "partitions": 6, "replication_factor": 1}),
        )
        .await;
    let refused = admin
        .post_as_producer(
            "/api/topics/activate_by_name",
            &json!({"topic_name": name}),
            Some(&admin.producer_key),
        )
        .await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert_eq!(refused.body["code"], "kafka_conflict", "{refused:?}");
    let topic = admin.topic(id).await;
    assert_eq!(topic.status, TopicStatus::Approved);
    assert_eq!(topic.activated_at, None);
    // The admin may reject it from there.
    let answer = reject(&admin, id, "the name belongs to another team").await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[actix_rt::test]
async fn a_replication_factor_above_the_cluster_is_refused_once_its_size_is_known() {
    let admin = TestAdmin::spawn();
    // Unknown cluster: only the configured limit (3) applies.
    admin
        .create_topic(&support::kafka::unique_name("rf-unknown"), 1, 3)
        .await;
    let key = Some(admin.producer_key.as_str());
    let reported = admin
        .post_as_producer("/api/cluster", &json!({"brokers": 1}), key)
        .await;
    assert_eq!(reported.status, 200, "{reported:?}");

    let before = admin.topics().await.len();
    let refused = admin
        .post(
            "/api/topics",
            &json!({"name": support::kafka::unique_name("rf-two"), "replication_factor": 2}),
            false,
        )
        .await;
    assert_eq!(refused.status, 400, "{refused:?}");
    assert_eq!(
        refused.body["error"],
        "replication factor 2 exceeds the 1 broker(s) of the Kafka cluster"
    );
    assert_eq!(
        admin.topics().await.len(),
        before,
        "a refused request wrote"
    );
    admin
        .create_topic(&support::kafka::unique_name("rf-one"), 1, 1)
        .await;
}

#[actix_rt::test]
async fn a_report_that_only_refreshes_checked_at_shows_in_the_listings_at_once() {
    let admin = TestAdmin::spawn();
    let id = approved_topic(&admin, "kafka-refresh").await;
    admin.report_kafka(id, &json!({"state": "creating"})).await;
    let listed_checked_at = |list: Value| {
        list.as_array()
            .and_then(|topics| topics.iter().find(|t| t["topic_id"] == id))
            .map(|topic| topic["kafka"]["checked_at"].clone())
            .expect("the topic is listed")
    };
    // Fills the cached listing.
    let before = listed_checked_at(admin.get("/api/topics").await.body);

    let version = feed_version(&admin).await;
    let refreshed = admin.report_kafka(id, &json!({"state": "creating"})).await;
    assert_eq!(feed_version(&admin).await, version, "no change to wake for");
    let now = json!(refreshed.kafka.checked_at.expect("stamped"));
    assert_ne!(now, before, "the report stamped a new time");
    assert_eq!(listed_checked_at(admin.get("/api/topics").await.body), now);
    assert_eq!(
        listed_checked_at(admin.get("/api/topics?status=approved").await.body),
        now
    );
}
