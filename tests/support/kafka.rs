//! A real Apache Kafka for integration tests.
//!
//! Most tests only need [`bootstrap_servers`]: it returns
//! `KAFKA_BOOTSTRAP_SERVERS` when that is set, and otherwise starts (or
//! reuses) the shared local broker of `scripts/kafka.sh` on 127.0.0.1:9092.
//! Tests that break brokers start their own cluster with [`KafkaInstance`].
//! Give every test its own topic and group names with [`unique_name`].
//!
//! Every helper here panics with a readable message on failure: they are for
//! tests only.

use std::fs::File;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use nix::fcntl::{Flock, FlockArg};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};

/// The environment variable naming an existing Kafka to test against.
pub const BOOTSTRAP_ENV: &str = "KAFKA_BOOTSTRAP_SERVERS";

/// How long the topic helpers wait for the cluster to show a new topic.
const TOPIC_WAIT: Duration = Duration::from_secs(60);

/// Bootstrap servers of the Kafka that tests share.
///
/// `KAFKA_BOOTSTRAP_SERVERS` when set; otherwise `scripts/kafka.sh start` runs
/// once per test process. The script holds a lock while starting, so test
/// binaries running side by side share one broker, which keeps running
/// afterwards for the next run (stop it with `scripts/kafka.sh stop`).
pub fn bootstrap_servers() -> String {
    static SERVERS: OnceLock<String> = OnceLock::new();
    SERVERS
        .get_or_init(|| match std::env::var(BOOTSTRAP_ENV) {
            Ok(servers) if !servers.trim().is_empty() => servers,
            _ => run_start(&["start"]),
        })
        .clone()
}

/// A fresh name such as `orders-3f9c0a1b2d4e5f60` for a topic or group, so
/// tests never see each other's data, even on a broker kept between runs.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// A Kafka cluster of its own for a test that stops, kills or restarts
/// brokers: `brokers` combined broker+controller nodes forming one KRaft
/// quorum.
///
/// Node `i` (0-based, also its Kafka node id) serves clients on
/// `127.0.0.1:{base_port + i}` and its controller on `base_port + 100 + i`,
/// so pick base ports at least 200 apart for instances that may run at the
/// same time, and away from the shared broker's 9092 (19092 and up is a good
/// range). The instance lives under `.cache/kafka/run/<name>/`; starting
/// throws away whatever an earlier run left there. Dropping the instance
/// deletes it, except while panicking: then its nodes are stopped and the
/// logs are kept for a look.
pub struct KafkaInstance {
    name: String,
    brokers: usize,
    base_port: u16,
    bootstrap: String,
    /// What `start` printed: `KEY=value` client settings, one a line.
    printed: String,
    /// Held until the instance is destroyed (fields drop after `drop`).
    _turn: Turn,
}

/// Tests run in parallel, and test binaries side by side
/// (`scripts/test.sh`); instances of their own take turns across all of
/// them. Several JVM clusters at once on a small machine starve each other,
/// and a restart test then measures the machine instead of the producer.
/// The turn is an exclusive lock on a file, so the kernel frees it when a
/// test process dies holding it. A test that starts a cluster some other
/// way (`topicgate up --brokers 3`) takes a turn too.
pub struct Turn {
    _lock: Flock<File>,
}

impl Turn {
    pub fn take() -> Turn {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/kafka/test-cluster.lock");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the lock file's directory");
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
        // Blocks until no other test, in any process, runs an instance.
        let lock = Flock::lock(file, FlockArg::LockExclusive)
            .unwrap_or_else(|(_, e)| panic!("locking {}: {e}", path.display()));
        Turn { _lock: lock }
    }
}

impl KafkaInstance {
    /// Starts a fresh instance and waits until every node answers metadata
    /// requests. Blocks for a few seconds per node.
    pub fn start(name: &str, brokers: usize, base_port: u16) -> KafkaInstance {
        Self::start_with(name, brokers, base_port, &[])
    }

