//! `GET /metrics` of the admin service, checked with Prometheus' promtool.

use serde_json::json;

use crate::support::admin::TestAdmin;
use crate::support::prometheus::{check_metrics, get_text, sample};

const REQUESTS: &str = "topicgate_http_requests_total";
const DURATION_COUNT: &str = "topicgate_http_request_duration_seconds_count";

#[actix_rt::test]
async fn metrics_count_requests_by_route_pattern_and_topics_by_status() {
    let admin = TestAdmin::spawn();
    let approved = admin.create_topic("metrics-approved", 1, 1).await;
    let _pending = admin.create_topic("metrics-pending", 1, 1).await;
    let rejected = admin.create_topic("metrics-rejected", 1, 1).await;
    admin.approve(approved).await;
    admin.reject(rejected).await;
    assert_eq!(
        admin.get(&format!("/api/topics/{approved}")).await.status,
        200
    );
    assert_eq!(admin.get("/api/topics/987654").await.status, 404);
    assert_eq!(admin.get("/api/no-such-endpoint").await.status, 404);

    let body = get_text(&admin.url("/metrics")).await;
    check_metrics(&body);

    let by_route = |method: &str, route: &str, status: &str| {
        sample(
            &body,
            REQUESTS,
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(by_route("POST", "/api/topics", "201"), Some(3.0), "{body}");
    assert_eq!(
        by_route("GET", "/api/topics/{id}", "200"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        by_route("GET", "/api/topics/{id}", "404"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        by_route("POST", "/api/topics/{id}/approve", "200"),
        Some(1.0),
        "{body}"
    );
    // Bounded labels: the raw path of a request is never a label.
    assert!(!body.contains("/api/topics/987654"), "{body}");
    assert!(!body.contains("no-such-endpoint"), "{body}");
    assert!(
        by_route("GET", "unmatched", "404").is_some_and(|n| n >= 1.0),
        "{body}"
    );

    let timed = sample(
        &body,
        DURATION_COUNT,
        &[("method", "POST"), ("route", "/api/topics")],
    );
    assert_eq!(timed, Some(3.0), "{body}");
    assert!(
        body.contains("topicgate_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"POST\",route=\"/api/topics\"} 3")
            || body.contains("topicgate_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/topics\",le=\"+Inf\"} 3"),
        "{body}"
    );

    // Topics by status, as the registry's own count has them.
    let stats = admin.get("/api/stats").await.body;
    for status in ["pending", "approved", "active", "rejected", "inactive"] {
        let expected = stats[format!("{status}_topics")].as_f64();
        assert_eq!(
            sample(&body, "topicgate_topics", &[("status", status)]),
            expected,
            "{status}: {body}"
        );
    }
    assert_eq!(
        sample(&body, "topicgate_topics_kafka", &[("state", "not_created")]),
        Some(3.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "topicgate_sse_clients", &[]),
        Some(0.0),
        "{body}"
    );
}

#[actix_rt::test]
async fn failure_reports_show_as_a_counter_and_as_failed_topics() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("metrics-refused", 1, 1).await;
    admin.approve(id).await;
    admin.report_kafka(id, &json!({"state": "creating"})).await;
    let refusal = json!({"state": "failed", "error": "Replication factor too large"});
    admin.report_kafka(id, &refusal).await;
    admin.report_kafka(id, &refusal).await;

    let body = get_text(&admin.url("/metrics")).await;
    check_metrics(&body);
    assert_eq!(
        sample(&body, "topicgate_kafka_failure_reports_total", &[]),
        Some(2.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "topicgate_topics_kafka", &[("state", "failed")]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "topicgate_topics_kafka", &[("state", "creating")]),
        Some(0.0),
        "{body}"
    );
}

#[actix_rt::test]
async fn request_metrics_can_be_turned_off() {
    let admin = TestAdmin::spawn_with(|s| s.http.request_metrics = false);
    admin.create_topic("metrics-off", 1, 1).await;
    let body = get_text(&admin.url("/metrics")).await;
    check_metrics(&body);
    assert!(!body.contains(&format!("{REQUESTS}{{")), "{body}");
    assert_eq!(
        sample(&body, "topicgate_topics", &[("status", "pending")]),
        Some(1.0),
        "{body}"
    );
}
