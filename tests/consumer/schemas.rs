//! Validation on read: records that are not JSON or break their topic's
//! schema are not shown but written to `<topic>.dlq`, with the reason and
//! the record's place, and committed only once Kafka has them.

use crate::consumer_support;
use crate::support;

use std::collections::BTreeSet;
use std::time::Duration;

use consumer_support::dead_letters::{Raw, dead_letters, produce, topic_with_dlq};
use consumer_support::live::Live;
use consumer_support::{
    Pty, active_topic, consumer, envelope, envelopes, hostile, run, seq_of, signal, store_path,
};
use serde_json::json;
use support::admin::TestAdmin;
use support::kafka;
use support::prometheus::{free_port, get_text, sample};
use topicgate::schema::dlq_topic_name;

const LIMIT: Duration = Duration::from_secs(60);

/// A valid record of `topic` (a sensor topic): an envelope with `seq`.
fn valid(topic: &str, seq: u64) -> Raw {
    let (key, envelope) = envelope(topic, seq);
    Raw::new(&key, serde_json::to_vec(&envelope).expect("serialise"))
}

/// JSON that breaks every envelope schema: no payload, a number for a time.
fn breaking(topic: &str, seq: u64) -> Raw {
    let value = json!({"topic": topic, "data_type": "sensor", "timestamp": 5, "seq": seq});
    Raw::new("bad-schema", value.to_string())
}

/// The id of `topic`'s current schema, as the registry serves it.
async fn schema_id(admin: &TestAdmin, topic: &str) -> i64 {
    let answer = admin
        .get(&format!(
            "/schema-registry/subjects/{topic}-value/versions/latest"
        ))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["id"].as_i64().expect("a schema id")
}

fn seqs(stdout: &[u8]) -> Vec<u64> {
    envelopes(stdout)
        .iter()
        .map(|e| seq_of(&e.payload))
        .collect()
}

#[actix_rt::test]
async fn tail_shows_valid_records_and_dead_letters_the_others() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = topic_with_dlq(&admin, &bootstrap, "sensor-dlq", 1).await;
    let id = schema_id(&admin, &topic).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("dlq-user");
    let not_json = Raw::new("not-json", &b"not json \xff\x1b[2J"[..]);
    let records = [
        valid(&topic, 0),
        breaking(&topic, 1),
        not_json.clone(),
        valid(&topic, 3),
    ];
    produce(&bootstrap, &topic, &records).await;

    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", &topic, "--json", "--count", "2"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(seqs(&out.stdout), [0, 3], "{out:?}");

    let letters = dead_letters(&bootstrap, &topic, 2);
    assert_eq!(letters.len(), 2, "{letters:?}");
    let group = format!("consumer-group-{user}");
    for (letter, (offset, original)) in letters.iter().zip([(1, &records[1]), (2, &not_json)]) {
        assert_eq!(letter.key.as_deref(), Some(&original.key[..]));
        assert_eq!(letter.value, original.value, "the original bytes");
        assert_eq!(letter.header("topicgate-dlq-topic"), topic);
        assert_eq!(letter.header("topicgate-dlq-partition"), "0");
        assert_eq!(letter.header("topicgate-dlq-offset"), offset.to_string());
        assert_eq!(letter.header("topicgate-dlq-schema-id"), id.to_string());
        assert_eq!(letter.header("topicgate-dlq-consumer-group"), group);
    }
    let reason = letters[1].header("topicgate-dlq-reason");
    assert!(reason.starts_with("not JSON"), "{reason}");
    assert!(!reason.chars().any(char::is_control), "{reason:?}");
    assert!(!letters[0].header("topicgate-dlq-reason").is_empty());

    // Everything was committed: nothing comes again, not even a dead letter.
    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", &topic, "--json", "--idle-timeout", "3"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(dead_letters(&bootstrap, &topic, 2).len(), 2);
}

#[actix_rt::test]
async fn a_record_naming_a_schema_that_is_not_its_topics_is_a_dead_letter() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = topic_with_dlq(&admin, &bootstrap, "sensor-own", 1).await;
    let other = active_topic(&admin, &bootstrap, "sensor-other", 1).await;
    let own = schema_id(&admin, &topic).await;
    let foreign = schema_id(&admin, &other).await;
    assert_ne!(own, foreign);
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("foreign-user");
    // Each value is valid for the topic; only the id each names differs.
    produce(
        &bootstrap,
        &topic,
        &[
            valid(&topic, 0).naming(own),
            valid(&topic, 1).naming(foreign),
            valid(&topic, 2).naming(own + foreign + 1000),
            valid(&topic, 3).naming("seven"),
            valid(&topic, 4),
        ],
    )
    .await;

    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", &topic, "--json", "--count", "2"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(seqs(&out.stdout), [0, 4], "{out:?}");
    let letters = dead_letters(&bootstrap, &topic, 3);
    let offsets: Vec<&str> = letters
        .iter()
        .map(|l| l.header("topicgate-dlq-offset"))
        .collect();
    assert_eq!(offsets, ["1", "2", "3"]);
    assert_eq!(
        letters[0].header("topicgate-dlq-schema-id"),
        foreign.to_string()
    );
    let reason = letters[0].header("topicgate-dlq-reason");
    assert!(
        reason.contains(&format!("not a version of subject {topic}-value")),
        "{reason}"
    );
}