    /// Like [`KafkaInstance::start`], with more options for
    /// `scripts/kafka.sh start` (such as `--secure`).
    pub fn start_with(
        name: &str,
        brokers: usize,
        base_port: u16,
        options: &[&str],
    ) -> KafkaInstance {
        let turn = Turn::take();
        let (brokers_arg, port_arg) = (brokers.to_string(), base_port.to_string());
        let mut args = vec![
            "start",
            "--fresh",
            "--name",
            name,
            "--brokers",
            &brokers_arg,
            "--port",
            &port_arg,
        ];
        args.extend_from_slice(options);
        let printed = run_script(&args);
        let bootstrap = printed_setting(&printed, BOOTSTRAP_ENV).unwrap_or_else(|| {
            panic!(
                "scripts/kafka.sh {} printed no {BOOTSTRAP_ENV} line",
                args.join(" ")
            )
        });
        KafkaInstance {
            name: name.to_owned(),
            brokers,
            base_port,
            bootstrap,
            printed,
            _turn: turn,
        }
    }

    /// A client setting `start` printed (`TOPICGATE_KAFKA_SSL_CA`, ...).
    pub fn printed_setting(&self, key: &str) -> Option<String> {
        printed_setting(&self.printed, key)
    }

    /// All nodes' client addresses, comma-separated, for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    /// The client address of one node.
    pub fn node_address(&self, node: usize) -> String {
        format!("127.0.0.1:{}", self.port_of(node))
    }

    /// Number of nodes.
    pub fn brokers(&self) -> usize {
        self.brokers
    }

    /// Stops one node cleanly (SIGTERM: it hands over its partitions first).
    pub fn stop_node(&self, node: usize) {
        self.port_of(node);
        run_script(&["stop-node", &node.to_string(), "--name", &self.name]);
    }

    /// Kills one node with SIGKILL, as a crash or power loss would.
    pub fn kill_node(&self, node: usize) {
        self.port_of(node);
        run_script(&["kill-node", &node.to_string(), "--name", &self.name]);
    }

    /// Starts a stopped or killed node again on its old data and waits until
    /// the cluster lists it. Its replicas may still be catching up: wait for
    /// full in-sync replica sets with [`wait_for_topic`] where that matters.
    pub fn start_node(&self, node: usize) {
        self.port_of(node);
        run_script(&["start-node", &node.to_string(), "--name", &self.name]);
    }

    /// Stops every node cleanly and starts them again on the same data.
    pub fn restart(&self) {
        run_script(&["restart", "--name", &self.name]);
    }

    fn port_of(&self, node: usize) -> u16 {
        assert!(
            node < self.brokers,
            "instance '{}' has nodes 0..{}, not {node}",
            self.name,
            self.brokers
        );
        self.base_port + node as u16
    }
}

impl Drop for KafkaInstance {
    fn drop(&mut self) {
        let command = if std::thread::panicking() {
            eprintln!(
                "keeping the logs of Kafka instance '{}' in .cache/kafka/run/{}/",
                self.name, self.name
            );
            "stop"
        } else {
            "destroy"
        };
        // Never panic in drop: a failure here only leaves processes behind,
        // and the next start of this name throws them away.
        if let Err(message) = try_run_script(&[command, "--name", &self.name]) {
            eprintln!("{message}");
        }
    }
}

/// Creates a topic through rdkafka's AdminClient and waits until the
/// cluster's metadata shows it with every partition led and fully in sync.
///
/// `config` holds topic settings such as `("min.insync.replicas", "2")`.
pub async fn create_topic(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replication: i32,
    config: &[(&str, &str)],
) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("creating a Kafka admin client");
    let mut new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication));
    for (key, value) in config {
        new_topic = new_topic.set(key, value);
    }
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(30)))
        .request_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics([&new_topic], &options)
        .await
        .unwrap_or_else(|e| panic!("creating topic {topic} on {bootstrap}: {e}"));
    for result in results {
        if let Err((name, code)) = result {
            panic!("creating topic {name} on {bootstrap}: {code}");
        }
    }
    wait_for_topic(bootstrap, topic, partitions).await;
}

