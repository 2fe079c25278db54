//! Helpers the consumer tests share: active topics in a real registry and
//! Kafka, publishing envelopes, running `topicgate-consumer` with bounded
//! waits, and driving its REPL through a pseudo-terminal.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use expectrl::Session;
use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;
use topicgate::domain::{DataType, Envelope};
use topicgate::store::StoreLocation;

use crate::support::admin::TestAdmin;
use crate::support::kafka;

pub mod dead_letters;
pub mod hostile;
pub mod live;
pub mod steady;
pub mod stores;

pub use stores::{StoreKind, assert_stored_once_at, consumer_at, stored_at};

/// The consumer binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_topicgate-consumer");

/// Creates `name`-like topic that is ACTIVE in the registry and exists in
/// Kafka, the way the producer daemon would leave it.
pub async fn active_topic(
    admin: &TestAdmin,
    bootstrap: &str,
    prefix: &str,
    partitions: i32,
) -> String {
    let name = kafka::unique_name(prefix);
    // A sensor topic: [`envelope`]'s records are valid for its schema.
    let answer = admin
        .post(
            "/api/topics",
            &json!({"name": name, "partitions": partitions, "replication_factor": 1,
                    "data_type": "sensor", "created_by": "tests"}),
            false,
        )
        .await;
    assert_eq!(answer.status, 201, "create {name}: {answer:?}");
    let id = answer.body["topic_id"].as_i64().expect("topic_id") as i32;
    admin.approve(id).await;
    kafka::create_topic(bootstrap, &name, partitions, 1, &[]).await;
    admin.activate(&name).await;
    name
}

/// The envelope with sequence number `seq`, valid for a sensor topic's
/// built-in schema; its key spreads messages over partitions.
pub fn envelope(topic: &str, seq: u64) -> (String, Envelope) {
    let key = format!("sensor_{}", seq % 7);
    let payload = json!({"sensor_id": key, "temperature": 20.5, "humidity": 45.0,
                         "pressure": 1013.25, "seq": seq});
    (key, Envelope::new(topic, DataType::Sensor, payload))
}

/// Publishes envelopes `seqs` to `topic` and waits for every delivery.
pub async fn publish(bootstrap: &str, topic: &str, seqs: std::ops::Range<u64>) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("a Kafka producer");
    let records: Vec<(String, Vec<u8>)> = seqs
        .map(|seq| {
            let (key, envelope) = envelope(topic, seq);
            (key, serde_json::to_vec(&envelope).expect("serialise"))
        })
        .collect();
    let deliveries = records.iter().map(|(key, value)| {
        producer.send(
            FutureRecord::to(topic).key(key).payload(value),
            Duration::from_secs(30),
        )
    });
    for delivery in futures_util::future::join_all(deliveries).await {
        if let Err((e, _)) = delivery {
            panic!("publishing to {topic} failed: {e}");
        }
    }
}

/// The `seq` field of a payload.
pub fn seq_of(payload: &serde_json::Value) -> u64 {
    payload["seq"].as_u64().expect("a seq in the payload")
}

/// A consumer command for `user`, against this admin and Kafka, with its
/// store and history in `dir`. Colour is off unless a test turns it on
/// (`NO_COLOR` set, `CLICOLOR_FORCE` and `CLICOLOR` removed).
pub fn consumer(admin_url: &str, bootstrap: &str, user: &str, dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env("TOPICGATE_ADMIN_URL", admin_url)
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
        .env("TOPICGATE_USER", user)
        .env("TOPICGATE_STORE", store_path(dir, user))
        .env("TOPICGATE_HISTORY", dir.join(format!("{user}.history")))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("TOPICGATE_GROUP")
        .env_remove("RUST_LOG");
    command
}

/// Where [`consumer`] keeps `user`'s messages.
pub fn store_path(dir: &Path, user: &str) -> PathBuf {
    dir.join(format!("{user}.db"))
}

/// Runs a command to completion; panics if it takes longer than `limit`.
pub fn run(mut command: Command, limit: Duration) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("starting topicgate-consumer");
    let running = Running::watch(child);
    running.finish(limit)
}

/// A child process whose output is collected on threads, so it never
/// blocks on a full pipe.
pub struct Running {
    pub child: Child,
    stdout: JoinHandle<Vec<u8>>,
    stderr: JoinHandle<Vec<u8>>,
}

