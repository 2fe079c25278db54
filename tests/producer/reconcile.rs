//! The reconciler against a real admin service and a real Kafka: a topic
//! Kafka refuses ends `failed`; a topic someone else created ends
//! `conflict` and is never written to; a topic the daemon claimed before it
//! died is adopted by the next one; an active topic deleted behind
//! topicgate's back ends `drifted` and is not written to again; a topic
//! deleted in the registry leaves Kafka only when topicgate created it.

use crate::producer_util;
use crate::support;

use std::time::{Duration, Instant};

use producer_util::logs::{install as capture_logs, lines_containing};
use producer_util::{POLL, eventually, read_all, start_producer, topic_layout};
use serde_json::json;
use support::admin::TestAdmin;
use support::kafka::{
    bootstrap_servers, create_topic, delete_topic, produce, record_count, records_per_partition,
    topic_configs, topic_names, unique_name,
};
use topicgate::api::{KafkaReport, TopicView};
use topicgate::client::AdminClient;
use topicgate::config::Pace;
use topicgate::domain::{KafkaState, TopicId, TopicStatus};

/// Slack on top of watcher intervals for a busy two-core machine.
const SLACK: Duration = Duration::from_secs(10);

/// "Within a few polls".
const FEW_POLLS: Duration = Duration::from_secs(5);

/// Waits (bounded) until the registry shows `state` for topic `id`, and
/// answers the topic as last read.
async fn until_state(admin: &TestAdmin, id: i32, state: KafkaState) -> TopicView {
    let deadline = Instant::now() + FEW_POLLS + SLACK;
    loop {
        let topic = admin.topic(id).await;
        if topic.kafka.state == state {
            return topic;
        }
        assert!(Instant::now() < deadline, "not {state}: {topic:#?}");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn a_topic_kafka_refuses_ends_failed_with_its_reason_and_is_not_tried_again() {
    capture_logs();
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    // Approved before the daemon (and so before any cluster report) exists.
    let name = unique_name("wide");
    let id = admin.create_topic(&name, 1, 3).await;
    admin.approve(id).await;
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );

    let topic = until_state(&admin, id, KafkaState::Failed).await;
    let error = topic.kafka.error.clone().unwrap_or_default();
    assert!(
        error.contains("Invalid replication factor") && error.contains("1 broker"),
        "{error}"
    );
    // Several polls later: still failed, never activated, never asked again.
    actix_rt::time::sleep(4 * POLL).await;
    let topic = admin.topic(id).await;
    assert_eq!(topic.status, TopicStatus::Approved);
    assert_eq!(topic.kafka.state, KafkaState::Failed);
    assert_eq!(record_count(&bootstrap, &name).await, 0);
    assert_eq!(
        lines_containing(&[&format!("topic {name} is failed"), "Kafka refused"]),
        1
    );
    let cluster = AdminClient::new(&admin.base_url)
        .cluster()
        .await
        .expect("the cluster view");
    assert_eq!(cluster.brokers, Some(1), "{cluster:?}");
    // The one broker is also the one clients are told is the controller.
    assert!(cluster.controller.is_some_and(|id| id >= 0), "{cluster:?}");
    drop(producer);
}

#[actix_rt::test]
async fn a_topic_requested_with_configs_is_created_in_kafka_with_them() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let name = unique_name("configured");
    let answer = admin
        .post(
            "/api/topics",
            &serde_json::json!({"name": name, "partitions": 1, "created_by": "tests",
                    "configs": {"retention.ms": 3_600_000, "cleanup.policy": "compact"}}),
            false,
        )
        .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    let id = answer.body["topic_id"].as_i64().expect("topic_id") as i32;
    admin.approve(id).await;
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );

    until_state(&admin, id, KafkaState::Created).await;
    let configs = topic_configs(&bootstrap, &name).await;
    assert_eq!(
        configs.get("retention.ms").map(String::as_str),
        Some("3600000"),
        "{configs:?}"
    );
    assert_eq!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact"),
        "{configs:?}"
    );
    drop(producer);
}

#[actix_rt::test]
async fn a_topic_someone_else_created_ends_conflict_and_is_never_written_to() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(50.0),
    );
    // Exactly the layout the registry will ask for: the name alone decides
    // nothing, only whether topicgate claimed it first.
    let foreign = unique_name("billing");
    create_topic(&bootstrap, &foreign, 3, 1, &[]).await;
    let id = admin.create_topic(&foreign, 3, 1).await;
    admin.approve(id).await;

    let topic = until_state(&admin, id, KafkaState::Conflict).await;
    let error = topic.kafka.error.clone().unwrap_or_default();
    assert!(error.contains("3 partitions"), "{error}");
    assert_eq!(topic.kafka.partitions, Some(3));
    // A few more polls: the refusal lasts.
    for _ in 0..4 {
        actix_rt::time::sleep(POLL).await;
        let topic = admin.topic(id).await;
        assert_ne!(topic.status, TopicStatus::Active, "{topic:#?}");
        assert_eq!(topic.kafka.state, KafkaState::Conflict);
    }
    assert_eq!(record_count(&bootstrap, &foreign).await, 0);
    drop(producer);
}

