//! The release `topicgate-producer` daemon at 10, 100 and 1,000 active
//! topics, and one, two or three daemons sharing the same topics.
//!
//! Part 1, for each size (`PRODUCER_BENCH_TOPICS`, default `10,100,1000`):
//! a fresh SQLite registry holds that many approved topics (1 partition,
//! replication factor 1) and an admin service runs on it in this process.
//! One daemon (its own consumer group) is started at the default pace (one
//! record every 0.5-1.5 s per topic): it creates the topics in Kafka (and
//! their dead-letter topics) and activates them. Once every topic has
//! records, after a warm-up (`PRODUCER_BENCH_WARMUP`, default 2 s), the
//! window (`PRODUCER_BENCH_SECONDS`, default 15) measures:
//!
//! - records/s: the growth of the topics' end offsets (one `ListOffsets`
//!   request for all topics at each end of the window, no consuming);
//! - CPU: user + system seconds of the daemon's process per wall second,
//!   from `/proc/<pid>/stat` (1.0 = one core busy); the broker's too;
//! - memory: `VmRSS` of `/proc/<pid>/status`, sampled every second (the
//!   highest sample is reported), and the thread count.
//!
//! That daemon is stopped (SIGTERM) and a fresh one runs unthrottled
//! (`--rate 0`) on the same, already active topics; same window. Before
//! the sizes, a daemon on an empty registry gives the idle figures: the
//! fixed cost the per-topic figures are taken over.
//!
//! Part 2, with `PRODUCER_BENCH_SHARED_TOPICS` (default 100) topics, all
//! daemons unthrottled in one group: one daemon, then a second, then a
//! third joins; after each has settled (`GET /api/cluster` shows the live
//! daemons splitting the topics, none twice) and every topic has records
//! again, a window measures the total records/s and the daemons' CPU.
//! Then `PRODUCER_BENCH_KILLS` times (default 3): SIGKILL one of the
//! three daemons that owns topics and time until every one of its topics
//! grows again (end offsets polled every 100 ms; a topic is written by
//! one daemon at a time, so growth after the kill is a survivor's), then
//! start a third daemon again.
//!
//! All Kafka topics of a run share a random prefix and are deleted at the
//! end of each part.
//!
//! ```text
//! cargo bench --bench producer_scale
//! PRODUCER_BENCH_TOPICS=10,100 PRODUCER_BENCH_SECONDS=10 cargo bench --bench producer_scale
//! ```
//! Cargo builds the package's binaries for a bench and tells it where the
//! release `topicgate-producer` is (`CARGO_BIN_EXE_topicgate-producer`);
//! `PRODUCER_BENCH_BINARY` runs another one. Without
//! `KAFKA_BOOTSTRAP_SERVERS` it starts (or reuses) the local broker of
//! `scripts/kafka.sh`, whose process it finds for the broker's CPU.

#[path = "support/admin.rs"]
mod admin_service;
#[path = "support/private_file.rs"]
mod private_file;

#[path = "support/env.rs"]
mod env;
#[path = "support/kafka.rs"]
mod kafka;

use env::env_number;
use kafka::bootstrap_servers;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use private_file::PrivateFile;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use topicgate::client::AdminClient as AdminApi;
use topicgate::config::{AdminSettings, Secret};
use topicgate::db;
use topicgate::db::models::NewTopic;
use topicgate::db::topics::TopicRef;
use topicgate::domain::{RawTopicRequest, TopicNamePolicy, TopicRequest, Transition};

/// A bound for the daemon to create, activate and start generating every
/// topic, or for a group to settle: not a speed requirement.
const READY_WITHIN: Duration = Duration::from_secs(600);

