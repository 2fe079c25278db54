//! `topicgate-consumer tail --json` into /dev/null against a plain rdkafka
//! consumer loop, on the same pre-filled topic in the same run; and
//! `tail --json --no-store` with validation on read (the default) against
//! `--no-validate`. An admin service runs in the benchmark's process so
//! `tail` can fetch the topic's schema (the built-in sensor one).
//!
//! Needs a Kafka (`scripts/kafka.sh start`, or KAFKA_BOOTSTRAP_SERVERS):
//!
//! ```text
//! cargo bench --bench consumer_tail            # 200 000 messages
//! CONSUMER_BENCH_MESSAGES=50000 CONSUMER_BENCH_ROUNDS=5 cargo bench --bench consumer_tail
//! ```
//!
//! Every run reads the whole topic with a fresh consumer group and is timed
//! from creating the consumer (or starting the process) until the last
//! message is written and the offsets are committed, so each side pays for
//! its group join. The sides take turns; the median of each is reported.

use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientConfig, Message};
use serde_json::json;
use topicgate::domain::{DataType, Envelope};

const PARTITIONS: i32 = 3;

#[path = "consumer_tail/admin.rs"]
mod admin;

fn main() {
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "127.0.0.1:9092".into());
    let messages: usize = std::env::var("CONSUMER_BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let rounds: usize = std::env::var("CONSUMER_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let topic = format!("bench-tail-{:08x}", rand::random::<u32>());
    let filled = runtime.block_on(fill(&bootstrap, &topic, messages));
    let admin = admin::BenchAdmin::start(&topic);
    let size = filled.1;
    eprintln!(
        "filled {topic}: {messages} messages of ~{size} bytes in {:.1} s",
        filled.0.as_secs_f64()
    );

    let dir = tempfile::tempdir().expect("a temp dir");
    let mut plain = Vec::new();
    let mut tail_stored = Vec::new();
    let mut tail_unstored = Vec::new();
    let mut tail_unvalidated = Vec::new();
    for round in 0..rounds {
        let group = |side: &str| format!("{topic}-{side}-{round}");
        plain.push(runtime.block_on(plain_loop(&bootstrap, &topic, &group("plain"), messages)));
        let store = dir.path().join(format!("store-{round}.db"));
        let tail = |side: &str, store: Option<&std::path::Path>, validate: bool| {
            Tail {
                bootstrap: &bootstrap,
                admin_url: &admin.base_url,
                topic: &topic,
                group: group(side),
                messages,
                store,
                validate,
            }
            .run()
        };
        tail_stored.push(tail("tail", Some(&store), true));
        settle_writes(&store);
        tail_unstored.push(tail("nostore", None, true));
        tail_unvalidated.push(tail("novalidate", None, false));
        eprintln!(
            "round {round}: plain {:.0}/s, tail --json {:.0}/s, tail --json --no-store {:.0}/s, \
             ... --no-validate {:.0}/s",
            rate(messages, plain[round]),
            rate(messages, tail_stored[round].took),
            rate(messages, tail_unstored[round].took),
            rate(messages, tail_unvalidated[round].took)
        );
    }
    println!(
        "| round | plain loop (msg/s) | tail --json (msg/s) | tail --json --no-store (msg/s) | tail --json --no-store --no-validate (msg/s) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for round in 0..rounds {
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            round + 1,
            rate(messages, plain[round]),
            rate(messages, tail_stored[round].took),
            rate(messages, tail_unstored[round].took),
            rate(messages, tail_unvalidated[round].took)
        );
    }
    let cpu_per_message = |runs: &[TailRun]| {
        let cpu = median(runs.iter().map(|run| run.cpu).collect());
        cpu.as_secs_f64() * 1e6 / messages as f64
    };
    let (cpu_unstored, cpu_unvalidated) = (
        cpu_per_message(&tail_unstored),
        cpu_per_message(&tail_unvalidated),
    );
    let plain = rate(messages, median(plain));
    let took = |runs: &[TailRun]| median(runs.iter().map(|run| run.took).collect());
    let stored = rate(messages, took(&tail_stored));
    let unstored = rate(messages, took(&tail_unstored));
    let unvalidated = rate(messages, took(&tail_unvalidated));
    println!(
        "| **median** | **{plain:.0}** | **{stored:.0}** | **{unstored:.0}** | **{unvalidated:.0}** |"
    );
    println!();
    println!(
        "tail --json / plain: {:.1}%; tail --json --no-store / plain: {:.1}%; \
         validated / --no-validate (both --no-store): {:.1}%",
        stored / plain * 100.0,
        unstored / plain * 100.0,
        unstored / unvalidated * 100.0
    );
    println!(
        "CPU per message (user + system, all threads of the tail process): \
         validated {cpu_unstored:.2} µs, --no-validate {cpu_unvalidated:.2} µs"
    );
    println!(
        "({messages} messages of ~{size} bytes, {PARTITIONS} partitions, median of {rounds} rounds)"
    );
    runtime.block_on(delete(&bootstrap, &topic));
}

/// Writes the stored run's files to disk before the next side starts, so
/// the kernel's write-back of them is not timed as part of the next run.
fn settle_writes(store: &std::path::Path) {
    for suffix in ["", "-wal"] {
        let mut path = store.as_os_str().to_owned();
        path.push(suffix);
        if let Ok(file) = std::fs::File::open(&path) {
            file.sync_all().expect("syncing the message store");
        }
    }
}