#[actix_rt::test]
async fn a_topic_claimed_by_a_daemon_that_died_is_adopted_by_the_next() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let name = unique_name("orders");
    let id = admin.create_topic(&name, 2, 1).await;
    admin.approve(id).await;
    // What a daemon killed between its claim and Kafka's answer leaves.
    let claim = KafkaReport {
        state: KafkaState::Creating,
        error: None,
        partitions: None,
        replication_factor: None,
    };
    AdminClient::new(&admin.base_url)
        .report_kafka_state(TopicId(id), &claim, &admin.producer_key)
        .await
        .expect("the claim is recorded");
    create_topic(&bootstrap, &name, 2, 1, &[]).await;

    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let topic = until_state(&admin, id, KafkaState::Created).await;
    assert_eq!(
        (topic.kafka.partitions, topic.kafka.replication_factor),
        (Some(2), Some(1))
    );
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.status == TopicStatus::Active
        })
        .await,
        "{name} was not activated"
    );
    let records = read_all(&bootstrap, &name, 5, Duration::from_secs(30)).await;
    assert!(records.len() >= 5, "only {} records arrived", records.len());
    drop(producer);
}

#[actix_rt::test]
async fn an_active_topic_deleted_behind_its_back_drifts_and_is_not_written_again() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(50.0),
    );
    let name = unique_name("clicks");
    let id = admin.create_topic(&name, 3, 1).await;
    admin.approve(id).await;
    until_state(&admin, id, KafkaState::Created).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            record_count(&bootstrap, &name).await > 0
        })
        .await,
        "no records reached {name}"
    );

    delete_topic(&bootstrap, &name).await;
    let topic = until_state(&admin, id, KafkaState::Drifted).await;
    let error = topic.kafka.error.clone().unwrap_or_default();
    assert!(error.contains("missing in Kafka"), "{error}");
    // Records already handed to Kafka for the deleted topic end (failed):
    // none waits for a topic of that name to come back.
    assert!(
        eventually(Duration::from_secs(30), || async {
            producer
                .stats()
                .topic(&name)
                .is_some_and(|s| s.pending() == 0)
        })
        .await,
        "records still wait for {name}: {:?}",
        producer.stats().topic(&name)
    );
    // Back, but as the broker's defaults would make it: one partition.
    create_topic(&bootstrap, &name, 1, 1, &[]).await;
    let topic = eventually(FEW_POLLS + SLACK, || async {
        let topic = admin.topic(id).await;
        topic.kafka.state == KafkaState::Drifted && topic.kafka.partitions == Some(1)
    })
    .await;
    assert!(
        topic,
        "the shrunk topic is not reported: {:#?}",
        admin.topic(id).await
    );
    actix_rt::time::sleep(4 * POLL).await;
    assert_eq!(record_count(&bootstrap, &name).await, 0);
    let topic = admin.topic(id).await;
    assert_eq!(topic.kafka.state, KafkaState::Drifted, "{topic:#?}");
    assert!(
        topic
            .kafka
            .error
            .as_deref()
            .unwrap_or("")
            .contains("Kafka has 1 partition but the registry asks for 3"),
        "{topic:#?}"
    );

    // Restored as asked: created again, and the records resume.
    delete_topic(&bootstrap, &name).await;
    create_topic(&bootstrap, &name, 3, 1, &[]).await;
    let topic = until_state(&admin, id, KafkaState::Created).await;
    assert_eq!(topic.kafka.partitions, Some(3));
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            record_count(&bootstrap, &name).await > 0
        })
        .await,
        "records did not resume into the restored {name}"
    );
    drop(producer);
}

/// Deletes topic `id` through the API, as an admin.
pub(crate) async fn delete_in_registry(admin: &TestAdmin, id: i32) {
    let answer = admin
        .post(
            &format!("/api/topics/{id}/delete"),
            &serde_json::json!({}),
            true,
        )
        .await;
    assert_eq!(answer.status, 200, "delete {id}: {answer:?}");
}

