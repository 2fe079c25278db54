//! The Kafka that every other integration test relies on behaves like Kafka:
//! keyed messages keep their order per key through a consumer group, and a
//! replicated topic loses no acknowledged write when a broker goes away.

use crate::support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::future_producer::Delivery;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use support::kafka::{self, KafkaInstance};

/// Bound on consuming everything back; far above what it takes.
const CONSUME_WAIT: Duration = Duration::from_secs(120);

/// One record as read back from Kafka.
#[derive(Debug)]
struct Received {
    key: String,
    payload: String,
    partition: i32,
    offset: i64,
}

fn producer(bootstrap: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        // Retries never reorder or duplicate within a partition.
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .set("message.timeout.ms", "60000")
        .create()
        .expect("creating producer")
}

/// Enqueues every (key, payload) without waiting; the futures resolve when
/// the cluster acknowledges (or gives up on) each record.
fn enqueue(
    producer: &FutureProducer,
    topic: &str,
    records: &[(String, String)],
) -> Vec<DeliveryFuture> {
    records
        .iter()
        .map(|(key, payload)| {
            producer
                .send_result(FutureRecord::to(topic).key(key).payload(payload))
                .map_err(|(e, _)| e)
                .expect("enqueueing a record")
        })
        .collect()
}

/// Awaits the delivery futures together: per record, its acknowledged
/// position or the error it failed with.
async fn deliveries(pending: Vec<DeliveryFuture>) -> Vec<Result<Delivery, String>> {
    join_all(pending)
        .await
        .into_iter()
        .map(|outcome| match outcome {
            Ok(Ok(delivery)) => Ok(delivery),
            Ok(Err((e, _))) => Err(e.to_string()),
            Err(_) => Err("producer dropped the record".to_owned()),
        })
        .collect()
}

/// Consumes `topic` from the start in a new consumer group, showing each
/// record to `done` until it says that was enough; panics after
/// [`CONSUME_WAIT`]. Returns every record read.
async fn consume_until(
    bootstrap: &str,
    topic: &str,
    mut done: impl FnMut(&Received) -> bool,
) -> Vec<Received> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", kafka::unique_name("kafka-broker-test"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("creating consumer");
    consumer.subscribe(&[topic]).expect("subscribing");
    let deadline = tokio::time::Instant::now() + CONSUME_WAIT;
    let mut received = Vec::new();
    let mut last_error = None;
    loop {
        let message = match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(message)) => message,
            // A refused connection to a stopped broker is reported here too;
            // the client recovers from such errors by itself.
            Ok(Err(e)) => {
                last_error = Some(e);
                continue;
            }
            Err(_) => panic!(
                "read only {} records of {topic} within {CONSUME_WAIT:?} (last error: {last_error:?})",
                received.len()
            ),
        };
        let text =
            |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
        let record = Received {
            key: text(message.key()),
            payload: text(message.payload()),
            partition: message.partition(),
            offset: message.offset(),
        };
        let enough = done(&record);
        received.push(record);
        if enough {
            return received;
        }
    }
}

#[tokio::test]
async fn keyed_messages_come_back_complete_and_in_order_per_key() {
    const MESSAGES: usize = 10_000;
    const KEYS: usize = 50;
    let bootstrap = kafka::bootstrap_servers();
    let topic = kafka::unique_name("kafka-broker-keyed");
    kafka::create_topic(&bootstrap, &topic, 3, 1, &[]).await;

    // Payload "key-07:42" is the 42nd message sent with key "key-07".
    let records: Vec<(String, String)> = (0..MESSAGES)
        .map(|i| {
            let key = format!("key-{:02}", i % KEYS);
            let payload = format!("{key}:{}", i / KEYS);
            (key, payload)
        })
        .collect();
    let producer = producer(&bootstrap);
    let pending = enqueue(&producer, &topic, &records);
    let mut acknowledged = HashMap::new();
    for ((_, payload), delivery) in records.iter().zip(deliveries(pending).await) {
        let delivery = delivery.unwrap_or_else(|e| panic!("{payload} not acknowledged: {e}"));
        acknowledged.insert(payload.clone(), (delivery.partition, delivery.offset));
    }

    let mut count = 0;
    let received = consume_until(&bootstrap, &topic, |_| {
        count += 1;
        count == MESSAGES
    })
    .await;

    assert_eq!(received.len(), MESSAGES);
    let mut next_seq: BTreeMap<&str, usize> = BTreeMap::new();
    let mut partition_of_key: HashMap<&str, i32> = HashMap::new();
    for r in &received {
        assert_eq!(
            acknowledged.get(&r.payload),
            Some(&(r.partition, r.offset)),
            "{} read at {}/{} but acknowledged elsewhere",
            r.payload,
            r.partition,
            r.offset
        );
        let partition = *partition_of_key.entry(&r.key).or_insert(r.partition);
        assert_eq!(partition, r.partition, "key {} in two partitions", r.key);
        let expected = next_seq.entry(&r.key).or_insert(0);
        assert_eq!(r.payload, format!("{}:{expected}", r.key), "out of order");
        *expected += 1;
    }
    assert_eq!(next_seq.len(), KEYS);
    assert!(next_seq.values().all(|&n| n == MESSAGES / KEYS));
    let used: HashSet<i32> = partition_of_key.values().copied().collect();
    assert_eq!(used.len(), 3, "the keys should spread over all partitions");
}

