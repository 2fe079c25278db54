//! The `topicgate-producer` binary: refuses to start without a producer
//! key and says how to set one; at info logs a summary line per interval
//! and no line per record; on SIGTERM stops generating, flushes and exits 0; never creates Kafka's
//! internal topics or denied names, nor takes over a topic that Kafka
//! already has and topicgate did not create.

use crate::producer_util;
use crate::support;

use std::fs::File;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use producer_util::eventually;
use support::admin::TestAdmin;
use support::kafka::{
    KafkaInstance, bootstrap_servers, consume_and_commit, create_topic, produce, record_count,
    topic_names, unique_name, wait_for_topic,
};
use topicgate::domain::TopicStatus;

const BINARY: &str = env!("CARGO_BIN_EXE_topicgate-producer");

/// Away from the ports of the other tests' own clusters.
const NAMES_BASE_PORT: u16 = 20492;

/// A spawned daemon, killed when dropped: a test that fails half-way must
/// not leave it generating into the broker the other tests share.
pub(crate) struct ProducerProcess(Child);

impl Deref for ProducerProcess {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for ProducerProcess {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for ProducerProcess {
    fn drop(&mut self) {
        // Fails harmlessly once the test has stopped it itself.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary against `admin` and Kafka at `bootstrap`, polling
/// every second, with `args` added and its log written to `log`.
pub(crate) fn spawn_producer(
    admin: &TestAdmin,
    bootstrap: &str,
    args: &[&str],
    log: &Path,
) -> ProducerProcess {
    let child = Command::new(BINARY)
        .args(args)
        .env("TOPICGATE_ADMIN_URL", &admin.base_url)
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
        .env("TOPICGATE_PRODUCER_KEY", &admin.producer_key)
        .env("TOPICGATE_POLL_INTERVAL", "1")
        // Its own group, or daemons of other tests would share its topics.
        .env("TOPICGATE_PRODUCER_GROUP", unique_name("producers"))
        .env_remove("TOPICGATE_DENY_TOPIC_PATTERNS")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(log).expect("open the log file"))
        .spawn()
        .expect("start the producer");
    ProducerProcess(child)
}

/// Sends SIGTERM and waits (bounded) for the exit.
pub(crate) fn terminate(child: &mut Child) -> Option<ExitStatus> {
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(term.success());
    wait_for_exit(child, Duration::from_secs(30))
}

pub(crate) fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// Requests, approves and waits for a topic to be active: once it is, the
/// producer has acted on at least one full answer of the admin API.
pub(crate) async fn activated(admin: &TestAdmin, prefix: &str, log: &Path) -> String {
    let name = unique_name(prefix);
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    let active = eventually(Duration::from_secs(30), || async {
        admin.topic(id).await.status == TopicStatus::Active
    })
    .await;
    assert!(active, "{name} not activated; log:\n{}", read_log(log));
    name
}

fn wait_for_exit(child: &mut Child, bound: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("child status") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn refuses_to_start_without_a_producer_key() {
    let output = Command::new(BINARY)
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .output()
        .expect("run the producer");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOPICGATE_PRODUCER_KEY"), "{stderr}");
    assert!(stderr.contains("--producer-key"), "{stderr}");
}

/// The records and errors of `topic` in the summary lines of `log`.
fn summarised(log: &str, topic: &str) -> Vec<(u64, u64)> {
    let entry = format!("{topic} ");
    log.lines()
        .filter_map(|line| line.split_once("published in the last 1s: "))
        .flat_map(|(_, topics)| topics.split("; "))
        .filter_map(|part| part.strip_prefix(&entry))
        .filter_map(|rest| {
            // `N records (R/s, E errors, P pending)`
            let (records, rest) = rest.split_once(" records (")?;
            let (rate, rest) = rest.split_once("/s, ")?;
            rate.parse::<f64>().ok()?;
            let (errors, _) = rest.split_once(" errors, ")?;
            Some((records.parse().ok()?, errors.parse().ok()?))
        })
        .collect()
}

#[actix_rt::test]
async fn streams_at_the_default_pace_logs_a_summary_and_exits_cleanly_on_sigterm() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let logs = tempfile::NamedTempFile::new().expect("a log file");
    let mut child = spawn_producer(
        &admin,
        &bootstrap,
        &["--summary-interval", "1s"],
        logs.path(),
    );

    let name = unique_name("sensor");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    let active = eventually(Duration::from_secs(30), || async {
        admin.topic(id).await.status == TopicStatus::Active
    })
    .await;
    let logged = eventually(Duration::from_secs(30), || async {
        let records: u64 = summarised(&read_log(logs.path()), &name)
            .iter()
            .map(|(records, _)| records)
            .sum();
        records >= 2
    })
    .await;

    let status = terminate(&mut child);
    let log = read_log(logs.path());
    assert!(active, "topic not activated; log:\n{log}");
    assert!(
        logged,
        "no summary line with records of {name}; log:\n{log}"
    );
    assert!(
        summarised(&log, &name)
            .iter()
            .all(|(_, errors)| *errors == 0),
        "{log}"
    );
    assert!(
        !log.contains(&format!("Published to {name}")),
        "a line per record at info; log:\n{log}"
    );
    let status = status.unwrap_or_else(|| panic!("no exit within 30 s; log:\n{log}"));
    assert!(status.success(), "{status}; log:\n{log}");
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("all records delivered"), "{log}");
    assert!(!log.contains(&admin.producer_key), "the key was logged");
}

#[cfg(unix)]
#[test]
fn refuses_a_key_file_that_others_can_read_naming_it_and_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let key_file = dir.path().join("producer-key");
    std::fs::write(&key_file, "a-producer-key-of-some-length\n").expect("write the key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    for by_flag in [true, false] {
        let mut command = Command::new(BINARY);
        command.env_remove("TOPICGATE_PRODUCER_KEY");
        if by_flag {
            command.arg("--producer-key-file").arg(&key_file);
        } else {
            command.env("TOPICGATE_PRODUCER_KEY_FILE", &key_file);
        }
        let output = command.output().expect("run the producer");
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&key_file.display().to_string()) && stderr.contains("chmod 600"),
            "{stderr}"
        );
    }
}