#[actix_rt::test]
async fn a_retired_topic_of_its_own_leaves_kafka_and_stays_on_record_as_deleted() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let name = unique_name("retired");
    let id = admin.create_topic(&name, 2, 1).await;
    admin.approve(id).await;
    until_state(&admin, id, KafkaState::Created).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.status == TopicStatus::Active
        })
        .await,
        "{name} was not activated"
    );
    admin.deactivate(id).await;
    delete_in_registry(&admin, id).await;

    let topic = until_state(&admin, id, KafkaState::Deleted).await;
    assert_eq!(topic.status, TopicStatus::Deleted);
    assert_eq!(topic.topic_name, name);
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            !topic_names(&bootstrap).contains(&name)
        })
        .await,
        "{name} is still in Kafka's metadata"
    );
    // Gone for good: the reconciler neither recreates nor reports it again.
    actix_rt::time::sleep(3 * POLL).await;
    assert!(!topic_names(&bootstrap).contains(&name));
    assert_eq!(admin.topic(id).await.kafka.state, KafkaState::Deleted);
    drop(producer);
}

#[actix_rt::test]
async fn a_conflict_topic_deleted_in_the_registry_stays_in_kafka() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let foreign = unique_name("ledger");
    create_topic(&bootstrap, &foreign, 1, 1, &[]).await;
    produce(&bootstrap, &foreign, 3).await;
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let id = admin.create_topic(&foreign, 1, 1).await;
    admin.approve(id).await;
    until_state(&admin, id, KafkaState::Conflict).await;
    delete_in_registry(&admin, id).await;

    let topic = until_state(&admin, id, KafkaState::Deleted).await;
    assert_eq!(topic.status, TopicStatus::Deleted);
    // Several polls later the foreign topic and its records are untouched.
    actix_rt::time::sleep(3 * POLL).await;
    assert!(topic_names(&bootstrap).contains(&foreign));
    assert_eq!(record_count(&bootstrap, &foreign).await, 3);
    drop(producer);
}

#[actix_rt::test]
async fn an_approved_partition_change_grows_the_kafka_topic_and_its_new_partitions_get_records() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(50.0),
    );
    let name = unique_name("grow");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    until_state(&admin, id, KafkaState::Created).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.status == TopicStatus::Active
        })
        .await,
        "{name} was not activated"
    );

    let asked = admin
        .post(
            &format!("/api/topics/{id}/partitions"),
            &json!({"partitions": 3, "requested_by": "tests"}),
            false,
        )
        .await;
    assert_eq!(asked.status, 201, "{asked:?}");
    let change = asked.body["change_id"].as_i64().expect("change_id");
    let approved = admin
        .post(
            &format!("/api/topic-changes/{change}/approve"),
            &json!({}),
            true,
        )
        .await;
    assert_eq!(approved.status, 200, "{approved:?}");

    let grown = eventually(FEW_POLLS + SLACK, || async {
        let topic = admin.topic(id).await;
        topic.kafka.state == KafkaState::Created && topic.kafka.partitions == Some(3)
    })
    .await;
    assert!(grown, "not grown: {:#?}", admin.topic(id).await);
    assert_eq!(topic_layout(&bootstrap, &name).await, Some((3, 1)));
    // The producer learns of the new partitions from its metadata refresh
    // and spreads its keys over them.
    let spread = eventually(Duration::from_secs(45), || async {
        let counts = records_per_partition(&bootstrap, &name).await;
        counts.len() == 3 && counts.iter().all(|&n| n > 0)
    })
    .await;
    assert!(
        spread,
        "records per partition: {:?}",
        records_per_partition(&bootstrap, &name).await
    );
    let topic = admin.topic(id).await;
    assert_eq!(topic.kafka.state, KafkaState::Created, "{topic:#?}");
    assert_eq!(topic.status, TopicStatus::Active);
    drop(producer);
}

#[actix_rt::test]
async fn a_topic_kafka_refused_is_created_and_activated_once_edited() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let name = unique_name("edited");
    let id = admin.create_topic(&name, 2, 3).await;
    admin.approve(id).await;
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    until_state(&admin, id, KafkaState::Failed).await;

    let edited = admin
        .post(
            &format!("/api/topics/{id}/edit"),
            &json!({"replication_factor": 1}),
            true,
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    let topic = until_state(&admin, id, KafkaState::Created).await;
    assert_eq!(
        (topic.kafka.partitions, topic.kafka.replication_factor),
        (Some(2), Some(1))
    );
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.status == TopicStatus::Active
        })
        .await,
        "{name} was not activated"
    );
    assert_eq!(topic_layout(&bootstrap, &name).await, Some((2, 1)));
    drop(producer);
}
