//! Schemas and dead letters on the producer's side, against a real admin
//! service and a real Kafka: records carry the id of the schema they were
//! checked against (and Confluent's framing when the topic asks for it); a
//! topic whose schema its records cannot satisfy gets none, and the
//! violations are counted; every topic topicgate creates gets its
//! one-partition dead-letter topic `<topic>.dlq`, which leaves Kafka with
//! the topic; one it cannot get is reported on the topic, which keeps
//! working.

use crate::producer_util;
use crate::support;

use std::time::Duration;

use producer_util::{
    POLL, RawRecord, eventually, read_raw, start_producer, start_producer_with, topic_layout,
};
use serde_json::{Value, json};
use support::admin::TestAdmin;
use support::kafka::{
    bootstrap_servers, create_topic, delete_topic, record_count, topic_names, unique_name,
};
use support::prometheus::{free_port, get_text, sample};
use topicgate::config::Pace;
use topicgate::domain::{Envelope, KafkaState, TopicStatus};
use topicgate::schema::{RecordSchema, SCHEMA_ID_HEADER, unframe_confluent};

/// Records read back per test.
const RECORDS: usize = 10;

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

/// Requests a topic with `body` (`name` and whatever else), approves it
/// and waits until the daemon has activated it; answers its id.
async fn active_topic_from(admin: &TestAdmin, body: Value) -> i32 {
    let answer = admin.post("/api/topics", &body, false).await;
    assert_eq!(answer.status, 201, "request {body}: {answer:?}");
    let id = answer.body["topic_id"].as_i64().expect("topic_id") as i32;
    admin.approve(id).await;
    assert!(
        eventually(FEW_POLLS + SLACK, || async {
            admin.topic(id).await.status == TopicStatus::Active
        })
        .await,
        "{body} was not activated: {:#?}",
        admin.topic(id).await
    );
    id
}

/// The schema id `GET /api/topics/active` announces for `topic`.
async fn announced_schema_id(admin: &TestAdmin, topic: &str) -> i64 {
    let answer = admin.get("/api/topics/active").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer
        .body
        .as_array()
        .expect("a list")
        .iter()
        .find(|t| t["topic_name"] == topic)
        .and_then(|t| t["schema_id"].as_i64())
        .unwrap_or_else(|| panic!("no schema id announced for {topic}: {:?}", answer.body))
}

/// Schema `id` as the admin's Schema Registry API serves it, compiled.
async fn registry_schema(admin: &TestAdmin, id: i64) -> RecordSchema {
    let answer = admin
        .get(&format!("/schema-registry/schemas/ids/{id}"))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let text = answer.body["schema"].as_str().expect("the schema's text");
    let document: Value = serde_json::from_str(text).expect("a JSON schema");
    RecordSchema::compile(&document).expect("a schema that compiles")
}

/// Reads at least [`RECORDS`] records of `topic` (bounded).
async fn some_records(bootstrap: &str, topic: &str) -> Vec<RawRecord> {
    let records = read_raw(bootstrap, topic, RECORDS, FEW_POLLS + SLACK).await;
    assert!(
        records.len() >= RECORDS,
        "only {} records in {topic}",
        records.len()
    );
    records
}

#[actix_rt::test]
async fn records_carry_the_id_of_the_topics_schema_and_satisfy_it() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let name = unique_name("marked");
    active_topic_from(
        &admin,
        json!({"name": name, "partitions": 2, "data_type": "sensor", "created_by": "tests"}),
    )
    .await;
    let schema_id = announced_schema_id(&admin, &name).await;
    let schema = registry_schema(&admin, schema_id).await;
    for record in some_records(&bootstrap, &name).await {
        assert_eq!(
            record.header(SCHEMA_ID_HEADER),
            Some(schema_id.to_string().as_bytes()),
            "headers {:?} of {}",
            record.headers,
            String::from_utf8_lossy(&record.value)
        );
        let value: Value = serde_json::from_slice(&record.value).expect("JSON");
        if let Err(violation) = schema.validate(&value) {
            panic!("{value} fails schema {schema_id}: {violation}");
        }
    }
    drop(producer);
}

#[actix_rt::test]
async fn a_confluent_json_topics_records_are_framed_with_the_schema_id() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let name = unique_name("framed");
    active_topic_from(
        &admin,
        json!({"name": name, "data_type": "payments", "value_format": "confluent_json",
               "created_by": "tests"}),
    )
    .await;
    let schema_id = announced_schema_id(&admin, &name).await;
    for record in some_records(&bootstrap, &name).await {
        // Magic byte 0, the id in four bytes big-endian, then the JSON.
        assert_eq!(
            record.value.first(),
            Some(&0),
            "{}",
            String::from_utf8_lossy(&record.value)
        );
        let (framed_id, json) = unframe_confluent(&record.value).expect("a Confluent frame");
        assert_eq!(i64::from(framed_id), schema_id);
        let envelope: Envelope = serde_json::from_slice(json).expect("an envelope after the frame");
        assert_eq!(envelope.topic, name);
        assert_eq!(
            record.header(SCHEMA_ID_HEADER),
            Some(schema_id.to_string().as_bytes())
        );
    }
    drop(producer);
}

#[actix_rt::test]
async fn a_topic_whose_schema_its_records_cannot_satisfy_gets_none_and_violations_are_counted() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let bind = format!("127.0.0.1:{}", free_port());
    let metrics_bind = bind.clone();
    let producer = start_producer_with(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        |settings| {
            settings.pace = Pace::Rate(20.0);
            settings.metrics_bind = Some(metrics_bind);
        },
    );
    let name = unique_name("unsatisfiable");
    // The generator never writes this property.
    let schema = json!({"type": "object", "required": ["never_written"]});
    active_topic_from(
        &admin,
        json!({"name": name, "data_type": "logs", "schema": schema, "created_by": "tests"}),
    )
    .await;
    let url = format!("http://{bind}/metrics");
    let violations = || async {
        sample(
            &get_text(&url).await,
            "topicgate_producer_schema_violations_total",
            &[("topic", &name)],
        )
        .unwrap_or(0.0)
    };
    assert!(
        eventually(FEW_POLLS + SLACK, || async { violations().await >= 10.0 }).await,
        "violations were not counted: {}",
        get_text(&url).await
    );
    // Records were made for a while, and none reached Kafka.
    assert_eq!(record_count(&bootstrap, &name).await, 0);
    let stats = producer.stats().topic(&name).expect("the topic's counters");
    assert_eq!((stats.accepted, stats.delivered), (0, 0), "{stats:?}");
    assert!(stats.schema_violations >= 10, "{stats:?}");
    drop(producer);
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
    // Created in Kafka before the topic is active, with one partition and
    // the topic's replication factor. One metadata answer from a fresh
    // client may still miss a new topic on a loaded machine: asked until
    // it holds, then checked once more.
    eventually(Duration::from_secs(30), || async {
        topic_layout(&bootstrap, &dead_letter).await == Some((1, 1))
    })
    .await;
    assert_eq!(topic_layout(&bootstrap, &dead_letter).await, Some((1, 1)));
    assert_eq!(admin.topic(id).await.kafka.error, None);

    admin.deactivate(id).await;
    crate::reconcile::delete_in_registry(&admin, id).await;
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
