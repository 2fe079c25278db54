//! Stopping a consumer halfway and starting it again: it resumes where it
//! stopped, and the message store keeps every message exactly once even
//! when a crash makes Kafka deliver some of them again, in a SQLite file
//! and in PostgreSQL alike.

use crate::consumer_support;
use crate::support;

use std::collections::BTreeSet;
use std::time::Duration;

use consumer_support::{
    Pty, StoreKind, active_topic, assert_stored_once, assert_stored_once_at, consumer, consumer_at,
    envelopes, publish, run, seq_of, seqs_shown, signal, store_path,
};
use support::admin::TestAdmin;
use support::kafka;

const LIMIT: Duration = Duration::from_secs(60);

#[actix_rt::test]
async fn tail_stopped_halfway_resumes_where_it_stopped() {
    tail_stopped_halfway_resumes(StoreKind::File).await;
}

#[actix_rt::test]
async fn tail_stopped_halfway_resumes_where_it_stopped_with_a_postgres_store() {
    tail_stopped_halfway_resumes(StoreKind::Postgres).await;
}

async fn tail_stopped_halfway_resumes(store: StoreKind) {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "halves", 3).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = "halves-user";
    let store = store.location(dir.path(), user);
    publish(&bootstrap, &topic, 0..200).await;

    let tail = |args: &[&str]| {
        let mut command = consumer_at(&admin.base_url, &bootstrap, user, dir.path(), &store);
        command.arg("tail").arg(&topic).args(args);
        let out = run(command, LIMIT);
        assert!(out.status.success(), "{out:?}");
        envelopes(&out.stdout)
            .iter()
            .map(|e| seq_of(&e.payload))
            .collect::<Vec<u64>>()
    };
    let first = tail(&["--count", "100", "--json"]);
    let second = tail(&["--count", "100", "--json"]);
    assert_eq!(first.len(), 100);
    assert_eq!(second.len(), 100);
    let first: BTreeSet<u64> = first.into_iter().collect();
    let second: BTreeSet<u64> = second.into_iter().collect();
    assert!(
        first.is_disjoint(&second),
        "the second run repeated messages"
    );
    let all: BTreeSet<u64> = first.union(&second).copied().collect();
    assert_eq!(all, (0..200).collect());
    assert_stored_once_at(&store, &topic, 200);

    // Nothing is left for a third run.
    assert!(tail(&["--json", "--idle-timeout", "2"]).is_empty());
}

#[actix_rt::test]
async fn a_killed_repl_resumes_and_the_store_keeps_each_message_once() {
    killed_repl_resumes_and_stores_once(StoreKind::File).await;
}

#[actix_rt::test]
async fn a_killed_repl_resumes_and_a_postgres_store_keeps_each_message_once() {
    killed_repl_resumes_and_stores_once(StoreKind::Postgres).await;
}

async fn killed_repl_resumes_and_stores_once(store: StoreKind) {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "crash", 3).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("crash-user");
    let prompt = format!("{user}> ");
    let store = store.location(dir.path(), &user);
    let repl_command = || consumer_at(&admin.base_url, &bootstrap, &user, dir.path(), &store);

    let mut repl = Pty::consuming(repl_command(), &prompt, &topic);
    publish(&bootstrap, &topic, 0..100).await;
    repl.wait_until("the first hundred", |t| seqs_shown(t, 0..100) == 100);
    // Offsets are committed every second: these hundred are committed now.
    std::thread::sleep(Duration::from_millis(2500));
    publish(&bootstrap, &topic, 100..150).await;
    repl.wait_until("the next fifty", |t| seqs_shown(t, 100..150) == 50);
    // Killed at once, most of these fifty are shown and stored but not
    // committed, so Kafka delivers them again after the restart.
    signal(repl.pid(), "KILL");
    assert!(!repl.wait_exit());
    drop(repl);

    publish(&bootstrap, &topic, 150..200).await;
    let mut repl = Pty::spawn(repl_command());
    repl.expect(&prompt);
    repl.line("5");
    repl.expect("Consumer started");
    repl.wait_until("the messages published while it was down", |t| {
        seqs_shown(t, 150..200) == 50
    });
    let shown = repl.unread();
    assert_eq!(
        seqs_shown(&shown, 0..100),
        0,
        "committed messages came again:\n{shown}"
    );
    eprintln!(
        "{} of the 50 uncommitted messages were delivered again",
        seqs_shown(&shown, 100..150)
    );
    repl.line("0");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "{}", repl.transcript());

    assert_stored_once_at(&store, &topic, 200);
}

#[actix_rt::test]
async fn sigterm_commits_before_the_repl_exits() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "sigterm", 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("sigterm-user");
    let prompt = format!("{user}> ");

    let mut repl = Pty::consuming(
        consumer(&admin.base_url, &bootstrap, &user, dir.path()),
        &prompt,
        &topic,
    );
    repl.expect(&prompt);
    publish(&bootstrap, &topic, 0..20).await;
    repl.wait_until("the messages", |t| seqs_shown(t, 0..20) == 20);
    // At once, before the periodic commit: the shutdown commits them.
    // Half a command typed: line editing has the terminal in raw mode.
    repl.send("stat");
    signal(repl.pid(), "TERM");
    assert!(repl.wait_exit(), "{}", repl.transcript());
    assert!(
        repl.in_line_mode(),
        "the REPL left the terminal in raw mode: {}",
        repl.transcript()
    );

    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", &topic, "--json", "--idle-timeout", "3"]);
    let out = run(command, LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert!(
        envelopes(&out.stdout).is_empty(),
        "delivered again: {out:?}"
    );
    assert_stored_once(&store_path(dir.path(), &user), &topic, 20);
}
