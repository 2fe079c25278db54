//! `topicgate-consumer` as scripts use it: one command, results on stdout,
//! exit code 0 on success, 1 on failure, 2 on a usage error.

use crate::consumer_support;
use crate::support;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use consumer_support::live::Live;
use consumer_support::steady::SteadyProducer;
use consumer_support::{
    Running, StoreKind, active_topic, assert_stored_once, assert_stored_once_at, consumer,
    consumer_at, envelopes, hostile, publish, run, seq_of, signal, store_path,
};
use support::admin::TestAdmin;
use support::kafka;
use topicgate::api::{ActiveTopic, SubscriptionView};
use topicgate::domain::Envelope;

const LIMIT: Duration = Duration::from_secs(60);

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[actix_rt::test]
async fn one_shot_commands_list_subscribe_and_unsubscribe() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "cli", 2).await;
    let pending = kafka::unique_name("cli-pending");
    admin.create_topic(&pending, 1, 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let command = |args: &[&str]| {
        let mut command = consumer(&admin.base_url, &bootstrap, "nobody", dir.path());
        command.args(["--user", "u1"]).args(args);
        run(command, LIMIT)
    };

    let out = command(&["topics", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let topics: Vec<ActiveTopic> = text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("an active topic per line"))
        .collect();
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].topic_name, topic);
    assert_eq!(topics[0].partitions, 2);

    let out = command(&["topics"]);
    assert!(text(&out.stdout).contains(&topic), "{out:?}");

    let out = command(&["subscribe", &topic]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), format!("Subscribed u1 to '{topic}'.\n"));
    let out = command(&["subscribe", &topic]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains("already subscribed"), "{out:?}");

    let out = command(&["subs", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let subs: Vec<SubscriptionView> = text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a subscription per line"))
        .collect();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].user_id.as_str(), subs[0].topic_name.as_str()),
        ("u1", topic.as_str())
    );

    // A topic that is not active, or not there: the precise reason, and
    // the topics that can be subscribed to.
    let out = command(&["subscribe", &pending]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr).trim(),
        format!(
            "topicgate-consumer: topic '{pending}' is still waiting for an admin's approval. \
             Active topics: {topic}"
        )
    );
    let unknown = kafka::unique_name("cli-unknown");
    let out = command(&["subscribe", &unknown]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out.stderr).trim(),
        format!("topicgate-consumer: there is no topic '{unknown}'. Active topics: {topic}")
    );

    let out = command(&["subscribe", "no spaces allowed"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        text(&out.stderr).contains("not a valid topic name"),
        "{out:?}"
    );
    let out = command(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = command(&["subscribe"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    let out = command(&["unsubscribe", &topic]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        format!("Unsubscribed u1 from '{topic}'.\n")
    );
    let out = command(&["unsubscribe", &topic]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains(&format!("you are not subscribed to '{topic}'")),
        "{out:?}"
    );
    let out = command(&["subs"]);
    assert!(
        text(&out.stdout).contains("u1 has no subscriptions"),
        "{out:?}"
    );
}

/// The seqs of `topic`'s envelopes in `stdout`, a line each.
fn seqs_in(stdout: &str, topic: &str) -> Vec<u64> {
    // The last line may still be half written.
    let complete = &stdout[..stdout.rfind('\n').map_or(0, |end| end + 1)];
    envelopes(complete.as_bytes())
        .iter()
        .filter(|e| e.topic == topic)
        .map(|e| seq_of(&e.payload))
        .collect()
}

#[actix_rt::test]
async fn tail_leaves_a_deactivated_topic_and_reads_it_again_once_reactivated() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    // One partition each, so reading on from the committed offset means
    // every seq comes.
    let followed = active_topic(&admin, &bootstrap, "tail-follow-a", 1).await;
    let kept = active_topic(&admin, &bootstrap, "tail-follow-b", 1).await;
    let followed_id = admin
        .topics()
        .await
        .into_iter()
        .find(|t| t.topic_name == followed)
        .expect("the followed topic")
        .topic_id
        .0;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("tail-follower");
    for topic in [&followed, &kept] {
        let body = serde_json::json!({"user_id": user, "topic_name": topic});
        let answer = admin.post("/api/subscriptions", &body, false).await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let producer = SteadyProducer::start(&bootstrap, &[followed.clone(), kept.clone()]);
    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", "--json", "--subscription-check-interval", "0.2"]);
    let mut tail = Live::spawn(command);
    tail.wait_until("records of both topics", |out, _| {
        !seqs_in(out, &followed).is_empty() && !seqs_in(out, &kept).is_empty()
    });

    admin.deactivate(followed_id).await;
    let stopped = format!("Stopped reading {followed}: the topic was deactivated.");
    tail.wait_until("the notice", |_, err| err.contains(&stopped));
    // Whatever of it was shown was shown before the notice, so written
    // before it: Kafka had acknowledged each record's round before.
    let written_at_notice = producer.published();
    tail.wait_until(
        "the kept topic read on, the other one written on",
        |out, _| {
            seqs_in(out, &kept)
                .iter()
                .any(|&seq| seq >= written_at_notice + 20)
                && producer.published() >= written_at_notice + 20
        },
    );
    let shown = seqs_in(&tail.stdout(), &followed);
    assert!(
        shown.iter().all(|&seq| seq <= written_at_notice),
        "records of {followed} written after the notice were shown: {shown:?}"
    );
    assert_eq!(tail.stderr().matches("Stopped reading").count(), 1);

    admin.reactivate(followed_id).await;
    let resumed = format!("Reading {followed} again: the topic was reactivated.");
    tail.wait_until("the notice of resumption", |_, err| err.contains(&resumed));
    tail.wait_until("every record written meanwhile", |out, _| {
        let shown: BTreeSet<u64> = seqs_in(out, &followed).into_iter().collect();
        (0..written_at_notice + 20).all(|seq| shown.contains(&seq))
    });
    drop(producer);
    signal(tail.pid(), "TERM");
    assert!(tail.wait_exit(), "tail failed:\n{}", tail.stderr());
}

#[actix_rt::test]
async fn tail_json_prints_one_envelope_per_line_and_stores_each() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "tail", 3).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = "tailer";
    publish(&bootstrap, &topic, 0..50).await;

    let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
    command.args(["tail", &topic, "--count", "50", "--json"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    let received = envelopes(&out.stdout);
    assert_eq!(received.len(), 50);
    assert!(received.iter().all(|e| e.topic == topic));
    let seqs: BTreeSet<u64> = received.iter().map(|e| seq_of(&e.payload)).collect();
    assert_eq!(seqs, (0..50).collect());
    assert_stored_once(&store_path(dir.path(), user), &topic, 50);

    let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
    command.args(["history", &topic, "5", "--json"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(envelopes(&out.stdout).len(), 5);

    // Without topics, tail reads the user's subscriptions, from where the
    // group stopped.
    let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
    command.args(["subscribe", &topic]);
    assert!(run(command, LIMIT).status.success());
    publish(&bootstrap, &topic, 50..60).await;
    let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
    command.args(["tail", "--count", "10", "--json"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    let seqs: BTreeSet<u64> = envelopes(&out.stdout)
        .iter()
        .map(|e| seq_of(&e.payload))
        .collect();
    assert_eq!(seqs, (50..60).collect());

    // An idle timeout ends a tail that has nothing more to read.
    let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
    command.args(["tail", &topic, "--json", "--idle-timeout", "2"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    let mut command = consumer(&admin.base_url, &bootstrap, user, dir.path());
    command.args(["tail", "no-such-topic-anywhere", "--count", "1"]);
    let out = run(command, LIMIT);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("no such topic in Kafka: no-such-topic-anywhere"),
        "{out:?}"
    );
}

#[test]
fn an_unreachable_admin_service_is_a_clear_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 1 of 127.0.0.1.
    for args in [&["topics"][..], &["subscribe", "sensor_data"], &["subs"]] {
        let mut command = consumer("http://127.0.0.1:1", "127.0.0.1:9092", "u1", dir.path());
        command.args(args);
        let out = run(command, LIMIT);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("admin API at http://127.0.0.1:1"),
            "{stderr}"
        );
        assert!(stderr.contains("is unreachable"), "{stderr}");
    }
}

/// `tail --json` passes hostile records through as the same JSON values
/// with every control escaped; `tail` and `history` show them as text, cut
/// to size; the store keeps them as they came.
#[actix_rt::test]
async fn tail_and_history_print_hostile_records_only_as_text() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "cli-hostile", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut records = hostile::corpus(&topic);
    records.push(hostile::deep(&topic, "deep-mark"));
    records.push(hostile::large(&topic, "large-mark"));
    hostile::produce(&bootstrap, &topic, &records).await;
    let count = records.len().to_string();
    let command = |user: &str, args: &[&str]| {
        let mut command =
            hostile::unvalidated(consumer(&admin.base_url, &bootstrap, user, dir.path()));
        command.args(args);
        let out = run(command, LIMIT);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        hostile::assert_only_shown(&out.stdout, &[]);
        out.stdout
    };

    let json = command("json-user", &["tail", &topic, "--count", &count, "--json"]);
    let lines: Vec<&[u8]> = json
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), records.len());
    for (line, record) in lines.iter().zip(&records) {
        let line = std::str::from_utf8(line).expect("UTF-8");
        if let Ok(sent) = serde_json::from_slice::<serde_json::Value>(&record.value) {
            let got: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            assert_eq!(got, sent, "an envelope changed on the way");
        } else if record.value.len() > hostile::DEEP {
            // Deeper than a test can parse: passed through byte for byte.
            assert_eq!(line.as_bytes(), &record.value[..]);
        } else {
            let got: Envelope = serde_json::from_str(line).expect("a generic envelope");
            let sent = String::from_utf8_lossy(&record.value);
            assert_eq!(got.payload, serde_json::Value::String(sent.into_owned()));
        }
    }
    let json = text(&json);
    for escape in [r"\u001b]0;pwned-title\u0007", r"\u009b31mred\u007f\u0085"] {
        assert!(json.contains(escape), "{escape} missing");
    }

    let readable = text(&command("text-user", &["tail", &topic, "--count", &count]));
    for part in [
        r"Type: hostile-1\u001b]0;pwned-title\u0007",
        r"Key: key\u001b]0;pwned-title",
        "\"hostile-3 \u{fffd}\u{fffd}\\u001b]0;bad-utf8\\u0007\\u009b2J end\"",
        "Type: deep-mark",
        "(shown as text: not readable as JSON: recursion limit exceeded",
        "Type: large-mark",
        "(cut after 64 KB: ",
    ] {
        assert!(readable.contains(part), "{part:?} missing");
    }
    assert!(readable.len() < 256 * 1024, "{} bytes", readable.len());

    // The store keeps the bytes as they came; history neutralises them.
    let stored = consumer_support::stored(&store_path(dir.path(), "text-user"), &topic);
    assert!(stored[0].data_type.ends_with(hostile::ATTACK));
    let history = text(&command("text-user", &["history", &topic, "10"]));
    assert!(history.contains(r"Type: hostile-1\u001b]0;pwned-title\u0007"));
    assert!(history.contains("(cut after 64 KB: "));
    let history = text(&command("text-user", &["history", &topic, "10", "--json"]));
    assert_eq!(history.lines().count(), records.len());
}

/// `tail --json --meta` adds each record's partition, offset and key to its
/// line; keys are untrusted and come out JSON-escaped, free of controls.
#[actix_rt::test]
async fn tail_json_meta_adds_partition_offset_and_key() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "cli-meta", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let records = hostile::corpus(&topic);
    hostile::produce(&bootstrap, &topic, &records).await;
    let count = records.len().to_string();

    let mut command = hostile::unvalidated(consumer(
        &admin.base_url,
        &bootstrap,
        "meta-user",
        dir.path(),
    ));
    command.args(["tail", &topic, "--count", &count, "--json", "--meta"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    hostile::assert_only_shown(&out.stdout, &[]);
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), records.len());
    for (offset, (line, record)) in lines.iter().zip(&records).enumerate() {
        assert_eq!(line["topic"], topic.as_str(), "{line}");
        assert_eq!(line["partition"], 0, "{line}");
        assert_eq!(line["offset"], offset as u64, "{line}");
        let key = record
            .key
            .as_ref()
            .map(|k| String::from_utf8_lossy(k).into_owned());
        assert_eq!(line["key"], serde_json::json!(key), "{line}");
        assert!(line.get("payload").is_some(), "{line}");
    }

    // --meta only makes sense with --json.
    let mut command = consumer(&admin.base_url, &bootstrap, "meta-user", dir.path());
    command.args(["tail", &topic, "--meta"]);
    let out = run(command, LIMIT);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// `CLICOLOR_FORCE` colours even a pipe, and only our own styles reach it:
/// what the records carry still shows as text.
#[actix_rt::test]
async fn clicolor_force_colours_a_pipe_with_only_our_styles() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "cli-colour", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let records = hostile::corpus(&topic);
    hostile::produce(&bootstrap, &topic, &records).await;
    let mut command = hostile::unvalidated(consumer(
        &admin.base_url,
        &bootstrap,
        "colour-user",
        dir.path(),
    ));
    command
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["tail", &topic, "--count", &records.len().to_string()]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("\x1b[1m\x1b[36m"), "no colour: {shown:?}");
    hostile::assert_only_shown(&out.stdout, &["0m", "1m", "2m", "33m", "36m"]);
    assert!(shown.contains(r"\u001b]0;pwned-title\u0007"));

    // NO_COLOR wins over CLICOLOR_FORCE.
    let mut command = hostile::unvalidated(consumer(
        &admin.base_url,
        &bootstrap,
        "plain-user",
        dir.path(),
    ));
    command.env("CLICOLOR_FORCE", "1").args([
        "tail",
        &topic,
        "--count",
        &records.len().to_string(),
    ]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!out.stdout.contains(&0x1b), "{}", text(&out.stdout));
}

/// `--kafka-option client.id=...` reaches the broker: the running `tail`
/// shows up in its group with that client id.
#[actix_rt::test]
async fn a_kafka_option_client_id_is_the_group_members_client_id() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "client-id", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let group = kafka::unique_name("client-id-group");
    let client_id = kafka::unique_name("client-id");
    let mut command = consumer(&admin.base_url, &bootstrap, "ids", dir.path());
    let option = format!("client.id={client_id}");
    command
        .args(["tail", &topic, "--group", &group, "--kafka-option", &option])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let running = Running::watch(command.spawn().expect("start the consumer"));

    let seen = kafka::group_client_ids(&bootstrap, &group, LIMIT);
    signal(running.child.id(), "TERM");
    let out = running.finish(LIMIT);
    assert!(seen.contains(&client_id), "{seen:?} {out:?}");
}

