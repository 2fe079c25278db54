//! What the admin service reads from Kafka: a topic's details
//! (`/api/topics/{name}/details` and the page `/topics/{name}`) and the
//! consumer groups (`/api/groups`, `/groups`), against the real broker.

use crate::support;

use std::cell::RefCell;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{Value, json};
use support::admin::TestAdmin;
use support::kafka::{bootstrap_servers, unique_name};
use support::visitor::Visitor;
use support::wait::eventually;
use topicgate::config::KafkaSettings;

/// An admin service that reads the test broker.
fn admin_reading_kafka() -> TestAdmin {
    let bootstrap = bootstrap_servers();
    TestAdmin::spawn_with(|s| s.kafka = Some(KafkaSettings::new(bootstrap)))
}

/// A topic the registry holds active and Kafka has with `partitions`,
/// made the way the producer makes it; returns its name.
async fn active_topic(admin: &TestAdmin, prefix: &str, partitions: i32) -> String {
    let name = unique_name(prefix);
    let id = admin.create_topic(&name, partitions, 1).await;
    admin.approve(id).await;
    admin.report_kafka(id, &json!({"state": "creating"})).await;
    support::kafka::create_topic(&bootstrap_servers(), &name, partitions, 1, &[]).await;
    admin
        .report_kafka(
            id,
            &json!({"state": "created", "partitions": partitions, "replication_factor": 1}),
        )
        .await;
    admin.activate(&name).await;
    name
}

/// Writes `counts[p]` records to partition `p` of `topic`.
async fn produce_per_partition(topic: &str, counts: &[usize]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers())
        .set("message.timeout.ms", "30000")
        .create()
        .expect("a producer");
    for (partition, count) in counts.iter().enumerate() {
        for i in 0..*count {
            let payload = format!("record {i}");
            producer
                .send(
                    FutureRecord::<(), _>::to(topic)
                        .partition(partition as i32)
                        .payload(&payload),
                    Duration::from_secs(30),
                )
                .await
                .unwrap_or_else(|(e, _)| panic!("producing to {topic}[{partition}]: {e}"));
        }
    }
}

/// Commits `offset` on partition 0 of `topic` in the name of `group`,
/// without joining it, as a plain client may.
async fn commit(topic: &str, group: &str, offset: i64) {
    let (topic, group) = (topic.to_owned(), group.to_owned());
    actix_rt::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap_servers())
            .set("group.id", &group)
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer");
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(&topic, 0, Offset::Offset(offset))
            .expect("an offset");
        consumer
            .commit(&offsets, CommitMode::Sync)
            .unwrap_or_else(|e| panic!("committing for {group}: {e}"));
    })
    .await
    .expect("committing");
}

async fn details(admin: &TestAdmin, topic: &str) -> Value {
    let answer = admin.get(&format!("/api/topics/{topic}/details")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body
}

/// The group named `group` in a list of groups, if it is there.
fn find_group<'a>(groups: &'a Value, group: &str) -> Option<&'a Value> {
    groups
        .as_array()
        .expect("a list of groups")
        .iter()
        .find(|g| g["group"] == group)
}

#[actix_rt::test]
async fn the_details_show_the_watermarks_of_what_was_produced() {
    let admin = admin_reading_kafka();
    let topic = active_topic(&admin, "details-watermarks", 3).await;
    let counts = [4usize, 7, 0];
    produce_per_partition(&topic, &counts).await;
    let subscribed = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "alice", "topic_name": topic}),
            false,
        )
        .await;
    assert_eq!(subscribed.status, 201, "{subscribed:?}");

    let body = details(&admin, &topic).await;
    let kafka = &body["kafka"];
    assert_eq!(kafka["configured"], true, "{body}");
    assert_eq!(kafka["error"], Value::Null, "{body}");
    let partitions = kafka["partitions"].as_array().expect("partitions");
    assert_eq!(partitions.len(), 3, "{body}");
    for (partition, count) in counts.iter().enumerate() {
        let shown = &partitions[partition];
        assert_eq!(shown["partition"], partition as i64);
        assert_eq!(shown["high_watermark"], *count as i64, "{shown}");
        assert_eq!(shown["low_watermark"], 0, "{shown}");
        assert_eq!(shown["messages"], *count as i64, "{shown}");
        assert!(shown["leader"].is_i64(), "{shown}");
        assert_eq!(shown["replicas"].as_array().map(Vec::len), Some(1));
        assert_eq!(shown["in_sync_replicas"], shown["replicas"], "{shown}");
    }
    assert_eq!(kafka["total_messages"], 11, "{body}");
    let configs = kafka["configs"].as_array().expect("configs");
    assert!(
        configs.iter().any(|c| c["name"] == "cleanup.policy"),
        "{body}"
    );
    // The registry's parts beside Kafka's.
    assert_eq!(body["topic"]["topic_name"], topic.as_str());
    assert_eq!(body["topic"]["status"], "active");
    assert_eq!(body["subscribers"][0]["user_id"], "alice", "{body}");
    let audit = body["audit"].as_array().expect("an audit trail");
    assert!(audit.iter().any(|e| e["to_status"] == "approved"), "{body}");
    assert!(audit.iter().any(|e| e["kafka_to"] == "created"), "{body}");
}

