//! The producer daemon keeps every acknowledged record across a broker
//! restart: records made while the broker is down wait (in librdkafka's
//! queue and the publisher's buffer, both bounded, so generators slow
//! down) and are delivered once it is back, exactly once thanks to
//! idempotence.

use crate::producer_util;
use crate::support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use producer_util::{eventually, read_all, start_producer_with};
use support::admin::TestAdmin;
use support::kafka::{KafkaInstance, unique_name};
use topicgate::config::{KafkaOption, Pace};
use topicgate::domain::TopicStatus;

/// This test's own single-node cluster, away from the shared broker and
/// from other tests' instances.
const BASE_PORT: u16 = 19692;

const SOON: Duration = Duration::from_secs(60);

/// Small queues, so the outage fills both well within the test.
const KAFKA_QUEUE: u64 = 500;
const BUFFER: u64 = 1_000;
/// The most one generator step adds beyond the buffer's bound.
const ONE_BATCH: u64 = 512;

#[actix_rt::test]
async fn every_acknowledged_record_survives_a_broker_restart_exactly_once() {
    let cluster = KafkaInstance::start("producer-fault", 1, BASE_PORT);
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let admin = TestAdmin::spawn();
    let producer = start_producer_with(&admin.base_url, &bootstrap, &admin.producer_key, |s| {
        s.pace = Pace::Rate(1000.0);
        s.buffer_capacity = BUFFER as usize;
        s.kafka.options = vec![KafkaOption::new(
            "queue.buffering.max.messages",
            KAFKA_QUEUE.to_string(),
        )];
    });

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
    // making records on its own thread; a sampler watches how many wait.
    let before = counters().unwrap();
    let started = Instant::now();
    let restarting = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (stats, name, restarting) = (stats.clone(), name.clone(), Arc::clone(&restarting));
        std::thread::spawn(move || {
            let mut most = 0;
            while restarting.load(Ordering::Relaxed) {
                most = most.max(stats.topic(&name).map_or(0, |c| c.pending()));
                std::thread::sleep(Duration::from_millis(20));
            }
            most
        })
    };
    cluster.restart();
    restarting.store(false, Ordering::Relaxed);
    let most_waiting = sampler.join().unwrap();
    let during = counters().unwrap();
    eprintln!(
        "restart took {:?}; before {before:?}; right after {during:?}; at most {most_waiting} waiting",
        started.elapsed()
    );
    assert!(
        during.accepted > before.accepted,
        "generation stopped during the restart"
    );
    // Generators were held back instead of records piling up or dropping.
    assert!(
        most_waiting <= KAFKA_QUEUE + BUFFER + ONE_BATCH,
        "{most_waiting} records waited, more than the bounds allow"
    );
    assert!(
        most_waiting >= BUFFER,
        "the outage never filled the buffer ({most_waiting} waited)"
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
