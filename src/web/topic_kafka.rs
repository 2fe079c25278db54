//! `POST /api/topics/{id}/kafka`: the producer reports where a topic stands
//! in Kafka.

use actix_web::{HttpResponse, web};

use super::auth::Producer;
use super::error::ApiError;
use super::json;
use super::state::AppState;
use crate::actors::registry::ReportKafkaState;
use crate::api::KafkaReport;
use crate::domain::{Actor, CheckedKafkaReport, KafkaState, TopicId};

/// Stores the report and answers the topic as the registry now has it.
pub(super) async fn report(
    _: Producer,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: KafkaReport = json::parse(&body)?;
    let report = CheckedKafkaReport::parse(
        body.state,
        body.error.as_deref(),
        body.partitions,
        body.replication_factor,
    )?;
    let failed = report.state == KafkaState::Failed;
    let topic = state
        .ask(ReportKafkaState {
            topic: *id,
            report,
            actor: Actor::Producer.to_string(),
        })
        .await?;
    // Counted once stored: a refused report changed nothing.
    if failed {
        state.metrics.count_failure_report();
    }
    Ok(HttpResponse::Ok().json(topic))
}
