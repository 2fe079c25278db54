//! The producer daemon against a real admin service and a real Kafka:
//! approval leads to a topic in Kafka that is active and receives typed
//! records; deactivation stops them, reactivation resumes them; a failed
//! generator is restarted while the others go on.

use crate::producer_util;
use crate::support;

use std::time::{Duration, Instant};

use producer_util::{
    POLL, eventually, read_all, start_producer, start_producer_with, topic_layout,
};
use support::admin::TestAdmin;
use support::kafka::{bootstrap_servers, record_count, unique_name};
use topicgate::config::{Pace, Secret};
use topicgate::domain::{DataType, TopicStatus};

/// Slack on top of watcher intervals for a busy two-core machine.
const SLACK: Duration = Duration::from_secs(5);

/// Generous bound for anything that should happen "soon".
const SOON: Duration = Duration::from_secs(30);

async fn status(admin: &TestAdmin, id: i32) -> TopicStatus {
    admin.topic(id).await.status
}

#[actix_rt::test]
async fn an_approved_topic_is_created_activated_and_fed_typed_records() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    // Wider than this single-broker cluster: must stay approved (Kafka
    // refuses it). Requested before the producer reports the cluster, after
    // which the admin refuses such a request itself.
    let too_wide = unique_name("weather");
    let too_wide_id = admin.create_topic(&too_wide, 1, 3).await;
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );

    let name = unique_name("sensor");
    let id = admin.create_topic(&name, 3, 1).await;
    let approved_at = Instant::now();
    admin.approve(id).await;
    admin.approve(too_wide_id).await;

    assert!(
        eventually(2 * POLL + SLACK, || async {
            status(&admin, id).await == TopicStatus::Active
        })
        .await,
        "{name} is not active {:?} after approval",
        approved_at.elapsed()
    );
    eprintln!("{name} active {:?} after approval", approved_at.elapsed());
    assert_eq!(topic_layout(&bootstrap, &name).await, Some((3, 1)));

    let records = read_all(&bootstrap, &name, 10, SOON).await;
    assert!(
        records.len() >= 10,
        "only {} records arrived",
        records.len()
    );
    for record in &records {
        let envelope = &record.envelope;
        assert_eq!(envelope.topic, name);
        assert_eq!(envelope.data_type, DataType::Sensor);
        for field in ["sensor_id", "temperature", "humidity", "pressure", "seq"] {
            assert!(
                envelope.payload.get(field).is_some(),
                "no {field} in {envelope:?}"
            );
        }
        assert_eq!(envelope.payload["sensor_id"], record.key.as_str());
        assert!(envelope.timestamp.ends_with('Z'), "{}", envelope.timestamp);
    }
    let mut seqs: Vec<u64> = records
        .iter()
        .map(|r| r.envelope.payload["seq"].as_u64().unwrap())
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), records.len(), "a seq appeared twice");

    // Several intervals later the impossible topic is still just approved.
    actix_rt::time::sleep(3 * POLL).await;
    assert_eq!(status(&admin, too_wide_id).await, TopicStatus::Approved);
    assert_eq!(topic_layout(&bootstrap, &too_wide).await, None);

    let stats = producer
        .stats()
        .topic(&name)
        .expect("counters for the topic");
    assert!(stats.delivered >= 10 && stats.failed == 0, "{stats:?}");
    let report = producer.stop().expect("the producer stops");
    assert_eq!(report.undelivered, 0);
}

#[actix_rt::test]
async fn an_approval_reaches_kafka_through_the_change_feed_without_waiting_for_a_poll() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    // Polls far apart: within this test's bounds only the change feed can
    // tell the daemon about the approval (and then about the activation).
    let producer = start_producer_with(&admin.base_url, &bootstrap, &admin.producer_key, |s| {
        s.poll_interval = Duration::from_secs(600);
        s.pace = Pace::Rate(20.0);
    });
    let name = unique_name("feed");
    let id = admin.create_topic(&name, 1, 1).await;
    let approved_at = Instant::now();
    admin.approve(id).await;
    assert!(
        eventually(SOON, || async {
            status(&admin, id).await == TopicStatus::Active
        })
        .await,
        "{name} is not active {:?} after approval",
        approved_at.elapsed()
    );
    eprintln!("{name} active {:?} after approval", approved_at.elapsed());
    let records = read_all(&bootstrap, &name, 5, SOON).await;
    assert!(records.len() >= 5, "only {} records arrived", records.len());
    let report = producer.stop().expect("the producer stops");
    assert_eq!(report.undelivered, 0);
}

