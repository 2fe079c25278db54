//! Two consumers in one `--group` split the topic's partitions and together
//! receive every message once.

use crate::consumer_support;
use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use consumer_support::{active_topic, consumer, publish, seq_of, signal, store_path, stored};
use support::admin::TestAdmin;
use support::kafka;
use topicgate::domain::Envelope;

/// A `tail` process whose output lines are collected as they come.
struct Tail {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Tail {
    fn spawn(mut command: std::process::Command) -> Tail {
        command
            .env("RUST_LOG", "topicgate=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("starting tail");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().expect("stdout"), Arc::clone(&stdout)),
            collect(child.stderr.take().expect("stderr"), Arc::clone(&stderr)),
        ];
        Tail {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// True once the latest rebalance gave this consumer some partitions.
    fn has_partitions(&self) -> bool {
        let stderr = self.stderr.lock().expect("stderr lines");
        let last = stderr
            .iter()
            .rev()
            .find(|l| l.contains("assigned partitions:") || l.contains("revoked partitions:"));
        last.is_some_and(|l| l.contains("assigned partitions:") && !l.ends_with("none"))
    }

    fn lines(&self) -> Vec<String> {
        self.stdout.lock().expect("stdout lines").clone()
    }

    fn stop(mut self) -> (Vec<String>, String) {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for tail") {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let stderr = self.stderr.lock().expect("stderr lines").join("\n");
        assert!(
            status.is_some_and(|s| s.success()),
            "tail did not stop cleanly:\n{stderr}"
        );
        (self.lines(), stderr)
    }
}

fn collect(
    stream: impl std::io::Read + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            into.lock().expect("collected lines").push(line);
        }
    })
}

fn wait_for(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {limit:?} in vain for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[actix_rt::test]
async fn two_consumers_in_one_group_split_the_partitions() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "shared", 4).await;
    let group = kafka::unique_name("shared-group");
    let dir = tempfile::tempdir().expect("temp dir");
    let tail = |user: &str| {
        let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
        command.args(["--group", &group, "tail", &topic, "--json"]);
        Tail::spawn(command)
    };
    let first = tail("member-a");
    let second = tail("member-b");
    wait_for(
        "both members to hold partitions",
        Duration::from_secs(60),
        || first.has_partitions() && second.has_partitions(),
    );

    publish(&bootstrap, &topic, 0..400).await;
    wait_for("all 400 messages", Duration::from_secs(60), || {
        first.lines().len() + second.lines().len() >= 400
    });
    // A moment for duplicates, were there any, to show up.
    std::thread::sleep(Duration::from_secs(1));
    let (first_lines, first_log) = first.stop();
    let (second_lines, second_log) = second.stop();

    let seqs = |lines: &[String]| -> Vec<u64> {
        lines
            .iter()
            .map(|line| {
                let envelope: Envelope = serde_json::from_str(line).expect("an envelope per line");
                seq_of(&envelope.payload)
            })
            .collect()
    };
    let (a, b) = (seqs(&first_lines), seqs(&second_lines));
    assert!(
        !a.is_empty() && !b.is_empty(),
        "one member got nothing:\n{first_log}\n{second_log}"
    );
    assert_eq!(a.len() + b.len(), 400, "messages were delivered twice");
    let all: BTreeSet<u64> = a.iter().chain(&b).copied().collect();
    assert_eq!(all, (0..400).collect());

    // Each member stored only its own partitions.
    let partitions = |user: &str| -> BTreeSet<i32> {
        stored(&store_path(dir.path(), user), &topic)
            .iter()
            .map(|m| m.kafka_partition)
            .collect()
    };
    let (pa, pb) = (partitions("member-a"), partitions("member-b"));
    assert!(pa.is_disjoint(&pb), "{pa:?} and {pb:?} overlap");
    assert_eq!(
        pa.union(&pb).copied().collect::<BTreeSet<_>>(),
        (0..4).collect()
    );
}
