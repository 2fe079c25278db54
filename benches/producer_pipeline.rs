//! Throughput of the producer daemon's pipeline against a plain rdkafka
//! producer loop, on the same broker, with the same payloads and the same
//! librdkafka settings (idempotence, acks=all).
//!
//! - baseline: one thread makes sensor payloads with the daemon's payload
//!   maker, wraps and serialises them, and `send`s them to a
//!   `ThreadedProducer` in a loop, sleeping 1 ms whenever librdkafka's queue
//!   is full; timed until every record is acknowledged.
//! - pipeline: an unthrottled `Generator` actor hands batches to the
//!   `Publisher` actor, which serialises and enqueues them; timed until as
//!   many records as the baseline's are acknowledged. Records carry no
//!   schema id (as from an admin service older than schemas).
//! - pipeline+schema: the same, with the sensor type's built-in schema
//!   announced for the topic: every record is checked against it (compiled
//!   once) and carries the `topicgate-schema-id` header.
//!
//! Each side runs `BENCH_ROUNDS` times (default 3), rotating which goes
//! first, each run on a fresh topic of 3 partitions; the median of each
//! side is reported.
//!
//! ```text
//! cargo bench --bench producer_pipeline
//! BENCH_MESSAGES=500000 BENCH_ROUNDS=5 KAFKA_BOOTSTRAP_SERVERS=host:port cargo bench --bench producer_pipeline
//! ```
//! Without `KAFKA_BOOTSTRAP_SERVERS` it starts (or reuses) the local broker
//! of `scripts/kafka.sh`.

#[path = "support/env.rs"]
mod env;
#[path = "support/kafka.rs"]
mod kafka;

use env::env_number;
use kafka::bootstrap_servers;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminOptions, NewTopic, TopicReplication};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use topicgate::config::{KafkaSettings, Pace};
use topicgate::domain::{DataType, Envelope};
use topicgate::producer::pipeline::{
    Flush, Generator, PayloadMaker, ProducerStats, Publisher, PublisherSettings, Retire,
    SchemaSource, TopicSchema, create_admin_client, create_producer,
};
use topicgate::schema::{RecordSchema, SchemaCache, ValueFormat, builtin_schema};

const PARTITIONS: i32 = 3;
const DATA_TYPE: DataType = DataType::Sensor;

fn settings(bootstrap: &str) -> PublisherSettings {
    PublisherSettings {
        kafka: KafkaSettings::new(bootstrap),
        per_record: false,
        buffer_capacity: 20_000,
        summary_interval: Duration::from_secs(3600),
        statistics: false,
        instance_id: "bench".to_owned(),
    }
}

async fn fresh_topic(bootstrap: &str, side: &str) -> String {
    let name = format!("bench-{side}-{:016x}", rand::random::<u64>());
    let admin = create_admin_client(&KafkaSettings::new(bootstrap)).expect("a Kafka admin client");
    let topic = NewTopic::new(&name, PARTITIONS, TopicReplication::Fixed(1));
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics([&topic], &options)
        .await
        .expect("create the topic");
    for result in results {
        result.expect("the topic is created");
    }
    // Let every partition get its leader before the clock starts.
    actix_rt::time::sleep(Duration::from_secs(2)).await;
    name
}

/// Records in `topic`: the sum of its partitions' end offsets.
fn records_in(bootstrap: &str, topic: &str) -> u64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a metadata client");
    (0..PARTITIONS)
        .map(|p| {
            let (_, high) = consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .expect("watermarks");
            high as u64
        })
        .sum()
}

/// A plain producer loop; messages per second until all are acknowledged.
fn baseline(bootstrap: &str, topic: &str, messages: u64) -> f64 {
    let stats = ProducerStats::default();
    let producer = create_producer(&settings(bootstrap), &stats).expect("a producer");
    let counters = stats.counters(topic, DATA_TYPE);
    let mut rng = SmallRng::from_rng(&mut rand::rng());
    let mut maker = PayloadMaker::new(DATA_TYPE, &mut rng).expect("valid payload tables");
    let started = Instant::now();
    for seq in 0..messages {
        let payload = maker.make(&mut rng, seq);
        let envelope = Envelope::new(topic, DATA_TYPE, payload.value);
        let value = serde_json::to_vec(&envelope).expect("serialise");
        loop {
            let record = BaseRecord::with_opaque_to(topic, Arc::clone(&counters))
                .key(payload.key.as_str())
                .payload(value.as_slice());
            match producer.send(record) {
                Ok(()) => break,
                Err((e, _)) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((e, _)) => panic!("send failed: {e}"),
            }
        }
    }
    counters.add_accepted(messages);
    producer
        .flush(Duration::from_secs(120))
        .expect("flush within 2 minutes");
    let elapsed = started.elapsed();
    let done = counters.snapshot();
    assert_eq!(done.delivered, messages, "baseline lost records: {done:?}");
    assert_eq!(records_in(bootstrap, topic), done.delivered);
    messages as f64 / elapsed.as_secs_f64()
}