fn main() {
    let sizes: Vec<usize> = std::env::var("PRODUCER_BENCH_TOPICS")
        .unwrap_or_else(|_| "10,100,1000".into())
        .split(',')
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.trim().parse().expect("PRODUCER_BENCH_TOPICS: numbers"))
        .collect();
    let config = Config {
        window: Duration::from_secs(env_number("PRODUCER_BENCH_SECONDS", 15)),
        warmup: Duration::from_secs(env_number("PRODUCER_BENCH_WARMUP", 2)),
        binary: producer_binary(),
        bootstrap: bootstrap_servers(),
        broker_pid: broker_pid(),
        ticks: clock_ticks(),
    };
    let shared = env_number("PRODUCER_BENCH_SHARED_TOPICS", 100) as usize;
    let kills = env_number("PRODUCER_BENCH_KILLS", 3) as usize;
    println!(
        "producer_scale: {} cores, {}, broker {} (pid {}), window {} s after {} s warm-up, \
         daemon {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        Utc::now().format("%Y-%m-%d"),
        config.bootstrap,
        config
            .broker_pid
            .map_or_else(|| "unknown".into(), |p| p.to_string()),
        config.window.as_secs(),
        config.warmup.as_secs(),
        config.binary.display()
    );
    actix_rt::System::new().block_on(async move {
        let mut rows = vec![idle(&config).await];
        for &topics in &sizes {
            rows.extend(one_daemon(&config, topics).await);
        }
        print_scale_table(&rows);
        if shared > 0 {
            several_daemons(&config, shared, kills).await;
        }
    });
}

struct Config {
    window: Duration,
    warmup: Duration,
    binary: PathBuf,
    bootstrap: String,
    broker_pid: Option<u32>,
    ticks: f64,
}

// ------------------------------------------------------------ environment

fn producer_binary() -> PathBuf {
    if let Ok(path) = std::env::var("PRODUCER_BENCH_BINARY") {
        return path.into();
    }
    let path = PathBuf::from(env!("CARGO_BIN_EXE_topicgate-producer"));
    assert!(
        path.exists(),
        "{} is missing: run through `cargo bench`, which builds it",
        path.display()
    );
    path
}

/// The broker's process: `PRODUCER_BENCH_BROKER_PID`, or node 0 of the
/// default instance of `scripts/kafka.sh`.
fn broker_pid() -> Option<u32> {
    if let Some(pid) = std::env::var("PRODUCER_BENCH_BROKER_PID")
        .ok()
        .and_then(|p| p.parse().ok())
    {
        return Some(pid);
    }
    let cache = std::env::var("KAFKA_CACHE_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.cache/kafka").into());
    let pid: u32 = std::fs::read_to_string(format!("{cache}/run/default/node-0/pid"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

fn clock_ticks() -> f64 {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK is a number")
}

// ------------------------------------------------------------ /proc

#[derive(Debug, Clone, Copy, Default)]
struct ProcSample {
    /// utime + stime, in clock ticks.
    cpu_ticks: u64,
    rss_kib: u64,
    threads: u64,
}

fn proc_sample(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces: the first is
    // field 3 (state), so utime (14) and stime (15) are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Some(ProcSample {
        cpu_ticks: utime + stime,
        rss_kib: field("VmRSS:"),
        threads: field("Threads:"),
    })
}

// ------------------------------------------------------------ Kafka

fn metadata_client(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a Kafka client")
}

/// The end offset of each topic's partition 0 (all records ever written,
/// as nothing is deleted), in one `ListOffsets` request per broker; -1 for
/// a topic Kafka does not have (yet). Topics that request does not answer
/// are asked one by one (`fetch_watermarks`).
fn end_offsets(bootstrap: &str, topics: &[String]) -> Vec<i64> {
    if topics.is_empty() {
        return Vec::new();
    }
    // A client of its own each time: one that asked for a topic before it
    // existed keeps taking it for missing until its next metadata refresh.
    let client = metadata_client(bootstrap);
    let mut list = TopicPartitionList::new();
    for topic in topics {
        list.add_partition_offset(topic, 0, Offset::End)
            .expect("a partition");
    }
    let found: BTreeMap<String, i64> = match client.offsets_for_times(list, LIST_OFFSETS_TIMEOUT) {
        Ok(answer) => answer
            .elements()
            .iter()
            .filter(|e| e.error().is_ok())
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) => Some((e.topic().to_owned(), o)),
                _ => None,
            })
            .collect(),
        Err(error) => {
            if !LIST_OFFSETS_FAILED.swap(true, std::sync::atomic::Ordering::Relaxed) {
                eprintln!(
                    "ListOffsets for {} topics: {error}; asking one by one",
                    topics.len()
                );
            }
            BTreeMap::new()
        }
    };
    topics
        .iter()
        .map(|t| {
            found.get(t).copied().unwrap_or_else(|| {
                client
                    .fetch_watermarks(t, 0, LIST_OFFSETS_TIMEOUT)
                    .map_or(-1, |(_, high)| high)
            })
        })
        .collect()
}

