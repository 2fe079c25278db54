//! When the broker goes down the REPL says so in `stats`, and consumption
//! resumes by itself once the broker is back.

use crate::consumer_support;
use crate::support;

use std::time::{Duration, Instant};

use consumer_support::{
    Pty, active_topic, assert_stored_once, consumer, publish, seqs_shown, store_path,
};
use support::admin::TestAdmin;
use support::kafka::KafkaInstance;

/// Away from the shared broker (9092) and the other tests' own clusters.
const BASE_PORT: u16 = 19892;

#[actix_rt::test]
async fn broker_outage_shows_in_stats_and_consumption_resumes() {
    let cluster = KafkaInstance::start("consumer-outage", 1, BASE_PORT);
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "outage", 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = "outage-user";
    let prompt = format!("{user}> ");

    let mut repl = Pty::consuming(
        consumer(&admin.base_url, &bootstrap, user, dir.path()),
        &prompt,
        &topic,
    );
    publish(&bootstrap, &topic, 0..5).await;
    repl.wait_until("messages before the outage", |t| seqs_shown(t, 0..5) == 5);

    cluster.stop_node(0);
    // The client notices within a few reconnect attempts.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        repl.line("stats");
        repl.expect("Statistics for");
        repl.expect(&prompt);
        let report = repl.transcript();
        let report = &report[report.rfind("Statistics for").unwrap_or(0)..];
        if report.contains("Last Kafka error: ") {
            eprintln!("{report}");
            assert!(report.contains("Consumer:      running"), "{report}");
            // The broker cannot say where the partitions end.
            assert!(report.contains("? behind"), "{report}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no Kafka error in stats:\n{report}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }

    cluster.start_node(0);
    publish(&bootstrap, &topic, 5..10).await;
    repl.wait_until("messages after the outage", |t| seqs_shown(t, 5..10) == 5);
    // Offsets not yet committed when the broker went away are delivered
    // again (at least once), so the count may pass 10; the store keeps
    // each message once.
    repl.line("stats");
    repl.expect("Messages:      ");
    repl.expect(" processed");
    let report = repl.transcript();
    let report = &report[report.rfind("Messages:      ").unwrap_or(0)..];
    let processed: u64 = report["Messages:      ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no message count in stats:\n{report}"));
    assert!(processed >= 10, "{report}");
    repl.expect(&prompt);
    repl.line("exit");
    repl.expect("Goodbye.");
    assert!(repl.wait_exit(), "{}", repl.transcript());
    assert_stored_once(&store_path(dir.path(), user), &topic, 10);
}