/// A malformed option or a property librdkafka does not know stops the
/// consumer before it does anything, naming the option; by flag or by
/// TOPICGATE_KAFKA_OPTIONS.
#[test]
fn a_bad_kafka_option_stops_the_consumer_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (&["--kafka-option", "foo"], None, "'foo'"),
        (&["--kafka-option", "no.such=1"], None, "no.such"),
        (&[], Some("acks=1,no.such.either=2"), "no.such.either"),
        (&[], Some("acks=1,bar"), "'bar'"),
    ];
    for (args, env, named) in cases {
        let mut command = consumer("http://127.0.0.1:1", "127.0.0.1:9092", "u1", dir.path());
        command.args(args).arg("topics");
        if let Some(env) = env {
            command.env("TOPICGATE_KAFKA_OPTIONS", env);
        }
        let out = run(command, LIMIT);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {out:?}");
        assert!(stderr.contains(named), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{out:?}");
    }
}

#[actix_rt::test]
async fn a_user_token_names_the_user_and_is_sent_on_every_call() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "token", 1).await;
    let alice = kafka::unique_name("alice");
    let token = admin.create_user(&alice, &["consumer"]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&token_file)
            .unwrap();
        writeln!(file, "{token}").unwrap();
    }
    let command = |args: &[&str]| {
        let mut command = consumer(&admin.base_url, &bootstrap, "nobody", dir.path());
        command.env_remove("TOPICGATE_USER").args(args);
        run(command, LIMIT)
    };

    // From the environment or a file: the token's user subscribes, and
    // the audit trail names the checked user, not a claim.
    let out = command(&["--token", &token, "subscribe", &topic]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        format!("Subscribed {alice} to '{topic}'.\n")
    );
    let actors = admin.subscription_actors();
    assert_eq!(actors, [(alice.clone(), format!("user:{alice}"))]);
    let token_path = token_file.to_str().unwrap();
    let out = command(&["--token-file", token_path, "subs", "--json"]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains(&topic), "{out:?}");
    // The token never shows.
    assert!(!text(&out.stderr).contains(&token) && !text(&out.stdout).contains(&token));

    // Mistakes get their reason.
    let out = command(&["--token", &token, "--user", "bob", "subs"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        text(&out.stderr).contains("does not match the token"),
        "{out:?}"
    );
    let out = command(&["--token", &token, "--token-file", token_path, "subs"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = command(&["--token", "tgu_forged-token-0123456789", "subs"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("refused the token"), "{out:?}");
    let out = command(&["--token", &admin.admin_token, "subs"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("admin token"), "{out:?}");
    assert!(!text(&out.stderr).contains(&admin.admin_token));
}

#[actix_rt::test]
async fn history_shows_the_newest_stored_messages_oldest_first() {
    history_shows_the_newest_stored_messages(StoreKind::File).await;
}

#[actix_rt::test]
async fn history_shows_the_newest_messages_of_a_postgres_store_oldest_first() {
    history_shows_the_newest_stored_messages(StoreKind::Postgres).await;
}

async fn history_shows_the_newest_stored_messages(store: StoreKind) {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    // One partition: the order stored is the order published.
    let topic = active_topic(&admin, &bootstrap, "history", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = "historian";
    let store = store.location(dir.path(), user);
    publish(&bootstrap, &topic, 0..30).await;
    let command = |args: &[&str]| {
        let mut command = consumer_at(&admin.base_url, &bootstrap, user, dir.path(), &store);
        command.args(args);
        let out = run(command, LIMIT);
        assert!(out.status.success(), "{out:?}");
        out
    };
    command(&["tail", &topic, "--count", "30", "--json"]);
    assert_stored_once_at(&store, &topic, 30);

    let out = command(&["history", &topic, "5", "--json"]);
    let seqs: Vec<u64> = envelopes(&out.stdout)
        .iter()
        .map(|e| seq_of(&e.payload))
        .collect();
    assert_eq!(seqs, [25, 26, 27, 28, 29]);
    let out = text(&command(&["history", &topic, "2"]).stdout);
    assert!(out.contains("the 2 newest stored message(s)"), "{out}");
    assert!(
        out.contains("\"seq\":29") || out.contains("\"seq\": 29"),
        "{out}"
    );
    let out = text(&command(&["history", "no-such-topic", "5"]).stdout);
    assert!(
        out.contains("No stored messages for 'no-such-topic'."),
        "{out}"
    );
}

#[test]
fn a_postgres_store_that_cannot_be_reached_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 1; the password must not be shown.
    let url = "postgres://team:hunter2@127.0.0.1:1/store";
    for args in [
        &["history", "sensor_data", "5"][..],
        &["tail", "sensor_data"],
    ] {
        let mut command = consumer("http://127.0.0.1:1", "127.0.0.1:1", "pg-user", dir.path());
        command.env("TOPICGATE_STORE", url).args(args);
        let out = run(command, LIMIT);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("message store postgres://team:***@127.0.0.1:1/store: cannot connect"),
            "{stderr}"
        );
        assert!(stderr.contains("Connection refused"), "{stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "the password was shown: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{out:?}");
    }
}
