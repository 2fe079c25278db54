//! `GET /metrics`: the admin service in Prometheus' text format.
//!
//! - `topicgate_http_requests_total{method,route,status}` and
//!   `topicgate_http_request_duration_seconds{method,route}`, by actix's
//!   route *pattern* (`/api/topics/{id}`), never the raw path, so a client
//!   cannot mint series; requests no route matched count as `unmatched`.
//! - `topicgate_topics{status}` and `topicgate_topics_kafka{state}`, read
//!   from the registry at scrape time;
//! - `topicgate_kafka_failure_reports_total`: failure reports the producer
//!   made (it repeats one every poll while the topic stays failed);
//! - `topicgate_producer_last_seen_timestamp_seconds`: when the producer
//!   last reported the cluster (0 before its first report);
//! - `topicgate_access_reconciles_total{outcome}` and
//!   `topicgate_access_reconciled_timestamp_seconds`: the access
//!   reconciler's passes (secure mode), so Kafka refusing it shows;
//!   `topicgate_access_acls_managed`: the ACLs it keeps in Kafka;
//! - `topicgate_dashboard_live_parts_total{outcome}`: the dashboard's live
//!   part `rendered` for a request, or `shared` from a rendering another
//!   request made (see `live_cache`);
//! - `topicgate_sse_clients`: open Server-Sent Events streams, read at
//!   scrape time from the stream slots, which every stream holds until it
//!   ends however it ends.
//!
//! Like `/api/health` it needs no login and is not rate limited: it shows
//! counts, never names or secrets.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use strum::IntoEnumIterator;

use super::error::ApiError;
use super::state::AppState;
use crate::actors::registry::GetTopicCounts;
use crate::domain::{KafkaState, TopicStatus};
use crate::telemetry::metrics::{CONTENT_TYPE, Registry, latency_buckets, new_registry, render};

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// The admin service's metrics. Cloning shares them.
#[derive(Clone)]
pub struct AdminMetrics {
    registry: std::sync::Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    topics: Family<StatusLabels, Gauge>,
    kafka_states: Family<StateLabels, Gauge>,
    failure_reports: Counter,
    producer_seen: Gauge,
    sse_clients: Gauge,
    access_passes: Family<OutcomeLabels, Counter>,
    access_reconciled: Gauge,
    access_acls: Gauge,
    live_parts: Family<OutcomeLabels, Counter>,
}

