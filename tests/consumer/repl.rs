//! The consumer REPL, driven through a pseudo-terminal against a real admin
//! service and a real Kafka.

use crate::consumer_support;
use crate::support;

use std::time::{Duration, Instant};

use consumer_support::steady::SteadyProducer;
use consumer_support::{
    Pty, active_topic, consumer, hostile, publish, seqs_of_topic, seqs_shown, store_path,
};
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

    // Ctrl-C clears the line and says how to leave instead.
    repl.send("\x03");
    repl.expect("press Ctrl-D or type `exit` or 0 to leave");
    repl.expect(&prompt);

    repl.line("subscribe no-such-topic");
    repl.expect("there is no topic 'no-such-topic'. Active topics: ");
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

    // The group's first start says where it reads from.
    repl.line("5");
    repl.expect(&format!("Consumer started for {first}, {second}"));
    repl.expect(&format!(
        "has read nothing of {first}, {second} yet: it reads each from the beginning."
    ));
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

    // History is framed so that it cannot pass for new messages.
    repl.line(&format!("history {first} 3"));
    repl.expect(&format!(
        "history of '{first}': the 3 newest stored message(s), oldest first"
    ));
    repl.expect(&format!("end of history of '{first}'"));
    let screen = repl.transcript();
    let header = screen
        .rfind("newest stored message(s)")
        .expect("the header");
    let inside =
        &screen[header..header + screen[header..].find("end of history").expect("the footer")];
    assert_eq!(inside.matches("\"seq\": ").count(), 3, "{inside}");
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
    // Once the group has committed, a start no longer says it.
    repl.line("5");
    repl.expect(&format!("Consumer started for {second}"));
    repl.expect(&prompt);
    repl.line("6");
    repl.expect("Consumer stopped");
    let restarted = repl.transcript();
    let restarted = &restarted[restarted.rfind("Consumer started").expect("a start")..];
    assert!(!restarted.contains("from the beginning"), "{restarted}");
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

/// An admin service that answers the head of every request and then never
/// sends the body it announced, keeping the connection open.
fn admin_stalling_mid_answer() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut connection in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = connection.read(&mut request);
            let _ = connection.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[",
            );
            held.push(connection);
        }
    });
    url
}

#[actix_rt::test]
async fn an_admin_service_that_stalls_mid_answer_is_reported_not_waited_for() {
    let bootstrap = kafka::bootstrap_servers();
    let admin_url = admin_stalling_mid_answer();
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("stall-user");
    let prompt = format!("{user}> ");
    let mut repl = Pty::spawn(consumer(&admin_url, &bootstrap, &user, dir.path()));
    repl.expect(&prompt);

    repl.line("topics");
    repl.expect("is unreachable");
    repl.expect("reading the answer failed");
    repl.expect(&prompt);
    repl.line("exit");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "the REPL failed:\n{}", repl.transcript());
}

