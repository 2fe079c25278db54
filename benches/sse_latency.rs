//! Produce → Server-Sent Event latency of the admin service's live tail:
//! records produced at a steady rate (1,000 a second by default) to a
//! topic that 10 clients tail at once through
//! `GET /api/topics/{name}/stream`, against the in-process admin service
//! and the real broker. Each record carries the time it was handed to the
//! producer; each client notes when its event arrived.
//!
//! Needs a Kafka (`scripts/kafka.sh start`, or KAFKA_BOOTSTRAP_SERVERS):
//!
//! ```text
//! cargo bench --bench sse_latency
//! SSE_BENCH_RATE=2000 SSE_BENCH_SECONDS=20 SSE_BENCH_STREAMS=16 cargo bench --bench sse_latency
//! ```
//!
//! The first second of records warms up (connections, fetch sessions) and
//! is left out of the percentiles.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use topicgate::config::{AdminSettings, HttpEdgeSettings, KafkaSettings, Secret};

#[path = "support/admin.rs"]
mod admin_service;

const PARTITIONS: i32 = 3;

/// The clock every timestamp in a record is read from.
fn micros_since_start() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn main() {
    micros_since_start();
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "127.0.0.1:9092".into());
    let rate = env_number("SSE_BENCH_RATE", 1000);
    let seconds = env_number("SSE_BENCH_SECONDS", 10);
    let streams = env_number("SSE_BENCH_STREAMS", 10) as usize;
    let total = (rate * seconds) as usize;
    let warm_up = rate as usize;

    let dir = tempfile::tempdir().expect("a temp dir");
    let port = start_admin(&bootstrap, dir.path().join("registry.db"), streams);
    let topic = format!("bench-sse-{:08x}", rand::random::<u32>());
    register(port, &topic);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(create_topic(&bootstrap, &topic));

    let (latencies_tx, latencies_rx) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::channel();
    for _ in 0..streams {
        let (topic, latencies, ready) = (topic.clone(), latencies_tx.clone(), ready_tx.clone());
        std::thread::spawn(move || tail(port, &topic, total, ready, latencies));
    }
    drop(latencies_tx);
    for _ in 0..streams {
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("every stream opened");
    }
    eprintln!("{streams} streams open on {topic}; producing {total} records at {rate}/s");
    runtime.block_on(produce(&bootstrap, &topic, rate, total));

    let mut all = Vec::new();
    let mut short = 0;
    for latencies in latencies_rx.iter() {
        let latencies: Vec<(usize, u64)> = latencies;
        if latencies.len() < total {
            short += 1;
        }
        all.extend(
            latencies
                .into_iter()
                .filter(|(n, _)| *n >= warm_up)
                .map(|(_, micros)| micros),
        );
    }
    all.sort_unstable();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)] as f64 / 1000.0;
    println!(
        "sse_latency: {rate} records/s to {streams} streams for {seconds} s: \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} events ({short} streams missed records)",
        at(0.50),
        at(0.99),
        at(1.0),
        all.len()
    );
}

/// Starts the admin service on its own thread and returns its port.
fn start_admin(bootstrap: &str, database: std::path::PathBuf, streams: usize) -> u16 {
    let http = HttpEdgeSettings {
        max_streams: streams.max(1),
        ..Default::default()
    };
    let settings = AdminSettings {
        bind: "127.0.0.1:0".into(),
        database_url: database.into(),
        producer_key: Secret::generate(),
        admin_token: Secret::generate(),
        admin_token_hint: Default::default(),
        max_replication_factor: 1,
        workers: Some(2),
        topic_names: Default::default(),
        http,
        kafka: Some(KafkaSettings::new(bootstrap)),
        access: Default::default(),
    };
    admin_service::serve(settings)
}

/// Requests `topic` in the registry (the stream serves registered topics).
fn register(port: u16, topic: &str) {
    let body = serde_json::json!({
        "name": topic, "partitions": PARTITIONS, "replication_factor": 1, "created_by": "bench"
    })
    .to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "POST /api/topics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

async fn create_topic(bootstrap: &str, topic: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a Kafka admin client");
    let new_topic = NewTopic::new(topic, PARTITIONS, TopicReplication::Fixed(1));
    let results = admin
        .create_topics([&new_topic], &AdminOptions::new())
        .await
        .expect("create the topic");
    for result in results {
        result.expect("the topic was created");
    }
    // The stream reads the topic's metadata; give it a moment to spread.
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// Tails `topic`; says when the stream is open, then sends back
/// `(record number, latency in µs)` of each event once all came or
/// nothing came for 30 s.
fn tail(
    port: u16,
    topic: &str,
    total: usize,
    ready: mpsc::Sender<()>,
    latencies: mpsc::Sender<Vec<(usize, u64)>>,
) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET /api/topics/{topic}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    let mut reader = BufReader::new(stream);
    let mut seen = Vec::with_capacity(total);
    let mut line = String::new();
    while seen.len() < total {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line.starts_with("HTTP/1.1 ") && !line.starts_with("HTTP/1.1 200") {
            panic!("the stream was refused: {line}");
        }
        if line.starts_with(": connected") {
            let _ = ready.send(());
            continue;
        }
        let Some(json) = line.trim_end().strip_prefix("data: ") else {
            continue;
        };
        let arrived = micros_since_start();
        let Ok(event) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        let value = &event["value"];
        if let (Some(n), Some(sent)) = (value["n"].as_u64(), value["sent_us"].as_u64()) {
            seen.push((n as usize, arrived.saturating_sub(sent)));
        }
    }
    let _ = latencies.send(seen);
}

/// Produces `total` records at `rate` a second, each stamped with the
/// time it was handed over.
async fn produce(bootstrap: &str, topic: &str, rate: u64, total: usize) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        // Latency, not throughput: send each record at once.
        .set("linger.ms", "0")
        .create()
        .expect("a Kafka producer");
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let started = tokio::time::Instant::now();
    let mut deliveries = Vec::with_capacity(total);
    for n in 0..total {
        tokio::time::sleep_until(started + period * n as u32).await;
        let value = format!(r#"{{"n":{n},"sent_us":{}}}"#, micros_since_start());
        let key = n.to_string();
        let record = FutureRecord::to(topic).key(&key).payload(&value);
        deliveries.push(producer.send_result(record).expect("queue a record"));
    }
    for delivery in deliveries {
        let _ = delivery.await;
    }
    let _ = producer.flush(Duration::from_secs(10));
}
