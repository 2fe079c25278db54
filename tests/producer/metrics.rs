//! `topicgate-producer --metrics-bind`, and a real Prometheus scraping it
//! and the admin service.

use crate::cli::{activated, read_log, spawn_producer, terminate};
use crate::support;

use std::time::Duration;

use support::admin::TestAdmin;
use support::kafka::bootstrap_servers;
use support::prometheus::{
    PrometheusServer, check_metrics, free_port, get_text, sample, series_in,
    series_the_deploy_files_query,
};
use support::wait::eventually;

#[actix_rt::test]
async fn prometheus_scrapes_the_admin_and_the_producer() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("producer.log");
    let bind = format!("127.0.0.1:{}", free_port());
    let mut producer = spawn_producer(
        &admin,
        &bootstrap,
        &["--metrics-bind", &bind, "--rate", "20"],
        &log,
    );
    let topic = activated(&admin, "metrics", &log).await;

    // The producer's own figures, librdkafka's statistics among them
    // (they come every few seconds).
    let url = format!("http://{bind}/metrics");
    let mut body = String::new();
    // Bounded: a minute at most.
    for _ in 0..600 {
        body = get_text(&url).await;
        let records = sample(
            &body,
            "topicgate_producer_records_total",
            &[("topic", &topic)],
        );
        if records.is_some_and(|n| n > 0.0)
            && sample(&body, "topicgate_producer_queue_fill_ratio", &[]).is_some()
        {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    check_metrics(&body);
    assert!(
        sample(
            &body,
            "topicgate_producer_bytes_total",
            &[("topic", &topic)]
        )
        .is_some_and(|n| n > 0.0),
        "{body}"
    );
    assert!(
        sample(&body, "topicgate_producer_queue_fill_ratio", &[]).is_some(),
        "{body}"
    );
    assert_eq!(
        sample(&body, "topicgate_producer_generators_running", &[]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "topicgate_producer_admin_up", &[]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            "topicgate_producer_delivery_errors_total",
            &[("topic", &topic)]
        ),
        Some(0.0),
        "{body}"
    );
    let delivered = sample(
        &body,
        "topicgate_producer_delivery_latency_seconds_count",
        &[("topic", &topic)],
    );
    assert!(delivered.is_some_and(|n| n > 0.0), "{body}");
    let all = sample(
        &body,
        "topicgate_producer_delivery_latency_seconds_bucket",
        &[("topic", &topic), ("le", "+Inf")],
    );
    assert_eq!(all, delivered, "{body}");

    let prometheus = PrometheusServer::start(&[
        ("topicgate-admin", format!("127.0.0.1:{}", admin.port())),
        ("topicgate-producer", bind.clone()),
    ]);
    prometheus.wait_all_up(2, Duration::from_secs(60)).await;
    let produced = format!("topicgate_producer_records_total{{topic=\"{topic}\"}}");
    let seen = eventually(Duration::from_secs(60), || async {
        prometheus
            .query_value(&produced)
            .await
            .is_some_and(|n| n > 0.0)
    })
    .await;
    assert!(
        seen,
        "Prometheus has no records for {topic}:\n{}",
        prometheus.log()
    );
    let active = eventually(Duration::from_secs(60), || async {
        prometheus
            .query_value("topicgate_topics{status=\"active\"}")
            .await
            == Some(1.0)
    })
    .await;
    assert!(
        active,
        "Prometheus has not the admin's topics:\n{}",
        prometheus.log()
    );

    // What the shipped rules and board query, apart from the consumer's
    // (checked with `tail`), is exposed by the admin or the producer.
    let mut exposed = series_in(&body);
    exposed.extend(series_in(&get_text(&admin.url("/metrics")).await));
    let missing: Vec<String> = series_the_deploy_files_query()
        .into_iter()
        .filter(|name| !name.starts_with("topicgate_consumer_") && !exposed.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "deploy/ queries series nobody exposes: {missing:?}"
    );

    let status = terminate(&mut producer);
    assert!(
        status.is_some_and(|s| s.success()),
        "producer did not stop cleanly: {status:?}\n{}",
        read_log(&log)
    );
}