/// The id the built-in schema is cached under for the validated runs.
const SCHEMA_ID: i64 = 1;

/// The daemon's generator and publisher, unthrottled; messages per second
/// until `messages` are acknowledged. With `validated`, the data type's
/// built-in schema is announced (and already compiled, as after the
/// daemon's first fetch of it).
async fn pipeline(bootstrap: &str, topic: &str, messages: u64, validated: bool) -> f64 {
    let cache = SchemaCache::new();
    let schema = if validated {
        let compiled = RecordSchema::compile(&builtin_schema(DATA_TYPE)).expect("built-in schema");
        cache.insert(SCHEMA_ID, compiled);
        TopicSchema {
            id: Some(SCHEMA_ID),
            value_format: ValueFormat::Json,
        }
    } else {
        TopicSchema::default()
    };
    let stats = ProducerStats::default();
    let publisher = Publisher::start(settings(bootstrap), stats.clone()).expect("a publisher");
    let counters = stats.counters(topic, DATA_TYPE);
    // As in the daemon, the generator runs on a thread of its own.
    let thread = actix::Arbiter::new();
    let started = Instant::now();
    let generator = Generator::start(
        &thread.handle(),
        Arc::clone(&counters),
        Arc::new(AtomicU64::new(0)),
        Pace::Unthrottled,
        publisher.clone().recipient(),
        (schema, SchemaSource::cached_only(cache)),
    )
    .expect("valid payload tables");
    while counters.snapshot().delivered < messages {
        actix_rt::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    let _ = generator.send(Retire).await;
    drop(generator);
    thread.stop();
    let report = publisher
        .send(Flush {
            timeout: Duration::from_secs(60),
        })
        .await
        .expect("flush");
    let done = counters.snapshot();
    assert_eq!(report.undelivered, 0, "pipeline left records: {done:?}");
    assert_eq!(done.failed, 0, "pipeline lost records: {done:?}");
    assert_eq!(
        done.schema_violations, 0,
        "records failed the schema: {done:?}"
    );
    // The delivery reports counted exactly what the broker holds.
    assert_eq!(records_in(bootstrap, topic), done.delivered);
    messages as f64 / elapsed.as_secs_f64()
}

/// Runs `work` in an actix system of its own, so nothing (a publisher and
/// its producer) outlives one run to take CPU from the next.
fn in_system<T>(work: impl std::future::Future<Output = T>) -> T {
    actix_rt::System::new().block_on(work)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    topicgate::telemetry::init("producer-pipeline-bench", "warn");
    let messages = env_number("BENCH_MESSAGES", 300_000);
    let rounds = env_number("BENCH_ROUNDS", 3).max(1);
    let bootstrap = bootstrap_servers();
    println!(
        "producer pipeline vs plain rdkafka loop: {messages} {DATA_TYPE} records per run, \
         {rounds} rounds, {PARTITIONS} partitions, broker {bootstrap}"
    );
    let (mut plain, mut actors, mut checked) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        // Rotate which side goes first, so none always meets a broker
        // still busy with another's records.
        for step in 0..3 {
            match (step + round) % 3 {
                0 => {
                    let topic = in_system(fresh_topic(&bootstrap, "baseline"));
                    let rate = baseline(&bootstrap, &topic, messages);
                    println!("round {round}: baseline        {rate:>10.0} msg/s");
                    plain.push(rate);
                }
                1 => {
                    let topic = in_system(fresh_topic(&bootstrap, "pipeline"));
                    let rate = in_system(pipeline(&bootstrap, &topic, messages, false));
                    println!("round {round}: pipeline        {rate:>10.0} msg/s");
                    actors.push(rate);
                }
                _ => {
                    let topic = in_system(fresh_topic(&bootstrap, "checked"));
                    let rate = in_system(pipeline(&bootstrap, &topic, messages, true));
                    println!("round {round}: pipeline+schema {rate:>10.0} msg/s");
                    checked.push(rate);
                }
            }
        }
    }
    let (plain, actors, checked) = (median(plain), median(actors), median(checked));
    println!("baseline (median): {plain:.0} msg/s");
    println!("pipeline (median): {actors:.0} msg/s");
    println!("pipeline+schema (median): {checked:.0} msg/s");
    println!("pipeline / baseline: {:.1}%", 100.0 * actors / plain);
    println!(
        "pipeline+schema / pipeline: {:.1}%",
        100.0 * checked / actors
    );
}