impl Default for AdminMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl AdminMetrics {
    /// Registers every series; the counts start at zero.
    pub fn new() -> Self {
        let mut registry = new_registry();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(latency_buckets()));
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route pattern",
            durations.clone(),
        );
        let topics = Family::<StatusLabels, Gauge>::default();
        registry.register("topics", "Topics in the registry by status", topics.clone());
        let kafka_states = Family::<StateLabels, Gauge>::default();
        registry.register(
            "topics_kafka",
            "Topics not deleted from the registry, by their state in Kafka",
            kafka_states.clone(),
        );
        let failure_reports = Counter::default();
        registry.register(
            "kafka_failure_reports",
            "Reports from the producer that Kafka refused a topic",
            failure_reports.clone(),
        );
        let producer_seen = Gauge::default();
        registry.register(
            "producer_last_seen_timestamp_seconds",
            "Unix time of the producer's last cluster report (0: not yet)",
            producer_seen.clone(),
        );
        let sse_clients = Gauge::default();
        registry.register(
            "sse_clients",
            "Server-Sent Events streams open now",
            sse_clients.clone(),
        );
        let access_passes = Family::<OutcomeLabels, Counter>::default();
        // Both outcomes exist from the start (at 0), so an alert on the
        // failures can tell "none yet" from "not scraped".
        for outcome in ["ok", "failed"] {
            access_passes
                .get_or_create(&OutcomeLabels { outcome })
                .inc_by(0);
        }
        registry.register(
            "access_reconciles",
            "Passes of the access reconciler (Kafka credentials and ACLs), by outcome",
            access_passes.clone(),
        );
        let access_reconciled = Gauge::default();
        registry.register(
            "access_reconciled_timestamp_seconds",
            "Unix time Kafka's access last matched the registry (0: not yet)",
            access_reconciled.clone(),
        );
        let access_acls = Gauge::default();
        registry.register(
            "access_acls_managed",
            "Kafka ACLs the access reconciler created and keeps",
            access_acls.clone(),
        );
        let live_parts = Family::<OutcomeLabels, Counter>::default();
        for outcome in ["rendered", "shared"] {
            live_parts
                .get_or_create(&OutcomeLabels { outcome })
                .inc_by(0);
        }
        registry.register(
            "dashboard_live_parts",
            "Dashboard live parts served, rendered for the request or shared from another's",
            live_parts.clone(),
        );
        Self {
            registry: std::sync::Arc::new(registry),
            requests,
            durations,
            topics,
            kafka_states,
            failure_reports,
            producer_seen,
            sse_clients,
            access_passes,
            access_reconciled,
            access_acls,
            live_parts,
        }
    }

    /// Counts one live part served: rendered for it, or shared.
    pub fn count_live_part(&self, rendered: bool) {
        let outcome = if rendered { "rendered" } else { "shared" };
        self.live_parts
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts one pass of the access reconciler; a good one also sets when
    /// Kafka last matched the registry and how many ACLs it keeps there.
    pub fn count_access_pass(&self, managed_acls: Option<usize>) {
        let outcome = if managed_acls.is_some() {
            "ok"
        } else {
            "failed"
        };
        self.access_passes
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        if let Some(managed) = managed_acls {
            self.access_reconciled.set(chrono::Utc::now().timestamp());
            self.access_acls
                .set(i64::try_from(managed).unwrap_or(i64::MAX));
        }
    }

    /// Counts one failure report from the producer.
    pub fn count_failure_report(&self) {
        self.failure_reports.inc();
    }

    fn observe(&self, method: &Method, route: String, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.clone(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels { method, route })
            .observe(seconds);
    }
}

/// The methods the API and dashboard answer; any other (clients may send
/// any token) is `other`, so it cannot add series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [(Method, &str); 7] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
    ];
    KNOWN
        .iter()
        .find(|(known, _)| known == method)
        .map_or("other", |(_, label)| label)
}

/// Middleware: counts and times every request by its route pattern.
pub async fn measure(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().clone();
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        // The pattern is known once routing ran, that is, after the call.
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| UNMATCHED.to_owned());
        let seconds = started.elapsed().as_secs_f64();
        metrics.observe(&method, route, res.status().as_u16(), seconds);
    }
    Ok(res)
}

/// `GET /metrics`.
pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let metrics = &state.metrics;
    let counts = state.ask(GetTopicCounts).await?;
    // Every status and state is written, 0 when no topic has it, so a
    // status that empties drops to 0 rather than keeping its last count.
    for status in TopicStatus::iter() {
        let n = counts
            .by_status
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        metrics
            .topics
            .get_or_create(&StatusLabels {
                status: status.as_str(),
            })
            .set(n);
    }
    for state_ in KafkaState::iter() {
        let n = counts
            .by_kafka_state
            .iter()
            .find(|(s, _)| *s == state_)
            .map_or(0, |(_, n)| *n);
        metrics
            .kafka_states
            .get_or_create(&StateLabels {
                state: state_.as_str(),
            })
            .set(n);
    }
    metrics
        .sse_clients
        .set(i64::try_from(state.streams.open()).unwrap_or(i64::MAX));
    let seen = state.cluster.view().producer_seen_at;
    metrics
        .producer_seen
        .set(seen.map_or(0, |at| at.timestamp()));
    let text = render(&metrics.registry)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("cannot render the metrics: {e}")))?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}