#[actix_rt::test]
async fn a_consumer_stopped_midway_shows_or_dead_letters_each_record_once() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = topic_with_dlq(&admin, &bootstrap, "sensor-restart", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("restart-user");
    // Every fifth record breaks the schema.
    let bad = |seq: u64| seq % 5 == 4;
    let records: Vec<Raw> = (0..200)
        .map(|seq| {
            if bad(seq) {
                breaking(&topic, seq)
            } else {
                valid(&topic, seq)
            }
        })
        .collect();
    produce(&bootstrap, &topic, &records[..100]).await;

    let tail = |args: &[&str]| {
        let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
        command.args(["tail", &topic, "--json"]).args(args);
        command
    };
    // Stopped by a signal while it runs, part way through the records.
    let mut first = Live::spawn(tail(&[]));
    first.wait_until("the first records", |out, _| out.lines().count() >= 40);
    signal(first.pid(), "TERM");
    assert!(first.wait_exit(), "{}", first.stderr());
    produce(&bootstrap, &topic, &records[100..]).await;
    let out = run(tail(&["--idle-timeout", "3"]), LIMIT);
    assert!(out.status.success(), "{out:?}");

    let shown_first = seqs(first.stdout().as_bytes());
    let shown_second = seqs(&out.stdout);
    let shown: BTreeSet<u64> = shown_first.iter().chain(&shown_second).copied().collect();
    assert_eq!(
        shown.len(),
        shown_first.len() + shown_second.len(),
        "a record was shown twice"
    );
    assert_eq!(shown, (0..200).filter(|s| !bad(*s)).collect());
    let letters = dead_letters(&bootstrap, &topic, 40);
    let offsets: Vec<i64> = letters
        .iter()
        .map(|l| l.header("topicgate-dlq-offset").parse().expect("an offset"))
        .collect();
    assert_eq!(
        offsets,
        (0..200)
            .filter(|s| bad(*s))
            .map(|s| s as i64)
            .collect::<Vec<_>>(),
        "each bad record dead-lettered once"
    );
    let rows = consumer_support::stored(&store_path(dir.path(), &user), &topic);
    assert_eq!(rows.len(), 160, "each valid record stored once");
}

#[actix_rt::test]
async fn a_missing_dead_letter_topic_holds_the_records_and_says_so_once() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "sensor-nodlq", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("nodlq-user");
    produce(
        &bootstrap,
        &topic,
        &[breaking(&topic, 0), breaking(&topic, 1), valid(&topic, 2)],
    )
    .await;
    let bind = format!("127.0.0.1:{}", free_port());
    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", &topic, "--json", "--metrics-bind", &bind]);
    let mut tail = Live::spawn(command);
    let dlq = dlq_topic_name(&topic);
    let missing = format!("Kafka has no topic {dlq}");
    tail.wait_until("the notice", |_, err| err.contains(&missing));
    // Nothing after the held records is shown meanwhile.
    assert!(tail.stdout().is_empty(), "{}", tail.stdout());

    kafka::create_topic(&bootstrap, &dlq, 1, 1, &[]).await;
    tail.wait_until("the valid record", |out, _| out.lines().count() == 1);
    assert_eq!(dead_letters(&bootstrap, &topic, 2).len(), 2);
    assert_eq!(
        tail.stderr().matches(&missing).count(),
        1,
        "{}",
        tail.stderr()
    );
    assert!(
        tail.stderr().contains(&format!("written to {dlq} again")),
        "{}",
        tail.stderr()
    );
    let body = get_text(&format!("http://{bind}/metrics")).await;
    assert_eq!(
        sample(
            &body,
            "topicgate_consumer_dead_letters_total",
            &[("topic", &topic)]
        ),
        Some(2.0),
        "{body}"
    );
    signal(tail.pid(), "TERM");
    assert!(tail.wait_exit(), "{}", tail.stderr());
}

#[actix_rt::test]
async fn the_repl_counts_dead_letters_and_shows_them_harmlessly() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = topic_with_dlq(&admin, &bootstrap, "sensor-repl-dlq", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("repl-dlq-user");
    let prompt = format!("{user}> ");
    let mut repl = Pty::consuming(
        consumer(&admin.base_url, &bootstrap, &user, dir.path()),
        &prompt,
        &topic,
    );
    repl.expect(&prompt);
    let attack = format!("dlq-mark {}", hostile::ATTACK);
    produce(
        &bootstrap,
        &topic,
        &[
            Raw::new(&format!("key{}", hostile::ATTACK), attack.clone()),
            breaking(&topic, 1),
            valid(&topic, 2),
        ],
    )
    .await;
    repl.wait_until("the valid record", |t| t.contains("\"seq\": 2"));
    dead_letters(&bootstrap, &topic, 2);

    repl.line("stats");
    repl.expect("Dead letters:  2");
    repl.expect(&format!("{topic}: 2"));
    let from = repl.printed();
    repl.line(&format!("dlq {topic}"));
    repl.expect("dead letters of");
    repl.expect("dlq-mark");
    repl.expect("end of dead letters");
    hostile::assert_only_shown(repl.screen(from), hostile::EDITOR_CSI);
    let screen = String::from_utf8_lossy(repl.screen(from)).into_owned();
    assert!(screen.contains("reason: not JSON"), "{screen}");
    assert!(screen.contains(&format!("{topic}[0]@0")), "{screen}");
    assert!(screen.contains("\\u001b]0;pwned-title"), "{screen}");
    repl.line("0");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "{}", repl.transcript());
}