#[actix_rt::test]
async fn a_deactivated_topic_is_left_while_the_others_are_read_and_resumed_when_reactivated() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    // One partition each, so "shown up to N" means "shown 0..=N".
    let followed = active_topic(&admin, &bootstrap, "follow-a", 1).await;
    let kept = active_topic(&admin, &bootstrap, "follow-b", 1).await;
    let followed_id = admin
        .topics()
        .await
        .into_iter()
        .find(|t| t.topic_name == followed)
        .expect("the followed topic")
        .topic_id
        .0;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("follow-user");
    let prompt = format!("{user}> ");
    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    // Checked often, so the test does not wait for the default 5 s.
    command.env("TOPICGATE_SUBSCRIPTION_CHECK_INTERVAL", "0.2");
    let mut repl = Pty::spawn(command);
    repl.expect(&prompt);
    for topic in [&followed, &kept] {
        repl.line(&format!("subscribe {topic}"));
        repl.expect(&format!("Subscribed to '{topic}'"));
        repl.expect(&prompt);
    }
    repl.line("start");
    repl.expect("Consumer started");
    let producer = SteadyProducer::start(&bootstrap, &[followed.clone(), kept.clone()]);
    repl.wait_until("records of both topics", |t| {
        seqs_of_topic(t, &followed).len() >= 3 && !seqs_of_topic(t, &kept).is_empty()
    });

    admin.deactivate(followed_id).await;
    repl.expect(&format!(
        "Stopped reading {followed}: the topic was deactivated."
    ));
    let notice_at = repl.transcript().len() - repl.unread().len();
    let shown_before = seqs_of_topic(&repl.transcript()[..notice_at], &followed);
    let last_shown = *shown_before.iter().max().expect("records shown before");
    let written_at_notice = producer.published();
    // The producer keeps writing to both; only the kept topic is shown.
    repl.wait_until("the kept topic read on, the other one written on", |t| {
        seqs_of_topic(t, &kept).len() >= 20 && producer.published() >= written_at_notice + 20
    });
    let unread = repl.unread();
    assert_eq!(
        seqs_of_topic(&unread, &followed),
        Vec::<u64>::new(),
        "records of the deactivated topic shown after the notice:\n{unread}"
    );
    assert_eq!(
        unread.matches("Stopped reading").count(),
        0,
        "said more than once:\n{unread}"
    );
    // The live Kafka subscription: the kept topic alone.
    repl.line("stats");
    repl.expect(&format!("Topics:        {kept}"));
    repl.expect(&prompt);

    admin.reactivate(followed_id).await;
    repl.expect(&format!(
        "Reading {followed} again: the topic was reactivated."
    ));
    // From the committed offset on: what was written meanwhile comes too.
    let missed = last_shown + 1..written_at_notice + 20;
    repl.wait_until("the records written while the topic was left", |t| {
        let shown: std::collections::BTreeSet<u64> =
            seqs_of_topic(t, &followed).into_iter().collect();
        missed.clone().all(|seq| shown.contains(&seq))
    });
    drop(producer);
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
    // A terminal names its type; without TERM a terminal is not assumed to
    // take colour.
    command.env_remove("NO_COLOR").env("TERM", "xterm-256color");
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

/// Without `--history-file` the history goes to the XDG data directory:
/// `$XDG_DATA_HOME` when absolute, else `~/.local/share`.
#[actix_rt::test]
async fn history_defaults_to_the_xdg_data_directory() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    let data = dir.path().join("data");
    let user = kafka::unique_name("history-user");
    let expected = |base: &std::path::Path| {
        base.join("topicgate")
            .join(format!("consumer-{user}.history"))
    };
    for (xdg_data_home, base) in [
        (data.as_os_str(), data.clone()),
        // A relative XDG_DATA_HOME is to be ignored, by the XDG rules.
        ("relative/data".as_ref(), home.join(".local/share")),
    ] {
        let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
        command
            .env_remove("TOPICGATE_HISTORY")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", xdg_data_home);
        let mut repl = Pty::spawn(command);
        repl.expect(&format!("{user}> "));
        repl.line("help");
        repl.expect(&format!("{user}> "));
        repl.line("0");
        repl.expect("Goodbye.");
        assert!(repl.wait_exit(), "the REPL failed:\n{}", repl.transcript());
        let history = std::fs::read_to_string(expected(&base))
            .unwrap_or_else(|e| panic!("{}: {e}", expected(&base).display()));
        assert!(history.contains("help"), "{history}");
    }
}