#[actix_rt::test]
async fn a_groups_lag_is_the_high_watermark_minus_its_commit() {
    let admin = admin_reading_kafka();
    let topic = active_topic(&admin, "details-lag", 2).await;
    produce_per_partition(&topic, &[10, 4]).await;
    let group = unique_name("lag-group");
    commit(&topic, &group, 3).await;

    let shown = RefCell::new(Value::Null);
    let (admin_ref, topic_ref, group_ref, shown_ref) = (&admin, &topic, &group, &shown);
    let found = eventually(Duration::from_secs(30), move || async move {
        let body = details(admin_ref, topic_ref).await;
        let found = find_group(&body["kafka"]["groups"], group_ref).is_some();
        *shown_ref.borrow_mut() = body;
        found
    })
    .await;
    let shown = shown.into_inner();
    assert!(found, "the group never showed: {shown}");
    let listed = find_group(&shown["kafka"]["groups"], &group).unwrap();
    let on_topic = &listed["topics"][0];
    assert_eq!(on_topic["topic"], topic.as_str(), "{listed}");
    assert_eq!(on_topic["partitions"][0]["committed"], 3, "{listed}");
    assert_eq!(on_topic["partitions"][0]["high_watermark"], 10, "{listed}");
    assert_eq!(on_topic["partitions"][0]["lag"], 7, "{listed}");
    // Never committed on: no lag figure, not a made-up one.
    assert_eq!(on_topic["partitions"][1]["committed"], Value::Null);
    assert_eq!(on_topic["partitions"][1]["lag"], Value::Null, "{listed}");
    assert_eq!(on_topic["lag"], 7, "{listed}");
    assert_eq!(listed["lag"], 7, "{listed}");

    let groups = admin.get("/api/groups").await;
    assert_eq!(groups.status, 200, "{groups:?}");
    assert_eq!(groups.body["configured"], true);
    let listed = find_group(&groups.body["groups"], &group).expect("the group in /api/groups");
    let on_topic = listed["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == topic.as_str())
        .expect("the topic in the group's entry");
    assert_eq!(on_topic["partitions"][0]["lag"], 7, "{listed}");
    assert_eq!(on_topic["lag"], 7, "{listed}");
    assert_eq!(listed["lag"], 7, "{listed}");
    assert!(listed["state"].is_string(), "{listed}");
    assert!(listed["members"].is_array(), "{listed}");

    // The page shows the same: partitions, and the group's lag.
    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    let page = visitor.get(&format!("/topics/{topic}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(r#"<td class="high">10</td>"#)
            && page.body.contains(r#"<td class="high">4</td>"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!(r#"data-group="{group}" data-partition="0""#))
    );
    assert!(
        page.body
            .contains(&format!(r#"data-group="{group}" data-total-lag="7""#)),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        r#"<section id="records" data-topic="{topic}"></section>"#
    )));
    assert!(
        page.body
            .contains(r#"<script src="/static/records.js" defer></script>"#)
    );
    let groups_page = visitor.get("/groups").await;
    assert_eq!(groups_page.status, 200);
    assert!(
        groups_page.body.contains(&format!(
            r#"data-group="{group}" data-topic="{topic}" data-lag="7""#
        )),
        "{}",
        groups_page.body
    );
    let dashboard = visitor.get("/").await;
    assert!(
        dashboard
            .body
            .contains(&format!(r#"<a href="/topics/{topic}">"#))
    );
    assert!(dashboard.body.contains(r#"href="/groups""#));
}

#[actix_rt::test]
async fn unknown_names_are_404_and_without_kafka_the_details_say_so() {
    let admin = TestAdmin::spawn();
    for name in ["never-requested", "not%20a%20name", "__consumer_offsets"] {
        let answer = admin.get(&format!("/api/topics/{name}/details")).await;
        assert_eq!(answer.status, 404, "{name}: {answer:?}");
        assert!(answer.body["error"].is_string(), "{name}: {answer:?}");
    }
    let topic = unique_name("details-no-kafka");
    admin.create_topic(&topic, 1, 1).await;
    let body = details(&admin, &topic).await;
    assert_eq!(body["kafka"]["configured"], false, "{body}");
    assert_eq!(body["kafka"]["error"], "Kafka is not configured", "{body}");
    assert_eq!(body["topic"]["status"], "pending", "{body}");
    assert_eq!(body["subscribers"], json!([]));
    assert_eq!(body["audit"][0]["to_status"], "pending", "{body}");

    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    let page = visitor.get(&format!("/topics/{topic}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Kafka is not configured"),
        "{}",
        page.body
    );
    let unknown = visitor.get("/topics/never-requested").await;
    assert_eq!(unknown.status, 404);
    let groups = admin.get("/api/groups").await;
    assert_eq!(groups.status, 200);
    assert_eq!(groups.body["configured"], false, "{groups:?}");
    let groups_page = visitor.get("/groups").await;
    assert!(groups_page.body.contains("Kafka is not configured"));
}

#[actix_rt::test]
async fn kafka_not_answering_is_said_beside_the_registry_parts() {
    // Nothing listens on port 1.
    let admin = TestAdmin::spawn_with(|s| s.kafka = Some(KafkaSettings::new("127.0.0.1:1")));
    let topic = unique_name("details-kafka-down");
    admin.create_topic(&topic, 1, 1).await;
    let body = details(&admin, &topic).await;
    assert_eq!(body["kafka"]["configured"], true, "{body}");
    assert!(body["kafka"]["error"].is_string(), "{body}");
    assert_eq!(body["kafka"]["partitions"], json!([]), "{body}");
    assert_eq!(body["topic"]["topic_name"], topic.as_str());
    assert_eq!(body["audit"][0]["to_status"], "pending", "{body}");
    let groups = admin.get("/api/groups").await;
    assert_eq!(groups.status, 503, "{groups:?}");
    assert!(groups.body["error"].is_string(), "{groups:?}");
}

#[actix_rt::test]
async fn a_group_whose_member_is_assigned_the_topic_is_listed_before_any_commit() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let admin = admin_reading_kafka();
    let topic = active_topic(&admin, "groups-member", 1).await;
    let group = unique_name("member-group");
    let client_id = unique_name("member-client");
    let stop = Arc::new(AtomicBool::new(false));
    let member = {
        let (topic, group, client_id, stop) = (
            topic.clone(),
            group.clone(),
            client_id.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            let consumer: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", bootstrap_servers())
                .set("group.id", &group)
                .set("client.id", &client_id)
                .set("enable.auto.commit", "false")
                .create()
                .expect("a consumer");
            consumer.subscribe(&[&topic]).expect("subscribing");
            while !stop.load(Ordering::Relaxed) {
                let _ = consumer.poll(Duration::from_millis(100));
            }
        })
    };
    let listed = RefCell::new(Value::Null);
    let (admin_ref, group_ref, listed_ref) = (&admin, &group, &listed);
    let found = eventually(Duration::from_secs(60), move || async move {
        let answer = admin_ref.get("/api/groups").await;
        let entry = find_group(&answer.body["groups"], group_ref).cloned();
        let has_member = entry.as_ref().is_some_and(|g| {
            g["members"]
                .as_array()
                .is_some_and(|members| !members.is_empty())
        });
        *listed_ref.borrow_mut() = entry.unwrap_or(answer.body);
        has_member
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    member.join().expect("the member thread");
    let listed = listed.into_inner();
    assert!(found, "the group never showed with its member: {listed}");
    let member = &listed["members"][0];
    assert_eq!(member["client_id"], client_id.as_str(), "{listed}");
    assert!(member["host"].is_string(), "{listed}");
    assert_eq!(member["topics"], json!([topic]), "{listed}");
    let on_topic = &listed["topics"][0];
    assert_eq!(on_topic["topic"], topic.as_str(), "{listed}");
    // Assigned, never committed: no lag figure.
    assert_eq!(on_topic["partitions"][0]["committed"], Value::Null);
    assert_eq!(on_topic["partitions"][0]["lag"], Value::Null, "{listed}");
}

#[actix_rt::test]
async fn the_topic_page_counts_the_records_of_its_dead_letter_topic() {
    let admin = admin_reading_kafka();
    let name = active_topic(&admin, "dead-letters", 1).await;
    let details = admin.get(&format!("/api/topics/{name}/details")).await;
    assert_eq!(details.status, 200, "{details:?}");
    assert_eq!(details.body["kafka"]["error"], Value::Null, "{details:?}");
    assert_eq!(details.body["kafka"]["dead_letters"], Value::Null);
    let mut visitor = Visitor::new(&admin);
    let page = visitor.get(&format!("/topics/{name}")).await;
    assert!(page.body.contains("no dead-letter topic"), "{}", page.body);

    let dlq = format!("{name}.dlq");
    support::kafka::create_topic(&bootstrap_servers(), &dlq, 2, 1, &[]).await;
    support::kafka::produce(&bootstrap_servers(), &dlq, 5).await;
    let details = admin.get(&format!("/api/topics/{name}/details")).await;
    assert_eq!(details.body["kafka"]["dead_letters"], 5, "{details:?}");
    let page = visitor.get(&format!("/topics/{name}")).await;
    assert!(
        page.body.contains("id=\"dead-letter-count\">5<"),
        "{}",
        page.body
    );
    // The topic's own records are not counted as dead letters.
    assert_eq!(details.body["kafka"]["total_messages"], 0);
}
