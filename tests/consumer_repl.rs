//! The consumer REPL, driven through a pseudo-terminal against a real admin
//! service and a real Kafka.

mod consumer_support;
mod support;

use std::time::Duration;

use consumer_support::{Pty, active_topic, consumer, publish, seqs_shown, store_path};
use support::admin::TestAdmin;
use support::kafka;

#[actix_rt::test]
async fn repl_lists_subscribes_receives_counts_unsubscribes_and_exits() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let first = active_topic(&admin, &bootstrap, "repl-a", 3).await;
    let second = active_topic(&admin, &bootstrap, "repl-b", 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("repl-user");
    let mut repl = Pty::spawn(consumer(&admin.base_url, &bootstrap, &user, dir.path()));
    let prompt = format!("{user}> ");

    repl.expect("1. View Available Topics");
    repl.expect("0. Exit");
    repl.expect(&prompt);

    repl.line("1");
    repl.expect("Active topics (2):");
    repl.wait_until("both topics listed", |t| {
        t.contains(&first) && t.contains(&second)
    });
    repl.expect(&prompt);

    repl.line("frobnicate");
    repl.expect("Unknown command 'frobnicate'. Type help");
    repl.expect(&prompt);

    repl.line("subscribe no-such-topic");
    repl.expect("topic 'no-such-topic' is not active. Active topics: ");
    repl.expect(&prompt);

    // Menu entry 3 asks for the name; Tab completes it from a unique prefix.
    repl.line("3");
    repl.expect("Topic name: ");
    repl.send(&first[..8]);
    repl.send("\t");
    repl.expect(&first);
    repl.send("\r");
    repl.expect(&format!("Subscribed to '{first}'. Start the consumer"));
    repl.expect(&prompt);

    repl.line(&format!("subscribe {second}"));
    repl.expect(&format!("Subscribed to '{second}'."));
    repl.expect(&prompt);

    repl.line("2");
    repl.expect(&format!("Subscriptions of {user} (2):"));
    repl.expect(&prompt);

    repl.line("5");
    repl.expect(&format!("Consumer started for {first}, {second}"));
    repl.expect(&prompt);

    publish(&bootstrap, &first, 0..10).await;
    publish(&bootstrap, &second, 100..105).await;
    repl.wait_until("all 15 messages", |t| {
        seqs_shown(t, 0..10) == 10 && seqs_shown(t, 100..105) == 5
    });
    let shown = repl.unread();
    for part in [
        format!("Topic: {first}  Type: sensor"),
        format!("Topic: {second}  Type: sensor"),
        "Partition: ".to_owned(),
        "  Offset: ".to_owned(),
        "  Key: sensor_".to_owned(),
        "Time: 20".to_owned(),
        // The pty turns each newline into \r\n.
        "{\r\n  \"sensor_id\": \"sensor_".to_owned(),
    ] {
        assert!(shown.contains(&part), "{part:?} missing from:\n{shown}");
    }

    // Messages that arrive while a command is half typed print above the
    // prompt, and the half-typed line survives them.
    repl.send("sta");
    publish(&bootstrap, &second, 200..203).await;
    repl.wait_until("messages while typing", |t| seqs_shown(t, 200..203) == 3);
    repl.wait_until("the half-typed line redrawn", |t| {
        let last_message = t.rfind("\"seq\": 20").unwrap_or(0);
        t[last_message..].contains(&format!("{prompt}sta"))
    });
    repl.send("ts\r");
    repl.expect("Consumer:      running since");
    repl.expect("Messages:      18 processed");
    repl.wait_until("per-topic counts", |t| {
        t.contains(&format!("{first}: 10")) && t.contains(&format!("{second}: 8"))
    });
    repl.expect("Lag:");
    repl.expect(&prompt);

    repl.line(&format!("history {first} 3"));
    repl.expect(&format!("(3 stored message(s) of '{first}')"));
    repl.expect(&prompt);

    // Unsubscribing takes effect at once: new messages of the topic no
    // longer arrive, while the other topic's still do.
    repl.line(&format!("4 {first}"));
    repl.expect(&format!("Unsubscribed from '{first}'."));
    repl.expect(&prompt);
    publish(&bootstrap, &first, 10..13).await;
    publish(&bootstrap, &second, 105..108).await;
    repl.wait_until("the other topic's new messages", |t| {
        seqs_shown(t, 105..108) == 3
    });
    std::thread::sleep(Duration::from_secs(2));
    repl.wait_until("a quiet moment", |_| true);
    assert_eq!(seqs_shown(&repl.unread(), 10..13), 0, "{}", repl.unread());

    repl.line("6");
    repl.expect("Consumer stopped");
    repl.expect(&prompt);
    repl.line("0");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "the REPL failed:\n{}", repl.transcript());

    let stored = consumer_support::stored(&store_path(dir.path(), &user), &first);
    assert_eq!(stored.len(), 10);
    assert!(
        dir.path().join(format!("{user}.history")).exists(),
        "no history file"
    );
}

#[actix_rt::test]
async fn repl_keeps_consuming_when_the_admin_service_goes_away() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "repl-outage", 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("outage-user");
    let prompt = format!("{user}> ");
    let mut repl = Pty::consuming(
        consumer(&admin.base_url, &bootstrap, &user, dir.path()),
        &prompt,
        &topic,
    );
    repl.expect(&prompt);
    publish(&bootstrap, &topic, 0..3).await;
    repl.wait_until("the first messages", |t| seqs_shown(t, 0..3) == 3);

    drop(admin);

    repl.line("topics");
    repl.expect("is unreachable");
    repl.expect("Nothing changed; the consumer keeps running.");
    repl.expect(&prompt);
    repl.line(&format!("unsubscribe {topic}"));
    repl.expect("is unreachable");
    repl.expect(&prompt);

    publish(&bootstrap, &topic, 3..6).await;
    repl.wait_until("messages after the outage", |t| seqs_shown(t, 3..6) == 3);
    repl.line("stats");
    repl.expect("Messages:      6 processed");
    repl.expect(&prompt);
    repl.line("exit");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "the REPL failed:\n{}", repl.transcript());
}

#[actix_rt::test]
async fn colour_only_when_stdout_is_a_terminal() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let dir = tempfile::tempdir().expect("temp dir");

    let mut command = consumer(&admin.base_url, &bootstrap, "colour-user", dir.path());
    command.env_remove("NO_COLOR");
    let mut repl = Pty::spawn(command);
    repl.expect("\x1b[1m=== topicgate consumer: colour-user ===\x1b[0m");
    repl.expect("colour-user> ");
    repl.line("bogus");
    repl.expect("\x1b[31mUnknown command 'bogus'");
    repl.line("0");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit());

    // Without a terminal (input and output piped) the same REPL reads lines
    // and prints no escape codes.
    let mut command = consumer(&admin.base_url, &bootstrap, "colour-user", dir.path());
    command.env_remove("NO_COLOR");
    let output = consumer_support::run(command, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout.contains("=== topicgate consumer: colour-user ==="),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
}