#[tokio::test]
async fn replicated_topic_keeps_every_acknowledged_write_when_a_broker_stops() {
    const PER_PHASE: usize = 2_000;
    // A bound on the records sent while the node shuts down (a few seconds).
    const MAX_DURING: usize = 50_000;
    let cluster = Arc::new(KafkaInstance::start("kafka-broker-rf3", 3, 19092));
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let topic = kafka::unique_name("kafka-broker-rf3");
    kafka::create_topic(&bootstrap, &topic, 3, 3, &[("min.insync.replicas", "2")]).await;

    let batch = |phase: &str| -> Vec<(String, String)> {
        (0..PER_PHASE)
            .map(|i| (format!("key-{}", i % 30), format!("{phase}-{i}")))
            .collect()
    };
    let producer = producer(&bootstrap);
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut sent: HashSet<String> = HashSet::new();

    // Before: a healthy cluster acknowledges everything.
    let before = batch("before");
    let pending = enqueue(&producer, &topic, &before);
    for ((_, payload), delivery) in before.iter().zip(deliveries(pending).await) {
        delivery.unwrap_or_else(|e| panic!("{payload} not acknowledged: {e}"));
        acknowledged.insert(payload.clone());
    }
    sent.extend(before.into_iter().map(|(_, payload)| payload));

    // During: the leader of partition 0 shuts down while records keep
    // being sent. These may fail; the acknowledged ones must survive.
    let victim = kafka::partition_leaders(&bootstrap, &topic)[0];
    let victim = usize::try_from(victim).expect("partition 0 has a leader");
    let stopping = tokio::task::spawn_blocking({
        let cluster = Arc::clone(&cluster);
        move || cluster.stop_node(victim)
    });
    let (mut during, mut pending) = (Vec::new(), Vec::new());
    while !stopping.is_finished() && during.len() < MAX_DURING {
        let chunk: Vec<(String, String)> = (during.len()..during.len() + 100)
            .map(|i| (format!("key-{}", i % 30), format!("during-{i}")))
            .collect();
        pending.extend(enqueue(&producer, &topic, &chunk));
        during.extend(chunk);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stopping.await.expect("stopping a node");
    let mut failed_during = 0;
    for ((_, payload), delivery) in during.iter().zip(deliveries(pending).await) {
        match delivery {
            Ok(_) => {
                acknowledged.insert(payload.clone());
            }
            Err(_) => failed_during += 1,
        }
    }
    let sent_during = during.len();
    sent.extend(during.into_iter().map(|(_, payload)| payload));

    // After: two of three replicas are still min.insync.replicas, so acks=all
    // writes keep being accepted, on every partition.
    let leaders = kafka::partition_leaders(&bootstrap, &topic);
    assert!(
        leaders.iter().all(|&l| l >= 0 && l as usize != victim),
        "leadership did not move off node {victim}: {leaders:?}"
    );
    let after = batch("after");
    let pending = enqueue(&producer, &topic, &after);
    let mut partitions_written = HashSet::new();
    for ((_, payload), delivery) in after.iter().zip(deliveries(pending).await) {
        let delivery = delivery.unwrap_or_else(|e| {
            panic!("{payload} not acknowledged with node {victim} stopped: {e}")
        });
        partitions_written.insert(delivery.partition);
        acknowledged.insert(payload.clone());
    }
    assert_eq!(partitions_written.len(), 3);
    sent.extend(after.into_iter().map(|(_, payload)| payload));

    // The two remaining nodes serve every acknowledged record back.
    let mut missing = acknowledged.clone();
    let received = consume_until(&bootstrap, &topic, |r| {
        missing.remove(&r.payload);
        missing.is_empty()
    })
    .await;
    assert!(received.iter().all(|r| sent.contains(&r.payload)));
    eprintln!(
        "node {victim} stopped: {} of {} records acknowledged \
         ({sent_during} sent while it stopped, {failed_during} of them failed), all read back",
        acknowledged.len(),
        sent.len()
    );

    // The stopped node comes back and catches up with all partitions.
    cluster.start_node(victim);
    kafka::wait_for_topic(&bootstrap, &topic, 3).await;
}