impl Running {
    pub fn watch(mut child: Child) -> Running {
        let mut out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        Running {
            child,
            stdout: std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = out.read_to_end(&mut buf);
                buf
            }),
            stderr: std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = err.read_to_end(&mut buf);
                buf
            }),
        }
    }

    /// Waits for the exit; kills the process and panics after `limit`.
    pub fn finish(mut self, limit: Duration) -> Output {
        let status = wait_bounded(&mut self.child, limit);
        let stdout = self.stdout.join().expect("stdout reader");
        let stderr = self.stderr.join().expect("stderr reader");
        let Some(status) = status else {
            panic!(
                "topicgate-consumer did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            );
        };
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` (a `kill` name such as TERM or KILL) to process `pid`.
pub fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// Lines of stdout parsed as envelopes; panics on any other line.
pub fn envelopes(stdout: &[u8]) -> Vec<Envelope> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not an envelope ({e}): {line}"))
        })
        .collect()
}

/// The stored messages of `topic` in the store file `store`.
pub fn stored(store: &Path, topic: &str) -> Vec<topicgate::store::StoredMessage> {
    stored_at(&StoreLocation::File(store.to_owned()), topic)
}

/// Asserts the store file `store` holds each of `0..count` exactly once
/// for `topic`.
pub fn assert_stored_once(store: &Path, topic: &str, count: u64) {
    assert_stored_once_at(&StoreLocation::File(store.to_owned()), topic, count);
}

/// The REPL in a pseudo-terminal. Everything it prints is kept, so a test
/// can look for lines in any order; every wait is bounded.
pub struct Pty {
    session: OsSession,
    seen: Vec<u8>,
    /// Where the next [`Pty::expect`] starts looking.
    cursor: usize,
}

/// How long one expected line may take.
pub const EXPECT: Duration = Duration::from_secs(30);

impl Pty {
    pub fn spawn(command: Command) -> Pty {
        let session = Session::spawn(command).expect("spawning the REPL in a pty");
        Pty {
            session,
            seen: Vec::new(),
            cursor: 0,
        }
    }

    /// Spawns the REPL, subscribes it to `topic` and starts consuming.
    pub fn consuming(command: Command, prompt: &str, topic: &str) -> Pty {
        let mut repl = Pty::spawn(command);
        repl.expect(prompt);
        repl.line(&format!("subscribe {topic}"));
        repl.expect(&format!("Subscribed to '{topic}'"));
        repl.line("start");
        repl.expect("Consumer started");
        repl
    }

    pub fn pid(&self) -> u32 {
        self.session.get_process().pid().as_raw() as u32
    }

    /// Reads whatever the REPL printed; true once it closed the terminal.
    fn read_available(&mut self) -> bool {
        let mut buf = [0u8; 8192];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => return true,
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
                // Linux reports a closed pty as EIO.
                Err(_) => return true,
            }
        }
    }

    /// Everything printed after the cursor.
    pub fn unread(&self) -> String {
        String::from_utf8_lossy(&self.seen[self.cursor..]).into_owned()
    }

    /// The bytes printed from `from` on, as the terminal received them.
    pub fn screen(&self, from: usize) -> &[u8] {
        &self.seen[from..]
    }

    /// How many bytes were printed so far: a mark for [`Pty::screen`].
    pub fn printed(&self) -> usize {
        self.seen.len()
    }

    /// Everything printed so far.
    pub fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    /// Waits for `needle` after the cursor and moves the cursor past it.
    pub fn expect(&mut self, needle: &str) {
        self.expect_within(needle, EXPECT);
    }

    pub fn expect_within(&mut self, needle: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let closed = self.read_available();
            if let Some(at) = find(&self.seen[self.cursor..], needle.as_bytes()) {
                self.cursor += at + needle.len();
                return;
            }
            if closed || Instant::now() > deadline {
                panic!(
                    "expected {needle:?} within {limit:?}{}; the REPL printed after the cursor:\n{}",
                    if closed { " (the REPL exited)" } else { "" },
                    self.unread()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `done` holds for what was printed after the cursor; the
    /// cursor stays where it is.
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + EXPECT;
        loop {
            let closed = self.read_available();
            if done(&self.unread()) {
                return;
            }
            if closed || Instant::now() > deadline {
                panic!(
                    "waited in vain for {what}; the REPL printed:\n{}",
                    self.unread()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types a line and Enter (a carriage return, as a terminal sends it).
    pub fn line(&mut self, text: &str) {
        self.send(&format!("{text}\r"));
    }

    pub fn send(&mut self, text: &str) {
        use std::io::Write;
        self.session
            .write_all(text.as_bytes())
            .expect("typing into the REPL");
        self.session.flush().expect("typing into the REPL");
    }

    /// Whether the terminal is in canonical (line) mode, as a shell hands
    /// it over; line editing turns that off while it reads a line.
    pub fn in_line_mode(&self) -> bool {
        use nix::sys::termios::{LocalFlags, tcgetattr};
        let master = self
            .session
            .get_process()
            .get_raw_handle()
            .expect("the pty's handle");
        tcgetattr(&master)
            .expect("reading the terminal's settings")
            .local_flags
            .contains(LocalFlags::ICANON)
    }

    /// Waits (bounded) for the REPL to exit and returns whether it succeeded.
    pub fn wait_exit(&mut self) -> bool {
        let deadline = Instant::now() + EXPECT;
        loop {
            self.read_available();
            match self.session.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => return code == 0,
                Ok(WaitStatus::StillAlive) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(WaitStatus::StillAlive) => {
                    panic!("the REPL did not exit; it printed:\n{}", self.unread())
                }
                Ok(_) => return false,
                Err(e) => panic!("waiting for the REPL: {e}"),
            }
        }
    }
}

/// The seqs of the messages of `topic` the REPL showed in `text`, in the
/// order shown.
pub fn seqs_of_topic(text: &str, topic: &str) -> Vec<u64> {
    let name = format!("{topic}  ");
    text.split("Topic: ")
        .skip(1)
        .filter(|block| block.starts_with(&name))
        .filter_map(|block| {
            let at = block.find("\"seq\": ")? + "\"seq\": ".len();
            let digits: String = block[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// Counts the `"seq": N` markers of `seqs` present in `text`.
pub fn seqs_shown(text: &str, seqs: std::ops::Range<u64>) -> usize {
    // "seq": 1 must not match "seq": 12.
    seqs.filter(|seq| {
        let marker = format!("\"seq\": {seq}");
        text.match_indices(&marker).any(|(at, _)| {
            !text
                .as_bytes()
                .get(at + marker.len())
                .is_some_and(u8::is_ascii_digit)
        })
    })
    .count()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