#[actix_rt::test]
async fn deactivation_stops_a_topic_and_reactivation_resumes_it() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let name = unique_name("payments");
    let id = admin.create_topic(&name, 2, 1).await;
    admin.approve(id).await;
    assert!(
        eventually(SOON, || async {
            record_count(&bootstrap, &name).await >= 10
        })
        .await
    );

    admin.deactivate(id).await;
    // One interval for the watcher to notice, plus slack for records that
    // were already on their way.
    actix_rt::time::sleep(POLL + Duration::from_secs(2)).await;
    let stopped_at = record_count(&bootstrap, &name).await;
    actix_rt::time::sleep(3 * POLL).await;
    assert_eq!(
        record_count(&bootstrap, &name).await,
        stopped_at,
        "records after deactivation"
    );
    let seq_before = producer.stats().topic(&name).unwrap().accepted;

    admin.reactivate(id).await;
    assert!(
        eventually(2 * POLL + SLACK, || async {
            status(&admin, id).await == TopicStatus::Active
        })
        .await,
        "not active again after reactivation"
    );
    assert!(
        eventually(SOON, || async {
            record_count(&bootstrap, &name).await >= stopped_at + 10
        })
        .await,
        "no records after reactivation"
    );

    // The sequence continues where it stopped instead of starting over.
    let records = read_all(&bootstrap, &name, (stopped_at + 10) as usize, SOON).await;
    let mut seqs: Vec<u64> = records
        .iter()
        .map(|r| r.envelope.payload["seq"].as_u64().unwrap())
        .collect();
    seqs.sort_unstable();
    let total = seqs.len();
    seqs.dedup();
    assert_eq!(seqs.len(), total, "duplicate seq");
    assert!(
        seqs.iter().any(|&s| s >= seq_before),
        "no record after the pause"
    );
    producer.stop().expect("the producer stops");
}

/// The fault is a panic while the generator makes records: it must cost
/// that topic a restart and leave the other topic and the producer running.
#[actix_rt::test]
async fn a_failed_generator_restarts_while_the_others_go_on() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );
    let failing = unique_name("stock");
    let steady = unique_name("logs");
    for name in [&failing, &steady] {
        let id = admin.create_topic(name, 1, 1).await;
        admin.approve(id).await;
    }
    assert!(
        eventually(SOON, || async {
            record_count(&bootstrap, &failing).await >= 5
                && record_count(&bootstrap, &steady).await >= 5
        })
        .await
    );

    assert!(
        producer.inject_fault(&failing).await,
        "no generator for {failing}"
    );
    assert!(
        eventually(SOON, || async {
            producer.stats().topic(&failing).unwrap().restarts == 1
        })
        .await,
        "the generator was not restarted"
    );
    let (failing_then, steady_then) = (
        record_count(&bootstrap, &failing).await,
        record_count(&bootstrap, &steady).await,
    );
    assert!(
        eventually(SOON, || async {
            record_count(&bootstrap, &failing).await >= failing_then + 10
                && record_count(&bootstrap, &steady).await >= steady_then + 10
        })
        .await,
        "records stopped after the fault"
    );
    assert_eq!(producer.stats().topic(&steady).unwrap().restarts, 0);

    let records = read_all(&bootstrap, &failing, 20, SOON).await;
    for record in &records {
        assert_eq!(record.envelope.data_type, DataType::Stock);
        for field in ["symbol", "price", "volume", "seq"] {
            assert!(record.envelope.payload.get(field).is_some(), "no {field}");
        }
        assert_eq!(record.envelope.payload["symbol"], record.key.as_str());
    }
    producer.stop().expect("the producer stops");
}

#[actix_rt::test]
async fn the_daemon_starts_without_the_admin_api_and_picks_it_up_later() {
    let bootstrap = bootstrap_servers();
    // A free port where nothing listens yet: the daemon must start anyway.
    let address = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let key = Secret::generate();
    let producer = start_producer(
        &format!("http://{address}"),
        &bootstrap,
        key.expose(),
        Pace::Rate(20.0),
    );
    actix_rt::time::sleep(3 * POLL).await;
    assert!(producer.stats().snapshot().is_empty());

    let admin = TestAdmin::spawn_with(|settings| {
        settings.bind = address.clone();
        settings.producer_key = key.clone();
    });
    let name = unique_name("user_activity");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    // The watcher backs off while the API is away, at most 15 s per try.
    assert!(
        eventually(Duration::from_secs(20) + SOON, || async {
            record_count(&bootstrap, &name).await >= 3
        })
        .await,
        "the daemon never picked up the admin API"
    );
    assert_eq!(status(&admin, id).await, TopicStatus::Active);
    let report = producer.stop().expect("the producer stops");
    assert_eq!(report.undelivered, 0);
}
