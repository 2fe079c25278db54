//! Changes of a topic's value schema: `POST /api/topics/{id}/schema`
//! (anyone, rate limited) asks, checked for compatibility at once;
//! `/api/schema-changes` lists them and lets the admin approve or reject.

use actix_web::{HttpResponse, web};

use super::auth::Approver;
use super::change_status_filter::StatusFilter;
use super::error::ApiError;
use super::identity::Caller;
use super::json;
use super::state::AppState;
use crate::actors::registry::{DecideSchemaChange, ListSchemaChanges, RequestSchemaChange};
use crate::api::{RejectRequest, SchemaChangeRequest, SchemaChangeView};
use crate::db::change_requests::Decision;
use crate::domain::{Actor, Role, SchemaDocument, TopicId, parse_reason};

/// Routes under `/api/schema-changes`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list)))
        .service(web::resource("/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/{id}/reject").route(web::post().to(reject)));
}

/// Why a schema is refused, with each reason, as a 409.
fn incompatible(topic: TopicId, problems: &[String]) -> ApiError {
    ApiError::Conflict(format!(
        "the schema is not compatible with topic {topic}'s approved versions: {}",
        problems.join("; ")
    ))
}

/// Records a request for a new value schema.
pub(super) async fn request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: SchemaChangeRequest = json::parse(&body)?;
    let schema = SchemaDocument::parse("schema", &body.schema)?;
    let actor = caller.change_requester(
        &state,
        body.requested_by.as_deref(),
        "request a schema change",
    )?;
    let change = state
        .ask(RequestSchemaChange {
            topic: *id,
            schema,
            actor: actor.to_string(),
        })
        .await?
        .map_err(|problems| incompatible(*id, &problems))?;
    log::info!(
        "schema change {} of topic '{}' requested by {actor}",
        change.change_id,
        change.topic_name
    );
    Ok(HttpResponse::Created().json(change))
}

async fn list(
    state: web::Data<AppState>,
    query: web::Query<StatusFilter>,
) -> Result<HttpResponse, ApiError> {
    let statuses = query.statuses()?;
    Ok(HttpResponse::Ok().json(state.ask(ListSchemaChanges(statuses)).await?))
}

/// Approves or rejects a schema change; shared by the API and the dashboard.
pub(super) async fn decide(
    state: &AppState,
    change_id: i32,
    decision: Decision,
    reason: Option<String>,
    by: &Caller,
) -> Result<SchemaChangeView, ApiError> {
    let reason = parse_reason(reason.as_deref())?;
    by.require(Role::Approver, "decide change requests")?;
    let change = state
        .ask(DecideSchemaChange {
            change_id,
            decision,
            actor: by.actor().unwrap_or(Actor::Admin).to_string(),
            reason,
        })
        .await?
        .map_err(|problems| {
            ApiError::Conflict(format!(
                "schema change {change_id} is no longer compatible with what was approved \
                 meanwhile: {}",
                problems.join("; ")
            ))
        })?;
    log::info!(
        "schema change {} of topic '{}' {}",
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
