//! The producer daemon keeps every acknowledged record across a broker
//! restart: records made while the broker is down wait (in librdkafka's
//! queue and the publisher's buffer) and are delivered once it is back,
//! exactly once thanks to idempotence.

mod producer_util;
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use producer_util::{eventually, read_all, start_producer};
use support::admin::TestAdmin;
use support::kafka::{KafkaInstance, unique_name};
use topicgate::config::Pace;
use topicgate::domain::TopicStatus;

/// This test's own single-node cluster, away from the shared broker and
/// from other tests' instances.
const BASE_PORT: u16 = 19692;

const SOON: Duration = Duration::from_secs(60);

#[actix_rt::test]
async fn every_acknowledged_record_survives_a_broker_restart_exactly_once() {
    let cluster = KafkaInstance::start("producer-fault", 1, BASE_PORT);
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(200.0),
    );

    let name = unique_name("sensor");
    let id = admin.create_topic(&name, 3, 1).await;
    admin.approve(id).await;
    let stats = producer.stats().clone();
    let counters = || stats.topic(&name);
    assert!(
        eventually(SOON, || async {
            counters().is_some_and(|c| c.delivered >= 500)
        })
        .await,
        "nothing delivered before the restart: {:?}",
        counters()
    );
    assert_eq!(admin.topic(id).await.status, TopicStatus::Active);

    // The restart blocks for several seconds while the daemon goes on
    // making records on its own thread.
    let before = counters().unwrap();
    let started = Instant::now();
    cluster.restart();
    let during = counters().unwrap();
    eprintln!(
        "restart took {:?}; before {before:?}; right after {during:?}",
        started.elapsed()
    );
    assert!(
        during.accepted > before.accepted,
        "generation stopped during the restart"
    );

    // Recovery: what was waiting gets delivered and new records flow.
    assert!(
        eventually(SOON, || async {
            counters().unwrap().delivered >= during.accepted + 200
        })
        .await,
        "delivery did not recover: {:?}",
        counters()
    );

    let report = producer.stop().expect("the producer stops");
    let last = counters().unwrap();
    eprintln!("final {last:?}");
    assert_eq!(report.undelivered, 0);
    assert_eq!(last.failed, 0, "records were refused");
    assert_eq!(last.delivered, last.accepted, "records were lost");

    // Every acknowledged record is in Kafka exactly once: the seqs are
    // 0..delivered with no gap and no repeat.
    let records = read_all(&bootstrap, &name, last.delivered as usize, SOON).await;
    let seqs: Vec<u64> = records
        .iter()
        .map(|r| r.envelope.payload["seq"].as_u64().expect("a seq"))
        .collect();
    let distinct: HashSet<u64> = seqs.iter().copied().collect();
    assert_eq!(
        seqs.len(),
        distinct.len(),
        "{} duplicates",
        seqs.len() - distinct.len()
    );
    let missing: Vec<u64> = (0..last.delivered)
        .filter(|s| !distinct.contains(s))
        .take(10)
        .collect();
    assert!(missing.is_empty(), "missing seqs, first ones: {missing:?}");
    assert_eq!(records.len() as u64, last.delivered);
}
