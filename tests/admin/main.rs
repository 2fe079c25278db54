//! The admin service's integration tests, one module per former test file:
//! the REST API, the `topicgate-admin` binary, the dashboard without and
//! with a browser, and the registry schema. One binary per area, because
//! every test binary links rdkafka, diesel and actix and linking is most of
//! what an edit costs.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod browser_dashboard;
mod dashboard_forms;
mod dashboard_rendering;
mod identity;
mod kafka_state;
mod metrics;
mod process;
mod records;
mod replicas;
mod retire;
mod schema;
mod schemas;
mod topic_edits;
mod topic_page;