/// Records built to take over a terminal (window title, clipboard, clear
/// screen, alternate screen, C1 CSI, BEL floods, invalid UTF-8, 20,000
/// levels of nesting, 900 KB) only show, cut to size, and the deep one
/// costs little time and memory.
#[actix_rt::test]
async fn repl_shows_hostile_records_only_as_text_bounded_in_time_and_memory() {
    const MEMORY: u64 = 50 * 1024 * 1024;
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "repl-hostile", 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("hostile-user");
    let prompt = format!("{user}> ");
    let mut repl = Pty::consuming(
        hostile::unvalidated(consumer(&admin.base_url, &bootstrap, &user, dir.path())),
        &prompt,
        &topic,
    );
    repl.expect(&prompt);
    let pid = repl.pid();
    let from = repl.printed();

    // The deep record alone, so that time and memory are its own.
    let cpu_before = hostile::cpu_time(pid);
    hostile::produce(&bootstrap, &topic, &[hostile::deep(&topic, "deep-mark")]).await;
    let produced = Instant::now();
    repl.wait_until("the deep record", |t| {
        // Fails at once rather than after the printer ate gigabytes.
        let peak = hostile::peak_memory(pid);
        assert!(
            peak < MEMORY,
            "the consumer's memory peaked at {peak} bytes"
        );
        t.contains("deep-mark") && t.contains("(shown as text: not readable as JSON")
    });
    let shown_after = produced.elapsed();
    let cpu = hostile::cpu_time(pid) - cpu_before;
    let peak = hostile::peak_memory(pid);
    eprintln!(
        "deep record: shown {shown_after:?} after its delivery, {cpu:?} of CPU, peak memory {} KB",
        peak / 1024
    );
    assert!(
        cpu < Duration::from_secs(1),
        "the deep record took {cpu:?} of CPU"
    );
    assert!(
        peak < MEMORY,
        "the consumer's memory peaked at {peak} bytes"
    );
    let deep_screen = repl.screen(from).len();
    assert!(
        deep_screen < 2 * 2 * hostile::DEEP + 4096,
        "{deep_screen} bytes shown for the deep record"
    );

    let mut records = hostile::corpus(&topic);
    records.push(hostile::large(&topic, "large-mark"));
    hostile::produce(&bootstrap, &topic, &records).await;
    repl.wait_until("the hostile records", |t| {
        t.contains("hostile-4") && t.contains("more bytes not shown)")
    });
    repl.expect(&prompt);
    let shown = repl.unread();
    for part in [
        "Type: hostile-1\\u001b]0;pwned-title\\u0007\\u001b]52;c;cHduZWQ=\\u0007\\u001b[2J\\u001b[?1049h\\u009b31mred\\u007f\\u0085",
        "Time: 2026-11-27T10:15:00.123Z\\u001b]0;pwned-title",
        "Key: key\\u001b]0;pwned-title",
        "\"list\": [\n",
        "\"hostile-3 \u{fffd}\u{fffd}\\u001b]0;bad-utf8\\u0007\\u009b2J end\"",
        "\"hostile-4 \\u001b]0;pwned-title\\u0007",
        "plain text\\r\\n\"",
        "\"bells\": \"\\u0007\\u0007",
        "Type: large-mark",
        "(cut after 64 KB: ",
    ] {
        let part = part.replace('\n', "\r\n");
        assert!(shown.contains(&part), "{part:?} missing from the screen");
    }
    let screen = repl.screen(from);
    assert!(
        screen.len() < 256 * 1024,
        "{} bytes shown for about 1 MB of records",
        screen.len()
    );
    hostile::assert_only_shown(screen, hostile::EDITOR_CSI);

    // The store keeps what came; history shows it as safely.
    let stored = consumer_support::stored(&store_path(dir.path(), &user), &topic);
    assert_eq!(stored.len(), 6);
    assert!(stored[1].data_type.ends_with(hostile::ATTACK));
    let from = repl.printed();
    repl.line(&format!("history {topic} 10"));
    repl.expect(&format!("end of history of '{topic}'"));
    repl.expect(&prompt);
    assert!(repl.transcript()[from..].contains("Type: hostile-1\\u001b]0;pwned-title"));
    hostile::assert_only_shown(repl.screen(from), hostile::EDITOR_CSI);

    repl.line("exit");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "the REPL failed:\n{}", repl.transcript());
}
