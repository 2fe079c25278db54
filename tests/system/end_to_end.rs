//! The whole system as its users meet it: `topicgate-admin`,
//! `topicgate-producer` and `topicgate-consumer` run as real processes
//! against the real Kafka, and this test drives them only from the outside,
//! over HTTP and the consumer's command line.
//!
//! The four journeys:
//! 1. an admin requests topics and approves or rejects them;
//! 2. the producer creates the approved ones in Kafka, marks them ACTIVE
//!    and streams typed records into them;
//! 3. a user subscribes with the consumer and receives those records, and
//!    `/api/stats` counts topics, states and subscriptions;
//! 4. deactivation stops a topic's flow, unsubscribing removes the
//!    subscription, and every process stops cleanly on SIGTERM.
//!
//! They run twice: in open mode, as the original system's clients use it,
//! and in secure mode against the secured Kafka, where a requester asks, an
//! approver decides, and the consumer has only its user token: Kafka lets
//! it read what it subscribed to, with the login the token brings.

use crate::support;

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::kafka::{bootstrap_servers, record_count, unique_name, wait_for_topic};
use support::secure_kafka::{SUPER_USER, SecureKafka, secure_kafka};
use support::wait::eventually;
use topicgate::api::{Stats, SubscriptionView, TopicView};
use topicgate::config::Secret;
use topicgate::domain::{DataType, Envelope, TopicStatus};

const ADMIN: &str = env!("CARGO_BIN_EXE_topicgate-admin");
const PRODUCER: &str = env!("CARGO_BIN_EXE_topicgate-producer");
const CONSUMER: &str = env!("CARGO_BIN_EXE_topicgate-consumer");

/// The producer's `--poll-interval` here.
const POLL: Duration = Duration::from_secs(1);

/// Slack on top of watcher intervals: Kafka creating a topic, the first
/// look of a producer that has just started, a busy two-core machine. The
/// checks below are bounded waits for something that must happen, not
/// speed requirements.
const SLACK: Duration = Duration::from_secs(5);

/// Bound for a process to start listening, or to run one short command.
const START: Duration = Duration::from_secs(30);

/// Bound for a consumer command that reads from Kafka.
const CONSUME: Duration = Duration::from_secs(60);