/// Removes the benchmark's topic so repeated runs do not fill the broker.
async fn delete(bootstrap: &str, topic: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a Kafka admin client");
    if let Err(e) = admin.delete_topics(&[topic], &AdminOptions::new()).await {
        eprintln!("could not delete {topic}: {e}");
    }
}

fn rate(messages: usize, took: Duration) -> f64 {
    messages as f64 / took.as_secs_f64()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// Creates the topic and fills it with sensor envelopes; returns how long
/// that took and the size of one record value.
async fn fill(bootstrap: &str, topic: &str, messages: usize) -> (Duration, usize) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a Kafka admin client");
    let created = admin
        .create_topics(
            [&NewTopic::new(
                topic,
                PARTITIONS,
                TopicReplication::Fixed(1),
            )],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await
        .expect("creating the benchmark topic");
    for result in created {
        result.unwrap_or_else(|(name, code)| panic!("creating {name}: {code}"));
    }
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("a Kafka producer");
    let started = Instant::now();
    let mut deliveries = Vec::with_capacity(messages);
    let mut size = 0;
    for i in 0..messages {
        let key = format!("sensor_{}", i % 100);
        let payload = json!({
            "sensor_id": key, "temperature": 20.0 + (i % 150) as f64 / 10.0,
            "humidity": 40 + i % 40, "pressure": 1013.25, "seq": i,
        });
        let value = serde_json::to_vec(&Envelope::new(topic, DataType::Sensor, payload))
            .expect("an envelope");
        size = value.len();
        let mut record = FutureRecord::to(topic).key(&key).payload(&value);
        loop {
            match producer.send_result(record) {
                Ok(delivery) => {
                    deliveries.push(delivery);
                    break;
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => panic!("producing: {e}"),
            }
        }
    }
    for delivery in deliveries {
        match delivery.await {
            Ok(Ok(_)) => {}
            Ok(Err((e, _))) => panic!("delivery failed: {e}"),
            Err(_) => panic!("delivery cancelled"),
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flushing");
    (started.elapsed(), size)
}

/// The baseline: what any Rust program reading the topic with rdkafka does
/// at least. Each value goes to /dev/null through a buffer, and offsets are
/// committed at the end.
async fn plain_loop(bootstrap: &str, topic: &str, group: &str, messages: usize) -> Duration {
    let started = Instant::now();
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.partition.eof", "false")
        // As `tail` sets it: with librdkafka's default of 1 s, a run longer
        // than the prefetch queue idles whenever that queue fills.
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .expect("a Kafka consumer");
    consumer.subscribe(&[topic]).expect("subscribing");
    let devnull = std::fs::File::create("/dev/null").expect("/dev/null");
    let mut out = BufWriter::with_capacity(64 * 1024, devnull);
    for _ in 0..messages {
        let message = consumer.recv().await.expect("a message");
        out.write_all(message.payload().unwrap_or_default())
            .expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    consumer
        .commit_consumer_state(CommitMode::Sync)
        .expect("committing");
    drop(consumer);
    started.elapsed()
}

/// One `topicgate-consumer tail TOPIC --count N --json > /dev/null`.
struct Tail<'a> {
    bootstrap: &'a str,
    admin_url: &'a str,
    topic: &'a str,
    group: String,
    messages: usize,
    /// `None` adds `--no-store`.
    store: Option<&'a std::path::Path>,
    /// `false` adds `--no-validate`.
    validate: bool,
}

/// One `tail` run: how long it took, and the CPU time (user + system, all
/// threads) the process used meanwhile.
#[derive(Clone, Copy)]
struct TailRun {
    took: Duration,
    cpu: Duration,
}

impl Tail<'_> {
    fn run(self) -> TailRun {
        let before = children_cpu();
        let took = tail(self);
        TailRun {
            took,
            cpu: children_cpu().saturating_sub(before),
        }
    }
}

/// CPU time used so far by this process's finished children.
fn children_cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let time = |t: nix::sys::time::TimeVal| {
        Duration::new(t.tv_sec().max(0) as u64, t.tv_usec().max(0) as u32 * 1_000)
    };
    time(usage.user_time()) + time(usage.system_time())
}

fn tail(run: Tail<'_>) -> Duration {
    let Tail {
        bootstrap,
        admin_url,
        topic,
        group,
        messages,
        store,
        validate,
    } = run;
    let mut command = Command::new(env!("CARGO_BIN_EXE_topicgate-consumer"));
    command
        .args([
            "--user",
            "bench",
            "--group",
            &group,
            "--bootstrap-servers",
            bootstrap,
            "--admin-url",
            admin_url,
        ])
        .args(["tail", topic, "--json", "--count", &messages.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::from(
            std::fs::File::create("/dev/null").expect("/dev/null"),
        ))
        .stderr(Stdio::inherit());
    match store {
        Some(store) => command.arg("--store").arg(store),
        None => command.arg("--no-store"),
    };
    if !validate {
        command.arg("--no-validate");
    }
    let started = Instant::now();
    let status = command.status().expect("running topicgate-consumer");
    let took = started.elapsed();
    assert!(status.success(), "topicgate-consumer tail failed: {status}");
    took
}
