//! More partitions for an active topic: `POST /api/topics/{id}/partitions`
//! (anyone) records a request; `/api/topic-changes` lists them and lets the
//! admin approve or reject one.

use actix_web::{HttpResponse, web};

use super::auth::Approver;
use super::change_status_filter::StatusFilter;
use super::error::ApiError;
use super::identity::Caller;
use super::json;
use super::state::AppState;
use crate::actors::registry::{DecideChange, ListChanges, RequestPartitions};
use crate::api::{PartitionsRequest, RejectRequest, TopicChangeRequestView};
use crate::db::change_requests::Decision;
use crate::domain::{Actor, Role, TopicId, parse_reason};

/// Routes under `/api/topic-changes`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list)))
        .service(web::resource("/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/{id}/reject").route(web::post().to(reject)));
}

/// Records a request for more partitions.
pub(super) async fn request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PartitionsRequest = json::parse(&body)?;
    let actor = caller.change_requester(
        &state,
        body.requested_by.as_deref(),
        "request more partitions",
    )?;
    let change = state
        .ask(RequestPartitions {
            topic: *id,
            partitions: body.partitions,
            actor: actor.to_string(),
        })
        .await?;
    log::info!(
        "more partitions for topic '{}' requested ({} -> {}) by {actor}",
        change.topic_name,
        change.partitions_from,
        change.partitions_to
    );
    Ok(HttpResponse::Created().json(change))
}

async fn list(
    state: web::Data<AppState>,
    query: web::Query<StatusFilter>,
) -> Result<HttpResponse, ApiError> {
    let statuses = query.statuses()?;
    Ok(HttpResponse::Ok().json(state.ask(ListChanges(statuses)).await?))
}

/// Approves or rejects a change request; shared by the API and the
/// dashboard.
pub(super) async fn decide(
    state: &AppState,
    change_id: i32,
    decision: Decision,
    reason: Option<String>,
    by: &Caller,
) -> Result<TopicChangeRequestView, ApiError> {
    let reason = parse_reason(reason.as_deref())?;
    by.require(Role::Approver, "decide change requests")?;
    let change = state
        .ask(DecideChange {
            change_id,
            decision,
            actor: by.actor().unwrap_or(Actor::Admin).to_string(),
            reason,
        })
        .await?;
    log::info!(
        "partition change {} of topic '{}' {}",
        change.change_id,
        change.topic_name,
        change.status
    );
    Ok(change)
}

async fn approve(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(decide(&state, *id, Decision::Approve, None, &by).await?))
}

async fn reject(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let reason = json::parse_optional::<RejectRequest>(&body)?.reason;
    Ok(HttpResponse::Ok().json(decide(&state, *id, Decision::Reject, reason, &by).await?))
}
