//! `/api/cluster`: the Kafka cluster as the producer last reported it.
//!
//! Kept in this process's memory, not in the registry: it describes the
//! present (and whether the producer is alive), so a restarted admin
//! service rightly knows nothing until the producer's next poll.

use std::sync::RwLock;

use actix_web::{HttpResponse, web};
use chrono::Utc;

use super::auth::Producer;
use super::error::ApiError;
use super::json;
use super::state::AppState;
use crate::api::{ClusterReport, ClusterView};
use crate::domain::{FieldError, TextKind, checked_text};

/// More brokers than any cluster topicgate will meet: a larger count is a
/// broken report, and would lift the replication-factor check.
const MAX_BROKERS: i32 = 10_000;

/// Longest Kafka version string kept (`3.9.0`, `7.7.1-ccs`).
const MAX_KAFKA_VERSION_LEN: usize = 64;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/cluster")
            .route(web::get().to(show))
            .route(web::post().to(report)),
    );
}

/// The last cluster report; all `None` before the first.
#[derive(Default)]
pub struct ClusterMemory(RwLock<ClusterView>);

impl ClusterMemory {
    /// What is known now.
    pub fn view(&self) -> ClusterView {
        self.0.read().map(|view| view.clone()).unwrap_or_default()
    }

    fn remember(&self, view: ClusterView) {
        match self.0.write() {
            Ok(mut held) => *held = view,
            // A writer panicked mid-assignment; the value is whole either way.
            Err(poisoned) => *poisoned.into_inner() = view,
        }
    }
}

async fn show(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.cluster.view())
}

async fn report(
    _: Producer,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ClusterReport = json::parse(&body)?;
    let view = checked(body)?;
    state.cluster.remember(view.clone());
    Ok(HttpResponse::Ok().json(view))
}

/// Refuses counts no cluster has, and a version string that is not one.
fn checked(report: ClusterReport) -> Result<ClusterView, FieldError> {
    if !(1..=MAX_BROKERS).contains(&report.brokers) {
        return Err(FieldError::new(
            "brokers",
            format!(
                "must be between 1 and {MAX_BROKERS}, got {}",
                report.brokers
            ),
        ));
    }
    if let Some(id) = report.controller.filter(|id| *id < 0) {
        return Err(FieldError::new(
            "controller",
            format!("must be a broker id (0 or more), got {id}"),
        ));
    }
    let kafka_version = match report.kafka_version.as_deref().map(str::trim) {
        Some(version) if !version.is_empty() => Some(checked_text(
            "kafka_version",
            version,
            MAX_KAFKA_VERSION_LEN,
            TextKind::Identifier,
        )?),
        _ => None,
    };
    Ok(ClusterView {
        brokers: Some(report.brokers),
        controller: report.controller,
        kafka_version,
        producer_seen_at: Some(Utc::now()),
    })
}