#[actix_rt::test]
async fn kafka_internal_and_denied_names_are_never_created_and_groups_still_work() {
    // A fresh cluster: __consumer_offsets does not exist until the first
    // group needs it, which is when a producer creating it would do harm.
    let cluster = KafkaInstance::start("producer-names", 1, NAMES_BASE_PORT);
    let bootstrap = cluster.bootstrap_servers().to_owned();
    assert!(!topic_names(&bootstrap).contains(&"__consumer_offsets".to_owned()));
    let admin = TestAdmin::spawn();
    // As if approved in a registry from before the name checks.
    admin.forge_topic("__consumer_offsets", TopicStatus::Approved, 1);
    admin.forge_topic("audit-trail", TopicStatus::Approved, 1);
    admin.forge_topic("audit-live", TopicStatus::Active, 1);
    let logs = tempfile::NamedTempFile::new().expect("a log file");
    let mut child = spawn_producer(
        &admin,
        &bootstrap,
        &["--deny-topic-pattern", "audit-*"],
        logs.path(),
    );

    let control = activated(&admin, "sensor", logs.path()).await;
    let refused = |name: &str, rule: &str| {
        let log = read_log(logs.path());
        log.lines().any(|l| {
            l.contains("ERROR") && l.contains(&format!("topic {name} (")) && l.contains(rule)
        })
    };
    let logged = eventually(Duration::from_secs(10), || async {
        refused("__consumer_offsets", "reserved for Kafka's internal topics")
            && refused("audit-trail", "deny pattern 'audit-*'")
            && refused("audit-live", "deny pattern 'audit-*'")
    })
    .await;
    let status = terminate(&mut child);
    let log = read_log(logs.path());
    assert!(logged, "no refusal logged:\n{log}");
    assert!(status.is_some_and(|s| s.success()), "{status:?}:\n{log}");
    assert_eq!(
        log.matches("topic __consumer_offsets (approved) refused")
            .count(),
        1,
        "refusals are logged once:\n{log}"
    );
    // A listing of every topic from a fresh client can lag a topic the
    // controller made moments ago: ask until it holds the control topic.
    let listed = eventually(Duration::from_secs(30), || async {
        topic_names(&bootstrap).contains(&control)
    })
    .await;
    let topics = topic_names(&bootstrap);
    assert!(listed, "{control} never listed: {topics:?}");
    for never in ["audit-trail", "audit-live"] {
        assert!(
            !topics.contains(&never.to_owned()),
            "{never} exists: {topics:?}"
        );
    }
    // The producers' consumer group makes Kafka create __consumer_offsets
    // itself: with offsets.topic.num.partitions (scripts/kafka.sh), never
    // the registry's 1.
    if topics.contains(&"__consumer_offsets".to_owned()) {
        wait_for_topic(&bootstrap, "__consumer_offsets", 10).await;
    }
    for topic in admin.topics().await {
        if ["__consumer_offsets", "audit-trail"].contains(&topic.topic_name.as_str()) {
            assert_eq!(topic.status, TopicStatus::Approved, "{topic:?}");
        }
    }

    // Kafka now creates __consumer_offsets itself, with all its partitions,
    // and groups whose coordinators land on any of them consume and commit.
    let topic = unique_name("groups");
    create_topic(&bootstrap, &topic, 1, 1, &[]).await;
    produce(&bootstrap, &topic, 3).await;
    for n in 0..6 {
        let group = unique_name(&format!("group{n}"));
        assert_eq!(consume_and_commit(&bootstrap, &topic, &group).await, 1);
    }
    // offsets.topic.num.partitions in scripts/kafka.sh, not the registry's 1.
    wait_for_topic(&bootstrap, "__consumer_offsets", 10).await;
}