const LIST_OFFSETS_TIMEOUT: Duration = Duration::from_secs(5);
static LIST_OFFSETS_FAILED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Deletes every Kafka topic whose name starts with `prefix`.
async fn delete_topics(bootstrap: &str, prefix: &str) {
    let client = metadata_client(bootstrap);
    let metadata = client
        .fetch_metadata(None, Duration::from_secs(30))
        .expect("Kafka's metadata");
    let names: Vec<String> = metadata
        .topics()
        .iter()
        .map(|t| t.name().to_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a Kafka admin client");
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(60)));
    let started = Instant::now();
    for chunk in names.chunks(200) {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        match admin.delete_topics(&chunk, &options).await {
            Ok(results) => {
                for result in results {
                    if let Err((topic, error)) = result {
                        eprintln!("deleting {topic}: {error}");
                    }
                }
            }
            Err(error) => eprintln!("deleting {} topics: {error}", chunk.len()),
        }
    }
    println!(
        "deleted {} Kafka topics {prefix}* in {:.1} s",
        names.len(),
        started.elapsed().as_secs_f64()
    );
}

// ------------------------------------------------------------ registry and admin

/// A registry with `topics` approved topics of one partition and an admin
/// service on it in this process.
struct Registry {
    dir: tempfile::TempDir,
    base_url: String,
    admin_token: Secret,
    key_file: PathBuf,
    topics: Vec<String>,
}

fn registry(prefix: &str, topics: usize) -> Registry {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("registry.db");
    let started = Instant::now();
    let names = seed(&path, prefix, topics);
    let (admin_token, producer_key) = (Secret::generate(), Secret::generate());
    let key_file = dir.path().join("producer.key");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode_private()
        .open(&key_file)
        .expect("the producer key file");
    file.write_all(producer_key.expose().as_bytes())
        .expect("writing the producer key");
    let port = start_admin(path, admin_token.clone(), producer_key);
    println!(
        "registry of {topics} approved topics {prefix}*: filled in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Registry {
        dir,
        base_url: format!("http://127.0.0.1:{port}"),
        admin_token,
        key_file,
        topics: names,
    }
}

fn seed(path: &Path, prefix: &str, topics: usize) -> Vec<String> {
    let pool = db::open(path, 2).expect("a new registry");
    let mut conn = pool.get().expect("a connection");
    let now = Utc::now().naive_utc();
    let policy = TopicNamePolicy::default();
    let mut names = Vec::new();
    for i in 0..topics {
        let name = format!("{prefix}{i:04}");
        let description = format!("producer benchmark topic {i}");
        let raw = RawTopicRequest {
            name: &name,
            partitions: Some(1),
            replication_factor: Some(1),
            description: Some(&description),
            created_by: Some("bench"),
            ..Default::default()
        };
        let request = TopicRequest::parse(raw, 1, &policy).expect("a valid request");
        let topic = db::topics::create(
            &mut conn,
            &NewTopic::pending(request, now),
            "bench",
            i64::MAX,
        )
        .expect("a topic");
        db::topics::transition(
            &mut conn,
            &TopicRef::Id(topic.id),
            Transition::Approve,
            "bench",
            None,
            now,
        )
        .expect("approved");
        names.push(name);
    }
    names
}

fn start_admin(database: PathBuf, admin_token: Secret, producer_key: Secret) -> u16 {
    admin_service::serve(AdminSettings {
        bind: "127.0.0.1:0".into(),
        database_url: database.into(),
        producer_key,
        admin_token,
        admin_token_hint: Default::default(),
        max_replication_factor: 1,
        workers: Some(2),
        topic_names: Default::default(),
        http: Default::default(),
        kafka: None,
        access: Default::default(),
    })
}