/// Bound for a process to exit after SIGTERM (the producer flushes first).
const STOP: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// A child process whose stdout and stderr go to a file; killed on drop
/// unless it has already exited.
struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(name: &'static str, command: &mut Command, dir: &Path) -> Process {
        let log = dir.join(format!("{name}-{:08x}.log", rand::random::<u32>()));
        let file = File::create(&log).expect("a log file");
        let child = command
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("a log file handle"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Process { name, child, log }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("child status")
    }

    /// Waits (bounded) for the process to exit on its own.
    async fn wait(&mut self, bound: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + bound;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM; panics (with the process's output) unless it exits 0
    /// within [`STOP`].
    async fn terminate(&mut self) {
        assert!(self.exited().is_none(), "{} had already exited", self.name);
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(sent.success(), "SIGTERM to {}", self.name);
        let status = self.wait(STOP).await;
        let output = self.output();
        let status = status.unwrap_or_else(|| {
            panic!(
                "{} still running {STOP:?} after SIGTERM:\n{output}",
                self.name
            )
        });
        assert!(
            status.success(),
            "{} exited with {status} after SIGTERM:\n{output}",
            self.name
        );
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP answer from the admin service.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

/// The admin process and what the outside world knows about it.
struct Admin {
    base_url: String,
    token: String,
    client: awc::Client,
    /// Secure mode's users: who requests topics and who decides on them
    /// (open mode: nobody, and the admin token).
    requester: Option<String>,
    approver: Option<String>,
}

impl Admin {
    async fn send(&self, request: awc::ClientRequest, body: Option<&Value>) -> Answer {
        let sent = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        };
        let mut response = sent.expect("the admin service answers");
        let bytes = response.body().limit(16 << 20).await.expect("a body");
        Answer {
            status: response.status().as_u16(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(self.url(path)), None).await
    }

    async fn post(&self, path: &str, body: &Value, as_admin: bool) -> Answer {
        let mut request = self.client.post(self.url(path));
        if as_admin {
            request = request.bearer_auth(&self.token);
        }
        self.send(request, Some(body)).await
    }

    async fn expect<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let answer = self.get(path).await;
        assert_eq!(answer.status, 200, "GET {path}: {answer:?}");
        serde_json::from_value(answer.body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    async fn request_topic(&self, name: &str, partitions: i32, data_type: DataType) -> i32 {
        let mut request = self.client.post(self.url("/api/topics"));
        if let Some(requester) = &self.requester {
            request = request.bearer_auth(requester);
        }
        let body = json!({"name": name, "partitions": partitions, "replication_factor": 1,
                          "data_type": data_type.as_str(), "created_by": REQUESTER,
                          "description": format!("{data_type} records for the end-to-end test")});
        let answer = self.send(request, Some(&body)).await;
        assert_eq!(answer.status, 201, "requesting {name}: {answer:?}");
        answer.body["topic_id"].as_i64().expect("a topic_id") as i32
    }

    async fn act(&self, id: i32, action: &str) {
        let path = format!("/api/topics/{id}/{action}");
        let decider = self.approver.as_ref().unwrap_or(&self.token);
        let request = self.client.post(self.url(&path)).bearer_auth(decider);
        let answer = self.send(request, Some(&json!({}))).await;
        assert_eq!(answer.status, 200, "POST {path}: {answer:?}");
    }

    /// Creates a user as the admin; its token.
    async fn create_user(&self, user_id: &str, roles: &[&str]) -> String {
        let answer = self
            .post(
                "/api/users",
                &json!({"user_id": user_id, "roles": roles}),
                true,
            )
            .await;
        assert_eq!(answer.status, 201, "creating {user_id}: {answer:?}");
        answer.body["token"].as_str().expect("a token").to_owned()
    }

    async fn topic(&self, id: i32) -> TopicView {
        self.expect(&format!("/api/topics/{id}")).await
    }

    async fn stats(&self) -> Stats {
        self.expect("/api/stats").await
    }

    async fn subscriptions(&self, user: &str) -> Vec<String> {
        let mut topics: Vec<String> = self
            .expect::<Vec<SubscriptionView>>(&format!("/api/subscriptions?user_id={user}"))
            .await
            .into_iter()
            .map(|s| s.topic_name)
            .collect();
        topics.sort();
        topics
    }
}

/// The three roles running as processes, sharing one temp directory.
struct System {
    dir: tempfile::TempDir,
    bootstrap: String,
    admin: Admin,
    admin_process: Process,
    producer: Process,
    /// Secure mode: the consumer's token file, and the secrets no process
    /// may log.
    consumer_token: Option<PathBuf>,
    secrets: Vec<String>,
}

/// Who requests the topics (and, in secure mode, the requester's user id).
const REQUESTER: &str = "team-e2e";

/// The consumer's user.
const CONSUMER_USER: &str = "u1";

/// How the roles reach the secured Kafka: as its super user, with the
/// password in its file (never on a command line).
fn super_user_env(command: &mut Command, kafka: &SecureKafka) {
    command
        .env("KAFKA_BOOTSTRAP_SERVERS", &kafka.bootstrap)
        .env("TOPICGATE_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
        .env("TOPICGATE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
        .env("TOPICGATE_KAFKA_SASL_USERNAME", SUPER_USER)
        .env(
            "TOPICGATE_KAFKA_SASL_PASSWORD_FILE",
            std::env::var(support::secure_kafka::SECURE_PASSWORD_FILE_ENV).expect("set"),
        );
}

/// Writes `secret` to a new file only this user may read.
fn private_file(path: &Path, secret: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .expect("a private file");
    writeln!(file, "{secret}").expect("writing a private file");
}

impl System {
    async fn start(secure: Option<&SecureKafka>) -> System {
        let bootstrap = match secure {
            Some(kafka) => kafka.bootstrap.clone(),
            None => bootstrap_servers(),
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let token = Secret::generate().expose().to_owned();
        let key = Secret::generate().expose().to_owned();
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();

        // A free port can be taken between the probe and the bind: retry.
        let mut attempts = 0;
        let (admin_process, base_url) = loop {
            attempts += 1;
            let port = free_port();
            let mut command = Command::new(ADMIN);
            command
                .arg("--bind")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--database-url")
                .arg(dir.path().join("registry.db"))
                .args(["--workers", "1"])
                .env("TOPICGATE_ADMIN_TOKEN", &token)
                .env("TOPICGATE_PRODUCER_KEY", &key);
            if let Some(kafka) = secure {
                let secret_file = dir.path().join(format!("credential-secret-{attempts}"));
                private_file(&secret_file, Secret::generate().expose());
                command
                    .arg("--secure")
                    .arg("--kafka-credential-secret-file")
                    .arg(&secret_file);
                super_user_env(&mut command, kafka);
            }
            let mut process = Process::spawn("admin", &mut command, dir.path());
            let base_url = format!("http://127.0.0.1:{port}");
            if wait_until_healthy(&client, &base_url, &mut process).await {
                break (process, base_url);
            }
            assert!(
                attempts < 3,
                "the admin service did not start:\n{}",
                process.output()
            );
        };

        let mut command = Command::new(PRODUCER);
        command
            .args(["--admin-url", &base_url])
            .args(["--bootstrap-servers", &bootstrap])
            .args(["--poll-interval", &POLL.as_secs().to_string()])
            .args(["--rate", "5"])
            // Its own group: other tests' daemons must not take its topics.
            .args(["--producer-group", &unique_name("producers")])
            .env("TOPICGATE_PRODUCER_KEY", &key);
        if let Some(kafka) = secure {
            super_user_env(&mut command, kafka);
        }
        let producer = Process::spawn("producer", &mut command, dir.path());

        let mut admin = Admin {
            base_url,
            token,
            client,
            requester: None,
            approver: None,
        };
        let mut secrets = vec![admin.token.clone(), key.clone()];
        let mut consumer_token = None;
        if let Some(kafka) = secure {
            let requester = admin.create_user(REQUESTER, &["requester"]).await;
            let approver = admin.create_user("approver-e2e", &["approver"]).await;
            let consumer = admin.create_user(CONSUMER_USER, &["consumer"]).await;
            let file = dir.path().join("u1.token");
            private_file(&file, &consumer);
            secrets.extend([requester.clone(), approver.clone(), consumer]);
            secrets.push(kafka.super_password.expose().to_owned());
            admin.requester = Some(requester);
            admin.approver = Some(approver);
            consumer_token = Some(file);
        }

        System {
            bootstrap,
            admin,
            admin_process,
            producer,
            dir,
            consumer_token,
            secrets,
        }
    }

    /// `topicgate-consumer --user USER ARGS...` with its own store and
    /// group in the temp directory.
    fn consumer(&self, user: &str, group: &str, args: &[&str]) -> Command {
        let mut command = Command::new(CONSUMER);
        command.args(["--admin-url", &self.admin.base_url]);
        match &self.consumer_token {
            // The token names the user and brings the brokers and the
            // login (so no brokers are given here, not even by the test's
            // environment); Kafka grants the user's own group only.
            Some(token) => {
                command
                    .arg("--token-file")
                    .arg(token)
                    .env_remove("KAFKA_BOOTSTRAP_SERVERS");
            }
            None => {
                command
                    .args(["--bootstrap-servers", &self.bootstrap])
                    .args(["--user", user, "--group", group]);
            }
        }
        command
            .args(["--color", "never"])
            .arg("--store")
            .arg(self.dir.path().join(format!("consumer-{user}.db")))
            .args(args);
        command
    }

    /// Runs a consumer command to its end (bounded) and returns its stdout;
    /// panics unless it exits 0.
    async fn run_consumer(
        &self,
        user: &str,
        group: &str,
        args: &[&str],
        bound: Duration,
    ) -> String {
        let stdout = self
            .dir
            .path()
            .join(format!("stdout-{:08x}", rand::random::<u32>()));
        let mut command = self.consumer(user, group, args);
        command.stdout(File::create(&stdout).expect("a stdout file"));
        let stderr = self
            .dir
            .path()
            .join(format!("stderr-{:08x}", rand::random::<u32>()));
        let mut child = command
            .stdin(Stdio::null())
            .stderr(File::create(&stderr).expect("a stderr file"))
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("starting topicgate-consumer");
        let deadline = Instant::now() + bound;
        let status = loop {
            if let Some(status) = child.try_wait().expect("consumer status") {
                break Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        let out = std::fs::read_to_string(&stdout).unwrap_or_default();
        let err = std::fs::read_to_string(&stderr).unwrap_or_default();
        match status {
            Some(status) if status.success() => out,
            Some(status) => panic!(
                "topicgate-consumer {} exited with {status}:\n{out}{err}",
                args.join(" ")
            ),
            None => panic!(
                "topicgate-consumer {} still running after {bound:?}:\n{out}{err}",
                args.join(" ")
            ),
        }
    }
}

async fn wait_until_healthy(client: &awc::Client, base_url: &str, process: &mut Process) -> bool {
    let deadline = Instant::now() + START;
    while Instant::now() < deadline {
        if process.exited().is_some() {
            return false;
        }
        let answer = client.get(format!("{base_url}/api/health")).send().await;
        if answer.is_ok_and(|response| response.status().is_success()) {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Parses `tail --json` output: one envelope per line.
fn envelopes(output: &str) -> Vec<Envelope> {
    output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not an envelope: {line:?}: {e}"))
        })
        .collect()
}

fn assert_typed(records: &[Envelope], topic: &str, data_type: DataType, key_field: &str) {
    for record in records {
        assert_eq!(record.topic, topic, "{record:?}");
        assert_eq!(record.data_type, data_type, "{record:?}");
        assert!(
            record.payload.get(key_field).is_some(),
            "no {key_field} in {record:?}"
        );
        assert!(
            chrono::DateTime::parse_from_rfc3339(&record.timestamp).is_ok(),
            "{record:?}"
        );
    }
}

#[actix_rt::test]
async fn four_journeys_across_real_processes() {
    four_journeys(System::start(None).await).await;
}

#[actix_rt::test]
async fn four_journeys_in_secure_mode() {
    let Some(kafka) = secure_kafka() else { return };
    let system = System::start(Some(&kafka)).await;
    // Without a token nobody writes.
    let anonymous = system
        .admin
        .post(
            "/api/topics",
            &json!({"name": "nobodys", "partitions": 1, "replication_factor": 1}),
            false,
        )
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    four_journeys(system).await;
}

async fn four_journeys(mut system: System) {
    let admin = &system.admin;
    let sensor = unique_name("sensor");
    let payments = unique_name("payments");
    let waiting = unique_name("weather");
    let refused = unique_name("logs");

    // 1. An admin requests topics and decides on them.
    let sensor_id = admin.request_topic(&sensor, 3, DataType::Sensor).await;
    let payments_id = admin.request_topic(&payments, 2, DataType::Payments).await;
    admin.request_topic(&waiting, 1, DataType::Weather).await;
    let refused_id = admin.request_topic(&refused, 1, DataType::Logs).await;
    let anonymous = admin
        .post(
            &format!("/api/topics/{sensor_id}/approve"),
            &json!({}),
            false,
        )
        .await;
    assert_eq!(
        anonymous.status, 401,
        "approval without the token: {anonymous:?}"
    );
    let approved_at = Instant::now();
    admin.act(sensor_id, "approve").await;
    admin.act(payments_id, "approve").await;
    admin.act(refused_id, "reject").await;

    // 2. The producer creates the approved topics and activates them, each
    // within two of its intervals (plus slack, see SLACK).
    for (name, id) in [(&sensor, sensor_id), (&payments, payments_id)] {
        assert!(
            eventually(2 * POLL + SLACK, || async {
                admin.topic(id).await.status == TopicStatus::Active
            })
            .await,
            "{name} not ACTIVE {:?} after approval; producer log:\n{}",
            approved_at.elapsed(),
            system.producer.output()
        );
    }
    eprintln!(
        "both topics ACTIVE {:?} after approval",
        approved_at.elapsed()
    );
    wait_for_topic(&system.bootstrap, &sensor, 3).await;
    wait_for_topic(&system.bootstrap, &payments, 2).await;
    assert_eq!(admin.topic(refused_id).await.status, TopicStatus::Rejected);

    // 3. A user subscribes and receives typed records.
    let group = unique_name("e2e-u1");
    let u1 = CONSUMER_USER;
    for topic in [&sensor, &payments] {
        let said = system
            .run_consumer(u1, &group, &["subscribe", topic], START)
            .await;
        assert!(said.contains(topic.as_str()), "subscribe said {said:?}");
    }
    let mut both = vec![sensor.clone(), payments.clone()];
    both.sort();
    assert_eq!(admin.subscriptions(u1).await, both);

    let out = system
        .run_consumer(
            u1,
            &group,
            &["tail", &sensor, "--count", "5", "--json"],
            CONSUME,
        )
        .await;
    let records = envelopes(&out);
    assert_eq!(records.len(), 5, "tail --count 5 printed:\n{out}");
    assert_typed(&records, &sensor, DataType::Sensor, "sensor_id");
    let out = system
        .run_consumer(
            u1,
            &group,
            &["tail", &payments, "--count", "5", "--json"],
            CONSUME,
        )
        .await;
    let records = envelopes(&out);
    assert_eq!(records.len(), 5, "tail --count 5 printed:\n{out}");
    assert_typed(&records, &payments, DataType::Payments, "transaction_id");

    let stats = admin.stats().await;
    assert_eq!(
        (
            stats.total_topics,
            stats.pending_topics,
            stats.approved_topics,
            stats.active_topics,
            stats.inactive_topics,
            stats.rejected_topics,
            stats.total_subscriptions
        ),
        (4, 1, 0, 2, 0, 1, 2),
        "{stats:?}"
    );

    // 4. Deactivation stops the flow; the other topic goes on.
    admin.act(payments_id, "deactivate").await;
    // One interval for the producer to notice, plus a margin for records
    // that were already on their way.
    actix_rt::time::sleep(POLL + Duration::from_secs(2)).await;
    let payments_then = record_count(&system.bootstrap, &payments).await;
    let sensor_then = record_count(&system.bootstrap, &sensor).await;
    actix_rt::time::sleep(3 * POLL).await;
    assert_eq!(
        record_count(&system.bootstrap, &payments).await,
        payments_then,
        "records arrived in {payments} after its deactivation"
    );
    assert!(
        record_count(&system.bootstrap, &sensor).await > sensor_then,
        "{sensor} stopped too, so the quiet period proves nothing"
    );
    assert_eq!(admin.topic(payments_id).await.status, TopicStatus::Inactive);

    let said = system
        .run_consumer(u1, &group, &["unsubscribe", &payments], START)
        .await;
    assert!(
        said.contains(payments.as_str()),
        "unsubscribe said {said:?}"
    );
    assert_eq!(admin.subscriptions(u1).await, [sensor.as_str()]);
    let stats = admin.stats().await;
    assert_eq!(
        (
            stats.total_topics,
            stats.active_topics,
            stats.inactive_topics,
            stats.total_subscriptions
        ),
        (4, 1, 1, 1),
        "{stats:?}"
    );

    // Every process stops cleanly on SIGTERM: a consumer in the middle of
    // an endless tail, the producer, then the admin service.
    let mut command = system.consumer(u1, &group, &["tail", &sensor, "--json"]);
    let mut tail = Process::spawn("consumer", &mut command, system.dir.path());
    assert!(
        eventually(CONSUME, || async {
            tail.output().lines().any(|line| line.starts_with('{'))
        })
        .await,
        "the endless tail printed nothing:\n{}",
        tail.output()
    );
    tail.terminate().await;
    system.producer.terminate().await;
    system.admin_process.terminate().await;

    for process in [&tail, &system.producer, &system.admin_process] {
        let output = process.output();
        for secret in &system.secrets {
            assert!(
                !output.contains(secret.as_str()),
                "{} logged a secret",
                process.name
            );
        }
    }
}