#[actix_rt::test]
async fn a_topic_kafka_has_with_other_partitions_is_not_published_into() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let foreign = unique_name("payments");
    create_topic(&bootstrap, &foreign, 2, 1, &[]).await;
    let id = admin.create_topic(&foreign, 3, 1).await;
    admin.approve(id).await;
    let logs = tempfile::NamedTempFile::new().expect("a log file");
    let mut child = spawn_producer(&admin, &bootstrap, &[], logs.path());

    activated(&admin, "sensor", logs.path()).await;
    let expected = format!(
        "topic {foreign} is conflict: Kafka already has a topic of this name \
         (2 partitions, replication factor 1) that topicgate did not create"
    );
    let logged = eventually(Duration::from_secs(20), || async {
        read_log(logs.path())
            .lines()
            .any(|l| l.contains("ERROR") && l.contains(&expected))
    })
    .await;
    // A few more polls: the refusal must last, not just delay.
    actix_rt::time::sleep(Duration::from_secs(3)).await;
    let status = admin.topic(id).await.status;
    let records = record_count(&bootstrap, &foreign).await;
    terminate(&mut child);
    let log = read_log(logs.path());
    assert!(logged, "no error line for {foreign}:\n{log}");
    assert_eq!(status, TopicStatus::Approved, "{log}");
    assert_eq!(records, 0, "records were published into {foreign}");
    assert!(
        !log.contains(&format!("topic {foreign} created in Kafka")),
        "{log}"
    );
}

/// A malformed option or a property librdkafka does not know stops the
/// producer at start with a message naming it.
#[test]
fn a_bad_kafka_option_stops_the_producer_naming_it() {
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (&["--kafka-option", "foo"], None, "'foo'"),
        (&["--kafka-option", "no.such=1"], None, "no.such"),
        (&["--kafka-option", "linger.ms=soon"], None, "linger.ms"),
        (&[], Some("no.such.either=2"), "no.such.either"),
    ];
    for (args, env, named) in cases {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .env("TOPICGATE_PRODUCER_KEY", "a-producer-key-of-some-length")
            .env("TOPICGATE_ADMIN_URL", "http://127.0.0.1:1")
            .env_remove("TOPICGATE_KAFKA_OPTIONS");
        if let Some(env) = env {
            command.env("TOPICGATE_KAFKA_OPTIONS", env);
        }
        let output = command.output().expect("run the producer");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert!(stderr.contains(named), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// The SASL password, by flag, by environment or by file, never reaches
/// the log (at debug level), and by file it is not on the command line
/// that `ps` shows either; a password file others can read is refused.
#[cfg(unix)]
#[actix_rt::test]
async fn the_kafka_sasl_password_stays_out_of_logs_and_ps() {
    use std::os::unix::fs::PermissionsExt;
    const PASSWORD: &str = "kafka-pw-7f3e9a";
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("kafka-password");
    std::fs::write(&file, format!("{PASSWORD}\n")).expect("write the password");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let file_arg = file.to_str().expect("a UTF-8 path");
    let sasl = [
        "--kafka-security-protocol",
        "sasl_plaintext",
        "--kafka-sasl-mechanism",
        "PLAIN",
        "--kafka-sasl-username",
        "alice",
    ];
    // Each way: its flags, and the password in the environment or not.
    let ways: [(&[&str], bool); 3] = [
        (&["--kafka-sasl-password-file", file_arg], false),
        (&["--kafka-sasl-password", PASSWORD], false),
        (&[], true),
    ];
    for (way, (extra, env)) in ways.into_iter().enumerate() {
        let log = dir.path().join(format!("producer-{way}.log"));
        let args: Vec<&str> = sasl.iter().chain(extra).copied().collect();
        let mut command = Command::new(BINARY);
        command
            .args(&args)
            .env("TOPICGATE_ADMIN_URL", &admin.base_url)
            .env("KAFKA_BOOTSTRAP_SERVERS", &bootstrap)
            .env("TOPICGATE_PRODUCER_KEY", &admin.producer_key)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("open the log file"));
        if env {
            command.env("TOPICGATE_KAFKA_SASL_PASSWORD", PASSWORD);
        }
        let mut child = command.spawn().expect("start the producer");
        let started = eventually(Duration::from_secs(30), || async {
            read_log(&log).contains("producer started")
        })
        .await;
        // Read once it runs: right after the fork, /proc shows the test's
        // own command line until the producer's exec replaces it.
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
        terminate(&mut child);
        assert!(started, "way {way}: {}", read_log(&log));
        let text = read_log(&log);
        assert!(text.contains("sasl.password=****"), "{text}");
        assert!(text.contains("sasl.username=alice"), "{text}");
        assert!(!text.contains(PASSWORD), "way {way}: {text}");
        if way == 0 {
            let cmdline = String::from_utf8_lossy(&cmdline);
            assert!(cmdline.contains("kafka-password"), "{cmdline}");
            assert!(!cmdline.contains(PASSWORD), "{cmdline}");
        }
    }

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let output = Command::new(BINARY)
        .args(["--kafka-sasl-password-file", file_arg])
        .env("TOPICGATE_PRODUCER_KEY", &admin.producer_key)
        .output()
        .expect("run the producer");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(file_arg) && stderr.contains("chmod 600"),
        "{stderr}"
    );
}