// ------------------------------------------------------------ daemons

/// A running `topicgate-producer`; killed if still running when dropped.
struct Daemon {
    id: String,
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts a daemon on `registry` in `group`; `rate` is its `--rate`
    /// (none: the default pace). The producer key goes by a 0600 file.
    fn spawn(
        config: &Config,
        registry: &Registry,
        id: &str,
        group: &str,
        control: &str,
        rate: Option<&str>,
    ) -> Self {
        let log = registry.dir.path().join(format!("{id}.log"));
        let mut command = Command::new(&config.binary);
        if let Some(rate) = rate {
            command.args(["--rate", rate]);
        }
        let child = command
            .env("TOPICGATE_ADMIN_URL", &registry.base_url)
            .env("KAFKA_BOOTSTRAP_SERVERS", &config.bootstrap)
            .env("TOPICGATE_PRODUCER_KEY_FILE", &registry.key_file)
            .env("TOPICGATE_INSTANCE_ID", id)
            .env("TOPICGATE_PRODUCER_GROUP", group)
            .env("TOPICGATE_CONTROL_TOPIC", control)
            .env_remove("TOPICGATE_PRODUCER_KEY")
            .env_remove("TOPICGATE_PRODUCER_RATE")
            .env_remove("TOPICGATE_DENY_TOPIC_PATTERNS")
            .env_remove("TOPICGATE_METRICS_BIND")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("the daemon's log file"))
            .spawn()
            .expect("start topicgate-producer");
        Self {
            id: id.to_owned(),
            child,
            log,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then SIGKILL if it has not stopped within 30 s.
    fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop within 30 s; killing it", self.id);
    }

    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited ({status}); its log:\n{}",
                self.id,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until every topic's end offset is past `before` and above 0 (a
/// topic Kafka does not have yet counts as -1, a new one holds no
/// record); returns how long that took.
async fn generating(
    client: &str,
    topics: &[String],
    before: &[i64],
    daemons: &mut [&mut Daemon],
) -> Duration {
    let started = Instant::now();
    loop {
        let now = end_offsets(client, topics);
        let behind = now
            .iter()
            .zip(before)
            .filter(|&(&n, &b)| n <= b.max(0))
            .count();
        if behind == 0 {
            return started.elapsed();
        }
        for daemon in daemons.iter_mut() {
            daemon.assert_running();
        }
        assert!(
            started.elapsed() < READY_WITHIN,
            "{behind} of {} topics got no records within {READY_WITHIN:?}",
            topics.len()
        );
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
}

// ------------------------------------------------------------ windows

struct Window {
    records_per_second: f64,
    /// Each daemon's CPU seconds per wall second.
    cpu: Vec<f64>,
    broker_cpu: Option<f64>,
    /// Each daemon's highest RSS sample, KiB.
    rss_kib: Vec<u64>,
    threads: Vec<u64>,
}

impl Window {
    fn cpu_total(&self) -> f64 {
        self.cpu.iter().sum()
    }
}

/// Measures `pids` and the topics' growth over the configured window.
async fn measure(config: &Config, client: &str, topics: &[String], pids: &[u32]) -> Window {
    actix_rt::time::sleep(config.warmup).await;
    let sample_all = || -> Vec<ProcSample> {
        pids.iter()
            .map(|&pid| proc_sample(pid).expect("the daemon is running"))
            .collect()
    };
    let broker_before = config.broker_pid.and_then(proc_sample);
    let before = sample_all();
    let started = Instant::now();
    let offsets_before = end_offsets(client, topics);
    let mut peak: Vec<u64> = before.iter().map(|s| s.rss_kib).collect();
    let mut threads: Vec<u64> = before.iter().map(|s| s.threads).collect();
    while started.elapsed() < config.window {
        actix_rt::time::sleep(Duration::from_secs(1).min(config.window - started.elapsed())).await;
        for (i, sample) in sample_all().iter().enumerate() {
            peak[i] = peak[i].max(sample.rss_kib);
            threads[i] = threads[i].max(sample.threads);
        }
    }
    let offsets_after = end_offsets(client, topics);
    let after = sample_all();
    let elapsed = started.elapsed().as_secs_f64();
    let broker_after = config.broker_pid.and_then(proc_sample);
    let records: i64 = offsets_after
        .iter()
        .zip(&offsets_before)
        .map(|(a, b)| (a - b).max(0))
        .sum();
    let cpu = |b: &ProcSample, a: &ProcSample| {
        (a.cpu_ticks - b.cpu_ticks) as f64 / config.ticks / elapsed
    };
    Window {
        records_per_second: records as f64 / elapsed,
        cpu: before.iter().zip(&after).map(|(b, a)| cpu(b, a)).collect(),
        broker_cpu: broker_before.zip(broker_after).map(|(b, a)| cpu(&b, &a)),
        rss_kib: peak,
        threads,
    }
}

// ------------------------------------------------------------ part 1

struct Row {
    topics: usize,
    pace: &'static str,
    ready: Option<Duration>,
    window: Window,
}

fn prefix(label: &str) -> String {
    format!("pscale_{label}_{:08x}_", rand::random::<u32>())
}

/// One daemon on an empty registry: the fixed cost.
async fn idle(config: &Config) -> Row {
    let prefix = prefix("idle");
    let registry = registry(&prefix, 0);
    let client = config.bootstrap.as_str();
    let control = format!("{prefix}control");
    let mut daemon = Daemon::spawn(
        config,
        &registry,
        &format!("{prefix}d"),
        &format!("{prefix}g"),
        &control,
        None,
    );
    // Time to create its control topic and join its group.
    actix_rt::time::sleep(Duration::from_secs(5)).await;
    daemon.assert_running();
    let window = measure(config, client, &[], &[daemon.pid()]).await;
    daemon.terminate();
    delete_topics(&config.bootstrap, &prefix).await;
    let row = Row {
        topics: 0,
        pace: "idle",
        ready: None,
        window,
    };
    print_row(&row);
    row
}

/// One daemon at the default pace (it creates and activates the topics),
/// then a fresh one unthrottled on the same topics.
async fn one_daemon(config: &Config, topics: usize) -> Vec<Row> {
    let prefix = prefix(&topics.to_string());
    let registry = registry(&prefix, topics);
    let client = config.bootstrap.as_str();
    let control = format!("{prefix}control");
    let mut rows = Vec::new();
    for (pace, rate) in [("default", None), ("unthrottled", Some("0"))] {
        let before = end_offsets(client, &registry.topics);
        let group = format!("{prefix}{pace}");
        let mut daemon = Daemon::spawn(
            config,
            &registry,
            &format!("{prefix}{pace}"),
            &group,
            &control,
            rate,
        );
        let ready = generating(client, &registry.topics, &before, &mut [&mut daemon]).await;
        let window = measure(config, client, &registry.topics, &[daemon.pid()]).await;
        daemon.assert_running();
        daemon.terminate();
        let row = Row {
            topics,
            pace,
            ready: Some(ready),
            window,
        };
        print_row(&row);
        rows.push(row);
    }
    delete_topics(&config.bootstrap, &prefix).await;
    rows
}

fn print_row(row: &Row) {
    let w = &row.window;
    println!(
        "{} topics, {}: every topic generating after {}; {:.1} records/s; daemon CPU {:.3}; \
         broker CPU {}; RSS {:.1} MiB; {} threads",
        row.topics,
        row.pace,
        row.ready
            .map_or_else(|| "-".into(), |d| format!("{:.1} s", d.as_secs_f64())),
        w.records_per_second,
        w.cpu_total(),
        w.broker_cpu
            .map_or_else(|| "-".into(), |c| format!("{c:.3}")),
        w.rss_kib[0] as f64 / 1024.0,
        w.threads[0]
    );
}

fn print_scale_table(rows: &[Row]) {
    println!();
    println!(
        "| topics | pace | all generating after | records/s | records/s per topic | daemon CPU | \
         CPU per topic over idle | RSS | RSS per topic over idle | threads | broker CPU |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let idle = rows.iter().find(|r| r.topics == 0).map(|r| &r.window);
    for row in rows {
        let w = &row.window;
        let per_topic = |x: f64| {
            if row.topics == 0 {
                "-".into()
            } else {
                format!("{:.2}", x / row.topics as f64)
            }
        };
        let cpu_over_idle = idle.filter(|_| row.topics > 0).map_or_else(
            || "-".into(),
            |i| {
                format!(
                    "{:.2} ms/s",
                    1000.0 * (w.cpu_total() - i.cpu_total()) / row.topics as f64
                )
            },
        );
        let rss_over_idle = idle.filter(|_| row.topics > 0).map_or_else(
            || "-".into(),
            |i| {
                format!(
                    "{:.1} KiB",
                    (w.rss_kib[0] as f64 - i.rss_kib[0] as f64) / row.topics as f64
                )
            },
        );
        println!(
            "| {} | {} | {} | {:.0} | {} | {:.3} | {} | {:.1} MiB | {} | {} | {} |",
            row.topics,
            row.pace,
            row.ready
                .map_or_else(|| "-".into(), |d| format!("{:.1} s", d.as_secs_f64())),
            w.records_per_second,
            per_topic(w.records_per_second),
            w.cpu_total(),
            cpu_over_idle,
            w.rss_kib[0] as f64 / 1024.0,
            rss_over_idle,
            w.threads[0],
            w.broker_cpu
                .map_or_else(|| "-".into(), |c| format!("{c:.3}")),
        );
    }
    // The growth between two sizes at the same pace, per topic added.
    println!();
    println!(
        "| pace | from | to | CPU per added topic | RSS per added topic | records/s per added topic |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for pace in ["default", "unthrottled"] {
        let same: Vec<&Row> = rows.iter().filter(|r| r.pace == pace).collect();
        for pair in same.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let added = (b.topics as f64 - a.topics as f64).max(1.0);
            println!(
                "| {pace} | {} | {} | {:.2} ms/s | {:.1} KiB | {:.2} |",
                a.topics,
                b.topics,
                1000.0 * (b.window.cpu_total() - a.window.cpu_total()) / added,
                (b.window.rss_kib[0] as f64 - a.window.rss_kib[0] as f64) / added,
                (b.window.records_per_second - a.window.records_per_second) / added,
            );
        }
    }
}

// ------------------------------------------------------------ part 2

/// `GET /api/cluster`'s producers: instance id to the topics it owns.
async fn owners(api: &AdminApi) -> BTreeMap<String, BTreeSet<String>> {
    match api.cluster().await {
        Ok(view) => view
            .producers
            .into_iter()
            .map(|p| (p.instance_id, p.owned_topics.into_iter().collect()))
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}

/// Waits until the live daemons' reports split `topics`: each owns some,
/// none is owned twice, none is left out; returns the split.
async fn settled(
    api: &AdminApi,
    daemons: &mut [Daemon],
    topics: &[String],
) -> BTreeMap<String, BTreeSet<String>> {
    let started = Instant::now();
    let all: BTreeSet<&String> = topics.iter().collect();
    loop {
        let view = owners(api).await;
        let live: BTreeMap<String, BTreeSet<String>> = daemons
            .iter()
            .filter_map(|d| view.get(&d.id).map(|owned| (d.id.clone(), owned.clone())))
            .collect();
        let owned: Vec<&String> = live.values().flatten().collect();
        let distinct: BTreeSet<&String> = owned.iter().copied().collect();
        if live.len() == daemons.len()
            && live.values().all(|o| !o.is_empty())
            && owned.len() == distinct.len()
            && distinct == all
        {
            return live;
        }
        for daemon in daemons.iter_mut() {
            daemon.assert_running();
        }
        assert!(
            started.elapsed() < READY_WITHIN,
            "the group did not settle: {view:?}"
        );
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn several_daemons(config: &Config, topics: usize, kills: usize) {
    let prefix = prefix(&format!("shared{topics}"));
    let registry = registry(&prefix, topics);
    let client = config.bootstrap.as_str();
    let api = AdminApi::new(registry.base_url.clone()).with_token(&registry.admin_token);
    let group = format!("{prefix}group");
    let control = format!("{prefix}control");
    let mut daemons: Vec<Daemon> = Vec::new();
    let mut started = 0;
    let mut spawn = |daemons: &mut Vec<Daemon>| {
        started += 1;
        let id = format!("{prefix}d{started}");
        daemons.push(Daemon::spawn(
            config,
            &registry,
            &id,
            &group,
            &control,
            Some("0"),
        ));
    };
    println!();
    println!(
        "| daemons | settled after | records/s | records/s per topic | daemons' CPU (each) | broker CPU | RSS (each) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut lines = Vec::new();
    for count in 1..=3 {
        let joined = Instant::now();
        spawn(&mut daemons);
        settled(&api, &mut daemons, &registry.topics).await;
        let settle = joined.elapsed();
        let before = end_offsets(client, &registry.topics);
        let mut refs: Vec<&mut Daemon> = daemons.iter_mut().collect();
        generating(client, &registry.topics, &before, &mut refs).await;
        let pids: Vec<u32> = daemons.iter().map(Daemon::pid).collect();
        let w = measure(config, client, &registry.topics, &pids).await;
        let line = format!(
            "| {count} | {:.1} s | {:.0} | {:.1} | {:.3} ({}) | {} | {} |",
            settle.as_secs_f64(),
            w.records_per_second,
            w.records_per_second / topics as f64,
            w.cpu_total(),
            w.cpu
                .iter()
                .map(|c| format!("{c:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            w.broker_cpu
                .map_or_else(|| "-".into(), |c| format!("{c:.3}")),
            w.rss_kib
                .iter()
                .map(|r| format!("{:.0} MiB", *r as f64 / 1024.0))
                .collect::<Vec<_>>()
                .join(", "),
        );
        println!("{line}");
        lines.push(line);
    }

    let mut takeovers = Vec::new();
    for round in 1..=kills {
        let split = settled(&api, &mut daemons, &registry.topics).await;
        // The daemon that owns the most topics.
        let (victim_id, victim_topics) = split
            .iter()
            .max_by_key(|(_, owned)| owned.len())
            .map(|(id, owned)| (id.clone(), owned.iter().cloned().collect::<Vec<_>>()))
            .expect("a daemon with topics");
        let index = daemons
            .iter()
            .position(|d| d.id == victim_id)
            .expect("the victim");
        let mut victim = daemons.remove(index);
        let killed_at = Instant::now();
        let _ = victim.child.kill();
        let _ = victim.child.wait();
        drop(victim);
        // Records already on their way when it died land within moments;
        // the survivors cannot have the topics before the session timeout.
        actix_rt::time::sleep(Duration::from_millis(500)).await;
        let baseline = end_offsets(client, &victim_topics);
        let mut first = None;
        let all = loop {
            let now = end_offsets(client, &victim_topics);
            let grown = now.iter().zip(&baseline).filter(|(n, b)| n > b).count();
            if grown > 0 && first.is_none() {
                first = Some(killed_at.elapsed());
            }
            if grown == victim_topics.len() {
                break killed_at.elapsed();
            }
            assert!(
                killed_at.elapsed() < READY_WITHIN,
                "{grown} of {} topics taken over",
                victim_topics.len()
            );
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        };
        let first = first.unwrap_or(all);
        println!(
            "kill {round}: {} topics of {victim_id}: first generated again after {:.2} s, \
             all after {:.2} s",
            victim_topics.len(),
            first.as_secs_f64(),
            all.as_secs_f64()
        );
        takeovers.push((victim_topics.len(), first, all));
        if round < kills {
            spawn(&mut daemons);
        }
    }
    drop(daemons);
    println!();
    println!(
        "| kill | topics of the killed daemon | first generated again | all generated again |"
    );
    println!("|---:|---:|---:|---:|");
    for (i, (count, first, all)) in takeovers.iter().enumerate() {
        println!(
            "| {} | {count} | {:.2} s | {:.2} s |",
            i + 1,
            first.as_secs_f64(),
            all.as_secs_f64()
        );
    }
    delete_topics(&config.bootstrap, &prefix).await;
}
