//! Schemas and dead letters on the producer's side, against a real admin
//! service and a real Kafka: every topic topicgate creates gets its
//! one-partition dead-letter topic `<topic>.dlq`, which leaves Kafka with
//! the topic; one it cannot get is reported on the topic, which keeps
//! working.

use crate::producer_util;
use crate::support;

use std::time::Duration;

use producer_util::{POLL, eventually, start_producer, topic_layout};
use support::admin::TestAdmin;
use support::kafka::{bootstrap_servers, create_topic, delete_topic, topic_names, unique_name};
use topicgate::config::Pace;
use topicgate::domain::{KafkaState, TopicStatus};

/// Slack on top of watcher intervals for a busy two-core machine.
const SLACK: Duration = Duration::from_secs(10);

/// "Within a few polls".
const FEW_POLLS: Duration = Duration::from_secs(5);

/// Requests and approves `name`, and waits (bounded) until the daemon has
/// activated it; answers its id.
async fn active_topic(admin: &TestAdmin, name: &str, partitions: i32) -> i32 {
    let id = admin.create_topic(name, partitions, 1).await;
    admin.approve(id).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.status == TopicStatus::Active
        })
        .await,
        "{name} was not activated: {:#?}",
        admin.topic(id).await
    );
    id
}

/// Deletes topic `id` through the API, as an admin.
async fn delete_in_registry(admin: &TestAdmin, id: i32) {
    admin.deactivate(id).await;
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
async fn a_topic_gets_a_one_partition_dead_letter_topic_that_leaves_kafka_with_it() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let name = unique_name("lettered");
    let dead_letter = format!("{name}.dlq");
    let id = active_topic(&admin, &name, 3).await;
    // In Kafka by the time the topic is active, with one partition and
    // the topic's replication factor.
    assert_eq!(topic_layout(&bootstrap, &dead_letter).await, Some((1, 1)));
    assert_eq!(admin.topic(id).await.kafka.error, None);

    delete_in_registry(&admin, id).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            let names = topic_names(&bootstrap);
            !names.contains(&name) && !names.contains(&dead_letter)
        })
        .await,
        "{name} or {dead_letter} is still in Kafka's metadata"
    );
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.kafka.state == KafkaState::Deleted
        })
        .await
    );
    drop(producer);
}

#[actix_rt::test]
async fn an_active_topic_that_lacks_its_dead_letter_topic_gets_it_back() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let name = unique_name("relettered");
    let dead_letter = format!("{name}.dlq");
    active_topic(&admin, &name, 1).await;
    // As a topic created before dead-letter topics existed would be.
    delete_topic(&bootstrap, &dead_letter).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            topic_layout(&bootstrap, &dead_letter).await == Some((1, 1))
        })
        .await,
        "{dead_letter} was not created again"
    );
    drop(producer);
}

#[actix_rt::test]
async fn a_dead_letter_topic_kafka_refuses_is_reported_and_the_topic_still_works() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let name = unique_name("blocked");
    // Kafka takes `.` and `_` as the same in names: this foreign topic
    // makes `<name>.dlq` impossible to create.
    create_topic(&bootstrap, &format!("{name}_dlq"), 1, 1, &[]).await;
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let id = active_topic(&admin, &name, 1).await;
    let topic = admin.topic(id).await;
    assert_eq!(topic.kafka.state, KafkaState::Created);
    let error = topic.kafka.error.unwrap_or_default();
    assert!(
        error.contains(&format!("{name}.dlq")),
        "the error names the dead-letter topic: {error:?}"
    );
    // Several polls later it is still reported and records still flow.
    actix_rt::time::sleep(3 * POLL).await;
    let topic = admin.topic(id).await;
    assert_eq!(topic.kafka.error.as_deref(), Some(error.as_str()));
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            producer
                .stats()
                .topic(&name)
                .is_some_and(|stats| stats.delivered > 0)
        })
        .await,
        "no records reached {name}"
    );
    assert!(!topic_names(&bootstrap).contains(&format!("{name}.dlq")));
}
