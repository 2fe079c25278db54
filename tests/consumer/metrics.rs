//! `tail --metrics-bind`: the consumer's own `/metrics` while it runs.

use crate::consumer_support;
use crate::support;

use std::time::{Duration, Instant};

use consumer_support::live::Live;
use consumer_support::{active_topic, consumer, envelopes, publish, signal};
use support::admin::TestAdmin;
use support::kafka;
use support::prometheus::{
    check_metrics, free_port, get_text, sample, series_in, series_the_deploy_files_query,
};
use topicgate::domain::Envelope;

#[actix_rt::test]
async fn tail_counts_what_it_printed_and_reports_lag_per_partition() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "tail-metrics", 2).await;
    publish(&bootstrap, &topic, 0..40).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let user = kafka::unique_name("metrics-user");
    let bind = format!("127.0.0.1:{}", free_port());

    let mut command = consumer(&admin.base_url, &bootstrap, &user, dir.path());
    command.args(["tail", &topic, "--json", "--metrics-bind", &bind]);
    let mut tail = Live::spawn(command);
    tail.wait_until("all 40 records", |out, _| complete_lines(out) >= 40);
    let url = format!("http://{bind}/metrics");

    // The lag comes with librdkafka's statistics, every few seconds; the
    // counts are current at once.
    let group = format!("consumer-group-{user}");
    let has_lag = |body: &str| {
        (0..2).all(|p| {
            let partition = p.to_string();
            let labels = [
                ("group", group.as_str()),
                ("topic", topic.as_str()),
                ("partition", partition.as_str()),
            ];
            sample(body, "topicgate_consumer_lag", &labels).is_some()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        let body = get_text(&url).await;
        if has_lag(&body) || Instant::now() >= deadline {
            break body;
        }
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(has_lag(&body), "no lag for both partitions:\n{body}");
    check_metrics(&body);
    let printed = envelopes(tail.stdout().as_bytes()).len() as f64;
    assert_eq!(printed, 40.0);
    assert_eq!(
        sample(
            &body,
            "topicgate_consumer_records_total",
            &[("topic", &topic)]
        ),
        Some(printed),
        "{body}"
    );
    let stored = sample(&body, "topicgate_consumer_store_latency_seconds_count", &[]);
    assert!(stored.is_some_and(|n| n >= 1.0), "{body}");
    // The consumer's series that the shipped rules and board query.
    let exposed = series_in(&body);
    let missing: Vec<String> = series_the_deploy_files_query()
        .into_iter()
        .filter(|name| name.starts_with("topicgate_consumer_") && !exposed.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "deploy/ queries consumer series tail does not expose: {missing:?}"
    );

    signal(tail.pid(), "TERM");
    assert!(tail.wait_exit(), "tail failed:\n{}", tail.stderr());
}

/// Envelopes printed so far, leaving out a line still being written.
fn complete_lines(out: &str) -> usize {
    out.lines()
        .filter(|line| serde_json::from_str::<Envelope>(line).is_ok())
        .count()
}