/// The configs Kafka holds for `topic` that were set on it (not broker
/// defaults), read back with the admin client's DescribeConfigs.
pub async fn topic_configs(
    bootstrap: &str,
    topic: &str,
) -> std::collections::BTreeMap<String, String> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("creating a Kafka admin client");
    let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .describe_configs([&rdkafka::admin::ResourceSpecifier::Topic(topic)], &options)
        .await
        .unwrap_or_else(|e| panic!("describing topic {topic} on {bootstrap}: {e}"));
    let resource = results
        .into_iter()
        .next()
        .expect("one result")
        .unwrap_or_else(|e| panic!("describing topic {topic} on {bootstrap}: {e}"));
    resource
        .entries
        .into_iter()
        .filter(|entry| entry.source == rdkafka::admin::ConfigSource::DynamicTopic)
        .filter_map(|entry| Some((entry.name, entry.value?)))
        .collect()
}

/// Deletes a topic through rdkafka's AdminClient, as an operator would
/// behind topicgate's back, and waits until the metadata no longer lists it.
pub async fn delete_topic(bootstrap: &str, topic: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("creating a Kafka admin client");
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(30)))
        .request_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .delete_topics(&[topic], &options)
        .await
        .unwrap_or_else(|e| panic!("deleting topic {topic} on {bootstrap}: {e}"));
    for result in results {
        if let Err((name, code)) = result {
            panic!("deleting topic {name} on {bootstrap}: {code}");
        }
    }
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    tokio::task::spawn_blocking(move || {
        let client = metadata_client(&bootstrap);
        let deadline = Instant::now() + TOPIC_WAIT;
        while partition_count(&client, &topic) > 0 {
            assert!(
                Instant::now() < deadline,
                "topic {topic} still listed on {bootstrap} after {TOPIC_WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    })
    .await
    .expect("waiting for the topic to go");
}

/// Waits (at most a minute) until the metadata shows `topic` with
/// `partitions` partitions, each with a leader and all replicas in sync.
pub async fn wait_for_topic(bootstrap: &str, topic: &str, partitions: i32) {
    wait_for_layout(bootstrap, topic, partitions, None).await;
}

/// As [`wait_for_topic`], and until every partition has `replicas`
/// replicas. The same client asks throughout: a fresh client's first
/// answer may come from a node that has not yet heard of the topic.
pub async fn wait_for_replicated_topic(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replicas: usize,
) {
    wait_for_layout(bootstrap, topic, partitions, Some(replicas)).await;
}

async fn wait_for_layout(bootstrap: &str, topic: &str, partitions: i32, replicas: Option<usize>) {
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    tokio::task::spawn_blocking(move || {
        let client = metadata_client(&bootstrap);
        let deadline = Instant::now() + TOPIC_WAIT;
        loop {
            let Err(state) = topic_state(&client, &topic, partitions, replicas) else {
                return;
            };
            assert!(
                Instant::now() < deadline,
                "topic {topic} not ready on {bootstrap} within {TOPIC_WAIT:?}: {state}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    })
    .await
    .expect("waiting for topic metadata");
}

/// How many replicas each partition of `topic` has, by partition number.
pub fn partition_replicas(bootstrap: &str, topic: &str) -> Vec<usize> {
    by_partition(bootstrap, topic, |p| p.replicas().len())
}

/// The node id leading each partition of `topic`, by partition number
/// (-1 where a partition has no leader).
pub fn partition_leaders(bootstrap: &str, topic: &str) -> Vec<i32> {
    by_partition(bootstrap, topic, |p| p.leader())
}

/// `read` of each partition of `topic` as `bootstrap` describes it, by
/// partition number.
fn by_partition<T>(
    bootstrap: &str,
    topic: &str,
    read: impl Fn(&rdkafka::metadata::MetadataPartition) -> T,
) -> Vec<T> {
    let client = metadata_client(bootstrap);
    let metadata = client
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("metadata for {topic} from {bootstrap}: {e}"));
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .unwrap_or_else(|| panic!("{bootstrap} does not know topic {topic}"));
    let mut partitions: Vec<(i32, T)> = found
        .partitions()
        .iter()
        .map(|p| (p.id(), read(p)))
        .collect();
    partitions.sort_unstable_by_key(|(id, _)| *id);
    partitions.into_iter().map(|(_, value)| value).collect()
}

/// How many partitions `topic` has; 0 when Kafka does not know it.
pub fn partition_count(client: &BaseConsumer, topic: &str) -> usize {
    let metadata = client
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("metadata for {topic}: {e}"));
    metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .map_or(0, |t| t.partitions().len())
}

/// Records written to `topic` so far: the sum of its partitions' end
/// offsets (see [`records_per_partition`]).
pub async fn record_count(bootstrap: &str, topic: &str) -> i64 {
    records_per_partition(bootstrap, topic).await.iter().sum()
}

/// Each partition's end offset, by partition, read by a plain rdkafka
/// client. A freshly created topic on a cluster may briefly answer "not
/// leader" while its leaders settle; that is retried for a bounded time.
pub async fn records_per_partition(bootstrap: &str, topic: &str) -> Vec<i64> {
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    tokio::task::spawn_blocking(move || {
        let client = metadata_client(&bootstrap);
        (0..partition_count(&client, &topic) as i32)
            .map(|p| {
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    match client.fetch_watermarks(&topic, p, Duration::from_secs(10)) {
                        Ok((_, high)) => break high,
                        Err(e) if Instant::now() < deadline => {
                            eprintln!("watermarks of {topic}[{p}] not available yet: {e}");
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        Err(e) => panic!("watermarks of {topic}[{p}]: {e}"),
                    }
                }
            })
            .collect()
    })
    .await
    .expect("counting records")
}

/// A client of `bootstrap`; of the secured test Kafka (see
/// `secure_kafka`), logged in as its super user, so these helpers serve
/// tests against either cluster.
fn metadata_client(bootstrap: &str) -> BaseConsumer {
    let secured =
        super::secure_kafka::secure_kafka_quietly().filter(|kafka| kafka.bootstrap == bootstrap);
    match secured {
        Some(kafka) => topicgate::kafka_config::client_config(
            &kafka.super_settings(),
            topicgate::kafka_config::KafkaRole::AdminReader,
        ),
        None => {
            let mut config = ClientConfig::new();
            config.set("bootstrap.servers", bootstrap);
            config
        }
    }
    .create()
    .expect("creating a Kafka metadata client")
}

/// `Ok` when the topic is ready, else a description of what is missing.
fn topic_state(
    client: &BaseConsumer,
    topic: &str,
    partitions: i32,
    replicas: Option<usize>,
) -> Result<(), String> {
    let metadata = client
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .map_err(|e| format!("metadata request failed: {e}"))?;
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .ok_or("topic missing from metadata")?;
    if let Some(error) = found.error() {
        return Err(format!("topic error {error:?}"));
    }
    if found.partitions().len() != partitions as usize {
        return Err(format!(
            "{} of {partitions} partitions",
            found.partitions().len()
        ));
    }
    for p in found.partitions() {
        if p.error().is_some() || p.leader() < 0 {
            return Err(format!("partition {} has no leader yet", p.id()));
        }
        if replicas.is_some_and(|wanted| p.replicas().len() != wanted) {
            return Err(format!(
                "partition {}: replicas {:?}, not {replicas:?}",
                p.id(),
                p.replicas()
            ));
        }
        if p.isr().len() != p.replicas().len() {
            return Err(format!(
                "partition {}: in-sync replicas {:?} of {:?}",
                p.id(),
                p.isr(),
                p.replicas()
            ));
        }
    }
    Ok(())
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka.sh")
}

/// Runs `scripts/kafka.sh`, panicking with its output when it fails.
/// Returns what it printed on stdout.
fn run_script(args: &[&str]) -> String {
    try_run_script(args).unwrap_or_else(|message| panic!("{message}"))
}

/// Runs a command of the script that prints the bootstrap servers.
fn run_start(args: &[&str]) -> String {
    let printed = run_script(args);
    printed_setting(&printed, BOOTSTRAP_ENV).unwrap_or_else(|| {
        panic!(
            "scripts/kafka.sh {} printed no {BOOTSTRAP_ENV} line",
            args.join(" ")
        )
    })
}

/// The value of the last `KEY=value` line for `key` in `printed`.
fn printed_setting(printed: &str, key: &str) -> Option<String> {
    printed
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Runs `scripts/kafka.sh` with `args`: what it printed on stdout, or, when
/// it failed, a message with its status, stdout and stderr.
pub fn try_run_script(args: &[&str]) -> Result<String, String> {
    let output = Command::new("bash")
        .arg(script())
        .args(args)
        .output()
        .map_err(|e| format!("running {}: {e}", script().display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "scripts/kafka.sh {} failed ({}):\n{}{}",
            args.join(" "),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(stdout.into_owned())
}

/// Names of every topic the cluster lists, internal ones included. Asks
/// for all topics rather than one by name, so the question itself can
/// never make the broker create a topic.
pub fn topic_names(bootstrap: &str) -> Vec<String> {
    let metadata = metadata_client(bootstrap)
        .fetch_metadata(None, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("metadata from {bootstrap}: {e}"));
    metadata
        .topics()
        .iter()
        .map(|t| t.name().to_owned())
        .collect()
}

/// Writes `count` small records to `topic` and waits for each delivery.
pub async fn produce(bootstrap: &str, topic: &str, count: usize) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "30000")
        .create()
        .expect("creating a Kafka producer");
    for i in 0..count {
        let payload = format!("record {i}");
        producer
            .send(
                FutureRecord::<(), _>::to(topic).payload(&payload),
                Duration::from_secs(30),
            )
            .await
            .unwrap_or_else(|(e, _)| panic!("producing to {topic}: {e}"));
    }
}

/// Joins consumer group `group` on `topic`, reads one record and commits
/// it synchronously, then reads the commit back from the group
/// coordinator. Returns the committed offset of partition 0. Panics when
/// the group cannot find its coordinator, join, read or commit within a
/// minute, which is how a broken `__consumer_offsets` shows.
pub async fn consume_and_commit(bootstrap: &str, topic: &str, group: &str) -> i64 {
    use rdkafka::Offset;
    use rdkafka::consumer::CommitMode;
    let (bootstrap, topic, group) = (bootstrap.to_owned(), topic.to_owned(), group.to_owned());
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("group.id", &group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .expect("creating a Kafka consumer");
        consumer.subscribe(&[&topic]).expect("subscribing");
        let deadline = Instant::now() + Duration::from_secs(60);
        let message = loop {
            assert!(
                Instant::now() < deadline,
                "group {group} read nothing from {topic} within a minute"
            );
            match consumer.poll(Duration::from_millis(500)) {
                Some(Ok(message)) => break message,
                Some(Err(e)) => eprintln!("group {group}: {e}"),
                None => {}
            }
        };
        consumer
            .commit_message(&message, CommitMode::Sync)
            .unwrap_or_else(|e| panic!("group {group} could not commit: {e}"));
        drop(message);
        let committed = consumer
            .committed(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("group {group} could not read its commit: {e}"));
        match committed.find_partition(&topic, 0).map(|p| p.offset()) {
            Some(Offset::Offset(offset)) => offset,
            other => panic!("group {group} committed {other:?} on {topic}[0]"),
        }
    })
    .await
    .expect("consuming and committing")
}

/// The client ids of `group`'s members as the group coordinator reports
/// them, once the group has any member; empty if it has none within `bound`.
pub fn group_client_ids(bootstrap: &str, group: &str, bound: Duration) -> Vec<String> {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("creating a Kafka client");
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if let Ok(list) = client.fetch_group_list(Some(group), Duration::from_secs(10)) {
            let ids: Vec<String> = list
                .groups()
                .iter()
                .flat_map(|g| g.members())
                .map(|m| m.client_id().to_owned())
                .collect();
            if !ids.is_empty() {
                return ids;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Vec::new()
}
